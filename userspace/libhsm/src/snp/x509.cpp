// SPDX-License-Identifier: MIT
// AMD's certificates as the SNP verifier reads them: AMD's extensions,
// the RSASSA-PSS signatures of the chain, basicConstraints and validity.
#include <cstring>
#include <ctime>

#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "util.hpp"

namespace hsm::snp::detail {

namespace {

constexpr const char *amd_arc = "1.3.6.1.4.1.3704.1.";

// The RSASSA-PSS parameters AMD signs with: SHA-384, MGF1 with SHA-384,
// a 48-byte salt, trailer 1.  "" if so, else what differs.
std::string pss_params(X509 *x)
{
	const X509_ALGOR *alg = nullptr;
	X509_get0_signature(nullptr, &alg, x);
	const ASN1_OBJECT *obj = nullptr;
	int ptype = 0;
	const void *pval = nullptr;
	X509_ALGOR_get0(&obj, &ptype, &pval, alg);
	if (ptype != V_ASN1_SEQUENCE || !pval)
		return "RSASSA-PSS without parameters";
	const auto *seq = static_cast<const ASN1_STRING *>(pval);
	const unsigned char *p = ASN1_STRING_get0_data(seq);
	RSA_PSS_PARAMS *pss = d2i_RSA_PSS_PARAMS(nullptr, &p, ASN1_STRING_length(seq));
	if (!pss)
		return "RSASSA-PSS parameters do not parse";
	auto md_of = [](const X509_ALGOR *a) {
		return a ? OBJ_obj2nid(a->algorithm) : NID_sha1;	// absent: SHA-1
	};
	int mgf1_md = NID_sha1;
	bool mgf1 = true;
	if (pss->maskGenAlgorithm) {
		mgf1 = OBJ_obj2nid(pss->maskGenAlgorithm->algorithm) == NID_mgf1;
		const ASN1_TYPE *mp = pss->maskGenAlgorithm->parameter;
		X509_ALGOR *mh = nullptr;
		if (mgf1 && mp && mp->type == V_ASN1_SEQUENCE) {
			const unsigned char *q = mp->value.sequence->data;
			mh = d2i_X509_ALGOR(nullptr, &q, mp->value.sequence->length);
		}
		mgf1_md = mh ? md_of(mh) : NID_undef;
		X509_ALGOR_free(mh);
	}
	long salt = pss->saltLength ? ASN1_INTEGER_get(pss->saltLength) : 20;
	long trailer = pss->trailerField ? ASN1_INTEGER_get(pss->trailerField) : 1;
	int md = md_of(pss->hashAlgorithm);
	RSA_PSS_PARAMS_free(pss);
	if (md != NID_sha384 || !mgf1 || mgf1_md != NID_sha384 || salt != 48 || trailer != 1)
		return "RSASSA-PSS parameters are " + std::string(OBJ_nid2sn(md)) + ", " +
		       (mgf1 && mgf1_md != NID_undef ? "MGF1 " + std::string(OBJ_nid2sn(mgf1_md))
						     : std::string("no MGF1 digest")) +
		       ", salt " + std::to_string(salt) + ", trailer " + std::to_string(trailer) +
		       "; expected SHA-384, MGF1 SHA-384, salt 48, trailer 1";
	return {};
}

} // namespace

std::span<const std::uint8_t> amd_ext(X509 *x, const char *suffix)
{
	std::string oid = std::string(amd_arc) + suffix;
	ASN1_OBJECT *obj = OBJ_txt2obj(oid.c_str(), 1);
	if (!obj)
		return {};
	int i = X509_get_ext_by_OBJ(x, obj, -1);
	ASN1_OBJECT_free(obj);
	if (i < 0)
		return {};
	const ASN1_OCTET_STRING *d = X509_EXTENSION_get_data(X509_get_ext(x, i));
	return {ASN1_STRING_get0_data(d), static_cast<std::size_t>(ASN1_STRING_length(d))};
}

// An IA5String, though some encoders leave off the DER tag.
std::string amd_string(X509 *x, const char *suffix)
{
	auto d = amd_ext(x, suffix);
	if (d.size() >= 2 && d[0] == 0x16 && d[1] == d.size() - 2)
		d = d.subspan(2);
	return std::string(d.begin(), d.end());
}

std::optional<std::uint8_t> amd_spl(X509 *x, const char *suffix)
{
	auto d = amd_ext(x, suffix);
	if (d.empty())
		return std::nullopt;
	const unsigned char *p = d.data();
	ASN1_INTEGER *n = d2i_ASN1_INTEGER(nullptr, &p, static_cast<long>(d.size()));
	if (!n)
		return std::nullopt;
	std::uint64_t v = 0;
	bool ok = ASN1_INTEGER_get_uint64(&v, n) == 1 && p == d.data() + d.size() && v <= 255;
	ASN1_INTEGER_free(n);
	if (!ok)
		return std::nullopt;
	return static_cast<std::uint8_t>(v);
}

std::string check_signed_by(X509 *child, X509 *parent)
{
	int md = 0, pk = 0, bits = 0;
	std::uint32_t flags = 0;
	if (!X509_get_signature_info(child, &md, &pk, &bits, &flags))
		return "cannot read the signature algorithm";
	if (pk != EVP_PKEY_RSA_PSS || md != NID_sha384)
		return std::string("signature is ") + OBJ_nid2sn(X509_get_signature_nid(child)) +
		       " with " + (md ? OBJ_nid2sn(md) : "no digest") +
		       ", expected RSASSA-PSS with SHA-384";
	// OpenSSL's own reading agrees: MGF1 digest = digest, salt = its size.
	if (auto e = pss_params(child); !e.empty() || !(flags & X509_SIG_INFO_TLS))
		return e.empty() ? "RSASSA-PSS parameters other than MGF1 SHA-384, salt 48" : e;
	if (X509_check_issued(parent, child) != X509_V_OK)
		return "issuer name does not match the signer's subject";
	EVP_PKEY *key = X509_get0_pubkey(parent);
	if (!key || X509_verify(child, key) != 1)
		return "signature does not verify";
	return {};
}

std::string ca_constraint(X509 *x, bool want_ca)
{
	std::uint32_t f = X509_get_extension_flags(x);
	if (f & EXFLAG_INVALID)
		return "its extensions are malformed";
	bool ca = (f & EXFLAG_BCONS) && (f & EXFLAG_CA);
	if (want_ca && !ca)
		return (f & EXFLAG_BCONS) ? "basicConstraints says CA:FALSE, expected CA:TRUE"
					  : "no basicConstraints: not marked as a CA";
	if (!want_ca && ca)
		return "basicConstraints says CA:TRUE: an endorsement key must not be a CA";
	return {};
}

std::string validity(X509 *x, std::time_t t)
{
	std::time_t tt = t;
	const ASN1_TIME *nb = X509_get0_notBefore(x), *na = X509_get0_notAfter(x);
	auto show = [](const ASN1_TIME *a) {
		struct tm tm {};
		char buf[32];
		if (!ASN1_TIME_to_tm(a, &tm) || !std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm))
			return std::string("?");
		return std::string(buf);
	};
	std::string range = show(nb) + " .. " + show(na);
	if (X509_cmp_time(nb, &tt) != -1)
		return "not yet valid (" + range + ")";
	if (X509_cmp_time(na, &tt) != 1)
		return "expired (" + range + ")";
	return {};
}

} // namespace hsm::snp::detail
