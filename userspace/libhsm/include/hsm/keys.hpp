// SPDX-License-Identifier: MIT
//
// hsm/keys.hpp: key management.  A KeyManager (CryptoStack::keys()) makes
// keys in the module (generated, imported, derived, agreed, unwrapped),
// stores them in persistent slots and resolves slot names; an ephemeral
// key's ID is owned by a CryptoResourceGuard.  Errors common to every module
// call are listed in hsm/stack.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "hsm/result.hpp"
#include "hsm/types.hpp"

namespace hsm {

struct KeyAttestation;

namespace detail {
class Connection;
struct Op;
}

/// A resource guard: the owner of an ephemeral key's ID.  Destroying it
/// releases the key in the module (errors are swallowed); release() does so
/// explicitly and returns the error.  A context created from the key holds
/// the key itself, so the guard may go before the context; a guard released
/// before the context is created makes the creation fail with kNotFound.
/// Converts to the CryptoResourceId for config setters.  Move-only.
class CryptoResourceGuard {
public:
	CryptoResourceGuard() noexcept = default;
	CryptoResourceGuard(CryptoResourceGuard &&o) noexcept;
	CryptoResourceGuard &operator=(CryptoResourceGuard &&o) noexcept;
	CryptoResourceGuard(const CryptoResourceGuard &) = delete;
	CryptoResourceGuard &operator=(const CryptoResourceGuard &) = delete;
	~CryptoResourceGuard();

	/// Releases the key now.  Errors: kNotFound (already released in the
	/// module), kInvalidState (this guard was already released or moved).
	[[nodiscard]] Result<void> release();
	/// True until release() or a move: a client-side hint only, the module
	/// is the one source of truth.
	[[nodiscard]] bool is_active() const noexcept { return id_.valid(); }
	[[nodiscard]] const CryptoResourceId &id() const noexcept { return id_; }
	operator const CryptoResourceId &() const noexcept { return id_; }

private:
	friend class KeyManager;
	CryptoResourceGuard(std::shared_ptr<detail::Connection> c, CryptoResourceId id) noexcept
		: conn_(std::move(c)), id_(id) {}
	std::shared_ptr<detail::Connection> conn_;
	CryptoResourceId id_;
};

/// A key's common parameters: algorithm, permissions, exportability and,
/// for variable-size keys (HMAC, "secret"), the length in bytes.
template <typename D>
struct KeyParamsBase {
	AlgorithmId algorithm;
	KeyOperationPermission permissions = KeyOperationPermission::kNone;
	bool exportable = false;
	std::uint32_t key_length = 0;

	D &set_algorithm(AlgorithmId a) noexcept { algorithm = a; return self(); }
	D &set_permissions(KeyOperationPermission p) noexcept { permissions = p; return self(); }
	/// The key may leave the module (export_key, wrap_key); needs kExport too.
	D &set_exportable(bool e = true) noexcept { exportable = e; return self(); }
	D &set_key_length(std::uint32_t bytes) noexcept { key_length = bytes; return self(); }

private:
	D &self() noexcept { return static_cast<D &>(*this); }
};

/// generate_key: a new key from the module's DRBG.
struct GenerateKeyParams : KeyParamsBase<GenerateKeyParams> {};

/// import_key: a key from caller-held material (copied to the module, then
/// wiped from the region).  The span must outlive the call.
struct ImportKeyParams : KeyParamsBase<ImportKeyParams> {
	std::span<const std::uint8_t> material;
	/// The material is a public key (worker algorithms): needed where the
	/// bytes alone cannot tell, as a raw Ed25519 key's 32 bytes.
	bool public_only = false;
	ImportKeyParams &set_material(std::span<const std::uint8_t> m) noexcept { material = m; return *this; }
	ImportKeyParams &set_public_only(bool v = true) noexcept { public_only = v; return *this; }
};

/// The KDF of derive_key: "hkdf-sha-256/384/512" (salt, info) or
/// "kdf108-ctr-hmac-sha-256/384/512" (fixed input data as `info`, no salt).
struct KdfParameters {
	AlgorithmId kdf;
	std::span<const std::uint8_t> salt;
	std::span<const std::uint8_t> info;

	KdfParameters &set_kdf(AlgorithmId k) noexcept { kdf = k; return *this; }
	KdfParameters &set_salt(std::span<const std::uint8_t> s) noexcept { salt = s; return *this; }
	KdfParameters &set_info(std::span<const std::uint8_t> i) noexcept { info = i; return *this; }
};

/// derive_key: a new key from a base key ("secret" or HMAC, with kDerive).
struct DeriveKeyParams : KeyParamsBase<DeriveKeyParams> {
	CryptoResourceId base_key;
	KdfParameters kdf;
	DeriveKeyParams &set_base_key(const CryptoResourceId &k) noexcept { base_key = k; return *this; }
	DeriveKeyParams &set_kdf(const KdfParameters &k) noexcept { kdf = k; return *this; }
};

/// agree_key: a new key whose material is the shared secret of a private
/// key (kAgree) and a peer's public key (get_public_key's format).
struct AgreeKeyParams : KeyParamsBase<AgreeKeyParams> {
	CryptoResourceId private_key;
	std::span<const std::uint8_t> peer_public_key;
	AgreeKeyParams &set_private_key(const CryptoResourceId &k) noexcept { private_key = k; return *this; }
	AgreeKeyParams &set_peer_public_key(std::span<const std::uint8_t> p) noexcept { peer_public_key = p; return *this; }
};

/// wrap_key: an exportable key encrypted under a wrapping key (kWrap):
/// AES-GCM or ChaCha20-Poly1305 (iv, aad, a tag of tag_length bytes) or
/// AES-KW ("aes-*-kw": no iv, aad or tag).
struct WrapKeyParams {
	CryptoResourceId wrapping_key;
	CryptoResourceId key;
	std::span<const std::uint8_t> iv;
	std::span<const std::uint8_t> aad;
	std::uint32_t tag_length = 16;

	WrapKeyParams &set_wrapping_key(const CryptoResourceId &k) noexcept { wrapping_key = k; return *this; }
	WrapKeyParams &set_key(const CryptoResourceId &k) noexcept { key = k; return *this; }
	WrapKeyParams &set_iv(std::span<const std::uint8_t> v) noexcept { iv = v; return *this; }
	WrapKeyParams &set_aad(std::span<const std::uint8_t> a) noexcept { aad = a; return *this; }
	WrapKeyParams &set_tag_length(std::uint32_t n) noexcept { tag_length = n; return *this; }
};

/// What wrap_key returns: the wrapped material and (AEAD wrapping) the tag.
struct WrappedKey {
	std::vector<std::uint8_t> data;
	std::vector<std::uint8_t> tag;
};

/// unwrap_key: a new key from wrapped material (kUnwrap on the wrapping key).
struct UnwrapKeyParams : KeyParamsBase<UnwrapKeyParams> {
	CryptoResourceId wrapping_key;
	std::span<const std::uint8_t> wrapped;
	std::span<const std::uint8_t> iv;
	std::span<const std::uint8_t> aad;
	std::span<const std::uint8_t> tag;

	UnwrapKeyParams &set_wrapping_key(const CryptoResourceId &k) noexcept { wrapping_key = k; return *this; }
	UnwrapKeyParams &set_wrapped(std::span<const std::uint8_t> w) noexcept { wrapped = w; return *this; }
	UnwrapKeyParams &set_iv(std::span<const std::uint8_t> v) noexcept { iv = v; return *this; }
	UnwrapKeyParams &set_aad(std::span<const std::uint8_t> a) noexcept { aad = a; return *this; }
	UnwrapKeyParams &set_tag(std::span<const std::uint8_t> t) noexcept { tag = t; return *this; }
};

/// One slot as list_slots reports it (never the material).
struct SlotInfo {
	KeySlot slot;
	AlgorithmId algorithm;
	KeyOperationPermission permissions = KeyOperationPermission::kNone;
	bool exportable = false;
	std::uint32_t key_length = 0;
};

/// Key management.  Every key-producing call has two overloads: the
/// ephemeral one returns a CryptoResourceGuard; the one taking a KeySlot
/// first stores the new key in that persistent slot and keeps no ephemeral
/// copy.  Common errors: kInvalidArgument (bad or truncated algorithm,
/// permissions the algorithm cannot use, wrong material length),
/// kUnsupported (unknown algorithm), kLimitExceeded (max_keys; max_slots),
/// kInvalidState (slot name taken), kOutOfMemory (region too full for the
/// call's scratch copy).  Thread-safe.
class KeyManager {
public:
	explicit KeyManager(std::shared_ptr<detail::Connection> c) noexcept : conn_(std::move(c)) {}

	[[nodiscard]] Result<CryptoResourceGuard> generate_key(const GenerateKeyParams &p) const;
	[[nodiscard]] Result<void> generate_key(const KeySlot &target, const GenerateKeyParams &p) const;
	[[nodiscard]] Result<CryptoResourceGuard> import_key(const ImportKeyParams &p) const;
	[[nodiscard]] Result<void> import_key(const KeySlot &target, const ImportKeyParams &p) const;
	/// Errors also: kUnsupported (unknown KDF), kInvalidArgument (output too
	/// long, key length missing).
	[[nodiscard]] Result<CryptoResourceGuard> derive_key(const DeriveKeyParams &p) const;
	[[nodiscard]] Result<void> derive_key(const KeySlot &target, const DeriveKeyParams &p) const;
	/// Errors also: kInvalidArgument (peer point not on the curve, low order).
	[[nodiscard]] Result<CryptoResourceGuard> agree_key(const AgreeKeyParams &p) const;
	[[nodiscard]] Result<void> agree_key(const KeySlot &target, const AgreeKeyParams &p) const;
	/// Errors also: kAuthFailed (the tag or integrity check does not verify).
	[[nodiscard]] Result<CryptoResourceGuard> unwrap_key(const UnwrapKeyParams &p) const;
	[[nodiscard]] Result<void> unwrap_key(const KeySlot &target, const UnwrapKeyParams &p) const;
	/// Errors also: kNotPermitted (the wrapped key is not exportable).
	[[nodiscard]] Result<WrappedKey> wrap_key(const WrapKeyParams &p) const;

	/// Copies an exportable key's material (kExport) to `out`; returns its
	/// length.  Errors also: kBufferTooSmall (out shorter than the key).
	[[nodiscard]] Result<std::size_t> export_key(const CryptoResourceId &key,
						    std::span<std::uint8_t> out) const;
	/// The public key of a key-agreement key (its raw form), or of a worker
	/// key pair (its SubjectPublicKeyInfo).  Errors: kBufferTooSmall.
	[[nodiscard]] Result<std::size_t> get_public_key(const CryptoResourceId &key,
						       std::span<std::uint8_t> out) const;
	/// A worker key pair's raw public key: the uncompressed EC point
	/// (PKCS#11's CKA_EC_POINT content), Ed25519's 32 bytes, or the
	/// PKCS#1 RSAPublicKey.  Errors: kBufferTooSmall, kInvalidArgument
	/// (not a worker key).
	[[nodiscard]] Result<std::size_t> get_raw_public_key(const CryptoResourceId &key,
							   std::span<std::uint8_t> out) const;

	/// The key pair's statement and the platform's evidence over it
	/// (KEY_ATTEST), for a relying party to check with
	/// verify_key_attestation() (hsm/attest.hpp).  platform: an enum
	/// hsm_platform, or 0 for the first the module reports on (SEV-SNP,
	/// then TDX); vmpl: SEV-SNP's, as SNP_REPORT takes it.  Errors:
	/// kInvalidArgument (not a worker key pair, or a public key alone),
	/// kUnsupported (the platform does not report), the platform's.
	[[nodiscard]] Result<KeyAttestation> attest_key(const CryptoResourceId &key,
							std::span<const std::uint8_t, HSM_KEY_NONCE_LEN> nonce,
							std::uint32_t platform = 0,
							std::uint32_t vmpl = 0) const;
	/// Stores a copy of an ephemeral key in a persistent slot; the key's
	/// guard stays active.  Errors: kInvalidState (name taken),
	/// kLimitExceeded (max_slots), kNotPermitted (group slot outside the group).
	[[nodiscard]] Result<void> persist_key(const KeySlot &target,
							const CryptoResourceId &key) const;
	/// The ID of a slot's key in this process.  The first resolution opens
	/// the slot; later ones, from any stack of the process with the same
	/// fsuid and fsgid, return the same ID for as long as the process's
	/// connection lives.  The ID is a copy of the key: if another process
	/// deletes or replaces the slot, this one keeps resolving to the old
	/// key until delete_slot() or refresh_slot() here.  Errors: kNotFound
	/// (no such slot for this user or group), kNotPermitted (group slot),
	/// kInvalidState (a connection inherited across fork()).
	[[nodiscard]] Result<CryptoResourceId> resolve_slot(const KeySlot &slot) const;
	/// Opens the slot afresh (after it was replaced elsewhere) and makes
	/// later resolve_slot() calls return the new ID.  The ID resolved before
	/// stays valid until the connection closes.  Errors: as resolve_slot.
	[[nodiscard]] Result<CryptoResourceId> refresh_slot(const KeySlot &slot) const;
	/// Deletes a slot.  An ID resolved before stays usable (it is its own
	/// key); the name resolves afresh once stored again.  Errors: kNotFound.
	[[nodiscard]] Result<void> delete_slot(const KeySlot &slot) const;
	/// The caller's slots, then its group's.
	[[nodiscard]] Result<std::vector<SlotInfo>> list_slots() const;

private:
	// Runs a call that creates a key; the guard of its ID.
	Result<CryptoResourceGuard> guard(const detail::Op &op) const;
	Result<CryptoResourceId> resolve(const KeySlot &slot, bool fresh) const;
	std::shared_ptr<detail::Connection> conn_;
};

} // namespace hsm
