// SPDX-License-Identifier: GPL-2.0 OR MIT
// hsmd's cache of parsed keys.  hsm.ko sends the key with every request;
// OpenSSL's decoder takes far longer to parse a PKCS#8 or an SPKI than to
// sign with it.  The cache maps SHA-256 of the bytes sent, with the
// algorithm, to the key parsed and checked from them the first time.
// hsm.ko says when it destroys a key (HSM_WORKER_EVICT, with the digests
// of its private and public parts) and those entries go, so the worker
// keeps no key the module no longer has.  At most kCacheMax entries; the
// least recently used goes first.  Thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include <openssl/evp.h>

namespace hsmd {

inline constexpr std::size_t kCacheMax = 256;

using KeyDigest = std::array<std::uint8_t, 32>;

/// SHA-256 of a key's DER, the name hsm.ko gives it in an eviction.
KeyDigest key_digest(std::span<const std::uint8_t> der);

/// The key cached for (digest, alg), with a reference the caller owns
/// (EVP_PKEY_free), or nullptr.
EVP_PKEY *cache_find(const KeyDigest &d, std::string_view alg);

/// Caches key (a reference of the cache's own is taken).
void cache_put(const KeyDigest &d, std::string_view alg, EVP_PKEY *key);

/// Drops every key parsed from bytes of this digest.
void cache_evict(const KeyDigest &d);

/// Entries now.
std::size_t cache_size();

} // namespace hsmd
