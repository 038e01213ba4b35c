// SPDX-License-Identifier: MIT
//
// Secret keys (AES, HMAC): their module algorithms, their attributes, and
// the module keys made for them at once when their material is at hand.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "p11.hpp"
#include "vendor.hpp"

namespace p11 {

/// The module algorithm a secret key of type `kt` and `len` bytes is first
/// made as ("aes-256-gcm", "hmac-sha-256"), or empty for a size the module
/// lacks.
std::string secret_alg(CK_KEY_TYPE kt, CK_ULONG len);
/// Every module algorithm the key may serve with its usage attributes `a`.
std::vector<std::string> usable_algs(const Attrs &a, CK_KEY_TYPE kt, CK_ULONG len);
/// A secret key's value length: CKA_VALUE_LEN, or the given CKA_VALUE's.
CK_RV secret_len(const Attrs &t, CK_ULONG &len);
/// The attributes of a secret key made from template `t`; `local` when
/// the module generated it.  Errors: CKR_TEMPLATE_INCONSISTENT for usage
/// the module keeps apart (encryption with wrapping, HMAC with derivation:
/// see docs/pkcs11.md).
CK_RV set_secret_attrs(Attrs &a, const Attrs &t, CK_KEY_TYPE kt, CK_ULONG len, bool local,
		       CK_MECHANISM_TYPE gen);
/// Keeps a new module key of `o` for `alg`, owned by a guard.
void hold(Object &o, const std::string &alg, hsm::CryptoResourceGuard g);

/// Gives a new secret key `o` (its attributes set) its module keys, made
/// while the call has the material at hand (an import, an unwrap, an
/// agreement): one to copy the others from if it is extractable, else one
/// per algorithm its usage needs.  `make` makes one from the common
/// parameters.  Errors: CKR_TEMPLATE_INCONSISTENT (a usage no algorithm
/// serves), make's.
template <typename P>
CK_RV make_secret_keys(Object &o, const std::function<CK_RV(P &, hsm::CryptoResourceGuard &)> &make)
{
	CK_ULONG len = 0;
	o.attrs.ulong(CKA_VALUE_LEN, len);
	bool extractable = o.attrs.flag(CKA_EXTRACTABLE);
	auto algs = usable_algs(o.attrs, o.key_type(), len);
	if (algs.empty())
		return CKR_TEMPLATE_INCONSISTENT;
	if (extractable)
		algs.resize(1);
	o.origin = extractable ? Origin::kCopied : Origin::kFixed;
	set_primary(o.attrs, o.origin, algs.front());
	for (const auto &alg : algs) {
		P p;
		p.set_algorithm(hsm::AlgorithmId(alg))
			.set_permissions(module_perms(o.attrs, alg))
			.set_exportable(extractable)
			.set_key_length(std::uint32_t(len));
		hsm::CryptoResourceGuard g;
		CK_RV rv = make(p, g);
		if (rv != CKR_OK)
			return rv;
		hold(o, alg, std::move(g));
	}
	return CKR_OK;
}

} // namespace p11
