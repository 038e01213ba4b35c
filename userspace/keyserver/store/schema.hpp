// SPDX-License-Identifier: MIT
//
// The store's tables, the same on both backends, and the one place that
// decides whether a database may be used: an empty one gets the tables of
// kSchemaVersion; one that carries kSchemaVersion is used as it is; any
// other (a newer or unknown version, or tables of ours without a version)
// is refused with kSchema, never used or altered.
#pragma once

#include "db.hpp"

namespace ks {

// Creates the tables in an empty database, or checks the version of a
// database that has them, in one write transaction (so that servers
// opening a new database at once create it once).
StoreResult<void> schema_open(Db &db);

} // namespace ks
