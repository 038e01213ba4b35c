// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "program.hpp"

#include <cstdio>

#include "builder.hpp"
#include "gen.hpp"
#include "mutate.hpp"
#include "oracle.hpp"
#include "worker.hpp"

namespace fz {

namespace {

Via pick_via(Rng &rng)
{
	const uint64_t r = rng.below(100);
	if (r < 33)
		return Via::Ioctl;
	if (r < 63)
		return Via::Uring;
	if (r < 78)
		return Via::Batch;
	if (r < 87)
		return Via::VectorIoctl;
	if (r < 96)
		return Via::VectorUring;
	return r < 98 ? Via::SmallSqe : Via::BadFlags;
}

// A command the corpus kept names IDs of another time or thread: give it
// live ones of the same kind.
void rebind(Worker &w, Input &u)
{
	if (!is_op(spec_of(spec_at(u.gen).cmd)))
		return;
	hsm_op op = u.op();
	if (u.role.key_class >= 0)
		if (const Key *k = w.pool.key_of(w.rng, static_cast<KeyClass>(u.role.key_class)))
			op.handle = k->id;
	if (u.role.ctx_op)
		if (const Ctx *x = w.pool.ctx_of(w.rng, static_cast<uint32_t>(u.role.ctx_op)))
			op.handle = x->id;
	u.set_op(op);
	if (u.role.wrap_class >= 0 && (u.local & rbit(R_PARAMS)))
		if (Blob *b = u.blob_at(op.params.off); b && b->data.size() >= 8)
			if (const Key *k = w.pool.key_of(w.rng, static_cast<KeyClass>(u.role.wrap_class)))
				memcpy(b->data.data(), &k->id, sizeof(k->id));
}

Input fresh(Worker &w, bool ops_only, bool big_ok)
{
	for (int i = 0; i < 8; i++) {
		Input u = make_valid(w, ops_only ? pick_vector_command(w) : pick_command(w), big_ok);
		if (!ops_only || (spec_of(u.cmd) && (spec_of(u.cmd)->cls & HSM_CMD_VECTOR)))
			return u;
	}
	return make_valid(w, HSM_CMD_IDX_RANDOM, false);
}

// Drop the record of a valid command that may go without one.
void without_record(Input &u)
{
	const CmdSpec *s = spec_of(u.cmd);
	if (!is_op(s) || (s->cls & (HSM_CMD_NEW_ID | HSM_CMD_VALUE)) || u.muts)
		return;
	hsm_op op = u.op();
	op.resp_off = HSM_RESP_NONE;
	u.local &= ~kLocalResp;
	u.set_op(op);
}

// The commands of one program run in any order (a batch), or each sees
// what the others did (a VECTOR): a context two of them name has no one
// right answer, nor a belief to learn.
void loosen_contended(Program &p)
{
	for (Input &u : p.units) {
		const CmdSpec *s = spec_of(u.cmd);
		if (!is_op(s) || !(s->cls & HSM_CMD_CTX))
			continue;
		for (const Input &o : p.units)
			if (&o != &u && is_op(spec_of(spec_at(o.gen).cmd)) && o.op().handle == u.op().handle) {
				u.expect = Expect{};
				u.verify = nullptr;
				u.contended = true;
			}
	}
}

}  // namespace

Program make_program(Worker &w)
{
	Rng &rng = w.rng;
	Program p;
	p.via = pick_via(rng);
	const bool vector = p.via == Via::VectorIoctl || p.via == Via::VectorUring;
	const unsigned n = p.via == Via::Batch ? static_cast<unsigned>(rng.range(2, kSmallLanes))
			 : vector ? static_cast<unsigned>(rng.range(1, kSmallLanes)) : 1;
	const bool single = n == 1 && !vector;
	/* Control commands write to the thread's one buffer: alone only. */
	const bool ops_only = !single;
	p.racy = rng.one_in(vector ? 24 : 6);

	for (unsigned i = 0; i < n; i++) {
		Input u;
		const bool replay = w.sh.kcov && w.sh.corpus.size() && rng.chance(2, 3) &&
				    w.sh.corpus.pick(rng, u) && (single || !u.big) &&
				    (!ops_only || (spec_of(u.cmd) && (spec_of(u.cmd)->cls & HSM_CMD_VECTOR)));
		if (replay)
			rebind(w, u);
		else
			u = fresh(w, ops_only, single);
		const int lane = single && u.big ? kBig : static_cast<int>(single ? 0 : i);
		/* One broken entry fails a whole VECTOR: break fewer there. */
		if (replay || rng.one_in(vector ? 2 * n : 2)) {
			if (replay || !rng.one_in(3) || !mutate_targeted(w, u, lane, p.via == Via::Ioctl))
				mutate_random(w, u, lane, p.via == Via::Ioctl);
		} else if (!vector && rng.one_in(8)) {
			without_record(u);
		}
		/* A valid command that would spill out of its lane is no longer
		 * one whose answer is known (never so, unless a generator errs). */
		if (confine(w, u, lane) && !u.muts) {
			u.expect = Expect{};
			u.verify = nullptr;
		}
		p.units.push_back(std::move(u));
	}
	loosen_contended(p);
	if (vector && rng.one_in(10)) {
		p.vfault = static_cast<VecFault>(rng.range(1, static_cast<uint64_t>(VecFault::Handle)));
		p.vfault_at = static_cast<unsigned>(rng.below(256));
	}
	p.vec_resp = rng.one_in(2);
	if (p.via == Via::BadFlags)
		p.bad_flags = (1U << rng.range(1, 31)) | (rng.one_in(2) ? IORING_URING_CMD_FIXED : 0);
	return p;
}

Program orphan_program(Worker &w)
{
	Program p;
	p.via = Via::Batch;
	while (!w.pool.orphans.empty() && p.units.size() + 2 <= kSmallLanes) {
		const uint64_t id = w.pool.orphans.back();
		w.pool.orphans.pop_back();
		for (unsigned cmd : {HSM_IOC_KEY_RELEASE, HSM_IOC_CTX_RELEASE})
			p.units.push_back(Builder(cmd, false).handle(id).resp().ok(kAnyOk, {ENOENT}).done());
	}
	return p;
}

void absorb(Worker &w, const Program &p, const std::vector<Answer> &answers, const Answer &vec)
{
	Shared &sh = w.sh;

	for (unsigned i = 0; i < answers.size(); i++) {
		const Input &u = p.units[i];
		const Answer &a = answers[i];
		const CmdSpec *s = spec_of(a.cmd);
		/* A context a mutated or raced command named, answered or not:
		 * its answers are loose now (a call that timed out fails the
		 * next one). */
		if (u.muts || p.racy || u.contended)
			if (Ctx *x = w.pool.find_ctx(a.op.handle))
				x->tainted = true;
		if (!a.done)
			continue;
		if (s) {
			sh.counts.sent[s->idx]++;
			if (a.res >= 0)
				sh.counts.ok[s->idx]++;
		} else {
			sh.counts.other++;
		}
		if (u.muts == 0 && !p.racy && !u.contended && u.learn) {
			u.learn(w, a);
		} else if (s && (s->cls & HSM_CMD_NEW_ID) && a.res == 0 && a.rec_written &&
			   a.rec.value) {
			w.pool.orphans.push_back(a.rec.value);
		}
	}
	if (vec.done) {
		sh.counts.sent[HSM_CMD_IDX_VECTOR]++;
		if (vec.res >= 0)
			sh.counts.ok[HSM_CMD_IDX_VECTOR]++;
	}
}

std::string describe(const Program &p, int unit, const std::vector<Answer> &answers,
		     const Answer &vec)
{
	std::string s = std::string("sent by ") + via_name(p.via) + (p.racy ? ", raced" : "");
	char buf[256];

	if (p.vfault != VecFault::None) {
		snprintf(buf, sizeof(buf), ", VECTOR fault %u at %u", static_cast<unsigned>(p.vfault), p.vfault_at);
		s += buf;
	}
	if (p.via == Via::VectorIoctl || p.via == Via::VectorUring) {
		s += ", VECTOR answered " + result_text(vec.res);
	}
	for (unsigned i = 0; i < p.units.size(); i++) {
		const Input &u = p.units[i];
		const CmdSpec *cs = spec_of(u.cmd);
		const bool answered = i < answers.size() && answers[i].done;
		snprintf(buf, sizeof(buf), "\n  %s[%u] %s (%#x), made as %s, %u mutation(s), answered %s",
			 static_cast<int>(i) == unit ? "=>" : "  ", i, cs ? cs->name : "not a command",
			 u.cmd, spec_at(u.gen).name, u.muts,
			 answered ? result_text(answers[i].res).c_str() : "-");
		s += buf;
		if (i < answers.size() && answers[i].rec_written)
			s += ", record " + result_text(answers[i].rec.result) + " status " +
			     std::to_string(answers[i].rec.status);
		s += ": ";
		s += ref::hex(View(i < answers.size() ? reinterpret_cast<const uint8_t *>(&answers[i].op)
						      : u.arg, HSM_CMD_MAX_SIZE), HSM_CMD_MAX_SIZE);
		for (const Blob &b : u.blobs) {
			snprintf(buf, sizeof(buf), "\n        lane+%u: ", b.off);
			s += buf + ref::hex(b.data, 48);
		}
	}
	return s;
}

}  // namespace fz
