// SPDX-License-Identifier: MIT
//
// One operation, run synchronously: the record on the caller's stack (no
// allocation per operation), sent and reaped through the calling thread's
// lane exactly as a batch's records are.
#include <cerrno>
#include <string.h>
#include <utility>

#include "op.hpp"

namespace hsm::detail {

const char *op_name(unsigned int cmd) noexcept
{
	switch (cmd) {
	case HSM_IOC_KEY_GENERATE: return "KEY_GENERATE";
	case HSM_IOC_KEY_IMPORT: return "KEY_IMPORT";
	case HSM_IOC_KEY_EXPORT: return "KEY_EXPORT";
	case HSM_IOC_KEY_RELEASE: return "KEY_RELEASE";
	case HSM_IOC_KEY_DERIVE: return "KEY_DERIVE";
	case HSM_IOC_KEY_PUBLIC: return "KEY_PUBLIC";
	case HSM_IOC_KEY_AGREE: return "KEY_AGREE";
	case HSM_IOC_KEY_WRAP: return "KEY_WRAP";
	case HSM_IOC_KEY_UNWRAP: return "KEY_UNWRAP";
	case HSM_IOC_SLOT_STORE: return "SLOT_STORE";
	case HSM_IOC_SLOT_OPEN: return "SLOT_OPEN";
	case HSM_IOC_SLOT_DELETE: return "SLOT_DELETE";
	case HSM_IOC_SLOT_LIST: return "SLOT_LIST";
	case HSM_IOC_CTX_CREATE: return "CTX_CREATE";
	case HSM_IOC_CTX_INIT: return "CTX_INIT";
	case HSM_IOC_CTX_UPDATE: return "CTX_UPDATE";
	case HSM_IOC_CTX_FINAL: return "CTX_FINAL";
	case HSM_IOC_CTX_RESET: return "CTX_RESET";
	case HSM_IOC_CTX_RELEASE: return "CTX_RELEASE";
	case HSM_IOC_DIGEST: return "DIGEST";
	case HSM_IOC_MAC: return "MAC";
	case HSM_IOC_MAC_VERIFY: return "MAC_VERIFY";
	case HSM_IOC_SEAL: return "SEAL";
	case HSM_IOC_OPEN: return "OPEN";
	case HSM_IOC_ENCRYPT: return "ENCRYPT";
	case HSM_IOC_DECRYPT: return "DECRYPT";
	case HSM_IOC_RANDOM: return "RANDOM";
	case HSM_IOC_SIGN: return "SIGN";
	case HSM_IOC_VERIFY: return "VERIFY";
	}
	return "operation";
}

Error op_error(const OpRecord &rec, std::string_view what)
{
	int err = -rec.res;
	const char *name = strerrorname_np(err);
	std::string m = std::string(what.empty() ? op_name(rec.cmd) : what) + ": " +
			to_string(Status(rec.status)) + " (" + (name ? name : std::to_string(err)) + ")";
	if (err == ECHILD)
		m += ": an object inherited across fork(); call CryptoStack::create() in the child";
	return Error{Status(rec.status), err, std::move(m)};
}

Result<std::size_t> checked_len(const OpRecord &rec, std::size_t asked, std::string_view what)
{
	if (std::uint64_t(rec.res) > asked)
		return fail(Status::kInternal, EPROTO,
			    std::string(what.empty() ? op_name(rec.cmd) : what) + ": the module returned " +
				    std::to_string(rec.res) + " bytes for a " + std::to_string(asked) +
				    "-byte output");
	return std::size_t(rec.res);
}

Result<std::uint32_t> answer(const OpRecord &rec, std::string_view what)
{
	if (rec.res < 0)
		return std::unexpected(op_error(rec, what));
	auto n = checked_len(rec, result_bound(rec.op), what);
	if (!n)
		return std::unexpected(std::move(n.error()));
	return std::uint32_t(*n);
}

Result<void> run(Connection &c, OpRecord &rec, const Op &op, Timeout t)
{
	make_op(rec, op, t);
	c.run(rec);
	if (rec.res < 0)
		return std::unexpected(op_error(rec));
	return {};
}

Result<std::size_t> run_data(Connection &c, const Op &op, Timeout t)
{
	OpRecord rec;
	make_op(rec, op, t);
	c.run(rec);
	return answer(rec);
}

Result<CryptoResourceId> run_create(Connection &c, const Op &op)
{
	OpRecord rec;
	if (auto r = run(c, rec, op); !r)
		return std::unexpected(std::move(r.error()));
	return CryptoResourceId{rec.value};
}

Result<void> release(std::shared_ptr<Connection> &conn, std::uint64_t &id, unsigned int cmd,
		     const char *what)
{
	if (!id || !conn)
		return fail(Status::kInvalidState, EBADFD, std::string("release: ") + what + " is not active");
	const std::uint64_t handle = std::exchange(id, 0);
	OpRecord rec;
	auto r = run(*conn, rec, {.cmd = cmd, .handle = handle}, Timeout::disabled());
	conn.reset();
	return r;
}

Result<void> check_alg(const AlgorithmId &a, const char *what)
{
	if (a.truncated())
		return fail(Status::kInvalidArgument, EINVAL,
			    std::string(what) + ": algorithm name longer than 63 characters");
	if (a.empty())
		return fail(Status::kInvalidArgument, EINVAL, std::string(what) + ": no algorithm set");
	return {};
}

} // namespace hsm::detail
