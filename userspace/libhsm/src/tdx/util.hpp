// SPDX-License-Identifier: MIT
// Private helpers of the TDX verifier.  The X.509 helpers are the SNP
// verifier's (ErrorMark, X509Ptr, x509_from_der, common_name, validity).
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <memory>
#include <span>
#include <string>

#include <openssl/x509.h>

#include <hsm/tdx.hpp>

#include "../snp/util.hpp"

namespace hsm::tdx {
namespace [[gnu::visibility("hidden")]] detail {

using hsm::snp::detail::ErrorMark;
using hsm::snp::detail::X509Ptr;
using hsm::snp::detail::x509_from_der;
using hsm::snp::detail::common_name;

inline std::uint16_t le16(std::span<const std::uint8_t> b, std::size_t off)
{
	return static_cast<std::uint16_t>(b[off] | b[off + 1] << 8);
}

using hsm::snp::detail::le32;
using hsm::snp::detail::le64;

template <std::size_t N>
void copy(std::array<std::uint8_t, N> &dst, std::span<const std::uint8_t> b, std::size_t off)
{
	std::memcpy(dst.data(), b.data() + off, N);
}

struct X509CrlFree {
	void operator()(X509_CRL *c) const noexcept { X509_CRL_free(c); }
};
using X509CrlPtr = std::unique_ptr<X509_CRL, X509CrlFree>;

/// Parses one DER CRL; nullptr if it does not parse.
X509CrlPtr crl_from_der(std::span<const std::uint8_t> der);
/// Lowercase hex.
std::string hex(std::span<const std::uint8_t> b);
/// t as YYYY-MM-DDTHH:MM:SSZ.
std::string describe_time(std::time_t t);
/// Whether a raw P-256 signature (r || s) over msg verifies under key
/// (SHA-256).  An Error only if OpenSSL cannot run the check.
Result<bool> ecdsa_p256_verifies(EVP_PKEY *key, std::span<const std::uint8_t, 64> sig,
				 std::span<const std::uint8_t> msg);
/// An EC P-256 public key from its raw x || y.
Result<EVP_PKEY *> p256_key(std::span<const std::uint8_t, 64> xy);
/// SHA-256 or SHA-384 of msg.
std::array<std::uint8_t, 32> sha256(std::span<const std::uint8_t> msg);
std::array<std::uint8_t, 48> sha384(std::span<const std::uint8_t> msg);

} // namespace detail
} // namespace hsm::tdx
