// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "refcrypto.hpp"

#include <cstring>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdexcept>

namespace fz::ref {

namespace {

const EVP_MD *md_of(const char *alg)
{
	static const struct {
		const char *suffix;
		const EVP_MD *(*md)();
	} mds[] = {
		{"sha-256", EVP_sha256}, {"sha-384", EVP_sha384}, {"sha-512", EVP_sha512},
		{"sha3-256", EVP_sha3_256}, {"sha3-384", EVP_sha3_384},
		{"sha3-512", EVP_sha3_512},
	};
	size_t n = strlen(alg);

	for (auto &m : mds) {
		size_t k = strlen(m.suffix);
		if (n >= k && !strcmp(alg + n - k, m.suffix))
			return m.md();
	}
	throw std::invalid_argument(std::string("no digest for ") + alg);
}

const EVP_CIPHER *cipher_of(const char *alg, size_t key_len)
{
	std::string a = alg;
	if (a == "chacha20-poly1305")
		return EVP_chacha20_poly1305();
	if (a.ends_with("-gcm"))
		return key_len == 16 ? EVP_aes_128_gcm() : key_len == 24 ? EVP_aes_192_gcm()
									   : EVP_aes_256_gcm();
	if (a.ends_with("-cbc"))
		return key_len == 16 ? EVP_aes_128_cbc() : EVP_aes_256_cbc();
	if (a.ends_with("-ctr"))
		return key_len == 16 ? EVP_aes_128_ctr() : EVP_aes_256_ctr();
	if (a.ends_with("-xts"))
		return key_len == 32 ? EVP_aes_128_xts() : EVP_aes_256_xts();
	throw std::invalid_argument("no cipher for " + a);
}

Bytes mac(const char *type, const char *param_name, const char *param, View key, View in)
{
	EVP_MAC *m = EVP_MAC_fetch(nullptr, type, nullptr);
	EVP_MAC_CTX *c = EVP_MAC_CTX_new(m);
	OSSL_PARAM p[] = {
		OSSL_PARAM_construct_utf8_string(param_name, const_cast<char *>(param), 0),
		OSSL_PARAM_construct_end(),
	};
	Bytes out(64);
	size_t n = 0;

	if (!EVP_MAC_init(c, key.data(), key.size(), p) || !EVP_MAC_update(c, in.data(), in.size()) ||
	    !EVP_MAC_final(c, out.data(), &n, out.size()))
		throw std::runtime_error("OpenSSL MAC");
	EVP_MAC_CTX_free(c);
	EVP_MAC_free(m);
	out.resize(n);
	return out;
}

}  // namespace

Bytes digest(const char *alg, View in)
{
	Bytes out(EVP_MAX_MD_SIZE);
	unsigned int n = 0;

	if (!EVP_Digest(in.data(), in.size(), out.data(), &n, md_of(alg), nullptr))
		throw std::runtime_error("OpenSSL digest");
	out.resize(n);
	return out;
}

Bytes hmac(const char *alg, View key, View in)
{
	return mac("HMAC", OSSL_MAC_PARAM_DIGEST, EVP_MD_get0_name(md_of(alg)), key, in);
}

Bytes cmac(View key, View in)
{
	const char *c = key.size() == 16 ? "AES-128-CBC" : key.size() == 24 ? "AES-192-CBC"
									     : "AES-256-CBC";
	return mac("CMAC", OSSL_MAC_PARAM_CIPHER, c, key, in);
}

Bytes seal(const char *alg, View key, View iv, View aad, View in, size_t tag_len)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	Bytes out(in.size() + 16);
	uint8_t tag[16];
	int n = 0;

	if (!EVP_EncryptInit_ex(c, cipher_of(alg, key.size()), nullptr, nullptr, nullptr) ||
	    !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_IVLEN, static_cast<int>(iv.size()), nullptr) ||
	    !EVP_EncryptInit_ex(c, nullptr, nullptr, key.data(), iv.data()) ||
	    (!aad.empty() && !EVP_EncryptUpdate(c, nullptr, &n, aad.data(), static_cast<int>(aad.size()))) ||
	    !EVP_EncryptUpdate(c, out.data(), &n, in.data(), static_cast<int>(in.size())) ||
	    !EVP_EncryptFinal_ex(c, out.data() + n, &n) ||
	    !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, sizeof(tag), tag))
		throw std::runtime_error("OpenSSL AEAD");
	EVP_CIPHER_CTX_free(c);
	/* A truncated GCM tag is the full tag's first bytes. */
	out.resize(in.size());
	out.insert(out.end(), tag, tag + tag_len);
	return out;
}

Bytes cipher(const char *alg, View key, View iv, View in, bool encrypt)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	Bytes out(in.size() + 32);
	int n = 0, m = 0;

	if (!EVP_CipherInit_ex(c, cipher_of(alg, key.size()), nullptr, key.data(), iv.data(), encrypt) ||
	    !EVP_CIPHER_CTX_set_padding(c, 0) ||
	    !EVP_CipherUpdate(c, out.data(), &n, in.data(), static_cast<int>(in.size())) ||
	    !EVP_CipherFinal_ex(c, out.data() + n, &m))
		throw std::runtime_error("OpenSSL cipher");
	EVP_CIPHER_CTX_free(c);
	out.resize(n + m);
	return out;
}

const Rsa &rsa2048()
{
	static const Rsa key = [] {
		Rsa k;
		k.pkey = EVP_RSA_gen(2048);
		if (!k.pkey)
			throw std::runtime_error("OpenSSL RSA keygen");
		unsigned char *p = nullptr;
		int n = i2d_PrivateKey(k.pkey, &p);
		k.priv_der.assign(p, p + n);
		OPENSSL_free(p);
		p = nullptr;
		n = i2d_PublicKey(k.pkey, &p);
		k.pub_der.assign(p, p + n);
		OPENSSL_free(p);
		return k;
	}();
	return key;
}

Bytes rsa_sign(const char *hash, View msg)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	Bytes sig(512);
	size_t n = sig.size();

	if (!EVP_DigestSignInit(c, nullptr, md_of(hash), nullptr, rsa2048().pkey) ||
	    !EVP_DigestSign(c, sig.data(), &n, msg.data(), msg.size()))
		throw std::runtime_error("OpenSSL RSA sign");
	EVP_MD_CTX_free(c);
	sig.resize(n);
	return sig;
}

bool rsa_verify(const char *hash, View sig, View msg)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	bool ok = EVP_DigestVerifyInit(c, nullptr, md_of(hash), nullptr, rsa2048().pkey) &&
		  EVP_DigestVerify(c, sig.data(), sig.size(), msg.data(), msg.size()) == 1;
	EVP_MD_CTX_free(c);
	return ok;
}

const Bytes &x25519_peer()
{
	static const Bytes pub = [] {
		EVP_PKEY *k = EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519");
		Bytes b(32);
		size_t n = b.size();
		if (!k || !EVP_PKEY_get_raw_public_key(k, b.data(), &n))
			throw std::runtime_error("OpenSSL X25519 keygen");
		EVP_PKEY_free(k);
		return b;
	}();
	return pub;
}

const Bytes &p256_peer()
{
	static const Bytes pub = [] {
		EVP_PKEY *k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
		Bytes b(65);
		size_t n = 0;
		if (!k || !EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, b.data(),
							   b.size(), &n) || n != 65)
			throw std::runtime_error("OpenSSL P-256 keygen");
		EVP_PKEY_free(k);
		/* Uncompressed 04 || x || y: the module takes x || y. */
		return Bytes(b.begin() + 1, b.end());
	}();
	return pub;
}

std::string hex(View b, size_t max)
{
	static const char d[] = "0123456789abcdef";
	std::string s;

	for (size_t i = 0; i < b.size() && i < max; i++) {
		s += d[b[i] >> 4];
		s += d[b[i] & 15];
	}
	if (b.size() > max)
		s += "...";
	return s;
}

}  // namespace fz::ref
