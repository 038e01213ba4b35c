// SPDX-License-Identifier: MIT
//
// Secret keys: algorithms, attributes and usage rules.
#include "attr_rules.hpp"
#include "secret.hpp"

namespace p11 {

std::string secret_alg(CK_KEY_TYPE kt, CK_ULONG len)
{
	bool hmac_len = len >= 16 && len <= 128;
	switch (kt) {
	case CKK_AES:
		return len == 16 || len == 24 || len == 32 ? "aes-" + std::to_string(len * 8) + "-gcm" : "";
	case CKK_GENERIC_SECRET: case CKK_SHA256_HMAC:
		return hmac_len ? "hmac-sha-256" : "";
	case CKK_SHA384_HMAC:
		return hmac_len ? "hmac-sha-384" : "";
	case CKK_SHA512_HMAC:
		return hmac_len ? "hmac-sha-512" : "";
	default:
		return {};
	}
}

std::vector<std::string> usable_algs(const Attrs &a, CK_KEY_TYPE kt, CK_ULONG len)
{
	std::vector<std::string> all;
	// A key that derives never MACs (set_secret_attrs): the module's raw
	// "secret" serves it.
	if (kt == CKK_GENERIC_SECRET && a.flag(CKA_DERIVE))
		all = {"secret"};
	else if (kt == CKK_GENERIC_SECRET)
		all = {"hmac-sha-256", "hmac-sha-384", "hmac-sha-512"};
	else if (kt != CKK_AES)
		all = {secret_alg(kt, len)};
	else if (len == 24)
		all = {"aes-192-gcm", "aes-192-kw"};
	else {
		std::string b = "aes-" + std::to_string(len * 8);
		all = {b + "-gcm", b + "-cbc", b + "-ctr", b + "-cmac", b + "-kw"};
	}
	std::erase_if(all, [&a](const std::string &alg) {
		return alg.empty() || module_perms(a, alg) == hsm::KeyOperationPermission::kNone;
	});
	return all;
}

CK_RV secret_len(const Attrs &t, CK_ULONG &len)
{
	const Bytes *v = t.get(CKA_VALUE);
	CK_ULONG given = 0;
	bool has_len = t.ulong(CKA_VALUE_LEN, given);
	if (v && has_len)
		return CKR_TEMPLATE_INCONSISTENT;
	if (!v && !has_len)
		return CKR_TEMPLATE_INCOMPLETE;
	len = v ? v->size() : given;
	return CKR_OK;
}

CK_RV set_secret_attrs(Attrs &a, const Attrs &t, CK_KEY_TYPE kt, CK_ULONG len, bool local,
		       CK_MECHANISM_TYPE gen)
{
	set_common(a, t, CKO_SECRET_KEY);
	set_key_common(a, t, kt, local, gen);
	// The module keeps a wrapping key from encrypting (or UNWRAP of any
	// ciphertext would decrypt it) and a derivation key from MACing: a key
	// asked for one use defaults to no other.
	bool aes = kt == CKK_AES;
	bool wraps = t.flag(CKA_WRAP) || t.flag(CKA_UNWRAP);
	bool derives = t.flag(CKA_DERIVE);
	for (CK_ATTRIBUTE_TYPE u : {CKA_ENCRYPT, CKA_DECRYPT})
		set_flag_from(a, t, u, aes && !wraps);
	for (CK_ATTRIBUTE_TYPE u : {CKA_WRAP, CKA_UNWRAP})
		set_flag_from(a, t, u, false);
	for (CK_ATTRIBUTE_TYPE u : {CKA_SIGN, CKA_VERIFY})
		set_flag_from(a, t, u, !wraps && !derives);
	bool ciphers = a.flag(CKA_ENCRYPT) || a.flag(CKA_DECRYPT);
	bool macs = a.flag(CKA_SIGN) || a.flag(CKA_VERIFY);
	if ((wraps && (ciphers || macs)) || (derives && macs))
		return CKR_TEMPLATE_INCONSISTENT;
	bool sensitive = t.flag(CKA_SENSITIVE, true), extractable = t.flag(CKA_EXTRACTABLE, false);
	a.set_flag(CKA_SENSITIVE, sensitive);
	a.set_flag(CKA_EXTRACTABLE, extractable);
	a.set_flag(CKA_ALWAYS_SENSITIVE, local && sensitive);
	a.set_flag(CKA_NEVER_EXTRACTABLE, local && !extractable);
	set_flag_from(a, t, CKA_TRUSTED, false);
	set_flag_from(a, t, CKA_WRAP_WITH_TRUSTED, false);
	a.set_ulong(CKA_VALUE_LEN, len);
	return CKR_OK;
}

void hold(Object &o, const std::string &alg, hsm::CryptoResourceGuard g)
{
	hsm::CryptoResourceId id = g.id();
	o.keys[alg] = KeyRef{id, std::make_shared<hsm::CryptoResourceGuard>(std::move(g))};
}

} // namespace p11
