# SPDX-License-Identifier: GPL-2.0 OR MIT
# The key server (hsm-keyserver), its client library (libkeyclient.a) and
# command-line client (hsm-keyclient).  Included by userspace/Makefile after
# LIBHSM_OBJS, keyserver/opaque.mk and keyserver/store.mk.  libhsm is
# linked in statically: the server for the module, the client for libhsm's
# attestation verifier (it needs no /dev/hsm).
KS_PROTO_SRCS := $(wildcard keyserver/proto/*.cpp)
KS_SERVER_SRCS := $(wildcard keyserver/server/*.cpp)
KS_CLIENT_SRCS := $(filter-out keyserver/client/main.cpp,$(wildcard keyserver/client/*.cpp))
KS_PROTO_OBJS := $(KS_PROTO_SRCS:%.cpp=$(BUILD)/userspace/%.o)
KS_SERVER_OBJS := $(KS_SERVER_SRCS:%.cpp=$(BUILD)/userspace/%.o)
KS_CLIENT_OBJS := $(KS_CLIENT_SRCS:%.cpp=$(BUILD)/userspace/%.o)
KS_CLI_OBJS := $(BUILD)/userspace/keyserver/client/main.o
KS_LOAD_OBJS := $(BUILD)/userspace/keyserver/load/main.o
KS_CLIENT_LIB := $(BUILD)/userspace/libkeyclient.a
KS_ALL_OBJS := $(KS_PROTO_OBJS) $(KS_SERVER_OBJS) $(KS_CLIENT_OBJS) $(KS_CLI_OBJS) $(KS_LOAD_OBJS)

$(KS_ALL_OBJS): CPPFLAGS += $(OPAQUE_CPPFLAGS) $(LIBHSM_CPPFLAGS) -DHSM_VERSION='"$(VERSION)"'

$(KS_CLIENT_LIB): $(KS_CLIENT_OBJS) $(KS_PROTO_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

$(BUILD)/hsm-keyserver: $(KS_SERVER_OBJS) $(KS_PROTO_OBJS) $(BUILD)/userspace/libks-store.a \
		$(BUILD)/userspace/libopaque.a $(LIBHSM_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CXX) $(LDFLAGS) -o $@ $^ -lssl $(KS_STORE_LIBS) $(OPAQUE_LIBS) -luring -lpthread

$(BUILD)/hsm-keyclient: $(KS_CLI_OBJS) $(KS_CLIENT_LIB) $(BUILD)/userspace/libopaque.a $(LIBHSM_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CXX) $(LDFLAGS) -o $@ $^ -lssl $(OPAQUE_LIBS) -luring -lpthread

# The load test (scripts/run-keyserver-load.sh runs it in the guest).
$(BUILD)/hsm-keyserver-load: $(KS_LOAD_OBJS) $(KS_CLIENT_LIB) $(BUILD)/userspace/libopaque.a $(LIBHSM_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CXX) $(LDFLAGS) -o $@ $^ -lssl $(OPAQUE_LIBS) -luring -lpthread

-include $(KS_ALL_OBJS:.o=.d)
