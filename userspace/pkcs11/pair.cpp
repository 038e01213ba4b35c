// SPDX-License-Identifier: MIT
//
// C_GenerateKeyPair: a key pair made in the module (EC and Ed25519 and RSA
// in its worker, ECDH in the kernel) and its two objects, which share an
// ID and the public values.  A private key is always sensitive and never
// extractable; the module binds each key to one use, chosen from the
// private template (docs/pkcs11.md).
#include <algorithm>
#include <cstring>
#include <openssl/sha.h>

#include "attr_rules.hpp"
#include "mech.hpp"
#include "pubkey.hpp"
#include "secret.hpp"
#include "vendor.hpp"

using namespace p11;

namespace {

// DER of the Edwards curve's names CKA_EC_PARAMS may hold: the printable
// string "edwards25519" and the OID 1.3.101.112.
constexpr std::uint8_t kEd25519Name[] = {0x13, 0x0c, 'e', 'd', 'w', 'a', 'r', 'd', 's',
					 '2', '5', '5', '1', '9'};
constexpr std::uint8_t kEd25519Oid[] = {0x06, 0x03, 0x2b, 0x65, 0x70};

bool is_ed25519(const Bytes *p)
{
	auto eq = [p](std::span<const std::uint8_t> w) {
		return p->size() == w.size() && !std::memcmp(p->data(), w.data(), w.size());
	};
	return p && (eq(kEd25519Name) || eq(kEd25519Oid));
}

// The module algorithm and key length of a key pair to generate.
CK_RV pair_alg(CK_MECHANISM_TYPE mech, const Attrs &pub, const Attrs &priv, CK_KEY_TYPE &kt,
	       std::string &alg, std::uint32_t &len)
{
	len = 0;
	if (mech == CKM_RSA_PKCS_KEY_PAIR_GEN) {
		CK_ULONG bits = 0;
		const Bytes *e = pub.get(CKA_PUBLIC_EXPONENT);
		static const Bytes f4{0x01, 0x00, 0x01};
		if (!pub.ulong(CKA_MODULUS_BITS, bits))
			return CKR_TEMPLATE_INCOMPLETE;
		if (bits < 2048 || bits > 4096 || bits % 8)
			return CKR_KEY_SIZE_RANGE;
		// The worker's keys use F4; any other exponent is refused.
		if (e && Bytes(std::find_if(e->begin(), e->end(), [](auto b) { return b; }), e->end()) != f4)
			return CKR_ATTRIBUTE_VALUE_INVALID;
		kt = CKK_RSA;
		// One module key does one of signing and decryption: signing,
		// unless only decryption is asked for.
		bool decrypt_only = priv.flag(CKA_DECRYPT) && !priv.flag(CKA_SIGN, false);
		alg = decrypt_only ? "rsa-oaep-sha256" : "rsa-pss-sha256";
		len = std::uint32_t(bits / 8);
		return CKR_OK;
	}
	const Bytes *params = pub.get(CKA_EC_PARAMS) ? pub.get(CKA_EC_PARAMS) : priv.get(CKA_EC_PARAMS);
	if (!params)
		return CKR_TEMPLATE_INCOMPLETE;
	if (mech == CKM_EC_EDWARDS_KEY_PAIR_GEN) {
		kt = CKK_EC_EDWARDS;
		alg = "ed25519";
		return is_ed25519(params) ? CKR_OK : CKR_CURVE_NOT_SUPPORTED;
	}
	kt = CKK_EC;
	Attrs a;
	a.set(CKA_EC_PARAMS, *params);
	alg = ec_alg(a);
	if (alg.empty())
		return CKR_CURVE_NOT_SUPPORTED;
	// A key asked to derive and not to sign is an ECDH key (the kernel's).
	if (priv.flag(CKA_DERIVE) && !priv.flag(CKA_SIGN, false))
		alg = alg.starts_with("ecdsa-p256") ? "ecdh-p256" : "ecdh-p384";
	return CKR_OK;
}

// The public values of a new key pair: from its SubjectPublicKeyInfo, or
// for an ECDH key (whose public key the module gives as x || y) made into one.
CK_RV public_values(State &s, hsm::CryptoResourceId id, CK_KEY_TYPE kt, const std::string &alg,
		    const Bytes *ec_params, Attrs &values)
{
	Bytes pub(4096);
	auto n = s.stack.keys().get_public_key(id, pub);
	if (!n)
		return rv_of(n.error());
	pub.resize(*n);
	if (ec_params)
		values.set(CKA_EC_PARAMS, *ec_params);
	if (alg.starts_with("ecdh-")) {
		pub.insert(pub.begin(), 0x04);
		values.set(CKA_EC_POINT, pub);
		CK_RV rv = spki_of(values, kt, pub);
		if (rv != CKR_OK)
			return rv;
	}
	return set_public(values, kt, pub);
}

hsm::KeyOperationPermission pair_perms(const std::string &alg)
{
	using P = hsm::KeyOperationPermission;
	if (alg.starts_with("rsa-oaep-"))
		return P::kDecrypt | P::kEncrypt;
	return alg.starts_with("ecdh-") ? P::kAgree : P::kSign | P::kVerify;
}

// The attributes both halves of a pair share: class, key type, the public
// values, and an ID (the template's, or the SHA-1 of the public key).
void set_pair_attrs(Attrs &a, const Attrs &t, CK_OBJECT_CLASS cls, CK_KEY_TYPE kt,
		    CK_MECHANISM_TYPE mech, const Attrs &pub_values, const Bytes &id)
{
	set_common(a, t, cls);
	set_key_common(a, t, kt, true, mech);
	if (!t.has(CKA_ID))
		a.set(CKA_ID, id);
	const Bytes *subject = t.get(CKA_SUBJECT);
	a.set(CKA_SUBJECT, subject ? *subject : Bytes{});
	for (const auto &[type, v] : pub_values.all())
		a.set(type, v);
}

void set_private_attrs(Attrs &a, const std::string &alg)
{
	bool oaep = alg.starts_with("rsa-oaep-"), ecdh = alg.starts_with("ecdh-");
	a.set_flag(CKA_SIGN, !oaep && !ecdh);
	a.set_flag(CKA_DECRYPT, oaep);
	a.set_flag(CKA_DERIVE, ecdh);
	for (CK_ATTRIBUTE_TYPE u : {CKA_SIGN_RECOVER, CKA_UNWRAP, CKA_WRAP_WITH_TRUSTED,
				    CKA_ALWAYS_AUTHENTICATE})
		a.set_flag(u, false);
	for (CK_ATTRIBUTE_TYPE u : {CKA_SENSITIVE, CKA_ALWAYS_SENSITIVE, CKA_NEVER_EXTRACTABLE})
		a.set_flag(u, true);
	a.set_flag(CKA_EXTRACTABLE, false);
}

void set_public_attrs(Attrs &a, const std::string &alg)
{
	bool oaep = alg.starts_with("rsa-oaep-");
	a.set_flag(CKA_VERIFY, !oaep && !alg.starts_with("ecdh-"));
	a.set_flag(CKA_ENCRYPT, oaep);
	for (CK_ATTRIBUTE_TYPE u : {CKA_VERIFY_RECOVER, CKA_WRAP, CKA_TRUSTED})
		a.set_flag(u, false);
}

// What a template asks of a private key that this token never does.
CK_RV check_private_template(const Attrs &t)
{
	if (!t.flag(CKA_SENSITIVE, true) || t.flag(CKA_EXTRACTABLE, false) ||
	    t.flag(CKA_ALWAYS_AUTHENTICATE, false))
		return CKR_ATTRIBUTE_VALUE_INVALID;
	return CKR_OK;
}

} // namespace

extern "C" {

CK_RV C_GenerateKeyPair(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_ATTRIBUTE_PTR pt, CK_ULONG pn,
			CK_ATTRIBUTE_PTR kt_, CK_ULONG kn, CK_OBJECT_HANDLE_PTR pub_out,
			CK_OBJECT_HANDLE_PTR priv_out)
{
	std::shared_ptr<Session> ss;
	CK_RV rv = session(h, ss);
	if (rv != CKR_OK)
		return rv;
	if (!m || !pub_out || !priv_out)
		return CKR_ARGUMENTS_BAD;
	if (m->mechanism != CKM_EC_KEY_PAIR_GEN && m->mechanism != CKM_EC_EDWARDS_KEY_PAIR_GEN &&
	    m->mechanism != CKM_RSA_PKCS_KEY_PAIR_GEN)
		return CKR_MECHANISM_INVALID;
	Attrs pub_t, priv_t;
	if ((rv = Attrs::from(pt, pn, pub_t)) != CKR_OK || (rv = Attrs::from(kt_, kn, priv_t)) != CKR_OK ||
	    (rv = check_caller_template(pub_t)) != CKR_OK || (rv = check_caller_template(priv_t)) != CKR_OK ||
	    (rv = check_private_template(priv_t)) != CKR_OK)
		return rv;
	CK_KEY_TYPE kt;
	std::string alg;
	std::uint32_t len;
	if ((rv = pair_alg(m->mechanism, pub_t, priv_t, kt, alg, len)) != CKR_OK)
		return rv;
	auto pub = std::make_shared<Object>(), priv = std::make_shared<Object>();
	pub->session = pub_t.flag(CKA_TOKEN) ? 0 : h;
	priv->session = priv_t.flag(CKA_TOKEN) ? 0 : h;
	if ((pub->token() || priv->token()) && !(ss->flags & CKF_RW_SESSION))
		return CKR_SESSION_READ_ONLY;

	State &s = *state();
	hsm::GenerateKeyParams p;
	p.set_algorithm(hsm::AlgorithmId(alg)).set_permissions(pair_perms(alg)).set_key_length(len);
	auto g = s.stack.keys().generate_key(p);
	if (!g)
		return rv_of(g.error());
	const Bytes *params = pub_t.get(CKA_EC_PARAMS) ? pub_t.get(CKA_EC_PARAMS) : priv_t.get(CKA_EC_PARAMS);
	Attrs values;
	if ((rv = public_values(s, *g, kt, alg, kt == CKK_RSA ? nullptr : params, values)) != CKR_OK)
		return rv;
	const Bytes &spki = *values.get(CKA_PUBLIC_KEY_INFO);
	Bytes id(SHA_DIGEST_LENGTH);
	SHA1(spki.data(), spki.size(), id.data());
	set_pair_attrs(pub->attrs, pub_t, CKO_PUBLIC_KEY, kt, m->mechanism, values, id);
	set_public_attrs(pub->attrs, alg);
	set_pair_attrs(priv->attrs, priv_t, CKO_PRIVATE_KEY, kt, m->mechanism, values, id);
	set_private_attrs(priv->attrs, alg);
	priv->origin = Origin::kFixed;
	set_primary(priv->attrs, priv->origin, alg);
	hold(*priv, alg, std::move(*g));
	if ((rv = s.store.add(priv)) != CKR_OK)
		return rv;
	if ((rv = s.store.add(pub)) != CKR_OK) {
		s.store.destroy(priv->handle);
		return rv;
	}
	*pub_out = pub->handle;
	*priv_out = priv->handle;
	return CKR_OK;
}

} // extern "C"
