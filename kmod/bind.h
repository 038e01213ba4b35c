/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_BIND_H
#define HSM_BIND_H

#include <linux/types.h>
#include <linux/uidgid.h>

/* The caller data of a report, and the report data bound to its caller. */
enum { HSM_BIND_REPORT_DATA = 64 };

int hsm_bind_report_data(const char *label, kuid_t uid,
			 const u8 data[HSM_BIND_REPORT_DATA],
			 u8 out[HSM_BIND_REPORT_DATA]);

#endif /* HSM_BIND_H */
