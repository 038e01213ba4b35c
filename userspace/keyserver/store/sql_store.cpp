// SPDX-License-Identifier: MIT
#include "sql_store.hpp"

#include <ctime>
#include <limits>
#include <mutex>
#include <utility>

#include "txn.hpp"

namespace ks {

namespace {

constexpr std::int64_t kFailuresMax = std::numeric_limits<std::uint32_t>::max();

StoreResult<void> done(const StoreResult<Rows> &r)
{
	if (!r)
		return std::unexpected(r.error());
	return {};
}

// The one row a query by primary key can give, if any.
StoreResult<std::optional<Row>> one_row(StoreResult<Rows> r)
{
	if (!r)
		return std::unexpected(r.error());
	if (r->size() > 1)
		return store_error(StoreErr::kCorrupt, "several rows for one key");
	if (r->empty())
		return std::nullopt;
	return std::move(r->front());
}

StoreResult<void> lock_user(Db &db, const std::string &user)
{
	auto row = one_row(db.query(db.dialect().lock_user, {user}, "i"));
	if (!row)
		return std::unexpected(row.error());
	if (!*row)
		return store_error(StoreErr::kNotFound, "no such user");
	return {};
}

StoreResult<AuditTail> audit_tail(Db &db, const std::string &user)
{
	auto rows = db.query("SELECT seq, mac FROM audit WHERE user_name = $1 ORDER BY seq DESC LIMIT 1",
			     {user}, "ib");
	if (!rows)
		return std::unexpected(rows.error());
	AuditTail tail;
	if (rows->empty())
		return tail;
	const Row &r = rows->front();
	if (integer(r, 0) <= 0)
		return store_error(StoreErr::kCorrupt, "an audit entry numbered below 1");
	tail.seq = std::uint64_t(integer(r, 0));
	tail.mac = bytes(r, 1);
	return tail;
}

StoreResult<void> check_entry(const AuditEntry &e, const AuditTail &tail)
{
	if (tail.seq >= std::uint64_t(std::numeric_limits<std::int64_t>::max()))
		return store_error(StoreErr::kLimit, "the user's audit chain is full");
	if (e.seq != tail.seq + 1)
		return store_error(StoreErr::kCorrupt, "audit entry " + std::to_string(e.seq) +
							       " cannot follow entry " + std::to_string(tail.seq));
	if (e.mac.empty())
		return store_error(StoreErr::kCorrupt, "audit entry without a MAC");
	return {};
}

// Appends the maker's entry after the user's tail, in the caller's
// transaction, which holds the user's row.
StoreResult<void> append(Db &db, const std::string &user, const AuditMaker &maker)
{
	auto tail = audit_tail(db, user);
	if (!tail)
		return std::unexpected(tail.error());
	const AuditEntry e = maker(*tail);
	if (auto ok = check_entry(e, *tail); !ok)
		return ok;
	return done(db.query("INSERT INTO audit (user_name, seq, time, op, target, outcome, mac) "
			     "VALUES ($1, $2, $3, $4, $5, $6, $7)",
			     {user, std::int64_t(e.seq), e.time, e.op, e.target, e.outcome, e.mac}));
}

std::string as_string(const Bytes &b)
{
	return std::string(b.begin(), b.end());
}

std::int64_t now()
{
	return std::int64_t(std::time(nullptr));
}

class SqlStore final : public Store {
public:
	explicit SqlStore(std::unique_ptr<Db> db) : db_(std::move(db)) {}

	StoreResult<Bytes> meta_put_once(const std::string &name, const Bytes &value) override;
	StoreResult<std::optional<Bytes>> meta_get(const std::string &name) override;
	StoreResult<void> user_put(const std::string &user, const Bytes &record, const AuditMaker &audit) override;
	StoreResult<std::optional<Bytes>> user_get(const std::string &user) override;
	StoreResult<Failures> failures(const std::string &user) override;
	StoreResult<void> fail(const std::string &user, std::int64_t now) override;
	StoreResult<void> reset_failures(const std::string &user) override;
	StoreResult<void> secret_put(const std::string &user, const std::string &id, const Bytes &blob,
				     std::size_t max_secrets, const AuditMaker &audit) override;
	StoreResult<Bytes> secret_get(const std::string &user, const std::string &id,
				      const AuditMaker &audit) override;
	StoreResult<void> secret_delete(const std::string &user, const std::string &id,
					const AuditMaker &audit) override;
	StoreResult<std::vector<std::string>> secret_list(const std::string &user, const AuditMaker &audit) override;
	StoreResult<void> audit_append(const std::string &user, const AuditMaker &audit) override;
	StoreResult<std::vector<AuditEntry>> audit_read(const std::string &user, const AuditMaker &audit) override;

private:
	// Runs body (returning a StoreResult) as one write transaction.
	template <class F>
	auto write(F &&body)
	{
		std::lock_guard<std::mutex> g(mu_);
		return write_txn(*db_, body);
	}

	// Runs body (one statement: it needs no transaction); a read cut
	// off by a lost connection is simply asked again.
	template <class F>
	auto read(F &&body)
	{
		using R = std::invoke_result_t<F &>;
		std::lock_guard<std::mutex> g(mu_);
		if (db_->lost() && !db_->reconnect())
			return R(store_error(StoreErr::kBackend, "connection lost and not restored"));
		R r = no_throw<R>(body);
		if (r || !db_->lost() || !db_->reconnect())
			return r;
		return no_throw<R>(body);
	}

	std::mutex mu_;			// serializes every use of db_
	std::unique_ptr<Db> db_;
};

StoreResult<Bytes> SqlStore::meta_put_once(const std::string &name, const Bytes &value)
{
	return write([&]() -> StoreResult<Bytes> {
		auto put = db_->query("INSERT INTO meta (name, value) VALUES ($1, $2) "
				      "ON CONFLICT (name) DO NOTHING",
				      {name, value});
		if (!put)
			return std::unexpected(put.error());
		auto row = one_row(db_->query("SELECT value FROM meta WHERE name = $1", {name}, "b"));
		if (!row)
			return std::unexpected(row.error());
		if (!*row)
			return store_error(StoreErr::kCorrupt, "a meta value put is not there");
		return bytes(**row, 0);
	});
}

StoreResult<std::optional<Bytes>> SqlStore::meta_get(const std::string &name)
{
	return read([&]() -> StoreResult<std::optional<Bytes>> {
		auto row = one_row(db_->query("SELECT value FROM meta WHERE name = $1", {name}, "b"));
		if (!row)
			return std::unexpected(row.error());
		if (!*row)
			return std::nullopt;
		return bytes(**row, 0);
	});
}

StoreResult<void> SqlStore::user_put(const std::string &user, const Bytes &record, const AuditMaker &audit)
{
	return write([&]() -> StoreResult<void> {
		auto put = db_->query("INSERT INTO users (name, record, created) VALUES ($1, $2, $3) "
				      "ON CONFLICT (name) DO NOTHING RETURNING 1",
				      {user, record, now()}, "i");
		if (!put)
			return std::unexpected(put.error());
		if (put->empty())
			return store_error(StoreErr::kExists, "the user name is taken");
		return append(*db_, user, audit);
	});
}

StoreResult<std::optional<Bytes>> SqlStore::user_get(const std::string &user)
{
	return read([&]() -> StoreResult<std::optional<Bytes>> {
		auto row = one_row(db_->query("SELECT record FROM users WHERE name = $1", {user}, "b"));
		if (!row)
			return std::unexpected(row.error());
		if (!*row)
			return std::nullopt;
		return bytes(**row, 0);
	});
}

StoreResult<Store::Failures> SqlStore::failures(const std::string &user)
{
	return read([&]() -> StoreResult<Failures> {
		auto row = one_row(db_->query("SELECT count, last FROM failures WHERE user_name = $1",
					      {user}, "ii"));
		if (!row)
			return std::unexpected(row.error());
		if (!*row)
			return Failures{};
		std::int64_t count = integer(**row, 0);
		if (count < 0 || count > kFailuresMax)
			return store_error(StoreErr::kCorrupt, "a failure count out of range");
		return Failures{std::uint32_t(count), integer(**row, 1)};
	});
}

StoreResult<void> SqlStore::fail(const std::string &user, std::int64_t when)
{
	// The count stops at its type's maximum rather than wrap to zero.
	return write([&]() -> StoreResult<void> {
		return done(db_->query("INSERT INTO failures (user_name, count, last) VALUES ($1, 1, $2) "
				       "ON CONFLICT (user_name) DO UPDATE SET "
				       "count = CASE WHEN failures.count < $3 THEN failures.count + 1 "
				       "ELSE failures.count END, last = excluded.last",
				       {user, when, kFailuresMax}));
	});
}

StoreResult<void> SqlStore::reset_failures(const std::string &user)
{
	return write([&]() -> StoreResult<void> {
		return done(db_->query("DELETE FROM failures WHERE user_name = $1", {user}));
	});
}

StoreResult<void> SqlStore::secret_put(const std::string &user, const std::string &id, const Bytes &blob,
				       std::size_t max_secrets, const AuditMaker &audit)
{
	return write([&]() -> StoreResult<void> {
		if (auto u = lock_user(*db_, user); !u)
			return u;
		auto taken = db_->query("SELECT 1 FROM secrets WHERE user_name = $1 AND id = $2", {user, id}, "i");
		if (!taken)
			return std::unexpected(taken.error());
		if (!taken->empty())
			return store_error(StoreErr::kExists, "the secret id is taken");
		auto n = one_row(db_->query("SELECT count(*) FROM secrets WHERE user_name = $1", {user}, "i"));
		if (!n)
			return std::unexpected(n.error());
		if (!*n || integer(**n, 0) < 0)
			return store_error(StoreErr::kCorrupt, "counting secrets gave no count");
		if (std::uint64_t(integer(**n, 0)) >= max_secrets)
			return store_error(StoreErr::kLimit, "the user has " + std::to_string(max_secrets) +
							     " secrets, the most allowed");
		auto put = db_->query("INSERT INTO secrets (user_name, id, blob, created) VALUES ($1, $2, $3, $4)",
				      {user, id, blob, now()});
		if (!put)
			return std::unexpected(put.error());
		return append(*db_, user, audit);
	});
}

StoreResult<Bytes> SqlStore::secret_get(const std::string &user, const std::string &id, const AuditMaker &audit)
{
	return write([&]() -> StoreResult<Bytes> {
		if (auto u = lock_user(*db_, user); !u)
			return std::unexpected(u.error());
		auto row = one_row(db_->query("SELECT blob FROM secrets WHERE user_name = $1 AND id = $2",
					      {user, id}, "b"));
		if (!row)
			return std::unexpected(row.error());
		if (!*row)
			return store_error(StoreErr::kNotFound, "no such secret");
		if (auto a = append(*db_, user, audit); !a)
			return std::unexpected(a.error());
		return bytes(**row, 0);
	});
}

StoreResult<void> SqlStore::secret_delete(const std::string &user, const std::string &id, const AuditMaker &audit)
{
	return write([&]() -> StoreResult<void> {
		if (auto u = lock_user(*db_, user); !u)
			return u;
		auto gone = db_->query("DELETE FROM secrets WHERE user_name = $1 AND id = $2 RETURNING 1",
				       {user, id}, "i");
		if (!gone)
			return std::unexpected(gone.error());
		if (gone->empty())
			return store_error(StoreErr::kNotFound, "no such secret");
		return append(*db_, user, audit);
	});
}

StoreResult<std::vector<std::string>> SqlStore::secret_list(const std::string &user, const AuditMaker &audit)
{
	return write([&]() -> StoreResult<std::vector<std::string>> {
		if (auto u = lock_user(*db_, user); !u)
			return std::unexpected(u.error());
		auto rows = db_->query("SELECT id FROM secrets WHERE user_name = $1 ORDER BY id", {user}, "b");
		if (!rows)
			return std::unexpected(rows.error());
		if (auto a = append(*db_, user, audit); !a)
			return std::unexpected(a.error());
		std::vector<std::string> ids;
		for (const Row &r : *rows)
			ids.push_back(as_string(bytes(r, 0)));
		return ids;
	});
}

StoreResult<void> SqlStore::audit_append(const std::string &user, const AuditMaker &audit)
{
	return write([&]() -> StoreResult<void> {
		if (auto u = lock_user(*db_, user); !u)
			return u;
		return append(*db_, user, audit);
	});
}

AuditEntry entry_of(const Row &r)
{
	AuditEntry e;
	e.seq = std::uint64_t(integer(r, 0));
	e.time = integer(r, 1);
	e.op = as_string(bytes(r, 2));
	e.target = as_string(bytes(r, 3));
	e.outcome = as_string(bytes(r, 4));
	e.mac = bytes(r, 5);
	return e;
}

StoreResult<std::vector<AuditEntry>> SqlStore::audit_read(const std::string &user, const AuditMaker &audit)
{
	return write([&]() -> StoreResult<std::vector<AuditEntry>> {
		if (auto u = lock_user(*db_, user); !u)
			return std::unexpected(u.error());
		if (auto a = append(*db_, user, audit); !a)
			return std::unexpected(a.error());
		auto rows = db_->query("SELECT seq, time, op, target, outcome, mac FROM audit "
				       "WHERE user_name = $1 ORDER BY seq",
				       {user}, "iibbbb");
		if (!rows)
			return std::unexpected(rows.error());
		std::vector<AuditEntry> chain;
		for (const Row &r : *rows)
			chain.push_back(entry_of(r));
		return chain;
	});
}

} // namespace

std::unique_ptr<Store> make_sql_store(std::unique_ptr<Db> db)
{
	return std::make_unique<SqlStore>(std::move(db));
}

} // namespace ks
