// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// From password to randomized password.
#include "password.hpp"

#include <sodium.h>

#include "encode.hpp"
#include "hash.hpp"
#include "ksf.hpp"
#include "oprf.hpp"
#include "random.hpp"

namespace opaque {

Result<Bytes> blind_password(const Config &config, In password, In blind)
{
	if (!sodium_ready())
		return fail(Error::kInternal);
	if (password.size() > kMaxField || config.context.size() > kMaxField)
		return fail(Error::kInputTooLong);
	if (!valid_ksf(config.ksf))
		return fail(Error::kInvalidConfig);
	if (blind.size() != kScalarSize)
		return fail(Error::kInvalidLength);
	return oprf::blind(password, blind);
}

Result<SecretBytes> randomized_password(const Config &config, In password, In blind,
					In blinded, In evaluated)
{
	// A server that sends our element back would make the OPRF output a
	// function of the password alone, computable offline.
	if (evaluated.size() == blinded.size() &&
	    sodium_memcmp(evaluated.data(), blinded.data(), blinded.size()) == 0)
		return fail(Error::kReflectedElement);
	OPAQUE_TRY(oprf_output, oprf::finalize(password, blind, evaluated));
	OPAQUE_TRY(stretched, stretch(config.ksf, *oprf_output));
	SecretBytes ikm;
	append(ikm, *oprf_output);
	append(ikm, *stretched);
	return hkdf_extract({}, ikm);
}

} // namespace opaque
