/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_DEV_H
#define HSM_DEV_H

int hsm_dev_init(void);
void hsm_dev_exit(void);

#endif /* HSM_DEV_H */
