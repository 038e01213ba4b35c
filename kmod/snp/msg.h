/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The SEV-SNP guest-message format (drivers/virt/coco/sev-guest, whose
 * header is not in the headers package), the seam below the message
 * layer, and the layer's calls.  Every name carries HSM_SNP_ or hsm_snp_:
 * later kernels' <asm/sev.h> defines the SNP_MSG_* names itself.
 */
#ifndef HSM_SNP_MSG_H
#define HSM_SNP_MSG_H

#include <linux/stddef.h>
#include <linux/types.h>
#include <uapi/linux/hsm.h>
#include <uapi/linux/sev-guest.h>
#include <asm/sev.h>

#include "../compat.h"

enum hsm_snp_msg_type {
	HSM_SNP_MSG_KEY_REQ = 3,
	HSM_SNP_MSG_KEY_RSP = 4,
	HSM_SNP_MSG_REPORT_REQ = 5,
	HSM_SNP_MSG_REPORT_RSP = 6,
};

enum {
	HSM_SNP_AEAD_AES_256_GCM = 1,
	HSM_SNP_MSG_HDR_VERSION = 1,
	HSM_SNP_AUTHTAG_LEN = 16,
	HSM_SNP_PAYLOAD_MAX = 4000,
};

struct hsm_snp_msg_hdr {
	u8 authtag[32];
	u64 msg_seqno;
	u8 rsvd1[8];
	u8 algo;
	u8 hdr_version;
	u16 hdr_sz;
	u8 msg_type;
	u8 msg_version;
	u16 msg_sz;
	u32 rsvd2;
	u8 msg_vmpck;
	u8 rsvd3[35];
} __packed;

struct hsm_snp_msg {
	struct hsm_snp_msg_hdr hdr;
	u8 payload[HSM_SNP_PAYLOAD_MAX];
} __packed;

/* The header bytes that are the associated data: algo to the end. */
#define HSM_SNP_MSG_AAD_OFF	offsetof(struct hsm_snp_msg_hdr, algo)
#define HSM_SNP_MSG_AAD_LEN	\
	(sizeof(struct hsm_snp_msg_hdr) - HSM_SNP_MSG_AAD_OFF)

/* Room for the AEAD's input: associated data, payload, tag. */
#define HSM_SNP_MSG_BUF_LEN	\
	(HSM_SNP_MSG_AAD_LEN + HSM_SNP_PAYLOAD_MAX + HSM_SNP_AUTHTAG_LEN)

/* MSG_REPORT_RSP and MSG_KEY_RSP payloads. */
struct hsm_snp_report_rsp {
	u32 status;
	u32 report_size;
	u8 rsvd[24];
	u8 report[HSM_SNP_REPORT_SIZE];
} __packed;

struct hsm_snp_key_rsp {
	u32 status;
	u8 rsvd[28];
	u8 key[HSM_SNP_DERIVED_KEY];
} __packed;

/* Firmware statuses the module tells apart (SEV_RET_*). */
enum hsm_snp_fw_status {
	HSM_SNP_FW_INVALID_PARAM = 0x16,	/* invalid parameters */
	HSM_SNP_FW_AUTH_FAILED = 0x1b,		/* a bad message */
};

/*
 * The seam below the message layer, snp_issue_guest_request()'s
 * signature: the kernel's function (real.c) or the simulated PSP's
 * (sim.c).
 */
typedef int (*hsm_snp_issue_fn)(u64 exit_code, struct snp_req_data *input,
				struct snp_guest_request_ioctl *rio);

int hsm_snp_msg_init(struct hsm_snp_secrets *secrets,
		     unsigned int vmpck_id, hsm_snp_issue_fn issue,
		     bool shared);
void hsm_snp_msg_exit(void);
bool hsm_snp_msg_ready(void);
int hsm_snp_msg_relaunch(void (*relaunch)(void));
int hsm_snp_get_report(const struct snp_report_req *req,
		       struct hsm_snp_report_rsp *rsp, u8 *certs,
		       size_t *certs_len);
int hsm_snp_get_key(const struct snp_derived_key_req *req,
		    struct hsm_snp_key_rsp *rsp);

#endif /* HSM_SNP_MSG_H */
