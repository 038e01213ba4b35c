// SPDX-License-Identifier: GPL-2.0
/*
 * Native unit tests of kmod/asym/der.c: where a worker key's PKCS#8 ends
 * and its SPKI begins, the raw key inside an SPKI, an RSA modulus's size;
 * and every malformed length refused rather than read past.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "asym/der.h"

/* An Ed25519 key from RFC 8410: its PKCS#8, then its SPKI. */
static const u8 ed_pkcs8[] = {
	0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70,
	0x04, 0x22, 0x04, 0x20, 0xd4, 0xee, 0x72, 0xdb, 0xf9, 0x13, 0x58, 0x4a,
	0xd5, 0xb6, 0xd8, 0xf1, 0xf7, 0x69, 0xf8, 0xad, 0x3a, 0xfe, 0x7c, 0x28,
	0xcb, 0xf1, 0xd4, 0xfb, 0xe0, 0x97, 0xa8, 0x8f, 0x44, 0x75, 0x58, 0x42,
};
static const u8 ed_spki[] = {
	0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
	0x19, 0xbf, 0x44, 0x09, 0x69, 0x84, 0xcd, 0xfe, 0x85, 0x41, 0xba, 0xc1,
	0x67, 0xdc, 0x3b, 0x96, 0xc8, 0x50, 0x86, 0xaa, 0x30, 0xb6, 0xb6, 0xcb,
	0x0c, 0x5c, 0x38, 0xad, 0x70, 0x31, 0x66, 0xe1,
};

static size_t both(u8 *m)
{
	memcpy(m, ed_pkcs8, sizeof(ed_pkcs8));
	memcpy(m + sizeof(ed_pkcs8), ed_spki, sizeof(ed_spki));
	return sizeof(ed_pkcs8) + sizeof(ed_spki);
}

Test(der, splits_a_private_key_and_finds_its_public_key)
{
	u8 m[128];
	u32 n = both(m), priv_len = 99, key_len = 0;
	const u8 *key = NULL;

	cr_assert_eq(hsm_der_split_key(m, n, &priv_len), 0);
	cr_expect_eq(priv_len, sizeof(ed_pkcs8));
	cr_assert_eq(hsm_der_spki_key(m + priv_len, n - priv_len, &key, &key_len), 0);
	cr_expect_eq(key_len, 32);
	cr_expect_eq(key, m + priv_len + 12);
}

Test(der, a_public_key_alone_has_no_private_part)
{
	u32 priv_len = 99;

	cr_assert_eq(hsm_der_split_key(ed_spki, sizeof(ed_spki), &priv_len), 0);
	cr_expect_eq(priv_len, 0);
}

Test(der, every_truncation_and_extension_is_refused)
{
	u8 m[128];
	u32 n = both(m), priv_len;

	for (u32 len = 0; len < n; len++)
		cr_expect_eq(hsm_der_split_key(m, len, &priv_len), -EINVAL, "%u bytes", len);
	m[n] = 0;
	cr_expect_eq(hsm_der_split_key(m, n + 1, &priv_len), -EINVAL, "a byte after the SPKI");
	cr_expect_eq(hsm_der_split_key(ed_pkcs8, sizeof(ed_pkcs8), &priv_len), -EINVAL,
		     "a private key without its SPKI");
}

Test(der, lying_lengths_are_refused)
{
	u8 m[128];
	u32 n = both(m), priv_len;

	m[1] = 0x7f;	/* the PKCS#8 claims more than there is */
	cr_expect_eq(hsm_der_split_key(m, n, &priv_len), -EINVAL);
	both(m);
	m[1] = 0x81;	/* a long form for a short length: not DER */
	cr_expect_eq(hsm_der_split_key(m, n, &priv_len), -EINVAL);
	both(m);
	m[sizeof(ed_pkcs8) + 11] = 1;	/* unused bits in the key's BIT STRING */
	cr_expect_eq(hsm_der_split_key(m, n, &priv_len), -EINVAL);
	both(m);
	m[2] = 0x04;	/* neither a version nor an algorithm first */
	cr_expect_eq(hsm_der_split_key(m, n, &priv_len), -EINVAL);
}

Test(der, rsa_modulus_length)
{
	/* SEQUENCE { INTEGER 0x00 0x80 (then 254 bytes), INTEGER 65537 } */
	u8 k[270] = { 0x30, 0x82, 0x01, 0x0a, 0x02, 0x82, 0x01, 0x01, 0x00, 0x80 };
	u32 n = 0;

	k[265] = 0x02;
	k[266] = 0x03;
	k[267] = 0x01;
	k[268] = 0x00;
	k[269] = 0x01;
	cr_assert_eq(hsm_der_rsa_modulus_len(k, sizeof(k), &n), 0);
	cr_expect_eq(n, 256, "the sign byte does not count");
	cr_expect_eq(hsm_der_rsa_modulus_len(k, sizeof(k) - 1, &n), -EINVAL);
}
