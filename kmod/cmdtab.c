// SPDX-License-Identifier: GPL-2.0
/*
 * The command table.  Each row adds to its HSM_COMMANDS entry (number,
 * argument, class) what only the module needs: the handler, the refs the
 * command reads and writes, the flags it allows and what its handle names.
 *
 * Built without handlers (HSM_CMDTAB_NO_HANDLERS) in the native unit
 * tests, which check validation against the same rows.
 */
#include <linux/build_bug.h>
#include <linux/errno.h>
#include <linux/kernel.h>

#include "alg.h"
#include "cmdtab.h"
#ifndef HSM_CMDTAB_NO_HANDLERS
#include "attest.h"
#include "bench.h"
#include "cmd.h"
#include "control.h"
#include "ctx.h"
#include "keyops.h"
#include "oneshot.h"
#include "slot.h"
#include "snp/snp.h"
#include "tdx/tdx.h"
#include "worker/worker.h"
#define RUN(fn)	.run = (fn),
#else
#define RUN(fn)
#endif

/* Each command's class, by name, from the ABI's table. */
#define CLASS_ENUM(name, nr, arg, cls)	CLASS_##name = (cls),
enum { HSM_COMMANDS(CLASS_ENUM) };
#undef CLASS_ENUM

#define ROW(_name, _fn, ...) \
	[HSM_CMD_IDX_##_name] = { .cmd = HSM_IOC_##_name, .name = #_name, \
				  .idx = HSM_CMD_IDX_##_name, \
				  .cls = CLASS_##_name, RUN(_fn) __VA_ARGS__ }

/* A data-plane command: the refs it uses and the refs it writes. */
#define OP(_name, _fn, _refs, _outs, ...) \
	ROW(_name, _fn, .refs = (_refs), .outs = (_outs), __VA_ARGS__)

/* A one-shot operation on a key of this type that needs this permission. */
#define KEYED(_type, _perm) \
	.handle = HSM_HANDLE_KEY, .key_type = (_type), .key_perm = (_perm)

#define R(x)		HSM_R(x)
#define OWN		.handle = HSM_HANDLE_OWN
#define INPLACE		.inplace = true
#define AEAD_REFS	(R(IN) | R(OUT) | R(IV) | R(AAD) | R(TAG))
#define SIG_FLAGS	(HSM_OP_F_RAW | HSM_OP_F_PREHASHED | HSM_OP_F_PKCS1)

static const struct hsm_cmd_desc cmds[] = {
	ROW(GET_INFO, hsm_ctl_get_info),
	ROW(SHM_SETUP, hsm_ctl_shm_setup),
	ROW(GET_STATS, hsm_ctl_get_stats),
	ROW(CONN_CONFIG, hsm_ctl_conn_config),
	ROW(GET_ALGS, hsm_ctl_get_algs),
	ROW(SELFTEST, hsm_ctl_selftest),

	OP(KEY_GENERATE, hsm_key_generate, R(PARAMS), 0),
	OP(KEY_IMPORT, hsm_key_import, R(PARAMS) | R(IN), 0,
	   .flags = HSM_OP_F_PUBLIC),
	OP(KEY_EXPORT, hsm_key_export, R(OUT), R(OUT), KEYED(0, 0)),
	OP(KEY_RELEASE, hsm_key_release, 0, 0, OWN),
	OP(KEY_DERIVE, hsm_key_derive, R(PARAMS) | R(IN) | R(IV) | R(AAD), 0,
	   OWN),
	OP(KEY_PUBLIC, hsm_key_public, R(OUT), R(OUT), KEYED(0, 0),
	   .flags = HSM_OP_F_RAW),
	OP(KEY_AGREE, hsm_key_agree, R(PARAMS) | R(IN), 0, OWN),
	OP(KEY_WRAP, hsm_key_wrap, R(PARAMS) | R(IV) | R(AAD) | R(OUT) | R(TAG),
	   R(OUT) | R(TAG), OWN),
	OP(KEY_UNWRAP, hsm_key_unwrap, R(PARAMS) | R(IN) | R(IV) | R(AAD) |
	   R(TAG), 0, OWN),
	OP(KEY_LIST, hsm_key_list, R(OUT), R(OUT),
	   .flags = HSM_OP_F_ALL_CONNECTIONS),

	OP(CTX_CREATE, hsm_ctx_create, R(PARAMS), 0, OWN),
	OP(CTX_INIT, hsm_ctx_call, R(IV) | R(AAD), 0, OWN),
	OP(CTX_UPDATE, hsm_ctx_call, R(IN) | R(OUT), R(OUT), OWN, INPLACE),
	OP(CTX_FINAL, hsm_ctx_call, R(OUT) | R(TAG), R(OUT) | R(TAG), OWN),
	OP(CTX_RESET, hsm_ctx_call, 0, 0, OWN),
	OP(CTX_RELEASE, hsm_ctx_release, 0, 0, OWN),

	OP(DIGEST, hsm_oneshot_digest, R(PARAMS) | R(IN) | R(OUT), R(OUT)),
	OP(MAC, hsm_oneshot_mac, R(IN) | R(OUT), R(OUT),
	   KEYED(HSM_ALG_MAC, HSM_PERM_SIGN), .flags = HSM_OP_F_TRUNCATE),
	OP(MAC_VERIFY, hsm_oneshot_mac_verify, R(IN) | R(TAG), 0,
	   KEYED(HSM_ALG_MAC, HSM_PERM_VERIFY)),
	OP(SEAL, hsm_oneshot_seal, AEAD_REFS, R(OUT) | R(TAG),
	   KEYED(HSM_ALG_AEAD, HSM_PERM_ENCRYPT), INPLACE),
	OP(OPEN, hsm_oneshot_open, AEAD_REFS, R(OUT),
	   KEYED(HSM_ALG_AEAD, HSM_PERM_DECRYPT), INPLACE),
	/* A cipher (iv) or RSA-OAEP (aad: the label): the handler runs either. */
	OP(ENCRYPT, hsm_oneshot_encrypt, R(IN) | R(OUT) | R(IV) | R(AAD), R(OUT),
	   KEYED(HSM_ALG_ENCRYPTER, HSM_PERM_ENCRYPT), INPLACE),
	OP(DECRYPT, hsm_oneshot_decrypt, R(IN) | R(OUT) | R(IV) | R(AAD), R(OUT),
	   KEYED(HSM_ALG_ENCRYPTER, HSM_PERM_DECRYPT), INPLACE),
	OP(RANDOM, hsm_oneshot_random, R(OUT), R(OUT)),
	/* RSA PKCS#1 v1.5 or a worker key: the handler runs either. */
	OP(SIGN, hsm_oneshot_sign, R(IN) | R(OUT), R(OUT),
	   KEYED(HSM_ALG_SIGNER, HSM_PERM_SIGN), .flags = SIG_FLAGS),
	OP(VERIFY, hsm_oneshot_verify, R(IN) | R(TAG), 0,
	   KEYED(HSM_ALG_SIGNER, HSM_PERM_VERIFY), .flags = SIG_FLAGS),
#ifdef CONFIG_HSM_TESTING
	OP(BENCH, hsm_bench, R(PARAMS) | AEAD_REFS, R(OUT) | R(TAG), OWN,
	   INPLACE),
#endif
	/* Its entries are checked, and may leave the inline path, in cmd.c. */
	OP(VECTOR, hsm_cmd_vector, R(IN), 0),

	OP(SLOT_STORE, hsm_slot_store, R(PARAMS), 0, OWN),
	OP(SLOT_OPEN, hsm_slot_open, R(PARAMS), 0),
	OP(SLOT_DELETE, hsm_slot_delete, R(PARAMS), 0),
	OP(SLOT_LIST, hsm_slot_list, R(OUT), R(OUT)),
	OP(SLOT_SEAL, hsm_slot_seal, R(PARAMS) | R(OUT), R(OUT)),
	OP(SLOT_UNSEAL, hsm_slot_unseal, R(PARAMS) | R(IN), 0),

	OP(SNP_REPORT, hsm_snp_report, R(PARAMS) | R(OUT), R(OUT)),
	OP(SNP_EXT_REPORT, hsm_snp_ext_report, R(PARAMS) | R(OUT) | R(TAG),
	   R(OUT) | R(TAG)),
	OP(SNP_DERIVE_KEY, hsm_snp_derive_key, R(PARAMS) | R(IN), 0),
#ifdef CONFIG_HSM_TESTING
	OP(SNP_SIM_SETUP, hsm_snp_setup_sim, R(PARAMS) | R(IN), 0),
#endif
	OP(KEY_INFO, hsm_key_show, R(OUT), R(OUT), KEYED(0, 0)),

	OP(TDX_REPORT, hsm_tdx_report, R(PARAMS) | R(OUT), R(OUT)),
	OP(TDX_QUOTE, hsm_tdx_quote, R(PARAMS) | R(OUT), R(OUT)),
	OP(TDX_EXTEND_RTMR, hsm_tdx_extend_rtmr, R(PARAMS), 0),
#ifdef CONFIG_HSM_TESTING
	OP(TDX_SIM_SETUP, hsm_tdx_setup_sim, R(PARAMS) | R(IN), 0),
#endif

	ROW(WORKER_ATTACH, hsm_worker_attach),
	ROW(WORKER_FETCH, hsm_worker_fetch),
	ROW(WORKER_COMMIT, hsm_worker_commit),

	OP(KEY_ATTEST, hsm_key_attest, R(PARAMS) | R(OUT) | R(TAG),
	   R(OUT) | R(TAG), KEYED(HSM_ALG_ASYM, 0)),
};

static_assert(ARRAY_SIZE(cmds) <= HSM_CMD_COUNT);
static_assert(HSM_CMD_COUNT <= HSM_STATS_CMDS);

/* Numbers to rows: +1, so that 0 is "not a command". */
#define NR_ROW(name, nr, arg, cls)	[nr] = HSM_CMD_IDX_##name + 1,
static const u8 by_nr[256] = { HSM_COMMANDS(NR_ROW) };
#undef NR_ROW

/*
 * Map a command number to its row.  A number that is not ours at all is
 * -ENOTTY (the ioctl convention), and so is a test hook in a module built
 * without them; one of our numbers with the wrong size or direction is
 * -EINVAL, so that a caller built against another struct layout learns
 * that it is talking to us.
 */
const struct hsm_cmd_desc *hsm_cmd_lookup(unsigned int cmd, int *err)
{
	unsigned int row = by_nr[_IOC_NR(cmd)];

	if (_IOC_TYPE(cmd) != HSM_IOC_MAGIC || !row || row > ARRAY_SIZE(cmds) ||
	    !cmds[row - 1].cmd) {
		*err = -ENOTTY;
		return NULL;
	}
	if (cmds[row - 1].cmd != cmd) {
		*err = -EINVAL;
		return NULL;
	}
	*err = 0;
	return &cmds[row - 1];
}
