// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "builder.hpp"

#include <algorithm>

namespace fz {

const ErrSet kBusy = {EBUSY, ENOMEM};
const ErrSet kGone = {EBUSY, ENOMEM, ENOENT};

Builder::Builder(unsigned cmd, bool big) : g_(geometry(big))
{
	in_.cmd = cmd;
	in_.big = big;
	if (const CmdSpec *s = spec_of(cmd))
		in_.gen = s->idx;
	op_.resp_off = HSM_RESP_NONE;
	op_.timeout_ms = HSM_TIMEOUT_NONE;
	in_.set_op(op_);
}

Builder &Builder::handle(uint64_t h)
{
	op_.handle = h;
	in_.set_op(op_);
	return *this;
}

Builder &Builder::flags(uint32_t f)
{
	op_.flags = f;
	in_.set_op(op_);
	return *this;
}

Builder &Builder::timeout(uint32_t ms)
{
	op_.timeout_ms = ms;
	in_.set_op(op_);
	return *this;
}

Builder &Builder::resp()
{
	op_.resp_off = g_.resp;
	in_.local |= kLocalResp;
	in_.set_op(op_);
	return *this;
}

Builder &Builder::blob(RefIdx r, uint32_t off, View b)
{
	op_ref(op_, r) = {off, static_cast<uint32_t>(b.size())};
	in_.local |= rbit(r);
	if (!b.empty())
		in_.blobs.push_back({off, Bytes(b.begin(), b.end())});
	in_.set_op(op_);
	return *this;
}

Builder &Builder::params(View b) { return blob(R_PARAMS, g_.params, b); }
Builder &Builder::in(View b) { return blob(R_IN, g_.in, b); }
Builder &Builder::iv(View b) { return blob(R_IV, g_.iv, b); }
Builder &Builder::aad(View b) { return blob(R_AAD, g_.aad, b); }
Builder &Builder::tag(View b) { return blob(R_TAG, g_.tag, b); }

Builder &Builder::out(uint32_t len)
{
	op_.out = {g_.out, len};
	in_.local |= rbit(R_OUT);
	in_.set_op(op_);
	return *this;
}

Builder &Builder::out_tag(uint32_t len)
{
	op_.tag = {g_.tag, len};
	in_.local |= rbit(R_TAG);
	in_.set_op(op_);
	return *this;
}

Builder &Builder::in_place()
{
	op_.out = op_.in;
	in_.local |= rbit(R_OUT);
	in_.set_op(op_);
	return *this;
}

Builder &Builder::ok(long value, ErrSet tolerate)
{
	in_.expect.mode = Expect::Valid;
	in_.expect.value = value;
	in_.expect.tolerate = tolerate | kBusy;
	return *this;
}

Builder &Builder::exact(int err)
{
	in_.expect.mode = Expect::Exact;
	in_.expect.err = err;
	return *this;
}

Builder &Builder::learn(std::function<void(Worker &, const Answer &)> f)
{
	in_.learn = std::move(f);
	return *this;
}

Builder &Builder::want(RefIdx r, Bytes want)
{
	in_.verify = [r, want = std::move(want)](const Answer &a) -> std::string {
		View got = ref_bytes(a, r, static_cast<uint32_t>(want.size()));
		if (std::equal(got.begin(), got.end(), want.begin(), want.end()))
			return "";
		return "output " + ref::hex(got, 32) + " where " + ref::hex(want, 32) + " is right";
	};
	return *this;
}

Builder &Builder::verify(std::function<std::string(const Answer &)> f)
{
	in_.verify = std::move(f);
	return *this;
}

namespace {

// Room for ref r at lane offset off of geometry g, or 0 for none of its places.
uint32_t room(const Geometry &g, uint32_t off)
{
	if (off == g.params)
		return g.resp - g.params;
	if (off == g.iv)
		return g.tag - g.iv;
	if (off == g.tag)
		return g.tag_max;
	if (off == g.aad)
		return g.aad_max;
	if (off == g.in)
		return g.in_max;
	if (off == g.out)
		return g.out_max;
	return 0;
}

// The same place in the big lane's geometry.
uint32_t to_big(uint32_t off)
{
	const Geometry &s = geometry(false), &b = geometry(true);
	const uint32_t from[] = {s.params, s.resp, s.iv, s.tag, s.aad, s.in, s.out};
	const uint32_t to[] = {b.params, b.resp, b.iv, b.tag, b.aad, b.in, b.out};
	for (size_t i = 0; i < std::size(from); i++)
		if (off == from[i])
			return to[i];
	return off;
}

}  // namespace

Input Builder::done()
{
	if (in_.big)
		return std::move(in_);
	hsm_op op = in_.op();
	bool fits = true;
	for (unsigned r = 0; r < R_NR; r++)
		if ((in_.local & rbit(static_cast<RefIdx>(r))) &&
		    op_ref(op, r).len > room(g_, op_ref(op, r).off))
			fits = false;
	if (fits)
		return std::move(in_);
	for (unsigned r = 0; r < R_NR; r++)
		if (in_.local & rbit(static_cast<RefIdx>(r)))
			op_ref(op, r).off = to_big(op_ref(op, r).off);
	for (Blob &b : in_.blobs)
		b.off = to_big(b.off);
	in_.set_op(op);
	in_.big = true;
	return std::move(in_);
}

Builder &Builder::role(Role r)
{
	in_.role = r;
	return *this;
}

View ref_bytes(const Answer &a, RefIdx r, uint32_t len)
{
	const hsm_ref &ref = op_ref(a.op, r);
	return {a.region + ref.off, std::min(len, ref.len)};
}

}  // namespace fz
