// SPDX-License-Identifier: MIT
//
// Audit chains: each user's entries are numbered 1, 2, ... and each
// entry's MAC, made by the HSM's audit key, covers the entry and the MAC of
// the one before.  An entry altered, removed or moved to another user
// breaks every MAC after it; the server checks the chain whenever it reads
// it, and the client checks the numbering and the link to the last entry it
// saw (proto/audit_view.hpp).
#pragma once

#include <expected>
#include <span>
#include <string>
#include <vector>

#include "../store/store.hpp"

namespace ks {

class Vault;

// The bytes an entry's MAC covers.
Bytes audit_message(std::string_view user, const AuditEntry &e, std::span<const std::uint8_t> prev_mac);

// The maker of the next entry: `op` on `target` with `outcome`, now.
// A MAC failure leaves the entry's mac empty, which the store refuses.
AuditMaker audit_maker(const Vault &v, std::string user, std::string op, std::string target,
		       std::string outcome);

// The first entry whose MAC or number does not follow, or 0 if none.
std::uint64_t audit_broken_at(const Vault &v, std::string_view user, const std::vector<AuditEntry> &chain);

} // namespace ks
