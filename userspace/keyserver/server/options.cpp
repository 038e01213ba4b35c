// SPDX-License-Identifier: MIT
#include "options.hpp"

#include <charconv>
#include <cstdio>
#include <fstream>
#include <map>

#include "../proto/defaults.hpp"

namespace ks {

namespace {

const char kUsage[] =
	"usage: hsm-keyserver [options]\n"
	"  --config FILE          settings as 'key = value' lines (keys: the long options)\n"
	"  --db URL               sqlite:PATH (default sqlite:/var/lib/hsm-keyserver/keyserver.db)\n"
	"                         or postgresql://... for instances sharing one database\n"
	"  --listen ADDR:PORT     default 127.0.0.1:7443\n"
	"  --slot-prefix NAME     the HSM slots NAME-master, NAME-audit, NAME-tls (default keyserver)\n"
	"  --cert FILE            a PEM certificate for the HSM TLS key (default: self-signed, kept in the db)\n"
	"  --cert-out FILE        write the certificate clients pin to FILE\n"
	"  --name NAME            a name of the self-signed certificate (repeatable; default localhost, 127.0.0.1)\n"
	"  --context STRING       OPAQUE's context string (default empty, as opaque-ke clients have it)\n"
	"  --max-connections N    default 256\n"
	"  --max-sessions N       logins in progress and sessions (default 10000)\n"
	"  --max-secrets N        per user (default 10000)\n"
	"  --idle-timeout SECONDS a connection's and a session's (default 300 and 600)\n"
	"  --help, --version\n";

template <class T>
bool number(const std::string &v, T &out)
{
	auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
	return ec == std::errc() && p == v.data() + v.size();
}

bool set(Options &o, const std::string &k, const std::string &v, bool &names_given)
{
	unsigned long n = 0;
	if (k == "db") o.db = v;
	else if (k == "slot-prefix") o.slot_prefix = v;
	else if (k == "cert") o.tls.cert_file = v;
	else if (k == "cert-out") o.tls.cert_out = v;
	else if (k == "context") o.context = v;
	else if (k == "name") {
		if (!names_given)
			o.tls.names.clear();
		names_given = true;
		o.tls.names.push_back(v);
	} else if (k == "listen") {
		auto c = v.rfind(':');
		if (c == std::string::npos || c == 0)
			return false;
		o.listen.address = v.substr(0, c);
		o.listen.port = v.substr(c + 1);
		if (o.listen.address.size() > 2 && o.listen.address.front() == '[')
			o.listen.address = o.listen.address.substr(1, o.listen.address.size() - 2);
	} else if (!number(v, n) || n == 0) {
		return false;
	} else if (k == "max-connections") o.listen.max_connections = unsigned(n);
	else if (k == "max-sessions") o.limits.max_sessions = n;
	else if (k == "max-secrets") o.limits.max_secrets = n;
	else if (k == "idle-timeout") {
		o.listen.idle_seconds = unsigned(n);
		o.limits.idle_ttl = std::chrono::seconds(2 * n);
	} else return false;
	return true;
}

bool read_config(const std::string &path, Options &o, bool &names_given)
{
	std::ifstream in(path);
	if (!in) {
		std::fprintf(stderr, "hsm-keyserver: %s: cannot read it\n", path.c_str());
		return false;
	}
	std::string line;
	for (int no = 1; std::getline(in, line); no++) {
		auto trim = [](std::string s) {
			s.erase(0, s.find_first_not_of(" \t"));
			s.erase(s.find_last_not_of(" \t\r") + 1);
			return s;
		};
		line = trim(line);
		if (line.empty() || line[0] == '#')
			continue;
		auto eq = line.find('=');
		if (eq == std::string::npos || !set(o, trim(line.substr(0, eq)), trim(line.substr(eq + 1)), names_given)) {
			std::fprintf(stderr, "hsm-keyserver: %s:%d: not a setting: %s\n", path.c_str(), no, line.c_str());
			return false;
		}
	}
	return true;
}

} // namespace

bool parse_options(int argc, char **argv, Options &o, bool &exit_now)
{
	exit_now = false;
	o.context = kContext;
	std::vector<std::pair<std::string, std::string>> cli;
	std::string config;
	for (int i = 1; i < argc; i++) {
		std::string a = argv[i];
		if (a == "--help" || a == "--version") {
			std::fputs(a == "--help" ? kUsage : "hsm-keyserver " HSM_VERSION "\n", stdout);
			exit_now = true;
			return true;
		}
		if (!a.starts_with("--") || i + 1 >= argc) {
			std::fprintf(stderr, "hsm-keyserver: %s: unknown or missing its value\n%s", a.c_str(), kUsage);
			return false;
		}
		(a == "--config" ? config : cli.emplace_back(a.substr(2), "").second) = argv[++i];
	}
	bool names_given = false;
	if (!config.empty() && !read_config(config, o, names_given))
		return false;
	bool cli_names = false;
	for (auto &[k, v] : cli) {
		bool &given = k == "name" ? cli_names : names_given;
		if (!set(o, k, v, given)) {
			std::fprintf(stderr, "hsm-keyserver: --%s %s: not a valid setting\n%s", k.c_str(), v.c_str(), kUsage);
			return false;
		}
	}
	return true;
}

} // namespace ks
