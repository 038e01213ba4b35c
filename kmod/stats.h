/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_STATS_H
#define HSM_STATS_H

#include <linux/atomic.h>
#include <linux/percpu.h>
#include <linux/types.h>
#include <uapi/linux/hsm.h>

/* Per-CPU counters, summed on read: the hot path never shares a line. */
struct hsm_counters {
	u64 requests[HSM_STATS_CMDS];
	u64 errors[HSM_STATS_STATUSES];
	u64 bytes_in;
	u64 bytes_out;
};

/* A connection's counters. */
struct hsm_conn_stats {
	struct hsm_counters __percpu *ctr;
	atomic_t inflight;
};

struct hsm_conn;

int hsm_conn_stats_init(struct hsm_conn_stats *s);
void hsm_conn_stats_exit(struct hsm_conn_stats *s);

void hsm_stats_begin(struct hsm_conn_stats *s);
void hsm_stats_end(struct hsm_conn_stats *s, unsigned int nr, long ret,
		   u64 bytes_in, u64 bytes_out);
void hsm_stats_refused(struct hsm_conn_stats *s, int err);
void hsm_stats_retry(struct hsm_conn_stats *s);

void hsm_stats_key_alive(int delta);
void hsm_stats_ctx_alive(int delta);

long hsm_stats_get(struct hsm_conn *conn, const struct hsm_get_stats *c);

#endif /* HSM_STATS_H */
