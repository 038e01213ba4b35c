// SPDX-License-Identifier: MIT
// Private: the verification of an Intel chain to a trusted root with CRLs.
#pragma once

#include <vector>

#include "util.hpp"

namespace hsm::tdx {
namespace [[gnu::visibility("hidden")]] detail {

struct Anchor {
	X509Ptr cert;
	bool simulated;
};

/// Intel's root, then the policy's extra roots (simulated).
Result<std::vector<Anchor>> anchors(const std::vector<std::vector<std::uint8_t>> &extra);

struct ChainVerdict {
	bool ok = false;
	Reason reason = Reason::kNone;
	std::string message;
	std::string root_name;
	bool simulated = false;
};

/// Verifies chain (DER, leaf first; a root in it is ignored unless
/// trusted) to one of trusted at time at, every certificate checked
/// against crls (DER).
ChainVerdict verify_chain(const std::vector<std::vector<std::uint8_t>> &chain,
			  std::span<const std::vector<std::uint8_t>> crls,
			  const std::vector<Anchor> &trusted, std::time_t at);

} // namespace detail
} // namespace hsm::tdx
