/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_SEAL_H
#define HSM_SEAL_H

#include <linux/types.h>
#include <uapi/linux/hsm.h>

struct hsm_conn;
struct hsm_key;

/* owner: the uid of a user slot, or the slot group's gid. */
long hsm_seal_key(struct hsm_conn *conn, const struct hsm_op *op,
		  const struct hsm_slot_params *p, u32 owner,
		  const struct hsm_key *key, u64 *value);
struct hsm_key *hsm_unseal_key(struct hsm_conn *conn, const struct hsm_op *op,
			       const struct hsm_slot_params *p, u32 owner);

#endif /* HSM_SEAL_H */
