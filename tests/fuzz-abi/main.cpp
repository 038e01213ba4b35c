// SPDX-License-Identifier: GPL-2.0 OR MIT
// hsm-fuzz: an ABI fuzzer and a systematic fault injector for /dev/hsm,
// run in the test guest.
//
//   hsm-fuzz fuzz [--seed N] [--seconds S] [--threads T] [--no-chaos] [--trace T]
//   hsm-fuzz faults [--seed N] [--class NAME]
//
// The seed comes first in the output, always: the same seed replays every
// thread's choices (thread timing aside).  Exits 0 when nothing was found,
// 1 on a finding, 2 when it could not run, 77 when fault injection is not
// available for `faults`.
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

#include "faults.hpp"
#include "fuzz.hpp"
#include "worker.hpp"

namespace {

// Each thread has its area of the region (480 KiB, region.hpp): twelve and
// the chaos thread's fit the 8 MiB max_region_size the test guest sets.
constexpr uint64_t kMaxThreads = 12;

int usage()
{
	fprintf(stderr, "usage: hsm-fuzz fuzz [--seed N] [--seconds S] [--threads T] [--no-chaos] [--trace T]\n"
			"       hsm-fuzz faults [--seed N] [--class NAME]\n");
	return 2;
}

bool number(const char *s, uint64_t &v)
{
	char *end;
	errno = 0;
	v = strtoull(s, &end, 0);
	return !errno && *s && !*end;
}

uint64_t time_seed()
{
	timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return static_cast<uint64_t>(ts.tv_sec) * 1000003ULL ^ static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace

int main(int argc, char **argv)
{
	fz::Options o;
	fz::FaultOptions fo;
	bool seeded = false;

	if (argc < 2)
		return usage();
	o.mode = argv[1];
	if (o.mode != "fuzz" && o.mode != "faults")
		return usage();
	for (int i = 2; i < argc; i++) {
		std::string a = argv[i];
		uint64_t v = 0;
		if (a == "--no-chaos") {
			o.chaos = false;
			continue;
		}
		const char *arg;
		if (size_t eq = a.find('='); eq != std::string::npos) {
			arg = argv[i] + eq + 1;
			a.resize(eq);
		} else if (i + 1 < argc) {
			arg = argv[++i];
		} else {
			return usage();
		}
		if (a == "--class") {
			fo.only = arg;
			continue;
		}
		if (!number(arg, v))
			return usage();
		if (a == "--seed") {
			o.seed = v;
			seeded = true;
		} else if (a == "--seconds" && v) {
			o.seconds = static_cast<unsigned>(v);
		} else if (a == "--threads" && v && v <= kMaxThreads) {
			o.threads = static_cast<unsigned>(v);
		} else if (a == "--trace" && v <= 16) {
			o.trace = static_cast<int>(v);
		} else {
			return usage();
		}
	}
	if (!seeded)
		o.seed = time_seed();
	/* First, always: what reproduces the run. */
	printf("hsm-fuzz: seed %" PRIu64 "\n", o.seed);
	fflush(stdout);
	fo.seed = o.seed;
	return o.mode == "fuzz" ? fz::run_fuzz(o) : fz::run_faults(fo);
}
