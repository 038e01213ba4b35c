// SPDX-License-Identifier: GPL-2.0 OR MIT
// Deadlines: a command that cannot run before its deadline completes with
// ETIMEDOUT and its context moves to FAILED; the connection default and
// HSM_TIMEOUT_NONE.
#include <atomic>
#include <functional>
#include <criterion/criterion.h>
#include <thread>

#include "hsm_conn.hpp"

using namespace hsmtest;

namespace {

constexpr uint32_t kIn = 65536;

Result ctx_call(Conn &c, unsigned int cmd, __u64 ctx, uint32_t timeout_ms, hsm_ref in = {},
		hsm_ref out = {}, uint32_t resp = 1024)
{
	hsm_op op{};
	op.handle = ctx;
	op.resp_off = resp;
	op.timeout_ms = timeout_ms;
	op.in = in;
	op.out = out;
	return c.run(cmd, op);
}

// A hash context busy with one long Update from another thread while
// `probe` runs; returns probe's result.
Result while_busy(Conn &other, __u64 ctx, uint32_t len,
		  const std::function<Result()> &probe)
{
	std::atomic<bool> started{false};
	std::thread t([&] {
		started = true;
		// Through `other`'s ring: one ring is not shared between threads.
		hsm_op op{};
		op.handle = ctx;
		op.resp_off = HSM_RESP_NONE;
		op.timeout_ms = HSM_TIMEOUT_NONE;
		op.in = {kIn, len};
		ioctl(other.fd(), HSM_IOC_CTX_UPDATE, &op);
	});
	while (!started)
		;
	usleep(20000);
	Result r = probe();
	t.join();
	return r;
}

}  // namespace

Test(timeout, conn_config)
{
	Conn c;
	const hsm_info info = c.info();
	cr_expect_eq(info.default_timeout_ms, 30000, "the module default");

	hsm_conn_config cfg{};
	cfg.timeout_ms = 5;
	cr_expect_eq(ioctl(c.fd(), HSM_IOC_CONN_CONFIG, &cfg), 0);
	cfg.flags = 1;
	cr_expect_eq(ioctl(c.fd(), HSM_IOC_CONN_CONFIG, &cfg), -1);
	cr_expect_eq(errno, EINVAL);
	cfg.flags = 0;
	cfg.reserved[2] = 1;
	cr_expect_eq(ioctl(c.fd(), HSM_IOC_CONN_CONFIG, &cfg), -1);
	cr_expect_eq(errno, EINVAL);
}

Test(timeout, waiting_for_a_busy_context_times_out_and_fails_it)
{
	Conn c(8 << 20);
	int tries = 0;
	Result r{};

	// The long Update must still run when the probe arrives; retry with
	// more data if this machine finished it first.
	for (uint32_t len = 2 << 20; len <= (7 << 20) && tries < 3; len += 2 << 20, tries++) {
		const __u64 h = must_ctx(c, "sha3-512", HSM_CTX_HASH);
		cr_assert_eq(ctx_call(c, HSM_IOC_CTX_INIT, h, 0).res, 0);
		memset(c.at(kIn), 7, len);

		r = while_busy(c, h, len, [&] {
			return ctx_call(c, HSM_IOC_CTX_UPDATE, h, 1, {kIn, 64});
		});
		if (r.res != -ETIMEDOUT)
			continue;
		cr_expect_eq(r.resp.status, HSM_STATUS_TIMED_OUT);
		cr_expect_eq(ctx_call(c, HSM_IOC_CTX_UPDATE, h, 0, {kIn, 64}).res, -EBADFD,
			     "the context failed");
		cr_expect_eq(ctx_call(c, HSM_IOC_CTX_RESET, h, 0).res, 0);
		cr_expect_eq(ctx_call(c, HSM_IOC_CTX_INIT, h, 0).res, 0, "usable after Reset");
		return;
	}
	cr_assert_fail("no probe ever found the context busy (last result %ld)", r.res);
}

Test(timeout, no_deadline_waits_its_turn)
{
	Conn c(8 << 20);
	hsm_conn_config cfg{};
	cfg.timeout_ms = 1;	/* the default would expire at once ... */
	cr_assert_eq(ioctl(c.fd(), HSM_IOC_CONN_CONFIG, &cfg), 0);

	hsm_ctx_params p{};
	strcpy(p.alg, "sha3-512");
	p.op = HSM_CTX_HASH;
	hsm_op op{};
	op.resp_off = Conn::kResp;
	op.timeout_ms = HSM_TIMEOUT_NONE;
	op.params = c.put(Conn::kParams, {reinterpret_cast<uint8_t *>(&p), sizeof(p)});
	Result cr = c.run(HSM_IOC_CTX_CREATE, op);
	cr_assert_eq(cr.res, 0);
	__u64 h = cr.resp.value;
	cr_assert_eq(ctx_call(c, HSM_IOC_CTX_INIT, h, HSM_TIMEOUT_NONE).res, 0);
	memset(c.at(kIn), 1, 4 << 20);

	// ... but this call says it has none.
	Result r = while_busy(c, h, 4 << 20, [&] {
		return ctx_call(c, HSM_IOC_CTX_UPDATE, h, HSM_TIMEOUT_NONE, {kIn, 64});
	});
	cr_expect_eq(r.res, 64);
	cr_expect_eq(ctx_call(c, HSM_IOC_CTX_FINAL, h, HSM_TIMEOUT_NONE, {}, {8 << 19, 64}).res, 64);
}

Test(timeout, deadline_counts_from_submit_ns)
{
	Conn c;
	timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	const __u64 now_ns = now.tv_sec * 1000000000ULL + now.tv_nsec;

	hsm_op op{};
	op.resp_off = Conn::kResp;
	op.out = {4096, 32};
	op.timeout_ms = 500;
	op.submit_ns = now_ns - 2000000000ULL;	/* submitted 2 s ago */
	Result r = c.run(HSM_IOC_RANDOM, op);
	cr_expect_eq(r.res, -ETIMEDOUT, "a deadline that passed before the module saw it: %ld",
		     r.res);
	cr_expect_eq(r.resp.status, HSM_STATUS_TIMED_OUT);

	op.submit_ns = now_ns;
	op.timeout_ms = 60000;
	cr_expect_eq(c.run(HSM_IOC_RANDOM, op).res, 32);
	op.submit_ns = now_ns + 3600000000000ULL;	/* the future counts as now */
	op.timeout_ms = 1000;
	cr_expect_eq(c.run(HSM_IOC_RANDOM, op).res, 32);
	op.submit_ns = now_ns - 2000000000ULL;
	op.timeout_ms = HSM_TIMEOUT_NONE;
	cr_expect_eq(c.run(HSM_IOC_RANDOM, op).res, 32, "no deadline at all");
}

// A command that must wait for a busy context goes to an io-wq worker:
// the submitter's io_uring_enter() returns at once, and later commands of
// the same ring complete first.
Test(timeout, busy_context_never_blocks_the_submitter)
{
	Conn c(8 << 20);
	const __u64 h = must_ctx(c, "sha3-512", HSM_CTX_HASH);
	cr_assert_eq(ctx_call(c, HSM_IOC_CTX_INIT, h, 0).res, 0);
	memset(c.at(kIn), 3, 7 << 20);

	io_uring ring;
	cr_assert_eq(hsm_raw_queue_init(8, &ring), 0);
	for (int attempt = 0; attempt < 3; attempt++) {
		Result held = while_busy(c, h, 7 << 20, [&] {
			hsm_op upd{};
			upd.handle = h;
			upd.resp_off = HSM_RESP_NONE;
			upd.timeout_ms = HSM_TIMEOUT_NONE;
			upd.in = {kIn, 64};
			hsm_op rnd{};
			rnd.resp_off = HSM_RESP_NONE;
			rnd.out = {4096, 32};
			const hsm_op *ops[2] = {&upd, &rnd};
			const unsigned cmds[2] = {HSM_IOC_CTX_UPDATE, HSM_IOC_RANDOM};
			for (int i = 0; i < 2; i++) {
				io_uring_sqe *sqe = io_uring_get_sqe(&ring);
				if (!sqe)
					throw std::runtime_error("ring full");
				hsm_raw_prep_op(sqe, c.fd(), cmds[i], ops[i]);
				sqe->user_data = i + 1;
			}
			cr_assert_eq(io_uring_submit(&ring), 2);
			io_uring_cqe *cqe;
			cr_assert_eq(io_uring_wait_cqe(&ring, &cqe), 0);
			Result first{static_cast<long>(cqe->user_data), {}};
			first.resp.result = cqe->res;
			io_uring_cqe_seen(&ring, cqe);
			cr_assert_eq(io_uring_wait_cqe(&ring, &cqe), 0);
			cr_expect_eq(cqe->res, first.res == 2 ? 64 : 32, "the other completes too");
			io_uring_cqe_seen(&ring, cqe);
			return first;
		});
		// held.res is the user_data of the first completion.
		if (held.res == 2) {
			cr_expect_eq(held.resp.result, 32, "RANDOM answered while the context was busy");
			io_uring_queue_exit(&ring);
			return;
		}
	}
	io_uring_queue_exit(&ring);
	cr_assert_fail("the busy context's command completed first every time");
}
