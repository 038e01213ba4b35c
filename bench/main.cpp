// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// hsm-bench: runs every competitor over the matrix of operations, payload
// sizes, batch sizes and thread counts, checks every competitor's answer
// against OpenSSL before and after measuring (signatures: OpenSSL verifies
// them under the competitor's public key), and prints one CSV line per
// cell ("csv,..."), with a progress line per cell on stderr.
//
//   hsm-bench [--time-ms N] [--warmup-ms N] [--quick] [--only COMPETITOR]
//             [--op OPERATION] [--size BYTES] [--batch N] [--threads N]
//
// Operations: aes-256-gcm, hmac-sha-256, sha-256 on payloads of 16 B to
// 1 MiB; ecdsa-p256-sha256, ed25519, rsa-pss-sha256 signing a 64-byte
// message.  --only, --op, --size, --batch and --threads narrow the matrix
// to the cells that match (a profile of one cell, say).
#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <thread>
#include <vector>

#include "bench.hpp"

using namespace bench;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
	unsigned time_ms = 400;
	unsigned warmup_ms = 30;
	bool quick = false;
	std::string only;
	std::string op;
	std::size_t size = 0;		// 0: every size
	unsigned batch = 0;		// 0: every batch size
	unsigned threads = 0;		// 0: 1 and 2
};

const Algo kAlgos[] = {Algo::Gcm, Algo::Hmac, Algo::Sha,
		       Algo::EcdsaP256, Algo::Ed25519, Algo::RsaPss};

// "aes-256-gcm|hmac-sha-256|...", for messages.
std::string algo_names()
{
	std::string s;
	for (Algo a : kAlgos)
		s += (s.empty() ? "" : "|") + std::string(algo_name(a));
	return s;
}

int usage()
{
	std::fprintf(stderr, "usage: hsm-bench [--time-ms N] [--warmup-ms N] [--quick] "
			     "[--only COMPETITOR] [--op %s] [--size BYTES] "
			     "[--batch N] [--threads N]\n", algo_names().c_str());
	return 2;
}

// A positive decimal number, or 0 when it is not one.
unsigned long long number(const char *s)
{
	char *end;
	errno = 0;
	unsigned long long v = std::strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-')
		return 0;
	return v;
}

struct Cell {
	const Competitor *comp;
	Case c;
	unsigned threads;
};

struct Measured {
	bool ran = false;
	std::string why;		// refused, failed or wrong: why
	bool wrong = false;		// an answer failed its Check
	bool failed = false;		// it should have run and could not
	double seconds = 0;
	unsigned long long ops = 0;
	unsigned long long runs = 0;
	double p50_us = 0, p99_us = 0;	// per run(), batch 1 and one thread
};

double percentile(std::vector<double> &v, double p)
{
	if (v.empty())
		return 0;
	std::size_t i = static_cast<std::size_t>(p * (v.size() - 1));
	std::nth_element(v.begin(), v.begin() + i, v.end());
	return v[i];
}

// One runner per thread, each set up for the cell; false, with m saying
// why, when one refuses the cell or fails.
bool make_runners(const Cell &cell, std::vector<std::unique_ptr<Runner>> &runners, Measured &m)
{
	for (unsigned t = 0; t < cell.threads; t++) {
		runners.push_back(cell.comp->make());
		try {
			if (!runners.back()->setup(cell.c)) {
				m.why = runners.back()->why();
				return false;
			}
		} catch (const std::exception &e) {
			// A competitor that should run here and cannot fails the run.
			m.why = std::string("failed: ") + e.what();
			m.failed = true;
			return false;
		}
	}
	return true;
}

// What one thread saw.
struct Sample {
	unsigned long long ops = 0, runs = 0;
	double seconds = 0;
	std::vector<double> lat;	// µs per run(), when latencies are taken
	std::string error;
	bool wrong = false;
	std::string wrong_why;	// the first wrong answer's
};

// Check r's last answer; a wrong one is remembered, with why.
void check_answer(Runner &r, const Check &check, Sample &s)
{
	std::string why;
	if (!check(r, why) && !s.wrong) {
		s.wrong = true;
		s.wrong_why = why;
	}
}

// Warm up, then check the answer.
void warm_up(Runner &r, const Options &opt, const Check &check, Sample &s)
{
	try {
		auto end = Clock::now() + std::chrono::milliseconds(opt.warmup_ms);
		do
			r.run();
		while (Clock::now() < end);
		check_answer(r, check, s);
	} catch (const std::exception &e) {
		s.error = e.what();
	}
}

// At least time_ms and 3 runs; then the answer is checked again, after
// the load.
void timed_runs(Runner &r, const Cell &cell, const Options &opt, const Check &check,
		bool latencies, Sample &s)
{
	try {
		auto t0 = Clock::now();
		auto end = t0 + std::chrono::milliseconds(opt.time_ms);
		auto now = t0;
		unsigned long long n = 0;
		do {
			auto a = now;
			r.run();
			now = Clock::now();
			if (latencies)
				s.lat.push_back(std::chrono::duration<double, std::micro>(now - a).count());
			n++;
		} while (now < end || n < 3);
		s.seconds = std::chrono::duration<double>(now - t0).count();
		s.runs = n;
		s.ops = n * r.ops_per_run(cell.c);
		check_answer(r, check, s);
	} catch (const std::exception &e) {
		s.error = e.what();
	}
}

// The cell's numbers from its threads' samples: throughput over the
// slowest thread's time.
Measured summarize(std::vector<Sample> &samples, bool latencies)
{
	Measured m;
	for (auto &s : samples)
		if (!s.error.empty()) {
			m.why = "failed: " + s.error;
			m.failed = true;
			return m;
		}
	m.ran = true;
	for (auto &s : samples) {
		if (s.wrong && !m.wrong)
			m.why = s.wrong_why;
		m.wrong = m.wrong || s.wrong;
		m.ops += s.ops;
		m.runs += s.runs;
		m.seconds = std::max(m.seconds, s.seconds);
	}
	if (latencies) {
		m.p50_us = percentile(samples[0].lat, 0.50);
		m.p99_us = percentile(samples[0].lat, 0.99);
	}
	return m;
}

Measured measure(const Cell &cell, const Options &opt, const Check &check)
{
	Measured m;
	std::vector<std::unique_ptr<Runner>> runners;
	if (!make_runners(cell, runners, m))
		return m;

	// Latency of one operation: only where one run() is one operation.
	const bool latencies = cell.c.batch == 1 && cell.threads == 1 &&
			       runners[0]->ops_per_run(cell.c) == 1;
	std::vector<Sample> samples(cell.threads);
	std::barrier start(static_cast<std::ptrdiff_t>(cell.threads));
	auto body = [&](unsigned t) {
		warm_up(*runners[t], opt, check, samples[t]);
		start.arrive_and_wait();
		if (samples[t].error.empty())
			timed_runs(*runners[t], cell, opt, check, latencies, samples[t]);
	};
	std::vector<std::thread> pool;
	for (unsigned t = 1; t < cell.threads; t++)
		pool.emplace_back(body, t);
	body(0);
	for (auto &th : pool)
		th.join();
	return summarize(samples, latencies);
}

// The options, or the exit status of a usage error (nonzero).
int parse_options(int argc, char **argv, Options &opt)
{
	for (int i = 1; i < argc; i++) {
		std::string a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : nullptr;
		if (a == "--quick") {
			opt.quick = true;
			continue;
		}
		if (!v)
			return usage();
		i++;
		unsigned long long n = number(v);
		if (a == "--only" || a == "--op") {
			(a == "--only" ? opt.only : opt.op) = v;
			continue;
		}
		if (!n || n > (1u << 30)) {
			std::fprintf(stderr, "hsm-bench: %s wants a number from 1 to 2^30, not '%s'\n",
				     a.c_str(), v);
			return 2;
		}
		if (a == "--time-ms")
			opt.time_ms = static_cast<unsigned>(n);
		else if (a == "--warmup-ms")
			opt.warmup_ms = static_cast<unsigned>(n);
		else if (a == "--size")
			opt.size = n;
		else if (a == "--batch")
			opt.batch = static_cast<unsigned>(n);
		else if (a == "--threads")
			opt.threads = static_cast<unsigned>(n);
		else
			return usage();
	}
	if (!opt.op.empty() && std::none_of(std::begin(kAlgos), std::end(kAlgos),
					    [&](Algo a) { return opt.op == algo_name(a); })) {
		std::fprintf(stderr, "hsm-bench: --op wants one of %s, not '%s'\n",
			     algo_names().c_str(), opt.op.c_str());
		return 2;
	}
	return 0;
}

// The sizes, batches and thread counts of one operation's rows.
struct Axes {
	std::vector<std::size_t> sizes;
	std::vector<unsigned> batches;
	std::vector<unsigned> threads;
};

// Payloads of 16 B to 1 MiB for the symmetric operations.  Signatures sign
// one 64-byte message (the cost is the private-key operation, whatever
// the size), in batches up to 64: under TCG RSA-2048 signs about 100 a
// second in the process and 40 through hsmd, so a batch of 64 is a run of
// over a second, and its cell (a warm-up run and 3 timed ones) about 7 s.
// The quick matrix signs on one thread.
Axes axes(Algo a, const Options &opt)
{
	Axes x;
	if (is_signature(a)) {
		x.sizes = {64};
		x.batches = opt.quick ? std::vector<unsigned>{1, 64} : std::vector<unsigned>{1, 8, 64};
		x.threads = opt.quick ? std::vector<unsigned>{1} : std::vector<unsigned>{1, 2};
	} else {
		x.sizes = opt.quick ? std::vector<std::size_t>{64, 1 << 20}
				    : std::vector<std::size_t>{16, 64, 1024, 16384, 1 << 20};
		x.batches = opt.quick ? std::vector<unsigned>{1, 64} : std::vector<unsigned>{1, 8, 64, 256};
		x.threads = {1, 2};
	}
	// The options narrow the rows to the cells they name.  A signature
	// signs its one message size: another --size names none of its rows.
	if (opt.size && is_signature(a) && opt.size != x.sizes[0])
		x.sizes.clear();
	else if (opt.size)
		x.sizes = {opt.size};
	if (opt.batch)
		x.batches = {opt.batch};
	if (opt.threads)
		x.threads = {opt.threads};
	return x;
}

// The matrix the options ask for: operation x size x competitor x batch
// (for the competitors that batch) x threads.
std::vector<Cell> make_cells(const Options &opt, const std::vector<Competitor> &comps)
{
	// Batches stay within 16 MiB of payload.
	constexpr std::size_t kMaxBatchBytes = 16u << 20;

	std::vector<Cell> cells;
	for (Algo a : kAlgos) {
		if (!opt.op.empty() && opt.op != algo_name(a))
			continue;
		const auto [sizes, batches, threads] = axes(a, opt);
		for (std::size_t s : sizes)
			for (const auto &comp : comps) {
				if (!opt.only.empty() && comp.name != opt.only)
					continue;
				for (unsigned b : comp.batched ? batches : std::vector<unsigned>{1}) {
					if (b > 1 && b * s > kMaxBatchBytes)
						continue;
					for (unsigned t : threads)
						cells.push_back({&comp, {a, s, b}, t});
				}
			}
	}
	return cells;
}

void print_header(const Options &opt, const std::vector<Competitor> &comps)
{
	std::printf("how,competitor,description\n");
	for (const auto &c : comps)
		std::printf("how,%s,%s\n", c.name.c_str(), c.how.c_str());
	std::printf("method,per cell: %u ms warm-up then at least %u ms and 3 runs of "
		    "std::chrono::steady_clock; throughput = operations / slowest thread's "
		    "time; latency = one run() of one operation, one thread\n",
		    opt.warmup_ms, opt.time_ms);
	std::printf("csv,op,size,competitor,batch,threads,ops,seconds,ops_per_s,mib_per_s,"
		    "p50_us,p99_us,status\n");
	std::fflush(stdout);
}

// The cell's CSV line on stdout and its progress line on stderr.
void report(const Cell &cell, const Measured &m, unsigned done, std::size_t total)
{
	const char *status = m.wrong ? "WRONG" : m.failed ? "FAILED" : m.ran ? "ok" : "skipped";
	double rate = m.ran && m.seconds > 0 ? m.ops / m.seconds : 0;
	std::printf("csv,%s,%zu,%s,%u,%u,%llu,%.6f,%.1f,%.3f,%.2f,%.2f,%s\n",
		    algo_name(cell.c.algo), cell.c.size, cell.comp->name.c_str(), cell.c.batch,
		    cell.threads, m.ops, m.seconds, rate,
		    rate * cell.c.size / (1024.0 * 1024.0), m.p50_us, m.p99_us, status);
	std::fflush(stdout);
	std::fprintf(stderr, "bench: [%u/%zu] %-17s %8zu B %-14s batch %3u, %u thread%s: %s\n",
		     done, total, algo_name(cell.c.algo), cell.c.size,
		     cell.comp->name.c_str(), cell.c.batch, cell.threads,
		     cell.threads > 1 ? "s" : "",
		     m.wrong ? ("WRONG ANSWER " + m.why).c_str()
		     : m.failed ? m.why.c_str()
			     : m.ran ? (std::to_string(static_cast<long long>(rate)) + " op/s").c_str()
				     : ("skipped: " + m.why).c_str());
}

}  // namespace

int main(int argc, char **argv)
{
	Options opt;
	if (int rc = parse_options(argc, argv, opt))
		return rc;

	std::vector<Competitor> comps;
	add_libhsm(comps);
	add_hsm_raw(comps);
	add_kcapi(comps);
	add_pkcs11(comps);
	add_openssl(comps);
	const std::vector<Cell> cells = make_cells(opt, comps);
	if (cells.empty()) {
		std::fprintf(stderr, "hsm-bench: no cell matches the options\n");
		return 2;
	}

	print_header(opt, comps);
	unsigned wrong = 0, done = 0;
	for (const Cell &cell : cells) {
		Measured m = measure(cell, opt, Check(cell.c));
		report(cell, m, ++done, cells.size());
		if (m.wrong || m.failed)
			wrong++;
	}
	if (wrong) {
		std::fprintf(stderr, "bench: %u cells gave wrong answers or failed\n", wrong);
		return 1;
	}
	return 0;
}
