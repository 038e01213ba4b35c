// SPDX-License-Identifier: MIT
//
// The server's sessions, independent of any TCP connection: a login in
// progress (between KE2 and KE3) and an established session (its inner
// channel) are found by their random id, from whichever connection the
// next message arrives on.  Both expire: a pending login after
// login_ttl, a session after idle_ttl without a request.  The table is
// bounded; a full table refuses new logins rather than dropping sessions.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "../proto/channel.hpp"
#include <opaque/opaque.hpp>

namespace ks {

struct Pending {
	std::string user;
	bool known = false;		// a registered user (else the fake record)
	std::unique_ptr<opaque::ServerLogin> state;
	std::chrono::steady_clock::time_point expires;
};

// An established session.  Its mutex orders its requests: one at a time,
// in sequence.  The last request and its answer are kept, so that a client
// whose connection dropped before the answer arrived can send the same
// request again (on any connection) and get the same answer, not a replay
// error: every request gets exactly one answer.
struct Session {
	Session(std::string u, std::span<const std::uint8_t> key, const SessionId &id)
		: user(std::move(u)), channel(key, id, Channel::Side::kServer) {}
	std::mutex mu;
	std::string user;
	Channel channel;
	std::chrono::steady_clock::time_point last_use;
	std::uint64_t last_seq = 0;
	Bytes last_request, last_answer;
	bool closed = false;
};

class SessionTable {
public:
	SessionTable(std::size_t max, std::chrono::seconds login_ttl, std::chrono::seconds idle_ttl)
		: max_(max), login_ttl_(login_ttl), idle_ttl_(idle_ttl) {}

	// A pending login's new id; nullopt when the table is full.
	std::optional<SessionId> add_pending(Pending p);
	// Takes a pending login out (one KE3 per KE2); nullopt if unknown or expired.
	std::optional<Pending> take_pending(const SessionId &id);
	std::shared_ptr<Session> add_session(const SessionId &id, std::string user,
					     std::span<const std::uint8_t> session_key);
	std::shared_ptr<Session> find(const SessionId &id);
	void remove(const SessionId &id);
	std::size_t size();

private:
	void sweep_locked(std::chrono::steady_clock::time_point now);
	std::mutex mu_;
	std::map<SessionId, Pending> pending_;
	std::map<SessionId, std::shared_ptr<Session>> sessions_;
	std::size_t max_;
	std::chrono::seconds login_ttl_, idle_ttl_;
};

} // namespace ks
