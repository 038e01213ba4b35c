# SPDX-License-Identifier: GPL-2.0 OR MIT
# OPAQUE (RFC 9807) for the key server: libopaque.a.  Included by
# userspace/Makefile and by tests/Makefile, which builds the same sources
# again with the sanitizers; every path here is absolute, so that the list
# and the rules mean the same from either directory.  Consumers add
# OPAQUE_CPPFLAGS and link OPAQUE_LIBS after the archive.
OPAQUE_DIR := $(TOP)/userspace/keyserver/opaque
OPAQUE_SRCS := $(addprefix $(OPAQUE_DIR)/src/,ake.cpp bytes.cpp client_login.cpp dh.cpp \
	envelope.cpp error.cpp hash.cpp ksf.cpp masking.cpp messages.cpp oprf.cpp password.cpp \
	random.cpp registration.cpp ristretto.cpp server_login.cpp server_secrets.cpp xmd.cpp)
OPAQUE_HDRS := $(wildcard $(OPAQUE_DIR)/include/opaque/*.hpp $(OPAQUE_DIR)/src/*.hpp)
OPAQUE_OBJS := $(OPAQUE_SRCS:$(OPAQUE_DIR)/src/%.cpp=$(BUILD)/userspace/opaque/%.o)
OPAQUE_CPPFLAGS := -I$(OPAQUE_DIR)/include
OPAQUE_LIBS := -lsodium -lcrypto -largon2

$(BUILD)/userspace/opaque/%.o: $(OPAQUE_DIR)/src/%.cpp
	$(call msg,CXX,$<)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CXX) $(CPPFLAGS) $(OPAQUE_CPPFLAGS) $(CXXFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/userspace/libopaque.a: $(OPAQUE_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

-include $(OPAQUE_OBJS:.o=.d)
