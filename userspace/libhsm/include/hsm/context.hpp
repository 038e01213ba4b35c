// SPDX-License-Identifier: MIT
//
// hsm/context.hpp: streaming contexts (hash, MAC, cipher, AEAD, signature),
// made by CryptoStack::create_*_context() from these configs.  Errors common
// to every module call are listed in hsm/stack.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "hsm/memory.hpp"
#include "hsm/result.hpp"
#include "hsm/types.hpp"

namespace hsm {

namespace detail {
class Connection;
struct Op;
struct Refs;
}

/// The settings every context shares: algorithm, key, timeout override.
template <typename D>
struct ContextConfigBase {
	AlgorithmId algorithm;
	CryptoResourceId key;
	std::optional<Timeout> timeout;

	/// The algorithm (for keyed contexts, the key's).
	D &set_algorithm(AlgorithmId a) noexcept { algorithm = a; return self(); }
	D &set_key(const CryptoResourceId &k) noexcept { key = k; return self(); }
	/// Overrides the stack's default deadline for this context's calls.
	D &set_timeout(std::uint32_t ms) noexcept { timeout = Timeout::milliseconds(ms); return self(); }
	/// No deadline at all for this context's calls (long operations).
	D &disable_timeout() noexcept { timeout = Timeout::disabled(); return self(); }

private:
	D &self() noexcept { return static_cast<D &>(*this); }
};

enum class CipherDirection { kEncrypt, kDecrypt };
enum class MacDirection { kGenerate, kVerify };

struct HashContextConfig : ContextConfigBase<HashContextConfig> {};
struct MacContextConfig : ContextConfigBase<MacContextConfig> {
	MacDirection direction = MacDirection::kGenerate;
	MacContextConfig &set_direction(MacDirection d) noexcept { direction = d; return *this; }
};
struct CipherContextConfig : ContextConfigBase<CipherContextConfig> {
	CipherDirection direction = CipherDirection::kEncrypt;
	CipherContextConfig &set_direction(CipherDirection d) noexcept { direction = d; return *this; }
};
struct AeadContextConfig : ContextConfigBase<AeadContextConfig> {
	CipherDirection direction = CipherDirection::kEncrypt;
	std::uint32_t tag_length = 16;
	AeadContextConfig &set_direction(CipherDirection d) noexcept { direction = d; return *this; }
	/// Tag bytes: 4..16 for GCM, 16 for ChaCha20-Poly1305.
	AeadContextConfig &set_tag_length(std::uint32_t n) noexcept { tag_length = n; return *this; }
};
struct SignContextConfig : ContextConfigBase<SignContextConfig> {};
struct VerifyContextConfig : ContextConfigBase<VerifyContextConfig> {};

/// What every context does: init() -> update()* -> finalize(), then
/// reset() to reuse it with the same algorithm and key.  Misuse (update()
/// before init(), init() twice, reset() while updating) is Status::kInvalidState from the
/// module; a call that failed in the crypto layer or timed out leaves the
/// context failed (kInvalidState) until reset().  Released on destruction.
class StreamingContext {
public:
	StreamingContext() noexcept = default;
	StreamingContext(StreamingContext &&o) noexcept;
	StreamingContext &operator=(StreamingContext &&o) noexcept;
	~StreamingContext();

	/// Back to the created state.  Errors: kInvalidState (while updating).
	[[nodiscard]] Result<void> reset();
	/// Releases the context now.  Errors: kInvalidState (already released).
	[[nodiscard]] Result<void> release();
	[[nodiscard]] std::uint64_t id() const noexcept { return id_; }
	[[nodiscard]] bool is_active() const noexcept { return id_ != 0; }
	[[nodiscard]] Timeout timeout() const noexcept { return timeout_; }

protected:
	friend class CryptoStack;
	friend class Batch;
	/// This context's call `cmd` on refs `r`, as a batch queues it.
	detail::Op op(unsigned int cmd, const detail::Refs &r) const noexcept;
	/// Runs call `cmd` on refs `r` ({.out = digest}); returns its length.
	Result<std::size_t> call(unsigned int cmd, const detail::Refs &r) const;
	std::shared_ptr<detail::Connection> conn_;
	std::uint64_t id_ = 0;
	Timeout timeout_;
};

/// A streaming hash ("sha-256", "sha3-512", ...; no key).
class HashContext : public StreamingContext {
public:
	[[nodiscard]] Result<void> init();
	[[nodiscard]] Result<void> update(BufferRef in);
	/// Writes the digest; returns its size.  Errors: kBufferTooSmall.
	[[nodiscard]] Result<std::size_t> finalize(BufferRef digest);
};

/// A streaming MAC (HMAC, CMAC), generating or verifying.
class MacContext : public StreamingContext {
public:
	[[nodiscard]] Result<void> init();
	[[nodiscard]] Result<void> update(BufferRef in);
	/// kGenerate: writes the tag, returns its length.  Errors:
	/// kBufferTooSmall, kInvalidState on a kVerify context.
	[[nodiscard]] Result<std::size_t> finalize(BufferRef tag);
	/// kVerify: checks the expected tag (8 bytes..the MAC size).  Errors:
	/// kAuthFailed (mismatch; the context has finalized), kInvalidState on a
	/// kGenerate context.
	[[nodiscard]] Result<void> verify(BufferRef expected_tag);
};

/// A block or stream cipher, one type for both directions (CBC, CTR).
class CipherContext : public StreamingContext {
public:
	/// Errors: kInvalidArgument (IV not 16 bytes).
	[[nodiscard]] Result<void> init(BufferRef iv);
	/// Whole 16-byte blocks (one last CTR update may be partial); out has
	/// in's length and may be the same range.  Returns in's length.
	[[nodiscard]] Result<std::size_t> update(BufferRef in, BufferRef out);
	[[nodiscard]] Result<void> finalize();
};

/// An AEAD context (AES-GCM, ChaCha20-Poly1305).  The module buffers the
/// message (at most max_stream bytes: kLimitExceeded beyond) and works at
/// finalize(), so opening never releases unauthenticated plaintext.
class AeadContext : public StreamingContext {
public:
	/// Errors: kInvalidArgument (nonce length).
	[[nodiscard]] Result<void> init(BufferRef nonce, BufferRef aad = {});
	[[nodiscard]] Result<std::size_t> update(BufferRef in);
	/// Encrypt: writes the ciphertext and the tag (tag()); decrypt:
	/// checks the tag set by set_tag() and writes the plaintext.  Returns
	/// the total length.  Errors: kAuthFailed (decrypt; out is zeroed),
	/// kBufferTooSmall.
	[[nodiscard]] Result<std::size_t> finalize(BufferRef out);
	/// The tag of the last encrypting finalize().
	[[nodiscard]] std::span<const std::uint8_t> tag() const noexcept;
	/// The tag a decrypting finalize() checks.  Errors: kInvalidArgument
	/// (longer than 16 bytes).
	[[nodiscard]] Result<void> set_tag(std::span<const std::uint8_t> tag);

private:
	friend class CryptoStack;
	Buffer tag_;
	std::uint32_t tag_len_ = 16;
};

/// A signature (RSASSA-PKCS1-v1_5 "rsa-pkcs1-sha256/384/512").
class SignContext : public StreamingContext {
public:
	[[nodiscard]] Result<void> init();
	[[nodiscard]] Result<void> update(BufferRef in);
	/// Writes the signature; returns its length.  Errors: kBufferTooSmall.
	[[nodiscard]] Result<std::size_t> finalize(BufferRef signature);
};

/// A signature check.
class VerifyContext : public StreamingContext {
public:
	[[nodiscard]] Result<void> init();
	[[nodiscard]] Result<void> update(BufferRef in);
	/// Errors: kAuthFailed (the signature does not verify).
	[[nodiscard]] Result<void> finalize(BufferRef signature);
};

} // namespace hsm
