// SPDX-License-Identifier: MIT
//
// The stack: opening the connection, and the one-shot operations, each a
// batch of one.
#include <cerrno>
#include <cstring>
#include <string.h>

#include "hsm/stack.hpp"

#include "op.hpp"

namespace hsm {

using namespace detail;

Result<CryptoStack> CryptoStack::Create(const CryptoStackConfig &cfg)
{
	auto c = Connection::get(cfg.region_size);
	if (!c)
		return std::unexpected(c.error());
	return CryptoStack(*c, cfg.timeout);
}

ModuleInfo CryptoStack::Info() const noexcept
{
	const hsm_info &i = conn_->info();
	ModuleInfo m;
	m.abi_version = i.abi_version;
	m.module_version = std::string(i.module_version, strnlen(i.module_version, sizeof(i.module_version)));
	m.platform = i.platform;
	m.max_inflight = i.max_inflight;
	m.default_timeout_ms = i.default_timeout_ms;
	m.region_size = conn_->region_size();
	m.op_slots = conn_->op_slots();
	return m;
}

Result<std::size_t> CryptoStack::one(unsigned int cmd, std::uint64_t handle, BufferRef params,
				       BufferRef in, BufferRef out, BufferRef iv, BufferRef aad,
				       BufferRef tag, const char *what, const void *inline_params,
				       std::uint32_t inline_len, std::uint32_t flags) const
{
	OpRecord rec;
	rec.cmd = cmd;
	rec.op.flags = flags;
	rec.op.handle = handle;
	rec.op.timeout_ms = timeout_.abi();
	rec.op.params = {params.off, params.len};
	refs(rec.op, in, out, iv, aad, tag);
	if (inline_len) {
		std::memcpy(rec.params, inline_params, inline_len);
		rec.params_len = inline_len;
	}
	conn_->run(rec);
	if (rec.res < 0)
		return std::unexpected(op_error(rec, what));
	return checked_len(rec, detail::result_bound(rec.op), what);
}

Result<std::size_t> CryptoStack::Digest(AlgorithmId alg, BufferRef in, BufferRef out) const
{
	if (auto ok = check_alg(alg, "Digest"); !ok)
		return std::unexpected(ok.error());
	return one(HSM_IOC_DIGEST, 0, {}, in, out, {}, {}, {}, "DIGEST", alg.c_str(),
			static_cast<std::uint32_t>(alg.size()));
}

Result<std::size_t> CryptoStack::Mac(const CryptoResourceId &k, BufferRef in, BufferRef tag,
				     bool truncate) const
{
	return one(HSM_IOC_MAC, k.value, {}, in, tag, {}, {}, {}, "MAC", nullptr, 0,
			truncate ? HSM_OP_F_TRUNCATE : 0);
}

Result<void> CryptoStack::MacVerify(const CryptoResourceId &k, BufferRef in, BufferRef tag) const
{
	return drop_value(one(HSM_IOC_MAC_VERIFY, k.value, {}, in, {}, {}, {}, tag, "MAC_VERIFY"));
}

Result<std::size_t> CryptoStack::Seal(const CryptoResourceId &k, BufferRef nonce, BufferRef aad, BufferRef in,
				      BufferRef out, BufferRef tag) const
{
	return one(HSM_IOC_SEAL, k.value, {}, in, out, nonce, aad, tag, "SEAL");
}

Result<std::size_t> CryptoStack::Open(const CryptoResourceId &k, BufferRef nonce, BufferRef aad, BufferRef in,
				      BufferRef out, BufferRef tag) const
{
	return one(HSM_IOC_OPEN, k.value, {}, in, out, nonce, aad, tag, "OPEN");
}

Result<std::size_t> CryptoStack::Encrypt(const CryptoResourceId &k, BufferRef iv, BufferRef in, BufferRef out) const
{
	return one(HSM_IOC_ENCRYPT, k.value, {}, in, out, iv, {}, {}, "ENCRYPT");
}

Result<std::size_t> CryptoStack::Decrypt(const CryptoResourceId &k, BufferRef iv, BufferRef in, BufferRef out) const
{
	return one(HSM_IOC_DECRYPT, k.value, {}, in, out, iv, {}, {}, "DECRYPT");
}

Result<std::size_t> CryptoStack::Sign(const CryptoResourceId &k, BufferRef in, BufferRef sig) const
{
	return one(HSM_IOC_SIGN, k.value, {}, in, sig, {}, {}, {}, "SIGN");
}

Result<void> CryptoStack::Verify(const CryptoResourceId &k, BufferRef in, BufferRef sig) const
{
	return drop_value(one(HSM_IOC_VERIFY, k.value, {}, in, {}, {}, {}, sig, "VERIFY"));
}

Result<std::size_t> CryptoStack::Random(BufferRef out) const
{
	return one(HSM_IOC_RANDOM, 0, {}, {}, out, {}, {}, {}, "RANDOM");
}

} // namespace hsm
