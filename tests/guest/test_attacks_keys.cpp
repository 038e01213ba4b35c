// SPDX-License-Identifier: GPL-2.0 OR MIT
// Attacks on keys' roles: a key that would do another role's work, keys
// that inherit exportability, one material in two roles; and work sized
// to hold the module (a vector killed midway, oversized inputs).  Run as
// in test_attacks.cpp: forked attackers with privileges dropped.
#include <chrono>
#include <signal.h>
#include <time.h>

#include "attacks.hpp"

using namespace hsmattack;

TestSuite(attacks_keys, .init = setup, .fini = teardown, .timeout = 300);

// The attacker makes keys whose permissions would let one role do another's
// work: an AEAD key that both unwraps and decrypts (UNWRAP of any
// ciphertext into an exportable key is a decryption), that wraps and
// decrypts, and an HMAC key that both derives and signs (SP 800-108 over
// it outputs its tags).  Every path that makes a key refuses them (EINVAL)
// and none is made.
Test(attacks_keys, wrapping_and_encryption_never_share_a_key)
{
	Outcome o = attacker([](Report &r) {
		if (!drop_to(kNobody, {}))
			return 1;
		Link l;
		long before = l.key_list();
		Bytes k32 = pattern(32, 3);
		struct {
			const char *name, *alg;
			__u64 perms;
		} bad[] = {
			{"aead encrypt|unwrap", "aes-256-gcm", HSM_PERM_ENCRYPT | HSM_PERM_UNWRAP},
			{"aead decrypt|wrap", "aes-256-gcm", HSM_PERM_DECRYPT | HSM_PERM_WRAP},
			{"aead decrypt|unwrap", "aes-256-gcm", HSM_PERM_DECRYPT | HSM_PERM_UNWRAP},
			{"chacha decrypt|unwrap", "chacha20-poly1305", HSM_PERM_DECRYPT | HSM_PERM_UNWRAP},
			{"hmac derive|sign", "hmac-sha-256", HSM_PERM_DERIVE | HSM_PERM_SIGN},
			{"hmac derive|verify", "hmac-sha-256", HSM_PERM_DERIVE | HSM_PERM_VERIFY},
		};
		for (auto &b : bad) {
			Result g = l.key(b.alg, b.perms, nullptr, 0, 32);
			r.res(std::string("generate ") + b.name, g.res);
			r.res(std::string("generate status ") + b.name, g.resp.status);
			r.res(std::string("import ") + b.name, l.key(b.alg, b.perms, &k32).res);
		}
		// The same through a derivation from the attacker's secret, and
		// through the platform's derived key.
		__u64 base = l.must("secret", HSM_PERM_DERIVE, 0, nullptr, 32);
		hsm_key_params p{};
		strcpy(p.alg, "aes-256-gcm");
		p.perms = HSM_PERM_DECRYPT | HSM_PERM_UNWRAP;
		hsm_op op{};
		op.handle = base;
		op.resp_off = kResp;
		op.params = l.put_struct(kP, p);
		op.in = l.put(kIn, str_bytes("hkdf-sha-256"));
		r.res("derive decrypt|unwrap", l.run(HSM_IOC_KEY_DERIVE, op).res);
		hsm_snp_key_params sp{};
		sp.guest_field_select = HSM_SNP_GFS_MEASUREMENT;
		strcpy(sp.key.alg, "hmac-sha-256");
		sp.key.perms = HSM_PERM_DERIVE | HSM_PERM_SIGN;
		r.res("snp derive hmac derive|sign", l.snp_derive(sp).res);
		r.res("keys made", l.key_list() - before);
		return 0;
	});
	expect_clean(o);
	for (const char *n : {"aead encrypt|unwrap", "aead decrypt|wrap", "aead decrypt|unwrap",
			      "chacha decrypt|unwrap", "hmac derive|sign", "hmac derive|verify"}) {
		cr_expect_eq(o[std::string("generate ") + n], -EINVAL, "generate %s", n);
		cr_expect_eq(o[std::string("generate status ") + n], HSM_STATUS_INVALID_ARGUMENT, "%s", n);
		cr_expect_eq(o[std::string("import ") + n], -EINVAL, "import %s", n);
	}
	cr_expect_eq(o["derive decrypt|unwrap"], -EINVAL);
	cr_expect_eq(o["snp derive hmac derive|sign"], -EINVAL);
	cr_expect_eq(o["keys made"], 1, "only the base secret was made");
}

namespace {

// The attacker's requests for sensitive_keys_beget_sensitive_keys: what it
// asks from each kind of non-exportable key.  exp asks an exportable
// 32-byte "secret", sens the same made non-exportable.
struct Begetter {
	Link &l;
	Report &r;
	hsm_key_params exp{}, sens{};

	Begetter(Link &link, Report &report) : l(link), r(report)
	{
		strcpy(exp.alg, "secret");
		exp.perms = HSM_PERM_DERIVE | HSM_PERM_EXPORT;
		exp.flags = HSM_KEY_F_EXPORTABLE;
		exp.key_len = 32;
		sens = exp;
		sens.flags = 0;
	}

	// KEY_DERIVE from a non-exportable secret.
	void derive()
	{
		__u64 base = l.must("secret", HSM_PERM_DERIVE, 0, nullptr, 32);
		auto derive = [&](const hsm_key_params &p) {
			hsm_op op{};
			op.handle = base;
			op.resp_off = kResp;
			op.params = l.put_struct(kP, p);
			op.in = l.put(kIn, str_bytes("hkdf-sha-256"));
			return l.run(HSM_IOC_KEY_DERIVE, op);
		};
		Result d = derive(exp);
		r.res("derive exportable", d.res);
		r.res("derive exportable status", d.resp.status);
		d = derive(sens);
		r.res("derive sensitive", d.res);
		r.res("export derived", l.export_key(d.resp.value));
	}

	// KEY_AGREE of a non-exportable X25519 key.
	void agree()
	{
		__u64 priv = l.must("x25519", HSM_PERM_AGREE);
		__u64 peer = l.must("x25519", HSM_PERM_AGREE);
		hsm_op pub{};
		pub.handle = peer;
		pub.resp_off = HSM_RESP_NONE;
		pub.out = {kOut2, 32};
		r.res("public", l.run(HSM_IOC_KEY_PUBLIC, pub).res);
		auto agree = [&](const hsm_key_params &p) {
			hsm_op op{};
			op.handle = priv;
			op.resp_off = kResp;
			op.params = l.put_struct(kP, p);
			op.in = {kOut2, 32};
			return l.run(HSM_IOC_KEY_AGREE, op);
		};
		r.res("agree exportable", agree(exp).res);
		Result d = agree(sens);
		r.res("agree sensitive", d.res);
		r.res("export agreed", l.export_key(d.resp.value));
	}

	// KEY_UNWRAP(with): of the 32 bytes at kIn, IV at kIv, tag at kTag.
	Result unwrap(__u64 with, const hsm_key_params &p)
	{
		hsm_op op{};
		op.handle = with;
		op.resp_off = kResp;
		op.params = l.put_struct(kP, p);
		op.iv = {kIv, 12};
		op.in = {kIn, 32};
		op.tag = {kTag, 16};
		return l.run(HSM_IOC_KEY_UNWRAP, op);
	}

	// KEY_WRAP(kek) of a key into kIn, IV at kIv, tag at kTag.
	long wrap(__u64 kek, __u64 what)
	{
		hsm_wrap_params wp{};
		wp.key = what;
		hsm_op op{};
		op.handle = kek;
		op.resp_off = HSM_RESP_NONE;
		op.params = l.put_struct(kP, wp);
		op.iv = l.put(kIv, pattern(12, 8));
		op.out = {kIn, 32};
		op.tag = {kTag, 16};
		return l.run(HSM_IOC_KEY_WRAP, op).res;
	}

	// KEY_UNWRAP with a non-exportable KEK of an exportable key; then the
	// data key's SEAL ciphertext, unwrapped by the data key itself into an
	// exportable "secret": a decryption by another name.
	void unwrap_all()
	{
		__u64 kek = l.must("aes-256-gcm", HSM_PERM_WRAP | HSM_PERM_UNWRAP);
		__u64 target = l.must("aes-256-gcm", HSM_PERM_ENCRYPT | HSM_PERM_EXPORT,
				      HSM_KEY_F_EXPORTABLE);
		__u64 sensitive = l.must("aes-256-gcm", HSM_PERM_ENCRYPT | HSM_PERM_DECRYPT);
		r.res("wrap sensitive", wrap(kek, sensitive));
		r.res("wrap exportable", wrap(kek, target));
		hsm_key_params gcm{};
		strcpy(gcm.alg, "aes-256-gcm");
		gcm.perms = HSM_PERM_ENCRYPT | HSM_PERM_EXPORT;
		gcm.flags = HSM_KEY_F_EXPORTABLE;
		r.res("unwrap exportable", unwrap(kek, gcm).res);
		gcm.flags = 0;
		Result d = unwrap(kek, gcm);
		r.res("unwrap sensitive", d.res);
		r.res("export unwrapped", l.export_key(d.resp.value));

		hsm_op s{};
		s.handle = sensitive;
		s.resp_off = HSM_RESP_NONE;
		s.iv = l.put(kIv, pattern(12, 9));
		s.in = l.put(kOut2, pattern(32, 0x70));
		s.out = {kIn, 32};
		s.tag = {kTag, 16};
		r.res("seal", l.run(HSM_IOC_SEAL, s).res);
		r.res("unwrap seal ciphertext", unwrap(sensitive, exp).res);
		r.res("unwrap seal ciphertext with kek", unwrap(kek, exp).res);
	}
};

}  // namespace

// The attacker holds non-exportable keys (a secret to derive from, an
// X25519 key, an AES-GCM key-encryption key) and makes new keys from them
// asking HSM_KEY_F_EXPORTABLE, to carry the sensitive material (or what it
// protects) out: derive, agree and unwrap are EPERM.  Made non-exportable,
// the new keys stay so.  Wrapping a non-exportable key is EPERM, and the
// data key of a SEAL cannot unwrap its own ciphertext into a key.
Test(attacks_keys, sensitive_keys_beget_sensitive_keys)
{
	Outcome o = attacker([](Report &r) {
		if (!drop_to(kNobody, {}))
			return 1;
		Link l;
		Begetter b(l, r);
		b.derive();
		b.agree();
		b.unwrap_all();
		return 0;
	});
	expect_clean(o);
	cr_expect_eq(o["derive exportable"], -EPERM);
	cr_expect_eq(o["derive exportable status"], HSM_STATUS_NOT_PERMITTED);
	cr_expect_eq(o["derive sensitive"], 0);
	cr_expect_eq(o["export derived"], -EPERM);
	cr_expect_eq(o["public"], 32);
	cr_expect_eq(o["agree exportable"], -EPERM);
	cr_expect_eq(o["agree sensitive"], 0);
	cr_expect_eq(o["export agreed"], -EPERM);
	cr_expect_eq(o["wrap sensitive"], -EPERM);
	cr_expect_eq(o["wrap exportable"], 32);
	cr_expect_eq(o["unwrap exportable"], -EPERM);
	cr_expect_eq(o["unwrap sensitive"], 0);
	cr_expect_eq(o["export unwrapped"], -EPERM);
	cr_expect_eq(o["seal"], 32);
	long u = o["unwrap seal ciphertext"];
	cr_expect(u == -EPERM || u == -EINVAL, "the data key unwrapped: %ld", u);
	cr_expect_eq(o["unwrap seal ciphertext with kek"], -EPERM);
}

// The rule that a key never both wraps and decrypts holds per key, so the
// attacker tries to make the same material twice under two roles: it asks
// SNP_DERIVE_KEY twice with the same parameters and label, once for an
// AES-GCM key with WRAP|UNWRAP and once for one with DECRYPT.  The role is
// part of a bound key's derivation, so the two must not share material:
// what the first wraps must not OPEN under the second.  (The same attack
// through KEY_DERIVE is open; docs/threat-model.md, "One material in two
// roles".)
Test(attacks_keys, one_material_in_two_roles)
{
	Outcome o = attacker([](Report &r) {
		if (!drop_to(kNobody, {}))
			return 1;
		Link l;
		auto derive = [&](__u64 perms) {
			hsm_snp_key_params p = seal_params(0);
			p.flags = 0;
			strcpy(p.key.alg, "aes-256-gcm");
			p.key.perms = perms;
			p.key.flags = 0;
			return l.snp_derive(p, str_bytes("kek"));
		};
		Result w = derive(HSM_PERM_WRAP | HSM_PERM_UNWRAP);
		Result d = derive(HSM_PERM_DECRYPT);
		r.res("derive kek", w.res);
		r.res("derive decrypt", d.res);
		// A key wrapped under the KEK (here one of the attacker's own,
		// so that the result can be checked).
		__u64 target = l.must("aes-256-gcm", HSM_PERM_ENCRYPT | HSM_PERM_EXPORT,
				      HSM_KEY_F_EXPORTABLE);
		Bytes material;
		r.res("export target", l.export_key(target, &material));
		hsm_wrap_params wp{};
		wp.key = target;
		hsm_op op{};
		op.handle = w.resp.value;
		op.resp_off = HSM_RESP_NONE;
		op.params = l.put_struct(kP, wp);
		op.iv = l.put(kIv, pattern(12, 4));
		op.out = {kIn, 32};
		op.tag = {kTag, 16};
		r.res("wrap", l.run(HSM_IOC_KEY_WRAP, op).res);
		if (d.res == 0) {
			hsm_op open{};
			open.handle = d.resp.value;
			open.resp_off = HSM_RESP_NONE;
			open.iv = {kIv, 12};
			open.in = {kIn, 32};
			open.tag = {kTag, 16};
			open.out = {kOut2, 32};
			long n = l.run(HSM_IOC_OPEN, open).res;
			r.res("open wrapped", n);
			r.res("plaintext is the wrapped key",
			      n == 32 && l.get(kOut2, 32) == material);
		}
		return 0;
	});
	expect_clean(o);
	cr_expect_eq(o["derive kek"], 0);
	cr_expect_eq(o["export target"], 32);
	cr_expect_eq(o["wrap"], 32);
	if (o["derive decrypt"] == 0) {
		cr_expect_eq(o["open wrapped"], -EBADMSG,
			     "the DECRYPT twin of the KEK opened what the KEK wrapped (%ld)",
			     o["open wrapped"]);
		cr_expect_eq(o["plaintext is the wrapped key"], 0,
			     "the wrapped key's material came out in the clear");
	} else {
		cr_expect(o["derive decrypt"] == -EPERM || o["derive decrypt"] == -EINVAL,
			  "derive: %ld", o["derive decrypt"]);
	}
}

// A caller asks for minutes of hashing in one VECTOR (256 SHA3-512 digests
// of 6 MiB), then is killed: the module must stop between slices, so the
// process is gone within a second of SIGKILL (scaled on slower kernels),
// not when the work is done.
Test(attacks_keys, killed_vector_frees_its_cpu_at_once, .timeout = 120)
{
	int ready[2];
	cr_assert_eq(pipe(ready), 0);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		Conn c(8 << 20, false);
		const uint32_t kIn = 1 << 20, kLen = 6 << 20, kVec = 64 << 10;
		hsm_ref alg = c.put(0, {reinterpret_cast<const uint8_t *>("sha3-512"), 8});
		std::vector<hsm_vec_entry> v(HSM_VECTOR_MAX);
		for (uint32_t i = 0; i < v.size(); i++) {
			v[i] = {};
			v[i].cmd = HSM_IOC_DIGEST;
			v[i].op.params = alg;
			v[i].op.in = {kIn, kLen};
			v[i].op.out = {16384 + i * 64, 64};
			v[i].op.resp_off = 4096 + i * 32;
		}
		hsm_op op{};
		op.resp_off = HSM_RESP_NONE;
		op.in = c.put(kVec, {reinterpret_cast<const uint8_t *>(v.data()),
				     v.size() * sizeof(v[0])});
		char b = 1;
		if (write(ready[1], &b, 1) != 1)
			_exit(2);
		c.run(HSM_IOC_VECTOR, op);
		_exit(3);	// finished: the kill came too late to matter
	}
	char b;
	cr_assert_eq(read(ready[0], &b, 1), 1);
	usleep(500 * 1000);
	int st;
	cr_assert_eq(waitpid(pid, &st, WNOHANG), 0, "the vector ended before the kill");
	auto t0 = std::chrono::steady_clock::now();
	cr_assert_eq(kill(pid, SIGKILL), 0);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
	cr_expect(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "status %#x", st);
	cr_expect_lt(s, time_scale(), "the killed caller held its CPU %.2f s", s);
	close(ready[0]);
	close(ready[1]);
}

// Inputs that the module would hash again per output block, or copy into
// kernel memory, are capped: a huge KDF info or AEAD AAD is refused with
// E2BIG before any work, and a VERIFY context's Final with an 8 MiB tag
// is an answer (EBADMSG), not an 8 MiB allocation.
Test(attacks_keys, oversized_inputs_are_refused_before_work)
{
	Conn c(8 << 20);
	Bytes base = pattern(32, 9);
	__u64 secret = must_key(c, "secret", HSM_PERM_DERIVE, &base);
	hsm_key_params p{};
	strcpy(p.alg, "secret");
	p.perms = HSM_PERM_DERIVE;
	p.key_len = 16320;
	hsm_op op{};
	op.handle = secret;
	op.resp_off = Conn::kResp;
	op.params = c.put(Conn::kParams, {reinterpret_cast<uint8_t *>(&p), sizeof(p)});
	op.in = c.put(4096, {reinterpret_cast<const uint8_t *>("hkdf-sha-512"), 12});
	op.aad = {1 << 20, HSM_KDF_INPUT_MAX + 1};
	Result r = c.run(HSM_IOC_KEY_DERIVE, op);
	cr_expect_eq(r.res, -E2BIG);
	cr_expect_eq(r.resp.status, HSM_STATUS_LIMIT_EXCEEDED);
	op.aad = {1 << 20, HSM_KDF_INPUT_MAX};
	r = c.run(HSM_IOC_KEY_DERIVE, op);
	cr_expect_eq(r.res, 0, "at the limit: %ld", r.res);

	Bytes k = pattern(32, 4);
	__u64 gcm = must_key(c, "aes-256-gcm", HSM_PERM_ENCRYPT, &k);
	hsm_op s{};
	s.handle = gcm;
	s.resp_off = Conn::kResp;
	s.iv = c.put(4096, pattern(12, 1));
	s.aad = {1 << 20, HSM_AAD_MAX + 1};
	s.in = {4 << 20, 64};
	s.out = s.in;
	s.tag = {8192, 16};
	r = c.run(HSM_IOC_SEAL, s);
	cr_expect_eq(r.res, -E2BIG);
	cr_expect_eq(r.resp.status, HSM_STATUS_LIMIT_EXCEEDED);
}
