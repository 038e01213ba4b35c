// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "harden.hpp"

#include <seccomp.h>

#include <cerrno>
#include <grp.h>
#include <pwd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

namespace hsmd {

int lock_memory()
{
	// MCL_FUTURE applies to memory allocated after the drop too, which an
	// unprivileged process may lock only up to RLIMIT_MEMLOCK: lift it
	// while still root.
	rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	if (setrlimit(RLIMIT_MEMLOCK, &unlimited) || mlockall(MCL_CURRENT | MCL_FUTURE))
		return -errno;
	return 0;
}

int drop_to(const char *name)
{
	errno = 0;
	const passwd *pw = getpwnam(name);
	if (!pw)
		return errno ? -errno : -ENOENT;
	if (pw->pw_uid == 0)
		return -EPERM;	// the point is not to be root
	if (setgroups(0, nullptr) || setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid))
		return -errno;
	// No way back: a process that could regain root was never dropped.
	if (setuid(0) == 0)
		return -EPERM;
	return 0;
}

namespace {

// What serving needs: io_uring_enter, memory for OpenSSL, its entropy,
// stderr, time, futexes for its locks, and leaving.
constexpr int kAllowed[] = {
	SCMP_SYS(io_uring_enter), SCMP_SYS(read), SCMP_SYS(write),
	SCMP_SYS(close), SCMP_SYS(brk), SCMP_SYS(mmap), SCMP_SYS(munmap),
	SCMP_SYS(mremap), SCMP_SYS(madvise), SCMP_SYS(mprotect),
	SCMP_SYS(getrandom), SCMP_SYS(futex), SCMP_SYS(clock_gettime),
	SCMP_SYS(clock_nanosleep), SCMP_SYS(rt_sigreturn),
	SCMP_SYS(rt_sigprocmask), SCMP_SYS(getpid), SCMP_SYS(gettid),
	SCMP_SYS(sched_yield), SCMP_SYS(newfstatat), SCMP_SYS(fstat),
	SCMP_SYS(exit), SCMP_SYS(exit_group),
};

} // namespace

int confine()
{
	rlimit none = { 0, 0 };
	if (setrlimit(RLIMIT_CORE, &none) || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;

	// Anything else kills the process (execve, socket, ptrace, ...); a
	// file OpenSSL might still try to open is refused, not fatal.
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (!ctx)
		return -ENOMEM;
	int r = 0;
	for (int sys : kAllowed)
		if (!r)
			r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, sys, 0);
	if (!r)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(openat), 0);
	if (!r)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(open), 0);
	// Every thread of the process, not only this one.
	if (!r)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (!r)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	return r;
}

} // namespace hsmd
