// SPDX-License-Identifier: GPL-2.0
/*
 * snp_issue_guest_request(u64 exit_code, struct snp_req_data *, rio): the
 * exported guest-request call through 6.12.  Later kernels take a struct
 * snp_guest_req instead (6.13) and then keep it static behind
 * snp_send_guest_request() (6.14).
 */
/* <asm/sev.h> is not self-contained. */
#include <linux/cc_platform.h>
#include <linux/mm.h>
#include <linux/types.h>
#include <uapi/linux/sev-guest.h>
#include <asm/sev.h>

int (*probe)(u64 exit_code, struct snp_req_data *input,
	     struct snp_guest_request_ioctl *rio);
int (*probe)(u64 exit_code, struct snp_req_data *input,
	     struct snp_guest_request_ioctl *rio) = snp_issue_guest_request;
