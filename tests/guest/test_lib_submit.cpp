// SPDX-License-Identifier: GPL-2.0 OR MIT
// libhsm when the kernel refuses io_uring_enter (EAGAIN, as under memory
// pressure): the SQEs stay published in the ring and run with the next
// enter, so the library must keep their operations in flight and retry,
// never report them failed (nor send them twice).  A seccomp filter hands
// each of the test thread's io_uring_enter calls to a supervisor thread,
// which refuses the submitting ones for a while.
#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "lib_test.hpp"

using namespace hsm;
using namespace libtest;

namespace {

using Clock = std::chrono::steady_clock;

// Refuses submitting io_uring_enter calls with EAGAIN until `refusals`
// were refused or `window` passed, whichever comes first; lets the rest
// through.  It serves until the process exits: a filter cannot be lifted,
// and every later io_uring_enter of the trapped thread (the destructors'
// releases included) waits for its answer.
struct EnterGate {
	std::atomic<int> listener{-1};
	std::atomic<bool> armed{false};
	unsigned refusals = 0;
	Clock::duration window{};
	std::atomic<unsigned> refused{0};

	void serve()
	{
		const auto start = Clock::now();
		seccomp_notif req{};
		seccomp_notif_resp resp{};
		for (;;) {
			pollfd p{listener, POLLIN, 0};
			if (poll(&p, 1, 50) <= 0)
				continue;
			req = {};
			if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
				continue;
			resp = {};
			resp.id = req.id;
			const bool submits = req.data.args[1] != 0;	// to_submit
			if (submits && refused < refusals && Clock::now() - start < window) {
				resp.error = -EAGAIN;
				refused++;
			} else {
				resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
			}
			ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
		}
	}
};

// Traps the calling thread's io_uring_enter (threads made before are not
// filtered); returns the listener fd.
int trap_io_uring_enter()
{
	sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_enter, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	sock_fprog prog{static_cast<unsigned short>(sizeof(f) / sizeof(f[0])), f};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return static_cast<int>(syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER,
					SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog));
}

std::uint64_t module_requests(unsigned int cmd)
{
	int fd = open(HSM_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return ~0ull;
	hsm_stats st{};
	hsm_get_stats g{};
	g.stats_ptr = reinterpret_cast<std::uintptr_t>(&st);
	g.stats_size = sizeof(st);
	int r = ioctl(fd, HSM_IOC_GET_STATS, &g);
	close(fd);
	return r == (int)sizeof(st) ? st.requests[hsm_cmd_index(cmd)] : ~0ull;
}

Bytes aes_ctr(const Bytes &key, const Bytes &iv, const Bytes &in)
{
	Bytes out(in.size());
	int n = 0;
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	EVP_EncryptInit_ex(c, EVP_aes_256_ctr(), nullptr, key.data(), iv.data());
	EVP_EncryptUpdate(c, out.data(), &n, in.data(), int(in.size()));
	EVP_CIPHER_CTX_free(c);
	return out;
}

// The child's scenario: two small in-place CTR encryptions (one VECTOR
// SQE) whose submission the kernel refuses for a while, then a one-shot.
// Returns 0 or the number of the failed check.
int refused_submissions(unsigned refusals, Clock::duration window)
{
	auto s = CryptoStack::create();
	if (!s)
		return 10;
	auto al = s->allocator();
	Bytes key = pattern(32, 1), iv1 = pattern(16, 2), iv2 = pattern(16, 3);
	Bytes p1 = pattern(64, 4), p2 = pattern(64, 5);
	auto k = s->keys().import_key(ImportKeyParams{}.set_algorithm("aes-256-ctr").set_material(key)
					     .set_permissions(KeyOperationPermission::kEncrypt));
	if (!k)
		return 11;
	Buffer b1 = buf(al, p1), b2 = buf(al, p2), v1 = buf(al, iv1), v2 = buf(al, iv2);
	Buffer r = MUST(al.allocate(32));
	const std::uint64_t before = module_requests(HSM_IOC_ENCRYPT);

	// Made before the filter, so that the supervisor is not trapped; it
	// outlives this frame (never freed, never joined) until exit.
	auto *gate = new EnterGate;
	gate->refusals = refusals;
	gate->window = window;
	std::thread([gate] {
		while (!gate->armed.load())
			std::this_thread::yield();
		if (gate->listener >= 0)
			gate->serve();
	}).detach();
	gate->listener = trap_io_uring_enter();
	gate->armed = true;
	if (gate->listener < 0)
		return 12;

	Batch batch(*s, 4);
	auto e1 = batch.encrypt(*k, v1, b1, b1);
	auto e2 = batch.encrypt(*k, v2, b2, b2);
	auto failed = batch.wait_all();
	auto rnd = s->random(r);

	if (gate->refused == 0)
		return 13;	// the refusal never happened: the test proves nothing
	if (!e1 || !e2 || !failed)
		return 14;
	if (*failed != 0)
		return 15;	// reported failed: yet its SQE was in the ring
	if (bytes(b1, 64) != aes_ctr(key, iv1, p1) || bytes(b2, 64) != aes_ctr(key, iv2, p2))
		return 16;	// not run, or run twice (CTR twice is the plaintext)
	if (module_requests(HSM_IOC_ENCRYPT) - before != 2)
		return 17;	// each encryption must run exactly once
	if (!rnd || *rnd != 32)
		return 18;
	return 0;
}

int run_child(unsigned refusals, Clock::duration window)
{
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0)
		exit(refused_submissions(refusals, window));
	int st = 0;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st), "the child died: status %d", st);
	return WEXITSTATUS(st);
}

} // namespace

// Refused past any bounded spin (over 1,000 enters, or a second): the
// operations must wait and then run once each.
Test(lib_submit, refused_enters_keep_operations_in_flight, .timeout = 120)
{
	int rc = run_child(1100, std::chrono::milliseconds(1500));
	cr_assert_neq(rc, 12, "seccomp user notification unavailable");
	cr_expect_eq(rc, 0, "check %d failed", rc);
}

// One refusal: the retry path, not just the long wait.
Test(lib_submit, a_single_refused_enter_is_retried, .timeout = 60)
{
	int rc = run_child(1, std::chrono::seconds(30));
	cr_expect_eq(rc, 0, "check %d failed", rc);
}
