/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_BENCH_H
#define HSM_BENCH_H

struct hsm_call;

long hsm_bench(struct hsm_call *c);

#endif /* HSM_BENCH_H */
