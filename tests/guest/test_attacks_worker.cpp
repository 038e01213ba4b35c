// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// The worker's channel carries key material, so the attacks are on who
// may be the worker and on what a request can be made to carry: a tenant
// that attaches, fetches or commits; a second worker; a key whose material
// was never the worker's (an unwrap of arbitrary bytes); a public key or
// another connection's key made to sign.
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
