// SPDX-License-Identifier: GPL-2.0 OR MIT
// The in-flight limit: a connection with max_inflight commands running or
// waiting gets EBUSY for one more, at once, and serves again afterwards.
#include <atomic>
#include <criterion/criterion.h>
#include <latch>
#include <thread>
#include <vector>

#include "hsm_conn.hpp"

using namespace hsmtest;

namespace {

hsm_stats conn_stats(Conn &c)
{
	hsm_stats st{};
	hsm_get_stats gs{};
	gs.stats_ptr = reinterpret_cast<uintptr_t>(&st);
	gs.stats_size = sizeof(st);
	gs.flags = HSM_STATS_F_CONNECTION;
	cr_assert_eq(ioctl(c.fd(), HSM_IOC_GET_STATS, &gs), (int)sizeof(st));
	return st;
}

long ctx_update(int fd, __u64 ctx, hsm_ref in)
{
	hsm_op op{};
	op.handle = ctx;
	op.resp_off = HSM_RESP_NONE;
	op.timeout_ms = HSM_TIMEOUT_NONE;
	op.in = in;
	return ioctl(fd, HSM_IOC_CTX_UPDATE, &op) < 0 ? -errno : 0;
}

}  // namespace

Test(inflight, one_past_max_inflight_is_ebusy_at_once)
{
	Conn c(8 << 20, false);
	const hsm_info info = c.info();
	const unsigned max = info.max_inflight;
	cr_assert(max >= 2 && max <= 256, "set hsm.max_inflight low for this test (%u)", max);

	const __u64 h = must_ctx(c, "sha3-512", HSM_CTX_HASH);
	hsm_op init{};
	init.handle = h;
	init.resp_off = HSM_RESP_NONE;
	cr_assert_eq(c.run(HSM_IOC_CTX_INIT, init).res, 0);
	memset(c.at(65536), 5, 7 << 20);

	// One long Update holds the context; max - 1 short ones wait for it.
	// Retry with a fresh start if the long one ended before all arrived.
	for (int attempt = 0; attempt < 8; attempt++) {
		std::atomic<bool> holder_done{false};
		std::atomic<unsigned> failed{0};
		// The waiters exist before the holder starts, blocked on go, so
		// that releasing them takes no thread creation.
		std::latch go(1);
		std::vector<std::thread> waiters;
		for (unsigned i = 0; i + 1 < max; i++)
			waiters.emplace_back([&] {
				go.wait();
				if (ctx_update(c.fd(), h, {65536, 64}))
					failed++;
			});
		std::thread holder([&] {
			if (ctx_update(c.fd(), h, {65536, 7 << 20}))
				failed++;
			holder_done = true;
		});
		// Poll gently: a busy loop of ioctls would starve the waiters.
		while (!holder_done && conn_stats(c).inflight == 0)
			usleep(200);
		go.count_down();
		// Wait until all max are in the module (GET_STATS excludes itself).
		bool full = false;
		while (!holder_done && !full) {
			full = conn_stats(c).inflight == max;
			if (!full)
				usleep(200);
		}

		long busy = 1;
		hsm_resp record{};
		if (full) {
			hsm_op r{};
			r.resp_off = Conn::kResp;
			r.out = {4096, 32};
			Result rr = c.run(HSM_IOC_RANDOM, r);
			busy = rr.res;
			record = rr.resp;
		}
		holder.join();
		for (auto &t : waiters)
			t.join();
		cr_assert_eq(failed.load(), 0u, "every waiting command completed");
		if (!full)
			continue;
		cr_expect_eq(busy, -EBUSY, "one past max_inflight (%u): %ld", max, busy);
		cr_expect_eq(record.result, -EBUSY, "the completion record says so too");
		cr_expect_eq(record.status, HSM_STATUS_BUSY);
		hsm_stats st = conn_stats(c);
		cr_expect_eq(st.errors[HSM_STATUS_BUSY], 1u);
		cr_expect_eq(st.inflight, 0u);

		// The connection serves again.
		hsm_op r{};
		r.resp_off = HSM_RESP_NONE;
		r.out = {4096, 32};
		cr_expect_eq(c.run(HSM_IOC_RANDOM, r).res, 32);
		return;
	}
	cr_assert_fail("the context never stayed busy long enough to fill max_inflight");
}
