/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_SNP_SIM_H
#define HSM_SNP_SIM_H

#include <linux/types.h>

#include "../compat.h"

struct hsm_snp_sim_params;
struct snp_guest_request_ioctl;
struct snp_req_data;
struct hsm_snp_secrets;

int hsm_snp_sim_init(struct hsm_snp_secrets **secrets);
void hsm_snp_sim_exit(void);
int hsm_snp_sim_issue(u64 exit_code, struct snp_req_data *input,
		      struct snp_guest_request_ioctl *rio);
void hsm_snp_sim_relaunch(void);
int hsm_snp_sim_setup(const struct hsm_snp_sim_params *p, u8 **certs,
		      size_t certs_len);

#endif /* HSM_SNP_SIM_H */
