// SPDX-License-Identifier: MIT
//
// hsm/keys.hpp: key management.  A KeyManager (CryptoStack::Keys()) makes
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

namespace detail {
class Connection;
struct Op;
}

/// A resource guard: the owner of an ephemeral key's ID.  Destroying it
/// releases the key in the module (errors are swallowed); Release() does so
/// explicitly and returns the error.  A context created from the key holds
/// the key itself, so the guard may go before the context; a guard released
/// before the context is created makes the creation fail with NotFound.
/// Converts to the CryptoResourceId for config setters.  Move-only.
class CryptoResourceGuard {
public:
	CryptoResourceGuard() noexcept = default;
	CryptoResourceGuard(CryptoResourceGuard &&o) noexcept;
	CryptoResourceGuard &operator=(CryptoResourceGuard &&o) noexcept;
	CryptoResourceGuard(const CryptoResourceGuard &) = delete;
	CryptoResourceGuard &operator=(const CryptoResourceGuard &) = delete;
	~CryptoResourceGuard();

	/// Releases the key now.  Errors: NotFound (already released in the
	/// module), InvalidState (this guard was already released or moved).
	[[nodiscard]] Result<void> Release();
	/// True until Release() or a move: a client-side hint only, the module
	/// is the one source of truth.
	[[nodiscard]] bool IsActive() const noexcept { return id_.valid(); }
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

	D &SetAlgorithm(AlgorithmId a) noexcept { algorithm = a; return self(); }
	D &SetPermissions(KeyOperationPermission p) noexcept { permissions = p; return self(); }
	/// The key may leave the module (ExportKey, WrapKey); needs kExport too.
	D &SetExportable(bool e = true) noexcept { exportable = e; return self(); }
	D &SetKeyLength(std::uint32_t bytes) noexcept { key_length = bytes; return self(); }

private:
	D &self() noexcept { return static_cast<D &>(*this); }
};

/// GenerateKey: a new key from the module's DRBG.
struct GenerateKeyParams : KeyParamsBase<GenerateKeyParams> {};

/// ImportKey: a key from caller-held material (copied to the module, then
/// wiped from the region).  The span must outlive the call.
struct ImportKeyParams : KeyParamsBase<ImportKeyParams> {
	std::span<const std::uint8_t> material;
	ImportKeyParams &SetMaterial(std::span<const std::uint8_t> m) noexcept { material = m; return *this; }
};

/// The KDF of DeriveKey: "hkdf-sha-256/384/512" (salt, info) or
/// "kdf108-ctr-hmac-sha-256/384/512" (fixed input data as `info`, no salt).
struct KdfParameters {
	AlgorithmId kdf;
	std::span<const std::uint8_t> salt;
	std::span<const std::uint8_t> info;

	KdfParameters &SetKdf(AlgorithmId k) noexcept { kdf = k; return *this; }
	KdfParameters &SetSalt(std::span<const std::uint8_t> s) noexcept { salt = s; return *this; }
	KdfParameters &SetInfo(std::span<const std::uint8_t> i) noexcept { info = i; return *this; }
};

/// DeriveKey: a new key from a base key ("secret" or HMAC, with kDerive).
struct DeriveKeyParams : KeyParamsBase<DeriveKeyParams> {
	CryptoResourceId base_key;
	KdfParameters kdf;
	DeriveKeyParams &SetBaseKey(const CryptoResourceId &k) noexcept { base_key = k; return *this; }
	DeriveKeyParams &SetKdf(const KdfParameters &k) noexcept { kdf = k; return *this; }
};

/// AgreeKey: a new key whose material is the shared secret of a private
/// key (kAgree) and a peer's public key (GetPublicKey's format).
struct AgreeKeyParams : KeyParamsBase<AgreeKeyParams> {
	CryptoResourceId private_key;
	std::span<const std::uint8_t> peer_public_key;
	AgreeKeyParams &SetPrivateKey(const CryptoResourceId &k) noexcept { private_key = k; return *this; }
	AgreeKeyParams &SetPeerPublicKey(std::span<const std::uint8_t> p) noexcept { peer_public_key = p; return *this; }
};

/// WrapKey: an exportable key encrypted under a wrapping key (kWrap):
/// AES-GCM or ChaCha20-Poly1305 (iv, aad, a tag of tag_length bytes) or
/// AES-KW ("aes-*-kw": no iv, aad or tag).
struct WrapKeyParams {
	CryptoResourceId wrapping_key;
	CryptoResourceId key;
	std::span<const std::uint8_t> iv;
	std::span<const std::uint8_t> aad;
	std::uint32_t tag_length = 16;

	WrapKeyParams &SetWrappingKey(const CryptoResourceId &k) noexcept { wrapping_key = k; return *this; }
	WrapKeyParams &SetKey(const CryptoResourceId &k) noexcept { key = k; return *this; }
	WrapKeyParams &SetIv(std::span<const std::uint8_t> v) noexcept { iv = v; return *this; }
	WrapKeyParams &SetAad(std::span<const std::uint8_t> a) noexcept { aad = a; return *this; }
	WrapKeyParams &SetTagLength(std::uint32_t n) noexcept { tag_length = n; return *this; }
};

/// What WrapKey returns: the wrapped material and (AEAD wrapping) the tag.
struct WrappedKey {
	std::vector<std::uint8_t> data;
	std::vector<std::uint8_t> tag;
};

/// UnwrapKey: a new key from wrapped material (kUnwrap on the wrapping key).
struct UnwrapKeyParams : KeyParamsBase<UnwrapKeyParams> {
	CryptoResourceId wrapping_key;
	std::span<const std::uint8_t> wrapped;
	std::span<const std::uint8_t> iv;
	std::span<const std::uint8_t> aad;
	std::span<const std::uint8_t> tag;

	UnwrapKeyParams &SetWrappingKey(const CryptoResourceId &k) noexcept { wrapping_key = k; return *this; }
	UnwrapKeyParams &SetWrapped(std::span<const std::uint8_t> w) noexcept { wrapped = w; return *this; }
	UnwrapKeyParams &SetIv(std::span<const std::uint8_t> v) noexcept { iv = v; return *this; }
	UnwrapKeyParams &SetAad(std::span<const std::uint8_t> a) noexcept { aad = a; return *this; }
	UnwrapKeyParams &SetTag(std::span<const std::uint8_t> t) noexcept { tag = t; return *this; }
};

/// One slot as ListSlots reports it (never the material).
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
/// copy.  Common errors: InvalidArgument (bad or truncated algorithm,
/// permissions the algorithm cannot use, wrong material length),
/// Unsupported (unknown algorithm), LimitExceeded (max_keys; max_slots),
/// InvalidState (slot name taken), OutOfMemory (region too full for the
/// call's scratch copy).  Thread-safe.
class KeyManager {
public:
	explicit KeyManager(std::shared_ptr<detail::Connection> c) noexcept : conn_(std::move(c)) {}

	[[nodiscard]] Result<CryptoResourceGuard> GenerateKey(const GenerateKeyParams &p) const;
	[[nodiscard]] Result<void> GenerateKey(const KeySlot &target, const GenerateKeyParams &p) const;
	[[nodiscard]] Result<CryptoResourceGuard> ImportKey(const ImportKeyParams &p) const;
	[[nodiscard]] Result<void> ImportKey(const KeySlot &target, const ImportKeyParams &p) const;
	/// Errors also: Unsupported (unknown KDF), InvalidArgument (output too
	/// long, key length missing).
	[[nodiscard]] Result<CryptoResourceGuard> DeriveKey(const DeriveKeyParams &p) const;
	[[nodiscard]] Result<void> DeriveKey(const KeySlot &target, const DeriveKeyParams &p) const;
	/// Errors also: InvalidArgument (peer point not on the curve, low order).
	[[nodiscard]] Result<CryptoResourceGuard> AgreeKey(const AgreeKeyParams &p) const;
	[[nodiscard]] Result<void> AgreeKey(const KeySlot &target, const AgreeKeyParams &p) const;
	/// Errors also: AuthFailed (the tag or integrity check does not verify).
	[[nodiscard]] Result<CryptoResourceGuard> UnwrapKey(const UnwrapKeyParams &p) const;
	[[nodiscard]] Result<void> UnwrapKey(const KeySlot &target, const UnwrapKeyParams &p) const;
	/// Errors also: NotPermitted (the wrapped key is not exportable).
	[[nodiscard]] Result<WrappedKey> WrapKey(const WrapKeyParams &p) const;

	/// Copies an exportable key's material (kExport) to `out`; returns its
	/// length.  Errors also: BufferTooSmall (out shorter than the key).
	[[nodiscard]] Result<std::size_t> ExportKey(const CryptoResourceId &key,
						    std::span<std::uint8_t> out) const;
	/// The public key of a key-agreement key.  Errors: BufferTooSmall.
	[[nodiscard]] Result<std::size_t> GetPublicKey(const CryptoResourceId &key,
						       std::span<std::uint8_t> out) const;

	/// Stores a copy of an ephemeral key in a persistent slot; the key's
	/// guard stays active.  Errors: InvalidState (name taken),
	/// LimitExceeded (max_slots), NotPermitted (group slot outside the group).
	[[nodiscard]] Result<void> PersistKey(const KeySlot &target,
							const CryptoResourceId &key) const;
	/// The ID of a slot's key in this process.  The first resolution opens
	/// the slot; later ones, from any stack of the process with the same
	/// fsuid and fsgid, return the same ID for as long as the process's
	/// connection lives.  The ID is a copy of the key: if another process
	/// deletes or replaces the slot, this one keeps resolving to the old
	/// key until DeleteSlot() or RefreshSlot() here.  Errors: NotFound
	/// (no such slot for this user or group), NotPermitted (group slot),
	/// InvalidState (a connection inherited across fork()).
	[[nodiscard]] Result<CryptoResourceId> ResolveSlot(const KeySlot &slot) const;
	/// Opens the slot afresh (after it was replaced elsewhere) and makes
	/// later ResolveSlot() calls return the new ID.  The ID resolved before
	/// stays valid until the connection closes.  Errors: as ResolveSlot.
	[[nodiscard]] Result<CryptoResourceId> RefreshSlot(const KeySlot &slot) const;
	/// Deletes a slot.  An ID resolved before stays usable (it is its own
	/// key); the name resolves afresh once stored again.  Errors: NotFound.
	[[nodiscard]] Result<void> DeleteSlot(const KeySlot &slot) const;
	/// The caller's slots, then its group's.
	[[nodiscard]] Result<std::vector<SlotInfo>> ListSlots() const;

private:
	// Runs a call that creates a key; the guard of its ID.
	Result<CryptoResourceGuard> guard(const detail::Op &op) const;
	Result<CryptoResourceId> resolve(const KeySlot &slot, bool fresh) const;
	std::shared_ptr<detail::Connection> conn_;
};

} // namespace hsm
