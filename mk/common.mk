# SPDX-License-Identifier: GPL-2.0 OR MIT
# Settings shared by the userspace and test Makefiles.
PREFIX ?= /usr/local
CC ?= cc
CXX ?= c++

ifeq ($(V),1)
Q :=
msg =
else
Q := @
msg = @printf '  %-6s %s\n' '$(1)' '$(patsubst $(TOP)/%,%,$(2))';
endif

WARN := -Wall -Wextra -Wshadow -Wformat=2 -Wundef
ifeq ($(WERROR),1)
WARN += -Werror
endif

CPPFLAGS += -I$(TOP)/include/uapi -D_GNU_SOURCE
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 $(WARN)
CXXFLAGS ?= -O2 -g
CXXFLAGS += -std=c++23 $(WARN)
