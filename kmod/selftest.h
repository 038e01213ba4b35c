/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_SELFTEST_H
#define HSM_SELFTEST_H

int hsm_selftest_run(void);

#endif /* HSM_SELFTEST_H */
