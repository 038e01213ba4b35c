# SPDX-License-Identifier: GPL-2.0 OR MIT
# hsm: a kernel-resident virtual HSM for confidential VMs.
#
#   make            build hsm.ko, hsmctl, libhsm, the tests and the benchmark
#   make test       install what is missing, build, run every test (native and
#                   in a QEMU guest); exits non-zero on any failure
#   make test-debug the same suites on a debug kernel built from Debian's
#                   linux-source (KASAN, lockdep, kmemleak, UBSAN, fault
#                   injection; cached after the first build), with ASan
#                   and UBSan userspace, every allocation failure tried,
#                   a longer fuzzer run and kmod/'s line coverage
#   make demo       install what is missing, build, boot the guest, load the
#                   module and show it working
#   make bench      install what is missing, build, boot the guest and run the
#                   benchmark against libkcapi, SoftHSM2 and OpenSSL; writes
#                   build/bench-results/results.md, .csv and PNG plots
#   make profile    the same guest, with perf: where the time of the headline
#                   benchmark cells goes, in build/profile/*.txt
#   make fuzz       install what is missing, build the libFuzzer targets
#                   (tests/fuzz) and run each over its corpus, about a minute
#                   in all (FUZZ_SECONDS=N: N seconds each); exits non-zero
#                   on any finding
#   make install    install libhsm (headers, pkg-config file), hsmctl, the ABI
#                   header and the man pages under PREFIX, hsm.ko's source
#                   in /usr/src/hsm-VERSION for DKMS, which builds the
#                   production module (no test hooks) for every installed
#                   kernel and each later one, and a udev rule giving
#                   /dev/hsm to the group hsm (created if missing); with
#                   DESTDIR set, only the files
#   make uninstall  undo make install, except the group
#   make deps       install the build and test dependencies (Debian, as root)
#
# V=1 shows every command; HSM_KVM=1 boots the guest with KVM instead of TCG.
# The module is built with its test hooks (BENCH, the SEV-SNP simulator),
# which the tests, the demo and the benchmark use; HSM_TESTING=0 leaves
# them out.
# Builds run one job per CPU unless -j says otherwise.

TOP := $(CURDIR)
BUILD ?= $(TOP)/build
PREFIX ?= /usr/local
# Where udev reads the rules a local install adds.
UDEVRULESDIR ?= /etc/udev/rules.d
HSM_TESTING ?= 1
export TOP BUILD PREFIX UDEVRULESDIR V HSM_TESTING

ifeq ($(V),1)
Q :=
else
Q := @
MAKEFLAGS += --no-print-directory -s
endif

# One job per CPU; a -j on the command line still wins, and sub-makes (the
# kernel's Kbuild among them) share the jobs through the jobserver.
ifeq ($(filter -j%,$(MAKEFLAGS)),)
MAKEFLAGS += -j$(shell nproc)
endif

all: kmod userspace tests benchmark

deps:
	$(Q)scripts/install-deps.sh

kmod:
	$(Q)$(MAKE) -C kmod $(if $(filter 1,$(V)),,-s)

userspace:
	$(Q)$(MAKE) -C userspace

# hsmctl alone: what the demo runs beside the module.
hsmctl:
	$(Q)$(MAKE) -C userspace hsmctl

tests: userspace
	$(Q)$(MAKE) -C tests

benchmark: userspace
	$(Q)$(MAKE) -C bench

test: deps
	$(Q)$(MAKE) all WERROR=1
	$(Q)scripts/run-tests.sh

test-debug:
	$(Q)scripts/install-deps.sh debug
	$(Q)$(MAKE) all WERROR=1
	$(Q)scripts/run-tests.sh --debug

demo: deps
	$(Q)$(MAKE) userspace
	$(Q)$(MAKE) -C tests examples
	$(Q)scripts/run-demo.sh

bench: deps
	$(Q)$(MAKE) all
	$(Q)scripts/run-bench.sh

profile: deps
	$(Q)scripts/install-deps.sh profile
	$(Q)$(MAKE) all
	$(Q)scripts/run-profile.sh

fuzz: deps
	$(Q)$(MAKE) -C tests fuzz
	$(Q)scripts/run-fuzz.sh $(FUZZ_SECONDS)

# DKMS builds the module (dkms.conf.in): nothing of kmod/ is built here.
install: userspace
	$(Q)$(MAKE) -C userspace install
	$(Q)scripts/install-module.sh install

uninstall:
	$(Q)scripts/install-module.sh uninstall
	$(Q)$(MAKE) -C userspace uninstall

clean:
	$(Q)$(MAKE) -C kmod clean >/dev/null
	$(Q)rm -rf $(BUILD)

.PHONY: all deps kmod userspace hsmctl tests benchmark test test-debug fuzz demo bench profile install \
	uninstall clean
