// SPDX-License-Identifier: GPL-2.0
/*
 * ECDH by the worker, where the kernel's ECC library fails on valid
 * input: its co-Z ladder meets the point at infinity for some scalars and
 * points (Wycheproof's edge-case vectors), where the true answer never is
 * (the curves have prime order, the point was checked, 0 < d < n).  The
 * worker gets the big-endian scalar and, for a shared secret, the peer
 * point the kernel already checked: kernel copies both, so a caller
 * racing its region cannot hand the worker another point.  It answers
 * with OpenSSL (HSM_WORKER_AGREE): x || y for a public key, x for a
 * shared secret, both big-endian as the module keeps them.
 */
#include <linux/errno.h>
#include <linux/string.h>

#include "../alg.h"
#include "../key.h"
#include "../worker/worker.h"
#include "ecdh.h"

static long ecdh_call(const struct hsm_key *key, const u8 *peer, u32 peer_len,
		      u8 *out, u32 n, u64 deadline_ns)
{
	struct hsm_wreq r = {
		.hdr = { .op = HSM_WORKER_AGREE, .key_len = key->len,
			 .in_len = peer_len, .out_max = n },
		.key = key->material, .in = peer, .out = out,
	};
	long ret;

	strscpy(r.hdr.alg, key->alg->name, sizeof(r.hdr.alg));
	ret = hsm_worker_call(&r, deadline_ns);
	if (ret < 0)
		return ret;
	return ret == n ? 0 : -EIO;
}

/*
 * The public key of key, into pub (the algorithm's pub_len bytes).  Made
 * while the key is created, with no caller's deadline: the worker's own
 * timeout bounds it.
 */
int hsm_ecdh_worker_public(const struct hsm_key *key, u8 *pub)
{
	return ecdh_call(key, NULL, 0, pub, key->alg->pub_len, 0);
}

/* The shared secret of key and peer (checked, a kernel copy), n bytes. */
long hsm_ecdh_worker_agree(const struct hsm_key *key, const u8 *peer,
			   u32 peer_len, u8 *secret, u32 n, u64 deadline_ns)
{
	return ecdh_call(key, peer, peer_len, secret, n, deadline_ns);
}
