// SPDX-License-Identifier: MIT
//
// What the store's operations need from a database: one connection that
// runs one statement with bound parameters and returns typed rows, and the
// few statements in which SQLite and PostgreSQL differ.  sqlite.cpp and
// postgres.cpp implement it; sql_store.cpp writes every operation once on
// top of it, so that both backends run the same queries under the same
// rules.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "store.hpp"

namespace ks {

inline std::unexpected<StoreError> store_error(StoreErr code, std::string message)
{
	return std::unexpected(StoreError{code, std::move(message)});
}

// A bound parameter: an integer, or a byte string.  Every name, id and
// value is stored as bytes (BLOB, BYTEA), never as text, so that any byte
// string round-trips: PostgreSQL's text refuses NUL and invalid UTF-8.
// It refers to the caller's bytes, which must outlive the query.
struct Param {
	Param(std::int64_t v) : value(v) {}
	Param(const std::string &s)
		: value(std::span(reinterpret_cast<const std::uint8_t *>(s.data()), s.size())) {}
	Param(const Bytes &b) : value(std::span<const std::uint8_t>(b)) {}

	std::variant<std::int64_t, std::span<const std::uint8_t>> value;
};

// A column's value in a result row: checked against the query's column
// kinds before it is returned, so reading it cannot fail.
using Cell = std::variant<std::int64_t, Bytes>;
using Row = std::vector<Cell>;
using Rows = std::vector<Row>;

inline std::int64_t integer(const Row &r, std::size_t col)
{
	return std::get<std::int64_t>(r[col]);
}

inline const Bytes &bytes(const Row &r, std::size_t col)
{
	return std::get<Bytes>(r[col]);
}

// How long a writer waits for another's lock (SQLite's file lock,
// PostgreSQL's row lock) before it fails: every transaction is short, so
// a wait this long means a peer is stuck.
inline constexpr int kLockWaitMs = 10000;

// The statements that differ between the backends.
struct Dialect {
	const char *begin;		// opens a write transaction
	const char *bytes_type;		// the column type of a byte string
	// Selects the user named $1, holding whatever keeps other writers
	// of that user out until the transaction ends.
	const char *lock_user;
	// Serializes schema creation between processes (nullptr: begin
	// already does).
	const char *schema_lock;
	// Counts the current schema's tables named in a list that follows.
	const char *count_tables;
};

// One connection.  Not thread-safe: its owner serializes the calls.
class Db {
public:
	virtual ~Db() = default;

	virtual const Dialect &dialect() const = 0;

	// Runs one statement, with $1, $2, ... bound to params in order.
	// `cols` says what each column of the result must be, one letter a
	// column: 'i' an integer, 'b' bytes; a row that differs (or a NULL)
	// is kCorrupt.  Empty `cols` discards whatever rows there are.
	StoreResult<Rows> query(const std::string &sql, std::initializer_list<Param> params = {},
				std::string_view cols = {})
	{
		return run(sql, params, cols);
	}

	// Whether the connection broke (the server went away), and one try
	// to open it again.  A file never breaks.
	virtual bool lost() const { return false; }
	virtual bool reconnect() { return false; }

private:
	virtual StoreResult<Rows> run(const std::string &sql, std::initializer_list<Param> params,
				      std::string_view cols) = 0;
};

} // namespace ks
