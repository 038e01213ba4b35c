// SPDX-License-Identifier: MIT
//
// hsm-keyclient: the key server's command-line client.  One command per
// run: a login, the command, the session closed.  The password comes from
// --password-file or HSM_KEYCLIENT_PASSWORD, never from the command line
// (where every user of the machine could read it).
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>

#include "client.hpp"

namespace {

const char kUsage[] =
	"usage: hsm-keyclient [options] COMMAND\n"
	"commands:\n"
	"  register               register --user with the password\n"
	"  store ID [FILE]        store FILE (default: standard input) as secret ID\n"
	"  retrieve ID            write secret ID to standard output\n"
	"  delete ID              delete secret ID\n"
	"  list                   the ids of your secrets\n"
	"  audit                  your audit chain, checked (and, with --state, against the last one seen)\n"
	"options:\n"
	"  --server HOST:PORT     default 127.0.0.1:7443\n"
	"  --ca FILE              the server's certificate or CA, PEM (required)\n"
	"  --server-name NAME     the name the certificate must carry (default localhost)\n"
	"  --user NAME            required\n"
	"  --password-file FILE   the password's file (default: $HSM_KEYCLIENT_PASSWORD)\n"
	"  --state DIR            keep the last audit entry seen, per user, in DIR\n"
	"  --measurement HEX      require the server's TLS key to be attested (SEV-SNP) by a VM\n"
	"                         of this measurement (96 hex digits), before logging in\n"
	"  --attest-chain FILE    the ASK and VCEK (PEM) the report is checked with (repeatable)\n"
	"  --attest-root FILE     a root trusted besides AMD's (a simulated ARK)\n"
	"exit status: 0 ok, 1 the server refused (its reason on stderr), 2 usage\n";

int fail(const ks::ClientError &e)
{
	std::fprintf(stderr, "hsm-keyclient: %s: %s\n", ks::code_name(e.code), e.message.c_str());
	return 1;
}

std::string slurp(std::istream &in)
{
	return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::optional<std::string> password(const std::map<std::string, std::string> &o)
{
	if (auto f = o.find("password-file"); f != o.end()) {
		std::ifstream in(f->second);
		if (!in)
			return std::nullopt;
		std::string p = slurp(in);
		while (!p.empty() && (p.back() == '\n' || p.back() == '\r'))
			p.pop_back();
		return p;
	}
	if (const char *e = std::getenv("HSM_KEYCLIENT_PASSWORD"))
		return std::string(e);
	return std::nullopt;
}

std::optional<ks::AuditAnchor> read_anchor(const std::string &path)
{
	std::ifstream in(path);
	std::string hex;
	ks::AuditAnchor a;
	if (!(in >> a.seq >> hex) || hex.size() % 2)
		return std::nullopt;
	for (std::size_t i = 0; i < hex.size(); i += 2)
		a.mac.push_back(std::uint8_t(std::stoul(hex.substr(i, 2), nullptr, 16)));
	return a;
}

void write_anchor(const std::string &path, const ks::AuditRecord &e)
{
	std::ofstream out(path + ".tmp");
	out << e.seq << ' ';
	for (auto b : e.mac)
		out << "0123456789abcdef"[b >> 4] << "0123456789abcdef"[b & 15];
	out << '\n';
	out.close();
	std::rename((path + ".tmp").c_str(), path.c_str());
}

int audit(ks::Session &s, const std::map<std::string, std::string> &o, const std::string &user)
{
	auto chain = s.audit();
	if (!chain)
		return fail(chain.error());
	std::string path = o.contains("state") ? o.at("state") + "/" + user + ".audit" : "";
	if (!path.empty()) {
		if (auto c = ks::check_audit(*chain, read_anchor(path)); !c)
			return fail(c.error());
		if (!chain->empty())
			write_anchor(path, chain->back());
	}
	for (const auto &e : *chain)
		std::printf("%llu %lld %s %s %s\n", (unsigned long long)e.seq, (long long)e.time, e.op.c_str(),
			    e.target.empty() ? "-" : e.target.c_str(), e.outcome.c_str());
	return 0;
}

bool measurement(const std::string &hex, ks::AttestationPolicy &p)
{
	if (hex.size() != 96 || hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
		return false;
	p.measurement.emplace();
	for (std::size_t i = 0; i < 48; i++)
		(*p.measurement)[i] = std::uint8_t(std::stoul(hex.substr(2 * i, 2), nullptr, 16));
	return true;
}

int run(ks::Session &s, const std::vector<std::string> &cmd, const std::map<std::string, std::string> &o,
	const std::string &user)
{
	const std::string &c = cmd[0];
	if (c == "store" && (cmd.size() == 2 || cmd.size() == 3)) {
		std::string data;
		if (cmd.size() == 3) {
			std::ifstream in(cmd[2], std::ios::binary);
			if (!in)
				return std::fprintf(stderr, "hsm-keyclient: %s: cannot read it\n", cmd[2].c_str()), 2;
			data = slurp(in);
		} else {
			data = slurp(std::cin);
		}
		auto r = s.store(cmd[1], ks::bytes_of(data));
		return r ? 0 : fail(r.error());
	}
	if (c == "retrieve" && cmd.size() == 2) {
		auto r = s.retrieve(cmd[1]);
		if (!r)
			return fail(r.error());
		return std::fwrite(r->data(), 1, r->size(), stdout) == r->size() ? 0 : 1;
	}
	if (c == "delete" && cmd.size() == 2) {
		auto r = s.remove(cmd[1]);
		return r ? 0 : fail(r.error());
	}
	if (c == "list" && cmd.size() == 1) {
		auto r = s.list();
		if (!r)
			return fail(r.error());
		for (const auto &id : *r)
			std::printf("%s\n", id.c_str());
		return 0;
	}
	if (c == "audit" && cmd.size() == 1)
		return audit(s, o, user);
	std::fputs(kUsage, stderr);
	return 2;
}

} // namespace

int main(int argc, char **argv)
{
	std::map<std::string, std::string> o;
	std::vector<std::string> cmd;
	ks::AttestationPolicy pol;
	for (int i = 1; i < argc; i++) {
		std::string a = argv[i];
		if (a == "--help")
			return std::fputs(kUsage, stdout), 0;
		if (a == "--attest-chain" && i + 1 < argc)
			pol.snp_chain_files.push_back(argv[++i]);
		else if (a == "--attest-root" && i + 1 < argc)
			pol.extra_root_files.push_back(argv[++i]);
		else if (a.starts_with("--") && i + 1 < argc)
			o[a.substr(2)] = argv[++i];
		else
			cmd.push_back(a);
	}
	if (o.contains("measurement") && !measurement(o["measurement"], pol)) {
		std::fputs("hsm-keyclient: --measurement: 96 hex digits\n", stderr);
		return 2;
	}
	ks::ClientSettings st;
	if (auto s = o.find("server"); s != o.end()) {
		auto c = s->second.rfind(':');
		st.host = s->second.substr(0, c);
		st.port = c == std::string::npos ? "7443" : s->second.substr(c + 1);
	}
	st.ca_file = o.contains("ca") ? o["ca"] : "";
	if (o.contains("server-name"))
		st.server_name = o["server-name"];
	auto pw = password(o);
	if (cmd.empty() || !o.contains("user") || !pw) {
		std::fputs(cmd.empty() || !o.contains("user") ? kUsage
							      : "hsm-keyclient: no password: --password-file or HSM_KEYCLIENT_PASSWORD\n",
			   stderr);
		return 2;
	}
	std::span<const std::uint8_t> p = ks::bytes_of(*pw);
	auto kc = ks::KeyClient::connect(st);
	if (!kc)
		return fail(kc.error());
	if (pol.measurement)
		if (auto a = kc->require_attestation(pol); !a)
			return fail(a.error());
	if (cmd[0] == "register" && cmd.size() == 1) {
		auto r = kc->register_user(o["user"], p);
		return r ? 0 : fail(r.error());
	}
	auto s = kc->login(o["user"], p);
	if (!s)
		return fail(s.error());
	int rc = run(*s, cmd, o, o["user"]);
	(void)s->close();
	return rc;
}
