// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// The masking key and the credential response pad.
#include "masking.hpp"

#include "encode.hpp"
#include "hash.hpp"

namespace opaque::masking {

Result<SecretBytes> masking_key(In randomized_password)
{
	return hkdf_expand(randomized_password, as_bytes("MaskingKey"), kHashSize);
}

Result<SecretBytes> apply(In masking_key, In masking_nonce, In data)
{
	if (masking_key.size() != kHashSize || masking_nonce.size() != kNonceSize ||
	    data.size() != kMaskedResponseSize)
		return fail(Error::kInvalidLength);
	Bytes info;
	append(info, masking_nonce);
	append(info, std::string_view("CredentialResponsePad"));
	OPAQUE_TRY(pad, hkdf_expand(masking_key, info, kMaskedResponseSize));
	for (std::size_t i = 0; i < pad->size(); i++)
		(*pad)[i] ^= data[i];
	return pad;
}

} // namespace opaque::masking
