// SPDX-License-Identifier: GPL-2.0 OR MIT
// A private PostgreSQL cluster for a native test: initdb and pg_ctl of the
// newest PostgreSQL installed (/usr/lib/postgresql/*/bin), in a temporary
// directory, reachable only through a unix socket in that directory.
// PostgreSQL refuses to run as root, so a test running as root runs the
// server as the `postgres` user.  A watchdog process stops the cluster and
// removes the directory when the test ends, however it ends (a failed
// check, an abort, SIGKILL).
#pragma once

#include <expected>
#include <memory>
#include <string>

class PgCluster {
public:
	// Starts a cluster; the error says why not (no PostgreSQL installed,
	// no postgres user, initdb or the server failing, with its log).
	static std::expected<std::unique_ptr<PgCluster>, std::string> start();

	// Stops the cluster and removes its directory.
	~PgCluster();

	// A libpq URI of the database `db`, as the superuser.
	std::string url(const std::string &db) const;

	// Runs one SQL command on `db` (CREATE DATABASE on "postgres", a
	// test's own changes); the error is the server's message.
	std::expected<void, std::string> exec(const std::string &db, const std::string &sql) const;

	PgCluster(const PgCluster &) = delete;
	PgCluster &operator=(const PgCluster &) = delete;

private:
	PgCluster() = default;

	std::string dir_;
	int watchdog_fd_ = -1;		// closing it tells the watchdog to clean up
	int watchdog_pid_ = -1;
};
