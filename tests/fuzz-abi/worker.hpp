// SPDX-License-Identifier: GPL-2.0 OR MIT
// The state of a fuzz run: what all threads share (the one connection, its
// layout, the coverage and corpus, the counters, the findings) and what
// each fuzzing thread owns.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <pthread.h>
#include <string>
#include <vector>

#include "device.hpp"
#include "exec.hpp"
#include "input.hpp"
#include "kcov.hpp"
#include "pool.hpp"
#include "race.hpp"
#include "region.hpp"
#include "rng.hpp"

namespace fz {

struct Options {
	std::string mode;
	uint64_t seed = 0;
	unsigned seconds = 60;
	unsigned threads = 4;
	bool chaos = true;
	int trace = -1;		// the thread whose every program is printed
};

// Commands answered, by table index, and how.
struct CmdCounts {
	std::atomic<uint64_t> sent[HSM_STATS_CMDS] = {};
	std::atomic<uint64_t> ok[HSM_STATS_CMDS] = {};
	std::atomic<uint64_t> other = 0;	// numbers that are not commands
};

class Corpus {
public:
	void add(const Input &u);
	bool pick(Rng &rng, Input &u);
	size_t size() const;

private:
	mutable std::mutex lock_;
	std::vector<Input> v_;
};

struct Worker;

struct Shared {
	explicit Shared(const Options &o) : opt(o), map(o.threads + 1) {}

	Options opt;
	RegionMap map;
	Device dev;		// the connection every thread uses
	// Read-held while a thread uses dev; write-held to remap or reopen it.
	pthread_rwlock_t lock;
	std::atomic<unsigned> generation{0};	// bumps when dev is reopened
	Tally tally;		// what dev's statistics must show
	hsm_info info{};
	bool hooks = false;	// the module has its test hooks
	long algs = 0;		// what GET_ALGS answers
	hsm_snp_sim_params sim{};	// the simulated PSP's identity

	// Contexts every thread calls at once, with short deadlines: made
	// when the connection is (chaos.cpp), answers unchecked.
	struct SharedCtx {
		uint64_t id;
		uint32_t op;
	};
	std::vector<SharedCtx> shared_ctxs;

	std::atomic<bool> stop{false};
	std::atomic<uint64_t> execs{0};
	std::atomic<uint64_t> new_cov{0};
	std::atomic<uint64_t> kat_runs{0};
	std::atomic<uint64_t> chaos_events{0};
	std::atomic<uint64_t> chaos_by[8] = {};	// by event, chaos.cpp's order
	std::atomic<uint64_t> races{0};		// bursts of racing writes
	std::atomic<unsigned> findings{0};
	CmdCounts counts;
	Coverage cov;
	Corpus corpus;
	bool kcov = false;
	std::vector<Worker *> workers;
	std::mutex print_lock;

	Target target(unsigned area)
	{
		return {dev.fd(), dev.base(), &map, area, &tally, hooks};
	}
	void finding(const std::string &text);
};

// A key wrapped by KEY_WRAP, for a valid KEY_UNWRAP.
struct Wrapped {
	uint64_t wrapping;	// the wrapping key
	int spec;		// the wrapped key's
	Bytes blob, iv, aad, tag;
};

// A fuzzing thread's own state.
struct Worker {
	Worker(Shared &s, unsigned i)
		: sh(s), index(i), area(i), rng(Rng::stream(s.opt.seed, i)) {}

	Shared &sh;
	unsigned index;
	unsigned area;
	Rng rng;
	Pool pool;
	Executor exec;
	Kcov kcov;
	RaceSlot race;
	unsigned generation = ~0U;
	uint64_t execs = 0;
	// Keys that only known-answer operations use (never mutated).
	uint64_t kat_hmac = 0, kat_aead = 0;
	Bytes kat_hmac_key, kat_aead_key;
	std::vector<Wrapped> wrapped;
};

}  // namespace fz
