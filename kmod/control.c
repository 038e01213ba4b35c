// SPDX-License-Identifier: GPL-2.0
/*
 * The control commands: each checks its argument (validate.c) and asks the
 * room that answers it.  They take their own structs, not struct hsm_op,
 * and have no completion record.
 */
#include <linux/mm.h>

#include "cmdtab.h"
#include "conn.h"
#include "control.h"
#include "info.h"
#include "params.h"
#include "selftest.h"
#include "stats.h"
#include "validate.h"

long hsm_ctl_get_info(struct hsm_call *c)
{
	const struct hsm_get_info *arg = c->arg;

	return hsm_check_get_info(arg) ?: hsm_info_get(c->conn, arg);
}

long hsm_ctl_shm_setup(struct hsm_call *c)
{
	const struct hsm_shm_setup *arg = c->arg;

	return hsm_check_shm_setup(arg, hsm_max_region_size, PAGE_SIZE) ?:
	       hsm_conn_shm_setup(c->conn, arg->size);
}

long hsm_ctl_get_stats(struct hsm_call *c)
{
	const struct hsm_get_stats *arg = c->arg;

	return hsm_check_get_stats(arg) ?: hsm_stats_get(c->conn, arg);
}

long hsm_ctl_conn_config(struct hsm_call *c)
{
	const struct hsm_conn_config *arg = c->arg;
	long ret = hsm_check_conn_config(arg);

	if (!ret)
		WRITE_ONCE(c->conn->timeout_ms, arg->timeout_ms);
	return ret;
}

long hsm_ctl_get_algs(struct hsm_call *c)
{
	const struct hsm_get_algs *arg = c->arg;

	return hsm_check_get_algs(arg) ?: hsm_info_algs(arg);
}

long hsm_ctl_selftest(struct hsm_call *c)
{
	return hsm_check_selftest(c->arg) ?: hsm_selftest_run();
}
