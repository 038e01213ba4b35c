/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Long work in slices.  A caller may ask for minutes of hashing or
 * hundreds of operations in one command; between slices the module gives
 * the CPU away (6.1's cloud kernels preempt only voluntarily) and stops
 * for a caller that is being killed, so that SIGKILL frees its CPU at
 * once (docs/threat-model.md, "Availability").
 */
#ifndef HSM_WORK_H
#define HSM_WORK_H

#include <linux/sched.h>
#include <linux/sched/signal.h>

/* Bytes hashed between scheduling points: well under a millisecond. */
#define HSM_WORK_CHUNK	(64 * 1024)

/* Between slices: EINTR when the caller is being killed, else 0. */
static inline int hsm_work_yield(void)
{
	if (fatal_signal_pending(current))
		return -EINTR;
	cond_resched();
	return 0;
}

#endif /* HSM_WORK_H */
