// SPDX-License-Identifier: MIT
//
// Names are byte strings (see Param), so every name and value column is
// the dialect's byte type; integers are 64-bit.  The column that names a
// user is user_name: "user" is reserved in PostgreSQL.  The failures table
// has no foreign key: failed logins count for names that are not
// registered too, so that guessing names is rate-limited as well.
#include "schema.hpp"

#include <string>
#include <vector>

#include "txn.hpp"

namespace ks {

namespace {

constexpr char kOurTables[] = "('users', 'secrets', 'audit', 'failures', 'meta', 'schema_version')";

std::vector<std::string> tables(const Dialect &d)
{
	const std::string b = d.bytes_type;
	return {
		"CREATE TABLE users (name " + b + " PRIMARY KEY, record " + b +
			" NOT NULL, created BIGINT NOT NULL)",
		"CREATE TABLE secrets (user_name " + b + " NOT NULL REFERENCES users (name), id " + b +
			" NOT NULL, blob " + b + " NOT NULL, created BIGINT NOT NULL, "
			"PRIMARY KEY (user_name, id))",
		"CREATE TABLE audit (user_name " + b + " NOT NULL REFERENCES users (name), "
			"seq BIGINT NOT NULL CHECK (seq > 0), time BIGINT NOT NULL, op " + b +
			" NOT NULL, target " + b + " NOT NULL, outcome " + b + " NOT NULL, mac " + b +
			" NOT NULL, PRIMARY KEY (user_name, seq))",
		"CREATE TABLE failures (user_name " + b + " PRIMARY KEY, count BIGINT NOT NULL, "
			"last BIGINT NOT NULL)",
		"CREATE TABLE meta (name " + b + " PRIMARY KEY, value " + b + " NOT NULL)",
		"CREATE TABLE schema_version (id BIGINT PRIMARY KEY CHECK (id = 1), "
			"version BIGINT NOT NULL)",
	};
}

StoreResult<std::int64_t> count_tables(Db &db, const char *list)
{
	auto rows = db.query(std::string(db.dialect().count_tables) + list, {}, "i");
	if (!rows)
		return std::unexpected(rows.error());
	if (rows->size() != 1)
		return store_error(StoreErr::kCorrupt, "counting tables gave no count");
	return integer(rows->front(), 0);
}

StoreResult<void> create(Db &db)
{
	for (const std::string &sql : tables(db.dialect())) {
		auto made = db.query(sql);
		if (!made)
			return std::unexpected(made.error());
	}
	auto v = db.query("INSERT INTO schema_version (id, version) VALUES (1, $1)",
			  {std::int64_t(kSchemaVersion)});
	if (!v)
		return std::unexpected(v.error());
	return {};
}

StoreResult<void> check_version(Db &db)
{
	auto rows = db.query("SELECT version FROM schema_version", {}, "i");
	if (!rows)
		return std::unexpected(rows.error());
	if (rows->size() != 1)
		return store_error(StoreErr::kSchema, "the database's schema_version table has no version");
	std::int64_t v = integer(rows->front(), 0);
	if (v != kSchemaVersion)
		return store_error(StoreErr::kSchema, "the database has schema version " + std::to_string(v) +
							      "; this build knows only " +
							      std::to_string(kSchemaVersion));
	return {};
}

StoreResult<void> open_locked(Db &db)
{
	auto versioned = count_tables(db, "('schema_version')");
	if (!versioned)
		return std::unexpected(versioned.error());
	if (*versioned > 0)
		return check_version(db);
	auto ours = count_tables(db, kOurTables);
	if (!ours)
		return std::unexpected(ours.error());
	if (*ours > 0)
		return store_error(StoreErr::kSchema, "the database has tables of a key server store but "
						      "no schema version");
	return create(db);
}

} // namespace

StoreResult<void> schema_open(Db &db)
{
	return write_txn(db, [&]() -> StoreResult<void> {
		if (const char *lock = db.dialect().schema_lock) {
			auto held = db.query(lock);
			if (!held)
				return std::unexpected(held.error());
		}
		return open_locked(db);
	});
}

} // namespace ks
