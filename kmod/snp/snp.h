/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SEV-SNP guest requests: the guest-message layer (msg.c), the simulated
 * PSP behind the same seam as the hypercall (sim.c, sim_sign.c) and the
 * commands (cmd.c).
 */
#ifndef HSM_SNP_H
#define HSM_SNP_H

#include <linux/types.h>
#include <linux/uidgid.h>
#include <uapi/linux/hsm.h>
#include <uapi/linux/sev-guest.h>
#include <asm/sev.h>

struct hsm_call;
struct hsm_conn;

/* drivers/virt/coco/sev-guest/sev-guest.h is not in the headers package. */
enum snp_msg_type {
	SNP_MSG_KEY_REQ = 3,
	SNP_MSG_KEY_RSP = 4,
	SNP_MSG_REPORT_REQ = 5,
	SNP_MSG_REPORT_RSP = 6,
};

#define SNP_AEAD_AES_256_GCM	1
#define SNP_MSG_HDR_VERSION	1
#define SNP_AUTHTAG_LEN		16
#define SNP_PAYLOAD_MAX		4000

struct snp_msg_hdr {
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

struct snp_msg {
	struct snp_msg_hdr hdr;
	u8 payload[SNP_PAYLOAD_MAX];
} __packed;

/* The header bytes that are the associated data: algo to the end. */
#define SNP_MSG_AAD_OFF		offsetof(struct snp_msg_hdr, algo)
#define SNP_MSG_AAD_LEN		(sizeof(struct snp_msg_hdr) - SNP_MSG_AAD_OFF)

/* MSG_REPORT_RSP and MSG_KEY_RSP payloads. */
struct snp_report_rsp {
	u32 status;
	u32 report_size;
	u8 rsvd[24];
	u8 report[HSM_SNP_REPORT_SIZE];
} __packed;

struct snp_key_rsp {
	u32 status;
	u8 rsvd[28];
	u8 key[HSM_SNP_DERIVED_KEY];
} __packed;

/* Firmware status: invalid parameters (SEV_RET_INVALID_PARAM). */
#define SNP_FW_INVALID_PARAM	0x16
#define SNP_FW_AUTH_FAILED	0x1b	/* SEV_RET_AUTH_FAILED: bad message */

/* The seam below the message layer: snp_issue_guest_request()'s. */
typedef int (*hsm_snp_issue_fn)(u64 exit_code, struct snp_req_data *input,
				struct snp_guest_request_ioctl *rio);

/* msg.c */
int hsm_snp_msg_init(struct snp_secrets_page_layout *secrets,
		     unsigned int vmpck_id, hsm_snp_issue_fn issue,
		     bool shared);
void hsm_snp_msg_exit(void);
bool hsm_snp_msg_ready(void);
int hsm_snp_msg_relaunch(void (*relaunch)(void));
int hsm_snp_get_report(const struct snp_report_req *req,
		       struct snp_report_rsp *rsp, u8 *certs,
		       size_t *certs_len);
int hsm_snp_get_key(const struct snp_derived_key_req *req,
		    struct snp_key_rsp *rsp);

/* sim.c */
int hsm_snp_sim_init(struct snp_secrets_page_layout **secrets);
void hsm_snp_sim_exit(void);
int hsm_snp_sim_issue(u64 exit_code, struct snp_req_data *input,
		      struct snp_guest_request_ioctl *rio);
void hsm_snp_sim_relaunch(void);
int hsm_snp_sim_setup(const struct hsm_snp_sim_params *p, const u8 *certs,
		      size_t certs_len);

/* sim_sign.c */
#define SIM_P384_BYTES	48
int hsm_snp_sim_keygen(u8 priv[SIM_P384_BYTES]);
bool hsm_snp_sim_key_valid(const u8 priv[SIM_P384_BYTES]);
int hsm_snp_sim_sign(const u8 priv[SIM_P384_BYTES], const u8 digest[48],
		     u8 r[SIM_P384_BYTES], u8 s[SIM_P384_BYTES]);

/* real.c */
int hsm_snp_real_init(void);
void hsm_snp_real_exit(void);

/* bind.c */
int hsm_snp_bind_report(kuid_t uid, const u8 data[HSM_SNP_REPORT_DATA],
			u8 out[HSM_SNP_REPORT_DATA]);
int hsm_snp_bind_key(kuid_t uid, const u8 *label, u32 len,
		     const struct hsm_key_params *key,
		     const u8 derived[HSM_SNP_DERIVED_KEY],
		     u8 out[HSM_SNP_DERIVED_KEY]);

/* req.c */
unsigned int hsm_snp_vmpck_id(void);
int hsm_snp_init(void);
void hsm_snp_exit(void);
enum hsm_backend hsm_snp_backend(void);
u64 hsm_snp_caps(void);
long hsm_snp_report(struct hsm_call *c);
long hsm_snp_ext_report(struct hsm_call *c);
long hsm_snp_derive_key(struct hsm_call *c);
long hsm_snp_setup_sim(struct hsm_call *c);
/* A 32-byte key bound to the guest's policy and measurement, for sealing. */
int hsm_snp_seal_key(u8 key[HSM_SNP_DERIVED_KEY]);

#endif /* HSM_SNP_H */
