// SPDX-License-Identifier: MIT
//
// The TLS key as an OpenSSL EVP_PKEY whose private operations are the
// module's: an EC key holding only the public point, with an EC_KEY_METHOD
// whose signing calls the vault.  This is the interface OpenSSL 3's libssl
// still drives for keys it cannot export to a provider (the same one
// libp11's engine uses), hence the deprecated API in this file alone.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "vault.hpp"

#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

namespace ks {

namespace {

int vault_index()
{
	static const int idx = EC_KEY_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
	return idx;
}

ECDSA_SIG *sign_sig(const unsigned char *dgst, int len, const BIGNUM *, const BIGNUM *, EC_KEY *ec)
{
	auto *v = static_cast<const Vault *>(EC_KEY_get_ex_data(ec, vault_index()));
	if (!v || len <= 0)
		return nullptr;
	auto der = v->tls_sign_digest({dgst, std::size_t(len)});
	if (!der)
		return nullptr;
	const unsigned char *p = der->data();
	return d2i_ECDSA_SIG(nullptr, &p, long(der->size()));
}

int sign(int, const unsigned char *dgst, int len, unsigned char *sig, unsigned int *siglen, const BIGNUM *,
	 const BIGNUM *, EC_KEY *ec)
{
	ECDSA_SIG *s = sign_sig(dgst, len, nullptr, nullptr, ec);
	if (!s)
		return 0;
	int n = i2d_ECDSA_SIG(s, &sig);
	ECDSA_SIG_free(s);
	if (n <= 0)
		return 0;
	*siglen = unsigned(n);
	return 1;
}

int sign_setup(EC_KEY *, BN_CTX *, BIGNUM **, BIGNUM **)
{
	return 1;
}

const EC_KEY_METHOD *method()
{
	static EC_KEY_METHOD *m = [] {
		EC_KEY_METHOD *k = EC_KEY_METHOD_new(EC_KEY_get_default_method());
		if (k)
			EC_KEY_METHOD_set_sign(k, sign, sign_setup, sign_sig);
		return k;
	}();
	return m;
}

} // namespace

std::expected<void, std::string> Vault::make_tls_pkey()
{
	std::array<std::uint8_t, 65> pt{};
	auto n = stack_.keys().get_raw_public_key(tls_, pt);
	if (!n || *n != pt.size())
		return std::unexpected("the TLS key's public point: " + (n ? std::string("wrong length") : n.error().message));
	EC_KEY *ec = EC_KEY_new_by_curve_name(NID_X9_62_prime256v1);
	const unsigned char *p = pt.data();
	bool ok = ec && method() && o2i_ECPublicKey(&ec, &p, long(pt.size())) && EC_KEY_set_method(ec, method()) &&
		  EC_KEY_set_ex_data(ec, vault_index(), this);
	EVP_PKEY *pk = ok ? EVP_PKEY_new() : nullptr;
	if (!pk || !EVP_PKEY_assign_EC_KEY(pk, ec)) {
		EVP_PKEY_free(pk);
		EC_KEY_free(ec);
		return std::unexpected("the TLS key: OpenSSL refused its public point");
	}
	tls_pkey_ = pk;
	return {};
}

} // namespace ks
