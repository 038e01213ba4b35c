// SPDX-License-Identifier: GPL-2.0 OR MIT
// The key server's store (userspace/keyserver/store) on both backends,
// natively under ASan/UBSan.  One suite runs on SQLite (files in a
// temporary directory) and on PostgreSQL (a private cluster started here,
// pg_cluster.hpp): users, secrets, limits, odd names, the audit chain and
// its maker's contract, failure counters, meta values, schema versions,
// and two Stores appending to one user's chain from two threads.  Then
// what belongs to one backend: a SQLite writer SIGKILLed in a burst of
// puts, and a PostgreSQL connection cut by the server.  A missing
// PostgreSQL is a failure, not a skip.  Prints the number of checks; exits
// non-zero if any failed.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <set>
#include <source_location>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <sqlite3.h>

#include "pg_cluster.hpp"
#include "store/store.hpp"

namespace {

using ks::AuditEntry;
using ks::AuditMaker;
using ks::AuditTail;
using ks::Bytes;
using ks::Store;
using ks::StoreErr;

int checks, failed;

void check(bool ok, std::string_view what, std::source_location at = std::source_location::current())
{
	checks++;
	if (ok)
		return;
	failed++;
	std::fprintf(stderr, "FAIL %s:%u: %.*s\n", at.file_name(), unsigned(at.line()), int(what.size()),
		     what.data());
}

template <class T>
bool is_err(const ks::StoreResult<T> &r, StoreErr code)
{
	return !r && r.error().code == code;
}

Bytes b(std::string_view s)
{
	return Bytes(s.begin(), s.end());
}

// A stand-in for the server's HSM MAC: FNV-1a over the previous MAC and
// the entry, so that a maker handed the wrong tail makes a chain that
// chain_ok() refuses.
Bytes toy_mac(const Bytes &prev, const AuditEntry &e)
{
	std::uint64_t h = 14695981039346656037ull;
	auto mix = [&h](std::string_view s) {
		for (unsigned char c : s)
			h = (h ^ c) * 1099511628211ull;
		h = (h ^ s.size()) * 1099511628211ull;
	};
	mix(std::string_view(reinterpret_cast<const char *>(prev.data()), prev.size()));
	mix(std::to_string(e.seq) + "/" + std::to_string(e.time));
	mix(e.op);
	mix(e.target);
	mix(e.outcome);
	Bytes mac(8);
	for (int i = 0; i < 8; i++)
		mac[i] = std::uint8_t(h >> (8 * i));
	return mac;
}

AuditEntry next_entry(const AuditTail &t, const std::string &op, const std::string &target)
{
	AuditEntry e;
	e.seq = t.seq + 1;
	e.time = 1700000000 + std::int64_t(e.seq);
	e.op = op;
	e.target = target;
	e.outcome = "ok";
	e.mac = toy_mac(t.mac, e);
	return e;
}

AuditMaker maker(std::string op, std::string target = "")
{
	return [op, target](const AuditTail &t) { return next_entry(t, op, target); };
}

// Numbered 1..n, each MAC made from the one before.
bool chain_ok(const std::vector<AuditEntry> &chain)
{
	AuditTail tail;
	for (const AuditEntry &e : chain) {
		if (e.seq != tail.seq + 1 || e.mac != toy_mac(tail.mac, e))
			return false;
		tail = {e.seq, e.mac};
	}
	return true;
}

// The ops of a user's chain (read with a final "audit" entry).
std::vector<std::string> chain_ops(Store &s, const std::string &user)
{
	auto chain = s.audit_read(user, maker("audit"));
	check(chain.has_value(), "audit_read of " + user);
	if (!chain)
		return {};
	check(chain_ok(*chain), "the chain of " + user + " is numbered 1..n and linked");
	std::vector<std::string> ops;
	for (const AuditEntry &e : *chain)
		ops.push_back(e.op);
	return ops;
}

using Ops = std::vector<std::string>;

void test_users(Store &s)
{
	check(s.user_put("alice", b("record-a"), maker("register")).has_value(), "user_put of a new user");
	check(is_err(s.user_put("alice", b("record-b"), maker("register")), StoreErr::kExists),
	      "user_put of a taken name is kExists");
	auto got = s.user_get("alice");
	check(got && *got && **got == b("record-a"), "user_get returns the first record");
	auto none = s.user_get("bob");
	check(none && !*none, "user_get of an unknown user is empty");
	check(is_err(s.audit_read("bob", maker("audit")), StoreErr::kNotFound), "audit_read of an unknown user");
	check(is_err(s.audit_append("bob", maker("login")), StoreErr::kNotFound),
	      "audit_append for an unknown user");
	check(chain_ops(s, "alice") == Ops{"register", "audit"}, "the refused user_put appended nothing");
}

void test_secrets(Store &s)
{
	const std::string u = "carol";
	check(s.user_put(u, b("rec"), maker("register")).has_value(), "user_put carol");
	check(s.secret_put(u, "b-id", b("blob-b"), 10, maker("store", "b-id")).has_value(), "secret_put b-id");
	check(s.secret_put(u, "a-id", b("blob-a"), 10, maker("store", "a-id")).has_value(), "secret_put a-id");
	check(is_err(s.secret_put(u, "a-id", b("other"), 10, maker("store", "a-id")), StoreErr::kExists),
	      "secret_put of a taken id is kExists");
	auto a = s.secret_get(u, "a-id", maker("retrieve", "a-id"));
	check(a && *a == b("blob-a"), "secret_get returns the first blob, not overwritten");
	check(is_err(s.secret_get(u, "zz", maker("retrieve")), StoreErr::kNotFound), "secret_get of no such id");
	check(is_err(s.secret_put("nobody", "x", b("x"), 10, maker("store")), StoreErr::kNotFound),
	      "secret_put for an unknown user");
	check(is_err(s.secret_get("nobody", "x", maker("retrieve")), StoreErr::kNotFound),
	      "secret_get for an unknown user");
	check(is_err(s.secret_list("nobody", maker("list")), StoreErr::kNotFound), "secret_list of an unknown user");
	auto ids = s.secret_list(u, maker("list"));
	check(ids && *ids == std::vector<std::string>{"a-id", "b-id"}, "secret_list, in byte order");
	check(s.secret_delete(u, "a-id", maker("delete", "a-id")).has_value(), "secret_delete");
	check(is_err(s.secret_get(u, "a-id", maker("retrieve")), StoreErr::kNotFound), "a deleted secret is gone");
	check(is_err(s.secret_delete(u, "a-id", maker("delete")), StoreErr::kNotFound), "deleting it again");
	ids = s.secret_list(u, maker("list"));
	check(ids && *ids == std::vector<std::string>{"b-id"}, "secret_list after the delete");
	check(chain_ops(s, u) == Ops{"register", "store", "store", "retrieve", "list", "delete", "list", "audit"},
	      "one entry per successful call, none for the refused ones");
}

// The makers the store must refuse, each with nothing written.
void test_maker_contract(Store &s)
{
	const std::string u = "dave";
	check(s.user_put(u, b("rec"), maker("register")).has_value(), "user_put dave");
	AuditMaker skips = [](const AuditTail &t) {
		AuditEntry e = next_entry(t, "store", "s1");
		e.seq++;
		return e;
	};
	AuditMaker unmaced = [](const AuditTail &t) {
		AuditEntry e = next_entry(t, "store", "s1");
		e.mac.clear();
		return e;
	};
	AuditMaker throws = [](const AuditTail &) -> AuditEntry { throw std::runtime_error("hsm gone"); };
	check(is_err(s.secret_put(u, "s1", b("x"), 10, skips), StoreErr::kCorrupt), "an entry skipping a number");
	check(is_err(s.secret_put(u, "s1", b("x"), 10, unmaced), StoreErr::kCorrupt), "an entry without a MAC");
	check(is_err(s.secret_put(u, "s1", b("x"), 10, throws), StoreErr::kBackend), "a maker that throws");
	check(is_err(s.secret_get(u, "s1", maker("retrieve")), StoreErr::kNotFound),
	      "none of the refused puts stored the secret");
	check(s.secret_put(u, "s1", b("x"), 10, maker("store", "s1")).has_value(), "then a good put");
	check(chain_ops(s, u) == Ops{"register", "store", "audit"}, "the refused entries left no trace");
}

void test_failures(Store &s)
{
	auto f = s.failures("erin");
	check(f && f->count == 0 && f->last == 0, "no failures at first");
	for (std::int64_t t : {100, 200, 300})
		check(s.fail("erin", t).has_value(), "fail");
	f = s.failures("erin");
	check(f && f->count == 3 && f->last == 300, "three failures, the last at 300");
	f = s.failures("frank");
	check(f && f->count == 0, "another name's count is its own");
	check(s.reset_failures("erin").has_value(), "reset_failures");
	f = s.failures("erin");
	check(f && f->count == 0 && f->last == 0, "cleared by the reset");
	check(s.fail("erin", 400).has_value(), "fail after the reset");
	f = s.failures("erin");
	check(f && f->count == 1 && f->last == 400, "counting again from one");
}

void test_meta(Store &s)
{
	auto none = s.meta_get("oprf-seed");
	check(none && !*none, "meta_get of an absent name");
	auto first = s.meta_put_once("oprf-seed", b("first"));
	check(first && *first == b("first"), "meta_put_once of a new name returns its value");
	auto second = s.meta_put_once("oprf-seed", b("second"));
	check(second && *second == b("first"), "a second meta_put_once returns the first value");
	auto got = s.meta_get("oprf-seed");
	check(got && *got && **got == b("first"), "meta_get returns the first value");
	auto empty = s.meta_put_once("empty", {});
	got = s.meta_get("empty");
	check(empty && empty->empty() && got && *got && (*got)->empty(), "an empty value is kept, not absent");
}

void test_limits(Store &s)
{
	const std::string u = "gina";
	check(s.user_put(u, b("rec"), maker("register")).has_value(), "user_put gina");
	for (const char *id : {"1", "2", "3"})
		check(s.secret_put(u, id, b(id), 3, maker("store", id)).has_value(), "a put under max_secrets");
	check(is_err(s.secret_put(u, "4", b("4"), 3, maker("store", "4")), StoreErr::kLimit),
	      "the put past max_secrets is kLimit");
	auto ids = s.secret_list(u, maker("list"));
	check(ids && ids->size() == 3, "three secrets kept");
	check(chain_ops(s, u) == Ops{"register", "store", "store", "store", "list", "audit"},
	      "the refused put appended nothing");
	check(s.user_put("hank", b("rec"), maker("register")).has_value(), "user_put hank");
	check(is_err(s.secret_put("hank", "1", b("1"), 0, maker("store")), StoreErr::kLimit), "max_secrets 0");
}

void test_big_blob(Store &s)
{
	const std::string u = "ivan";
	check(s.user_put(u, b("rec"), maker("register")).has_value(), "user_put ivan");
	Bytes big(1 << 20);
	for (std::size_t i = 0; i < big.size(); i++)
		big[i] = std::uint8_t(i * 7 + i / 251);
	check(s.secret_put(u, "big", big, 10, maker("store", "big")).has_value(), "secret_put of 1 MiB");
	auto got = s.secret_get(u, "big", maker("retrieve", "big"));
	check(got && *got == big, "the 1 MiB blob comes back whole");
	check(s.secret_put(u, "empty", {}, 10, maker("store", "empty")).has_value(), "secret_put of an empty blob");
	got = s.secret_get(u, "empty", maker("retrieve", "empty"));
	check(got && got->empty(), "the empty blob comes back empty");
}

// Names with NULs, bytes that are not UTF-8, and the empty name: each is
// its own key.
void test_odd_names(Store &s)
{
	const std::vector<std::string> users = {std::string("u\0a", 3), std::string("u\0b", 3), "u",
						"\xff\xfe", ""};
	for (const std::string &u : users)
		check(s.user_put(u, b("record of " + u), maker("register")).has_value(), "user_put of an odd name");
	for (const std::string &u : users) {
		auto got = s.user_get(u);
		check(got && *got && **got == b("record of " + u), "each odd name has its own record");
	}
	std::vector<std::string> ids = {std::string("i\0\x01", 3), "\xc3\x28", "", std::string(1, '\0')};
	for (const std::string &id : ids)
		check(s.secret_put(users[0], id, b("blob " + id), 10, maker("store", id)).has_value(),
		      "secret_put of an odd id");
	std::sort(ids.begin(), ids.end());
	auto listed = s.secret_list(users[0], maker("list"));
	check(listed && *listed == ids, "odd ids listed exactly, in byte order");
	for (const std::string &id : ids) {
		auto got = s.secret_get(users[0], id, maker("retrieve", id));
		check(got && *got == b("blob " + id), "each odd id has its own blob");
	}
	auto other = s.secret_list(users[1], maker("list"));
	check(other && other->empty(), "a name differing after a NUL is another user");
}

// A database reached two ways: through a Store (by URL) and directly, to
// change what the store would never write.
struct Backend {
	const char *name;
	std::function<std::string(const std::string &db)> create;	// a new database's URL
	std::function<bool(const std::string &db, const std::string &sql)> exec;
};

void test_schema(const Backend &be)
{
	const std::string url = be.create("schema");
	{
		auto s = ks::open_store(url);
		check(s && (*s)->user_put("keep", b("rec"), maker("register")).has_value(), "a new database");
	}
	check(be.exec("schema", "UPDATE schema_version SET version = " + std::to_string(ks::kSchemaVersion + 1)),
	      "writing a future version");
	auto future = ks::open_store(url);
	check(is_err(future, StoreErr::kSchema), "a database of a future version is refused");
	check(be.exec("schema", "UPDATE schema_version SET version = " + std::to_string(ks::kSchemaVersion)),
	      "writing this version back");
	{
		auto s = ks::open_store(url);
		auto got = s ? (*s)->user_get("keep") : ks::StoreResult<std::optional<Bytes>>();
		check(got && *got && **got == b("rec"), "the refused open altered nothing");
	}
	check(be.exec("schema", "DROP TABLE schema_version"), "dropping the version table");
	check(is_err(ks::open_store(url), StoreErr::kSchema), "tables without a version are refused");
}

// Appends `n` entries for `user`; returns how many failed.
int append_many(Store &s, const std::string &user, int n, const std::string &op)
{
	int bad = 0;
	for (int i = 0; i < n; i++)
		bad += !s.audit_append(user, maker(op)).has_value();
	return bad;
}

void test_concurrent(const Backend &be)
{
	constexpr int kEach = 150;
	const std::string url = be.create("concurrent");
	auto s1 = ks::open_store(url), s2 = ks::open_store(url);
	check(s1 && s2, "two Stores on one database");
	if (!s1 || !s2)
		return;
	check((*s1)->user_put("judy", b("rec"), maker("register")).has_value(), "user_put judy");
	int bad1 = 0, bad2 = 0;
	std::thread t1([&] { bad1 = append_many(**s1, "judy", kEach, "one"); });
	std::thread t2([&] { bad2 = append_many(**s2, "judy", kEach, "two"); });
	t1.join();
	t2.join();
	check(bad1 == 0 && bad2 == 0, "every concurrent append succeeded");
	auto chain = (*s2)->audit_read("judy", maker("audit"));
	check(chain && chain->size() == 2 + 2 * kEach, "2N + 2 entries");
	check(chain && chain_ok(*chain), "seq 1..2N+2 without gaps or duplicates, each linked to its tail");
	if (!chain)
		return;
	auto ones = std::count_if(chain->begin(), chain->end(), [](const AuditEntry &e) { return e.op == "one"; });
	check(ones == kEach, "each thread's entries all there");
}

void test_open_urls(const std::string &dir)
{
	check(is_err(ks::open_store("mysql://localhost/x"), StoreErr::kBackend), "an unknown scheme");
	check(!ks::open_store("").has_value(), "an empty URL");
	check(!ks::open_store("sqlite:").has_value(), "sqlite: without a path");
	check(!ks::open_store("sqlite:" + dir + "/no/such/dir/x.db").has_value(), "a path that cannot be made");
	check(!ks::open_store(std::string("sqlite:") + dir + std::string("/a\0b", 4)).has_value(),
	      "a path with a NUL");
	check(is_err(ks::open_store("postgresql://127.0.0.1:1/none?connect_timeout=2"), StoreErr::kBackend),
	      "a server that is not there");
	check(ks::open_store(dir + "/bare.db").has_value(), "a bare path is a SQLite file");
}

void run_suite(const Backend &be)
{
	std::printf("== %s\n", be.name);
	auto s = ks::open_store(be.create("suite"));
	check(s.has_value(), std::string("opening a new ") + be.name + " database" +
				     (s ? "" : ": " + s.error().message));
	if (!s)
		return;
	test_users(**s);
	test_secrets(**s);
	test_maker_contract(**s);
	test_failures(**s);
	test_meta(**s);
	test_limits(**s);
	test_big_blob(**s);
	test_odd_names(**s);
	test_schema(be);
	test_concurrent(be);
}

// --- SQLite: a writer SIGKILLed in the middle of a burst -------------------

std::string crash_id(std::uint32_t i)
{
	return "s" + std::to_string(i);
}

Bytes crash_blob(std::uint32_t i)
{
	Bytes blob(4096);
	for (std::size_t k = 0; k < blob.size(); k++)
		blob[k] = std::uint8_t(i * 131 + k);
	return blob;
}

// Puts secrets until killed, writing each one's number to `fd` once its
// put has returned.
[[noreturn]] void crash_child(const std::string &url, const std::string &user, int fd)
{
	auto s = ks::open_store(url);
	if (!s)
		_exit(2);
	for (std::uint32_t i = 0;; i++) {
		if (!(*s)->secret_put(user, crash_id(i), crash_blob(i), 1u << 30, maker("store", crash_id(i))))
			_exit(3);
		if (write(fd, &i, sizeof(i)) != sizeof(i))
			_exit(4);
	}
}

// Runs a child until it has reported `acks` puts, kills it, and returns
// how many puts it reported in all.
std::uint32_t crash_round(const std::string &url, const std::string &user, std::uint32_t acks)
{
	int p[2];
	if (pipe(p) != 0)
		return 0;
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		crash_child(url, user, p[1]);
	}
	close(p[1]);
	std::uint32_t got = 0, i;
	while (read(p[0], &i, sizeof(i)) == sizeof(i)) {
		check(i == got, "the child's puts are reported in order");
		if (++got == acks)
			kill(pid, SIGKILL);
	}
	close(p[0]);
	int status = 0;
	waitpid(pid, &status, 0);
	check(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "the child died of SIGKILL, mid-burst");
	return got;
}

void test_crash(const std::string &dir)
{
	const std::string url = "sqlite:" + dir + "/crash.db";
	for (std::uint32_t acks : {20u, 35u, 50u}) {
		const std::string user = "crash" + std::to_string(acks);
		{
			auto s = ks::open_store(url);
			check(s && (*s)->user_put(user, b("rec"), maker("register")).has_value(), "user_put");
		}
		const std::uint32_t acked = crash_round(url, user, acks);
		auto s = ks::open_store(url);
		check(s.has_value(), "reopening after the kill");
		if (!s)
			return;
		auto ids = (*s)->secret_list(user, maker("list"));
		const std::size_t kept = ids ? ids->size() : 0;
		std::printf("   %u puts acknowledged, %zu kept\n", acked, kept);
		check(kept == acked || kept == acked + 1, "every acknowledged put kept, and at most one more");
		std::set<std::string> have;
		if (ids)
			have.insert(ids->begin(), ids->end());
		for (std::uint32_t i = 0; i < kept; i++) {
			auto blob = (*s)->secret_get(user, crash_id(i), maker("retrieve"));
			check(have.count(crash_id(i)) && blob && *blob == crash_blob(i), "a kept secret is whole");
		}
		Ops ops = chain_ops(**s, user);
		check(std::count(ops.begin(), ops.end(), "store") == std::ptrdiff_t(kept),
		      "one audit entry per kept secret: no put half applied");
	}
}

bool sqlite_exec(const std::string &path, const std::string &sql)
{
	sqlite3 *db = nullptr;
	bool ok = sqlite3_open(path.c_str(), &db) == SQLITE_OK &&
		  sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK;
	sqlite3_close(db);
	return ok;
}

// The journal mode is kept in the file: a store's file is in WAL mode.
void test_sqlite_wal(const std::string &path)
{
	sqlite3 *db = nullptr;
	sqlite3_stmt *st = nullptr;
	std::string mode;
	if (sqlite3_open(path.c_str(), &db) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		mode = reinterpret_cast<const char *>(sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	check(mode == "wal", "the SQLite file is in WAL mode");
}

void run_sqlite(const std::string &dir)
{
	auto path = [dir](const std::string &db) { return dir + "/" + db + ".db"; };
	Backend be{"sqlite", [path](const std::string &db) { return "sqlite:" + path(db); },
		   [path](const std::string &db, const std::string &sql) { return sqlite_exec(path(db), sql); }};
	run_suite(be);
	test_sqlite_wal(path("suite"));
	std::printf("== sqlite: a writer killed mid-burst\n");
	test_crash(dir);
	test_open_urls(dir);
}

// --- PostgreSQL: a connection cut by the server ----------------------------

void test_reconnect(const PgCluster &pg)
{
	const std::string url = pg.url("suite");
	auto s = ks::open_store(url);
	check(s && (*s)->user_put("kate", b("rec"), maker("register")).has_value(), "user_put kate");
	if (!s)
		return;
	// pg_terminate_backend's timeout waits for the backend to be gone.
	const std::string cut = "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity "
				"WHERE datname = 'suite' AND pid <> pg_backend_pid()";
	check(pg.exec("postgres", cut).has_value(), "terminating the store's connection");
	check((*s)->secret_put("kate", "k1", b("x"), 10, maker("store", "k1")).has_value(),
	      "a write after the cut runs on a new connection");
	check(pg.exec("postgres", cut).has_value(), "terminating it again");
	auto got = (*s)->user_get("kate");
	check(got && *got && **got == b("rec"), "a read after the cut runs on a new connection");
	check(chain_ops(**s, "kate") == Ops{"register", "store", "audit"}, "the retried write appended once");
}

void run_postgres()
{
	std::printf("== postgresql: starting a private cluster\n");
	auto pg = PgCluster::start();
	check(pg.has_value(), "a private PostgreSQL cluster" + (pg ? "" : ": " + pg.error()));
	if (!pg)
		return;
	const PgCluster &c = **pg;
	Backend be{"postgresql",
		   [&c](const std::string &db) {
			   check(c.exec("postgres", "CREATE DATABASE " + db).has_value(), "CREATE DATABASE " + db);
			   return c.url(db);
		   },
		   [&c](const std::string &db, const std::string &sql) { return c.exec(db, sql).has_value(); }};
	run_suite(be);
	std::printf("== postgresql: a connection cut by the server\n");
	test_reconnect(c);
}

} // namespace

int main()
{
	const auto t0 = std::chrono::steady_clock::now();
	char tmpl[] = "/tmp/ks-store-test.XXXXXX";
	if (!mkdtemp(tmpl)) {
		std::perror("mkdtemp");
		return 1;
	}
	run_sqlite(tmpl);
	std::filesystem::remove_all(tmpl);
	run_postgres();
	const std::chrono::duration<double> took = std::chrono::steady_clock::now() - t0;
	std::printf("test_ks_store: %d checks, %d failed (%.1f s)\n", checks, failed, took.count());
	return failed ? 1 : 0;
}
