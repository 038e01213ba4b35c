// SPDX-License-Identifier: MIT
//
// hsm-keyserver-load: a bounded load test of one key server on loopback.
// CLIENTS threads, each with its own connection, run three phases of
// SECONDS/3 each: registrations (fresh users), logins (of the users the
// phase before made), then store + retrieve pairs in one session per
// thread.  It prints one table row per figure and the errors; any error
// makes the exit status 1.  Limits: at most 64 clients and 300 seconds,
// and it talks only to the address it is given (meant for 127.0.0.1).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "../client/client.hpp"
#include "../proto/defaults.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Figures {
	std::mutex mu;
	std::vector<double> reg_ms, login_ms, store_ms, retrieve_ms;
	std::map<std::string, int> errors;

	void add(std::vector<double> Figures::*v, double ms)
	{
		std::lock_guard l(mu);
		(this->*v).push_back(ms);
	}
	void fail(const std::string &what, const ks::ClientError &e)
	{
		std::lock_guard l(mu);
		errors[what + ": " + ks::code_name(e.code) + ": " + e.message]++;
	}
};

double ms_since(Clock::time_point t)
{
	return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

double pct(std::vector<double> v, double p)
{
	if (v.empty())
		return 0;
	std::sort(v.begin(), v.end());
	return v[std::min(v.size() - 1, std::size_t(p * double(v.size())))];
}

void client(int id, const ks::ClientSettings &st, double phase_s, std::string run, Figures &f)
{
	auto c = ks::KeyClient::connect(st);
	if (!c)
		return f.fail("connect", c.error());
	std::vector<std::string> users;
	auto until = [](double s) { return Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s)); };
	for (auto end = until(phase_s); Clock::now() < end;) {
		std::string u = "load-" + run + "-" + std::to_string(id) + "-" + std::to_string(users.size());
		auto t = Clock::now();
		auto r = c->register_user(u, ks::bytes_of("pw-" + u));
		if (!r)
			return f.fail("register", r.error());
		f.add(&Figures::reg_ms, ms_since(t));
		users.push_back(u);
	}
	std::size_t next = 0;
	for (auto end = until(phase_s); Clock::now() < end && !users.empty();) {
		const std::string &u = users[next++ % users.size()];
		auto t = Clock::now();
		auto s = c->login(u, ks::bytes_of("pw-" + u));
		if (!s)
			return f.fail("login", s.error());
		f.add(&Figures::login_ms, ms_since(t));
		(void)s->close();
	}
	if (users.empty())
		return;
	auto s = c->login(users[0], ks::bytes_of("pw-" + users[0]));
	if (!s)
		return f.fail("login", s.error());
	std::string secret(64, 's');
	for (auto [n, end] = std::pair{0, until(phase_s)}; Clock::now() < end; n++) {
		std::string k = "k" + std::to_string(n);
		auto t = Clock::now();
		auto w = s->store(k, ks::bytes_of(secret));
		if (!w)
			return f.fail("store", w.error());
		f.add(&Figures::store_ms, ms_since(t));
		t = Clock::now();
		auto r = s->retrieve(k);
		if (!r)
			return f.fail("retrieve", r.error());
		f.add(&Figures::retrieve_ms, ms_since(t));
	}
	(void)s->close();
}

} // namespace

int main(int argc, char **argv)
{
	ks::ClientSettings st;
	int clients = 4, seconds = 30;
	std::string label = "sqlite";
	for (int i = 1; i + 1 < argc; i += 2) {
		std::string a = argv[i], v = argv[i + 1];
		if (a == "--port") st.port = v;
		else if (a == "--ca") st.ca_file = v;
		else if (a == "--clients") clients = std::stoi(v);
		else if (a == "--seconds") seconds = std::stoi(v);
		else if (a == "--label") label = v;
		else if (a == "--argon2" && std::sscanf(v.c_str(), "%u,%u,%u", &st.ksf.memory_kib, &st.ksf.iterations,
							&st.ksf.parallelism) == 3) continue;
		else return std::fprintf(stderr, "hsm-keyserver-load: %s: unknown option\n", a.c_str()), 2;
	}
	if (clients < 1 || clients > 64 || seconds < 3 || seconds > 300 || st.ca_file.empty()) {
		std::fprintf(stderr, "usage: hsm-keyserver-load --ca CERT [--port P] [--clients 1-64] "
				     "[--seconds 3-300] [--label NAME] [--argon2 KIB,T,P]\n");
		return 2;
	}
	Figures f;
	double phase = seconds / 3.0;
	std::string run = std::to_string(std::chrono::system_clock::now().time_since_epoch().count() % 1000000);
	std::vector<std::thread> ts;
	for (int i = 0; i < clients; i++)
		ts.emplace_back(client, i, std::cref(st), phase, run, std::ref(f));
	for (auto &t : ts)
		t.join();
	std::printf("| backend | clients | registrations/s | logins/s | store p50/p99 ms | retrieve p50/p99 ms | "
		    "errors |\n|---|---|---|---|---|---|---|\n");
	int errors = 0;
	for (auto &[k, n] : f.errors)
		errors += n;
	std::printf("| %s | %d | %.1f | %.1f | %.1f / %.1f | %.1f / %.1f | %d |\n", label.c_str(), clients,
		    double(f.reg_ms.size()) / phase, double(f.login_ms.size()) / phase, pct(f.store_ms, 0.5),
		    pct(f.store_ms, 0.99), pct(f.retrieve_ms, 0.5), pct(f.retrieve_ms, 0.99), errors);
	std::printf("Argon2id (client side, per registration and login): m = %u KiB, t = %u, p = %u\n",
		    st.ksf.memory_kib, st.ksf.iterations, st.ksf.parallelism);
	for (auto &[k, n] : f.errors)
		std::printf("error x%d: %s\n", n, k.c_str());
	return errors || f.store_ms.empty() ? 1 : 0;
}
