// SPDX-License-Identifier: MIT
//
// hsm-keyserver: stores, returns and audits secrets for users who log in
// with a password through OPAQUE, over TLS 1.3, with every key it keeps in
// the HSM (server/vault.hpp).  Start-up: the database, then the vault (its
// slots made only for a database that has no server secrets yet), the
// OPAQUE secrets, the TLS context; then serve until SIGTERM or SIGINT.
#include <atomic>
#include <csignal>
#include <cstdio>

#include "../proto/defaults.hpp"
#include "../store/store.hpp"
#include "listener.hpp"
#include "options.hpp"
#include "secrets.hpp"
#include "service.hpp"
#include "tls.hpp"
#include "vault.hpp"

namespace {

std::atomic<bool> g_stop{false};

void on_signal(int)
{
	g_stop = true;
}

int fail(const std::string &what)
{
	std::fprintf(stderr, "hsm-keyserver: %s\n", what.c_str());
	return 1;
}

} // namespace

int main(int argc, char **argv)
{
	ks::Options o;
	bool exit_now = false;
	if (!ks::parse_options(argc, argv, o, exit_now))
		return 2;
	if (exit_now)
		return 0;
	auto db = ks::open_store(o.db);
	if (!db)
		return fail(o.db + ": " + db.error().message);
	auto seeded = (*db)->meta_get("oprf-seed");
	if (!seeded)
		return fail(o.db + ": " + seeded.error().message);
	// A database with server secrets is only ever opened with the slots
	// that sealed them: making new slots for it would be making a new server.
	auto vault = ks::Vault::open(o.slot_prefix, !seeded->has_value());
	if (!vault)
		return fail(vault.error());
	auto secrets = ks::load_secrets(**vault, **db);
	if (!secrets)
		return fail(secrets.error());
	auto ctx = ks::server_tls(**vault, **db, o.tls);
	if (!ctx)
		return fail("TLS: " + ctx.error());
	ks::Service svc(**vault, **db, *secrets, ks::opaque_config(o.context), o.limits);
	struct sigaction sa {};
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, nullptr);
	sigaction(SIGINT, &sa, nullptr);
	std::signal(SIGPIPE, SIG_IGN);
	int rc = ks::serve(o.listen, *ctx, svc, g_stop);
	SSL_CTX_free(*ctx);
	std::fprintf(stderr, "hsm-keyserver: stopped\n");
	return rc;
}
