// SPDX-License-Identifier: MIT
// Private helpers of the SNP verifier.
#pragma once

#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <hsm/snp.hpp>

// Private to the verifier: libhsm.so's version script exports what
// matches hsm::[A-Zabce-z]*, hsm::snp::detail included, so these are
// hidden here instead.
namespace hsm::snp {
namespace [[gnu::visibility("hidden")]] detail {

inline std::uint32_t le32(std::span<const std::uint8_t> b, std::size_t off)
{
	return static_cast<std::uint32_t>(b[off]) | static_cast<std::uint32_t>(b[off + 1]) << 8 |
	       static_cast<std::uint32_t>(b[off + 2]) << 16 |
	       static_cast<std::uint32_t>(b[off + 3]) << 24;
}

inline std::uint64_t le64(std::span<const std::uint8_t> b, std::size_t off)
{
	return static_cast<std::uint64_t>(le32(b, off)) |
	       static_cast<std::uint64_t>(le32(b, off + 4)) << 32;
}

/// Errors are values here: what OpenSSL queues while parsing or
/// verifying is dropped on the way out, and only that (a mark, not a clear).
class ErrorMark {
public:
	ErrorMark() noexcept { ERR_set_mark(); }
	~ErrorMark() { ERR_pop_to_mark(); }
	ErrorMark(const ErrorMark &) = delete;
	ErrorMark &operator=(const ErrorMark &) = delete;
};

struct X509Free {
	void operator()(X509 *x) const noexcept { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

/// Parses one DER certificate; nullptr if it does not parse.
X509Ptr x509_from_der(std::span<const std::uint8_t> der);
/// The subject's (or issuer's) common name, "" if none.
std::string common_name(const X509_NAME *name);
/// Decodes r's four TCB_VERSIONs from their raw words in this layout.
void set_tcb_layout(Report &r, TcbLayout layout);
/// The compiled-in AMD ARKs, PEM.
std::span<const char *const> builtin_arks();

/// The value of AMD's extension 1.3.6.1.4.1.3704.1.<suffix>, or an
/// empty span.
std::span<const std::uint8_t> amd_ext(X509 *x, const char *suffix);
/// A text extension (productName, CSP ID), "" if absent.
std::string amd_string(X509 *x, const char *suffix);
/// An SPL extension: a DER INTEGER 0..255; nullopt if absent or not so.
std::optional<std::uint8_t> amd_spl(X509 *x, const char *suffix);
/// "" if parent signed child as AMD signs its chain (RSASSA-PSS with
/// SHA-384, MGF1 SHA-384, salt 48), else what differs.
std::string check_signed_by(X509 *child, X509 *parent);
/// basicConstraints: "" if x is a CA exactly when it should be.
std::string ca_constraint(X509 *x, bool want_ca);
/// "" if x is valid at t, else "expired (...)" or "not yet valid (...)".
std::string validity(X509 *x, std::time_t t);

} // namespace detail
} // namespace hsm::snp
