// SPDX-License-Identifier: MIT
//
// One operation, run synchronously: the record on the caller's stack (no
// allocation per operation), answered through its lane as a batch of one.
#include <cerrno>
#include <string.h>

#include "op.hpp"

namespace hsm::detail {

Error op_error(const OpRecord &rec, const char *what)
{
	int err = -rec.res;
	const char *name = strerrorname_np(err);
	std::string m = std::string(what) + ": " + to_string(Status(rec.status)) + " (" +
			(name ? name : std::to_string(err)) + ")";
	if (err == ECHILD)
		m += ": an object inherited across fork(); call CryptoStack::Create() in the child";
	return Error{Status(rec.status), err, std::move(m)};
}

Result<std::size_t> checked_len(const OpRecord &rec, std::size_t asked, const char *what)
{
	if (std::uint64_t(rec.res) > asked)
		return fail(Status::Internal, EPROTO,
			    std::string(what) + ": the module returned " + std::to_string(rec.res) +
				    " bytes for a " + std::to_string(asked) + "-byte output");
	return std::size_t(rec.res);
}

void refs(hsm_op &op, BufferRef in, BufferRef out, BufferRef iv, BufferRef aad, BufferRef tag)
{
	op.in = {in.off, in.len};
	op.out = {out.off, out.len};
	op.iv = {iv.off, iv.len};
	op.aad = {aad.off, aad.len};
	op.tag = {tag.off, tag.len};
}

Result<void> check_alg(const AlgorithmId &a, const char *what)
{
	if (a.truncated())
		return fail(Status::InvalidArgument, EINVAL,
			    std::string(what) + ": algorithm name longer than 63 characters");
	if (a.empty())
		return fail(Status::InvalidArgument, EINVAL, std::string(what) + ": no algorithm set");
	return {};
}

Result<void> release(Connection &c, unsigned int cmd, std::uint64_t id, const char *what)
{
	OpRecord rec;
	rec.cmd = cmd;
	rec.op.handle = id;
	rec.op.timeout_ms = HSM_TIMEOUT_NONE;
	c.run(rec);
	if (rec.res < 0)
		return std::unexpected(op_error(rec, what));
	return {};
}

Result<CryptoResourceId> run_create(Connection &c, OpRecord &rec, const char *what)
{
	rec.op.timeout_ms = 0;
	c.run(rec);
	if (rec.res < 0)
		return std::unexpected(op_error(rec, what));
	return CryptoResourceId{rec.value};
}

} // namespace hsm::detail
