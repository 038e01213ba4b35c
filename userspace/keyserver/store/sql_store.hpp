// SPDX-License-Identifier: MIT
//
// The Store's operations, written once over a Db: each write is one
// transaction that first takes the user's row with the dialect's
// lock_user (so that writers of one user, in any process, take turns),
// then checks, writes, and appends its audit entry after the tail it
// reads.  One connection per Store; a mutex serializes the Store's calls
// on it.
#pragma once

#include <memory>

#include "db.hpp"

namespace ks {

std::unique_ptr<Store> make_sql_store(std::unique_ptr<Db> db);

} // namespace ks
