# SPDX-License-Identifier: GPL-2.0 OR MIT
# SEV-SNP attestation verification (OpenSSL 3), part of libhsm.  Included
# by userspace/Makefile; paths are relative to userspace/.  Consumers link
# -lcrypto.  The objects are built by userspace/Makefile's
# $(BUILD)/userspace/%.o rule, with LIBHSM_SNP_CPPFLAGS added; a shared
# libhsm that takes LIBHSM_SNP_SRCS needs -fPIC on them.
LIBHSM_SNP_SRCS := $(wildcard libhsm/src/snp/*.cpp)
LIBHSM_SNP_OBJS := $(LIBHSM_SNP_SRCS:%.cpp=$(BUILD)/userspace/%.o)
LIBHSM_SNP_CPPFLAGS := -I$(TOP)/userspace/libhsm/include

# The archive the unit tests and hsmctl link until libhsm.so carries these.
$(BUILD)/userspace/libhsm-snp.a: $(LIBHSM_SNP_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

$(LIBHSM_SNP_OBJS): CPPFLAGS += $(LIBHSM_SNP_CPPFLAGS)

-include $(LIBHSM_SNP_OBJS:.o=.d)
