// SPDX-License-Identifier: MIT
//
// The key server's database: users (their OPAQUE records), their secrets
// and their audit chains, and the server's own sealed state.  One
// interface, two backends: SQLite (one file, the default) and PostgreSQL
// (several server instances sharing one database).  Everything stored is
// already encrypted or MACed by the server's HSM keys; the store only
// keeps it, in transactions, so that a write is all there or not at all.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ks {

using Bytes = std::vector<std::uint8_t>;

enum class StoreErr {
	kNotFound,	// no such user or secret
	kExists,	// the user or secret is there already
	kLimit,		// a per-user limit (secrets, audit entries) reached
	kBackend,	// the database failed (message says how)
	kSchema,	// the database's schema version is not one this build knows
	kCorrupt,	// a row that cannot be what was written, or an audit
			// entry that cannot follow its tail (see AuditMaker)
};

struct StoreError {
	StoreErr code;
	std::string message;
};

template <class T>
using StoreResult = std::expected<T, StoreError>;

// One entry of a user's audit chain.  `mac` chains it to the one before
// (the server computes it with an HSM key; the store only keeps it).
struct AuditEntry {
	std::uint64_t seq = 0;		// 1, 2, ... per user, without gaps
	std::int64_t time = 0;		// seconds since the epoch
	std::string op;			// "register", "store", "retrieve", ...
	std::string target;		// the secret's id, or empty
	std::string outcome;		// "ok" or an error's name
	Bytes mac;
};

// The tail of a user's chain, as the next entry's MAC needs it.
struct AuditTail {
	std::uint64_t seq = 0;		// 0: no entry yet
	Bytes mac;			// empty when seq == 0
};

// Builds the next entry from the tail, inside the write's transaction
// (so that two servers appending for one user serialize on the tail).
// The entry must have seq == tail.seq + 1 and a non-empty mac; the store
// refuses any other (kCorrupt) and the write with it.  The maker may run
// more than once for one call (the write is retried after a lost
// connection), so it must only build the entry.  If it throws, the write
// is rolled back and the call returns kBackend.
using AuditMaker = std::function<AuditEntry(const AuditTail &)>;

// A Store may be used from several threads: its calls are serialized on
// its one connection.  Several Stores, in one process or in several, may
// share one database.  Strings (user names, secret ids, meta names) are
// byte strings: the store keeps and compares them byte for byte.
class Store {
public:
	virtual ~Store() = default;

	// The server's own sealed values ("oprf-seed", "ake-key", ...): put
	// only if absent (two servers starting at once agree on one value);
	// returns what is stored afterwards.
	virtual StoreResult<Bytes> meta_put_once(const std::string &name, const Bytes &value) = 0;
	virtual StoreResult<std::optional<Bytes>> meta_get(const std::string &name) = 0;

	// A user's OPAQUE record; kExists if the name is taken.  The audit
	// entry is appended in the same transaction.
	virtual StoreResult<void> user_put(const std::string &user, const Bytes &record,
					   const AuditMaker &audit) = 0;
	virtual StoreResult<std::optional<Bytes>> user_get(const std::string &user) = 0;

	// Failed logins, for rate limiting: the count and the time of the
	// last failure; fail() adds one, reset() clears them.
	struct Failures {
		std::uint32_t count = 0;
		std::int64_t last = 0;
	};
	virtual StoreResult<Failures> failures(const std::string &user) = 0;
	virtual StoreResult<void> fail(const std::string &user, std::int64_t now) = 0;
	virtual StoreResult<void> reset_failures(const std::string &user) = 0;

	// Secrets, by (user, id).  secret_put is kExists if the id is taken
	// (no silent overwrite); kNotFound if the user is not registered;
	// kLimit past max_secrets.  Each write appends its audit entry in the
	// same transaction; a failed write appends nothing.
	virtual StoreResult<void> secret_put(const std::string &user, const std::string &id,
					     const Bytes &blob, std::size_t max_secrets,
					     const AuditMaker &audit) = 0;
	// A read is audited too: the entry is appended with the read.  A
	// read that fails (kNotFound) appends nothing; the caller may record
	// the refusal with audit_append.
	virtual StoreResult<Bytes> secret_get(const std::string &user, const std::string &id,
					      const AuditMaker &audit) = 0;
	virtual StoreResult<void> secret_delete(const std::string &user, const std::string &id,
						const AuditMaker &audit) = 0;
	// The user's secret ids, in byte order.
	virtual StoreResult<std::vector<std::string>> secret_list(const std::string &user,
								  const AuditMaker &audit) = 0;

	// An audit entry on its own (a failed login, a refused request); the
	// user must be registered (kNotFound otherwise).
	virtual StoreResult<void> audit_append(const std::string &user, const AuditMaker &audit) = 0;
	// The user's chain, oldest first (appending the "audit" entry first).
	virtual StoreResult<std::vector<AuditEntry>> audit_read(const std::string &user,
								const AuditMaker &audit) = 0;
};

// Opens (and creates or migrates) the database a URL names:
// "sqlite:PATH" (or a bare path) or "postgresql://..." / "postgres://...".
StoreResult<std::unique_ptr<Store>> open_store(const std::string &url);

// The schema version this build writes, kept in the database.
inline constexpr int kSchemaVersion = 1;

} // namespace ks
