// SPDX-License-Identifier: GPL-2.0 OR MIT
// The in-flight limit: a connection with max_inflight commands running or
// waiting gets EBUSY for one more, at once, and serves again afterwards;
// and what a closed ring leaves in the module is canceled at once.
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

// A ring closed while its commands are in the module cancels them:
// io_uring tells the workers running them, and a VECTOR of long hashes
// stops at its next slice, answering ECANCELED in the records of the
// entries it did not finish, rather than hashing on for seconds with no
// one left to answer; a command waiting for the context stops waiting (or
// runs its few bytes, if the context came free before its cancel: a
// cancel need not stop what has started); and the connection lets go of
// every one of them.
Test(inflight, closing_a_ring_cancels_what_it_left_in_the_module)
{
	Conn c(8 << 20, false);
	const __u64 h = must_ctx(c, "sha3-512", HSM_CTX_HASH);
	hsm_op init{};
	init.handle = h;
	init.resp_off = HSM_RESP_NONE;
	cr_assert_eq(c.run(HSM_IOC_CTX_INIT, init).res, 0);
	constexpr uint32_t kData = 65536, kLen = 7 << 20;
	memset(c.at(kData), 5, kLen);
	// Sixteen 7 MiB updates: seconds of hashing under TCG, so the ring is
	// closed while they run.
	constexpr unsigned kEntries = 16;
	constexpr uint32_t kVec = 4096, kRecords = 8192;
	constexpr uint32_t kVecRecord = kRecords + kEntries * sizeof(hsm_resp);
	constexpr uint32_t kWaiterRecord = kVecRecord + sizeof(hsm_resp);
	constexpr uint32_t kUntouched = 0xeeeeeeeeu;
	auto *rec = reinterpret_cast<hsm_resp *>(c.at(kRecords));
	memset(rec, 0xee, (kEntries + 2) * sizeof(*rec));

	auto *v = reinterpret_cast<hsm_vec_entry *>(c.at(kVec));
	for (unsigned i = 0; i < kEntries; i++) {
		v[i] = hsm_vec_entry{};
		v[i].cmd = HSM_IOC_CTX_UPDATE;
		v[i].op.handle = h;
		v[i].op.resp_off = kRecords + i * sizeof(hsm_resp);
		v[i].op.timeout_ms = HSM_TIMEOUT_NONE;
		v[i].op.in = {kData, kLen};
	}
	hsm_op vec{};
	vec.resp_off = kVecRecord;
	vec.timeout_ms = HSM_TIMEOUT_NONE;
	vec.in = {kVec, kEntries * static_cast<uint32_t>(sizeof(hsm_vec_entry))};
	hsm_op wait{};
	wait.handle = h;
	wait.resp_off = kWaiterRecord;
	wait.timeout_ms = HSM_TIMEOUT_NONE;
	wait.in = {kData, 64};

	io_uring ring;
	cr_assert_eq(hsm_raw_queue_init(16, &ring), 0);
	io_uring_sqe *sqe = io_uring_get_sqe(&ring);
	cr_assert(sqe);
	hsm_raw_prep_op(sqe, c.fd(), HSM_IOC_VECTOR, &vec);
	cr_assert_eq(io_uring_submit(&ring), 1);
	while (conn_stats(c).inflight == 0)
		usleep(200);
	sqe = io_uring_get_sqe(&ring);
	cr_assert(sqe);
	hsm_raw_prep_op(sqe, c.fd(), HSM_IOC_CTX_UPDATE, &wait);
	cr_assert_eq(io_uring_submit(&ring), 1);
	while (conn_stats(c).inflight < 2 && rec[kEntries - 1].status == kUntouched)
		usleep(200);
	io_uring_queue_exit(&ring);
	while (conn_stats(c).inflight)
		usleep(1000);

	// Done entries first, then canceled ones, and the last was canceled.
	unsigned done = 0;
	while (done < kEntries && rec[done].result == static_cast<__s32>(kLen))
		done++;
	cr_expect(done < kEntries, "all %u entries ran: the cancel never reached the vector",
		  kEntries);
	for (unsigned i = done; i < kEntries; i++) {
		cr_expect_eq(rec[i].result, -ECANCELED, "entry %u: %d", i, rec[i].result);
		cr_expect_eq(rec[i].status, HSM_STATUS_CANCELED, "entry %u: status %u", i,
			     rec[i].status);
	}
	const hsm_resp &w = rec[kEntries + 1];
	cr_expect(w.status == kUntouched || w.result == 64 ||
		  (w.result == -ECANCELED && w.status == HSM_STATUS_CANCELED),
		  "the waiter: %d, status %u", w.result, w.status);
	cr_expect_eq(conn_stats(c).inflight, 0u);

	// The connection serves again, and the context is not held: an update
	// runs (or is refused, if a hash was cut in half: it failed).
	hsm_op r{};
	r.resp_off = HSM_RESP_NONE;
	r.out = {16384, 32};
	cr_expect_eq(c.run(HSM_IOC_RANDOM, r).res, 32);
	const long u = ctx_update(c.fd(), h, {kData, 64});
	cr_expect(u == 0 || u == -EBADFD, "an update after the cancel: %ld", u);
}
