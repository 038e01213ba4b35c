// SPDX-License-Identifier: MIT
//
// The SQLite backend: the whole store in one file, for one server or
// several on one machine.  Durable: a write acknowledged has reached the
// disk (write-ahead log, synchronous=FULL).  Writers take turns on the
// file's write lock (BEGIN IMMEDIATE), waiting up to kLockWaitMs (db.hpp) for it.
#pragma once

#include <memory>
#include <string>

#include "store.hpp"

namespace ks {

// Opens the database file at `path`, creating it (and its tables) if
// absent.  kSchema for a file of another schema version; kBackend if the
// file cannot be opened or set up as above.
StoreResult<std::unique_ptr<Store>> open_sqlite(const std::string &path);

} // namespace ks
