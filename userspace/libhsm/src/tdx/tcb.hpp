// SPDX-License-Identifier: MIT
// Private: what the collateral says of a quote's platform, TDX module and
// QE (the TCB level selection), and the policy's checks.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "util.hpp"

namespace hsm::tdx {
namespace [[gnu::visibility("hidden")]] detail {

/// A check's verdict, as the verifier records it.
struct Finding {
	bool passed = false;
	std::string message;
	Reason reason = Reason::kNone;
};

/// The first TCB level the platform meets: SGX components and PCESVN
/// from the PCK certificate, TDX components from TEE_TCB_SVN (its first
/// two bytes are left to the TDX module identity when the module's major
/// version, TEE_TCB_SVN[1], is not 0).
Finding tcb_level(const TcbInfo &info, const PckExtensions &pck, const TdBody &body,
		  const TcbLevel **matched);

/// The TDX module identity of TCB info that names the quote's module:
/// its MRSIGNER and attributes, and its level (module_status).
Finding tdx_module(const TcbInfo &info, const TdBody &body, std::optional<TcbStatus> &status,
		   std::vector<std::string> &advisories);

/// The QE report against the QE identity: MISCSELECT, attributes,
/// MRSIGNER, ISVPRODID under their masks, and its ISVSVN's level.
Finding qe_identity(const QeIdentity &id, const QeReport &qe, std::optional<TcbStatus> &status,
		    std::vector<std::string> &advisories);

/// Intel's combination of the platform, module and QE statuses.
TcbStatus combine(TcbStatus a, TcbStatus b);

/// The policy's checks of a quote ("policy.*"), appended to checks.
void check_policy(const Quote &q, const Policy &pol, std::optional<TcbStatus> status,
		  std::vector<Check> &checks);

} // namespace detail
} // namespace hsm::tdx
