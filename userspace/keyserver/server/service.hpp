// SPDX-License-Identifier: MIT
//
// The key server's requests, independent of the transport: a frame body
// in, exactly one frame body out.  The TLS listener (listener.cpp) only
// moves frames; everything a request may do is decided here.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>

#include <opaque/opaque.hpp>

#include "../proto/wire.hpp"
#include "secrets.hpp"
#include "sessions.hpp"

namespace ks {

class Vault;
class Store;
struct StoreError;

// The wire's code for a store's error.
Code code_of(const StoreError &e);

struct Limits {
	std::size_t max_secrets = 10000;	// per user
	std::size_t max_sessions = 10000;	// pending logins and sessions, together
	std::chrono::seconds login_ttl{60};	// KE2 to KE3
	std::chrono::seconds idle_ttl{600};	// a session without requests
	std::uint32_t free_failures = 5;	// failed logins before the backoff
	std::chrono::seconds backoff{30};	// doubled per further failure, to an hour
};

class Service {
public:
	Service(const Vault &v, Store &db, const ServerSecrets &s, opaque::Config cfg, Limits lim)
		: vault_(v), db_(db), secrets_(s), cfg_(std::move(cfg)), lim_(lim),
		  sessions_(lim.max_sessions, lim.login_ttl, lim.idle_ttl) {}

	Bytes handle(std::span<const std::uint8_t> body);

private:
	Bytes register_start(Reader &r);
	Bytes register_finish(Reader &r);
	Bytes login_start(Reader &r);
	Bytes login_finish(Reader &r);
	Bytes request(Reader &r);
	Bytes attest(Reader &r);
	// A session's request, decrypted: its answer, before encryption.
	Bytes operate(Session &s, std::span<const std::uint8_t> plain);
	Bytes op_store(Session &s, Reader &r);
	Bytes op_retrieve(Session &s, Reader &r);
	Bytes op_delete(Session &s, Reader &r);
	Bytes op_list(Session &s);
	Bytes op_audit(Session &s);
	bool rate_limited(const std::string &user);
	void login_succeeded(const std::string &user);

	const Vault &vault_;
	Store &db_;
	const ServerSecrets &secrets_;
	opaque::Config cfg_;
	Limits lim_;
	SessionTable sessions_;
};

} // namespace ks
