// SPDX-License-Identifier: MIT
//
// What the HSM keeps for the key server, in persistent slots of the
// server's uid (saved sealed with `hsmctl slots save`, so that they reopen
// only in a VM of the same measurement):
//   <prefix>-master  AES-256-GCM: every stored record and the server's own
//                    OPAQUE secrets, with their identity as associated data
//   <prefix>-audit   HMAC-SHA-256: the links of the audit chains
//   <prefix>-tls     ECDSA P-256: the TLS key, never exportable
// None of the three can leave the module; a copy of the database without
// them is ciphertext.
#pragma once

#include <expected>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <openssl/evp.h>

#include <hsm/attest.hpp>
#include <hsm/hsm.hpp>

namespace ks {

using Bytes = std::vector<std::uint8_t>;

class Vault {
public:
	// Resolves the three slots; with `create`, makes those missing (a
	// fresh installation), else their absence is an error naming them.
	static std::expected<std::unique_ptr<Vault>, std::string> open(const std::string &prefix, bool create);

	// AES-256-GCM under the master key: nonce || ciphertext || tag, the
	// associated data binding `kind`, `user` and `id`.
	std::expected<Bytes, std::string> seal(std::string_view kind, std::string_view user, std::string_view id,
					       std::span<const std::uint8_t> plain) const;
	// nullopt if the record was altered, moved to another identity, or
	// sealed under another master key.
	std::optional<Bytes> open(std::string_view kind, std::string_view user, std::string_view id,
				  std::span<const std::uint8_t> sealed) const;

	// HMAC-SHA-256 under the audit key.
	std::expected<Bytes, std::string> mac(std::span<const std::uint8_t> msg) const;
	bool mac_ok(std::span<const std::uint8_t> msg, std::span<const std::uint8_t> tag) const;

	// The TLS key as OpenSSL signs with it: an EC key whose signatures the
	// module makes.  Owned by the vault.
	EVP_PKEY *tls_key() const { return tls_pkey_; }
	// The module's attestation of the TLS key (hsm/attest.hpp).
	std::expected<hsm::KeyAttestation, std::string> attest_tls(std::span<const std::uint8_t, HSM_KEY_NONCE_LEN> nonce) const;
	// Fresh random bytes from the module's DRBG.
	std::expected<Bytes, std::string> random(std::size_t n) const;

	// ECDSA over a SHA-256 digest with the TLS key, DER (OpenSSL's hook).
	std::expected<Bytes, std::string> tls_sign_digest(std::span<const std::uint8_t> digest) const;

	~Vault();

private:
	Vault(hsm::CryptoStack s) : stack_(std::move(s)) {}
	std::expected<void, std::string> resolve(const std::string &prefix, bool create);
	std::expected<void, std::string> make_tls_pkey();

	hsm::CryptoStack stack_;
	hsm::CryptoResourceId master_, audit_, tls_;
	EVP_PKEY *tls_pkey_ = nullptr;
};

} // namespace ks
