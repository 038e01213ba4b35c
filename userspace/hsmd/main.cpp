// SPDX-License-Identifier: GPL-2.0 OR MIT
// hsmd: the worker that computes, for hsm.ko, the asymmetric algorithms the
// kernel lacks (ECDSA, Ed25519, RSA-PSS, RSA-OAEP), with OpenSSL.  Started by root
// (systemd's hsmd.service), it opens /dev/hsm, attaches as the module's
// worker, then drops to its own user, locks itself down and serves.  It
// stores no key: each request brings what it needs, both ends of it are
// wiped when it is answered, and a key it parsed is kept only until the
// module destroys it (cache.hpp).  See hsmd(8).
#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <pthread.h>
#include <unistd.h>
#include <vector>

#include "channel.hpp"
#include "check.hpp"
#include "harden.hpp"
#include "ops.hpp"
#include "serve.hpp"

namespace {

struct Options {
	const char *device = HSM_DEVICE_PATH;
	const char *user = "hsmd";
	const char *pidfile = nullptr;
	unsigned slots = 8;
	unsigned threads = 0;	// 0: one per online CPU, at most one per slot
	bool check = false;	// --check-confinement
};

[[noreturn]] void usage(int rc)
{
	std::fprintf(rc ? stderr : stdout,
		     "usage: hsmd [--device PATH] [--slots N] [--threads N] [--user NAME] [--pidfile FILE]\n"
		     "  --device PATH   the HSM device (default %s)\n"
		     "  --slots N       requests in flight at once, 1..%d (default 8)\n"
		     "  --threads N     serving threads, 1..slots (default: one per CPU)\n"
		     "  --user NAME     the user to serve as, never root (default hsmd)\n"
		     "  --pidfile FILE  write the pid there once attached\n"
		     "usage: hsmd --check-confinement [--user NAME]\n"
		     "  try, in children confined as hsmd confines itself, what the filter\n"
		     "  forbids (socket, execve: killed; open: EACCES); exit 0 if all held\n",
		     HSM_DEVICE_PATH, HSM_WORKER_SLOTS_MAX);
	std::exit(rc);
}

Options parse(int argc, char **argv)
{
	Options o;
	for (int i = 1; i < argc; i++) {
		std::string_view a = argv[i];
		if (a == "--help" || a == "-h")
			usage(0);
		if (a == "--check-confinement") {
			o.check = true;
			continue;
		}
		if (i + 1 >= argc)
			usage(2);
		const char *v = argv[++i];
		if (a == "--device") {
			o.device = v;
		} else if (a == "--user") {
			o.user = v;
		} else if (a == "--pidfile") {
			o.pidfile = v;
		} else if (a == "--slots" || a == "--threads") {
			char *end;
			unsigned long n = std::strtoul(v, &end, 10);
			if (*end || n < 1 || n > HSM_WORKER_SLOTS_MAX)
				usage(2);
			(a == "--slots" ? o.slots : o.threads) = static_cast<unsigned>(n);
		} else {
			usage(2);
		}
	}
	if (o.threads > o.slots)
		usage(2);
	if (!o.threads) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		o.threads = static_cast<unsigned>(std::clamp<long>(cpus, 1, o.slots));
	}
	return o;
}

int fail(const char *what, int err)
{
	std::fprintf(stderr, "hsmd: cannot %s: %s\n", what, std::strerror(-err));
	return 1;
}

// Load OpenSSL's configuration and touch every algorithm once, while files
// may still be opened: after confine() none can be.
int warm_up()
{
	if (!OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, nullptr))
		return -EIO;
	static constexpr const char *kAlgs[] = { "ecdsa-p256-sha256", "ecdsa-p384-sha384",
						 "ed25519" };
	std::array<std::uint8_t, 512> priv, pub, sig;
	const std::uint8_t msg[1] = { 0 };
	for (const char *alg : kAlgs) {
		std::size_t priv_len, pub_len, sig_len;
		int r = hsmd::generate(alg, 0, priv, priv_len, pub, pub_len);
		if (!r)
			r = hsmd::sign(alg, 0, std::span(priv).first(priv_len), msg, sig, sig_len);
		if (!r)
			r = hsmd::verify(alg, 0, std::span(pub).first(pub_len), msg,
					 std::span(sig).first(sig_len));
		OPENSSL_cleanse(priv.data(), priv.size());
		if (r)
			return r;
	}
	return 0;
}

// The serving threads: made before confine() (which then covers them
// too), they wait at the barrier until it has run, then each serves its
// lane.  A lane that fails for any reason but the module detaching the
// worker ends the process: its callers must not wait for a deadline.
struct Lanes {
	hsmd::Channel *ch;
	pthread_barrier_t confined;
	std::vector<pthread_t> threads;
};

int serve_lane(hsmd::Channel &ch, unsigned lane)
{
	int r = ch.start(lane);
	while (!r)
		r = ch.serve(lane, hsmd::serve_request);
	return r;
}

struct LaneArg {
	Lanes *lanes;
	unsigned lane;
};

void *lane_main(void *p)
{
	auto *a = static_cast<LaneArg *>(p);
	pthread_barrier_wait(&a->lanes->confined);
	int r = serve_lane(*a->lanes->ch, a->lane);
	if (r != -ECANCELED) {
		std::fprintf(stderr, "hsmd: cannot serve (thread %u): %s\n", a->lane, std::strerror(-r));
		_exit(1);
	}
	return nullptr;
}

// Threads for lanes 1..n-1 (lane 0 is the main thread's), with 1 MiB
// stacks: locked memory, like everything else.
int spawn_lanes(Lanes &l, unsigned n, std::vector<LaneArg> &args)
{
	pthread_attr_t attr;
	if (pthread_barrier_init(&l.confined, nullptr, n) || pthread_attr_init(&attr))
		return -ENOMEM;
	pthread_attr_setstacksize(&attr, 1 << 20);
	args.resize(n);
	int r = 0;
	for (unsigned i = 1; i < n && !r; i++) {
		args[i] = {&l, i};
		pthread_t t;
		r = -pthread_create(&t, &attr, lane_main, &args[i]);
		if (!r)
			l.threads.push_back(t);
	}
	pthread_attr_destroy(&attr);
	return r;
}

// The post-quantum schemes the module names, and GET_ALGS lists as
// unavailable: whether this OpenSSL has them, said once at start-up.
// None is served even where present: the module has no command for
// them (no KEM encapsulation, no key of their size in a request).
void report_post_quantum()
{
	std::string said;
	for (const char *t : {"ML-DSA-65", "ML-KEM-768"})
		said += std::string(said.empty() ? "" : ", ") + t +
			(hsmd::openssl_has(t) ? " present" : " absent");
	std::fprintf(stderr, "hsmd: post-quantum in %s: %s; not served\n",
		     OpenSSL_version(OPENSSL_VERSION), said.c_str());
}

int write_pidfile(const char *path)
{
	FILE *f = std::fopen(path, "w");
	if (!f)
		return -errno;
	std::fprintf(f, "%d\n", getpid());
	return std::fclose(f) ? -errno : 0;
}

} // namespace

int main(int argc, char **argv)
{
	Options o = parse(argc, argv);
	if (o.check)
		return hsmd::check_confinement(o.user);
	hsmd::Channel ch;
	const char *step;
	int r;

	if ((r = warm_up()))
		return fail("set up OpenSSL", r);
	report_post_quantum();
	if ((r = hsmd::lock_memory()))
		return fail("lock its memory", r);
	if ((r = ch.open(o.device, o.slots, o.threads, &step)))
		return fail(step, r);
	Lanes lanes{&ch, {}, {}};
	std::vector<LaneArg> args;
	if ((r = spawn_lanes(lanes, o.threads, args)))
		return fail("start its threads", r);
	if (o.pidfile && (r = write_pidfile(o.pidfile)))
		return fail("write the pid file", r);
	if ((r = hsmd::drop_to(o.user)))
		return fail((std::string("become user ") + o.user).c_str(), r);
	if ((r = hsmd::confine()))
		return fail("confine itself (seccomp)", r);
	std::fprintf(stderr, "hsmd: attached to %s as the worker, %u slots, %u threads, as user %s\n",
		     o.device, o.slots, o.threads, o.user);
	pthread_barrier_wait(&lanes.confined);
	r = serve_lane(ch, 0);
	if (r != -ECANCELED)
		return fail("serve", r);
	// Detached: every lane's fetches were handed back.
	for (pthread_t t : lanes.threads)
		pthread_join(t, nullptr);
	std::fprintf(stderr, "hsmd: detached by the module\n");
	return 0;
}
