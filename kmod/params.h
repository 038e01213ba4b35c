/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_PARAMS_H
#define HSM_PARAMS_H

#include <linux/types.h>

extern unsigned int hsm_max_connections;
extern unsigned long hsm_max_region_size;
extern unsigned long hsm_max_region_total;
extern unsigned int hsm_max_keys;
extern unsigned int hsm_max_contexts;
extern unsigned int hsm_default_timeout_ms;
extern unsigned int hsm_max_slots;
extern unsigned int hsm_max_inflight;
extern unsigned int hsm_max_stream;
extern unsigned long hsm_max_conn_stream;
extern unsigned int hsm_uid_max_connections;
extern unsigned long hsm_uid_max_region_total;
extern unsigned int hsm_uid_max_slots;
extern unsigned int hsm_uid_max_keys;
extern unsigned int hsm_uid_max_contexts;
extern unsigned long hsm_uid_max_stream;
extern int hsm_slot_group;
extern int hsm_platform_group;

int hsm_params_check(void);

#endif /* HSM_PARAMS_H */
