// SPDX-License-Identifier: GPL-2.0
/*
 * One-shot operations: one command, one answer, no state kept.  The
 * command table has already looked the key up and checked its type and
 * permission (HSM_HANDLE_KEY rows), so each handler only does the work.
 */
#include "alg.h"
#include "asym/asym.h"
#include "cmdtab.h"
#include "conn.h"
#include "crypto.h"
#include "key.h"
#include "oneshot.h"
#include "shm.h"

long hsm_oneshot_digest(struct hsm_call *c)
{
	const struct hsm_shm *shm = &c->conn->shm;
	const struct hsm_op *op = c->op;
	const struct hsm_alg *alg;
	int err;

	alg = hsm_alg_named(hsm_shm_ptr(shm, &op->params), op->params.len,
			    &err);
	if (!alg)
		return err;
	if (alg->type != HSM_ALG_HASH)
		return -EINVAL;
	return hsm_crypto_digest(alg, shm, op);
}

long hsm_oneshot_random(struct hsm_call *c)
{
	const struct hsm_op *op = c->op;
	long ret;

	ret = hsm_crypto_random(hsm_shm_ptr(&c->conn->shm, &op->out),
				op->out.len);
	return ret ?: op->out.len;
}

long hsm_oneshot_mac(struct hsm_call *c)
{
	return hsm_crypto_mac(c->key, &c->conn->shm, c->op);
}

long hsm_oneshot_mac_verify(struct hsm_call *c)
{
	return hsm_crypto_mac_verify(c->key, &c->conn->shm, c->op);
}

long hsm_oneshot_seal(struct hsm_call *c)
{
	return hsm_crypto_aead(c->key, true, &c->conn->shm, c->op);
}

long hsm_oneshot_open(struct hsm_call *c)
{
	return hsm_crypto_aead(c->key, false, &c->conn->shm, c->op);
}

/* Block and stream ciphers in the kernel; RSA-OAEP by the worker. */
long hsm_oneshot_encrypt(struct hsm_call *c)
{
	if (c->key->alg->type == HSM_ALG_ASYM)
		return hsm_asym_encrypt(c);
	if (c->op->aad.len)
		return -EINVAL;
	return hsm_crypto_cipher(c->key, true, &c->conn->shm, c->op);
}

long hsm_oneshot_decrypt(struct hsm_call *c)
{
	if (c->key->alg->type == HSM_ALG_ASYM)
		return hsm_asym_decrypt(c);
	if (c->op->aad.len)
		return -EINVAL;
	return hsm_crypto_cipher(c->key, false, &c->conn->shm, c->op);
}

/* Signatures: RSA PKCS#1 v1.5 in the kernel, the rest by the worker. */
long hsm_oneshot_sign(struct hsm_call *c)
{
	if (c->key->alg->type == HSM_ALG_ASYM)
		return hsm_asym_sign(c);
	if (c->op->flags)
		return -EINVAL;
	return hsm_crypto_rsa_sign(c->key, &c->conn->shm, c->op);
}

long hsm_oneshot_verify(struct hsm_call *c)
{
	if (c->key->alg->type == HSM_ALG_ASYM)
		return hsm_asym_verify(c);
	if (c->op->flags)
		return -EINVAL;
	return hsm_crypto_rsa_verify(c->key, &c->conn->shm, c->op);
}
