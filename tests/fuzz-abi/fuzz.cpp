// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "fuzz.hpp"

#include <cinttypes>
#include <cstdio>
#include <memory>
#include <sched.h>
#include <thread>
#include <unistd.h>

#include <hsm/raw.h>

#include "chaos.hpp"
#include "kat.hpp"
#include "oracle.hpp"
#include "program.hpp"
#include "refcrypto.hpp"
#include "worker.hpp"

namespace fz {

void Shared::finding(const std::string &text)
{
	std::lock_guard g(print_lock);
	const unsigned n = ++findings;
	if (n <= 5)
		printf("hsm-fuzz: FINDING %u (seed %" PRIu64 "): %s\n", n, opt.seed, text.c_str());
	fflush(stdout);
	stop = true;
}

namespace {

constexpr size_t kCorpusMax = 4096;

}  // namespace

void Corpus::add(const Input &u)
{
	std::lock_guard g(lock_);
	if (v_.size() < kCorpusMax)
		v_.push_back(u);
	else
		v_[(v_.size() + u.cmd) % kCorpusMax] = u;
}

bool Corpus::pick(Rng &rng, Input &u)
{
	std::lock_guard g(lock_);
	if (v_.empty())
		return false;
	/* The newest inputs found the newest code: try them more. */
	const size_t n = v_.size();
	u = v_[n - 1 - std::min(rng.below(n), rng.below(n))];
	return true;
}

size_t Corpus::size() const
{
	std::lock_guard g(lock_);
	return v_.size();
}

void step(Worker &w)
{
	Shared &sh = w.sh;
	const bool fuzzer = w.index < sh.opt.threads;
	char where[64];
	std::string e;

	if (w.generation != sh.generation) {
		w.pool.clear();
		w.wrapped.clear();
		w.generation = sh.generation;
		if (fuzzer && !(e = kat_setup(w, sh.target(w.area))).empty())
			sh.finding(e);
	}
	snprintf(where, sizeof(where), "thread %u, execution %" PRIu64 ": ", w.index, w.execs);
	const Target t = sh.target(w.area);
	if (fuzzer && w.rng.one_in(20)) {
		sh.kat_runs++;
		if (!(e = kat_run(w, t)).empty())
			sh.finding(where + e);
		return;
	}
	Program p = !w.pool.orphans.empty() && w.rng.one_in(4) ? orphan_program(w) : make_program(w);
	std::vector<Answer> ans;
	Answer vec;
	Kcov *k = w.kcov.on() ? &w.kcov : nullptr;
	e = w.exec.run(t, p, ans, vec, k, &w.race);
	w.execs++;
	sh.execs++;
	if (k && sh.cov.add(k->end())) {
		sh.new_cov++;
		for (const Input &u : p.units)
			sh.corpus.add(u);
	}
	if (!e.empty()) {
		sh.finding(where + e + "; " + describe(p, -1, ans, vec));
		return;
	}
	if (sh.opt.trace == static_cast<int>(w.index)) {
		std::lock_guard g(sh.print_lock);
		printf("hsm-fuzz: trace: %s%s\n", where, describe(p, -1, ans, vec).c_str());
	}
	auto v = judge(p, ans, vec, sh.hooks);
	if (!v.empty())
		sh.finding(where + v[0].what + "; " + describe(p, v[0].unit, ans, vec));
	absorb(w, p, ans, vec);
}

namespace {

void worker_main(Worker &w)
{
	Shared &sh = w.sh;

	if (sh.kcov && !w.kcov.open())
		sh.finding("kcov could not be enabled for thread " + std::to_string(w.index));
	while (!sh.stop) {
		pthread_rwlock_rdlock(&sh.lock);
		step(w);
		pthread_rwlock_unlock(&sh.lock);
	}
}

void racer_main(Shared &sh, Rng rng)
{
	while (!sh.stop) {
		bool wrote = false;
		if (!pthread_rwlock_tryrdlock(&sh.lock)) {
			for (Worker *w : sh.workers) {
				if (!w->race.size() || !w->race.try_hold())
					continue;
				if (w->race.size()) {
					race_burst(rng, sh.dev.base(), w->race);
					sh.races++;
					wrote = true;
				}
				w->race.release();
			}
			pthread_rwlock_unlock(&sh.lock);
		}
		if (wrote)
			sched_yield();
		else
			usleep(100);
	}
}

// What the module holds, module-wide: it must come back to this.
struct Baseline {
	hsm_stats st{};
	hsm_info info{};
	std::vector<SlotName> slots;
};

bool measure(Device &obs, Baseline &b)
{
	return get_stats(obs.fd(), false, b.st) && get_info(obs.fd(), b.info);
}

// Slots the run stored are not the run's to leave behind: root's own,
// and the group's (a mutated SLOT_STORE may name the group, which an admin
// may use).  The region's last page holds the parameters.
void delete_new_slots(Device &obs, const Baseline &base)
{
	const size_t params = obs.size() - 4096;
	for (const SlotName &s : list_slots(obs.fd(), obs.base(), params))
		if (std::find(base.slots.begin(), base.slots.end(), s) == base.slots.end())
			delete_slot(obs.fd(), obs.base(), params, s);
}

// Wait for the module's counts to come back to the baseline (a closed
// connection may be torn down a little later, by a workqueue or io-wq).
std::string settle(Device &obs, const Baseline &base)
{
	// A closed ring's commands are canceled, and a command waiting for
	// its context stops at once.  A key outliving every connection is a
	// slot's: delete_new_slots() and delete_user_slots() remove the run's,
	// so what remains is a holder the module failed to release.  The wait
	// stays past the guest's default deadline (30 s).
	std::string diff;
	for (int i = 0; i < 400; i++) {
		Baseline now;
		if (!measure(obs, now))
			return "GET_STATS or GET_INFO failed";
		diff.clear();
		auto cmp = [&](const char *what, uint64_t was, uint64_t is) {
			if (was != is)
				diff += std::string(diff.empty() ? "" : "; ") + what + " is " +
					std::to_string(is) + ", was " + std::to_string(was) +
					" before the run";
		};
		cmp("keys", base.st.keys, now.st.keys);
		cmp("contexts", base.st.contexts, now.st.contexts);
		cmp("connections", base.st.connections, now.st.connections);
		cmp("inflight", 0, now.st.inflight);
		cmp("region_total", base.info.region_total, now.info.region_total);
		if (diff.empty())
			return "";
		usleep(100000);
	}
	return diff;
}

hsm_snp_sim_params identity()
{
	hsm_snp_sim_params p{};
	memset(p.measurement, 0x5a, sizeof(p.measurement));
	memset(p.host_data, 0x11, sizeof(p.host_data));
	for (unsigned i = 0; i < sizeof(p.chip_id); i++)
		p.chip_id[i] = static_cast<uint8_t>(0xc0 + i);
	p.policy = 0x30000;
	p.tcb = 0x480e000000000007ULL;
	p.guest_svn = 2;
	p.report_version = 3;
	return p;
}

// The simulated PSP, as the suites leave it or newly launched.
bool sim_setup(Device &obs, const hsm_snp_sim_params &id)
{
	hsm_snp_sim_params p = id;
	p.flags = HSM_SNP_SIM_F_RELAUNCH;
	memcpy(obs.base(), &p, sizeof(p));
	hsm_op op{};
	op.resp_off = HSM_RESP_NONE;
	op.params = {0, sizeof(p)};
	return hsm_raw_ioctl(obs.fd(), HSM_IOC_SNP_SIM_SETUP, &op) == 0;
}

void summary(Shared &sh, unsigned seconds)
{
	printf("hsm-fuzz: %" PRIu64 " executions in %u s by %u threads, %" PRIu64
	       " known-answer checks, %" PRIu64 " chaos events\n",
	       sh.execs.load(), seconds, sh.opt.threads, sh.kat_runs.load(), sh.chaos_events.load());
	printf("hsm-fuzz: chaos: %s; %" PRIu64 " bursts of racing writes\n", chaos_summary(sh).c_str(),
	       sh.races.load());
	printf("hsm-fuzz: answers by command (succeeded/answered):\n");
	std::string line;
	unsigned col = 0;
	for (const CmdSpec &s : commands()) {
		char buf[64];
		snprintf(buf, sizeof(buf), "  %-14s %6" PRIu64 "/%-6" PRIu64, s.name,
			 sh.counts.ok[s.idx].load(), sh.counts.sent[s.idx].load());
		line += buf;
		if (++col % 4 == 0) {
			printf("hsm-fuzz: %s\n", line.c_str());
			line.clear();
		}
	}
	if (!line.empty())
		printf("hsm-fuzz: %s\n", line.c_str());
	printf("hsm-fuzz:   numbers that are no command: %" PRIu64 "\n", sh.counts.other.load());
	if (sh.kcov)
		printf("hsm-fuzz: coverage: %zu distinct PCs in hsm.ko, %zu inputs in the corpus\n",
		       sh.cov.size(), sh.corpus.size());
	printf("hsm-fuzz: executions %" PRIu64 ", new coverage %" PRIu64 ", findings %u\n",
	       sh.execs.load(), sh.new_cov.load(), sh.findings.load());
	fflush(stdout);
}

}  // namespace

int run_fuzz(const Options &o)
{
	Shared sh(o);
	Device obs;
	Baseline base;
	pthread_rwlockattr_t attr;

	sh.kcov = access(kKcovPath, R_OK | W_OK) == 0;
	if (sh.kcov)
		printf("hsm-fuzz: kcov: coverage-guided, %u threads\n", o.threads);
	else
		printf("hsm-fuzz: no kcov (%s): random mode\n", kKcovPath);
	fflush(stdout);

	int r = obs.open(64 << 10);
	if (r || !get_info(obs.fd(), sh.info)) {
		printf("hsm-fuzz: cannot use %s: %s\n", HSM_DEVICE_PATH, strerror(r ? -r : EPROTO));
		return 2;
	}
	sh.hooks = sh.info.features & HSM_FEAT_TEST_HOOKS;
	hsm_get_algs ga{};
	sh.algs = hsm_raw_ioctl(obs.fd(), HSM_IOC_GET_ALGS, &ga);
	sh.sim = identity();
	if (sh.hooks && !sim_setup(obs, sh.sim))
		printf("hsm-fuzz: SNP_SIM_SETUP failed: platform commands will fail\n");
	if (!measure(obs, base)) {
		printf("hsm-fuzz: GET_STATS failed (not root?)\n");
		return 2;
	}
	base.slots = list_slots(obs.fd(), obs.base(), obs.size() - 4096);
	if ((r = sh.dev.open(sh.map.size()))) {
		printf("hsm-fuzz: cannot open the connection: %s\n", strerror(-r));
		return 2;
	}
	sh.tally.add(HSM_IOC_SHM_SETUP, 0, true);
	/* Made once, before the threads need it: slow under TCG. */
	ref::rsa2048();
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&sh.lock, &attr);

	std::vector<std::unique_ptr<Worker>> workers;
	for (unsigned i = 0; i <= o.threads; i++) {
		workers.push_back(std::make_unique<Worker>(sh, i));
		for (unsigned k = 0; k < 3; k++)
			workers.back()->pool.slots.push_back({"fz" + std::to_string(i) + "-" + std::to_string(k), false, {}});
		/* One name every thread stores, opens, seals and deletes. */
		workers.back()->pool.slots.push_back({"fz-shared", false, {}});
		sh.workers.push_back(workers.back().get());
	}
	make_shared_contexts(*workers[o.threads]);
	const time_t start = time(nullptr);
	std::vector<std::thread> threads;
	for (unsigned i = 0; i < o.threads; i++)
		threads.emplace_back(worker_main, std::ref(*workers[i]));
	threads.emplace_back(chaos_main, std::ref(*workers[o.threads]));
	threads.emplace_back(racer_main, std::ref(sh), Rng::stream(o.seed, o.threads + 1));
	while (!sh.stop && time(nullptr) - start < static_cast<time_t>(o.seconds))
		usleep(100000);
	const bool stopped_early = sh.stop;
	sh.stop = true;
	for (std::thread &t : threads)
		t.join();
	const unsigned seconds = static_cast<unsigned>(time(nullptr) - start);

	if (!stopped_early)
		check_counters(*workers[o.threads], "at the end of the run");
	sh.workers.clear();
	workers.clear();
	sh.dev.close();
	delete_new_slots(obs, base);
	delete_user_slots();
	if (sh.hooks)
		sim_setup(obs, sh.sim);
	std::string e = settle(obs, base);
	if (!e.empty()) {
		std::string names;
		for (const SlotName &sl : list_slots(obs.fd(), obs.base(), obs.size() - 4096))
			names += " " + sl.name + (sl.flags ? "(group)" : "");
		sh.finding("once every connection of the run closed, " + e + "; root's slots:" + names);
	}
	summary(sh, seconds);
	pthread_rwlock_destroy(&sh.lock);
	return sh.findings ? 1 : 0;
}

}  // namespace fz
