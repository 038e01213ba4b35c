// SPDX-License-Identifier: MIT
//
// The PostgreSQL backend, for several key servers sharing one database.
// Each Store holds one connection (libpq's PGconn), which a mutex
// serializes: a server that wants parallel database work opens several
// Stores.  Writers of one user, in any process, take turns on the user's
// row (SELECT ... FOR UPDATE), waiting up to kLockWaitMs (db.hpp).  A
// connection that breaks is opened again once, and a transaction cut off
// before its COMMIT is run again (txn.hpp).
#pragma once

#include <memory>
#include <string>

#include "store.hpp"

namespace ks {

// Connects to the database a libpq connection URI names
// ("postgresql://user@host/db?..."), creating the tables if absent.
// kSchema for a database of another schema version; kBackend if it
// cannot connect.
StoreResult<std::unique_ptr<Store>> open_postgres(const std::string &uri);

} // namespace ks
