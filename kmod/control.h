/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_CONTROL_H
#define HSM_CONTROL_H

struct hsm_call;

long hsm_ctl_get_info(struct hsm_call *c);
long hsm_ctl_shm_setup(struct hsm_call *c);
long hsm_ctl_get_stats(struct hsm_call *c);
long hsm_ctl_conn_config(struct hsm_call *c);
long hsm_ctl_get_algs(struct hsm_call *c);
long hsm_ctl_selftest(struct hsm_call *c);

#endif /* HSM_CONTROL_H */
