// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "kat.hpp"

#include <cerrno>
#include <sched.h>

#include "oracle.hpp"
#include "worker.hpp"

namespace fz {

namespace {

// The control part of the thread's area.
struct Layout {
	uint32_t params, resp, iv, tag, aad, in, out;
};

Layout layout(const Target &t)
{
	const uint32_t c = t.map->control(t.area);
	return {c, c + 512, c + 576, c + 640, c + 1024, c + 4096, c + 32768};
}

constexpr uint32_t kMaxMsg = 16384;

Input unit(unsigned cmd, const hsm_op &op)
{
	Input u;
	u.cmd = cmd;
	u.set_op(op);
	u.gen = spec_of(cmd)->idx;
	return u;
}

// Run one command; its result, read from its record when it rode a
// VECTOR.  EBUSY (the connection's in-flight limit, other threads' doing)
// is tried again.
long run1(Executor &ex, const Target &t, const Input &u, Via via, std::string &err)
{
	Program p;
	p.via = via;
	p.units.push_back(u);
	std::vector<Answer> ans;
	Answer vec;

	for (int tries = 0;; tries++) {
		uint8_t *record = t.base + u.op().resp_off;
		memset(record, 0xee, sizeof(hsm_resp));
		err = ex.run(t, p, ans, vec, nullptr, nullptr);
		if (!err.empty())
			return 0;
		long r = ans[0].res;
		if (via == Via::VectorIoctl || via == Via::VectorUring) {
			if (vec.res != 1) {
				err = "a VECTOR of one answered " + result_text(vec.res);
				return 0;
			}
			hsm_resp rec;
			memcpy(&rec, record, sizeof(rec));
			if (rec.status == 0xeeeeeeeeU) {
				err = "the entry of a VECTOR of one has no record";
				return 0;
			}
			r = rec.result;
		}
		if (r != -EBUSY || tries == 50)
			return r;
		sched_yield();
	}
}

Via pick_via(Rng &rng)
{
	static const Via vias[] = {Via::Ioctl, Via::Uring, Via::VectorIoctl, Via::VectorUring};
	return rng.pick(vias);
}

std::string expect(const char *what, Via via, long got, long want, View out, const Bytes &right)
{
	if (got != want)
		return std::string("known-answer ") + what + " by " + via_name(via) + " answered " +
		       result_text(got) + " where " + result_text(want) + " is right";
	if (!std::equal(out.begin(), out.end(), right.begin(), right.end()))
		return std::string("known-answer ") + what + " by " + via_name(via) + " gave " +
		       ref::hex(out, 24) + " where " + ref::hex(right, 24) + " is right";
	return "";
}

long import(Worker &w, const Target &t, const char *alg, uint64_t perms, const Bytes &key,
	    std::string &err)
{
	const Layout l = layout(t);
	hsm_key_params p{};
	strcpy(p.alg, alg);
	p.perms = perms;
	memcpy(t.base + l.params, &p, sizeof(p));
	memcpy(t.base + l.in, key.data(), key.size());
	hsm_op op{};
	op.resp_off = l.resp;
	op.timeout_ms = HSM_TIMEOUT_NONE;
	op.params = {l.params, sizeof(p)};
	op.in = {l.in, static_cast<uint32_t>(key.size())};
	long r = run1(w.exec, t, unit(HSM_IOC_KEY_IMPORT, op), Via::Ioctl, err);
	if (err.empty() && r)
		err = std::string("importing the known-answer ") + alg + " key: " + result_text(r);
	hsm_resp rec;
	memcpy(&rec, t.base + l.resp, sizeof(rec));
	return err.empty() ? static_cast<long>(rec.value) : 0;
}

std::string kat_mac(Worker &w, const Target &t, Via via, const Bytes &msg)
{
	const Layout l = layout(t);
	std::string err;
	hsm_op op{};
	op.handle = w.kat_hmac;
	op.resp_off = l.resp;
	op.timeout_ms = HSM_TIMEOUT_NONE;
	op.in = {l.in, static_cast<uint32_t>(msg.size())};
	op.out = {l.out, 32};
	if (!msg.empty())
		memcpy(t.base + l.in, msg.data(), msg.size());
	memset(t.base + l.out, 0, 32);
	long r = run1(w.exec, t, unit(HSM_IOC_MAC, op), via, err);
	if (!err.empty())
		return err;
	return expect("HMAC-SHA-256", via, r, 32, View(t.base + l.out, 32),
		      ref::hmac("hmac-sha-256", w.kat_hmac_key, msg));
}

std::string kat_aead(Worker &w, const Target &t, Via via, const Bytes &msg)
{
	const Layout l = layout(t);
	const uint32_t n = static_cast<uint32_t>(msg.size());
	std::string err;
	Bytes iv(12), aad(w.rng.below(65));
	w.rng.fill(iv.data(), iv.size());
	w.rng.fill(aad.data(), aad.size());
	memcpy(t.base + l.iv, iv.data(), iv.size());
	// memcpy() wants a pointer even for no bytes; an empty vector has none.
	if (!aad.empty())
		memcpy(t.base + l.aad, aad.data(), aad.size());
	if (n)
		memcpy(t.base + l.in, msg.data(), n);
	hsm_op op{};
	op.handle = w.kat_aead;
	op.resp_off = l.resp;
	op.timeout_ms = HSM_TIMEOUT_NONE;
	op.iv = {l.iv, 12};
	op.aad = {l.aad, static_cast<uint32_t>(aad.size())};
	op.in = {l.in, n};
	op.out = {l.out, n};
	op.tag = {l.tag, 16};
	long r = run1(w.exec, t, unit(HSM_IOC_SEAL, op), via, err);
	if (!err.empty())
		return err;
	Bytes want = ref::seal("aes-256-gcm", w.kat_aead_key, iv, aad, msg, 16);
	Bytes got(t.base + l.out, t.base + l.out + n);
	got.insert(got.end(), t.base + l.tag, t.base + l.tag + 16);
	std::string e = expect("AES-256-GCM seal", via, r, n, got, want);
	if (!e.empty())
		return e;
	/* And back, into the place the plaintext was. */
	memset(t.base + l.in, 0, n);
	std::swap(op.in, op.out);
	r = run1(w.exec, t, unit(HSM_IOC_OPEN, op), via, err);
	if (!err.empty())
		return err;
	return expect("AES-256-GCM open", via, r, n, View(t.base + l.in, n), msg);
}

}  // namespace

std::string kat_setup(Worker &w, const Target &t)
{
	std::string err;
	w.kat_hmac_key.resize(32);
	w.kat_aead_key.resize(32);
	w.rng.fill(w.kat_hmac_key.data(), 32);
	w.rng.fill(w.kat_aead_key.data(), 32);
	w.kat_hmac = import(w, t, "hmac-sha-256", HSM_PERM_SIGN, w.kat_hmac_key, err);
	if (err.empty())
		w.kat_aead = import(w, t, "aes-256-gcm", HSM_PERM_ENCRYPT | HSM_PERM_DECRYPT,
				    w.kat_aead_key, err);
	return err;
}

KatDigest kat_digest(Rng &rng)
{
	KatDigest k;
	k.msg.resize(rng.range(0, 4000));
	rng.fill(k.msg.data(), k.msg.size());
	k.want = ref::digest("sha-256", k.msg);
	return k;
}

std::string kat_check_digest(Executor &ex, const Target &t, const KatDigest &k, Via via)
{
	const Layout l = layout(t);
	std::string err;
	static const char alg[] = "sha-256";
	memcpy(t.base + l.params, alg, sizeof(alg) - 1);
	if (!k.msg.empty())
		memcpy(t.base + l.in, k.msg.data(), k.msg.size());
	memset(t.base + l.out, 0, 64);
	hsm_op op{};
	op.resp_off = l.resp;
	op.timeout_ms = HSM_TIMEOUT_NONE;
	op.params = {l.params, sizeof(alg) - 1};
	op.in = {l.in, static_cast<uint32_t>(k.msg.size())};
	op.out = {l.out, 64};
	long r = run1(ex, t, unit(HSM_IOC_DIGEST, op), via, err);
	if (!err.empty())
		return err;
	return expect("SHA-256", via, r, 32, View(t.base + l.out, 32), k.want);
}

std::string kat_run(Worker &w, const Target &t)
{
	Rng &rng = w.rng;
	const Via via = pick_via(rng);
	Bytes msg(rng.below(rng.one_in(4) ? kMaxMsg : 512));
	rng.fill(msg.data(), msg.size());

	switch (rng.below(3)) {
	case 0: {
		KatDigest k{msg, ref::digest("sha-256", msg)};
		return kat_check_digest(w.exec, t, k, via);
	}
	case 1:
		return kat_mac(w, t, via, msg);
	}
	return kat_aead(w, t, via, msg);
}

}  // namespace fz
