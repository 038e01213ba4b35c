// SPDX-License-Identifier: GPL-2.0
/*
 * ECDSA signing (P-256 with SHA-256, P-384 with SHA-384) for the
 * SIMULATORS ONLY: the simulated PSP signs its reports with a VCEK, the
 * simulated TDX quoting enclave its quotes with an attestation key and its
 * QE reports with a PCK key.
 *
 * Neither 6.1 nor 6.12 can sign with ECDSA (crypto/ecdsa.c verifies only),
 * and a simulator must sign as the real firmware does.  This file writes
 * no field arithmetic of its own: k*G is the kernel's ecc_make_pub_key()
 * and the arithmetic modulo n is lib/mpi's.  It is NOT side-channel
 * hardened (mpi is not constant-time): a simulated key protects nothing,
 * since what it signs attests nothing.
 */
#include <linux/kernel.h>	/* <crypto/internal/ecc.h> needs DIV_ROUND_UP() */
#include <crypto/ecdh.h>
#include <crypto/internal/ecc.h>
#include <linux/mpi.h>
#include <linux/string.h>

#include "../crypto/ecc.h"
#include "ecdsa.h"

#define MAX_DIGITS	(HSM_SIM_ECC_MAX_BYTES / sizeof(u64))

/* P-256's group order n, big-endian (FIPS 186-4 D.1.2.3). */
static const u8 p256_n[32] = {
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
	0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
};

/* P-384's group order n, big-endian (FIPS 186-4 D.1.2.4). */
static const u8 p384_n[48] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xc7, 0x63, 0x4d, 0x81, 0xf4, 0x37, 0x2d, 0xdf,
	0x58, 0x1a, 0x0d, 0xb2, 0x48, 0xb0, 0xa7, 0x7a,
	0xec, 0xec, 0x19, 0x6a, 0xcc, 0xc5, 0x29, 0x73,
};

static const struct {
	unsigned int kernel_id;		/* ECC_CURVE_NIST_* */
	unsigned int bytes;
	const u8 *n;
} curves[] = {
	[HSM_SIM_P256] = { ECC_CURVE_NIST_P256, sizeof(p256_n), p256_n },
	[HSM_SIM_P384] = { ECC_CURVE_NIST_P384, sizeof(p384_n), p384_n },
};

unsigned int hsm_sim_curve_bytes(enum hsm_sim_curve curve)
{
	return curves[curve].bytes;
}

static unsigned int ndigits(enum hsm_sim_curve curve)
{
	return curves[curve].bytes / sizeof(u64);
}

/* A private scalar in [1, n-1] from the kernel's DRBG, big-endian. */
int hsm_sim_ecdsa_keygen(enum hsm_sim_curve curve, u8 *priv)
{
	u64 k[MAX_DIGITS];
	int ret;

	ret = ecc_gen_privkey(curves[curve].kernel_id, ndigits(curve), k);
	if (!ret)
		hsm_ecc_priv_from_kernel(k, priv, ndigits(curve));
	memzero_explicit(k, sizeof(k));
	return ret;
}

/* Is this a private scalar of the curve, 1..n-1 (big-endian)? */
bool hsm_sim_ecdsa_key_valid(enum hsm_sim_curve curve, const u8 *priv)
{
	unsigned int len = curves[curve].bytes;

	return memchr_inv(priv, 0, len) && memcmp(priv, curves[curve].n, len) < 0;
}

/*
 * d*G as x || y, big-endian (the ECC library's form of public keys, on
 * every release).
 */
int hsm_sim_ecdsa_public(enum hsm_sim_curve curve, const u8 *priv, u8 *xy)
{
	u64 d[MAX_DIGITS], point[2 * MAX_DIGITS];
	int ret;

	hsm_ecc_priv_to_kernel(priv, d, ndigits(curve));
	ret = ecc_make_pub_key(curves[curve].kernel_id, ndigits(curve), d,
			       point);
	if (!ret)
		memcpy(xy, point, 2 * curves[curve].bytes);
	memzero_explicit(d, sizeof(d));
	return ret;
}

/* a as len big-endian bytes. */
static int mpi_out(MPI a, u8 *out, unsigned int len)
{
	u8 buf[HSM_SIM_ECC_MAX_BYTES];
	unsigned int n;
	int sign, ret;

	ret = mpi_read_buffer(a, buf, len, &n, &sign);
	if (ret)
		return ret;
	memset(out, 0, len);
	memcpy(out + len - n, buf, n);
	memzero_explicit(buf, sizeof(buf));
	return 0;
}

struct sign_mpis {
	MPI n, d, z, k, x, r, s, t, kinv;
};

static void sign_mpis_free(struct sign_mpis *m)
{
	mpi_free(m->n); mpi_free(m->d); mpi_free(m->z); mpi_free(m->k);
	mpi_free(m->x); mpi_free(m->r); mpi_free(m->s); mpi_free(m->t);
	mpi_free(m->kinv);
	memset(m, 0, sizeof(*m));
}

/*
 * One attempt with the nonce k (big-endian) whose k*G has the x
 * coordinate x: r = x mod n, s = k^-1 (z + r*d) mod n.  -EAGAIN when r or
 * s is 0, for another k.
 */
static int sign_once(enum hsm_sim_curve curve, const u8 *priv,
		     const u8 *digest, const u8 *k, const u8 *x, u8 *r, u8 *s)
{
	unsigned int len = curves[curve].bytes;
	struct sign_mpis m = {};
	int ret = -ENOMEM;

	m.n = mpi_read_raw_data(curves[curve].n, len);
	m.d = mpi_read_raw_data(priv, len);
	m.z = mpi_read_raw_data(digest, len);
	m.k = mpi_read_raw_data(k, len);
	m.x = mpi_read_raw_data(x, len);
	m.r = mpi_alloc(0);
	m.s = mpi_alloc(0);
	m.t = mpi_alloc(0);
	m.kinv = mpi_alloc(0);
	if (!m.n || !m.d || !m.z || !m.k || !m.x || !m.r || !m.s || !m.t ||
	    !m.kinv)
		goto out;
	/*
	 * Only calls that 6.1 and 6.12 both export: 6.10 dropped mpi_set()
	 * and mpi_invm().  r = (x + 0) mod n, t still 0.
	 */
	mpi_addm(m.r, m.x, m.t, m.n);
	/* k^-1 = k^(n-2) mod n: n is prime and 0 < k < n. */
	if (mpi_sub_ui(m.t, m.n, 2) || mpi_powm(m.kinv, m.k, m.t, m.n))
		goto out;
	ret = -EINVAL;
	if (!mpi_cmp_ui(m.kinv, 0))
		goto out;
	mpi_mulm(m.t, m.r, m.d, m.n);		/* r*d */
	mpi_addm(m.t, m.t, m.z, m.n);		/* z + r*d */
	mpi_mulm(m.s, m.kinv, m.t, m.n);	/* k^-1 (z + r*d) */
	if (!mpi_cmp_ui(m.r, 0) || !mpi_cmp_ui(m.s, 0))
		ret = -EAGAIN;
	else
		ret = mpi_out(m.r, r, len) ?: mpi_out(m.s, s, len);
out:
	sign_mpis_free(&m);
	return ret;
}

/*
 * (r, s) over a digest as long as the curve's order (no truncation), for
 * a fresh nonce each attempt.
 */
int hsm_sim_ecdsa_sign(enum hsm_sim_curve curve, const u8 *priv,
		       const u8 *digest, u8 *r, u8 *s)
{
	u8 k[HSM_SIM_ECC_MAX_BYTES], point[2 * HSM_SIM_ECC_MAX_BYTES];
	int ret = -EAGAIN, tries;

	for (tries = 0; tries < 8 && ret == -EAGAIN; tries++) {
		ret = hsm_sim_ecdsa_keygen(curve, k) ?:
		      hsm_sim_ecdsa_public(curve, k, point) ?:
		      sign_once(curve, priv, digest, k, point, r, s);
	}
	memzero_explicit(k, sizeof(k));
	return ret;
}
