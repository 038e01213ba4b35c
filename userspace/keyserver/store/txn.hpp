// SPDX-License-Identifier: MIT
//
// A write transaction on a Db: all of its statements are applied, or none.
// The body runs between the dialect's BEGIN and COMMIT; any error, or an
// exception, rolls it back, and no exception leaves.  A connection lost
// before COMMIT is sent lost an uncommitted transaction, which the server
// rolled back: the transaction is run again, once, on a new connection.
// One lost during COMMIT may or may not have been applied, so it is never
// run again; its caller gets kBackend saying so.
#pragma once

#include <exception>
#include <string>
#include <type_traits>
#include <utility>

#include "db.hpp"

namespace ks {

// Runs f, turning an exception into kBackend.  R is a StoreResult.
template <class R, class F>
R no_throw(F &f) noexcept
{
	try {
		return f();
	} catch (const std::exception &e) {
		return store_error(StoreErr::kBackend, std::string("unexpected failure: ") + e.what());
	} catch (...) {
		return store_error(StoreErr::kBackend, "unexpected failure");
	}
}

namespace txn_detail {

inline void rollback(Db &db) noexcept
{
	// A failed statement may have ended the transaction already; the
	// ROLLBACK's own error then says only that.
	try {
		(void)db.query("ROLLBACK");
	} catch (...) {
	}
}

// One run: BEGIN, body, COMMIT.  `committing` says whether it got as far
// as sending COMMIT.
template <class R, class F>
R once(Db &db, F &body, bool &committing) noexcept
{
	auto steps = [&]() -> R {
		auto begun = db.query(db.dialect().begin);
		if (!begun)
			return std::unexpected(begun.error());
		R r = body();
		if (!r)
			return r;
		committing = true;
		auto done = db.query("COMMIT");
		if (!done && db.lost())
			return store_error(StoreErr::kBackend, "connection lost during COMMIT: the write "
							       "may or may not have been applied");
		if (!done)
			return std::unexpected(done.error());
		return r;
	};
	R r = no_throw<R>(steps);
	if (!r)
		rollback(db);
	return r;
}

} // namespace txn_detail

// Runs body (returning a StoreResult) in a write transaction.
template <class F>
std::invoke_result_t<F &> write_txn(Db &db, F &&body) noexcept
{
	using R = std::invoke_result_t<F &>;
	auto attempt = [&](bool &committing) -> R {
		if (db.lost() && !db.reconnect())
			return store_error(StoreErr::kBackend, "connection lost and not restored");
		return txn_detail::once<R>(db, body, committing);
	};
	bool committing = false;
	R r = attempt(committing);
	if (r || committing || !db.lost() || !db.reconnect())
		return r;
	return attempt(committing);
}

} // namespace ks
