/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Long work in slices.  A caller may ask for minutes of hashing or
 * hundreds of operations in one command; between slices the module gives
 * the CPU away (6.1's cloud kernels preempt only voluntarily) and stops
 * for a caller that is being killed, so that SIGKILL frees its CPU at
 * once (docs/threat-model.md, "Availability"), and for a command io_uring
 * canceled, so that a closed ring lets go of its connection at once.
 */
#ifndef HSM_WORK_H
#define HSM_WORK_H

#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/wait.h>

/* Bytes hashed between scheduling points: well under a millisecond. */
#define HSM_WORK_CHUNK	(64 * 1024)

/*
 * io_uring cancels a command that one of its io-wq workers runs (its ring
 * was closed, its task exits, or the user asked) by raising
 * TIF_NOTIFY_SIGNAL on that worker, which signal_pending() sees and which
 * wakes interruptible sleepers only.  Workers take no other signal but
 * SIGKILL, so there a pending signal means the command is to stop.
 */
static inline bool hsm_work_canceled(void)
{
	return (current->flags & PF_IO_WORKER) && signal_pending(current);
}

/* Why a command stops early: its caller is being killed, or io_uring canceled it. */
static inline int hsm_work_stopped(void)
{
	return fatal_signal_pending(current) ? -EINTR : -ECANCELED;
}

/* Between slices: EINTR or ECANCELED when the command is to stop, else 0. */
static inline int hsm_work_yield(void)
{
	if (fatal_signal_pending(current) || hsm_work_canceled())
		return hsm_work_stopped();
	cond_resched();
	return 0;
}

/*
 * Wait for cond, at most timeout jiffies: > 0 when it came, 0 on timeout,
 * < 0 when the command is to stop (hsm_work_stopped() says why).  An
 * ioctl caller waits killably as ever; an io-wq worker interruptibly, or
 * io_uring's cancellation would not wake it and a closed ring would keep
 * its connection until the wait ends on its own.
 */
#define hsm_work_wait_timeout(wq, cond, timeout)				\
	((current->flags & PF_IO_WORKER) ?					\
	 wait_event_interruptible_timeout(wq, cond, timeout) :		\
	 wait_event_killable_timeout(wq, cond, timeout))

#endif /* HSM_WORK_H */
