// SPDX-License-Identifier: GPL-2.0 OR MIT
// The worker (hsmd) for the guest suites: find the one the payload
// started, stop it, start another as its service would, and stand in for
// it with a worker that fetches and never answers.
#pragma once

#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <string>
#include <sys/wait.h>
#include <thread>

#include "hsm_conn.hpp"

namespace hsmtest {

inline constexpr const char *kHsmdPidfile = "/run/hsmd.pid";

// A slot's buffer: the smallest the module takes, in whole pages.
inline constexpr __u32 kWorkerBuf = (HSM_WORKER_BUF_MIN + 4095) & ~4095u;

inline pid_t worker_pid()
{
	Conn c(4096, false);
	return static_cast<pid_t>(c.info().worker_pid);
}

// Wait until a worker is attached (want) or none is; false on timeout.
inline bool await_worker(bool want, int ms = 10000)
{
	Conn c(4096, false);
	for (int i = 0; i < ms / 20; i++) {
		if ((c.info().worker_slots != 0) == want)
			return true;
		std::this_thread::sleep_for(std::chrono::milliseconds(20));
	}
	return false;
}

// SIGKILL the attached worker; the module sees it go within
// HSM_WORKER_WATCH_MS.  Reaps it if it is our child.
inline void kill_worker()
{
	pid_t pid = worker_pid();
	if (!pid)
		return;
	kill(pid, SIGKILL);
	waitpid(pid, nullptr, WNOHANG);
	cr_assert(await_worker(false), "the module still lists worker %d", pid);
	waitpid(pid, nullptr, 0);
}

// Start hsmd as hsmd.service would (root starts it; it drops to its user).
inline void start_worker()
{
	if (worker_pid())
		return;
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (!pid) {
		int log = open("/tmp/hsmd.log", O_WRONLY | O_CREAT | O_APPEND, 0600);
		dup2(log, 2);
		setsid();	// not in the suite's process group
		execl("/usr/bin/hsmd", "hsmd", "--pidfile", kHsmdPidfile, (char *)nullptr);
		_exit(127);
	}
	cr_assert(await_worker(true), "hsmd did not attach (see /tmp/hsmd.log)");
}

// A worker that attaches with `slots` slots, fetches, and never answers:
// a hung worker, in a child to kill.  Returns its pid once attached.
inline pid_t start_silent_worker(unsigned slots)
{
	int ready[2];
	cr_assert_eq(pipe(ready), 0);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (!pid) {
		Conn c(slots * kWorkerBuf);
		hsm_worker_attach a{};
		a.slots = slots;
		if (hsm_raw_ioctl(c.fd(), HSM_IOC_WORKER_ATTACH, &a))
			_exit(1);
		io_uring ring;
		if (hsm_raw_queue_init(2 * slots, &ring))
			_exit(2);
		for (unsigned t = 0; t < slots; t++) {
			hsm_worker_cmd k{};
			k.tag = t;
			k.buf = {t * kWorkerBuf, kWorkerBuf};
			io_uring_sqe *sqe = io_uring_get_sqe(&ring);
			if (!sqe)
				_exit(3);
			hsm_raw_prep_cmd(sqe, c.fd(), HSM_IOC_WORKER_FETCH, &k, sizeof(k));
		}
		io_uring_submit(&ring);
		(void)!write(ready[1], "x", 1);
		for (;;)
			pause();
	}
	char x;
	close(ready[1]);
	cr_assert_eq(read(ready[0], &x, 1), 1, "the silent worker could not attach");
	close(ready[0]);
	return pid;
}

inline void stop_silent_worker(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, nullptr, 0);
	cr_assert(await_worker(false));
}

} // namespace hsmtest
