// SPDX-License-Identifier: MIT
//
// The stack: opening the connection, and the one-shot operations, each a
// batch of one.
#include <cerrno>
#include <string.h>

#include "hsm/stack.hpp"

#include "op.hpp"

namespace hsm {

using namespace detail;

Result<CryptoStack> CryptoStack::create(const CryptoStackConfig &cfg)
{
	auto c = Connection::get(cfg.region_size);
	if (!c)
		return std::unexpected(c.error());
	return CryptoStack(*c, cfg.timeout);
}

ModuleInfo CryptoStack::info() const noexcept
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

Result<std::size_t> CryptoStack::digest(AlgorithmId alg, BufferRef in, BufferRef out) const
{
	if (auto ok = check_alg(alg, "digest"); !ok)
		return std::unexpected(ok.error());
	return run_data(*conn_, digest_op(alg, in, out), timeout_);
}

Result<std::size_t> CryptoStack::mac(const CryptoResourceId &k, BufferRef in, BufferRef tag,
				     bool truncate) const
{
	return run_data(*conn_, mac_op(k, in, tag, truncate), timeout_);
}

Result<void> CryptoStack::mac_verify(const CryptoResourceId &k, BufferRef in, BufferRef tag) const
{
	return drop_value(run_data(*conn_, mac_verify_op(k, in, tag), timeout_));
}

Result<std::size_t> CryptoStack::seal(const CryptoResourceId &k, BufferRef nonce, BufferRef aad, BufferRef in,
				      BufferRef out, BufferRef tag) const
{
	return run_data(*conn_, aead_op(HSM_IOC_SEAL, k, nonce, aad, in, out, tag), timeout_);
}

Result<std::size_t> CryptoStack::open(const CryptoResourceId &k, BufferRef nonce, BufferRef aad, BufferRef in,
				      BufferRef out, BufferRef tag) const
{
	return run_data(*conn_, aead_op(HSM_IOC_OPEN, k, nonce, aad, in, out, tag), timeout_);
}

Result<std::size_t> CryptoStack::encrypt(const CryptoResourceId &k, BufferRef iv, BufferRef in, BufferRef out) const
{
	return run_data(*conn_, cipher_op(HSM_IOC_ENCRYPT, k, iv, in, out), timeout_);
}

Result<std::size_t> CryptoStack::decrypt(const CryptoResourceId &k, BufferRef iv, BufferRef in, BufferRef out) const
{
	return run_data(*conn_, cipher_op(HSM_IOC_DECRYPT, k, iv, in, out), timeout_);
}

Result<std::size_t> CryptoStack::sign(const CryptoResourceId &k, BufferRef in, BufferRef sig) const
{
	return run_data(*conn_, sign_op(k, in, sig), timeout_);
}

Result<void> CryptoStack::verify(const CryptoResourceId &k, BufferRef in, BufferRef sig) const
{
	return drop_value(run_data(*conn_, verify_op(k, in, sig), timeout_));
}

Result<std::size_t> CryptoStack::oaep_encrypt(const CryptoResourceId &k, BufferRef label, BufferRef in,
					      BufferRef out) const
{
	return run_data(*conn_, oaep_op(HSM_IOC_ENCRYPT, k, label, in, out), timeout_);
}

Result<std::size_t> CryptoStack::oaep_decrypt(const CryptoResourceId &k, BufferRef label, BufferRef in,
					      BufferRef out) const
{
	return run_data(*conn_, oaep_op(HSM_IOC_DECRYPT, k, label, in, out), timeout_);
}

Result<std::size_t> CryptoStack::sign(const CryptoResourceId &k, BufferRef in, BufferRef sig,
				      SignFormat f) const
{
	return run_data(*conn_, sign_op(k, in, sig, f), timeout_);
}

Result<void> CryptoStack::verify(const CryptoResourceId &k, BufferRef in, BufferRef sig,
				 SignFormat f) const
{
	return drop_value(run_data(*conn_, verify_op(k, in, sig, f), timeout_));
}

Result<std::size_t> CryptoStack::random(BufferRef out) const
{
	return run_data(*conn_, random_op(out), timeout_);
}

} // namespace hsm
