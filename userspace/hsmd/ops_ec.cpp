// SPDX-License-Identifier: GPL-2.0 OR MIT
// ECDSA on P-256 and P-384: key forms, the curve check, and the r||s
// (IEEE P1363) form of a signature; and the module's ECDH where the
// kernel cannot compute it.
#include <cerrno>
#include <cstring>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>

#include "ops_internal.hpp"

namespace hsmd::detail {

namespace {

using ParamBld = std::unique_ptr<OSSL_PARAM_BLD, Free<OSSL_PARAM_BLD_free>>;
using Params = std::unique_ptr<OSSL_PARAM, Free<OSSL_PARAM_free>>;
using EcdsaSig = std::unique_ptr<ECDSA_SIG, Free<ECDSA_SIG_free>>;

/// Builds a's key from its uncompressed point and, for a private key, its
/// scalar d.  Every input form goes through here, so every key comes out
/// on the named curve with an uncompressed point.  d must be a secure
/// BIGNUM (BN_secure_new): OSSL_PARAM_BLD then keeps its copy apart and
/// wipes it in OSSL_PARAM_free.  A point off the curve is -EINVAL.
int build(const Alg &a, const BIGNUM *d, std::span<const uint8_t> point, Pkey &key)
{
	ParamBld bld(OSSL_PARAM_BLD_new());
	if (!bld ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME,
					     OBJ_nid2sn(a.curve), 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
					      point.size()) ||
	    (d && !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d)))
		return ossl_err(-EIO);
	Params params(OSSL_PARAM_BLD_to_param(bld.get()));
	PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
	if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0)
		return ossl_err(-EIO);
	EVP_PKEY *raw = nullptr;
	if (EVP_PKEY_fromdata(ctx.get(), &raw, d ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
			      params.get()) <= 0)
		return ossl_err(-EINVAL);
	key.reset(raw);
	return 0;
}

/// The key's public point as 04||X||Y, whatever form it was parsed from.
int point_of(const Alg &a, const EVP_PKEY *key, std::vector<uint8_t> &point)
{
	BIGNUM *x = nullptr, *y = nullptr;
	EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &x);
	EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &y);
	Bn bx(x), by(y);
	if (!bx || !by)
		return ossl_err(-EINVAL);
	point.assign(2 * a.field_len + 1, 0x04);
	if (BN_bn2binpad(bx.get(), point.data() + 1, static_cast<int>(a.field_len)) < 0 ||
	    BN_bn2binpad(by.get(), point.data() + 1 + a.field_len, static_cast<int>(a.field_len)) < 0)
		return -EINVAL;
	return 0;
}

/// A raw big-endian scalar: refused unless 1 <= d <= n-1; the public
/// point is d*G (OpenSSL 3.0's fromdata does not derive it).
int from_scalar(const Alg &a, std::span<const uint8_t> in, Pkey &key)
{
	Bn d(BN_secure_new());
	EcGroup group(EC_GROUP_new_by_curve_name_ex(nullptr, nullptr, a.curve));
	BnCtx bn_ctx(BN_CTX_secure_new());
	if (!d || !group || !bn_ctx ||
	    !BN_bin2bn(in.data(), static_cast<int>(in.size()), d.get()))
		return ossl_err(-EIO);
	if (BN_is_zero(d.get()) || BN_cmp(d.get(), EC_GROUP_get0_order(group.get())) >= 0)
		return -EINVAL;
	EcPoint q(EC_POINT_new(group.get()));
	std::vector<uint8_t> point(2 * a.field_len + 1);
	if (!q || !EC_POINT_mul(group.get(), q.get(), d.get(), nullptr, nullptr, bn_ctx.get()) ||
	    EC_POINT_point2oct(group.get(), q.get(), POINT_CONVERSION_UNCOMPRESSED, point.data(),
			       point.size(), bn_ctx.get()) != point.size())
		return ossl_err(-EIO);
	return build(a, d.get(), point, key);
}

/// A decoded key, rebuilt through build(): its own public point goes in
/// with its scalar, so that EVP_PKEY_check's pairwise test catches a
/// PKCS#8 or SEC1 key whose public point is not d*G.
int rebuild(const Alg &a, const EVP_PKEY *parsed, bool is_private, Pkey &key)
{
	std::vector<uint8_t> point;
	int rc = point_of(a, parsed, point);
	if (rc)
		return rc;
	Bn d;
	if (is_private) {
		BIGNUM *raw = nullptr;
		EVP_PKEY_get_bn_param(parsed, OSSL_PKEY_PARAM_PRIV_KEY, &raw);
		Bn plain(raw);
		d.reset(BN_secure_new());
		if (!plain || !d || !BN_copy(d.get(), plain.get()))
			return ossl_err(-EIO);
	}
	return build(a, d.get(), point, key);
}

} // namespace

int ec_generate(const Alg &a, Pkey &key)
{
	PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
	EVP_PKEY *raw = nullptr;
	if (!ctx || EVP_PKEY_keygen_init(ctx.get()) <= 0 ||
	    EVP_PKEY_CTX_set_group_name(ctx.get(), OBJ_nid2sn(a.curve)) <= 0 ||
	    EVP_PKEY_generate(ctx.get(), &raw) <= 0)
		return ossl_err(-EIO);
	key.reset(raw);
	return 0;
}

int ec_import(const Alg &a, std::span<const uint8_t> in, Pkey &key, bool &is_private)
{
	// The raw forms have lengths no DER key of these curves has.
	if (in.size() == a.field_len) {
		is_private = true;
		return from_scalar(a, in, key);
	}
	if (in.size() == 2 * a.field_len + 1 && in[0] == 0x04) {
		is_private = false;
		return build(a, nullptr, in, key);
	}
	Pkey parsed = decode(in, "PrivateKeyInfo", "EC", EVP_PKEY_KEYPAIR);
	if (!parsed)
		parsed = decode(in, "type-specific", "EC", EVP_PKEY_KEYPAIR);	// SEC1
	if (!parsed)
		parsed = decode(in, "SubjectPublicKeyInfo", "EC", EVP_PKEY_PUBLIC_KEY);
	if (!parsed)
		return ossl_err(-EINVAL);
	int rc = ec_fits(a, parsed.get());
	if (rc)
		return rc;
	is_private = has_bn(parsed.get(), OSSL_PKEY_PARAM_PRIV_KEY);
	return rebuild(a, parsed.get(), is_private, key);
}

int ec_fits(const Alg &a, const EVP_PKEY *key)
{
	char name[64], enc[32];
	size_t len = 0;
	if (!EVP_PKEY_is_a(key, "EC") || !EVP_PKEY_get_group_name(key, name, sizeof(name), &len))
		return -EINVAL;
	int nid = OBJ_txt2nid(name);
	if (nid == NID_undef)
		nid = EC_curve_nist2nid(name);
	if (nid != a.curve)
		return -EINVAL;
	// Explicit curve parameters are refused even when they match the
	// named curve (the CVE-2020-0601 pattern): only the name counts.
	if (!EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_EC_ENCODING, enc, sizeof(enc), &len) ||
	    std::strcmp(enc, OSSL_PKEY_EC_ENCODING_GROUP) != 0)
		return -EINVAL;
	return 0;
}

int ec_public_raw(const Alg &a, const EVP_PKEY *key, std::span<uint8_t> out, size_t &len)
{
	std::vector<uint8_t> point;
	int rc = point_of(a, key, point);
	return rc ? rc : put(point, out, len);
}

int ecdsa_der_to_raw(const Alg &a, std::span<const uint8_t> der, std::span<uint8_t> out,
		     size_t &len)
{
	const int n = static_cast<int>(a.field_len);
	if (out.size() < 2 * a.field_len)
		return -EOVERFLOW;
	const unsigned char *p = der.data();
	EcdsaSig sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
	if (!sig)
		return ossl_err(-EIO);	// OpenSSL's own signature
	const BIGNUM *r = nullptr, *s = nullptr;
	ECDSA_SIG_get0(sig.get(), &r, &s);
	if (BN_bn2binpad(r, out.data(), n) != n || BN_bn2binpad(s, out.data() + n, n) != n)
		return -EIO;
	len = 2 * a.field_len;
	return 0;
}

int ecdsa_raw_to_der(const Alg &a, std::span<const uint8_t> raw, std::vector<uint8_t> &der)
{
	const int n = static_cast<int>(a.field_len);
	if (raw.size() != 2 * a.field_len)
		return -EBADMSG;
	EcdsaSig sig(ECDSA_SIG_new());
	Bn r(BN_bin2bn(raw.data(), n, nullptr)), s(BN_bin2bn(raw.data() + n, n, nullptr));
	if (!sig || !r || !s || !ECDSA_SIG_set0(sig.get(), r.get(), s.get()))
		return ossl_err(-EIO);
	r.release();	// sig owns them now
	s.release();
	int len = i2d_ECDSA_SIG(sig.get(), nullptr);
	if (len <= 0)
		return ossl_err(-EIO);
	der.resize(static_cast<size_t>(len));
	unsigned char *p = der.data();
	return i2d_ECDSA_SIG(sig.get(), &p) == len ? 0 : ossl_err(-EIO);
}

int ec_agree(const Alg &a, std::span<const uint8_t> d, std::span<const uint8_t> peer,
	     std::span<uint8_t> out, size_t &len)
{
	if (d.size() != a.field_len || (!peer.empty() && peer.size() != 2 * a.field_len))
		return -EINVAL;
	Pkey priv, pub;
	int rc = from_scalar(a, d, priv);
	if (rc)
		return rc;
	if (peer.empty()) {
		std::vector<uint8_t> point;
		if ((rc = point_of(a, priv.get(), point)))
			return rc;
		return put(std::span(point).subspan(1), out, len);	// x || y, no 04
	}
	std::vector<uint8_t> point(1 + peer.size(), 0x04);
	std::memcpy(point.data() + 1, peer.data(), peer.size());
	if ((rc = build(a, nullptr, point, pub)))
		return rc;
	PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, priv.get(), nullptr));
	if (!ctx || EVP_PKEY_derive_init(ctx.get()) <= 0)
		return ossl_err(-EIO);
	// validate_peer: the point is checked here too, not only in the module.
	if (EVP_PKEY_derive_set_peer_ex(ctx.get(), pub.get(), 1) <= 0)
		return ossl_err(-EINVAL);
	size_t n = 0;
	if (EVP_PKEY_derive(ctx.get(), nullptr, &n) <= 0 || n != a.field_len)
		return ossl_err(-EIO);
	if (out.size() < n)
		return -EOVERFLOW;
	if (EVP_PKEY_derive(ctx.get(), out.data(), &n) <= 0)
		return ossl_err(-EIO);
	len = n;
	return 0;
}

} // namespace hsmd::detail
