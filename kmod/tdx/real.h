/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_TDX_REAL_H
#define HSM_TDX_REAL_H

#include <linux/types.h>

struct hsm_tdx_ops;

bool hsm_tdx_real_detect(void);
const struct hsm_tdx_ops *hsm_tdx_real_ops(void);

#endif /* HSM_TDX_REAL_H */
