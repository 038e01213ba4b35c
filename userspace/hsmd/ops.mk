# SPDX-License-Identifier: GPL-2.0 OR MIT
# hsmd's asymmetric operations (OpenSSL 3), the daemon's pure crypto layer.
# Paths are relative to userspace/ (the daemon's build and tests/Makefile
# prefix them); consumers link -lcrypto.  Listed, not globbed, so that the
# list means the same from any directory.
HSMD_OPS_SRCS := hsmd/ops.cpp hsmd/ops_ec.cpp hsmd/ops_ed25519.cpp hsmd/ops_rsa.cpp hsmd/cache.cpp
HSMD_OPS_HDRS := hsmd/ops.hpp hsmd/ops_internal.hpp hsmd/cache.hpp
