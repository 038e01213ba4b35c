// SPDX-License-Identifier: GPL-2.0 OR MIT
// Counters: per connection and module-wide, consistent under concurrency,
// and back to zero resources after a process dies with requests in flight.
#include <atomic>
#include <criterion/criterion.h>
#include <signal.h>
#include <sys/wait.h>
#include <thread>

#include "hsm_conn.hpp"

using namespace hsmtest;

namespace {

hsm_stats stats(int fd, __u32 flags)
{
	hsm_stats s{};
	hsm_get_stats g{};
	g.stats_ptr = reinterpret_cast<uintptr_t>(&s);
	g.stats_size = sizeof(s);
	g.flags = flags;
	cr_assert_eq(ioctl(fd, HSM_IOC_GET_STATS, &g), (int)sizeof(s), "GET_STATS: %s",
		     strerror(errno));
	return s;
}

hsm_stats global()
{
	int fd = open(HSM_DEVICE_PATH, O_RDWR);
	cr_assert_geq(fd, 0);
	hsm_stats s = stats(fd, 0);
	close(fd);
	s.connections--;	/* the one that asked */
	return s;
}

// Global counters once nothing else is moving (earlier tests' processes
// may still be exiting).
hsm_stats global_settled()
{
	hsm_stats s = global();
	for (int i = 0; i < 100; i++) {
		usleep(50000);
		hsm_stats t = global();
		if (t.connections == s.connections && t.keys == s.keys && t.inflight == 0)
			return t;
		s = t;
	}
	return s;
}

constexpr __u64 kAead = HSM_PERM_ENCRYPT | HSM_PERM_DECRYPT;
const unsigned kNrSeal = hsm_cmd_index(HSM_IOC_SEAL), kNrOpen = hsm_cmd_index(HSM_IOC_OPEN);

hsm_op seal(Conn &c, __u64 id, uint32_t base, uint32_t len)
{
	hsm_op op{};
	op.handle = id;
	op.resp_off = HSM_RESP_NONE;
	op.iv = {base, 12};
	op.aad = {base + 16, 16};
	op.tag = {base + 32, 16};
	op.in = {base + 64, len};
	op.out = {base + 64 + len, len};
	(void)c;
	return op;
}

}  // namespace

Test(stats, connection_counters_are_exact)
{
	Conn c;
	Result k = c.key("aes-128-gcm", kAead);
	cr_assert_eq(k.res, 0);
	hsm_op op = seal(c, k.resp.value, 4096, 100);
	for (int i = 0; i < 10; i++)
		cr_assert_eq(c.run(HSM_IOC_SEAL, op).res, 100);
	op.tag.len = 5;
	for (int i = 0; i < 3; i++)
		cr_assert_eq(c.run(HSM_IOC_SEAL, op).res, -EINVAL);
	op.handle ^= 1ULL << 40;
	cr_assert_eq(c.run(HSM_IOC_SEAL, op).res, -ENOENT);
	hsm_info info;
	hsm_get_info bad{};
	bad.info_ptr = reinterpret_cast<uintptr_t>(&info);
	bad.info_size = 1;
	cr_assert_eq(ioctl(c.fd(), HSM_IOC_GET_INFO, &bad), -1);
	cr_assert_eq(ioctl(c.fd(), _IOW('H', 0x7f, int), nullptr), -1);

	hsm_stats s = stats(c.fd(), HSM_STATS_F_CONNECTION);
	cr_expect_eq(s.size, sizeof(s));
	cr_expect_eq(s.requests[kNrSeal], 14);
	cr_expect_eq(s.requests[hsm_cmd_index(HSM_IOC_KEY_GENERATE)], 1);
	cr_expect_eq(s.requests[hsm_cmd_index(HSM_IOC_GET_INFO)], 1);
	cr_expect_eq(s.errors[HSM_STATUS_INVALID_ARGUMENT], 4);
	cr_expect_eq(s.errors[HSM_STATUS_NOT_FOUND], 1);
	cr_expect_eq(s.errors[HSM_STATUS_UNKNOWN_COMMAND], 1);
	cr_expect_eq(s.bytes_in, 10 * (100 + 12 + 16));
	cr_expect_eq(s.bytes_out, 10 * (100 + 16));
	cr_expect_eq(s.inflight, 0);
	cr_expect_eq(s.keys, 1);
	cr_expect_eq(s.connections, 1);
}

Test(stats, bad_requests)
{
	Conn c;
	hsm_stats s{};
	hsm_get_stats g{};
	g.stats_ptr = reinterpret_cast<uintptr_t>(&s);
	g.stats_size = sizeof(s);
	g.flags = 2;
	cr_expect_eq(ioctl(c.fd(), HSM_IOC_GET_STATS, &g), -1);
	cr_expect_eq(errno, EINVAL);
	g.flags = 0;
	g.reserved[1] = 1;
	cr_expect_eq(ioctl(c.fd(), HSM_IOC_GET_STATS, &g), -1);
	g.reserved[1] = 0;
	g.stats_size = 4;
	cr_expect_eq(ioctl(c.fd(), HSM_IOC_GET_STATS, &g), -1);
	g.stats_size = 8;
	cr_expect_eq(ioctl(c.fd(), HSM_IOC_GET_STATS, &g), 8);
}

Test(stats, killed_process_with_requests_in_flight_leaves_nothing)
{
	constexpr unsigned kRequests = 4096, kLen = 32768;
	hsm_stats before = global_settled();
	int ready[2];
	cr_assert_eq(pipe(ready), 0);

	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		Conn c(8 << 20);
		io_uring ring;
		if (hsm_raw_queue_init(kRequests, &ring))
			_exit(2);
		Result k = c.key("aes-256-gcm", kAead);
		Result k2 = c.key("hmac-sha-256", HSM_PERM_SIGN, nullptr, 0, 32);
		if (k.res || k2.res)
			_exit(3);
		// 32 KiB payloads leave the submission path: they queue on io-wq.
		for (unsigned i = 0; i < kRequests; i++) {
			io_uring_sqe *sqe = io_uring_get_sqe(&ring);
			if (!sqe)
				_exit(5);
			hsm_op op = seal(c, k.resp.value, (i % 32) * 131072 + 4096, kLen);
			hsm_raw_prep_op(sqe, c.fd(), HSM_IOC_SEAL, &op);
		}
		if (io_uring_submit(&ring) != (int)kRequests)
			_exit(4);
		write(ready[1], "x", 1);
		raise(SIGKILL);
	}
	char x;
	close(ready[1]);
	cr_assert_eq(read(ready[0], &x, 1), 1, "child failed before submitting");
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_expect(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	hsm_stats after = global_settled();
	cr_expect_eq(after.connections, before.connections, "connections: %llu -> %llu",
		     (unsigned long long)before.connections, (unsigned long long)after.connections);
	cr_expect_eq(after.keys, before.keys, "keys: %llu -> %llu",
		     (unsigned long long)before.keys, (unsigned long long)after.keys);
	cr_expect_eq(after.inflight, 0);
	__u64 answered = after.requests[kNrSeal] - before.requests[kNrSeal];
	cr_expect_leq(answered, kRequests);
	std::printf("stats: killed with %u requests submitted, %llu of them ran\n",
		    kRequests, (unsigned long long)answered);
	close(ready[0]);
}

Test(stats, global_counters_add_up_under_concurrency)
{
	constexpr int kProcs = 3, kThreads = 3, kIters = 300;
	hsm_stats before = global_settled();
	pid_t pids[kProcs];

	for (int p = 0; p < kProcs; p++) {
		pids[p] = fork();
		if (pids[p])
			continue;
		Conn c(4 << 20);
		Result k = c.key("chacha20-poly1305", kAead);
		std::atomic<int> bad{0};
		std::vector<std::thread> ts;
		for (int t = 0; t < kThreads; t++)
			ts.emplace_back([&, t] {
				for (int i = 0; i < kIters; i++) {
					uint32_t len = 32 + (i % 5) * 1000;
					hsm_op op = seal(c, k.resp.value, (t << 20) | 65536, len);
					memset(c.at(op.in.off), i, len);
					long r = ioctl(c.fd(), HSM_IOC_SEAL, &op);
					op.in = op.out;
					long q = ioctl(c.fd(), HSM_IOC_OPEN, &op);
					bool same = true;
					for (uint32_t j = 0; j < len; j++)
						same &= c.at(op.out.off)[j] == (uint8_t)i;
					if (r != len || q != len || !same)
						bad++;
				}
			});
		for (auto &th : ts)
			th.join();
		_exit(k.res || bad ? 1 : 0);
	}
	for (int p = 0; p < kProcs; p++) {
		int status;
		cr_assert_eq(waitpid(pids[p], &status, 0), pids[p]);
		cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "process %d", p);
	}
	hsm_stats after = global_settled();
	cr_expect_eq(after.requests[kNrSeal] - before.requests[kNrSeal], kProcs * kThreads * kIters);
	cr_expect_eq(after.requests[kNrOpen] - before.requests[kNrOpen], kProcs * kThreads * kIters);
	cr_expect_eq(after.errors[HSM_STATUS_AUTH_FAILED], before.errors[HSM_STATUS_AUTH_FAILED]);
	cr_expect_eq(after.keys, before.keys);
	cr_expect_eq(after.connections, before.connections);
}
