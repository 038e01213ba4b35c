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
	const char *name = hsm_cmd_name(cmd);
	return name ? name : "operation";
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
