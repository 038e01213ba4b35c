// SPDX-License-Identifier: MIT
//
// hsm/stack.hpp: the control plane.  A CryptoStack talks to /dev/hsm through
// the process's one connection (every stack of a process shares it, and with
// it key IDs, slot IDs and the shared region); it makes keys (KeyManager),
// streaming contexts and one-shot operations, and batches of any of them
// (Batch) submitted with one io_uring_enter.
//
// Errors: every call returns Result<T>; Error carries the module's status
// unchanged (Status::NotFound for a released key, Status::InvalidState for a
// context call out of order, ...), the errno it came with, and a message
// naming the call.  Errors common to every module call, not repeated below:
//   NotFound       a key or context ID this connection does not hold
//   NotPermitted   the key lacks the permission the call needs
//   InvalidArgument a payload of the wrong length, a bad algorithm name, a
//                  ref outside the region, a truncated AlgorithmId
//   TimedOut       the deadline passed before the module could run the call
//   Unsupported    an algorithm the module does not know or cannot serve
//
// fork(): the child inherits neither the region nor the rings, so the
// parent's stacks, guards, contexts, buffers and batches are inert there:
// their calls fail with InvalidState (errno ECHILD) without reaching the
// module, and their destructors forget them (a guard's or context's ID
// stays the parent's, a buffer is not wiped).  The child may return or
// exit() normally with them alive; the parent keeps every key and context.
// CryptoStack::Create() in the child opens a connection of its own.  The
// contents of a parent's Buffer must not be touched in the child.
//
// Threads: a CryptoStack, KeyManager and MemoryAllocator may be shared by
// any number of threads.  A context may be called from several threads; the
// module runs its calls one at a time, in arrival order.  A Batch belongs to
// one thread at a time (build, submit and wait from the same thread, or hand
// it over with your own synchronisation); many threads may each run their
// own Batch on one stack at once, each thread through an io_uring of its
// own while there are no more threads than lanes (one per CPU, up to 8).
// A Buffer must not be written while an operation that reads it is in
// flight, nor read while one writes it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "hsm/memory.hpp"
#include "hsm/result.hpp"
#include "hsm/types.hpp"

namespace hsm {

namespace detail {
class Connection;
struct BatchImpl;
}

/// Settings of a CryptoStack.
struct CryptoStackConfig {
	/// Deadline of every call of this stack whose context does not
	/// override it.  Default: the module's default_timeout_ms.
	Timeout timeout = Timeout::Default();
	/// Bytes of the shared region, used only by the stack that opens the
	/// process's connection (the first one): a multiple of the page size.
	std::size_t region_size = 4u << 20;

	CryptoStackConfig &SetTimeout(std::uint32_t ms) noexcept
	{
		timeout = Timeout::Milliseconds(ms);
		return *this;
	}
	CryptoStackConfig &DisableTimeout() noexcept
	{
		timeout = Timeout::Disabled();
		return *this;
	}
	CryptoStackConfig &SetRegionSize(std::size_t bytes) noexcept
	{
		region_size = bytes;
		return *this;
	}
};

/// What the module reports about itself (a subset of struct hsm_info).
struct ModuleInfo {
	std::uint32_t abi_version = 0;
	std::string module_version;
	std::uint32_t platform = 0;	///< enum hsm_platform
	std::uint32_t max_inflight = 0;
	std::uint32_t default_timeout_ms = 0;
	std::size_t region_size = 0;	///< of this process's connection
	std::uint32_t op_slots = 0;	///< operations the library keeps in flight at most
};

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
	[[nodiscard]] Result<std::monostate> Release();
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
	[[nodiscard]] Result<std::monostate> GenerateKey(const KeySlot &target, const GenerateKeyParams &p) const;
	[[nodiscard]] Result<CryptoResourceGuard> ImportKey(const ImportKeyParams &p) const;
	[[nodiscard]] Result<std::monostate> ImportKey(const KeySlot &target, const ImportKeyParams &p) const;
	/// Errors also: Unsupported (unknown KDF), InvalidArgument (output too
	/// long, key length missing).
	[[nodiscard]] Result<CryptoResourceGuard> DeriveKey(const DeriveKeyParams &p) const;
	[[nodiscard]] Result<std::monostate> DeriveKey(const KeySlot &target, const DeriveKeyParams &p) const;
	/// Errors also: InvalidArgument (peer point not on the curve, low order).
	[[nodiscard]] Result<CryptoResourceGuard> AgreeKey(const AgreeKeyParams &p) const;
	[[nodiscard]] Result<std::monostate> AgreeKey(const KeySlot &target, const AgreeKeyParams &p) const;
	/// Errors also: AuthFailed (the tag or integrity check does not verify).
	[[nodiscard]] Result<CryptoResourceGuard> UnwrapKey(const UnwrapKeyParams &p) const;
	[[nodiscard]] Result<std::monostate> UnwrapKey(const KeySlot &target, const UnwrapKeyParams &p) const;
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
	[[nodiscard]] Result<std::monostate> PersistKey(const KeySlot &target,
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
	[[nodiscard]] Result<std::monostate> DeleteSlot(const KeySlot &slot) const;
	/// The caller's slots, then its group's.
	[[nodiscard]] Result<std::vector<SlotInfo>> ListSlots() const;

private:
	template <typename P>
	Result<CryptoResourceId> create(unsigned int cmd, const P &p) const;
	Result<std::monostate> to_slot(const KeySlot &target, Result<CryptoResourceId> id) const;
	Result<CryptoResourceId> resolve(const KeySlot &slot, bool fresh) const;
	std::shared_ptr<detail::Connection> conn_;
};

/// The settings every context shares: algorithm, key, timeout override.
template <typename D>
struct ContextConfigBase {
	AlgorithmId algorithm;
	CryptoResourceId key;
	std::optional<Timeout> timeout;

	/// The algorithm (for keyed contexts, the key's).
	D &SetAlgorithm(AlgorithmId a) noexcept { algorithm = a; return self(); }
	D &SetKey(const CryptoResourceId &k) noexcept { key = k; return self(); }
	/// Overrides the stack's default deadline for this context's calls.
	D &SetTimeout(std::uint32_t ms) noexcept { timeout = Timeout::Milliseconds(ms); return self(); }
	/// No deadline at all for this context's calls (long operations).
	D &DisableTimeout() noexcept { timeout = Timeout::Disabled(); return self(); }

private:
	D &self() noexcept { return static_cast<D &>(*this); }
};

enum class CipherDirection { kEncrypt, kDecrypt };
enum class MacDirection { kGenerate, kVerify };

struct HashContextConfig : ContextConfigBase<HashContextConfig> {};
struct MacContextConfig : ContextConfigBase<MacContextConfig> {
	MacDirection direction = MacDirection::kGenerate;
	MacContextConfig &SetDirection(MacDirection d) noexcept { direction = d; return *this; }
};
struct CipherContextConfig : ContextConfigBase<CipherContextConfig> {
	CipherDirection direction = CipherDirection::kEncrypt;
	CipherContextConfig &SetDirection(CipherDirection d) noexcept { direction = d; return *this; }
};
struct AeadContextConfig : ContextConfigBase<AeadContextConfig> {
	CipherDirection direction = CipherDirection::kEncrypt;
	std::uint32_t tag_length = 16;
	AeadContextConfig &SetDirection(CipherDirection d) noexcept { direction = d; return *this; }
	/// Tag bytes: 4..16 for GCM, 16 for ChaCha20-Poly1305.
	AeadContextConfig &SetTagLength(std::uint32_t n) noexcept { tag_length = n; return *this; }
};
struct SignContextConfig : ContextConfigBase<SignContextConfig> {};
struct VerifyContextConfig : ContextConfigBase<VerifyContextConfig> {};

/// What every context does: Init -> Update* -> Finalize, then Reset to
/// reuse it with the same algorithm and key.  Misuse (Update before Init,
/// Init twice, Reset while updating) is Status::InvalidState from the
/// module; a call that failed in the crypto layer or timed out leaves the
/// context failed (InvalidState) until Reset.  Released on destruction.
class StreamingContext {
public:
	StreamingContext() noexcept = default;
	StreamingContext(StreamingContext &&o) noexcept;
	StreamingContext &operator=(StreamingContext &&o) noexcept;
	~StreamingContext();

	/// Back to the created state.  Errors: InvalidState (while updating).
	[[nodiscard]] Result<std::monostate> Reset();
	/// Releases the context now.  Errors: InvalidState (already released).
	[[nodiscard]] Result<std::monostate> Release();
	[[nodiscard]] std::uint64_t id() const noexcept { return id_; }
	[[nodiscard]] bool IsActive() const noexcept { return id_ != 0; }
	[[nodiscard]] Timeout timeout() const noexcept { return timeout_; }

protected:
	friend class CryptoStack;
	friend class Batch;
	Result<std::uint32_t> call(unsigned int cmd, BufferRef in, BufferRef out,
				   BufferRef iv, BufferRef aad, BufferRef tag) const;
	std::shared_ptr<detail::Connection> conn_;
	std::uint64_t id_ = 0;
	Timeout timeout_;
};

/// A streaming hash ("sha-256", "sha3-512", ...; no key).
class HashContext : public StreamingContext {
public:
	[[nodiscard]] Result<std::monostate> Init();
	[[nodiscard]] Result<std::monostate> Update(BufferRef in);
	/// Writes the digest; returns its size.  Errors: BufferTooSmall.
	[[nodiscard]] Result<std::size_t> Finalize(BufferRef digest);
};

/// A streaming MAC (HMAC, CMAC), generating or verifying.
class MacContext : public StreamingContext {
public:
	[[nodiscard]] Result<std::monostate> Init();
	[[nodiscard]] Result<std::monostate> Update(BufferRef in);
	/// kGenerate: writes the tag, returns its length.  Errors:
	/// BufferTooSmall, InvalidState on a kVerify context.
	[[nodiscard]] Result<std::size_t> Finalize(BufferRef tag);
	/// kVerify: checks the expected tag (8 bytes..the MAC size).  Errors:
	/// AuthFailed (mismatch; the context has finalized), InvalidState on a
	/// kGenerate context.
	[[nodiscard]] Result<std::monostate> Verify(BufferRef expected_tag);
};

/// A block or stream cipher, one type for both directions (CBC, CTR).
class CipherContext : public StreamingContext {
public:
	/// Errors: InvalidArgument (IV not 16 bytes).
	[[nodiscard]] Result<std::monostate> Init(BufferRef iv);
	/// Whole 16-byte blocks (one last CTR update may be partial); out has
	/// in's length and may be the same range.  Returns in's length.
	[[nodiscard]] Result<std::size_t> Update(BufferRef in, BufferRef out);
	[[nodiscard]] Result<std::monostate> Finalize();
};

/// An AEAD context (AES-GCM, ChaCha20-Poly1305).  The module buffers the
/// message (at most max_stream bytes: LimitExceeded beyond) and works at
/// Finalize, so Open never releases unauthenticated plaintext.
class AeadContext : public StreamingContext {
public:
	/// Errors: InvalidArgument (nonce length).
	[[nodiscard]] Result<std::monostate> Init(BufferRef nonce, BufferRef aad = {});
	[[nodiscard]] Result<std::size_t> Update(BufferRef in);
	/// Encrypt: writes the ciphertext and the tag (GetTag()); decrypt:
	/// checks the tag set by SetTag() and writes the plaintext.  Returns
	/// the total length.  Errors: AuthFailed (decrypt; out is zeroed),
	/// BufferTooSmall.
	[[nodiscard]] Result<std::size_t> Finalize(BufferRef out);
	/// The tag of the last encrypting Finalize.
	[[nodiscard]] std::span<const std::uint8_t> GetTag() const noexcept;
	/// The tag a decrypting Finalize checks.  Errors: InvalidArgument
	/// (longer than 16 bytes).
	[[nodiscard]] Result<std::monostate> SetTag(std::span<const std::uint8_t> tag);

private:
	friend class CryptoStack;
	Buffer tag_;
	std::uint32_t tag_len_ = 16;
};

/// A signature (RSASSA-PKCS1-v1_5 "rsa-pkcs1-sha256/384/512").
class SignContext : public StreamingContext {
public:
	[[nodiscard]] Result<std::monostate> Init();
	[[nodiscard]] Result<std::monostate> Update(BufferRef in);
	/// Writes the signature; returns its length.  Errors: BufferTooSmall.
	[[nodiscard]] Result<std::size_t> Finalize(BufferRef signature);
};

/// A signature check.
class VerifyContext : public StreamingContext {
public:
	[[nodiscard]] Result<std::monostate> Init();
	[[nodiscard]] Result<std::monostate> Update(BufferRef in);
	/// Errors: AuthFailed (the signature does not verify).
	[[nodiscard]] Result<std::monostate> Finalize(BufferRef signature);
};

class Batch;

/// The entry point.  Thread-safe.  Copyable: copies share the connection
/// and the default timeout.
class CryptoStack {
public:
	/// Opens (or joins) the process's connection to /dev/hsm.  Errors:
	/// NotFound (no /dev/hsm: module not loaded), NotPermitted (device
	/// permissions), LimitExceeded (max_connections, region limits),
	/// Unsupported (module without shared regions or io_uring commands),
	/// InvalidArgument (region size not a page multiple), Internal.
	[[nodiscard]] static Result<CryptoStack> Create(const CryptoStackConfig &cfg = {});

	[[nodiscard]] KeyManager Keys() const noexcept { return KeyManager(conn_); }
	[[nodiscard]] MemoryAllocator Allocator() const noexcept { return MemoryAllocator(conn_); }
	[[nodiscard]] ModuleInfo Info() const noexcept;
	[[nodiscard]] Timeout DefaultTimeout() const noexcept { return timeout_; }

	/// Contexts.  Errors: NotFound (the key was released: keep its guard
	/// alive until this returns), NotPermitted (the key lacks the
	/// operation's permission), InvalidArgument (the algorithm does not do
	/// the operation), LimitExceeded (max_contexts).
	[[nodiscard]] Result<HashContext> CreateHashContext(const HashContextConfig &c) const;
	[[nodiscard]] Result<MacContext> CreateMacContext(const MacContextConfig &c) const;
	[[nodiscard]] Result<CipherContext> CreateCipherContext(const CipherContextConfig &c) const;
	[[nodiscard]] Result<AeadContext> CreateAeadContext(const AeadContextConfig &c) const;
	[[nodiscard]] Result<SignContext> CreateSignContext(const SignContextConfig &c) const;
	[[nodiscard]] Result<VerifyContext> CreateVerifyContext(const VerifyContextConfig &c) const;

	/// One-shot operations, each a batch of one (see Batch for the errors
	/// of each).  They return the module's result: a length, or 0.
	[[nodiscard]] Result<std::size_t> Digest(AlgorithmId alg, BufferRef in, BufferRef out) const;
	/// MAC; with `truncate`, a tag shorter than the MAC gets its prefix
	/// (else BufferTooSmall).
	[[nodiscard]] Result<std::size_t> Mac(const CryptoResourceId &key, BufferRef in, BufferRef tag,
					      bool truncate = false) const;
	[[nodiscard]] Result<std::monostate> MacVerify(const CryptoResourceId &key, BufferRef in,
						       BufferRef tag) const;
	[[nodiscard]] Result<std::size_t> Seal(const CryptoResourceId &key, BufferRef nonce, BufferRef aad,
					       BufferRef in, BufferRef out, BufferRef tag) const;
	[[nodiscard]] Result<std::size_t> Open(const CryptoResourceId &key, BufferRef nonce, BufferRef aad,
					       BufferRef in, BufferRef out, BufferRef tag) const;
	[[nodiscard]] Result<std::size_t> Encrypt(const CryptoResourceId &key, BufferRef iv, BufferRef in,
						  BufferRef out) const;
	[[nodiscard]] Result<std::size_t> Decrypt(const CryptoResourceId &key, BufferRef iv, BufferRef in,
						  BufferRef out) const;
	[[nodiscard]] Result<std::size_t> Sign(const CryptoResourceId &key, BufferRef in, BufferRef sig) const;
	[[nodiscard]] Result<std::monostate> Verify(const CryptoResourceId &key, BufferRef in,
						    BufferRef sig) const;
	[[nodiscard]] Result<std::size_t> Random(BufferRef out) const;

	// Platform calls (attestation report, derived keys, report
	// verification) live here once the platform layer lands: see
	// hsm/snp.hpp when present.

private:
	friend class Batch;
	CryptoStack(std::shared_ptr<detail::Connection> c, Timeout t) noexcept
		: conn_(std::move(c)), timeout_(t) {}
	template <typename C, typename Cfg>
	Result<C> create_ctx(const Cfg &c, std::uint32_t op) const;
	Result<std::uint32_t> one(unsigned int cmd, std::uint64_t handle, BufferRef params,
				  BufferRef in, BufferRef out, BufferRef iv, BufferRef aad,
				  BufferRef tag, const char *what, const void *inline_params = nullptr,
				  std::uint32_t inline_len = 0, std::uint32_t flags = 0) const;
	std::shared_ptr<detail::Connection> conn_;
	Timeout timeout_;
};

/// A batch: queue operations (any mix of keys, contexts and one-shots),
/// Submit() them with one io_uring_enter, then WaitAll(), WaitAny() or
/// Poll().  The library matches every completion to its operation; Get(id)
/// returns that operation's own result.  At most capacity() operations per
/// batch (fixed at construction, no allocation per operation).  When more
/// are queued than the connection may have in flight, Submit() sends what
/// fits and the waits send the rest as earlier ones complete.  Destroying a
/// batch waits for the operations it sent (the module is using their
/// buffers) and drops those never sent.  One thread at a time.
class Batch {
public:
	using OpId = std::uint32_t;

	/// A batch for up to `capacity` operations (1..65536) on `stack`,
	/// with the stack's default timeout.
	explicit Batch(const CryptoStack &stack, std::size_t capacity = 256);
	Batch(Batch &&) noexcept;
	Batch &operator=(Batch &&) noexcept;
	~Batch();

	/// Deadline of operations queued from now on (default: the stack's).
	void SetTimeout(Timeout t) noexcept;

	// Queue one operation; returns its id.  Errors (of queuing): LimitExceeded
	// (the batch is full), InvalidState (a moved-from batch),
	// InvalidArgument (truncated algorithm name).  The operation's own
	// errors come from Get():
	/// DIGEST: returns the digest size.  BufferTooSmall.
	[[nodiscard]] Result<OpId> Digest(AlgorithmId alg, BufferRef in, BufferRef out);
	/// MAC (kSign): returns the tag length.  BufferTooSmall, unless
	/// `truncate` asks for the prefix that fits in a shorter tag.
	[[nodiscard]] Result<OpId> Mac(const CryptoResourceId &key, BufferRef in, BufferRef tag,
				       bool truncate = false);
	/// MAC_VERIFY (kVerify): 0 or AuthFailed.
	[[nodiscard]] Result<OpId> MacVerify(const CryptoResourceId &key, BufferRef in, BufferRef tag);
	/// SEAL (kEncrypt): returns in's length.
	[[nodiscard]] Result<OpId> Seal(const CryptoResourceId &key, BufferRef nonce, BufferRef aad,
					BufferRef in, BufferRef out, BufferRef tag);
	/// OPEN (kDecrypt): returns in's length, or AuthFailed (out zeroed).
	[[nodiscard]] Result<OpId> Open(const CryptoResourceId &key, BufferRef nonce, BufferRef aad,
					BufferRef in, BufferRef out, BufferRef tag);
	/// ENCRYPT / DECRYPT (block and stream ciphers; no padding).
	[[nodiscard]] Result<OpId> Encrypt(const CryptoResourceId &key, BufferRef iv, BufferRef in, BufferRef out);
	[[nodiscard]] Result<OpId> Decrypt(const CryptoResourceId &key, BufferRef iv, BufferRef in, BufferRef out);
	/// SIGN (kSign): returns the signature length.  VERIFY: 0 or AuthFailed.
	[[nodiscard]] Result<OpId> Sign(const CryptoResourceId &key, BufferRef in, BufferRef sig);
	[[nodiscard]] Result<OpId> Verify(const CryptoResourceId &key, BufferRef in, BufferRef sig);
	/// RANDOM: returns out's length.
	[[nodiscard]] Result<OpId> Random(BufferRef out);
	/// Context calls, as the context's own methods.  Calls on one context
	/// run in the order queued, one after the other, whatever their sizes;
	/// once one fails, the later ones on that context fail with Canceled
	/// without running (so a Finalize never reports on a stream that lost
	/// a part), up to a Reset, which runs after its predecessor whatever
	/// its outcome.  Init: iv for ciphers, iv = nonce and aad for AEAD.
	/// Update: out for ciphers.  Finalize: out for the digest, tag,
	/// signature or AEAD output; tag for MAC/signature verification and
	/// the AEAD tag.
	[[nodiscard]] Result<OpId> Init(const StreamingContext &ctx, BufferRef iv = {}, BufferRef aad = {});
	[[nodiscard]] Result<OpId> Update(const StreamingContext &ctx, BufferRef in, BufferRef out = {});
	[[nodiscard]] Result<OpId> Finalize(const StreamingContext &ctx, BufferRef out = {}, BufferRef tag = {});
	[[nodiscard]] Result<OpId> Reset(const StreamingContext &ctx);

	/// Sends every queued operation that may be in flight now, with one
	/// io_uring_enter; returns how many it sent (counting context calls
	/// answered Canceled at once).  It stops at a context call whose
	/// predecessor on that context is still running and could not be
	/// linked to it; the waits send the rest.  An operation once sent is
	/// never answered before the module ran it: if the kernel refuses the
	/// submission for a while, the waits retry it.  Errors: InvalidState
	/// (a batch inherited across fork()).
	[[nodiscard]] Result<std::size_t> Submit();
	/// Submits what is queued and waits until every operation completed.
	/// Returns how many failed (their errors are in Get()).  Errors:
	/// InvalidState (a batch inherited across fork()).
	[[nodiscard]] Result<std::size_t> WaitAll();
	/// Submits what is queued and waits until one operation not yet
	/// returned by WaitAny() completed; returns its id.  Errors:
	/// InvalidState (every operation was already returned).
	[[nodiscard]] Result<OpId> WaitAny();
	/// Reaps what has completed without blocking; returns how many of this
	/// batch's operations are complete.
	[[nodiscard]] std::size_t Poll();

	/// The result of an operation: the module's return value (a length, or
	/// 0) or its error.  Errors also: InvalidState (not complete yet),
	/// InvalidArgument (no such id), Canceled (an earlier call on the same
	/// context failed), Internal (a length beyond the operation's output).
	[[nodiscard]] Result<std::uint32_t> Get(OpId id) const;
	/// True once the operation completed.
	[[nodiscard]] bool Done(OpId id) const noexcept;
	[[nodiscard]] std::size_t size() const noexcept;
	[[nodiscard]] std::size_t capacity() const noexcept;
	[[nodiscard]] std::size_t completed() const noexcept;
	/// Forgets every operation, to queue new ones.  Errors: InvalidState
	/// (operations still in flight: wait first).
	[[nodiscard]] Result<std::monostate> Clear();

private:
	Result<OpId> add(unsigned int cmd, std::uint64_t handle, BufferRef params, BufferRef in,
			 BufferRef out, BufferRef iv, BufferRef aad, BufferRef tag,
			 const void *inline_params, std::uint32_t inline_len, Timeout t,
			 std::uint32_t flags = 0);
	std::unique_ptr<detail::BatchImpl> impl_;
};

} // namespace hsm
