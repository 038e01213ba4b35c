// SPDX-License-Identifier: GPL-2.0 OR MIT
// hsmd's asymmetric operations: the pure crypto layer (OpenSSL 3.0 EVP),
// no I/O.  hsm.ko keeps the keys and hands the worker what one operation
// needs; these calls turn that into keys, signatures and plaintexts.
//
// Algorithms: "ecdsa-p256-sha256", "ecdsa-p384-sha384", "ed25519",
// "rsa-pss-sha256", "rsa-pss-sha384", "rsa-pss-sha512" (salt = hash
// length, MGF1 with the same hash) and "rsa-oaep-sha256" (MGF1-SHA-256,
// optional label).  Any RSA name takes any valid RSA key: the name picks
// the padding and hash, not the key.
//
// Keys in canonical form: a private key is an unencrypted PKCS#8
// PrivateKeyInfo (DER), a public key a SubjectPublicKeyInfo (DER).  EC
// keys are always on the named curve with uncompressed points.
//
// Every call returns 0 or a negative errno, and on error leaves every
// length at 0 (what it wrote into the buffers means nothing):
//   -EOPNOTSUPP  unknown algorithm name
//   -EINVAL      malformed key or input; a key of the wrong type, curve or
//                size for the algorithm; a digest of the wrong length for
//                PREHASHED; a flag the algorithm does not take; an
//                operation the algorithm does not do (OAEP sign, ...)
//   -EBADMSG     a signature that does not verify, an OAEP ciphertext that
//                does not decrypt (one code for every reason)
//   -EOVERFLOW   an output buffer too small
//   -EIO         OpenSSL failed internally
//   -ENOMEM      out of memory
//
// The calls share no state but OpenSSL's and the cache of parsed keys
// (cache.hpp, under its lock), and may run concurrently from any number
// of threads.  They never print, leave
// OpenSSL's error queue as they found it, and wipe every temporary copy
// of a secret.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace hsmd {

inline constexpr unsigned SIG_RAW = 1u << 0;	// ECDSA: r||s (P1363, fixed width) instead of DER
inline constexpr unsigned PREHASHED = 1u << 1;	// ECDSA, RSA-PSS: msg is the digest (exactly the hash length)
inline constexpr unsigned PKCS1 = 1u << 2;	// RSA-PSS keys: RSASSA-PKCS1-v1_5 instead of PSS

/// Whether alg is one of the names above.
bool known(std::string_view alg);

/// Whether this process's OpenSSL has the key type ("ML-DSA-65",
/// "ML-KEM-768": OpenSSL 3.5 and later).  A start-up probe, for before
/// the worker is confined: a fetch may load a provider.
bool openssl_has(const char *key_type);

/// A new key pair: bits is 0 for ECDSA and Ed25519, 2048, 3072 or 4096
/// for RSA (e = 65537); anything else is -EINVAL.  Writes priv and pub.
int generate(std::string_view alg, unsigned bits, std::span<uint8_t> priv, size_t &priv_len,
	     std::span<uint8_t> pub, size_t &pub_len);

/// Brings a key into canonical form.  Accepted:
///   ECDSA    private: PKCS#8, SEC1 ECPrivateKey, the raw big-endian scalar
///            (exactly 32/48 bytes, in [1, n-1]); public: SPKI, the
///            uncompressed point 04||X||Y (65/97 bytes, on the curve)
///   Ed25519  private: PKCS#8, the raw 32-byte seed; public: SPKI, the raw
///            32 bytes.  The raw forms have the same length: 32 bytes are
///            a public key when priv is empty (the caller asks for no
///            private key), a seed otherwise.
///   RSA      private: PKCS#8, PKCS#1 RSAPrivateKey; public: SPKI, PKCS#1
///            RSAPublicKey; a modulus of 2048, 3072 or 4096 bits and an
///            odd public exponent >= 3
/// A private key must be consistent (its public part matches its private
/// part, EVP_PKEY_check); it writes priv and pub.  A public key sets
/// priv_len to 0 and writes pub.  Trailing bytes after DER are -EINVAL.
int import_key(std::string_view alg, std::span<const uint8_t> in, std::span<uint8_t> priv,
	       size_t &priv_len, std::span<uint8_t> pub, size_t &pub_len);

/// Signs msg with priv (PKCS#8 of the algorithm's type).  ECDSA and
/// RSA-PSS hash msg unless PREHASHED; ECDSA answers DER unless SIG_RAW.
/// RSA-PSS names with PKCS1 sign RSASSA-PKCS1-v1_5 with the same key and
/// hash; PKCS1 | SIG_RAW pads msg, an encoded DigestInfo of at most the
/// modulus's size less 11 bytes, without hashing it (PKCS#11's
/// CKM_RSA_PKCS).  Ed25519 is pure (no flags).  RSA-OAEP does not sign
/// (-EINVAL).
int sign(std::string_view alg, unsigned flags, std::span<const uint8_t> priv,
	 std::span<const uint8_t> msg, std::span<uint8_t> sig, size_t &sig_len);

/// Verifies sig over msg with pub (SPKI), with sign()'s flags.  Any
/// signature that does not verify is -EBADMSG: a wrong value, a wrong
/// length, DER that is not strict DER or has trailing bytes.
int verify(std::string_view alg, unsigned flags, std::span<const uint8_t> pub,
	   std::span<const uint8_t> msg, std::span<const uint8_t> sig);

/// RSA-OAEP (rsa-oaep-sha256 only; others -EINVAL) of msg under pub with
/// an optional label (empty: none).  A msg too long for the key is -EINVAL.
int encrypt(std::string_view alg, std::span<const uint8_t> pub, std::span<const uint8_t> label,
	    std::span<const uint8_t> msg, std::span<uint8_t> out, size_t &out_len);

/// The inverse of encrypt(); any ciphertext that does not decrypt under
/// priv and label is -EBADMSG, whatever the reason.
int decrypt(std::string_view alg, std::span<const uint8_t> priv, std::span<const uint8_t> label,
	    std::span<const uint8_t> ct, std::span<uint8_t> out, size_t &out_len);

/// ECDH ("ecdh-p256", "ecdh-p384"; no other name): the shared x
/// coordinate of the big-endian scalar priv (in [1, n-1]) and the peer
/// point x || y (on the curve), as the module keeps and takes them; with
/// an empty peer, the public key x || y of priv.  The module asks only for
/// what its own ECC library cannot compute.
int agree(std::string_view alg, std::span<const uint8_t> priv, std::span<const uint8_t> peer,
	  std::span<uint8_t> out, size_t &out_len);

/// pub (SPKI) in its raw form: EC 04||X||Y, Ed25519 the 32 bytes, RSA the
/// PKCS#1 RSAPublicKey DER.  import_key() takes each back.
int public_raw(std::string_view alg, std::span<const uint8_t> pub, std::span<uint8_t> out,
	       size_t &out_len);

} // namespace hsmd
