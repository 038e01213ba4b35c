// SPDX-License-Identifier: MIT
//
// Every statement goes through PQexecParams: parameters are sent apart
// from the SQL, in binary (bytes as BYTEA, integers as 8-byte big-endian
// INT8), and results come back in binary too.
#include "postgres.hpp"

#include <array>
#include <limits>
#include <memory>
#include <vector>

#include <libpq-fe.h>

#include "schema.hpp"
#include "sql_store.hpp"
#include "txn.hpp"

namespace ks {

namespace {

// PostgreSQL's fixed type OIDs (pg_type.dat); libpq does not export them.
enum : Oid {
	kBytea = 17,
	kInt8 = 20,
	kInt2 = 21,
	kInt4 = 23,
};

const Dialect kPostgres = {
	// READ COMMITTED: writers take turns on row locks (the user's row,
	// or the key an upsert writes), not on snapshots, so no transaction
	// fails because of a concurrent one.
	.begin = "BEGIN",
	.bytes_type = "BYTEA",
	.lock_user = "SELECT 1 FROM users WHERE name = $1 FOR UPDATE",
	// "ks-store" in ASCII: the advisory lock that servers creating the
	// tables at once take turns on.
	.schema_lock = "SELECT pg_advisory_xact_lock(7742582158277964389)",
	.count_tables = "SELECT count(*) FROM pg_catalog.pg_tables "
			"WHERE schemaname = current_schema() AND tablename IN ",
};

struct ResultFree {
	void operator()(PGresult *r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultFree>;

std::array<char, 8> be64(std::int64_t v)
{
	std::array<char, 8> b;
	for (int i = 0; i < 8; i++)
		b[i] = char(std::uint64_t(v) >> (56 - 8 * i));
	return b;
}

std::int64_t from_be(const char *p, int len)
{
	// Sign-extend from the first byte.
	std::uint64_t v = std::uint64_t(std::int64_t(std::int8_t(p[0])));
	for (int i = 1; i < len; i++)
		v = (v << 8) | std::uint8_t(p[i]);
	return std::int64_t(v);
}

StoreResult<Cell> cell(const PGresult *r, int row, int col, char kind)
{
	const char *p = PQgetvalue(r, row, col);
	int len = PQgetlength(r, row, col);
	Oid type = PQftype(r, col);
	if (PQgetisnull(r, row, col))
		return store_error(StoreErr::kCorrupt, "postgres: a NULL where a value belongs");
	if (kind == 'i' && ((type == kInt8 && len == 8) || (type == kInt4 && len == 4) ||
			    (type == kInt2 && len == 2)))
		return from_be(p, len);
	if (kind == 'b' && type == kBytea)
		return Bytes(p, p + len);
	return store_error(StoreErr::kCorrupt, "postgres: a column of the wrong type");
}

StoreResult<Rows> rows_of(const PGresult *r, std::string_view cols)
{
	Rows rows;
	if (cols.empty())
		return rows;
	if (PQnfields(r) != int(cols.size()))
		return store_error(StoreErr::kCorrupt, "postgres: a row of the wrong width");
	for (int i = 0; i < PQntuples(r); i++) {
		Row row;
		for (std::size_t c = 0; c < cols.size(); c++) {
			auto v = cell(r, i, int(c), cols[c]);
			if (!v)
				return std::unexpected(v.error());
			row.push_back(std::move(*v));
		}
		rows.push_back(std::move(row));
	}
	return rows;
}

// The SQLSTATEs of data found damaged (class XX: data_corrupted,
// index_corrupted).
StoreErr code_of(const PGresult *r)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
	std::string_view s = state ? state : "";
	return s == "XX001" || s == "XX002" ? StoreErr::kCorrupt : StoreErr::kBackend;
}

// The parameters as PQexecParams takes them, all in binary.  `values`
// point into `ints` and into the caller's bytes, so a Wire stays put.
struct Wire {
	explicit Wire(std::size_t n) : types(n), values(n), lengths(n), formats(n, 1), ints(n) {}
	Wire(const Wire &) = delete;
	Wire &operator=(const Wire &) = delete;

	std::vector<Oid> types;
	std::vector<const char *> values;
	std::vector<int> lengths, formats;
	std::vector<std::array<char, 8>> ints;
};

StoreResult<void> encode(std::initializer_list<Param> params, Wire &w)
{
	static const char kEmpty[1] = {};
	std::size_t i = 0;
	for (const Param &p : params) {
		if (auto v = std::get_if<std::int64_t>(&p.value)) {
			w.ints[i] = be64(*v);
			w.types[i] = kInt8;
			w.values[i] = w.ints[i].data();
			w.lengths[i] = 8;
		} else {
			auto b = std::get<std::span<const std::uint8_t>>(p.value);
			if (b.size() > std::size_t(std::numeric_limits<int>::max()))
				return store_error(StoreErr::kBackend, "postgres: a value too long to send");
			w.types[i] = kBytea;
			// A null pointer would send NULL, not an empty string.
			w.values[i] = b.empty() ? kEmpty : reinterpret_cast<const char *>(b.data());
			w.lengths[i] = int(b.size());
		}
		i++;
	}
	return {};
}

class PgDb final : public Db {
public:
	explicit PgDb(PGconn *conn) : conn_(conn) {}
	~PgDb() override { PQfinish(conn_); }

	const Dialect &dialect() const override { return kPostgres; }
	bool lost() const override { return PQstatus(conn_) == CONNECTION_BAD; }
	bool reconnect() override;

	StoreResult<void> start_session();
	std::string message() const { return conn_ ? PQerrorMessage(conn_) : "out of memory"; }

private:
	StoreResult<Rows> run(const std::string &sql, std::initializer_list<Param> params,
			      std::string_view cols) override;
	PGconn *conn_;
};

StoreResult<Rows> PgDb::run(const std::string &sql, std::initializer_list<Param> params,
			   std::string_view cols)
{
	Wire w(params.size());
	if (auto e = encode(params, w); !e)
		return std::unexpected(e.error());
	Result r(PQexecParams(conn_, sql.c_str(), int(params.size()), w.types.data(), w.values.data(),
			      w.lengths.data(), w.formats.data(), 1));
	ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		return store_error(code_of(r.get()), "postgres: " + (r ? PQresultErrorMessage(r.get()) : message()));
	return rows_of(r.get(), cols);
}

// Settings for each session: commits acknowledged only once they are on
// disk (a server set to synchronous_commit=off would lose the last ones
// in a crash; any other setting keeps them), and a bound on waits for
// another writer's row lock.
StoreResult<void> PgDb::start_session()
{
	auto durable = query("SELECT set_config('synchronous_commit', 'on', false) "
			     "WHERE current_setting('synchronous_commit') = 'off'");
	if (!durable)
		return std::unexpected(durable.error());
	auto wait = query("SELECT set_config('lock_timeout', $1::text, false)", {std::int64_t(kLockWaitMs)});
	if (!wait)
		return std::unexpected(wait.error());
	return {};
}

bool PgDb::reconnect()
{
	PQreset(conn_);
	return PQstatus(conn_) == CONNECTION_OK && start_session();
}

} // namespace

StoreResult<std::unique_ptr<Store>> open_postgres(const std::string &uri)
{
	if (uri.find('\0') != std::string::npos)
		return store_error(StoreErr::kBackend, "postgres: the URI holds a NUL");
	// PQconnectdb returns a connection even when it fails: it holds the
	// message.
	auto db = std::make_unique<PgDb>(PQconnectdb(uri.c_str()));
	if (db->lost())
		return store_error(StoreErr::kBackend, "postgres: cannot connect: " + db->message());
	if (auto s = db->start_session(); !s)
		return std::unexpected(s.error());
	if (auto s = schema_open(*db); !s)
		return std::unexpected(s.error());
	return make_sql_store(std::move(db));
}

} // namespace ks
