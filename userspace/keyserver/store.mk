# SPDX-License-Identifier: GPL-2.0 OR MIT
# The key server's database (keyserver/store): SQLite and PostgreSQL
# backends behind one interface.  Included by userspace/Makefile; paths
# are relative to userspace/.  The objects are built by userspace/Makefile's
# $(BUILD)/userspace/%.o rule, with KS_STORE_CPPFLAGS added; whatever links
# the archive also links KS_STORE_LIBS.
KS_STORE_SRCS := $(wildcard keyserver/store/*.cpp)
KS_STORE_OBJS := $(KS_STORE_SRCS:%.cpp=$(BUILD)/userspace/%.o)
KS_STORE_CPPFLAGS := $(shell pkg-config --cflags libpq sqlite3)
KS_STORE_LIBS := $(shell pkg-config --libs libpq sqlite3)

$(BUILD)/userspace/libks-store.a: $(KS_STORE_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

$(KS_STORE_OBJS): CPPFLAGS += $(KS_STORE_CPPFLAGS)

-include $(KS_STORE_OBJS:.o=.d)
