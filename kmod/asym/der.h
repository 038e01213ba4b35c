/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Just enough DER to find the parts of a worker key's material: where
 * the PKCS#8 ends and the SubjectPublicKeyInfo begins, and the public key
 * inside it.  Pure logic, so that it also builds natively (tests/unit).
 */
#ifndef HSM_ASYM_DER_H
#define HSM_ASYM_DER_H

#include <linux/types.h>

/* One element: its tag, and its contents at p + hdr, clen bytes long. */
struct hsm_der {
	u8 tag;
	u32 hdr;
	u32 clen;
};

int hsm_der_elem(const u8 *p, u32 len, struct hsm_der *e);

/*
 * A worker key's material: a PKCS#8 PrivateKeyInfo then an SPKI, or an
 * SPKI alone.  *priv_len is the PKCS#8's length (0 for a public key).
 */
int hsm_der_split_key(const u8 *m, u32 len, u32 *priv_len);

/* The subjectPublicKey BIT STRING's bits (the raw public key) of an SPKI. */
int hsm_der_spki_key(const u8 *spki, u32 len, const u8 **key, u32 *key_len);

/* The modulus's length in bytes of an RSAPublicKey DER. */
int hsm_der_rsa_modulus_len(const u8 *p, u32 len, u32 *n);

#endif /* HSM_ASYM_DER_H */
