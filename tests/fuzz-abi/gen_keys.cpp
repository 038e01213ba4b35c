// SPDX-License-Identifier: GPL-2.0 OR MIT
// Valid key commands: generate, import, export, release, derive, public,
// agree, wrap, unwrap, list, info.
#include <algorithm>
#include <cstring>

#include "gen_impl.hpp"

namespace fz::gen {

namespace {

const ErrSet kLimits = {ENOSPC, EDQUOT};
const ErrSet kGoneOrFull = kGone | kLimits;

int spec_of_class(Rng &rng, KeyClass cls)
{
	std::vector<int> v;
	for (size_t i = 0; i < key_specs().size(); i++)
		if (key_specs()[i].cls == cls)
			v.push_back(static_cast<int>(i));
	return v[rng.below(v.size())];
}

// Material a module takes for this spec: random, of the right size.
Bytes material(Rng &rng, const KeySpec &s, uint32_t len)
{
	if (s.cls == K_RSA)
		return ref::rsa2048().priv_der;
	Bytes m = random_bytes(rng, len);
	if (s.cls == K_P256)
		m[0] &= 0x7f;	/* below the group order */
	return m;
}

uint32_t sized_len(Rng &rng, const KeySpec &s)
{
	if (s.cls == K_HMAC)
		return static_cast<uint32_t>(rng.range(16, 128));
	if (s.cls == K_SECRET)
		return rng.one_in(16) ? static_cast<uint32_t>(rng.range(1, 16320))
				      : static_cast<uint32_t>(rng.range(16, 64));
	return s.len;
}

Input make_key_of(Gen &c, int spec, bool import, bool exportable)
{
	const KeySpec &s = key_spec(spec);
	const uint64_t perms = s.perms | (exportable ? HSM_PERM_EXPORT : 0);
	const uint32_t flags = exportable ? HSM_KEY_F_EXPORTABLE : 0;
	const uint32_t len = sized_len(c.rng(), s);

	if (s.cls == K_RSA)
		import = true;
	if (!import) {
		hsm_key_params p = key_params(s.alg, perms, flags, s.sized ? len : 0);
		return Builder(HSM_IOC_KEY_GENERATE, false)
			.resp()
			.params_of(p)
			.ok(0, kLimits)
			.learn(learn_key(spec, exportable, len, {}))
			.done();
	}
	Bytes m = material(c.rng(), s, len);
	hsm_key_params p = key_params(s.alg, perms, flags,
				      s.sized && c.rng().one_in(2) ? static_cast<uint32_t>(m.size()) : 0);
	return Builder(HSM_IOC_KEY_IMPORT, false)
		.resp()
		.params_of(p)
		.in(m)
		.ok(0, kLimits)
		.learn(learn_key(spec, exportable, static_cast<uint32_t>(m.size()), m))
		.done();
}

const Key *exportable_key(Pool &pool, Rng &rng, bool kw)
{
	std::vector<const Key *> v;
	for (const Key &k : pool.keys)
		if (k.exportable && (!kw || (k.len % 8 == 0 && k.len >= 16)))
			v.push_back(&k);
	return v.empty() ? nullptr : v[rng.below(v.size())];
}

Role key_role(const Key &k)
{
	Role r;
	r.key_class = key_spec(k.spec).cls;
	return r;
}

}  // namespace

Input make_key(Gen &c, KeyClass cls)
{
	return make_key_of(c, spec_of_class(c.rng(), cls), c.rng().chance(3, 5), c.rng().one_in(2));
}

Input key_generate(Gen &c)
{
	if (c.rng().one_in(20)) {
		/* The 6.1 crypto API cannot make RSA keys. */
		hsm_key_params p = key_params("rsa-pkcs1-sha256", HSM_PERM_SIGN, 0, 0);
		return Builder(HSM_IOC_KEY_GENERATE, false).resp().params_of(p).ok(-EOPNOTSUPP).done();
	}
	KeyClass cls = static_cast<KeyClass>(c.rng().below(K_RSA));
	return make_key_of(c, spec_of_class(c.rng(), cls), false, c.rng().one_in(2));
}

Input key_import(Gen &c)
{
	KeyClass cls = static_cast<KeyClass>(c.rng().below(K_NCLASS));
	return make_key_of(c, spec_of_class(c.rng(), cls), true, c.rng().one_in(2));
}

Input key_export(Gen &c)
{
	Rng &rng = c.rng();
	const Key *k = rng.chance(3, 4) ? exportable_key(c.pool(), rng, false) : c.pool().any_key(rng);
	if (!k)
		return make_key_of(c, spec_of_class(rng, K_AEAD), true, true);
	Builder b(HSM_IOC_KEY_EXPORT, false);
	b.handle(k->id).resp().role(key_role(*k));
	if (!k->exportable)
		return b.out(k->len).ok(-EPERM, kGone).done();
	if (k->len && rng.one_in(6))
		return b.out(k->len - 1).ok(-EOVERFLOW, kGone).done();
	b.out(k->len + (rng.one_in(3) ? static_cast<uint32_t>(rng.below(64)) : 0)).ok(k->len, kGone);
	if (!k->material.empty())
		b.want(R_OUT, k->material);
	return b.done();
}

Input key_release(Gen &c)
{
	Rng &rng = c.rng();
	if (!c.pool().stale.empty() && rng.one_in(5)) {
		/* IDs are never reused while the connection lives. */
		uint64_t id = c.pool().stale[rng.below(c.pool().stale.size())];
		return Builder(HSM_IOC_KEY_RELEASE, false).handle(id).resp().ok(-ENOENT).done();
	}
	const Key *k = c.pool().any_key(rng);
	if (!k)
		return make_key(c, static_cast<KeyClass>(rng.below(K_NCLASS)));
	return Builder(HSM_IOC_KEY_RELEASE, false)
		.handle(k->id)
		.resp()
		.role(key_role(*k))
		.ok(0, kGone)
		.learn([](Worker &w, const Answer &a) {
			if (a.res == 0 || a.res == -ENOENT)
				w.pool.drop_key(a.op.handle);
		})
		.done();
}

Input key_derive(Gen &c)
{
	static const char *const hkdfs[] = {"hkdf-sha-256", "hkdf-sha-384", "hkdf-sha-512"};
	static const struct {
		const char *name;
		uint32_t hash;
	} kdf108[] = {{"kdf108-ctr-hmac-sha-256", 32}, {"kdf108-ctr-hmac-sha-384", 48},
		      {"kdf108-ctr-hmac-sha-512", 64}};
	static const struct {
		const char *alg;
		KeyClass cls;
		uint32_t key_len;
	} targets[] = {{"aes-256-gcm", K_AEAD, 0}, {"aes-128-cbc", K_CBC, 0},
		       {"hmac-sha-256", K_HMAC, 32}, {"secret", K_SECRET, 48},
		       {"aes-128-kw", K_KW, 0}, {"aes-128-cmac", K_CMAC, 0}};
	Rng &rng = c.rng();
	const Key *base = c.pool().key_of(rng, K_SECRET);
	if (!base)
		return make_key(c, K_SECRET);

	const auto &t = rng.pick(targets);
	const int spec = spec_index(t.alg, t.cls);
	const bool exportable = base->exportable && rng.one_in(2);
	const bool sensitive_leak = !base->exportable && rng.one_in(10);
	const uint64_t perms = key_spec(spec).perms |
			       (exportable || sensitive_leak ? HSM_PERM_EXPORT : 0);
	hsm_key_params p = key_params(t.alg, perms,
				      exportable || sensitive_leak ? HSM_KEY_F_EXPORTABLE : 0,
				      t.key_len);
	std::string kdf = rng.pick(hkdfs);
	Bytes salt = random_bytes(rng, rng.below(33));
	for (const auto &k : kdf108)
		if (rng.one_in(3) && k.hash <= base->len) {
			kdf = k.name;
			salt.clear();	/* SP 800-108 takes no salt */
		}
	Builder b(HSM_IOC_KEY_DERIVE, false);
	b.handle(base->id).resp().params_of(p).in(bytes_of(kdf)).iv(salt)
		.aad(random_bytes(rng, rng.below(65))).role(key_role(*base));
	if (sensitive_leak)
		return b.ok(-EPERM, kGoneOrFull).done();
	const uint32_t len = t.key_len ? t.key_len : key_spec(spec).len;
	return b.ok(0, kGoneOrFull).learn(learn_key(spec, exportable, len, {})).done();
}

Input key_public(Gen &c)
{
	Rng &rng = c.rng();
	const Key *k = c.pool().key_of(rng, rng.one_in(2) ? K_X25519 : K_P256);
	if (!k)
		return make_key(c, rng.one_in(2) ? K_X25519 : K_P256);
	const uint32_t len = key_spec(k->spec).cls == K_X25519 ? 32 : 64;
	Builder b(HSM_IOC_KEY_PUBLIC, false);
	b.handle(k->id).resp().role(key_role(*k));
	if (rng.one_in(6))
		return b.out(len - 1).ok(-EOVERFLOW, kGone).done();
	return b.out(len + static_cast<uint32_t>(rng.below(2) * rng.below(32))).ok(len, kGone).done();
}

Input key_agree(Gen &c)
{
	Rng &rng = c.rng();
	const Key *k = c.pool().key_of(rng, rng.one_in(2) ? K_X25519 : K_P256);
	if (!k)
		return make_key(c, rng.one_in(2) ? K_X25519 : K_P256);
	const bool x = key_spec(k->spec).cls == K_X25519;
	const bool exportable = k->exportable && rng.one_in(2);
	hsm_key_params p = key_params("secret", HSM_PERM_DERIVE | (exportable ? HSM_PERM_EXPORT : 0),
				      exportable ? HSM_KEY_F_EXPORTABLE : 0, 0);
	return Builder(HSM_IOC_KEY_AGREE, false)
		.handle(k->id)
		.resp()
		.params_of(p)
		.in(x ? ref::x25519_peer() : ref::p256_peer())
		.role(key_role(*k))
		.ok(0, kGoneOrFull)
		.learn(learn_key(spec_index("secret", K_SECRET), exportable, 32, {}))
		.done();
}

Input key_wrap(Gen &c)
{
	Rng &rng = c.rng();
	const bool kw = rng.one_in(3);
	const Key *wk = c.pool().key_of(rng, kw ? K_KW : K_WRAP_AEAD);
	if (!wk)
		return make_key(c, kw ? K_KW : K_WRAP_AEAD);
	const Key *t = exportable_key(c.pool(), rng, kw);
	if (!t)
		return make_key_of(c, spec_of_class(rng, K_AEAD), true, true);

	hsm_wrap_params p{};
	p.key = t->id;
	Role role = key_role(*wk);
	role.wrap_class = key_spec(t->spec).cls;
	Builder b(HSM_IOC_KEY_WRAP, false);
	b.handle(wk->id).resp().params_of(p).role(role);
	const int spec = t->spec;
	if (kw) {
		b.out(t->len + 8).ok(t->len + 8, kGone);
	} else {
		b.iv(random_bytes(rng, 12)).aad(random_bytes(rng, rng.below(33)));
		b.out(t->len + static_cast<uint32_t>(rng.below(2) * 16)).out_tag(16).ok(t->len, kGone);
	}
	return b.learn([spec](Worker &w, const Answer &a) {
			if (a.res <= 0 || a.racy || w.wrapped.size() >= 8)
				return;
			Wrapped x{a.op.handle, spec, Bytes(ref_bytes(a, R_OUT, static_cast<uint32_t>(a.res)).begin(),
						    ref_bytes(a, R_OUT, static_cast<uint32_t>(a.res)).end()),
				  {}, {}, {}};
			View iv = ref_bytes(a, R_IV, 64), aad = ref_bytes(a, R_AAD, 64),
			     tag = ref_bytes(a, R_TAG, 16);
			x.iv.assign(iv.begin(), iv.end());
			x.aad.assign(aad.begin(), aad.end());
			x.tag.assign(tag.begin(), tag.end());
			w.wrapped.push_back(std::move(x));
		})
		.done();
}

Input key_unwrap(Gen &c)
{
	Rng &rng = c.rng();
	auto &ws = c.w.wrapped;
	if (!ws.empty() && rng.chance(3, 4)) {
		Wrapped x = ws[rng.below(ws.size())];
		ws.erase(std::remove_if(ws.begin(), ws.end(), [&](const Wrapped &y) { return y.blob == x.blob; }),
			 ws.end());
		const KeySpec &s = key_spec(x.spec);
		hsm_key_params p = key_params(s.alg, s.perms, 0, 0);
		Builder b(HSM_IOC_KEY_UNWRAP, false);
		b.handle(x.wrapping).resp().params_of(p).in(x.blob);
		if (!x.tag.empty())
			b.iv(x.iv).aad(x.aad).tag(x.tag);
		const uint32_t len = static_cast<uint32_t>(x.blob.size() - (x.tag.empty() ? 8 : 0));
		return b.ok(0, kGoneOrFull).learn(learn_key(x.spec, false, len, {})).done();
	}
	const bool kw = rng.one_in(2);
	const Key *wk = c.pool().key_of(rng, kw ? K_KW : K_WRAP_AEAD);
	if (!wk)
		return make_key(c, kw ? K_KW : K_WRAP_AEAD);
	/* A blob nobody wrapped: its integrity check fails. */
	hsm_key_params p = key_params("aes-256-gcm", HSM_PERM_ENCRYPT | HSM_PERM_DECRYPT, 0, 0);
	Builder b(HSM_IOC_KEY_UNWRAP, false);
	b.handle(wk->id).resp().params_of(p).role(key_role(*wk));
	if (kw)
		b.in(random_bytes(rng, 40));
	else
		b.in(random_bytes(rng, 32)).iv(random_bytes(rng, 12)).tag(random_bytes(rng, 16));
	return b.ok(-EBADMSG, kGone).done();
}

Input key_list(Gen &c)
{
	Rng &rng = c.rng();
	Builder b(HSM_IOC_KEY_LIST, false);
	b.resp().out(static_cast<uint32_t>(rng.below(9) * sizeof(hsm_key_info)));
	if (rng.one_in(4))
		b.flags(HSM_OP_F_ALL_CONNECTIONS);
	return b.ok().done();
}

Input key_info(Gen &c)
{
	Rng &rng = c.rng();
	const Key *k = c.pool().any_key(rng);
	if (!k)
		return make_key(c, static_cast<KeyClass>(rng.below(K_NCLASS)));
	Builder b(HSM_IOC_KEY_INFO, false);
	b.handle(k->id).resp().role(key_role(*k));
	if (rng.one_in(8))
		return b.out(sizeof(hsm_key_info) - 1).ok(-EOVERFLOW, kGone).done();
	const std::string alg = key_spec(k->spec).alg;
	const uint32_t len = k->len;
	const bool exportable = k->exportable;
	return b.out(sizeof(hsm_key_info) + static_cast<uint32_t>(rng.below(2) * 8))
		.ok(sizeof(hsm_key_info), kGone)
		.verify([alg, len, exportable](const Answer &a) -> std::string {
			hsm_key_info ki;
			memcpy(&ki, ref_bytes(a, R_OUT, sizeof(ki)).data(), sizeof(ki));
			if (ki.id != a.op.handle)
				return "KEY_INFO of " + std::to_string(a.op.handle) + " names " +
				       std::to_string(ki.id);
			if (alg != ki.alg)
				return "KEY_INFO says " + std::string(ki.alg, strnlen(ki.alg, 64)) +
				       " for a key of " + alg;
			if (ki.key_len != len && alg != "rsa-pkcs1-sha256")
				return "KEY_INFO says " + std::to_string(ki.key_len) + " bytes for a key of " +
				       std::to_string(len);
			if (!!(ki.flags & HSM_KEY_F_EXPORTABLE) != exportable)
				return "KEY_INFO flags " + std::to_string(ki.flags);
			return "";
		})
		.done();
}

// KEY_ATTEST on the pool's keys, none of them a worker key pair: the
// row's key check refuses each (EINVAL) before its parameters are read.
Input key_attest(Gen &c)
{
	Rng &rng = c.rng();
	const Key *k = c.pool().any_key(rng);
	if (!k)
		return make_key(c, static_cast<KeyClass>(rng.below(K_NCLASS)));
	hsm_key_attest_params p{};
	p.platform = rng.one_in(2) ? 0 : HSM_PLATFORM_TDX;
	p.nonce[0] = static_cast<uint8_t>(rng.next());
	Builder b(HSM_IOC_KEY_ATTEST, false);
	return b.handle(k->id)
		.resp()
		.role(key_role(*k))
		.params_of(p)
		.out(static_cast<uint32_t>(sizeof(hsm_key_statement) + rng.below(512)))
		.out_tag(std::min<uint32_t>(HSM_SNP_REPORT_SIZE, b.geom().tag_max))
		.ok(-EINVAL, kGone)
		.done();
}

}  // namespace fz::gen
