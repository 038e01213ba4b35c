// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "pg_cluster.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

#include <libpq-fe.h>

namespace fs = std::filesystem;

namespace {

// The server's user: `postgres` when the test runs as root, else nobody
// to switch to.
struct RunAs {
	bool switch_user = false;
	uid_t uid = 0;
	gid_t gid = 0;
};

// The bin directory of the newest PostgreSQL with an initdb.
std::optional<fs::path> newest_bindir()
{
	std::optional<fs::path> best;
	std::pair<int, int> best_v{-1, -1};
	std::error_code ec;
	for (const auto &e : fs::directory_iterator("/usr/lib/postgresql", ec)) {
		int major = 0, minor = 0;
		if (std::sscanf(e.path().filename().c_str(), "%d.%d", &major, &minor) < 1)
			continue;
		if (access((e.path() / "bin/initdb").c_str(), X_OK) != 0)
			continue;
		if (std::pair(major, minor) > best_v) {
			best_v = {major, minor};
			best = e.path() / "bin";
		}
	}
	return best;
}

// Runs argv as the server's user, its output appended to `log`; true if
// it exits 0.
bool run(const RunAs &as, const std::vector<std::string> &argv, const std::string &log)
{
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(126);
		if (as.switch_user && (setgroups(0, nullptr) || setgid(as.gid) || setuid(as.uid)))
			_exit(126);
		std::vector<char *> args;
		for (const std::string &a : argv)
			args.push_back(const_cast<char *>(a.c_str()));
		args.push_back(nullptr);
		execv(args[0], args.data());
		_exit(127);
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

std::string slurp(const std::string &path)
{
	std::ifstream in(path);
	std::stringstream s;
	s << in.rdbuf();
	return s.str();
}

// The watchdog: waits for the test to close (or lose) its end of the
// pipe, then stops the server and removes the directory.  It ignores the
// terminal's signals, so that an interrupted test is still cleaned up.
[[noreturn]] void watchdog(int fd, const RunAs &as, const fs::path &bindir, const std::string &dir)
{
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	char c;
	while (read(fd, &c, 1) < 0 && errno == EINTR)
		;
	if (fs::exists(dir + "/data/postmaster.pid"))
		run(as, {bindir / "pg_ctl", "-D", dir + "/data", "-m", "immediate", "-w", "stop"},
		    dir + "/ctl.log");
	std::error_code ec;
	fs::remove_all(dir, ec);
	_exit(0);
}

std::expected<RunAs, std::string> server_user()
{
	RunAs as;
	if (geteuid() != 0)
		return as;
	const passwd *pw = getpwnam("postgres");
	if (!pw)
		return std::unexpected("running as root, and there is no postgres user to run the server as");
	as.switch_user = true;
	as.uid = pw->pw_uid;
	as.gid = pw->pw_gid;
	return as;
}

} // namespace

std::expected<std::unique_ptr<PgCluster>, std::string> PgCluster::start()
{
	auto bindir = newest_bindir();
	if (!bindir)
		return std::unexpected("no PostgreSQL server under /usr/lib/postgresql/*/bin "
				       "(scripts/install-deps.sh installs it)");
	auto as = server_user();
	if (!as)
		return std::unexpected(as.error());
	char tmpl[] = "/tmp/ks-store-pg.XXXXXX";
	if (!mkdtemp(tmpl))
		return std::unexpected("mkdtemp failed");
	std::unique_ptr<PgCluster> c(new PgCluster);
	c->dir_ = tmpl;

	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0)
		return std::unexpected("pipe2 failed");
	pid_t pid = fork();
	if (pid == 0) {
		close(p[1]);
		watchdog(p[0], *as, *bindir, c->dir_);
	}
	close(p[0]);
	c->watchdog_fd_ = p[1];
	c->watchdog_pid_ = pid;
	if (pid < 0) {
		fs::remove_all(c->dir_);
		return std::unexpected("fork failed");
	}
	if (as->switch_user && chown(tmpl, as->uid, as->gid) != 0)
		return std::unexpected("cannot give " + c->dir_ + " to postgres");

	const std::string data = c->dir_ + "/data", log = c->dir_ + "/server.log";
	if (!run(*as, {*bindir / "initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
		       "--no-locale", "--no-sync"},
		 c->dir_ + "/initdb.log"))
		return std::unexpected("initdb failed:\n" + slurp(c->dir_ + "/initdb.log"));
	// No TCP at all; fsync off: the cluster is thrown away after the
	// test, and nothing here tests PostgreSQL's own durability.
	std::ofstream(data + "/postgresql.conf", std::ios::app)
		<< "listen_addresses = ''\n"
		<< "unix_socket_directories = '" << c->dir_ << "'\n"
		<< "fsync = off\n"
		<< "shared_buffers = 16MB\n";
	if (!run(*as, {*bindir / "pg_ctl", "-D", data, "-l", log, "-w", "-t", "60", "start"}, c->dir_ + "/ctl.log"))
		return std::unexpected("pg_ctl start failed:\n" + slurp(c->dir_ + "/ctl.log") + slurp(log));
	return c;
}

PgCluster::~PgCluster()
{
	if (watchdog_fd_ >= 0)
		close(watchdog_fd_);
	if (watchdog_pid_ > 0)
		while (waitpid(watchdog_pid_, nullptr, 0) < 0 && errno == EINTR)
			;
}

std::string PgCluster::url(const std::string &db) const
{
	return "postgresql:///" + db + "?host=" + dir_ + "&user=postgres";
}

std::expected<void, std::string> PgCluster::exec(const std::string &db, const std::string &sql) const
{
	PGconn *conn = PQconnectdb(url(db).c_str());
	std::string err;
	if (PQstatus(conn) != CONNECTION_OK) {
		err = PQerrorMessage(conn);
	} else {
		PGresult *r = PQexec(conn, sql.c_str());
		if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
			err = PQresultErrorMessage(r);
		PQclear(r);
	}
	PQfinish(conn);
	if (!err.empty())
		return std::unexpected(err);
	return {};
}
