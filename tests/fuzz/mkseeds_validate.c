// SPDX-License-Identifier: GPL-2.0
/*
 * Writes fuzz_validate's seeds into the directory it is given: for each
 * entry point, arguments the module accepts (as the ABI header describes
 * them), and a few it refuses for one reason, so that the fuzzer starts
 * next to both sides of every check.
 *
 *   mkseeds_validate DIR
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "validate_input.h"

#define PAGE_SHIFT 12
#define PAGE (1ULL << PAGE_SHIFT)
#define REGION (16 * PAGE)

static const char *dir;

static void put(const char *name, const struct fuzz_validate_input *in)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(in, sizeof(*in), 1, f) != 1 || fclose(f)) {
		perror(path);
		exit(1);
	}
}

/* The position of cmd among the hsm_op commands, as fuzz_validate counts. */
static __u8 op_row(unsigned int cmd)
{
#define ROW(name, nr, arg, cls) \
	if (HSM_IOC_##name == cmd) \
		return row; \
	if ((cls) & HSM_CMD_OP) \
		row++;
	__u8 row = 0;

	HSM_COMMANDS(ROW)
#undef ROW
	fprintf(stderr, "mkseeds_validate: %#x is not a command\n", cmd);
	exit(1);
}

static struct fuzz_validate_input seed(enum fuzz_target t)
{
	struct fuzz_validate_input in;

	memset(&in, 0, sizeof(in));
	in.target = t;
	return in;
}

static void lookups(void)
{
	struct fuzz_validate_input in = seed(FUZZ_LOOKUP);

	in.cmd = HSM_IOC_GET_INFO;
	put("lookup-get-info", &in);
	in.cmd = HSM_IOC_SNP_SIM_SETUP;
	put("lookup-snp-sim-setup", &in);
	in.cmd = HSM_IOC_TDX_QUOTE;
	put("lookup-tdx-quote", &in);
	in.cmd = _IOC(_IOC_WRITE, HSM_IOC_MAGIC, 0x33, 24);	/* SEAL, wrong size */
	put("lookup-wrong-size", &in);
	in.cmd = _IOC(_IOC_WRITE, 'X', 0x00, sizeof(struct hsm_get_info));
	put("lookup-foreign-type", &in);
}

/* The unit test's SEAL: every AEAD ref, apart, and a record. */
static void op_seal(void)
{
	struct fuzz_validate_input in = seed(FUZZ_OP);
	struct hsm_op *op = &in.arg.op;

	in.op_row = op_row(HSM_IOC_SEAL);
	in.a = REGION;
	op->handle = 1;
	op->resp_off = 12288;
	op->in = (struct hsm_ref){ 0, 64 };
	op->out = (struct hsm_ref){ 4096, 64 };
	op->iv = (struct hsm_ref){ 8192, 12 };
	op->aad = (struct hsm_ref){ 8192 + 16, 16 };
	op->tag = (struct hsm_ref){ 8192 + 32, 16 };
	put("op-seal", &in);
	op->out = op->in;
	put("op-seal-in-place", &in);
	op->out = (struct hsm_ref){ 32, 64 };
	put("op-seal-overlap", &in);
}

static void op_others(void)
{
	struct fuzz_validate_input in = seed(FUZZ_OP);
	struct hsm_op *op = &in.arg.op;

	in.op_row = op_row(HSM_IOC_KEY_GENERATE);
	in.a = REGION;
	op->resp_off = 4096;
	op->params = (struct hsm_ref){ 0, sizeof(struct hsm_key_params) };
	put("op-key-generate", &in);
	in.a = 0;
	put("op-no-region", &in);

	in = seed(FUZZ_OP);
	in.op_row = op_row(HSM_IOC_KEY_RELEASE);
	op->handle = 5;
	op->resp_off = HSM_RESP_NONE;
	put("op-key-release", &in);

	in = seed(FUZZ_OP);
	in.op_row = op_row(HSM_IOC_MAC);
	in.a = REGION;
	op->handle = 1;
	op->flags = HSM_OP_F_TRUNCATE;
	op->resp_off = HSM_RESP_NONE;
	op->in = (struct hsm_ref){ 0, 10 };
	op->out = (struct hsm_ref){ 64, 32 };
	put("op-mac-truncate", &in);

	in = seed(FUZZ_OP);
	in.op_row = op_row(HSM_IOC_SNP_EXT_REPORT);
	in.a = 4 * REGION;
	op->resp_off = 0;
	op->params = (struct hsm_ref){ 64, sizeof(struct hsm_snp_report_params) };
	op->out = (struct hsm_ref){ 4096, HSM_SNP_REPORT_SIZE };
	op->tag = (struct hsm_ref){ 8192, HSM_SNP_CERTS_MAX };
	put("op-snp-ext-report", &in);
}

static void ranges(void)
{
	struct fuzz_validate_input in = seed(FUZZ_RANGE);

	in.a = REGION;
	in.b = REGION - 8;
	in.c = 8;
	put("range-edge", &in);
	in = seed(FUZZ_MMAP);
	in.a = REGION;
	in.b = 3;
	in.shift = PAGE_SHIFT;
	in.c = PAGE;
	put("mmap-page-3", &in);
}

static void controls(void)
{
	struct fuzz_validate_input in = seed(FUZZ_SHM_SETUP);

	in.a = 64 * PAGE;
	in.shift = PAGE_SHIFT;
	in.arg.shm_setup.size = 4 * PAGE;
	put("shm-setup", &in);
	in.arg.shm_setup.size = 128 * PAGE;
	put("shm-setup-e2big", &in);

	in = seed(FUZZ_GET_INFO);
	in.arg.get_info = (struct hsm_get_info){ .info_ptr = 0x1000, .info_size = 64 };
	put("get-info", &in);
	in = seed(FUZZ_GET_STATS);
	in.arg.get_stats = (struct hsm_get_stats){ .stats_size = 512,
						   .flags = HSM_STATS_F_CONNECTION };
	put("get-stats", &in);
	in = seed(FUZZ_CONN_CONFIG);
	in.arg.conn_config.timeout_ms = 1000;
	put("conn-config", &in);
	in = seed(FUZZ_GET_ALGS);
	in.arg.get_algs = (struct hsm_get_algs){ .algs_ptr = 0x1000, .count = 8 };
	put("get-algs", &in);
	put("selftest", &(struct fuzz_validate_input){ .target = FUZZ_SELFTEST });
}

static void names(void)
{
	struct fuzz_validate_input in = seed(FUZZ_ALG_NAME);

	in.len = HSM_ALG_NAME_LEN;
	strcpy((char *)in.arg.bytes, "aes-256-gcm");
	put("alg-name", &in);
	in = seed(FUZZ_ALG_NAMED);
	in.len = strlen("sha-256");
	strcpy((char *)in.arg.bytes, "sha-256");
	put("alg-named-sha-256", &in);
	in.len = strlen("hkdf-sha-384");
	strcpy((char *)in.arg.bytes, "hkdf-sha-384");
	put("alg-named-hkdf", &in);

	/* Rows of kmod/alg.c's table: 13 is aes-256-gcm, 6 hmac-sha-256. */
	in = seed(FUZZ_ALG_ATTRS);
	in.op_row = 13;
	in.a = HSM_PERM_ENCRYPT | HSM_PERM_DECRYPT;
	put("alg-attrs-crypt", &in);
	in.op_row = 6;
	in.a = HSM_PERM_SIGN | HSM_PERM_DERIVE;
	put("alg-attrs-mac-derive", &in);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: mkseeds_validate DIR\n");
		return 2;
	}
	dir = argv[1];
	lookups();
	op_seal();
	op_others();
	ranges();
	controls();
	names();
	return 0;
}
