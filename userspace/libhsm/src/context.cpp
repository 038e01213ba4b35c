// SPDX-License-Identifier: MIT
//
// Streaming contexts, and the stack's factories of them.
#include <cerrno>
#include <cstring>
#include <string.h>

#include "hsm/context.hpp"
#include "hsm/stack.hpp"

#include "op.hpp"

namespace hsm {

using namespace detail;

StreamingContext::StreamingContext(StreamingContext &&o) noexcept
	: conn_(std::move(o.conn_)), id_(o.id_), timeout_(o.timeout_)
{
	o.id_ = 0;
}

StreamingContext &StreamingContext::operator=(StreamingContext &&o) noexcept
{
	if (this != &o) {
		release_quietly(*this);
		conn_ = std::move(o.conn_);
		id_ = o.id_;
		timeout_ = o.timeout_;
		o.id_ = 0;
	}
	return *this;
}

StreamingContext::~StreamingContext()
{
	release_quietly(*this);
}

Result<void> StreamingContext::release()
{
	return detail::release(conn_, id_, HSM_IOC_CTX_RELEASE, "the context");
}

Op StreamingContext::op(unsigned int cmd, const Refs &r) const noexcept
{
	return {.cmd = cmd, .handle = id_, .refs = r, .timeout = timeout_};
}

Result<std::size_t> StreamingContext::call(unsigned int cmd, const Refs &r) const
{
	if (!id_ || !conn_)
		return fail(Status::kInvalidState, EBADFD, "the context is not active");
	return run_data(*conn_, op(cmd, r), timeout_);
}

Result<void> StreamingContext::reset() { return drop_value(call(HSM_IOC_CTX_RESET, {})); }

Result<void> HashContext::init() { return drop_value(call(HSM_IOC_CTX_INIT, {})); }
Result<void> HashContext::update(BufferRef in) { return drop_value(call(HSM_IOC_CTX_UPDATE, {.in = in})); }
Result<std::size_t> HashContext::finalize(BufferRef d) { return call(HSM_IOC_CTX_FINAL, {.out = d}); }

Result<void> MacContext::init() { return drop_value(call(HSM_IOC_CTX_INIT, {})); }
Result<void> MacContext::update(BufferRef in) { return drop_value(call(HSM_IOC_CTX_UPDATE, {.in = in})); }
Result<std::size_t> MacContext::finalize(BufferRef t) { return call(HSM_IOC_CTX_FINAL, {.out = t}); }
Result<void> MacContext::verify(BufferRef t) { return drop_value(call(HSM_IOC_CTX_FINAL, {.tag = t})); }

Result<void> CipherContext::init(BufferRef iv) { return drop_value(call(HSM_IOC_CTX_INIT, {.iv = iv})); }
Result<std::size_t> CipherContext::update(BufferRef in, BufferRef out)
{
	return call(HSM_IOC_CTX_UPDATE, {.in = in, .out = out});
}
Result<void> CipherContext::finalize() { return drop_value(call(HSM_IOC_CTX_FINAL, {})); }

Result<void> AeadContext::init(BufferRef nonce, BufferRef aad)
{
	return drop_value(call(HSM_IOC_CTX_INIT, {.iv = nonce, .aad = aad}));
}
Result<std::size_t> AeadContext::update(BufferRef in) { return call(HSM_IOC_CTX_UPDATE, {.in = in}); }
Result<std::size_t> AeadContext::finalize(BufferRef out)
{
	return call(HSM_IOC_CTX_FINAL, {.out = out, .tag = tag_.slice(0, tag_len_)});
}
std::span<const std::uint8_t> AeadContext::tag() const noexcept { return tag_.span().first(std::min<std::size_t>(tag_len_, tag_.size())); }
Result<void> AeadContext::set_tag(std::span<const std::uint8_t> t)
{
	if (t.size() > tag_.size() || t.empty())
		return fail(Status::kInvalidArgument, EINVAL, "set_tag: tags are 1..16 bytes");
	if (!conn_ || !conn_->alive())
		return fail(Status::kInvalidState, ECHILD, "set_tag: a context inherited across fork()");
	std::memcpy(tag_.data(), t.data(), t.size());
	tag_len_ = static_cast<std::uint32_t>(t.size());
	return {};
}

Result<void> SignContext::init() { return drop_value(call(HSM_IOC_CTX_INIT, {})); }
Result<void> SignContext::update(BufferRef in) { return drop_value(call(HSM_IOC_CTX_UPDATE, {.in = in})); }
Result<std::size_t> SignContext::finalize(BufferRef s) { return call(HSM_IOC_CTX_FINAL, {.out = s}); }

Result<void> VerifyContext::init() { return drop_value(call(HSM_IOC_CTX_INIT, {})); }
Result<void> VerifyContext::update(BufferRef in) { return drop_value(call(HSM_IOC_CTX_UPDATE, {.in = in})); }
Result<void> VerifyContext::finalize(BufferRef s) { return drop_value(call(HSM_IOC_CTX_FINAL, {.tag = s})); }

template <typename C, typename Cfg>
Result<C> CryptoStack::create_ctx(const Cfg &cfg, std::uint32_t ctx_op) const
{
	if (auto ok = check_alg(cfg.algorithm, "create_*_context"); !ok)
		return std::unexpected(ok.error());
	hsm_ctx_params p{};
	std::memcpy(p.alg, cfg.algorithm.c_str(), cfg.algorithm.size());
	p.op = ctx_op;
	auto id = run_create(*conn_, {.cmd = HSM_IOC_CTX_CREATE, .handle = cfg.key.value,
				      .inline_params = param_bytes(p)});
	if (!id)
		return std::unexpected(id.error());
	C c;
	c.conn_ = conn_;
	c.id_ = id->value;
	c.timeout_ = cfg.timeout ? *cfg.timeout : timeout_;
	return c;
}

Result<HashContext> CryptoStack::create_hash_context(const HashContextConfig &c) const
{
	return create_ctx<HashContext>(c, HSM_CTX_HASH);
}

Result<MacContext> CryptoStack::create_mac_context(const MacContextConfig &c) const
{
	return create_ctx<MacContext>(c, c.direction == MacDirection::kGenerate ? HSM_CTX_MAC : HSM_CTX_MAC_VERIFY);
}

Result<CipherContext> CryptoStack::create_cipher_context(const CipherContextConfig &c) const
{
	return create_ctx<CipherContext>(c, c.direction == CipherDirection::kEncrypt ? HSM_CTX_ENCRYPT : HSM_CTX_DECRYPT);
}

Result<AeadContext> CryptoStack::create_aead_context(const AeadContextConfig &c) const
{
	if (c.tag_length == 0 || c.tag_length > 16)
		return fail(Status::kInvalidArgument, EINVAL, "create_aead_context: tags are 1..16 bytes");
	auto tag = allocator().allocate(16, 64);
	if (!tag)
		return std::unexpected(tag.error());
	auto ctx = create_ctx<AeadContext>(c, c.direction == CipherDirection::kEncrypt ? HSM_CTX_SEAL : HSM_CTX_OPEN);
	if (!ctx)
		return ctx;
	ctx->tag_ = std::move(*tag);
	ctx->tag_len_ = c.tag_length;
	return ctx;
}

Result<SignContext> CryptoStack::create_sign_context(const SignContextConfig &c) const
{
	return create_ctx<SignContext>(c, HSM_CTX_SIGN);
}

Result<VerifyContext> CryptoStack::create_verify_context(const VerifyContextConfig &c) const
{
	return create_ctx<VerifyContext>(c, HSM_CTX_VERIFY);
}

} // namespace hsm
