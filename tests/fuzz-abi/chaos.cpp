// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "chaos.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hsm/raw.h>

#include "builder.hpp"
#include "fuzz.hpp"
#include "kat.hpp"
#include "oracle.hpp"
#include "program.hpp"
#include "refcrypto.hpp"
#include "worker.hpp"

namespace fz {

namespace {

// The layout of a connection a child opens for itself: one area.
const RegionMap kOwnMap(1);

// What a forked child tells its parent.
struct ChildReport {
	uint64_t req[HSM_STATS_CMDS];
	uint64_t err[HSM_STATS_STATUSES];
	uint32_t bad;
	char what[1024];
};

class ReadLock {
public:
	explicit ReadLock(pthread_rwlock_t *l) : l_(l) { pthread_rwlock_rdlock(l_); }
	~ReadLock() { pthread_rwlock_unlock(l_); }

private:
	pthread_rwlock_t *l_;
};

class WriteLock {
public:
	explicit WriteLock(pthread_rwlock_t *l) : l_(l) { pthread_rwlock_wrlock(l_); }
	~WriteLock() { pthread_rwlock_unlock(l_); }

private:
	pthread_rwlock_t *l_;
};

void sleep_ms(Shared &sh, uint64_t ms)
{
	while (ms && !sh.stop) {
		const uint64_t s = std::min<uint64_t>(ms, 50);
		usleep(static_cast<useconds_t>(s * 1000));
		ms -= s;
	}
}

// Programs for a child: it may not call OpenSSL (another thread may hold
// its locks across the fork), so nothing it runs checks outputs; and they
// are all made from what the parent believed before any ran, so only the
// answers no state decides (malformed commands') are known.
std::vector<Program> child_programs(Worker &w, unsigned n)
{
	std::vector<Program> v;
	for (unsigned i = 0; i < n; i++) {
		Program p = make_program(w);
		p.racy = false;
		for (Input &u : p.units) {
			u.verify = nullptr;
			if (u.expect.mode == Expect::Valid)
				u.expect = Expect{};
		}
		v.push_back(std::move(p));
	}
	return v;
}

// Slow commands a child is killed in the middle of: digests in slices,
// many at once, and keys and contexts its connection must free.
std::vector<Program> slow_programs(Rng &rng)
{
	std::vector<Program> v;
	auto digest = [&](bool big) {
		const uint32_t n = big ? geometry(true).in_max : geometry(false).in_max;
		Bytes msg(n);
		rng.fill(msg.data(), n);
		static const std::string alg = "sha3-512";
		return Builder(HSM_IOC_DIGEST, big).resp().params({reinterpret_cast<const uint8_t *>(alg.data()), alg.size()})
			.in(msg).out(64).done();
	};
	for (Via via : {Via::Batch, Via::VectorUring, Via::VectorIoctl}) {
		Program p;
		p.via = via;
		for (unsigned i = 0; i < kSmallLanes; i++)
			p.units.push_back(digest(false));
		v.push_back(std::move(p));
	}
	Program big;
	big.via = Via::Ioctl;
	big.units.push_back(digest(true));
	v.push_back(std::move(big));
	Program keys;
	keys.via = Via::Batch;
	for (unsigned i = 0; i < 4; i++) {
		hsm_key_params kp{};
		strcpy(kp.alg, "secret");
		kp.perms = HSM_PERM_DERIVE;
		kp.key_len = 16320;
		keys.units.push_back(Builder(HSM_IOC_KEY_GENERATE, false).resp().params_of(kp).done());
		hsm_ctx_params cp{};
		strcpy(cp.alg, "sha-512");
		cp.op = HSM_CTX_HASH;
		keys.units.push_back(Builder(HSM_IOC_CTX_CREATE, false).resp().params_of(cp).done());
	}
	v.push_back(std::move(keys));
	return v;
}

void fail(ChildReport &rep, const std::string &what)
{
	if (!rep.bad)
		snprintf(rep.what, sizeof(rep.what), "%s", what.c_str());
	rep.bad = 1;
}

// In the child: map the inherited connection's region (a mapping is not
// inherited), use what the parent made, perhaps close the fd.
void child_use(Shared &sh, Worker &w, int fd, size_t size, const std::vector<Program> &progs,
	       const KatDigest &kd, Via kvia, bool close_fd, ChildReport &rep)
{
	void *p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, HSM_SHM_MMAP_OFFSET);
	if (p == MAP_FAILED) {
		fail(rep, std::string("mmap of the inherited connection: ") + strerror(errno));
		return;
	}
	Tally tally;
	{
		Executor ex;
		Target t{fd, static_cast<uint8_t *>(p), &sh.map, w.area, &tally, sh.hooks};
		std::string e = kat_check_digest(ex, t, kd, kvia);
		if (!e.empty())
			fail(rep, "in a forked child: " + e);
		for (const Program &prog : progs) {
			std::vector<Answer> ans;
			Answer vec;
			e = ex.run(t, prog, ans, vec, nullptr, nullptr);
			if (e.empty()) {
				auto v = judge(prog, ans, vec, sh.hooks);
				if (!v.empty())
					e = v[0].what + "; " + describe(prog, v[0].unit, ans, vec);
			}
			if (!e.empty())
				fail(rep, "in a forked child: " + e);
		}
		/* The keys the parent made are the child's too: release some. */
		for (size_t i = 0; i < w.pool.keys.size(); i += 2) {
			Program rel;
			rel.via = Via::Ioctl;
			rel.units.push_back(Builder(HSM_IOC_KEY_RELEASE, false).handle(w.pool.keys[i].id).resp()
						    .ok(0, {ENOENT}).done());
			std::vector<Answer> ans;
			Answer vec;
			e = ex.run(t, rel, ans, vec, nullptr, nullptr);
			auto v = judge(rel, ans, vec, sh.hooks);
			if (e.empty() && !v.empty())
				e = v[0].what;
			if (!e.empty())
				fail(rep, "releasing an inherited key: " + e);
		}
	}
	tally.snapshot(rep.req, rep.err);
	munmap(p, size);
	if (close_fd)
		close(fd);
}

// A child ran commands on w's contexts: where they stand is unknown.
void taint_all(Worker &w)
{
	for (Ctx &x : w.pool.ctxs)
		x.tainted = true;
}

bool read_all(int fd, void *buf, size_t n)
{
	auto *p = static_cast<uint8_t *>(buf);
	while (n) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		p += r;
		n -= static_cast<size_t>(r);
	}
	return true;
}

void fork_use(Worker &w)
{
	Shared &sh = w.sh;
	ReadLock lock(&sh.lock);
	std::vector<Program> progs = child_programs(w, 6);
	const KatDigest kd = kat_digest(w.rng);
	const Via kvia = w.rng.one_in(2) ? Via::Ioctl : Via::VectorUring;
	const bool close_fd = w.rng.one_in(2);
	int pfd[2];

	if (pipe2(pfd, O_CLOEXEC))
		return;
	fflush(nullptr);
	pid_t pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		static ChildReport rep;
		child_use(sh, w, sh.dev.fd(), sh.dev.size(), progs, kd, kvia, close_fd, rep);
		ssize_t n = write(pfd[1], &rep, sizeof(rep));
		_exit(n == sizeof(rep) && !rep.bad ? 0 : 1);
	}
	close(pfd[1]);
	taint_all(w);
	static ChildReport rep;
	memset(&rep, 0, sizeof(rep));
	const bool got = pid > 0 && read_all(pfd[0], &rep, sizeof(rep));
	close(pfd[0]);
	int st = 0;
	if (pid > 0)
		waitpid(pid, &st, 0);
	if (got)
		sh.tally.merge(rep.req, rep.err);
	else
		sh.tally.lose_requests();
	if (pid > 0 && (!got || !WIFEXITED(st) || WEXITSTATUS(st)))
		sh.finding(std::string("a forked child using the inherited connection failed (status ") +
			   std::to_string(st) + "): " + rep.what);
}

// A child in the middle of slow commands, on its own connection or the
// inherited one, killed.
void fork_kill(Worker &w)
{
	Shared &sh = w.sh;
	const bool own = !w.rng.one_in(4);
	std::vector<Program> progs = slow_programs(w.rng);
	for (Program &p : child_programs(w, 3))
		progs.push_back(std::move(p));
	const uint64_t delay_us = w.rng.below(30000);
	int pfd[2];

	if (pipe2(pfd, O_CLOEXEC))
		return;
	ReadLock lock(&sh.lock);
	fflush(nullptr);
	pid_t pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		hsm_raw_conn c{};
		Target t{};
		if (own) {
			if (hsm_raw_connect(&c, nullptr, kOwnMap.size()))
				_exit(2);
			t = {c.fd, static_cast<uint8_t *>(c.base), &kOwnMap, 0, nullptr, sh.hooks};
		} else {
			void *p = mmap(nullptr, sh.dev.size(), PROT_READ | PROT_WRITE, MAP_SHARED,
				       sh.dev.fd(), HSM_SHM_MMAP_OFFSET);
			if (p == MAP_FAILED)
				_exit(3);
			t = {sh.dev.fd(), static_cast<uint8_t *>(p), &sh.map, w.area, nullptr, sh.hooks};
		}
		Executor ex;
		if (write(pfd[1], "r", 1) != 1)
			_exit(4);
		for (;;)
			for (const Program &p : progs) {
				std::vector<Answer> ans;
				Answer vec;
				ex.run(t, p, ans, vec, nullptr, nullptr);
			}
	}
	close(pfd[1]);
	if (pid < 0) {
		close(pfd[0]);
		return;
	}
	if (!own) {
		sh.tally.lose_requests();
		taint_all(w);
	}
	pollfd pf = {pfd[0], POLLIN, 0};
	char c;
	if (poll(&pf, 1, 30000) == 1 && read(pfd[0], &c, 1) == 1)
		usleep(static_cast<useconds_t>(delay_us));
	close(pfd[0]);
	kill(pid, SIGKILL);
	int st = 0;
	waitpid(pid, &st, 0);
	if (!(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL))
		sh.finding("a child killed in the middle of a batch ended with status " + std::to_string(st));
}

// An fd closed while commands on it are in flight.
void dup_close(Worker &w)
{
	Shared &sh = w.sh;
	ReadLock lock(&sh.lock);
	Target t = sh.target(w.area);
	Program p = make_program(w);
	if (p.via != Via::VectorIoctl && p.via != Via::VectorUring)
		p.via = p.units.size() > 1 ? Via::Batch : Via::Uring;
	else
		p.via = Via::VectorUring;
	t.fd = dup(t.fd);
	if (t.fd < 0)
		return;
	const int fd = t.fd;
	std::vector<Answer> ans;
	Answer vec;
	std::string e = w.exec.run(t, p, ans, vec, nullptr, nullptr, [fd] { close(fd); });
	if (e.empty()) {
		auto v = judge(p, ans, vec, sh.hooks);
		if (!v.empty())
			e = v[0].what + "; " + describe(p, v[0].unit, ans, vec);
	}
	if (!e.empty())
		sh.finding("with its fd closed in flight: " + e);
	absorb(w, p, ans, vec);
}

// A whole connection, with keys, contexts and commands in flight, gone:
// its fd closed and its region unmapped before the answers arrive.
void connection_gone(Worker &w)
{
	Shared &sh = w.sh;
	hsm_raw_conn c{};
	if (hsm_raw_connect(&c, nullptr, kOwnMap.size()))
		return;
	Executor ex;
	Target t{c.fd, static_cast<uint8_t *>(c.base), &kOwnMap, 0, nullptr, sh.hooks};
	std::vector<Program> progs = slow_programs(w.rng);
	std::vector<Answer> ans;
	Answer vec;
	std::string e = ex.run(t, progs.back(), ans, vec, nullptr, nullptr);	/* keys, contexts */
	Program &last = progs[w.rng.below(2)];
	for (Input &u : last.units) {
		u.expect = Expect{};
		u.verify = nullptr;
	}
	t.read_back = false;
	if (e.empty())
		e = ex.run(t, last, ans, vec, nullptr, nullptr, [&c] {
			munmap(c.base, c.size);
			close(c.fd);
		});
	else
		hsm_raw_disconnect(&c);
	if (e.empty()) {
		auto v = judge(last, ans, vec, sh.hooks);
		if (!v.empty())
			e = v[0].what + "; " + describe(last, v[0].unit, ans, vec);
	}
	if (!e.empty())
		sh.finding("with its connection closed in flight: " + e);
}

// A user without CAP_SYS_ADMIN, whom the per-user shares bind: a child
// that becomes one, opens connections of its own up to its share and
// fills them with keys and contexts past it (EDQUOT), runs the chaos
// thread's programs there, and exits or is killed.  Whatever its
// connections charged must be given back: the module warns when a user's
// record goes with anything still charged.
constexpr uid_t kUser = 65534;
constexpr gid_t kDeviceGroup = 4243;	/* as the suites grant it */

void as_user(Worker &w)
{
	Shared &sh = w.sh;
	std::vector<Program> progs = slow_programs(w.rng);
	for (Program &p : child_programs(w, 4))
		progs.push_back(std::move(p));
	const bool kill_it = w.rng.one_in(3);
	const uint64_t delay_us = w.rng.below(200000);
	int pfd[2];

	if (chown(HSM_DEVICE_PATH, 0, kDeviceGroup) || pipe2(pfd, O_CLOEXEC))
		return;
	fflush(nullptr);
	pid_t pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		static char what[1024];
		const gid_t groups[] = {kDeviceGroup};
		if (setgroups(1, groups) || setgid(kUser) || setuid(kUser))
			_exit(3);
		std::vector<hsm_raw_conn> conns;
		for (unsigned i = 0; i < sh.info.uid_max_connections + 1; i++) {
			hsm_raw_conn c{};
			int r = hsm_raw_connect(&c, nullptr, kOwnMap.size());
			if (!r)
				conns.push_back(c);
			else if (r != -EDQUOT && r != -ENFILE && r != -ENOSPC)
				snprintf(what, sizeof(what), "a user's connection %u: %s", i, strerror(-r));
		}
		if (!what[0] && conns.size() > sh.info.uid_max_connections)
			snprintf(what, sizeof(what), "a user opened %zu connections, its share is %u",
				 conns.size(), sh.info.uid_max_connections);
		{
			Executor ex;
			for (int round = 0; round < 4 && !what[0]; round++)
				for (const hsm_raw_conn &c : conns)
					for (const Program &p : progs) {
						Target t{c.fd, static_cast<uint8_t *>(c.base), &kOwnMap, 0, nullptr, sh.hooks};
						std::vector<Answer> ans;
						Answer vec;
						std::string e = ex.run(t, p, ans, vec, nullptr, nullptr);
						if (e.empty()) {
							auto v = judge(p, ans, vec, sh.hooks);
							if (!v.empty())
								e = v[0].what + "; " + describe(p, v[0].unit, ans, vec);
						}
						if (!e.empty() && !what[0])
							snprintf(what, sizeof(what), "as a user: %s", e.c_str());
					}
		}
		ssize_t n = write(pfd[1], what, strlen(what));
		(void)n;
		_exit(what[0] ? 1 : 0);
	}
	close(pfd[1]);
	if (pid < 0) {
		close(pfd[0]);
		return;
	}
	if (kill_it) {
		usleep(static_cast<useconds_t>(delay_us));
		kill(pid, SIGKILL);
	}
	static char what[1024];
	memset(what, 0, sizeof(what));
	ssize_t n = read(pfd[0], what, sizeof(what) - 1);
	(void)n;
	close(pfd[0]);
	int st = 0;
	waitpid(pid, &st, 0);
	if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0) && !(kill_it && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL))
		sh.finding(std::string("a child as another user ended with status ") + std::to_string(st) +
			   ": " + what);
}

std::string mmap_expect(int fd, size_t len, int prot, int flags, off_t off, int want)
{
	void *p = mmap(nullptr, len, prot, flags, fd, off);
	const int got = p == MAP_FAILED ? errno : 0;
	if (p != MAP_FAILED)
		munmap(p, len);
	if (got == want)
		return "";
	return "mmap(len " + std::to_string(len) + ", prot " + std::to_string(prot) + ", flags " +
	       std::to_string(flags) + ", offset " + std::to_string(off) + ") gave " +
	       (got ? errno_name(got) : "success") + " where " + (want ? errno_name(want) : "success") +
	       " is right";
}

// The region unmapped and mapped again, besides other mappings of it.
void remap(Worker &w)
{
	Shared &sh = w.sh;
	WriteLock lock(&sh.lock);
	const int fd = sh.dev.fd();
	const size_t size = sh.dev.size(), page = 4096;
	const off_t off = static_cast<off_t>(page * w.rng.below(size / page));
	std::string e;

	if (sh.dev.remap()) {
		sh.finding("the region could not be mapped again");
		sh.stop = true;
		return;
	}
	for (std::string x : {mmap_expect(fd, size - off, PROT_READ | PROT_WRITE, MAP_SHARED, off, 0),
			      mmap_expect(fd, page, PROT_READ, MAP_PRIVATE, 0, EINVAL),
			      mmap_expect(fd, page, PROT_READ | PROT_EXEC, MAP_SHARED, 0, EPERM),
			      mmap_expect(fd, page, PROT_READ, MAP_SHARED, static_cast<off_t>(size), EINVAL),
			      mmap_expect(fd, size + page, PROT_READ, MAP_SHARED, 0, EINVAL)})
		if (e.empty())
			e = x;
	if (!e.empty())
		sh.finding(e);
}

// Close the connection and open another: everything it held goes.
void reconnect(Worker &w)
{
	Shared &sh = w.sh;
	WriteLock lock(&sh.lock);
	const size_t size = sh.dev.size();

	check_counters(w, "before it was closed");
	sh.dev.close();
	int r = sh.dev.open(size);
	if (r) {
		sh.finding(std::string("reopening the connection: ") + strerror(-r));
		sh.stop = true;
		return;
	}
	sh.tally.reset();
	sh.tally.add(HSM_IOC_SHM_SETUP, 0, true);	/* the new connection's own */
	sh.generation++;
	make_shared_contexts(w);
}

// Release the connection's keys no thread tracks (made by commands whose
// answer could not be read back).
void janitor(Worker &w)
{
	Shared &sh = w.sh;
	WriteLock lock(&sh.lock);
	Target t = sh.target(w.area);
	Program list;
	list.via = Via::Ioctl;
	list.units.push_back(Builder(HSM_IOC_KEY_LIST, true).resp().out(64 * sizeof(hsm_key_info)).ok().done());
	std::vector<Answer> ans;
	Answer vec;
	if (!w.exec.run(t, list, ans, vec, nullptr, nullptr).empty() || ans[0].res <= 0)
		return;
	std::vector<uint64_t> known;
	for (Worker *x : sh.workers) {
		for (const Key &k : x->pool.keys)
			known.push_back(k.id);
		known.push_back(x->kat_hmac);
		known.push_back(x->kat_aead);
	}
	const auto *info = reinterpret_cast<const hsm_key_info *>(ref_bytes(ans[0], R_OUT, 64 * sizeof(hsm_key_info)).data());
	Program rel;
	rel.via = Via::Batch;
	for (long i = 0; i < std::min<long>(ans[0].res, 64) && rel.units.size() < kSmallLanes; i++)
		if (std::find(known.begin(), known.end(), info[i].id) == known.end())
			rel.units.push_back(Builder(HSM_IOC_KEY_RELEASE, false).handle(info[i].id).resp()
						    .ok(0, {ENOENT}).done());
	if (!rel.units.empty())
		w.exec.run(t, rel, ans, vec, nullptr, nullptr);
}

const struct {
	const char *name;
	void (*fn)(Worker &);
	unsigned weight;
} kEvents[] = {
	{"fork", fork_use, 22}, {"kill", fork_kill, 18}, {"fd closed", dup_close, 14},
	{"connection closed", connection_gone, 13}, {"remap", remap, 10},
	{"reopen", reconnect, 7}, {"janitor", janitor, 8}, {"user", as_user, 8},
};

}  // namespace

void make_shared_contexts(Worker &w)
{
	static const struct {
		const char *alg;
		uint32_t op;
		bool keyed;
	} kinds[] = {{"sha-256", HSM_CTX_HASH, false}, {"sha3-512", HSM_CTX_HASH, false},
		     {"hmac-sha-256", HSM_CTX_MAC, true}, {"aes-256-gcm", HSM_CTX_SEAL, true},
		     {"aes-256-gcm", HSM_CTX_OPEN, true}, {"aes-128-cbc", HSM_CTX_ENCRYPT, true}};
	Shared &sh = w.sh;
	const Target t = sh.target(w.area);
	std::vector<Answer> ans;
	Answer vec;

	sh.shared_ctxs.clear();
	for (const auto &k : kinds) {
		uint64_t key = 0;
		if (k.keyed) {
			hsm_key_params p{};
			strcpy(p.alg, k.alg);
			p.perms = k.op == HSM_CTX_MAC ? HSM_PERM_SIGN : HSM_PERM_ENCRYPT | HSM_PERM_DECRYPT;
			p.key_len = k.op == HSM_CTX_MAC ? 32 : 0;
			Program g;
			g.units.push_back(Builder(HSM_IOC_KEY_GENERATE, false).resp().params_of(p).done());
			if (!w.exec.run(t, g, ans, vec, nullptr, nullptr).empty() || ans[0].res)
				continue;
			key = ans[0].rec.value;
		}
		hsm_ctx_params cp{};
		strcpy(cp.alg, k.alg);
		cp.op = k.op;
		Program c;
		c.units.push_back(Builder(HSM_IOC_CTX_CREATE, false).handle(key).resp().params_of(cp).done());
		if (w.exec.run(t, c, ans, vec, nullptr, nullptr).empty() && !ans[0].res)
			sh.shared_ctxs.push_back({ans[0].rec.value, k.op});
		/* The context holds the key: the table need not. */
		if (key) {
			Program r;
			r.units.push_back(Builder(HSM_IOC_KEY_RELEASE, false).handle(key).resp().done());
			w.exec.run(t, r, ans, vec, nullptr, nullptr);
		}
	}
}

std::string chaos_summary(const Shared &sh)
{
	std::string s;
	for (size_t i = 0; i < std::size(kEvents); i++)
		s += std::string(i ? ", " : "") + kEvents[i].name + " " + std::to_string(sh.chaos_by[i].load());
	return s;
}

void check_counters(Worker &w, const char *when)
{
	Shared &sh = w.sh;
	hsm_stats st;

	if (!get_stats(sh.dev.fd(), true, st)) {
		sh.finding(std::string("GET_STATS of the connection failed ") + when);
		return;
	}
	std::string e = sh.tally.compare(st);
	/* The request that asked is counted once it has answered. */
	sh.tally.add(HSM_IOC_GET_STATS, sizeof(st), true);
	if (!e.empty())
		sh.finding(std::string("the connection's statistics ") + when + ": " + e);
}

void chaos_main(Worker &w)
{
	Shared &sh = w.sh;

	while (!sh.stop) {
		for (int i = 0; i < 4 && !sh.stop; i++) {
			ReadLock lock(&sh.lock);
			step(w);
		}
		sleep_ms(sh, w.rng.range(100, 700));
		if (!sh.opt.chaos || sh.stop)
			continue;
		uint64_t r = w.rng.below(100);
		for (size_t i = 0; i < std::size(kEvents); i++) {
			if (r < kEvents[i].weight) {
				kEvents[i].fn(w);
				sh.chaos_events++;
				sh.chaos_by[i]++;
				break;
			}
			r -= kEvents[i].weight;
		}
	}
}

void delete_user_slots()
{
	if (chown(HSM_DEVICE_PATH, 0, kDeviceGroup))
		return;
	pid_t pid = fork();
	if (pid != 0) {
		if (pid > 0)
			waitpid(pid, nullptr, 0);
		return;
	}
	const gid_t groups[] = {kDeviceGroup};
	hsm_raw_conn c{};
	if (setgroups(1, groups) || setgid(kUser) || setuid(kUser) ||
	    hsm_raw_connect(&c, nullptr, 65536))
		_exit(1);
	constexpr size_t kParams = 32768;
	for (const SlotName &sl : list_slots(c.fd, static_cast<uint8_t *>(c.base), kParams))
		delete_slot(c.fd, static_cast<uint8_t *>(c.base), kParams, sl);
	_exit(0);
}

}  // namespace fz
