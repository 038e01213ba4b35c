// SPDX-License-Identifier: GPL-2.0 OR MIT
// OpenSSL helpers the guest suites share to make inputs for the module.
#pragma once

#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <utility>

#include "hsm_conn.hpp"

namespace hsmtest {

// A DER RSAPrivateKey and RSAPublicKey of an OpenSSL key, as KEY_IMPORT
// takes them.
inline std::pair<Bytes, Bytes> rsa_der(EVP_PKEY *pk)
{
	unsigned char *p = nullptr;
	int n = i2d_PrivateKey(pk, &p);
	cr_assert_gt(n, 0);
	Bytes priv(p, p + n);
	OPENSSL_free(p);
	p = nullptr;
	n = i2d_PublicKey(pk, &p);
	cr_assert_gt(n, 0);
	Bytes pub(p, p + n);
	OPENSSL_free(p);
	return {priv, pub};
}

}  // namespace hsmtest
