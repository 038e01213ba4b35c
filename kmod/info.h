/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_INFO_H
#define HSM_INFO_H

#include <uapi/linux/hsm.h>

struct hsm_conn;

long hsm_info_get(const struct hsm_conn *conn, const struct hsm_get_info *c);
long hsm_info_algs(const struct hsm_get_algs *c);

#endif /* HSM_INFO_H */
