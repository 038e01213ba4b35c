// SPDX-License-Identifier: GPL-2.0 OR MIT
// The answers a correct module gives, computed with OpenSSL from the same
// inputs: digests, MACs, AEAD and block ciphers, RSA signatures.  Never
// called in a forked child (OpenSSL's locks may be held by another thread).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

typedef struct evp_pkey_st EVP_PKEY;

namespace fz {

using Bytes = std::vector<uint8_t>;
using View = std::span<const uint8_t>;

namespace ref {

// Names are the ABI's ("sha-256", "hmac-sha-384", "aes-128-cbc", ...).
Bytes digest(const char *alg, View in);
Bytes hmac(const char *alg, View key, View in);
Bytes cmac(View key, View in);
// AEAD seal: ciphertext || tag (tag_len bytes).
Bytes seal(const char *alg, View key, View iv, View aad, View in, size_t tag_len);
// CBC, CTR and XTS, without padding.
Bytes cipher(const char *alg, View key, View iv, View in, bool encrypt);

// An RSA key made once per run, and its DER forms for KEY_IMPORT.
struct Rsa {
	EVP_PKEY *pkey = nullptr;
	Bytes priv_der, pub_der;
};
const Rsa &rsa2048();
Bytes rsa_sign(const char *hash, View msg);
bool rsa_verify(const char *hash, View sig, View msg);

// A peer's public key in KEY_PUBLIC's format: X25519 (32 bytes) or
// P-256 (x || y, 64 bytes), made once per run.
const Bytes &x25519_peer();
const Bytes &p256_peer();

std::string hex(View b, size_t max = 64);

}  // namespace ref
}  // namespace fz
