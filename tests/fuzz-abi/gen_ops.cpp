// SPDX-License-Identifier: GPL-2.0 OR MIT
// Valid one-shot operations, their outputs checked against OpenSSL where
// the key's material is known: digest, MAC, AEAD, ciphers, random, RSA,
// and the test hook BENCH.
#include <algorithm>
#include <cstring>

#include "gen_impl.hpp"

namespace fz::gen {

namespace {

struct Hash {
	const char *name;
	uint32_t size;
};
constexpr Hash kHashes[] = {{"sha-256", 32}, {"sha-384", 48}, {"sha-512", 64},
			    {"sha3-256", 32}, {"sha3-384", 48}, {"sha3-512", 64}};

uint32_t mac_len(const Key &k)
{
	const std::string a = key_spec(k.spec).alg;
	return a == "hmac-sha-256" ? 32 : a == "hmac-sha-512" ? 64 : 16;
}

Bytes ref_mac(const Key &k, View msg)
{
	const KeySpec &s = key_spec(k.spec);
	return s.cls == K_HMAC ? ref::hmac(s.alg, k.material, msg) : ref::cmac(k.material, msg);
}

Role role_of(const Key &k)
{
	Role r;
	r.key_class = key_spec(k.spec).cls;
	return r;
}

const Key *mac_key(Gen &c)
{
	return c.pool().key_of(c.rng(), c.rng().one_in(2) ? K_HMAC : K_CMAC);
}

std::string zeroed(const Answer &a)
{
	View out = ref_bytes(a, R_OUT, a.op.out.len);
	if (std::all_of(out.begin(), out.end(), [](uint8_t b) { return b == 0; }))
		return "";
	return "a failed OPEN left " + ref::hex(out, 16) + " in out";
}

uint32_t gcm_tag_len(Rng &rng, const KeySpec &s)
{
	static const uint32_t lens[] = {4, 8, 12, 13, 14, 15, 16, 16, 16};
	return std::string(s.alg).ends_with("-gcm") ? rng.pick(lens) : 16;
}

}  // namespace

Input op_digest(Gen &c)
{
	Rng &rng = c.rng();
	const Hash &h = rng.pick(kHashes);
	const uint32_t n = payload_len(c);
	Bytes msg = random_bytes(rng, n);
	Builder b(HSM_IOC_DIGEST, needs_big(n));
	b.resp().in(msg);

	switch (rng.below(16)) {
	case 0:
		return b.params(bytes_of(std::string(rng.one_in(2) ? "md5" : "sha-999"))).out(64)
			.ok(-EOPNOTSUPP).done();
	case 1:
		return b.params(bytes_of(std::string(h.name))).out(h.size - 1).ok(-EOVERFLOW).done();
	case 2:
		/* A MAC needs a key. */
		return b.params(bytes_of(std::string("hmac-sha-256"))).out(64).ok(-EINVAL).done();
	}
	return b.params(bytes_of(std::string(h.name)))
		.out(h.size + static_cast<uint32_t>(rng.below(2) * rng.below(64)))
		.ok(h.size)
		.want(R_OUT, ref::digest(h.name, msg))
		.done();
}

Input op_mac(Gen &c)
{
	Rng &rng = c.rng();
	const Key *k = mac_key(c);
	if (!k)
		return make_key(c, rng.one_in(2) ? K_HMAC : K_CMAC);
	const uint32_t len = mac_len(*k), n = payload_len(c);
	Bytes msg = random_bytes(rng, n);
	Builder b(HSM_IOC_MAC, needs_big(n));
	b.handle(k->id).resp().in(msg).role(role_of(*k));
	uint32_t out = len + static_cast<uint32_t>(rng.below(2) * rng.below(16));
	if (rng.one_in(4)) {
		b.flags(HSM_OP_F_TRUNCATE);
		out = static_cast<uint32_t>(rng.range(HSM_MAC_MIN_TAG, len + 8));
	} else if (rng.one_in(10)) {
		return b.out(len - 1).ok(-EOVERFLOW, kGone).done();
	}
	const uint32_t written = std::min(out, len);
	b.out(out).ok(written, kGone);
	if (!k->material.empty()) {
		Bytes want = ref_mac(*k, msg);
		want.resize(written);
		b.want(R_OUT, want);
	}
	return b.done();
}

Input op_mac_verify(Gen &c)
{
	Rng &rng = c.rng();
	const Key *k = mac_key(c);
	if (!k)
		return make_key(c, rng.one_in(2) ? K_HMAC : K_CMAC);
	const uint32_t len = mac_len(*k), n = payload_len(c);
	const uint32_t tl = static_cast<uint32_t>(rng.range(HSM_MAC_MIN_TAG, len));
	Bytes msg = random_bytes(rng, n);
	Builder b(HSM_IOC_MAC_VERIFY, needs_big(n));
	b.handle(k->id).resp().in(msg).role(role_of(*k));
	if (k->material.empty() || rng.one_in(4)) {
		Bytes tag = k->material.empty() ? random_bytes(rng, tl) : ref_mac(*k, msg);
		tag.resize(tl);
		tag[0] ^= k->material.empty() ? 0 : 1;
		return b.tag(tag).ok(-EBADMSG, kGone).done();
	}
	Bytes tag = ref_mac(*k, msg);
	tag.resize(tl);
	return b.tag(tag).ok(0, kGone).done();
}

Input op_seal(Gen &c)
{
	Rng &rng = c.rng();
	const Key *k = c.pool().key_of(rng, K_AEAD);
	if (!k)
		return make_key(c, K_AEAD);
	const KeySpec &s = key_spec(k->spec);
	const uint32_t n = payload_len(c), tl = gcm_tag_len(rng, s);
	Bytes msg = random_bytes(rng, n), iv = random_bytes(rng, 12),
	      aad = random_bytes(rng, rng.one_in(3) ? 0 : rng.below(257));
	Builder b(HSM_IOC_SEAL, needs_big(n));
	b.handle(k->id).resp().iv(iv).aad(aad).in(msg).out_tag(tl).role(role_of(*k));
	if (rng.one_in(3))
		b.in_place();
	else
		b.out(n);
	b.ok(n, kGone);
	if (!k->material.empty()) {
		Bytes want = ref::seal(s.alg, k->material, iv, aad, msg, tl);
		b.verify([want, n](const Answer &a) -> std::string {
			View ct = ref_bytes(a, R_OUT, n), tag = ref_bytes(a, R_TAG, 16);
			Bytes got(ct.begin(), ct.end());
			got.insert(got.end(), tag.begin(), tag.end());
			if (got == want)
				return "";
			return "SEAL gave " + ref::hex(got, 24) + " where " + ref::hex(want, 24) + " is right";
		});
	}
	return b.done();
}

Input op_open(Gen &c)
{
	Rng &rng = c.rng();
	const Key *k = c.pool().key_of(rng, K_AEAD);
	if (!k)
		return make_key(c, K_AEAD);
	const KeySpec &s = key_spec(k->spec);
	const uint32_t n = payload_len(c), tl = gcm_tag_len(rng, s);
	Bytes msg = random_bytes(rng, n), iv = random_bytes(rng, 12),
	      aad = random_bytes(rng, rng.below(65));
	Builder b(HSM_IOC_OPEN, needs_big(n));
	b.handle(k->id).resp().iv(iv).aad(aad).role(role_of(*k));
	if (k->material.empty() || rng.one_in(5)) {
		/* Nobody sealed this: EBADMSG, and no plaintext left behind. */
		Bytes ct = k->material.empty() ? random_bytes(rng, n) : ref::seal(s.alg, k->material, iv, aad, msg, tl);
		ct.resize(n);
		b.in(ct).tag(random_bytes(rng, tl));
		if (rng.one_in(2))
			b.in_place();
		else
			b.out(n);
		return b.ok(-EBADMSG, kGone).verify(zeroed).done();
	}
	Bytes sealed = ref::seal(s.alg, k->material, iv, aad, msg, tl);
	b.in(View(sealed).first(n)).tag(View(sealed).subspan(n));
	if (rng.one_in(3))
		b.in_place();
	else
		b.out(n);
	return b.ok(n, kGone).want(R_OUT, msg).done();
}

namespace {

Input cipher_op(Gen &c, unsigned cmd)
{
	Rng &rng = c.rng();
	static const KeyClass classes[] = {K_CBC, K_CTR, K_XTS};
	const KeyClass cls = rng.pick(classes);
	const Key *k = c.pool().key_of(rng, cls);
	if (!k)
		return make_key(c, cls);
	const KeySpec &s = key_spec(k->spec);
	const uint32_t n = payload_len(c, cls == K_CBC ? 16 : 1, cls == K_CTR ? 1 : 16);
	Bytes msg = random_bytes(rng, n), iv = random_bytes(rng, 16);
	Builder b(cmd, needs_big(n));
	b.handle(k->id).resp().iv(iv).in(msg).role(role_of(*k));
	if (rng.one_in(3))
		b.in_place();
	else
		b.out(n);
	b.ok(n, kGone);
	if (!k->material.empty())
		b.want(R_OUT, ref::cipher(s.alg, k->material, iv, msg, cmd == HSM_IOC_ENCRYPT));
	return b.done();
}

}  // namespace

Input op_encrypt(Gen &c)
{
	return cipher_op(c, HSM_IOC_ENCRYPT);
}

Input op_decrypt(Gen &c)
{
	return cipher_op(c, HSM_IOC_DECRYPT);
}

Input op_random(Gen &c)
{
	const uint32_t n = static_cast<uint32_t>(c.rng().range(1, 4096));
	return Builder(HSM_IOC_RANDOM, false)
		.resp()
		.out(n)
		.ok(n)
		.verify([n](const Answer &a) -> std::string {
			View out = ref_bytes(a, R_OUT, n);
			if (n < 32 || std::any_of(out.begin(), out.end(), [](uint8_t x) { return x; }))
				return "";
			return "RANDOM gave " + std::to_string(n) + " zero bytes";
		})
		.done();
}

Input op_sign(Gen &c)
{
	Rng &rng = c.rng();
	const Key *k = c.pool().key_of(rng, K_RSA);
	if (!k)
		return make_key(c, K_RSA);
	const uint32_t n = payload_len(c);
	Bytes msg = random_bytes(rng, n);
	Builder b(HSM_IOC_SIGN, needs_big(n));
	b.handle(k->id).resp().in(msg).role(role_of(*k));
	if (rng.one_in(8))
		return b.out(255).ok(-EOVERFLOW, kGone).done();
	return b.out(256 + static_cast<uint32_t>(rng.below(2) * 16))
		.ok(256, kGone)
		.verify([msg](const Answer &a) -> std::string {
			if (ref::rsa_verify("sha-256", ref_bytes(a, R_OUT, 256), msg))
				return "";
			return "OpenSSL does not verify the module's signature";
		})
		.done();
}

Input op_verify(Gen &c)
{
	Rng &rng = c.rng();
	const Key *k = c.pool().key_of(rng, K_RSA);
	if (!k)
		return make_key(c, K_RSA);
	const uint32_t n = payload_len(c);
	Bytes msg = random_bytes(rng, n), sig = ref::rsa_sign("sha-256", msg);
	const bool bad = rng.one_in(3);
	if (bad)
		sig[rng.below(sig.size())] ^= 0x20;
	return Builder(HSM_IOC_VERIFY, needs_big(n))
		.handle(k->id)
		.resp()
		.in(msg)
		.tag(sig)
		.role(role_of(*k))
		.ok(bad ? -EBADMSG : 0, kGone)
		.done();
}

Input op_bench(Gen &c)
{
	Rng &rng = c.rng();
	hsm_bench_params p{};
	const uint32_t iterations = static_cast<uint32_t>(rng.range(1, 16));
	Bytes msg = random_bytes(rng, rng.below(1025));
	p.iterations = iterations;
	Builder b(HSM_IOC_BENCH, false);
	b.resp().in(msg);
	switch (rng.below(3)) {
	case 0:
		p.cmd = HSM_IOC_DIGEST;
		strcpy(p.alg, "sha-256");
		b.out(32);
		break;
	case 1: {
		const Key *k = c.pool().key_of(rng, K_HMAC);
		if (!k)
			return make_key(c, K_HMAC);
		p.cmd = HSM_IOC_MAC;
		b.handle(k->id).out(mac_len(*k)).role(role_of(*k));
		break;
	}
	default: {
		const Key *k = c.pool().key_of(rng, K_AEAD);
		if (!k)
			return make_key(c, K_AEAD);
		p.cmd = HSM_IOC_SEAL;
		b.handle(k->id).iv(random_bytes(rng, 12)).aad(random_bytes(rng, 16)).role(role_of(*k));
		b.out(static_cast<uint32_t>(msg.size())).out_tag(16);
		break;
	}
	}
	return b.params_of(p).ok(iterations, kGone).done();
}

}  // namespace fz::gen
