// SPDX-License-Identifier: GPL-2.0
/*
 * DER walking for worker keys (der.h).  Every length is checked against
 * what is left: the material may come from an unwrap or an unsealed blob,
 * not only from the worker.
 */
#include <linux/errno.h>
#include <linux/types.h>

#include "der.h"

#define DER_SEQUENCE	0x30
#define DER_INTEGER	0x02
#define DER_BIT_STRING	0x03

/* Definite, minimal lengths of at most 3 bytes: keys are far shorter. */
int hsm_der_elem(const u8 *p, u32 len, struct hsm_der *e)
{
	u32 n, i;

	if (len < 2 || (p[0] & 0x1f) == 0x1f)
		return -EINVAL;
	e->tag = p[0];
	if (!(p[1] & 0x80)) {
		e->hdr = 2;
		e->clen = p[1];
	} else {
		n = p[1] & 0x7f;
		if (!n || n > 3 || len < 2 + n || !p[2])
			return -EINVAL;
		e->clen = 0;
		for (i = 0; i < n; i++)
			e->clen = e->clen << 8 | p[2 + i];
		if (e->clen < 0x80)
			return -EINVAL;
		e->hdr = 2 + n;
	}
	return e->clen <= len - e->hdr ? 0 : -EINVAL;
}

/* A SEQUENCE that fills exactly len bytes. */
static int whole_sequence(const u8 *p, u32 len, struct hsm_der *e)
{
	if (hsm_der_elem(p, len, e) || e->tag != DER_SEQUENCE ||
	    e->hdr + e->clen != len)
		return -EINVAL;
	return 0;
}

int hsm_der_spki_key(const u8 *spki, u32 len, const u8 **key, u32 *key_len)
{
	struct hsm_der seq, alg, bits;
	const u8 *p;
	u32 left;

	if (whole_sequence(spki, len, &seq))
		return -EINVAL;
	p = spki + seq.hdr;
	left = seq.clen;
	if (hsm_der_elem(p, left, &alg) || alg.tag != DER_SEQUENCE)
		return -EINVAL;
	p += alg.hdr + alg.clen;
	left -= alg.hdr + alg.clen;
	/* The key's bits: a whole number of bytes, and nothing after them. */
	if (hsm_der_elem(p, left, &bits) || bits.tag != DER_BIT_STRING ||
	    bits.hdr + bits.clen != left || bits.clen < 2 || p[bits.hdr])
		return -EINVAL;
	*key = p + bits.hdr + 1;
	*key_len = bits.clen - 1;
	return 0;
}

int hsm_der_split_key(const u8 *m, u32 len, u32 *priv_len)
{
	const u8 *spki_key;
	struct hsm_der outer, first;
	u32 n, key_len;

	if (hsm_der_elem(m, len, &outer) || outer.tag != DER_SEQUENCE ||
	    hsm_der_elem(m + outer.hdr, outer.clen, &first))
		return -EINVAL;
	/* PKCS#8 starts with its version, an SPKI with its algorithm. */
	n = first.tag == DER_INTEGER ? outer.hdr + outer.clen : 0;
	if (first.tag != DER_INTEGER && first.tag != DER_SEQUENCE)
		return -EINVAL;
	if (hsm_der_spki_key(m + n, len - n, &spki_key, &key_len))
		return -EINVAL;
	*priv_len = n;
	return 0;
}

int hsm_der_rsa_modulus_len(const u8 *p, u32 len, u32 *n)
{
	struct hsm_der seq, mod;
	const u8 *m;

	if (whole_sequence(p, len, &seq) ||
	    hsm_der_elem(p + seq.hdr, seq.clen, &mod) || mod.tag != DER_INTEGER ||
	    !mod.clen)
		return -EINVAL;
	m = p + seq.hdr + mod.hdr;
	*n = mod.clen;
	/* A positive INTEGER whose top bit is set carries a leading zero. */
	if (*n > 1 && !m[0])
		(*n)--;
	return 0;
}
