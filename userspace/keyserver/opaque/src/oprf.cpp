// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// RFC 9497's OPRF, base mode, ristretto255-SHA512 (sections 3.3.1 and
// 4.1): the operations and domain separation tags of that suite only.
#include "oprf.hpp"

#include <string>

#include "encode.hpp"
#include "hash.hpp"
#include "ristretto.hpp"

namespace opaque::oprf {

namespace {

// contextString = "OPRFV1-" || I2OSP(modeOPRF, 1) || "-" || identifier.
const std::string kContext = std::string("OPRFV1-") + '\0' + "-ristretto255-SHA512";
const std::string kHashToGroupDst = "HashToGroup-" + kContext;
const std::string kDeriveKeyPairDst = "DeriveKeyPair" + kContext;
constexpr unsigned kMaxDeriveAttempts = 256;

} // namespace

Result<Bytes> blind(In input, In blind)
{
	// HashToGroup never yields the identity here (hash_to_group refuses
	// it), which is the InvalidInputError RFC 9497 asks for.
	OPAQUE_TRY(element, ristretto::hash_to_group(input, kHashToGroupDst));
	OPAQUE_TRY(blinded, ristretto::mult(blind, *element));
	return to_bytes(*blinded);
}

Result<Bytes> blind_evaluate(In key, In blinded)
{
	OPAQUE_TRY(evaluated, ristretto::mult(key, blinded));
	return to_bytes(*evaluated);
}

Result<SecretBytes> finalize(In input, In blind, In evaluated)
{
	if (input.size() > kMaxField)
		return fail(Error::kInputTooLong);
	OPAQUE_TRY(inverse, ristretto::invert(blind));
	OPAQUE_TRY(unblinded, ristretto::mult(*inverse, evaluated));
	SecretBytes hash_input;
	append_prefixed(hash_input, input);
	append_prefixed(hash_input, *unblinded);
	append(hash_input, std::string_view("Finalize"));
	return sha512({hash_input});
}

Result<KeyPair> derive_key_pair(In seed, std::string_view info)
{
	if (info.size() > kMaxField)
		return fail(Error::kInputTooLong);
	SecretBytes derive_input;
	append(derive_input, seed);
	append_prefixed(derive_input, as_bytes(info));
	derive_input.push_back(0);	// the counter
	for (unsigned counter = 0; counter < kMaxDeriveAttempts; counter++) {
		derive_input.back() = static_cast<std::uint8_t>(counter);
		OPAQUE_TRY(sk, ristretto::hash_to_scalar(derive_input, kDeriveKeyPairDst));
		if (!ristretto::valid_scalar(*sk))
			continue;	// zero: try the next counter
		OPAQUE_TRY(pk, ristretto::mult_base(*sk));
		return KeyPair{std::move(*sk), std::move(*pk)};
	}
	return fail(Error::kInternal);
}

} // namespace opaque::oprf
