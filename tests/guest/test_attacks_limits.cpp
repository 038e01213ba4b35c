// SPDX-License-Identifier: GPL-2.0 OR MIT
// Attacks on the module's limits by an unprivileged user: each test has
// one user (A, uid 65534) take all it can of one resource and checks that
// it is refused at its own share, with the documented errno, and that
// another user (B, uid 65533) still gets that resource.  The guest sets
// small shares (scripts/run-tests.sh), and GET_INFO says what they are.
#include <cerrno>
#include <criterion/criterion.h>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <functional>
#include <grp.h>
#include <memory>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include <linux/hsm.h>

namespace {

constexpr uid_t kUserA = 65534, kUserB = 65533;

// /dev/hsm is 0660 root and test_device checks that it stays so: the
// users reach the device through a node of their own, made for each test.
constexpr const char *kNode = "/tmp/hsm-attacks";

void node_create()
{
	struct stat st;
	cr_assert_eq(stat(HSM_DEVICE_PATH, &st), 0, "no %s", HSM_DEVICE_PATH);
	unlink(kNode);
	cr_assert_eq(mknod(kNode, S_IFCHR | 0600, st.st_rdev), 0, "mknod: %s", strerror(errno));
	cr_assert_eq(chmod(kNode, 0666), 0);
}

void node_remove()
{
	unlink(kNode);
}

hsm_info info()
{
	hsm_info i{};
	hsm_get_info gi{};
	gi.info_ptr = reinterpret_cast<uintptr_t>(&i);
	gi.info_size = sizeof(i);
	int fd = open(HSM_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	cr_assert_eq(ioctl(fd, HSM_IOC_GET_INFO, &gi), (int)sizeof(i));
	close(fd);
	if (!i.uid_max_connections)
		cr_skip_test("the module has no per-user shares");
	return i;
}

// A child's verdict: 0, or the line that failed (printed with why).
#define CHECK(cond, ...)                                                         \
	do {                                                                     \
		if (!(cond)) {                                                   \
			fprintf(stderr, "uid %u, line %d: ", getuid(), __LINE__); \
			fprintf(stderr, __VA_ARGS__);                            \
			fputc('\n', stderr);                                     \
			return __LINE__ % 250 + 1;                               \
		}                                                                \
	} while (0)

// A connection of an unprivileged user: open, region, ioctl calls.
class Conn {
public:
	Conn() : fd_(::open(kNode, O_RDWR | O_CLOEXEC)), err_(fd_ < 0 ? errno : 0) {}
	~Conn()
	{
		if (base_)
			munmap(base_, size_);
		if (fd_ >= 0)
			close(fd_);
	}
	Conn(const Conn &) = delete;
	Conn &operator=(const Conn &) = delete;

	bool ok() const { return fd_ >= 0; }
	int error() const { return err_; }	// errno of open()
	int fd() const { return fd_; }

	// SHM_SETUP and mmap: 0 or -errno.
	int region(size_t size)
	{
		hsm_shm_setup s{};
		s.size = size;
		if (ioctl(fd_, HSM_IOC_SHM_SETUP, &s))
			return -errno;
		void *p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
		if (p == MAP_FAILED)
			return -errno;
		base_ = static_cast<uint8_t *>(p);
		size_ = size;
		return 0;
	}

	// A data-plane command by ioctl: >= 0 or -errno; *id = resp.value.
	long run(unsigned int cmd, hsm_op op, __u64 *id = nullptr)
	{
		op.resp_off = kResp;
		long r = ioctl(fd_, cmd, &op);
		if (r < 0)
			return -errno;
		if (id)
			*id = reinterpret_cast<hsm_resp *>(base_ + kResp)->value;
		return r;
	}

	long key(const char *alg, __u64 perms, __u32 key_len, __u64 *id)
	{
		hsm_key_params p{};
		strcpy(p.alg, alg);
		p.perms = perms;
		p.key_len = key_len;
		memcpy(base_ + kParams, &p, sizeof(p));
		hsm_op op{};
		op.params = {kParams, sizeof(p)};
		return run(HSM_IOC_KEY_GENERATE, op, id);
	}

	long ctx(const char *alg, __u32 ctx_op, __u64 key, __u64 *id)
	{
		hsm_ctx_params p{};
		strcpy(p.alg, alg);
		p.op = ctx_op;
		memcpy(base_ + kParams, &p, sizeof(p));
		hsm_op op{};
		op.handle = key;
		op.params = {kParams, sizeof(p)};
		return run(HSM_IOC_CTX_CREATE, op, id);
	}

	long slot(unsigned int cmd, const char *name, __u64 key = 0)
	{
		hsm_slot_params p{};
		strcpy(p.name, name);
		memcpy(base_ + kParams, &p, sizeof(p));
		hsm_op op{};
		op.handle = key;
		op.params = {kParams, sizeof(p)};
		return run(cmd, op);
	}

	long stats(__u32 flags)
	{
		hsm_stats st{};
		hsm_get_stats g{};
		g.stats_ptr = reinterpret_cast<uintptr_t>(&st);
		g.stats_size = sizeof(st);
		g.flags = flags;
		long r = ioctl(fd_, HSM_IOC_GET_STATS, &g);
		return r < 0 ? -errno : r;
	}

	static constexpr uint32_t kParams = 0, kResp = 256, kIv = 512, kData = 4096;

private:
	int fd_, err_;
	uint8_t *base_ = nullptr;
	size_t size_ = 0;
};

// Become uid (no supplementary groups, no capabilities left).
bool become(uid_t uid)
{
	return !setgroups(0, nullptr) && !setresgid(uid, uid, uid) && !setresuid(uid, uid, uid);
}

// Run fn as uid in a child; its exit code (0: every check held).
int as_user(uid_t uid, const std::function<int()> &fn)
{
	fflush(nullptr);
	pid_t pid = fork();
	if (pid == 0)
		_exit(become(uid) ? fn() : 254);
	int status;
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return 255;
	return WEXITSTATUS(status);
}

// A user that takes what hold() takes and keeps it, in a child, until
// release(); meanwhile the test runs other users against what is left.
class Holder {
public:
	Holder(uid_t uid, std::function<int()> hold)
	{
		int ready[2], go[2];
		cr_assert_eq(pipe(ready), 0);
		cr_assert_eq(pipe(go), 0);
		fflush(nullptr);
		pid_ = fork();
		cr_assert_geq(pid_, 0);
		if (pid_ == 0) {
			close(ready[0]);
			close(go[1]);
			unsigned char rc = become(uid) ? hold_and_wait(hold, ready[1], go[0]) : 254;
			_exit(rc);
		}
		close(ready[1]);
		close(go[0]);
		ready_ = ready[0];
		go_ = go[1];
	}

	// hold()'s verdict, once it has taken everything.
	int held()
	{
		unsigned char rc = 253;
		if (read(ready_, &rc, 1) != 1)
			return 252;
		return rc;
	}

	// Let it close everything and exit; its exit code.
	int release()
	{
		close(go_);
		close(ready_);
		int status;
		if (waitpid(pid_, &status, 0) != pid_ || !WIFEXITED(status))
			return 255;
		return WEXITSTATUS(status);
	}

private:
	// What hold() opens lives in its frame's objects: keep the frame
	// alive by waiting inside it.  hold() calls wait() itself.
	static unsigned char hold_and_wait(const std::function<int()> &hold, int ready, int go)
	{
		ready_fd = ready;
		go_fd = go;
		int rc = hold();
		if (!waited)
			report(rc);
		return rc;
	}

public:
	// Called from inside hold(), with what it holds still open.
	static void wait_here(int rc)
	{
		report(rc);
		char c;
		while (read(go_fd, &c, 1) > 0)
			;
	}

private:
	static void report(int rc)
	{
		unsigned char b = rc;
		waited = true;
		if (write(ready_fd, &b, 1) != 1)
			_exit(251);
	}

	static inline int ready_fd = -1, go_fd = -1;
	static inline bool waited = false;
	pid_t pid_;
	int ready_, go_;
};

// Open connections until refused: how many opened, and the errno.
int open_all(std::vector<std::unique_ptr<Conn>> &conns, unsigned int limit)
{
	for (unsigned int i = 0; i <= limit + 1; i++) {
		auto c = std::make_unique<Conn>();
		if (!c->ok())
			return c->error();
		conns.push_back(std::move(c));
	}
	return 0;
}

// B's proof that the module still serves it: a region, a key, a MAC.
int b_works()
{
	Conn c;
	CHECK(c.ok(), "B cannot open: %s", strerror(c.error()));
	long r = c.region(64 << 10);
	CHECK(r == 0, "B gets no region: %s", strerror(-r));
	__u64 k = 0;
	r = c.key("hmac-sha-256", HSM_PERM_SIGN, 32, &k);
	CHECK(r == 0, "B gets no key: %s", strerror(-r));
	hsm_op op{};
	op.handle = k;
	op.in = {Conn::kData, 100};
	op.out = {Conn::kData + 1024, 32};
	r = c.run(HSM_IOC_MAC, op);
	CHECK(r == 32, "B's MAC: %ld", r);
	return 0;
}

}  // namespace

TestSuite(attacks, .init = node_create, .fini = node_remove);

Test(attacks, one_user_cannot_take_every_connection)
{
	hsm_info i = info();
	cr_assert_lt(i.uid_max_connections, i.max_connections, "set hsm.uid_max_connections low");
	unsigned int share = i.uid_max_connections;

	Holder a(kUserA, [share] {
		std::vector<std::unique_ptr<Conn>> conns;
		int err = open_all(conns, share);
		CHECK(err == EDQUOT, "open past the share: %s, not EDQUOT", strerror(err));
		CHECK(conns.size() == share, "opened %zu of a share of %u", conns.size(), share);
		Holder::wait_here(0);
		return 0;
	});
	cr_assert_eq(a.held(), 0, "A's attack did not go as documented");
	cr_expect_eq(as_user(kUserB, b_works), 0, "B was locked out by A's connections");
	cr_expect_eq(as_user(kUserA, [] {
		Conn c;
		CHECK(!c.ok() && c.error() == EDQUOT, "A opened one more: %s", strerror(c.error()));
		return 0;
	}), 0, "A's share holds in another process of A");
	cr_expect_eq(a.release(), 0);
}

Test(attacks, one_user_cannot_take_every_region_byte)
{
	hsm_info i = info();
	size_t size = i.max_region_size;
	unsigned int fit = i.uid_max_region_total / size;
	cr_assert_geq(fit, 1);
	cr_assert_lt(i.uid_max_region_total + size, i.max_region_total,
		     "set hsm.uid_max_region_total low");
	cr_assert_lt(fit + 1, i.uid_max_connections);

	Holder a(kUserA, [size, fit, &i] {
		std::vector<std::unique_ptr<Conn>> conns;
		for (unsigned int n = 0; n < fit; n++) {
			conns.push_back(std::make_unique<Conn>());
			long r = conns.back()->region(size);
			CHECK(r == 0, "region %u of %u: %s", n, fit, strerror(-r));
		}
		Conn c;
		long r = c.region(size);
		CHECK(r == -EDQUOT, "a region past the share: %s, not EDQUOT", strerror(-r));
		size_t left = i.uid_max_region_total - fit * size;
		r = c.region(left + i.page_size);
		CHECK(r == -EDQUOT, "what is left plus a page: %s, not EDQUOT", strerror(-r));
		Holder::wait_here(0);
		return 0;
	});
	cr_assert_eq(a.held(), 0, "A's attack did not go as documented");
	cr_expect_eq(as_user(kUserB, [size] {
		Conn c;
		long r = c.region(size);
		CHECK(r == 0, "B gets no region of %zu: %s", size, strerror(-r));
		return 0;
	}), 0, "B was locked out by A's regions");
	cr_expect_eq(a.release(), 0);
}

Test(attacks, one_user_cannot_take_every_slot)
{
	hsm_info i = info();
	unsigned int share = i.uid_max_slots;
	cr_assert_lt(share, i.max_slots, "set hsm.uid_max_slots low");

	auto fill = [share] {
		Conn c;
		CHECK(c.region(64 << 10) == 0, "no region");
		__u64 k = 0;
		CHECK(c.key("hmac-sha-256", HSM_PERM_SIGN, 32, &k) == 0, "no key");
		char name[32];
		for (unsigned int n = 0; n < share; n++) {
			snprintf(name, sizeof(name), "attack-%u", n);
			long r = c.slot(HSM_IOC_SLOT_STORE, name, k);
			CHECK(r == 0, "slot %u of %u: %s", n, share, strerror(-r));
		}
		long r = c.slot(HSM_IOC_SLOT_STORE, "attack-more", k);
		CHECK(r == -EDQUOT, "a slot past the share: %s, not EDQUOT", strerror(-r));
		return 0;
	};
	cr_assert_eq(as_user(kUserA, fill), 0, "A's attack did not go as documented");
	// A's connection is gone; its slots still count against it.
	cr_expect_eq(as_user(kUserA, [] {
		Conn c;
		CHECK(c.region(64 << 10) == 0, "no region");
		__u64 k = 0;
		CHECK(c.key("hmac-sha-256", HSM_PERM_SIGN, 32, &k) == 0, "no key");
		long r = c.slot(HSM_IOC_SLOT_STORE, "attack-later", k);
		CHECK(r == -EDQUOT, "a slot past the share, later: %s, not EDQUOT", strerror(-r));
		return 0;
	}), 0, "slots stay charged after their connection closes");
	cr_expect_eq(as_user(kUserB, [] {
		Conn c;
		CHECK(c.region(64 << 10) == 0, "no region");
		__u64 k = 0;
		CHECK(c.key("hmac-sha-256", HSM_PERM_SIGN, 32, &k) == 0, "no key");
		long r = c.slot(HSM_IOC_SLOT_STORE, "b-slot", k);
		CHECK(r == 0, "B cannot store a slot: %s", strerror(-r));
		r = c.slot(HSM_IOC_SLOT_DELETE, "b-slot");
		CHECK(r == 0, "B cannot delete its slot: %s", strerror(-r));
		return 0;
	}), 0, "B was locked out by A's slots");
	// Deleting gives the share back: A can store again, then cleans up.
	cr_expect_eq(as_user(kUserA, [share] {
		Conn c;
		CHECK(c.region(64 << 10) == 0, "no region");
		char name[32];
		for (unsigned int n = 0; n < share; n++) {
			snprintf(name, sizeof(name), "attack-%u", n);
			long r = c.slot(HSM_IOC_SLOT_DELETE, name);
			CHECK(r == 0, "delete %s: %s", name, strerror(-r));
		}
		__u64 k = 0;
		CHECK(c.key("hmac-sha-256", HSM_PERM_SIGN, 32, &k) == 0, "no key");
		long r = c.slot(HSM_IOC_SLOT_STORE, "attack-again", k);
		CHECK(r == 0, "a slot after deleting: %s", strerror(-r));
		r = c.slot(HSM_IOC_SLOT_DELETE, "attack-again");
		CHECK(r == 0, "delete: %s", strerror(-r));
		return 0;
	}), 0, "deleted slots were not given back");
}

// Seal contexts, each Updated with chunk bytes, until refused: how many
// took their chunk, and the errno of the refusal.
int stream_until_refused(Conn &c, __u64 key, uint32_t chunk, unsigned int max,
			 std::vector<__u64> &ctxs, unsigned int &took)
{
	for (took = 0; took < max; took++) {
		__u64 s = 0;
		long r = c.ctx("aes-256-gcm", HSM_CTX_SEAL, key, &s);
		if (r)
			return -r;
		ctxs.push_back(s);
		hsm_op op{};
		op.handle = s;
		op.iv = {Conn::kIv, 12};
		if ((r = c.run(HSM_IOC_CTX_INIT, op)))
			return -r;
		op = {};
		op.handle = s;
		op.in = {Conn::kData, chunk};
		r = c.run(HSM_IOC_CTX_UPDATE, op);
		if (r != chunk)
			return r < 0 ? -r : EIO;
	}
	return 0;
}

Test(attacks, one_connection_cannot_grow_streams_past_its_cap)
{
	hsm_info i = info();
	// Each context stays well below max_stream: the cap is the
	// connection's, over all its contexts.
	uint32_t chunk = i.max_stream / 2;
	unsigned int room = i.max_conn_stream / (chunk + 16);	/* 16: tag room */
	cr_assert_geq(room, 2, "set hsm.max_conn_stream to a few max_stream");
	cr_assert_lt(room + 1, i.max_contexts);
	cr_assert_lt(i.max_conn_stream, i.uid_max_stream, "the connection's cap comes first");
	size_t region = (size_t)Conn::kData + chunk;
	region = (region + i.page_size - 1) / i.page_size * i.page_size;

	cr_expect_eq(as_user(kUserA, [&i, chunk, room, region] {
		Conn c;
		CHECK(c.region(region) == 0, "no region");
		__u64 k = 0;
		CHECK(c.key("aes-256-gcm", HSM_PERM_ENCRYPT, 0, &k) == 0, "no key");
		std::vector<__u64> ctxs;
		unsigned int took;
		int err = stream_until_refused(c, k, chunk, i.max_contexts, ctxs, took);
		CHECK(err == ENOSPC, "past max_conn_stream: %s, not ENOSPC", strerror(err));
		CHECK(took == room, "%u contexts took %u bytes each; room for %u",
		      took, chunk, room);
		// Refused before anything changed: the context still works once
		// another gives its bytes back.
		hsm_op op{};
		op.handle = ctxs.front();
		CHECK(c.run(HSM_IOC_CTX_RELEASE, op) == 0, "release");
		op = {};
		op.handle = ctxs.back();
		op.in = {Conn::kData, chunk};
		long r = c.run(HSM_IOC_CTX_UPDATE, op);
		CHECK(r == chunk, "the refused context after room was made: %ld", r);
		return 0;
	}), 0, "one connection's streams were not capped as documented");

	// Over several connections, the user's share stops it (EDQUOT), and
	// another user still streams.
	Holder a(kUserA, [&i, chunk, region] {
		std::vector<std::unique_ptr<Conn>> conns;
		uint64_t held = 0;
		for (;;) {
			CHECK(conns.size() < i.uid_max_connections, "never refused");
			conns.push_back(std::make_unique<Conn>());
			Conn &c = *conns.back();
			CHECK(c.region(region) == 0, "no region");
			__u64 k = 0;
			CHECK(c.key("aes-256-gcm", HSM_PERM_ENCRYPT, 0, &k) == 0, "no key");
			std::vector<__u64> ctxs;
			unsigned int took;
			int err = stream_until_refused(c, k, chunk, i.max_contexts, ctxs, took);
			held += (uint64_t)took * (chunk + 16);
			if (err == EDQUOT)
				break;
			CHECK(err == ENOSPC, "connection %zu: %s", conns.size(), strerror(err));
		}
		// Each refused context may keep the 256 bytes its Init took.
		CHECK(held <= i.uid_max_stream && held + 2 * (chunk + 16) > i.uid_max_stream,
		      "held %llu bytes of a share of %llu", (unsigned long long)held,
		      (unsigned long long)i.uid_max_stream);
		Holder::wait_here(0);
		return 0;
	});
	cr_assert_eq(a.held(), 0, "A's attack over connections did not go as documented");
	cr_expect_eq(as_user(kUserB, [&i, chunk, room, region] {
		Conn c;
		CHECK(c.region(region) == 0, "no region");
		__u64 k = 0;
		CHECK(c.key("aes-256-gcm", HSM_PERM_ENCRYPT, 0, &k) == 0, "no key");
		std::vector<__u64> ctxs;
		unsigned int took;
		int err = stream_until_refused(c, k, chunk, room, ctxs, took);
		CHECK(err == 0, "B's streams: %s", strerror(err));
		return 0;
	}), 0, "B was locked out by A's streams");
	cr_expect_eq(a.release(), 0);
}

Test(attacks, module_wide_stats_are_root_only)
{
	info();
	cr_expect_eq(as_user(kUserA, [] {
		Conn c;
		CHECK(c.ok(), "open: %s", strerror(c.error()));
		long r = c.stats(0);
		CHECK(r == -EPERM, "module-wide stats: %ld, not EPERM", r);
		r = c.stats(HSM_STATS_F_CONNECTION);
		CHECK(r == (long)sizeof(hsm_stats), "own stats: %ld", r);
		return 0;
	}), 0);
	int fd = open(kNode, O_RDWR | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	hsm_stats st{};
	hsm_get_stats g{};
	g.stats_ptr = reinterpret_cast<uintptr_t>(&st);
	g.stats_size = sizeof(st);
	cr_expect_eq(ioctl(fd, HSM_IOC_GET_STATS, &g), (int)sizeof(st), "root: %s",
		     strerror(errno));
	close(fd);
}

// Fill the first n connections, one after another, with what make() creates
// until the user's share refuses it (EDQUOT); a connection's own limit
// (ENOSPC) moves on to the next.  *made counts what was created.
template <typename Make>
int fill_share(const char *what, std::vector<std::unique_ptr<Conn>> &conns, unsigned int n,
	       Make make, unsigned int *made)
{
	long r = 0;

	for (unsigned int c = 0; c < n; c++) {
		while ((r = make(*conns[c])) == 0)
			++*made;
		if (r == -EDQUOT)
			return 0;
		CHECK(r == -ENOSPC, "%s: %s", what, strerror(-r));
	}
	CHECK(r == -EDQUOT, "%s: %s, not EDQUOT", what, strerror(-r));
	return 0;
}

// Take every share a user has (connections, region bytes, keys, contexts)
// and check each refusal: run twice, it shows that closing gave all back.
int take_everything(const hsm_info &i)
{
	std::vector<std::unique_ptr<Conn>> conns;
	int err = open_all(conns, i.uid_max_connections);
	CHECK(err == EDQUOT, "connections: %s, not EDQUOT", strerror(err));
	CHECK(conns.size() == i.uid_max_connections, "opened %zu of %u", conns.size(),
	      i.uid_max_connections);

	// Regions of a quarter of the share each.
	size_t size = i.uid_max_region_total / 4 / i.page_size * i.page_size;
	unsigned int nreg = 0;
	long r;
	while ((r = conns[nreg]->region(size)) == 0)
		CHECK(++nreg < conns.size(), "regions never refused");
	CHECK(r == -EDQUOT, "regions: %s, not EDQUOT", strerror(-r));
	CHECK(nreg == i.uid_max_region_total / size, "%u regions of %zu", nreg, size);

	// Keys, then hash contexts, filling one connection after another.
	unsigned int keys = 0, ctxs = 0;
	err = fill_share("keys", conns, nreg, [](Conn &c) {
		__u64 k = 0;
		return c.key("hmac-sha-256", HSM_PERM_SIGN, 32, &k);
	}, &keys);
	if (err)
		return err;
	CHECK(keys == i.uid_max_keys, "%u keys of a share of %u", keys, i.uid_max_keys);
	err = fill_share("contexts", conns, nreg, [](Conn &c) {
		__u64 h = 0;
		return c.ctx("sha-256", HSM_CTX_HASH, 0, &h);
	}, &ctxs);
	if (err)
		return err;
	CHECK(ctxs == i.uid_max_contexts, "%u contexts of a share of %u", ctxs,
	      i.uid_max_contexts);
	return 0;
}

Test(attacks, closing_everything_gives_every_share_back)
{
	hsm_info i = info();
	cr_assert_lt(i.uid_max_keys / i.max_keys + 1, i.uid_max_region_total /
		     (i.uid_max_region_total / 4 / i.page_size * i.page_size),
		     "the region connections must hold the key share");
	cr_assert_eq(as_user(kUserA, [&i] { return take_everything(i); }), 0,
		     "A's first round did not go as documented");
	cr_expect_eq(as_user(kUserA, [&i] { return take_everything(i); }), 0,
		     "A's second round: its counters were not back to zero");
	cr_expect_eq(as_user(kUserB, b_works), 0);
}
