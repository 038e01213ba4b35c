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
		try {
			(void)Release();
		} catch (...) {
		}
		conn_ = std::move(o.conn_);
		id_ = o.id_;
		timeout_ = o.timeout_;
		o.id_ = 0;
	}
	return *this;
}

StreamingContext::~StreamingContext()
{
	try {
		(void)Release();
	} catch (...) {
	}
}

Result<void> StreamingContext::Release()
{
	if (!id_ || !conn_)
		return fail(Status::InvalidState, EBADFD, "Release: the context is not active");
	std::uint64_t id = id_;
	id_ = 0;
	auto r = release(*conn_, HSM_IOC_CTX_RELEASE, id);
	conn_.reset();
	return r;
}

Op StreamingContext::op(unsigned int cmd, const Refs &r) const noexcept
{
	return {.cmd = cmd, .handle = id_, .refs = r, .timeout = timeout_};
}

Result<std::size_t> StreamingContext::call(unsigned int cmd, const Refs &r) const
{
	if (!id_ || !conn_)
		return fail(Status::InvalidState, EBADFD, "the context is not active");
	return run_data(*conn_, op(cmd, r), timeout_);
}

Result<void> StreamingContext::Reset() { return drop_value(call(HSM_IOC_CTX_RESET, {})); }

Result<void> HashContext::Init() { return drop_value(call(HSM_IOC_CTX_INIT, {})); }
Result<void> HashContext::Update(BufferRef in) { return drop_value(call(HSM_IOC_CTX_UPDATE, {.in = in})); }
Result<std::size_t> HashContext::Finalize(BufferRef d) { return call(HSM_IOC_CTX_FINAL, {.out = d}); }

Result<void> MacContext::Init() { return drop_value(call(HSM_IOC_CTX_INIT, {})); }
Result<void> MacContext::Update(BufferRef in) { return drop_value(call(HSM_IOC_CTX_UPDATE, {.in = in})); }
Result<std::size_t> MacContext::Finalize(BufferRef t) { return call(HSM_IOC_CTX_FINAL, {.out = t}); }
Result<void> MacContext::Verify(BufferRef t) { return drop_value(call(HSM_IOC_CTX_FINAL, {.tag = t})); }

Result<void> CipherContext::Init(BufferRef iv) { return drop_value(call(HSM_IOC_CTX_INIT, {.iv = iv})); }
Result<std::size_t> CipherContext::Update(BufferRef in, BufferRef out)
{
	return call(HSM_IOC_CTX_UPDATE, {.in = in, .out = out});
}
Result<void> CipherContext::Finalize() { return drop_value(call(HSM_IOC_CTX_FINAL, {})); }

Result<void> AeadContext::Init(BufferRef nonce, BufferRef aad)
{
	return drop_value(call(HSM_IOC_CTX_INIT, {.iv = nonce, .aad = aad}));
}
Result<std::size_t> AeadContext::Update(BufferRef in) { return call(HSM_IOC_CTX_UPDATE, {.in = in}); }
Result<std::size_t> AeadContext::Finalize(BufferRef out)
{
	return call(HSM_IOC_CTX_FINAL, {.out = out, .tag = tag_.Slice(0, tag_len_)});
}
std::span<const std::uint8_t> AeadContext::GetTag() const noexcept { return tag_.span().first(std::min<std::size_t>(tag_len_, tag_.size())); }
Result<void> AeadContext::SetTag(std::span<const std::uint8_t> t)
{
	if (t.size() > tag_.size() || t.empty())
		return fail(Status::InvalidArgument, EINVAL, "SetTag: tags are 1..16 bytes");
	if (!conn_ || !conn_->alive())
		return fail(Status::InvalidState, ECHILD, "SetTag: a context inherited across fork()");
	std::memcpy(tag_.data(), t.data(), t.size());
	tag_len_ = static_cast<std::uint32_t>(t.size());
	return {};
}

Result<void> SignContext::Init() { return drop_value(call(HSM_IOC_CTX_INIT, {})); }
Result<void> SignContext::Update(BufferRef in) { return drop_value(call(HSM_IOC_CTX_UPDATE, {.in = in})); }
Result<std::size_t> SignContext::Finalize(BufferRef s) { return call(HSM_IOC_CTX_FINAL, {.out = s}); }

Result<void> VerifyContext::Init() { return drop_value(call(HSM_IOC_CTX_INIT, {})); }
Result<void> VerifyContext::Update(BufferRef in) { return drop_value(call(HSM_IOC_CTX_UPDATE, {.in = in})); }
Result<void> VerifyContext::Finalize(BufferRef s) { return drop_value(call(HSM_IOC_CTX_FINAL, {.tag = s})); }

template <typename C, typename Cfg>
Result<C> CryptoStack::create_ctx(const Cfg &cfg, std::uint32_t ctx_op) const
{
	if (auto ok = check_alg(cfg.algorithm, "Create*Context"); !ok)
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

Result<HashContext> CryptoStack::CreateHashContext(const HashContextConfig &c) const
{
	return create_ctx<HashContext>(c, HSM_CTX_HASH);
}

Result<MacContext> CryptoStack::CreateMacContext(const MacContextConfig &c) const
{
	return create_ctx<MacContext>(c, c.direction == MacDirection::kGenerate ? HSM_CTX_MAC : HSM_CTX_MAC_VERIFY);
}

Result<CipherContext> CryptoStack::CreateCipherContext(const CipherContextConfig &c) const
{
	return create_ctx<CipherContext>(c, c.direction == CipherDirection::kEncrypt ? HSM_CTX_ENCRYPT : HSM_CTX_DECRYPT);
}

Result<AeadContext> CryptoStack::CreateAeadContext(const AeadContextConfig &c) const
{
	if (c.tag_length == 0 || c.tag_length > 16)
		return fail(Status::InvalidArgument, EINVAL, "CreateAeadContext: tags are 1..16 bytes");
	auto tag = Allocator().Allocate(16, 64);
	if (!tag)
		return std::unexpected(tag.error());
	auto ctx = create_ctx<AeadContext>(c, c.direction == CipherDirection::kEncrypt ? HSM_CTX_SEAL : HSM_CTX_OPEN);
	if (!ctx)
		return ctx;
	ctx->tag_ = std::move(*tag);
	ctx->tag_len_ = c.tag_length;
	return ctx;
}

Result<SignContext> CryptoStack::CreateSignContext(const SignContextConfig &c) const
{
	return create_ctx<SignContext>(c, HSM_CTX_SIGN);
}

Result<VerifyContext> CryptoStack::CreateVerifyContext(const VerifyContextConfig &c) const
{
	return create_ctx<VerifyContext>(c, HSM_CTX_VERIFY);
}

} // namespace hsm
