# SPDX-License-Identifier: GPL-2.0 OR MIT
# Intel TDX quote verification (OpenSSL 3, nlohmann-json), part of libhsm.
# Included by userspace/Makefile after snp.mk, whose X.509 helpers it
# shares; paths are relative to userspace/.  Consumers link -lcrypto.
LIBHSM_TDX_SRCS := $(wildcard libhsm/src/tdx/*.cpp)
LIBHSM_TDX_OBJS := $(LIBHSM_TDX_SRCS:%.cpp=$(BUILD)/userspace/%.o)

# The archive the unit tests and hsmctl link until libhsm.so carries these
# (with libhsm-snp.a after it).
$(BUILD)/userspace/libhsm-tdx.a: $(LIBHSM_TDX_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

$(LIBHSM_TDX_OBJS): CPPFLAGS += $(LIBHSM_SNP_CPPFLAGS)

-include $(LIBHSM_TDX_OBJS:.o=.d)
