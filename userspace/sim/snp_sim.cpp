// SPDX-License-Identifier: GPL-2.0 OR MIT
// The simulated AMD certificate chain: see snp_sim.hpp.
#include "snp_sim.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

namespace snpsim {
namespace {

void check(bool ok, const char *what)
{
	if (!ok)
		throw std::runtime_error(std::string("openssl: ") + what);
}

Pkey keygen_rsa4096()
{
	return Pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", (size_t)4096));
}

// The simulated ARK's or ASK's key.  RSA-4096 generation takes tens of
// seconds under TCG, and AMD's are fixed keys too: with HSM_SNP_SIM_KEYS
// naming a directory, each is made once and kept there (written whole
// under another name, then renamed, so a process reading it at the same
// time sees all of it or none); without it, made afresh every time.
Pkey ca_key(const char *name)
{
	const char *dir = std::getenv("HSM_SNP_SIM_KEYS");
	if (!dir || !*dir)
		return keygen_rsa4096();
	const std::string path = std::string(dir) + "/" + name + ".pem";
	if (FILE *f = std::fopen(path.c_str(), "r")) {
		EVP_PKEY *k = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
		std::fclose(f);
		if (k)
			return Pkey(k);
	}
	Pkey k = keygen_rsa4096();
	mkdir(dir, 0700);
	const std::string tmp = path + "." + std::to_string(getpid());
	if (FILE *f = std::fopen(tmp.c_str(), "w")) {
		fchmod(fileno(f), 0600);
		bool ok = k.p && PEM_write_PrivateKey(f, k.p, nullptr, nullptr, 0, nullptr, nullptr) == 1;
		ok = std::fclose(f) == 0 && ok;
		if (!ok || std::rename(tmp.c_str(), path.c_str()))
			std::remove(tmp.c_str());
	}
	return k;
}

Pkey keygen_p384()
{
	return Pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"));
}

X509_NAME *amd_name(const std::string &cn)
{
	X509_NAME *n = X509_NAME_new();
	auto add = [&](const char *f, const std::string &v) {
		X509_NAME_add_entry_by_txt(n, f, MBSTRING_ASC,
					   reinterpret_cast<const unsigned char *>(v.c_str()), -1, -1, 0);
	};
	add("OU", "Engineering");
	add("C", "US");
	add("L", "Santa Clara");
	add("ST", "CA");
	add("O", "Advanced Micro Devices (simulated)");
	add("CN", cn);
	return n;
}

// RSASSA-PSS, SHA-384, MGF1-SHA-384, salt 48: how AMD signs.
void sign_pss(X509 *x, EVP_PKEY *key)
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = nullptr;
	check(m && EVP_DigestSignInit(m, &pc, EVP_sha384(), nullptr, key) == 1, "DigestSignInit");
	check(EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) == 1 &&
	      EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, 48) == 1 &&
	      EVP_PKEY_CTX_set_rsa_mgf1_md(pc, EVP_sha384()) == 1, "PSS parameters");
	check(X509_sign_ctx(x, m) > 0, "X509_sign_ctx");
	EVP_MD_CTX_free(m);
}

void add_ext(X509 *x, const char *oid, const Bytes &value)
{
	ASN1_OBJECT *o = OBJ_txt2obj(oid, 1);
	ASN1_OCTET_STRING *s = ASN1_OCTET_STRING_new();
	check(o && s && ASN1_OCTET_STRING_set(s, value.data(), (int)value.size()), "extension");
	X509_EXTENSION *e = X509_EXTENSION_create_by_OBJ(nullptr, o, 0, s);
	check(e && X509_add_ext(x, e, -1), "X509_add_ext");
	X509_EXTENSION_free(e);
	ASN1_OCTET_STRING_free(s);
	ASN1_OBJECT_free(o);
}

void add_std_ext(X509 *x, X509 *issuer, const char *nid_name, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, x, nullptr, nullptr, 0);
	X509_EXTENSION *e = X509V3_EXT_conf(nullptr, &ctx, nid_name, value);
	check(e && X509_add_ext(x, e, -1), nid_name);
	X509_EXTENSION_free(e);
}

// DER INTEGER of a small non-negative value.
Bytes der_int(unsigned v)
{
	if (v < 0x80)
		return {0x02, 0x01, static_cast<uint8_t>(v)};
	return {0x02, 0x02, 0x00, static_cast<uint8_t>(v)};
}

Cert make_cert(const std::string &subject, const std::string &issuer, EVP_PKEY *pub,
		      EVP_PKEY *signer, X509 *issuer_cert, long serial, bool ca)
{
	Cert c(X509_new());
	X509 *x = c.x;
	check(x && X509_set_version(x, 2), "X509_new");
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_NAME *sn = amd_name(subject), *in = amd_name(issuer);
	X509_set_subject_name(x, sn);
	X509_set_issuer_name(x, in);
	X509_NAME_free(sn);
	X509_NAME_free(in);
	X509_gmtime_adj(X509_getm_notBefore(x), -24 * 3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 7L * 365 * 24 * 3600);
	check(X509_set_pubkey(x, pub), "X509_set_pubkey");
	if (ca) {
		add_std_ext(x, issuer_cert ? issuer_cert : x, "basicConstraints", "critical,CA:true");
		add_std_ext(x, issuer_cert ? issuer_cert : x, "keyUsage", "critical,keyCertSign,cRLSign");
	}
	(void)signer;
	return c;
}

}  // namespace

Bytes Cert::der() const
{
	int n = i2d_X509(x, nullptr);
	if (n <= 0)
		throw std::runtime_error("i2d_X509");
	Bytes b(n);
	uint8_t *p = b.data();
	i2d_X509(x, &p);
	return b;
}

Chain make_chain(const uint8_t chip_id[64], uint64_t tcb)
{
	Chain ch;
	ch.ark_key = ca_key("ark");
	ch.ask_key = ca_key("ask");
	ch.vcek_key = keygen_p384();
	check(ch.ark_key.p && ch.ask_key.p && ch.vcek_key.p, "keygen");

	ch.ark = make_cert("ARK-Genoa", "ARK-Genoa", ch.ark_key.p, ch.ark_key.p, nullptr, 1, true);
	sign_pss(ch.ark.x, ch.ark_key.p);
	ch.ask = make_cert("SEV-Genoa", "ARK-Genoa", ch.ask_key.p, ch.ark_key.p, ch.ark.x, 2, true);
	sign_pss(ch.ask.x, ch.ark_key.p);
	ch.vcek = make_cert("SEV-VCEK", "SEV-Genoa", ch.vcek_key.p, ch.ask_key.p, ch.ask.x, 0, false);
	X509 *v = ch.vcek.x;
	const char *arc = "1.3.6.1.4.1.3704.1.";
	auto oid = [&](const char *s) { return std::string(arc) + s; };
	add_ext(v, oid("1").c_str(), der_int(0));
	Bytes product = {0x16, 5, 'G', 'e', 'n', 'o', 'a'};
	add_ext(v, oid("2").c_str(), product);
	add_ext(v, oid("3.1").c_str(), der_int(tcb & 0xff));		// blSPL
	add_ext(v, oid("3.2").c_str(), der_int((tcb >> 8) & 0xff));	// teeSPL
	add_ext(v, oid("3.3").c_str(), der_int((tcb >> 48) & 0xff));	// snpSPL
	for (const char *s : {"3.4", "3.5", "3.6", "3.7"})
		add_ext(v, oid(s).c_str(), der_int(0));
	add_ext(v, oid("3.8").c_str(), der_int((tcb >> 56) & 0xff));	// ucodeSPL
	add_ext(v, oid("4").c_str(), Bytes(chip_id, chip_id + 64));	// hwID, raw
	sign_pss(v, ch.ask_key.p);

	BIGNUM *d = nullptr;
	check(EVP_PKEY_get_bn_param(ch.vcek_key.p, OSSL_PKEY_PARAM_PRIV_KEY, &d) == 1, "VCEK scalar");
	check(BN_bn2binpad(d, ch.vcek_priv.data(), 48) == 48, "BN_bn2binpad");
	BN_clear_free(d);

	// The table: VCEK, ASK, ARK entries, an all-zero entry, then the DERs.
	Bytes ders[3] = {ch.vcek.der(), ch.ask.der(), ch.ark.der()};
	const std::array<uint8_t, 16> *guids[3] = {&kGuidVcek, &kGuidAsk, &kGuidArk};
	size_t off = 4 * 24;
	ch.table.assign(off, 0);
	for (int i = 0; i < 3; i++) {
		uint8_t *e = ch.table.data() + i * 24;
		memcpy(e, guids[i]->data(), 16);
		uint32_t o = (uint32_t)off, l = (uint32_t)ders[i].size();
		memcpy(e + 16, &o, 4);
		memcpy(e + 20, &l, 4);
		ch.table.insert(ch.table.end(), ders[i].begin(), ders[i].end());
		off += ders[i].size();
	}
	return ch;
}

Bytes find_cert(const Bytes &table, const std::array<uint8_t, 16> &guid)
{
	for (size_t off = 0; off + 24 <= table.size(); off += 24) {
		const uint8_t *e = table.data() + off;
		uint32_t o, l;
		memcpy(&o, e + 16, 4);
		memcpy(&l, e + 20, 4);
		static const uint8_t zero[24] = {};
		if (!memcmp(e, zero, 24))
			break;
		if (!memcmp(e, guid.data(), 16) && (uint64_t)o + l <= table.size()) {
			Bytes der(l);
			memcpy(der.data(), table.data() + o, l);
			return der;
		}
	}
	return {};
}

}  // namespace snpsim
