// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "oracle.hpp"

#include <cerrno>

namespace fz {

namespace {

bool refused_unanswered(long res)
{
	/* A command that fails validation of the struct writes no record. */
	return res == -EINVAL || res == -EBADFD || res == -ENOTTY;
}

// The ref a command's successful result is a length written into, if any.
int length_ref(unsigned cmd)
{
	switch (cmd) {
	case HSM_IOC_DIGEST:
	case HSM_IOC_MAC:
	case HSM_IOC_KEY_EXPORT:
	case HSM_IOC_KEY_PUBLIC:
	case HSM_IOC_KEY_WRAP:
	case HSM_IOC_RANDOM:
	case HSM_IOC_SIGN:
	case HSM_IOC_SNP_REPORT:
	case HSM_IOC_SLOT_SEAL:
	case HSM_IOC_KEY_INFO:
	case HSM_IOC_TDX_REPORT:
	case HSM_IOC_TDX_QUOTE:
		return R_OUT;
	case HSM_IOC_SNP_EXT_REPORT:
		return R_TAG;
	}
	return -1;
}

std::string check_record(const Answer &a)
{
	const CmdSpec *s = spec_of(a.cmd);

	if (!a.rec_checked || !is_op(s))
		return "";
	if (!a.rec_written) {
		if (refused_unanswered(a.res))
			return "";
		return "no completion record for result " + result_text(a.res);
	}
	if (a.rec.result != a.res)
		return "the record says " + result_text(a.rec.result) + ", the answer " +
		       result_text(a.res);
	if (a.rec.status != hsm_status_of(a.res))
		return "record status " + std::to_string(a.rec.status) + " for result " +
		       result_text(a.res);
	if (a.rec.reserved[0] || a.rec.reserved[1])
		return "the record's reserved words are not zero";
	if ((s->cls & HSM_CMD_NEW_ID) && a.res == 0 && !(a.rec.value >> 32))
		return "a new ID without its random half: " + std::to_string(a.rec.value);
	return "";
}

// What every answer must satisfy, whatever the command was.
std::string check_any(const Answer &a)
{
	if (a.res < 0 && !errno_documented(static_cast<int>(-a.res)))
		return "undocumented errno " + result_text(a.res);
	int r = length_ref(a.cmd);
	if (r >= 0 && a.res > op_ref(a.op, r).len)
		return "claims " + std::to_string(a.res) + " bytes written into " +
		       std::to_string(op_ref(a.op, r).len);
	return check_record(a);
}

std::string check_expect(const Input &u, const Answer &a)
{
	const Expect &e = u.expect;

	switch (e.mode) {
	case Expect::Loose:
		return "";
	case Expect::Exact:
		if (a.res != -e.err)
			return "answered " + result_text(a.res) + " where " + result_text(-e.err) +
			       " is right";
		if (e.no_record && a.rec_checked && a.rec_written)
			return "a record written for a command refused as malformed";
		return "";
	case Expect::Valid:
		break;
	}
	if (a.racy)
		return "";
	if (a.res < 0 && e.tolerate.has(static_cast<int>(-a.res)) && a.res != e.value)
		return "";
	if (e.value == kAnyOk ? a.res < 0 : a.res != e.value)
		return "a valid command answered " + result_text(a.res) + " where " +
		       (e.value == kAnyOk ? std::string("success") : result_text(e.value)) + " is right";
	if (u.verify && (e.value == kAnyOk ? a.res >= 0 : a.res == e.value))
		return u.verify(a);
	return "";
}

void judge_unit(const Program &p, unsigned i, const Answer &a, bool hooks,
		std::vector<Verdict> &out)
{
	const Input &u = p.units[i];
	std::string w = check_any(a);

	if (w.empty() && (p.via == Via::SmallSqe || p.via == Via::BadFlags)) {
		/* The module looks the number up, then refuses the short SQE;
		 * io_uring itself refuses flags it does not know. */
		long want = -EINVAL;
		if (p.via == Via::SmallSqe && lookup_error(a.cmd, hooks))
			want = lookup_error(a.cmd, hooks);
		if (a.res != want)
			w = "answered " + result_text(a.res) + " where " + result_text(want) + " is right";
		else if (a.rec_checked && a.rec_written)
			w = "a record written for a command the transport refused";
	} else if (w.empty()) {
		w = check_expect(u, a);
	}
	if (!w.empty())
		out.push_back({static_cast<int>(i), w});
}

// What a VECTOR of these entries must answer: -EINVAL when it is
// malformed, its entry count when it is sure to run, 0 when either.
long vector_expect(const Program &p)
{
	if (p.vfault != VecFault::None)
		return -EINVAL;
	bool sure = true;
	for (const Input &u : p.units) {
		if (u.expect.mode == Expect::Exact && u.expect.no_record)
			return -EINVAL;
		if (u.expect.mode == Expect::Loose)
			sure = false;
	}
	return sure ? static_cast<long>(p.units.size()) : 0;
}

void judge_vector(const Program &p, const std::vector<Answer> &answers, const Answer &vec,
		  bool hooks, std::vector<Verdict> &out)
{
	const long n = static_cast<long>(answers.size());
	const long want = vector_expect(p);
	std::string w = check_any(vec);

	if (w.empty() && vec.res >= 0 && vec.res != n)
		w = "VECTOR answered " + result_text(vec.res) + " for " + std::to_string(n) + " entries";
	if (w.empty() && !p.racy && want && vec.res != want && !(want > 0 && vec.res == -ENOMEM))
		w = "VECTOR answered " + result_text(vec.res) + " where " + result_text(want) +
		    " is right";
	if (w.empty() && want == 0 && vec.res < 0 && vec.res != -EINVAL && vec.res != -ENOMEM)
		w = "VECTOR answered " + result_text(vec.res) + " where its count or EINVAL is right";
	if (w.empty() && vec.rec_checked && vec.res >= 0 && !vec.rec_written)
		w = "no record for the VECTOR itself";
	if (!w.empty()) {
		out.push_back({-1, w});
		return;
	}
	if (p.racy)
		return;
	for (unsigned i = 0; i < answers.size(); i++) {
		const Answer &a = answers[i];
		if (vec.res < 0) {
			if (a.rec_checked && a.rec_written)
				out.push_back({static_cast<int>(i), "an entry answered though its VECTOR failed"});
			continue;
		}
		if (a.rec_own && !a.rec_written) {
			out.push_back({static_cast<int>(i), "an entry of a VECTOR that ran has no record"});
			continue;
		}
		if (a.done)
			judge_unit(p, i, a, hooks, out);
	}
}

}  // namespace

std::string result_text(long res)
{
	if (res >= 0)
		return std::to_string(res);
	return errno_name(static_cast<int>(-res));
}

std::vector<Verdict> judge(const Program &p, const std::vector<Answer> &answers, const Answer &vec,
			   bool hooks)
{
	std::vector<Verdict> out;

	if (p.via == Via::VectorIoctl || p.via == Via::VectorUring) {
		judge_vector(p, answers, vec, hooks, out);
		return out;
	}
	for (unsigned i = 0; i < answers.size(); i++)
		if (answers[i].done)
			judge_unit(p, i, answers[i], hooks, out);
	return out;
}

}  // namespace fz
