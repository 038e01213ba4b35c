/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_ATTEST_H
#define HSM_ATTEST_H

struct hsm_call;

long hsm_key_attest(struct hsm_call *c);

#endif /* HSM_ATTEST_H */
