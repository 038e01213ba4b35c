// SPDX-License-Identifier: MIT
#include "sqlite.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <system_error>
#include <unordered_map>

#include <sqlite3.h>

#include "schema.hpp"
#include "sql_store.hpp"
#include "txn.hpp"

namespace ks {

namespace {

const Dialect kSqlite = {
	.begin = "BEGIN IMMEDIATE",
	.bytes_type = "BLOB",
	// BEGIN IMMEDIATE has taken the whole file's write lock already.
	.lock_user = "SELECT 1 FROM users WHERE name = $1",
	.schema_lock = nullptr,
	.count_tables = "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN ",
};

StoreErr code_of(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return StoreErr::kCorrupt;
	default:
		return StoreErr::kBackend;
	}
}

// Resets a statement after its use, and drops its bindings: they point
// into the caller's buffers.
struct Reset {
	sqlite3_stmt *st;
	~Reset()
	{
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
};

StoreResult<Cell> cell(sqlite3_stmt *st, int col, char kind)
{
	int type = sqlite3_column_type(st, col);
	if (kind == 'i' && type == SQLITE_INTEGER)
		return sqlite3_column_int64(st, col);
	if (kind == 'b' && type == SQLITE_BLOB) {
		// A zero-length BLOB reads as a null pointer.
		auto p = static_cast<const std::uint8_t *>(sqlite3_column_blob(st, col));
		return Bytes(p, p + sqlite3_column_bytes(st, col));
	}
	return store_error(StoreErr::kCorrupt, "a column of the wrong type");
}

StoreResult<Row> row_of(sqlite3_stmt *st, std::string_view cols)
{
	if (sqlite3_column_count(st) != int(cols.size()))
		return store_error(StoreErr::kCorrupt, "a row of the wrong width");
	Row row;
	for (std::size_t c = 0; c < cols.size(); c++) {
		auto v = cell(st, int(c), cols[c]);
		if (!v)
			return std::unexpected(v.error());
		row.push_back(std::move(*v));
	}
	return row;
}

int bind_one(sqlite3_stmt *st, int idx, const Param &p)
{
	if (auto i = std::get_if<std::int64_t>(&p.value))
		return sqlite3_bind_int64(st, idx, *i);
	auto b = std::get<std::span<const std::uint8_t>>(p.value);
	// A null data pointer would bind NULL, not an empty string.
	if (b.empty())
		return sqlite3_bind_zeroblob(st, idx, 0);
	return sqlite3_bind_blob64(st, idx, b.data(), b.size(), SQLITE_STATIC);
}

// Fsyncs the directory that holds `path`, so that the file's own entry
// survives a power loss (SQLite syncs the directory for its journal and
// log, not for the database file it creates).
bool sync_dir(const std::string &path)
{
	std::filesystem::path dir = std::filesystem::path(path).parent_path();
	int fd = open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return false;
	bool ok = fsync(fd) == 0;
	close(fd);
	return ok;
}

class SqliteDb final : public Db {
public:
	explicit SqliteDb(sqlite3 *db) : db_(db) {}
	~SqliteDb() override;

	const Dialect &dialect() const override { return kSqlite; }

	StoreResult<void> configure();

private:
	StoreResult<Rows> run(const std::string &sql, std::initializer_list<Param> params,
			      std::string_view cols) override;
	std::unexpected<StoreError> failure(int rc, const std::string &what) const
	{
		return store_error(code_of(rc), "sqlite: " + what + ": " + sqlite3_errmsg(db_));
	}
	StoreResult<sqlite3_stmt *> statement(const std::string &sql);
	StoreResult<void> bind(sqlite3_stmt *st, std::initializer_list<Param> params);
	StoreResult<std::string> pragma(const char *sql);

	sqlite3 *db_;
	// Each statement is prepared once, on its first use.
	std::unordered_map<std::string, sqlite3_stmt *> stmts_;
};

SqliteDb::~SqliteDb()
{
	for (auto &[sql, st] : stmts_)
		sqlite3_finalize(st);
	sqlite3_close_v2(db_);
}

StoreResult<sqlite3_stmt *> SqliteDb::statement(const std::string &sql)
{
	if (auto it = stmts_.find(sql); it != stmts_.end())
		return it->second;
	sqlite3_stmt *st = nullptr;
	const char *rest = nullptr;
	int rc = sqlite3_prepare_v3(db_, sql.c_str(), int(sql.size()) + 1, SQLITE_PREPARE_PERSISTENT, &st, &rest);
	if (rc != SQLITE_OK)
		return failure(rc, "preparing \"" + sql + "\"");
	if (rest && *rest) {
		sqlite3_finalize(st);
		return store_error(StoreErr::kBackend, "sqlite: more than one statement in \"" + sql + "\"");
	}
	stmts_.emplace(sql, st);
	return st;
}

StoreResult<void> SqliteDb::bind(sqlite3_stmt *st, std::initializer_list<Param> params)
{
	if (sqlite3_bind_parameter_count(st) != int(params.size()))
		return store_error(StoreErr::kBackend, "sqlite: parameters do not match the statement");
	int n = 0;
	for (const Param &p : params) {
		std::string name = "$" + std::to_string(++n);
		int idx = sqlite3_bind_parameter_index(st, name.c_str());
		if (idx == 0)
			return store_error(StoreErr::kBackend, "sqlite: the statement has no " + name);
		if (int rc = bind_one(st, idx, p); rc != SQLITE_OK)
			return failure(rc, "binding " + name);
	}
	return {};
}

StoreResult<Rows> SqliteDb::run(const std::string &sql, std::initializer_list<Param> params,
				  std::string_view cols)
{
	auto st = statement(sql);
	if (!st)
		return std::unexpected(st.error());
	Reset reset{*st};
	if (auto b = bind(*st, params); !b)
		return std::unexpected(b.error());
	Rows rows;
	for (;;) {
		int rc = sqlite3_step(*st);
		if (rc == SQLITE_DONE)
			return rows;
		if (rc != SQLITE_ROW)
			return failure(rc, "running \"" + sql + "\"");
		if (cols.empty())
			continue;
		auto row = row_of(*st, cols);
		if (!row)
			return std::unexpected(row.error());
		rows.push_back(std::move(*row));
	}
}

// Runs a pragma and returns its answer as text.  Pragmas are set outside
// query(): their answers are text, which the store's tables never hold.
StoreResult<std::string> SqliteDb::pragma(const char *sql)
{
	sqlite3_stmt *st = nullptr;
	int rc = sqlite3_prepare_v2(db_, sql, -1, &st, nullptr);
	if (rc != SQLITE_OK)
		return failure(rc, sql);
	std::string answer;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_text(st, 0))
		answer = reinterpret_cast<const char *>(sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return failure(rc, sql);
	return answer;
}

// The settings every connection needs, each read back: a build or a file
// that ignores one would otherwise lose durability or integrity silently.
StoreResult<void> SqliteDb::configure()
{
	sqlite3_extended_result_codes(db_, 1);
	sqlite3_busy_timeout(db_, kLockWaitMs);
	sqlite3_db_config(db_, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
	struct Setting {
		const char *set, *get, *want;
	};
	const Setting settings[] = {
		{"PRAGMA journal_mode = WAL", "PRAGMA journal_mode", "wal"},
		{"PRAGMA synchronous = FULL", "PRAGMA synchronous", "2"},
		{"PRAGMA foreign_keys = ON", "PRAGMA foreign_keys", "1"},
	};
	for (const Setting &s : settings) {
		auto set = pragma(s.set);
		if (!set)
			return std::unexpected(set.error());
		auto got = pragma(s.get);
		if (!got)
			return std::unexpected(got.error());
		if (*got != s.want)
			return store_error(StoreErr::kBackend, std::string("sqlite: \"") + s.set +
								       "\" did not take: " + *got);
	}
	return {};
}

} // namespace

StoreResult<std::unique_ptr<Store>> open_sqlite(const std::string &path)
{
	if (path.empty() || path.find('\0') != std::string::npos)
		return store_error(StoreErr::kBackend, "sqlite: the path is empty or holds a NUL");
	sqlite3 *handle = nullptr;
	int rc = sqlite3_open_v2(path.c_str(), &handle,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
	// The handle exists even when the open fails, and owns the message.
	auto db = std::make_unique<SqliteDb>(handle);
	if (rc != SQLITE_OK)
		return store_error(StoreErr::kBackend, "sqlite: opening " + path + ": " +
						       (handle ? sqlite3_errmsg(handle) : sqlite3_errstr(rc)));
	if (auto c = db->configure(); !c)
		return std::unexpected(c.error());
	if (auto s = schema_open(*db); !s)
		return std::unexpected(s.error());
	if (!sync_dir(path))
		return store_error(StoreErr::kBackend, "sqlite: syncing the directory of " + path + ": " +
						       std::generic_category().message(errno));
	return make_sql_store(std::move(db));
}

} // namespace ks
