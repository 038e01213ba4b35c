// SPDX-License-Identifier: MIT
//
// TLS 1.3 only, the vault's key, and a certificate that matches it.
#include "tls.hpp"

#include <arpa/inet.h>
#include <cstdio>
#include <memory>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "../store/store.hpp"
#include "vault.hpp"

namespace ks {

namespace {

template <class T, void (*F)(T *)>
struct Free {
	void operator()(T *p) const { F(p); }
};
using X509Ptr = std::unique_ptr<X509, Free<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Free<BIO, BIO_free_all>>;

std::string san_of(const std::vector<std::string> &names)
{
	std::string san;
	for (const auto &n : names) {
		unsigned char buf[16];
		bool ip = inet_pton(AF_INET, n.c_str(), buf) == 1 || inet_pton(AF_INET6, n.c_str(), buf) == 1;
		san += (san.empty() ? "" : ",") + std::string(ip ? "IP:" : "DNS:") + n;
	}
	return san;
}

// A self-signed certificate for the vault's key, signed by the module.
X509Ptr self_signed(const Vault &v, const std::vector<std::string> &names)
{
	X509Ptr x(X509_new());
	auto serial = v.random(16);
	if (!x || !serial || names.empty())
		return nullptr;
	(*serial)[0] &= 0x7f;
	BIGNUM *bn = BN_bin2bn(serial->data(), int(serial->size()), nullptr);
	X509_NAME *name = X509_get_subject_name(x.get());
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x.get(), x.get(), nullptr, nullptr, 0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, san_of(names).c_str());
	bool ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x.get())) && X509_set_version(x.get(), 2) &&
		  X509_gmtime_adj(X509_getm_notBefore(x.get()), -3600) &&
		  X509_gmtime_adj(X509_getm_notAfter(x.get()), 10L * 365 * 86400) &&
		  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
					     reinterpret_cast<const unsigned char *>(names[0].c_str()), -1, -1, 0) &&
		  X509_set_issuer_name(x.get(), name) && X509_set_pubkey(x.get(), v.tls_key()) && ext &&
		  X509_add_ext(x.get(), ext, -1) && X509_sign(x.get(), v.tls_key(), EVP_sha256()) > 0;
	BN_free(bn);
	X509_EXTENSION_free(ext);
	return ok ? std::move(x) : nullptr;
}

std::vector<std::uint8_t> pem_of(X509 *x)
{
	BioPtr b(BIO_new(BIO_s_mem()));
	char *p = nullptr;
	if (!b || !PEM_write_bio_X509(b.get(), x))
		return {};
	long n = BIO_get_mem_data(b.get(), &p);
	return {p, p + n};
}

X509Ptr x509_of(const std::vector<std::uint8_t> &pem)
{
	BioPtr b(BIO_new_mem_buf(pem.data(), int(pem.size())));
	return X509Ptr(b ? PEM_read_bio_X509(b.get(), nullptr, nullptr, nullptr) : nullptr);
}

// The certificate every instance presents: the file's, or the one the
// database holds (made by the first instance to start).
std::expected<X509Ptr, std::string> certificate(const Vault &v, Store &db, const TlsSettings &s)
{
	if (!s.cert_file.empty()) {
		FILE *f = std::fopen(s.cert_file.c_str(), "r");
		X509Ptr x(f ? PEM_read_X509(f, nullptr, nullptr, nullptr) : nullptr);
		if (f)
			std::fclose(f);
		if (!x)
			return std::unexpected(s.cert_file + ": not a PEM certificate");
		return x;
	}
	auto have = db.meta_get("tls-cert");
	if (!have)
		return std::unexpected("database: " + have.error().message);
	if (*have)
		return x509_of(**have);
	X509Ptr mine = self_signed(v, s.names);
	if (!mine)
		return std::unexpected("could not make the self-signed certificate");
	auto kept = db.meta_put_once("tls-cert", pem_of(mine.get()));
	if (!kept)
		return std::unexpected("database: " + kept.error().message);
	return x509_of(*kept);
}

bool write_pem(X509 *x, const std::string &path)
{
	auto pem = pem_of(x);
	std::string tmp = path + ".tmp";
	FILE *f = std::fopen(tmp.c_str(), "w");
	bool ok = f && std::fwrite(pem.data(), 1, pem.size(), f) == pem.size();
	ok = f && std::fclose(f) == 0 && ok;
	return ok && std::rename(tmp.c_str(), path.c_str()) == 0;
}

} // namespace

std::expected<SSL_CTX *, std::string> server_tls(const Vault &v, Store &db, const TlsSettings &s)
{
	auto cert = certificate(v, db, s);
	if (!cert)
		return std::unexpected(cert.error());
	if (!*cert)
		return std::unexpected("the database's certificate does not parse");
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx || !SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) ||
	    SSL_CTX_use_certificate(ctx, cert->get()) != 1 || SSL_CTX_use_PrivateKey(ctx, v.tls_key()) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		SSL_CTX_free(ctx);
		return std::unexpected("the certificate is not the HSM key's (or OpenSSL refused the key)");
	}
	// No session tickets: resumption is the key server's own sessions.
	SSL_CTX_set_num_tickets(ctx, 0);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	if (!s.cert_out.empty() && !write_pem(cert->get(), s.cert_out)) {
		SSL_CTX_free(ctx);
		return std::unexpected(s.cert_out + ": could not write the certificate");
	}
	return ctx;
}

} // namespace ks
