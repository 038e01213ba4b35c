// SPDX-License-Identifier: GPL-2.0
/*
 * ECDSA P-384 signing for the SIMULATED PSP ONLY.
 *
 * The 6.1 kernel has no ECDSA signing (crypto/ecdsa.c verifies only), and
 * a simulated PSP must sign its reports as the real one does.  This file
 * exists for the simulator and nothing else uses it.  It writes no field
 * arithmetic of its own: k*G is the kernel's ecc_make_pub_key() and the
 * arithmetic modulo n is lib/mpi's.  It is NOT side-channel hardened (mpi
 * is not constant-time): the simulated VCEK protects nothing, since a
 * simulated report attests nothing.
 */
#include <crypto/ecdh.h>
#include <crypto/internal/ecc.h>
#include <linux/mpi.h>
#include <linux/string.h>

#include "../crypto/ecc.h"
#include "sim_sign.h"

#define NDIGITS	(HSM_SNP_SIM_P384_BYTES / sizeof(u64))

/* P-384's group order n, big-endian (FIPS 186-4 D.1.2.4). */
static const u8 p384_n[HSM_SNP_SIM_P384_BYTES] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xc7, 0x63, 0x4d, 0x81, 0xf4, 0x37, 0x2d, 0xdf,
	0x58, 0x1a, 0x0d, 0xb2, 0x48, 0xb0, 0xa7, 0x7a,
	0xec, 0xec, 0x19, 0x6a, 0xcc, 0xc5, 0x29, 0x73,
};

/* A private scalar in [1, n-1] from the kernel's DRBG, big-endian. */
int hsm_snp_sim_keygen(u8 priv[HSM_SNP_SIM_P384_BYTES])
{
	u64 k[NDIGITS];
	int ret;

	ret = ecc_gen_privkey(ECC_CURVE_NIST_P384, NDIGITS, k);
	if (!ret)
		hsm_ecc_priv_from_kernel(k, priv, NDIGITS);
	memzero_explicit(k, sizeof(k));
	return ret;
}

/* Is this a P-384 private scalar, 1..n-1 (big-endian)? */
bool hsm_snp_sim_key_valid(const u8 priv[HSM_SNP_SIM_P384_BYTES])
{
	return memchr_inv(priv, 0, HSM_SNP_SIM_P384_BYTES) &&
	       memcmp(priv, p384_n, HSM_SNP_SIM_P384_BYTES) < 0;
}

/* a as 48 big-endian bytes. */
static int mpi_out(MPI a, u8 out[HSM_SNP_SIM_P384_BYTES])
{
	unsigned int n;
	u8 buf[HSM_SNP_SIM_P384_BYTES];
	int sign, ret;

	ret = mpi_read_buffer(a, buf, sizeof(buf), &n, &sign);
	if (ret)
		return ret;
	memset(out, 0, HSM_SNP_SIM_P384_BYTES);
	memcpy(out + HSM_SNP_SIM_P384_BYTES - n, buf, n);
	memzero_explicit(buf, sizeof(buf));
	return 0;
}

/*
 * (r, s) over a SHA-384 digest (48 bytes: no truncation for P-384):
 * r = (k*G).x mod n, s = k^-1 (z + r*d) mod n, for a fresh k.
 */
int hsm_snp_sim_sign(const u8 priv[HSM_SNP_SIM_P384_BYTES],
		     const u8 digest[SHA384_DIGEST_SIZE],
		     u8 r[HSM_SNP_SIM_P384_BYTES], u8 s[HSM_SNP_SIM_P384_BYTES])
{
	MPI n = NULL, d = NULL, z = NULL, k = NULL, mr = NULL, ms = NULL;
	MPI t = NULL, kinv = NULL, x = NULL;
	u64 kbuf[NDIGITS], kk[NDIGITS], point[2 * NDIGITS];
	int ret, tries;

	for (tries = 0; tries < 8; tries++) {
		ret = hsm_snp_sim_keygen((u8 *)kbuf);
		if (ret)
			break;
		hsm_ecc_priv_to_kernel((const u8 *)kbuf, kk, NDIGITS);
		ret = ecc_make_pub_key(ECC_CURVE_NIST_P384, NDIGITS, kk, point);
		if (ret)
			break;
		ret = -ENOMEM;
		n = mpi_read_raw_data(p384_n, sizeof(p384_n));
		d = mpi_read_raw_data(priv, HSM_SNP_SIM_P384_BYTES);
		z = mpi_read_raw_data(digest, 48);
		k = mpi_read_raw_data(kbuf, sizeof(kbuf));
		x = mpi_read_raw_data(point, HSM_SNP_SIM_P384_BYTES);
		mr = mpi_alloc(0);
		ms = mpi_alloc(0);
		t = mpi_alloc(0);
		kinv = mpi_alloc(0);
		if (!n || !d || !z || !k || !x || !mr || !ms || !t || !kinv)
			break;
		/*
		 * Only calls that 6.1 and 6.12 both export: 6.10 dropped
		 * mpi_set() and mpi_invm().  r = (x + 0) mod n, t still 0.
		 */
		mpi_addm(mr, x, t, n);
		/* k^-1 = k^(n-2) mod n: n is prime and 0 < k < n. */
		if (mpi_sub_ui(t, n, 2) || mpi_powm(kinv, k, t, n))
			break;
		ret = -EINVAL;
		if (!mpi_cmp_ui(kinv, 0))
			break;
		mpi_mulm(t, mr, d, n);		/* r*d */
		mpi_addm(t, t, z, n);		/* z + r*d */
		mpi_mulm(ms, kinv, t, n);	/* k^-1 (z + r*d) */
		ret = 0;
		if (mpi_cmp_ui(mr, 0) && mpi_cmp_ui(ms, 0))
			ret = mpi_out(mr, r) ?: mpi_out(ms, s);
		else
			ret = -EAGAIN;
		mpi_free(n); mpi_free(d); mpi_free(z); mpi_free(k); mpi_free(x);
		mpi_free(mr); mpi_free(ms); mpi_free(t); mpi_free(kinv);
		n = d = z = k = x = mr = ms = t = kinv = NULL;
		if (ret != -EAGAIN)
			break;
	}
	mpi_free(n); mpi_free(d); mpi_free(z); mpi_free(k); mpi_free(x);
	mpi_free(mr); mpi_free(ms); mpi_free(t); mpi_free(kinv);
	memzero_explicit(kbuf, sizeof(kbuf));
	memzero_explicit(kk, sizeof(kk));
	return ret;
}
