// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// The worker's channel carries key material, so the attacks are on who
// may be the worker and on what a request can be made to carry: a tenant
// that attaches, fetches or commits; a second worker; a key whose material
// was never the worker's (an unwrap of arbitrary bytes); a public key or
// another connection's key made to sign, or attested (KEY_ATTEST); a
// decryption key made to sign PKCS#1 v1.5.
#include <criterion/criterion.h>

#include "attacks.hpp"
#include "hsm_conn.hpp"
#include "worker.hpp"

using namespace hsmtest;
using namespace hsmattack;

namespace {

constexpr size_t kBuf = kWorkerBuf;

hsm_worker_cmd fetch_cmd()
{
	hsm_worker_cmd k{};
	k.buf = {0, static_cast<__u32>(kBuf)};
	return k;
}

// A command by io_uring on conn's fd, waited for at most 2 s: a fetch
// that parks (a worker's) would hang the test, so the wait is bounded.
long uring(Conn &c, unsigned cmd, const void *arg, size_t len)
{
	io_uring ring;
	cr_assert_eq(hsm_raw_queue_init(4, &ring), 0);
	io_uring_sqe *sqe = io_uring_get_sqe(&ring);
	cr_assert_not_null(sqe);
	hsm_raw_prep_cmd(sqe, c.fd(), cmd, arg, len);
	io_uring_submit(&ring);
	io_uring_cqe *cqe;
	__kernel_timespec ts = {2, 0};
	long res = io_uring_wait_cqe_timeout(&ring, &cqe, &ts) ? LONG_MIN : cqe->res;
	io_uring_queue_exit(&ring);
	return res;
}

// KEY_PUBLIC of key: its SubjectPublicKeyInfo, or the test fails.
Bytes public_key_of(Conn &c, __u64 key)
{
	hsm_op op{};
	op.handle = key;
	op.resp_off = HSM_RESP_NONE;
	op.out = {16384, 1024};
	long n = c.run(HSM_IOC_KEY_PUBLIC, op).res;
	cr_assert_gt(n, 0, "KEY_PUBLIC: %ld", n);
	return c.get(16384, static_cast<size_t>(n));
}

void init()
{
	setup();
	start_worker();
}

} // namespace

TestSuite(attacks_worker, .init = init, .fini = teardown);

Test(attacks_worker, a_tenant_cannot_be_the_worker)
{
	Outcome o = attacker([](Report &r) {
		if (!drop_to(4711, {}))
			return 2;
		Conn c(kBuf, false);
		hsm_worker_attach a{};
		a.slots = 1;
		r.res("attach", hsm_raw_ioctl(c.fd(), HSM_IOC_WORKER_ATTACH, &a));
		hsm_worker_cmd k = fetch_cmd();
		r.res("fetch", uring(c, HSM_IOC_WORKER_FETCH, &k, sizeof(k)));
		k.result = 64;
		r.res("commit", uring(c, HSM_IOC_WORKER_COMMIT, &k, sizeof(k)));
		return 0;
	});
	expect_clean(o);
	cr_expect_eq(o["attach"], -EPERM);
	cr_expect_eq(o["fetch"], -EPERM);
	cr_expect_eq(o["commit"], -EPERM);
}

Test(attacks_worker, root_cannot_steal_the_workers_requests)
{
	// Even CAP_SYS_ADMIN: while hsmd is attached, another connection is
	// neither a second worker nor a reader of its slots.
	Conn c(kBuf, false);
	hsm_worker_attach a{};
	a.slots = 1;
	cr_expect_eq(hsm_raw_ioctl(c.fd(), HSM_IOC_WORKER_ATTACH, &a), -EBUSY);
	hsm_worker_cmd k = fetch_cmd();
	cr_expect_eq(uring(c, HSM_IOC_WORKER_FETCH, &k, sizeof(k)), -ENOTCONN);
	cr_expect_eq(uring(c, HSM_IOC_WORKER_COMMIT, &k, sizeof(k)), -ENOTCONN);
	cr_expect_eq(hsm_raw_ioctl(c.fd(), HSM_IOC_WORKER_FETCH, &k), -EOPNOTSUPP,
		     "a fetch parks, which only io_uring can do");
}

Test(attacks_worker, malformed_attach_is_refused)
{
	Conn bare(kBuf, false);
	hsm_worker_attach a{};
	cr_expect_eq(hsm_raw_ioctl(bare.fd(), HSM_IOC_WORKER_ATTACH, &a), -EINVAL, "0 slots");
	a.slots = HSM_WORKER_SLOTS_MAX + 1;
	cr_expect_eq(hsm_raw_ioctl(bare.fd(), HSM_IOC_WORKER_ATTACH, &a), -EINVAL, "too many");
	a.slots = 1;
	a.reserved[2] = 1;
	cr_expect_eq(hsm_raw_ioctl(bare.fd(), HSM_IOC_WORKER_ATTACH, &a), -EINVAL, "reserved");
	int fd = hsm_raw_open(nullptr);
	cr_assert_geq(fd, 0);
	a.reserved[2] = 0;
	cr_expect_eq(hsm_raw_ioctl(fd, HSM_IOC_WORKER_ATTACH, &a), -EBADFD, "no region");
	close(fd);
}

Test(attacks_worker, unwrapped_garbage_is_not_a_worker_key)
{
	Conn c;
	__u64 kek = must_key(c, "aes-256-gcm", HSM_PERM_WRAP | HSM_PERM_UNWRAP);
	Bytes junk = pattern(200, 1);
	__u64 secret = must_key(c, "secret", HSM_PERM_EXPORT, &junk, HSM_KEY_F_EXPORTABLE);
	hsm_wrap_params wp{};
	wp.key = secret;
	hsm_op w{};
	w.handle = kek;
	w.resp_off = HSM_RESP_NONE;
	w.params = c.put_struct(0, wp);
	w.iv = c.put(1024, pattern(12, 2));
	w.out = {2048, 200};
	w.tag = {3072, 16};
	cr_assert_eq(c.run(HSM_IOC_KEY_WRAP, w).res, 200);
	hsm_key_params p{};
	strcpy(p.alg, "ecdsa-p256-sha256");
	p.perms = HSM_PERM_SIGN;
	hsm_op u{};
	u.handle = kek;
	u.resp_off = Conn::kResp;
	u.params = c.put_struct(0, p);
	u.iv = {1024, 12};
	u.in = {2048, 200};
	u.tag = {3072, 16};
	cr_expect_eq(c.run(HSM_IOC_KEY_UNWRAP, u).res, -EINVAL,
		     "bytes that are no PKCS#8 and SPKI make no worker key");
}

Test(attacks_worker, keys_sign_only_as_their_permissions_say)
{
	Conn c, other;
	__u64 verify_only = must_key(c, "ed25519", HSM_PERM_VERIFY);
	__u64 mine = must_key(c, "ed25519", HSM_PERM_SIGN);
	hsm_op op{};
	op.resp_off = HSM_RESP_NONE;
	op.in = c.put(4096, pattern(16, 3));
	op.out = {8192, 64};
	op.handle = verify_only;
	cr_expect_eq(c.run(HSM_IOC_SIGN, op).res, -EPERM);
	op.handle = mine;
	cr_expect_eq(other.run(HSM_IOC_SIGN, op).res, -ENOENT, "another connection's key");
	op.flags = 1u << 7;
	cr_expect_eq(c.run(HSM_IOC_SIGN, op).res, -EINVAL, "an unknown flag");
	op.flags = 0;
	op.in = {4096, HSM_WORKER_MSG_MAX + 1};
	op.out = {4096 + 2 * HSM_WORKER_MSG_MAX, 64};	/* past in: no overlap */
	cr_expect_eq(c.run(HSM_IOC_SIGN, op).res, -E2BIG, "past the worker's input limit");
}

// HSM_OP_F_PKCS1 lets an RSA signing key sign PKCS#1 v1.5 too, and no
// other key: not a decryption (OAEP) key, whose private operation it would
// otherwise expose; not ECDSA; not a public key.  Its RAW input (the
// DigestInfo) must leave the padding its 11 bytes, and RAW with PREHASHED
// means nothing.  The answer is the modulus's size whatever the flags say.
Test(attacks_worker, pkcs1_signs_only_with_an_rsa_signing_key)
{
	Conn c;
	const __u64 sv = HSM_PERM_SIGN | HSM_PERM_VERIFY;
	__u64 pss = must_key(c, "rsa-pss-sha256", sv, nullptr, 0, 256);
	__u64 oaep = must_key(c, "rsa-oaep-sha256", HSM_PERM_ENCRYPT | HSM_PERM_DECRYPT, nullptr,
			      0, 256);
	__u64 ec = must_key(c, "ecdsa-p256-sha256", sv);
	const Bytes spki = public_key_of(c, pss);
	__u64 pub = must_key(c, "rsa-pss-sha256", HSM_PERM_VERIFY, &spki);

	auto sign = [&](__u64 key, __u32 flags, size_t in_len, __u32 out_len) {
		hsm_op op{};
		op.handle = key;
		op.resp_off = HSM_RESP_NONE;
		op.flags = flags;
		op.in = c.put(4096, pattern(in_len, 5));
		op.out = {8192, out_len};
		return c.run(HSM_IOC_SIGN, op).res;
	};
	const __u32 raw = HSM_OP_F_PKCS1 | HSM_OP_F_RAW;
	cr_expect_eq(sign(oaep, raw, 51, 512), -EINVAL, "an OAEP key signs PKCS#1 v1.5");
	cr_expect_eq(sign(oaep, HSM_OP_F_PKCS1, 51, 512), -EINVAL);
	cr_expect_eq(sign(ec, HSM_OP_F_PKCS1, 32, 512), -EINVAL, "an ECDSA key takes PKCS1");
	cr_expect_eq(sign(ec, raw, 32, 512), -EINVAL);
	cr_expect_eq(sign(pub, raw, 51, 512), -EPERM, "a public key signs");
	cr_expect_eq(sign(pss, raw | HSM_OP_F_PREHASHED, 32, 512), -EINVAL, "RAW and PREHASHED");
	cr_expect_eq(sign(pss, raw, 246, 512), -EINVAL, "a DigestInfo that leaves no room to pad");
	cr_expect_eq(sign(pss, HSM_OP_F_PKCS1 | HSM_OP_F_PREHASHED, 31, 512), -EINVAL,
		     "a digest of the wrong length");
	cr_expect_eq(sign(pss, raw, 51, 255), -EOVERFLOW, "out shorter than the modulus");
	cr_expect_eq(sign(pss, raw, 245, 256), 256, "the longest DigestInfo a 2048-bit key pads");
	cr_expect_eq(sign(pss, HSM_OP_F_PKCS1, 1000, 256), 256);
}

// KEY_ATTEST vouches only for a key pair the caller holds, and as what it
// is.  A tenant (uid 4712) tries to attest another connection's key, a
// victim's public key it imported as if it held the private half, and an
// imported key pair as if generated here; it lies in every parameter
// field, and gives short buffers or no record.
Test(attacks_worker, attest_vouches_only_for_what_the_caller_holds)
{
	Conn victim;
	__u64 vkey = must_key(victim, "ecdsa-p256-sha256", HSM_PERM_SIGN);
	const Bytes vspki = public_key_of(victim, vkey);

	Outcome o = attacker([&](Report &r) {
		if (!drop_to(4712, {}))
			return 2;
		Link l;
		auto attest = [&l](__u64 key, const hsm_key_attest_params &p, __u32 out_len = 8192,
				   __u32 tag_len = HSM_SNP_REPORT_SIZE, bool record = true) {
			hsm_op op{};
			op.handle = key;
			op.resp_off = record ? kResp : HSM_RESP_NONE;
			op.params = l.put_struct(kP, p);
			op.out = {kOut, out_len};
			op.tag = {kOut2, tag_len};
			memset(l.at(kOut), 0xa5, 64);
			return l.run(HSM_IOC_KEY_ATTEST, op);
		};
		const hsm_key_attest_params ok{};
		r.res("victim's key", attest(vkey, ok).res);
		__u64 pub_only = l.must("ecdsa-p256-sha256", HSM_PERM_VERIFY, 0, &vspki);
		r.res("public key made", pub_only != 0);
		r.res("public key alone", attest(pub_only, ok).res);
		__u64 hmac = l.must("hmac-sha-256", HSM_PERM_SIGN, 0, nullptr, 32);
		r.res("hmac", attest(hmac, ok).res);

		__u64 gen = l.must("ecdsa-p256-sha256", HSM_PERM_SIGN | HSM_PERM_EXPORT,
				   HSM_KEY_F_EXPORTABLE);
		Bytes pkcs8;
		l.export_key(gen, &pkcs8);
		__u64 imp = l.must("ecdsa-p256-sha256", HSM_PERM_SIGN, 0, &pkcs8);
		Result a = attest(imp, ok);
		r.res("imported", a.res);
		Bytes st = a.res > 0 ? l.get(kOut, static_cast<size_t>(a.res)) : Bytes{};
		r.res("imported flags", st.size() > 96 ? le32(st, 104) : -1);
		r.res("statement uid", st.size() > 96 ? le32(st, 24) : -1);

		hsm_key_attest_params bad = ok;
		bad.reserved[1] = 1;
		r.res("reserved", attest(imp, bad).res);
		bad = ok;
		bad.platform = 7;
		r.res("platform", attest(imp, bad).res);
		bad.platform = HSM_PLATFORM_SEV_SNP;
		bad.vmpl = 4;
		r.res("vmpl", attest(imp, bad).res);
		bad.platform = HSM_PLATFORM_TDX;
		bad.vmpl = 1;
		r.res("tdx vmpl", attest(imp, bad).res);
		hsm_op flagged{};
		flagged.handle = imp;
		flagged.flags = HSM_OP_F_RAW;
		flagged.resp_off = kResp;
		flagged.params = l.put_struct(kP, ok);
		flagged.out = {kOut, 8192};
		flagged.tag = {kOut2, HSM_SNP_REPORT_SIZE};
		r.res("flag", l.run(HSM_IOC_KEY_ATTEST, flagged).res);
		Result shrt = attest(imp, ok, sizeof(hsm_key_statement), HSM_SNP_REPORT_SIZE);
		r.res("short out", shrt.res);
		r.res("short out value", static_cast<long>(shrt.resp.value));
		r.res("short out untouched", l.at(kOut)[0] == 0xa5);
		r.res("short tag", attest(imp, ok, 8192, HSM_SNP_REPORT_SIZE - 1).res);
		r.res("no record", attest(imp, ok, 8192, HSM_SNP_REPORT_SIZE, false).res);
		return 0;
	});
	expect_clean(o);
	cr_expect_eq(o["victim's key"], -ENOENT, "another connection's key cannot be named");
	cr_expect_eq(o["public key made"], 1);
	cr_expect_eq(o["public key alone"], -EINVAL, "no private half to vouch for");
	cr_expect_eq(o["hmac"], -EINVAL, "not a key pair");
	cr_expect_gt(o["imported"], (long)sizeof(hsm_key_statement));
	cr_expect_eq(o["imported flags"], 0, "an imported key is not LOCAL");
	cr_expect_eq(o["statement uid"], 4712, "the caller's own uid, whoever it claims");
	cr_expect_eq(o["reserved"], -EINVAL);
	cr_expect_eq(o["platform"], -EINVAL);
	cr_expect_eq(o["vmpl"], -EINVAL);
	cr_expect_eq(o["tdx vmpl"], -EINVAL);
	cr_expect_eq(o["flag"], -EINVAL);
	cr_expect_eq(o["short out"], -EOVERFLOW);
	cr_expect_eq(o["short out value"], HSM_SNP_REPORT_SIZE, "the evidence's length");
	cr_expect_eq(o["short out untouched"], 1, "nothing written");
	cr_expect_eq(o["short tag"], -EOVERFLOW);
	cr_expect_eq(o["no record"], -EINVAL, "the length it answers needs a record");
}

// A caller who holds a wrapping key can wrap any bytes: its own key's
// PKCS#8 followed by a victim's public key.  Unwrapped, the key must not
// answer KEY_PUBLIC or KEY_ATTEST with the victim's key: the module has
// the worker import the PKCS#8 and derive the public key again.
Test(attacks_worker, an_unwrapped_spki_cannot_name_another_key)
{
	Conn victim, c;
	auto spki_of = [](Conn &conn, __u64 key) {
		hsm_op op{};
		op.handle = key;
		op.resp_off = HSM_RESP_NONE;
		op.out = {0x30000, 1024};
		long n = conn.run(HSM_IOC_KEY_PUBLIC, op).res;
		cr_assert_gt(n, 0);
		return conn.get(0x30000, static_cast<size_t>(n));
	};
	const Bytes vspki = spki_of(victim, must_key(victim, "ecdsa-p256-sha256", HSM_PERM_SIGN));

	const Bytes kek_bytes = pattern(32, 0x4b);
	__u64 kek = must_key(c, "aes-256-gcm", HSM_PERM_WRAP | HSM_PERM_UNWRAP, &kek_bytes);
	__u64 mine = must_key(c, "ecdsa-p256-sha256", HSM_PERM_SIGN | HSM_PERM_EXPORT, nullptr,
			      HSM_KEY_F_EXPORTABLE);
	hsm_op ex{};
	ex.handle = mine;
	ex.resp_off = HSM_RESP_NONE;
	ex.out = {0x30000, 1024};
	long n = c.run(HSM_IOC_KEY_EXPORT, ex).res;
	cr_assert_gt(n, 0);
	Bytes forged = c.get(0x30000, static_cast<size_t>(n));
	forged.insert(forged.end(), vspki.begin(), vspki.end());
	const Bytes iv = pattern(12, 5);
	Bytes tag;
	const Bytes ct = gcm_seal(kek_bytes, iv.data(), {}, forged, &tag);

	hsm_key_params p{};
	strcpy(p.alg, "ecdsa-p256-sha256");
	p.perms = HSM_PERM_SIGN;
	hsm_op u{};
	u.handle = kek;
	u.resp_off = Conn::kResp;
	u.params = c.put_struct(0x1000, p);
	u.iv = c.put(0x2000, iv);
	u.tag = c.put(0x2100, tag);
	u.in = c.put(0x4000, ct);
	Result r = c.run(HSM_IOC_KEY_UNWRAP, u);
	cr_assert_eq(r.res, 0, "KEY_UNWRAP: %ld", r.res);
	const __u64 unwrapped = r.resp.value;
	const Bytes got = spki_of(c, unwrapped);
	cr_expect(got != vspki, "KEY_PUBLIC names the victim's key");
	cr_expect(got == spki_of(c, mine), "the public key of the private key that signs");

	hsm_key_attest_params ap{};
	hsm_op a{};
	a.handle = unwrapped;
	a.resp_off = Conn::kResp;
	a.params = c.put_struct(0x1000, ap);
	a.out = {0x30000, 8192};
	a.tag = {0x40000, HSM_SNP_REPORT_SIZE};
	long sl = c.run(HSM_IOC_KEY_ATTEST, a).res;
	cr_assert_gt(sl, (long)sizeof(hsm_key_statement));
	const Bytes st = c.get(0x30000, static_cast<size_t>(sl));
	cr_expect(Bytes(st.begin() + sizeof(hsm_key_statement), st.end()) == got,
		  "the statement names the key that signs");
	cr_expect_eq(le32(st, offsetof(hsm_key_statement, flags)), 0u, "unwrapped: not LOCAL");
}
