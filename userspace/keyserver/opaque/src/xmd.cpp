// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// expand_message_xmd (RFC 9380 section 5.3.1) over SHA-512, whose input
// block is 128 bytes and output 64.
#include "xmd.hpp"

#include <cstdint>

#include "opaque/config.hpp"
#include "encode.hpp"
#include "hash.hpp"

namespace opaque {

namespace {

constexpr std::size_t kBlockSize = 128;
constexpr std::size_t kMaxBlocks = 255;

} // namespace

Result<SecretBytes> expand_message_xmd(In msg, std::string_view dst, std::size_t len)
{
	std::size_t ell = (len + kHashSize - 1) / kHashSize;
	if (ell == 0 || ell > kMaxBlocks || len > kMaxField || dst.size() > 255)
		return fail(Error::kInternal);

	Bytes dst_prime;
	append(dst_prime, dst);
	dst_prime.push_back(static_cast<std::uint8_t>(dst.size()));

	const Bytes z_pad(kBlockSize, 0);
	Bytes lib_str;
	append_u16(lib_str, len);
	const std::uint8_t zero = 0;
	OPAQUE_TRY(b0, sha512({z_pad, msg, lib_str, {&zero, 1}, dst_prime}));

	SecretBytes out;
	SecretBytes chain(kHashSize, 0);	// b_0 XOR b_(i-1); b_0 itself for i = 1
	for (std::size_t i = 1; i <= ell; i++) {
		for (std::size_t j = 0; j < kHashSize; j++)
			chain[j] ^= (*b0)[j];
		const auto counter = static_cast<std::uint8_t>(i);
		OPAQUE_TRY(bi, sha512({chain, {&counter, 1}, dst_prime}));
		append(out, *bi);
		chain = *bi;
	}
	out.resize(len);
	return out;
}

} // namespace opaque
