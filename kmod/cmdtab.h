/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The command table: one row per command of HSM_COMMANDS (the ABI header),
 * holding what the funnel must know before and while it runs it.  The
 * dispatch, the validation of hsm_op and the statistics slots all read
 * the row; nothing else lists commands.  Pure data, so that it also
 * builds in userspace (tests/unit) without the handlers.
 */
#ifndef HSM_CMDTAB_H
#define HSM_CMDTAB_H

#include <linux/types.h>
#include <uapi/linux/hsm.h>

/* The payload refs of struct hsm_op, in their order in the struct. */
enum hsm_ref_idx {
	HSM_REF_PARAMS,
	HSM_REF_IN,
	HSM_REF_OUT,
	HSM_REF_IV,
	HSM_REF_AAD,
	HSM_REF_TAG,
	HSM_REF_NR,
};

#define HSM_R(x)	(1U << HSM_REF_##x)

/* What hsm_op.handle names for a command. */
enum hsm_handle {
	HSM_HANDLE_NONE,	/* nothing: it must be 0 */
	HSM_HANDLE_KEY,		/* a key of the connection, looked up for it */
	HSM_HANDLE_OWN,		/* the handler says (a key, a context, or 0) */
};

struct hsm_conn;
struct hsm_key;
struct hsm_cmd_desc;
struct io_uring_cmd;

/* One command being run: what its handler gets, and gives back. */
struct hsm_call {
	struct hsm_conn *conn;
	const struct hsm_cmd_desc *desc;
	const void *arg;		/* the private copy of the argument */
	const struct hsm_op *op;	/* the same, for HSM_CMD_OP commands */
	struct hsm_key *key;		/* HSM_HANDLE_KEY: op->handle's key */
	u64 start_ns;			/* when the module received it */
	u64 deadline_ns;		/* 0: none */
	unsigned int flags;		/* HSM_EXEC_* */
	u64 value;			/* for the completion record */
	struct io_uring_cmd *ioucmd;	/* io_uring's command; NULL for ioctl */
};

/*
 * The caller may not sleep waiting (io_uring's inline issue): a command
 * that would wait for a busy context, or run long, returns -EAGAIN having
 * done nothing, to be issued again from an io-wq worker.
 */
#define HSM_EXEC_NONBLOCK	(1U << 0)
/*
 * The caller has checked the op (hsm_check_op()) in a copy that userspace
 * can no longer change: a VECTOR's entries are checked before any runs.
 */
#define HSM_EXEC_CHECKED	(1U << 1)

struct hsm_cmd_desc {
	unsigned int cmd;	/* HSM_IOC_* */
	const char *name;
	unsigned int idx;	/* HSM_CMD_IDX_*: the statistics slot */
	u32 cls;		/* HSM_CMD_*, from HSM_COMMANDS */
	long (*run)(struct hsm_call *c);
	/* hsm_op commands only: */
	u8 refs;		/* HSM_R() of the refs it reads or writes */
	u8 outs;		/* HSM_R() of the refs it writes */
	bool inplace;		/* out may be the same range as in */
	u32 flags;		/* HSM_OP_F_* it allows */
	enum hsm_handle handle;
	int key_type;		/* HSM_HANDLE_KEY: HSM_ALG_* it must be, or 0 */
	u64 key_perm;		/* HSM_HANDLE_KEY: HSM_PERM_* it needs, or 0 */
};

const struct hsm_cmd_desc *hsm_cmd_lookup(unsigned int cmd, int *err);

static inline const struct hsm_ref *hsm_op_ref(const struct hsm_op *op,
					       enum hsm_ref_idx i)
{
	return &op->params + i;
}

#endif /* HSM_CMDTAB_H */
