// SPDX-License-Identifier: GPL-2.0 OR MIT
// Valid context calls, following each context through Init, Update, Final
// and Reset as the thread believes it stands; outputs checked against
// OpenSSL over everything the Updates gave.
#include <algorithm>
#include <cstring>

#include "gen_impl.hpp"

namespace fz::gen {

namespace {

// A context holds at most this much before the generator finalizes it.
constexpr size_t kCtxData = 48 << 10;

// Errors a context the thread cannot vouch for may answer.
const ErrSet kUnsure = {EBUSY, ENOMEM, ENOENT, EBADFD, EINVAL, EOVERFLOW, EBADMSG, ENOSPC, EDQUOT};
const ErrSet kStream = {EBUSY, ENOMEM, ENOENT, ENOSPC, EDQUOT};

struct Step {
	CtxState to;		// where a correct answer leaves it
	long want;		// that answer
};

// Learn where the context stands from a call's answer: the expected one
// moves it on; a refusal (EBADFD, EINVAL, EOVERFLOW, ENOSPC, EDQUOT,
// EBUSY) leaves it; anything else may have failed it.
std::function<void(Worker &, const Answer &)> learn_step(Step s, Bytes appended = {})
{
	return [s, appended = std::move(appended)](Worker &w, const Answer &a) {
		Ctx *x = w.pool.find_ctx(a.op.handle);
		if (!x)
			return;
		if (a.res == -ENOENT) {
			w.pool.drop_ctx(a.op.handle);
			return;
		}
		if (a.res == s.want || (s.want == kAnyOk && a.res >= 0)) {
			if (s.to == CtxState::Inited) {
				x->data.clear();
				x->iv.assign(ref_bytes(a, R_IV, 64).begin(), ref_bytes(a, R_IV, 64).end());
				x->aad.assign(ref_bytes(a, R_AAD, 1024).begin(), ref_bytes(a, R_AAD, 1024).end());
			}
			x->data.insert(x->data.end(), appended.begin(), appended.end());
			x->state = s.to;
			return;
		}
		for (int e : {EBADFD, EINVAL, EOVERFLOW, ENOSPC, EDQUOT, EBUSY})
			if (a.res == -e)
				return;
		x->state = CtxState::Unknown;
	};
}

bool sure(const Ctx &x)
{
	return !x.tainted && x.state != CtxState::Unknown;
}

Builder call(unsigned cmd, const Ctx &x, bool big = false)
{
	Builder b(cmd, big);
	Role r;
	r.ctx_op = static_cast<int>(x.op);
	b.handle(x.id).resp().role(r);
	return b;
}

// The answer when unsure of the context: any of kUnsure, nothing checked.
Input unsure(Builder &b, const Ctx &x, Step s, Bytes appended = {})
{
	(void)x;
	return b.ok(kAnyOk, kUnsure).learn(learn_step(s, std::move(appended))).done();
}

uint32_t out_len(const Ctx &x)
{
	if (x.op == HSM_CTX_HASH)
		return x.alg.ends_with("256") ? 32 : x.alg.ends_with("384") ? 48 : 64;
	if (x.op == HSM_CTX_MAC)
		return x.alg == "hmac-sha-256" ? 32 : x.alg == "hmac-sha-512" ? 64 : 16;
	if (x.op == HSM_CTX_SIGN)
		return 256;
	return static_cast<uint32_t>(x.data.size());
}

Bytes ref_mac(const Ctx &x)
{
	return x.alg.starts_with("hmac") ? ref::hmac(x.alg.c_str(), x.key, x.data) : ref::cmac(x.key, x.data);
}

Input final_of(Gen &c, Ctx &x)
{
	Rng &rng = c.rng();
	Builder b = call(HSM_IOC_CTX_FINAL, x);
	const uint32_t n = out_len(x);

	switch (x.op) {
	case HSM_CTX_HASH:
	case HSM_CTX_MAC:
		b.out(n + static_cast<uint32_t>(rng.below(2) * 8));
		if (!sure(x))
			return unsure(b, x, {CtxState::Final, kAnyOk});
		b.ok(n, kGone).learn(learn_step({CtxState::Final, n}));
		if (x.op == HSM_CTX_HASH)
			b.want(R_OUT, ref::digest(x.alg.c_str(), x.data));
		else if (!x.key.empty())
			b.want(R_OUT, ref_mac(x));
		return b.done();
	case HSM_CTX_MAC_VERIFY: {
		const uint32_t full = x.alg == "hmac-sha-256" ? 32 : x.alg == "hmac-sha-512" ? 64 : 16;
		Bytes tag = x.key.empty() || !sure(x) ? random_bytes(rng, full) : ref_mac(x);
		const bool good = !x.key.empty() && rng.chance(2, 3);
		if (!good)
			tag[0] ^= 1;
		b.tag(tag);
		if (!sure(x))
			return unsure(b, x, {CtxState::Final, kAnyOk});
		/* A MAC_VERIFY Final that returns EBADMSG has finalized. */
		const long want = good ? 0 : -EBADMSG;
		return b.ok(want, kGone).learn(learn_step({CtxState::Final, want})).done();
	}
	case HSM_CTX_ENCRYPT:
	case HSM_CTX_DECRYPT:
		if (!sure(x))
			return unsure(b, x, {CtxState::Final, 0});
		return b.ok(0, kGone).learn(learn_step({CtxState::Final, 0})).done();
	case HSM_CTX_SEAL: {
		b.out(n).out_tag(16);
		if (!sure(x))
			return unsure(b, x, {CtxState::Final, kAnyOk});
		b.ok(n, kGone).learn(learn_step({CtxState::Final, n}));
		if (!x.key.empty()) {
			Bytes want = ref::seal(x.alg.c_str(), x.key, x.iv, x.aad, x.data, 16);
			b.verify([want, n](const Answer &a) -> std::string {
				View ct = ref_bytes(a, R_OUT, n), tag = ref_bytes(a, R_TAG, 16);
				Bytes got(ct.begin(), ct.end());
				got.insert(got.end(), tag.begin(), tag.end());
				return got == want ? "" : "AEAD context Final gave " + ref::hex(got, 24) +
								 " where " + ref::hex(want, 24) + " is right";
			});
		}
		return b.done();
	}
	case HSM_CTX_OPEN:
		/* What the Updates gave was sealed by nobody. */
		b.out(n).tag(random_bytes(rng, 16));
		if (!sure(x))
			return unsure(b, x, {CtxState::Unknown, kAnyOk});
		return b.ok(-EBADMSG, kGone)
			.learn(learn_step({CtxState::Unknown, -EBADMSG}))
			.verify([](const Answer &a) -> std::string {
				View out = ref_bytes(a, R_OUT, a.op.out.len);
				return std::all_of(out.begin(), out.end(), [](uint8_t v) { return !v; })
					? "" : "a failed AEAD Final left plaintext in out";
			})
			.done();
	case HSM_CTX_SIGN: {
		b.out(256);
		if (!sure(x))
			return unsure(b, x, {CtxState::Final, kAnyOk});
		Bytes data = x.data;
		return b.ok(256, kGone)
			.learn(learn_step({CtxState::Final, 256}))
			.verify([data](const Answer &a) -> std::string {
				return ref::rsa_verify("sha-256", ref_bytes(a, R_OUT, 256), data)
					? "" : "OpenSSL does not verify the context's signature";
			})
			.done();
	}
	default: {
		/* VERIFY */
		Bytes sig = ref::rsa_sign("sha-256", x.data);
		b.tag(sig);
		if (!sure(x))
			return unsure(b, x, {CtxState::Final, kAnyOk});
		return b.ok(0, kGone).learn(learn_step({CtxState::Final, 0})).done();
	}
	}
}

Input reset_of(Ctx &x)
{
	Builder b = call(HSM_IOC_CTX_RESET, x);
	if (!sure(x))
		return unsure(b, x, {CtxState::Created, 0});
	/* Reset is allowed from CREATED, FINALIZED and FAILED. */
	if (x.state == CtxState::Inited || x.state == CtxState::Updating)
		return b.ok(-EBADFD, kGone).done();
	return b.ok(0, kGone).learn(learn_step({CtxState::Created, 0})).done();
}

Input init_of(Gen &c, Ctx &x)
{
	Rng &rng = c.rng();
	Builder b = call(HSM_IOC_CTX_INIT, x);
	if (x.op == HSM_CTX_ENCRYPT || x.op == HSM_CTX_DECRYPT)
		b.iv(random_bytes(rng, 16));
	if (x.op == HSM_CTX_SEAL || x.op == HSM_CTX_OPEN)
		b.iv(random_bytes(rng, 12)).aad(random_bytes(rng, rng.below(129)));
	if (!sure(x))
		return unsure(b, x, {CtxState::Inited, 0});
	if (x.state != CtxState::Created)
		return b.ok(-EBADFD, kGone).done();
	return b.ok(0, kStream).learn(learn_step({CtxState::Inited, 0})).done();
}

Input update_of(Gen &c, Ctx &x)
{
	Rng &rng = c.rng();
	const bool cipher = x.op == HSM_CTX_ENCRYPT || x.op == HSM_CTX_DECRYPT;
	const uint32_t n = payload_len(c, cipher ? 16 : 1);
	Bytes msg = random_bytes(rng, n);
	Builder b = call(HSM_IOC_CTX_UPDATE, x, needs_big(n));
	b.in(msg);
	if (cipher) {
		if (rng.one_in(3))
			b.in_place();
		else
			b.out(n);
	}
	if (!sure(x))
		return unsure(b, x, {CtxState::Updating, n}, msg);
	if (x.state != CtxState::Inited && x.state != CtxState::Updating)
		return b.ok(-EBADFD, kGone).done();
	b.ok(n, kStream).learn(learn_step({CtxState::Updating, n}, msg));
	if (cipher && !x.key.empty()) {
		/* A stream is the one-shot of everything so far, cut. */
		Bytes all = x.data;
		all.insert(all.end(), msg.begin(), msg.end());
		Bytes want = ref::cipher(x.alg.c_str(), x.key, x.iv, all, x.op == HSM_CTX_ENCRYPT);
		b.want(R_OUT, Bytes(want.end() - n, want.end()));
	}
	return b.done();
}

}  // namespace

Input ctx_create(Gen &c)
{
	static const char *const hashes[] = {"sha-256", "sha-512", "sha3-256"};
	Rng &rng = c.rng();
	hsm_ctx_params p{};
	const Key *k = nullptr;

	switch (rng.below(6)) {
	case 0:
		p.op = HSM_CTX_HASH;
		strcpy(p.alg, rng.pick(hashes));
		break;
	case 1:
		p.op = rng.one_in(2) ? HSM_CTX_MAC : HSM_CTX_MAC_VERIFY;
		k = c.pool().key_of(rng, rng.one_in(2) ? K_HMAC : K_CMAC);
		break;
	case 2:
	case 3:
		p.op = rng.one_in(2) ? HSM_CTX_ENCRYPT : HSM_CTX_DECRYPT;
		k = c.pool().key_of(rng, rng.one_in(2) ? K_CBC : K_CTR);
		break;
	case 4:
		p.op = rng.one_in(2) ? HSM_CTX_SEAL : HSM_CTX_OPEN;
		k = c.pool().key_of(rng, K_AEAD);
		break;
	default:
		p.op = rng.one_in(2) ? HSM_CTX_SIGN : HSM_CTX_VERIFY;
		k = c.pool().key_of(rng, K_RSA);
		break;
	}
	if (p.op != HSM_CTX_HASH && !k)
		return make_key(c, static_cast<KeyClass>(rng.below(K_NCLASS)));
	if (k)
		strcpy(p.alg, key_spec(k->spec).alg);
	Ctx x;
	x.id = 0;
	x.op = p.op;
	x.alg = p.alg;
	x.key = k ? k->material : Bytes{};
	Builder b(HSM_IOC_CTX_CREATE, false);
	Role r;
	if (k)
		r.key_class = key_spec(k->spec).cls;
	return b.handle(k ? k->id : 0)
		.resp()
		.params_of(p)
		.role(r)
		.ok(0, kGone | ErrSet{ENOSPC, EDQUOT})
		.learn([x](Worker &w, const Answer &a) {
			if (a.res != 0 || !a.rec_written || !a.rec.value)
				return;
			Ctx y = x;
			y.id = a.rec.value;
			w.pool.ctxs.push_back(std::move(y));
		})
		.done();
}

Input ctx_init(Gen &c)
{
	::fz::Ctx *x = c.pool().any_ctx(c.rng());
	if (!x)
		return ctx_create(c);
	if (x->state == CtxState::Final)
		return reset_of(*x);
	return init_of(c, *x);
}

Input ctx_update(Gen &c)
{
	::fz::Ctx *x = c.pool().any_ctx(c.rng());
	if (!x)
		return ctx_create(c);
	if (x->state == CtxState::Created && c.rng().chance(3, 4))
		return init_of(c, *x);
	if (x->data.size() > kCtxData)
		return final_of(c, *x);
	return update_of(c, *x);
}

Input ctx_final(Gen &c)
{
	::fz::Ctx *x = c.pool().any_ctx(c.rng());
	if (!x)
		return ctx_create(c);
	if (x->state == CtxState::Created && c.rng().chance(3, 4))
		return init_of(c, *x);
	if (x->state == CtxState::Final && c.rng().chance(3, 4))
		return reset_of(*x);
	if (x->state == CtxState::Created || x->state == CtxState::Final) {
		/* Final before Init, or twice. */
		Builder b = call(HSM_IOC_CTX_FINAL, *x);
		b.out(out_len(*x) + 64);
		return sure(*x) ? b.ok(-EBADFD, kGone).done() : unsure(b, *x, {CtxState::Unknown, 0});
	}
	return final_of(c, *x);
}

Input ctx_reset(Gen &c)
{
	::fz::Ctx *x = c.pool().any_ctx(c.rng());
	if (!x)
		return ctx_create(c);
	return reset_of(*x);
}

Input ctx_release(Gen &c)
{
	::fz::Ctx *x = c.pool().any_ctx(c.rng());
	if (!x)
		return ctx_create(c);
	Builder b = call(HSM_IOC_CTX_RELEASE, *x);
	return b.ok(0, kGone)
		.learn([](Worker &w, const Answer &a) {
			if (a.res == 0 || a.res == -ENOENT)
				w.pool.drop_ctx(a.op.handle);
		})
		.done();
}

// A call on a context every thread calls, perhaps with a deadline short
// enough to expire while it waits its turn: only the documented set is
// known of its answer.
Input ctx_contended(Gen &c)
{
	Rng &rng = c.rng();
	const auto &shared = c.w.sh.shared_ctxs;
	if (shared.empty())
		return op_digest(c);
	const auto &x = shared[rng.below(shared.size())];
	static const unsigned cmds[] = {HSM_IOC_CTX_INIT, HSM_IOC_CTX_UPDATE, HSM_IOC_CTX_UPDATE,
					HSM_IOC_CTX_FINAL, HSM_IOC_CTX_RESET};
	const unsigned cmd = rng.pick(cmds);
	const bool cipher = x.op == HSM_CTX_ENCRYPT, aead = x.op == HSM_CTX_SEAL || x.op == HSM_CTX_OPEN;
	Builder b(cmd, false);
	Role r;
	r.ctx_op = static_cast<int>(x.op);
	b.handle(x.id).resp().role(r);
	if (rng.one_in(3))
		b.timeout(static_cast<uint32_t>(rng.range(1, 5)));
	if (cmd == HSM_IOC_CTX_INIT && (cipher || aead))
		b.iv(random_bytes(rng, cipher ? 16 : 12));
	if (cmd == HSM_IOC_CTX_UPDATE) {
		const uint32_t n = 16 * static_cast<uint32_t>(rng.range(0, 256));
		b.in(random_bytes(rng, n));
		if (cipher)
			b.out(n);
	}
	if (cmd == HSM_IOC_CTX_FINAL) {
		if (aead)
			b.out(geometry(false).out_max).out_tag(16);
		else if (!cipher)
			b.out(64);
	}
	Input u = b.done();
	u.contended = true;
	return u;
}

}  // namespace fz::gen
