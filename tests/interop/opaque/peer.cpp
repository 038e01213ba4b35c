// SPDX-License-Identifier: GPL-2.0 OR MIT
// The OPAQUE peer that tests/interop/opaque/interop.js drives: the
// library (userspace/keyserver/opaque) as a server and as a client, over
// stdin and stdout, one command per line and one answer per line, every
// field in hex.  Errors answer "error <name>" (opaque::to_string) and the
// peer carries on, so that the driver can test refusals too.
//
//   server-register ID REQUEST      -> RESPONSE
//   server-store ID RECORD          -> ok
//   server-login ID KE1             -> KE2 (from a fake record for an ID
//                                      never stored)
//   server-finish KE3               -> SESSION_KEY
//   client-register PASSWORD        -> REQUEST
//   client-finalize RESPONSE        -> RECORD EXPORT_KEY
//   client-login PASSWORD           -> KE1
//   client-finish KE2               -> KE3 SESSION_KEY EXPORT_KEY
//
// The configuration is @serenity-kit/opaque's (version pinned in
// package.json), which is opaque-ke 4.0.1 built with
// OprfCs = KeGroup = Ristretto255, TripleDh and an Argon2id KSF:
// ristretto255-SHA512 and 3DH over ristretto255; Argon2id version 0x13
// with 16 zero bytes of salt, 64 bytes out, and its default
// "memory-constrained" parameters m = 65536 KiB, t = 3, p = 4; an empty
// context (its ServerLoginStartParameters pass context: None); and no
// identities, so both default to the public keys.
#include <cstdio>
#include <iostream>
#include <map>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "opaque/opaque.hpp"

namespace {

using opaque::Bytes;

opaque::Config serenity_config()
{
	opaque::Config c;
	c.group = opaque::Group::kRistretto255;
	c.ksf = opaque::Argon2id{.memory_kib = 65536, .iterations = 3, .parallelism = 4};
	return c;
}

std::optional<Bytes> unhex(const std::string &h)
{
	if (h.size() % 2)
		return std::nullopt;
	Bytes b(h.size() / 2);
	for (std::size_t i = 0; i < b.size(); i++) {
		unsigned v = 0;
		if (std::sscanf(h.c_str() + 2 * i, "%2x", &v) != 1)
			return std::nullopt;
		b[i] = static_cast<std::uint8_t>(v);
	}
	return b;
}

template <typename Vec>
std::string hex(const Vec &b)
{
	static const char digits[] = "0123456789abcdef";
	std::string s;
	for (std::uint8_t c : b) {
		s += digits[c >> 4];
		s += digits[c & 15];
	}
	return s;
}

/// A command's answer: its line, or an error's name.
using Answer = opaque::Result<std::string>;
using Args = std::vector<Bytes>;

class Peer {
public:
	explicit Peer(opaque::ServerSecrets secrets) : secrets_(std::move(secrets)) {}

	Answer server_register(const Args &a)
	{
		auto r = opaque::registration_response(config_, secrets_.keys(), a[1], a[0]);
		if (!r)
			return std::unexpected(r.error());
		return hex(*r);
	}

	Answer server_store(const Args &a)
	{
		records_[a[0]] = a[1];
		return "ok";
	}

	Answer server_login(const Args &a)
	{
		auto found = records_.find(a[0]);
		std::optional<std::span<const std::uint8_t>> record;
		if (found != records_.end())
			record = found->second;
		auto s = opaque::ServerLogin::start(config_, secrets_.keys(), a[1], record, a[0]);
		if (!s)
			return std::unexpected(s.error());
		server_login_ = std::move(*s);
		return hex(server_login_->ke2());
	}

	Answer server_finish(const Args &a)
	{
		if (!server_login_)
			return std::unexpected(opaque::Error::kInvalidState);
		auto key = server_login_->finish(a[0]);
		if (!key)
			return std::unexpected(key.error());
		return hex(*key);
	}

	Answer client_register(const Args &a)
	{
		auto c = opaque::ClientRegistration::start(config_, a[0]);
		if (!c)
			return std::unexpected(c.error());
		registration_ = std::move(*c);
		return hex(registration_->request());
	}

	Answer client_finalize(const Args &a)
	{
		if (!registration_)
			return std::unexpected(opaque::Error::kInvalidState);
		auto r = registration_->finalize(a[0]);
		if (!r)
			return std::unexpected(r.error());
		return hex(r->record) + " " + hex(r->export_key);
	}

	Answer client_login(const Args &a)
	{
		auto c = opaque::ClientLogin::start(config_, a[0]);
		if (!c)
			return std::unexpected(c.error());
		login_ = std::move(*c);
		return hex(login_->ke1());
	}

	Answer client_finish(const Args &a)
	{
		if (!login_)
			return std::unexpected(opaque::Error::kInvalidState);
		auto r = login_->finish(a[0]);
		if (!r)
			return std::unexpected(r.error());
		return hex(r->ke3) + " " + hex(r->session_key) + " " + hex(r->export_key);
	}

private:
	const opaque::Config config_ = serenity_config();
	opaque::ServerSecrets secrets_;
	std::map<Bytes, Bytes> records_;
	std::optional<opaque::ServerLogin> server_login_;
	std::optional<opaque::ClientRegistration> registration_;
	std::optional<opaque::ClientLogin> login_;
};

struct Command {
	std::size_t args;
	Answer (Peer::*run)(const Args &);
};

const std::map<std::string, Command> commands = {
	{"server-register", {2, &Peer::server_register}},
	{"server-store", {2, &Peer::server_store}},
	{"server-login", {2, &Peer::server_login}},
	{"server-finish", {1, &Peer::server_finish}},
	{"client-register", {1, &Peer::client_register}},
	{"client-finalize", {1, &Peer::client_finalize}},
	{"client-login", {1, &Peer::client_login}},
	{"client-finish", {1, &Peer::client_finish}},
};

std::string serve(Peer &peer, const std::string &line)
{
	std::istringstream words(line);
	std::string name, word;
	words >> name;
	auto cmd = commands.find(name);
	if (cmd == commands.end())
		return "error unknown-command";
	Args args;
	while (words >> word) {
		auto b = unhex(word);
		if (!b)
			return "error bad-hex";
		args.push_back(std::move(*b));
	}
	if (args.size() != cmd->second.args)
		return "error bad-arguments";
	Answer a = (peer.*cmd->second.run)(args);
	return a ? *a : std::string("error ") + opaque::to_string(a.error());
}

} // namespace

int main()
{
	auto secrets = opaque::generate_server_keys(opaque::Group::kRistretto255);
	if (!secrets) {
		std::cerr << "opaque_peer: " << opaque::to_string(secrets.error()) << "\n";
		return 1;
	}
	Peer peer(std::move(*secrets));
	std::string line;
	while (std::getline(std::cin, line))
		std::cout << serve(peer, line) << std::endl;
	return 0;
}
