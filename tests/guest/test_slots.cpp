// SPDX-License-Identifier: GPL-2.0 OR MIT
// Persistent slots: named keys shared by one user's connections.
#include <criterion/criterion.h>
#include <grp.h>
#include <sys/wait.h>

#include "hsm_conn.hpp"

using namespace hsmtest;

namespace {

constexpr __u64 kAead = HSM_PERM_ENCRYPT | HSM_PERM_DECRYPT;

Result slot(Conn &c, unsigned int cmd, const char *name, __u64 handle = 0, __u32 flags = 0)
{
	hsm_slot_params p{};
	strncpy(p.name, name, sizeof(p.name) - 1);
	p.flags = flags;
	hsm_op op{};
	op.handle = handle;
	op.resp_off = Conn::kResp;
	op.params = c.put(Conn::kParams, {reinterpret_cast<uint8_t *>(&p), sizeof(p)});
	return c.run(cmd, op);
}

std::vector<hsm_slot_info> list(Conn &c)
{
	hsm_op op{};
	op.resp_off = HSM_RESP_NONE;
	op.out = {8192, 32 * sizeof(hsm_slot_info)};
	long n = c.run(HSM_IOC_SLOT_LIST, op).res;
	cr_assert_geq(n, 0);
	auto *p = reinterpret_cast<hsm_slot_info *>(c.at(8192));
	return std::vector<hsm_slot_info>(p, p + std::min<long>(n, 32));
}

Bytes seal(Conn &c, __u64 id)
{
	hsm_op op{};
	op.handle = id;
	op.resp_off = HSM_RESP_NONE;
	op.iv = c.put(4096, pattern(12, 1));
	op.in = c.put(65536, pattern(64, 2));
	op.out = {131072, 64};
	op.tag = {4096 + 64, 16};
	cr_assert_eq(c.run(HSM_IOC_SEAL, op).res, 64);
	return c.get(op.out);
}

}  // namespace

Test(slots, store_open_from_another_connection_delete)
{
	Bytes material = pattern(32, 7);
	Bytes sealed;
	{
		Conn a;
		__u64 k = must_key(a, "aes-256-gcm", kAead, &material);
		cr_assert_eq(slot(a, HSM_IOC_SLOT_STORE, "db-key", k).res, 0);
		cr_expect_eq(slot(a, HSM_IOC_SLOT_STORE, "db-key", k).res, -EEXIST);
		sealed = seal(a, k);
	}	/* the storing connection is gone; the slot is not */

	Conn b;
	auto l = list(b);
	cr_assert_eq(l.size(), 1);
	cr_expect_str_eq(l[0].name, "db-key");
	cr_expect_str_eq(l[0].alg, "aes-256-gcm");
	cr_expect_eq(l[0].perms, kAead);
	cr_expect_eq(l[0].key_len, 32);

	Result o = slot(b, HSM_IOC_SLOT_OPEN, "db-key");
	cr_assert_eq(o.res, 0);
	cr_expect(seal(b, o.resp.value) == sealed, "the same key");
	hsm_op ex{};
	ex.handle = o.resp.value;
	ex.resp_off = HSM_RESP_NONE;
	ex.out = {131072, 32};
	cr_expect_eq(b.run(HSM_IOC_KEY_EXPORT, ex).res, -EPERM, "still not exportable");

	cr_assert_eq(slot(b, HSM_IOC_SLOT_DELETE, "db-key").res, 0);
	cr_expect_eq(slot(b, HSM_IOC_SLOT_OPEN, "db-key").res, -ENOENT);
	cr_expect_eq(slot(b, HSM_IOC_SLOT_DELETE, "db-key").res, -ENOENT);
	cr_expect(seal(b, o.resp.value) == sealed, "an opened key outlives its slot");
	cr_expect_eq(list(b).size(), 0);
}

Test(slots, other_users_see_nothing)
{
	Conn a;
	__u64 k = must_key(a, "hmac-sha-256", HSM_PERM_SIGN, nullptr, 0, 32);
	cr_assert_eq(slot(a, HSM_IOC_SLOT_STORE, "signing", k).res, 0);

	int status;
	// The user opens /dev/hsm itself (through the device's group): a
	// connection acts for its opener.
	grant_device_group();
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		if (!become_user(65534, {}))
			_exit(10);
		Conn c;
		if (slot(c, HSM_IOC_SLOT_OPEN, "signing").res != -ENOENT)
			_exit(11);
		if (slot(c, HSM_IOC_SLOT_DELETE, "signing").res != -ENOENT)
			_exit(12);
		if (!list(c).empty())
			_exit(13);
		__u64 mine = must_key(c, "hmac-sha-256", HSM_PERM_SIGN, nullptr, 0, 32);
		if (slot(c, HSM_IOC_SLOT_STORE, "signing", mine).res != 0)
			_exit(14);	/* the same name in another user's space */
		if (slot(c, HSM_IOC_SLOT_DELETE, "signing").res != 0)
			_exit(15);
		_exit(0);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child exit %d",
		  WEXITSTATUS(status));
	cr_expect_eq(slot(a, HSM_IOC_SLOT_OPEN, "signing").res, 0, "root's slot is intact");
	cr_assert_eq(slot(a, HSM_IOC_SLOT_DELETE, "signing").res, 0);
}

namespace {

// Run fn as uid with the given supplementary groups, in a child, on a
// connection it opened as that user (through the device's group); returns
// the child's exit code (0: fine).
int as_user(uid_t uid, std::vector<gid_t> groups, int (*fn)(Conn &))
{
	grant_device_group();
	pid_t pid = fork();
	if (pid == 0) {
		if (!become_user(uid, groups))
			_exit(100);
		Conn c;
		_exit(fn(c));
	}
	int status;
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return 101;
	return WEXITSTATUS(status);
}

bool listed(Conn &c, const char *name, __u32 slot_flags)
{
	for (auto &i : list(c))
		if (!strcmp(i.name, name) && i.slot_flags == slot_flags)
			return true;
	return false;
}

}  // namespace

Test(slots, group_slots_are_shared_by_the_slot_group)
{
	Conn c;
	const hsm_info info = c.info();
	cr_assert_eq(info.slot_group, 4242u, "the guest sets hsm.slot_group=4242");

	// Root is not in the group, but an admin is trusted with its slots
	// (to clean up after members).
	__u64 k = must_key(c, "hmac-sha-256", HSM_PERM_SIGN, nullptr, 0, 32);
	cr_expect_eq(slot(c, HSM_IOC_SLOT_STORE, "team", k, HSM_SLOT_F_GROUP).res, 0);
	cr_expect_eq(slot(c, HSM_IOC_SLOT_DELETE, "team", 0, HSM_SLOT_F_GROUP).res, 0);
	cr_expect_eq(slot(c, HSM_IOC_SLOT_STORE, "team", k, 2).res, -EINVAL, "unknown flag");

	// A member stores a group slot and a private one of the same name.
	cr_expect_eq(as_user(1001, {4242}, [](Conn &u) {
		__u64 key = must_key(u, "hmac-sha-256", HSM_PERM_SIGN, nullptr, 0, 32);
		if (slot(u, HSM_IOC_SLOT_STORE, "team", key, HSM_SLOT_F_GROUP).res)
			return 1;
		if (slot(u, HSM_IOC_SLOT_STORE, "team", key, HSM_SLOT_F_GROUP).res != -EEXIST)
			return 2;
		if (slot(u, HSM_IOC_SLOT_STORE, "team", key).res)
			return 3;
		if (!listed(u, "team", HSM_SLOT_F_GROUP) || !listed(u, "team", 0))
			return 4;
		return 0;
	}), 0);
	// Another member opens the group's, not the first member's own.
	cr_expect_eq(as_user(1002, {7, 4242}, [](Conn &u) {
		if (slot(u, HSM_IOC_SLOT_OPEN, "team", 0, HSM_SLOT_F_GROUP).res)
			return 1;
		if (slot(u, HSM_IOC_SLOT_OPEN, "team").res != -ENOENT)
			return 2;
		if (!listed(u, "team", HSM_SLOT_F_GROUP) || listed(u, "team", 0))
			return 3;
		return 0;
	}), 0);
	// A non-member sees neither.
	cr_expect_eq(as_user(1003, {7}, [](Conn &u) {
		if (slot(u, HSM_IOC_SLOT_OPEN, "team", 0, HSM_SLOT_F_GROUP).res != -EPERM)
			return 1;
		if (slot(u, HSM_IOC_SLOT_DELETE, "team", 0, HSM_SLOT_F_GROUP).res != -EPERM)
			return 2;
		if (!list(u).empty())
			return 3;
		return 0;
	}), 0);
	// Root, an admin outside the group, sees the group's slot it may
	// delete, but not the member's own.
	cr_expect(listed(c, "team", HSM_SLOT_F_GROUP), "an admin lists the group's slots");
	cr_expect(!listed(c, "team", 0));
	// Another member may not delete the group's slot (it could then put
	// a key of its own under the name); the member that stored it may.
	cr_expect_eq(as_user(1002, {4242}, [](Conn &u) {
		return slot(u, HSM_IOC_SLOT_DELETE, "team", 0, HSM_SLOT_F_GROUP).res == -EPERM ? 0 : 1;
	}), 0);
	cr_expect_eq(as_user(1001, {4242}, [](Conn &u) {
		return slot(u, HSM_IOC_SLOT_DELETE, "team", 0, HSM_SLOT_F_GROUP).res ? 1 : 0;
	}), 0);
	cr_expect_eq(as_user(1001, {4242}, [](Conn &u) {
		if (slot(u, HSM_IOC_SLOT_DELETE, "team").res)
			return 1;
		return list(u).empty() ? 0 : 2;
	}), 0);
}

Test(slots, bad_requests_and_limit)
{
	Conn c;
	__u64 k = must_key(c, "aes-128-ctr", kAead);
	hsm_slot_params p{};
	memset(p.name, 'x', sizeof(p.name));
	hsm_op op{};
	op.handle = k;
	op.resp_off = Conn::kResp;
	op.params = c.put(Conn::kParams, {reinterpret_cast<uint8_t *>(&p), sizeof(p)});
	cr_expect_eq(c.run(HSM_IOC_SLOT_STORE, op).res, -EINVAL, "name without NUL");
	cr_expect_eq(slot(c, HSM_IOC_SLOT_STORE, "", k).res, -EINVAL, "empty name");
	cr_expect_eq(slot(c, HSM_IOC_SLOT_STORE, "x", 12345).res, -ENOENT);
	cr_expect_eq(slot(c, HSM_IOC_SLOT_OPEN, "x", k).res, -EINVAL, "open takes no handle");

	const hsm_info info = c.info();
	cr_assert_leq(info.max_slots, 64, "set hsm.max_slots low for this test");
	unsigned i;
	for (i = 0; i < info.max_slots; i++)
		cr_assert_eq(slot(c, HSM_IOC_SLOT_STORE, ("s" + std::to_string(i)).c_str(), k).res, 0);
	Result r = slot(c, HSM_IOC_SLOT_STORE, "one-too-many", k);
	cr_expect_eq(r.res, -ENOSPC);
	cr_expect_eq(r.resp.status, HSM_STATUS_LIMIT_EXCEEDED);
	cr_expect_eq(list(c).size(), std::min(info.max_slots, 32u));
	for (i = 0; i < info.max_slots; i++)
		cr_expect_eq(slot(c, HSM_IOC_SLOT_DELETE, ("s" + std::to_string(i)).c_str()).res, 0);
}

Test(slots, hsmctl_keys_lists_them)
{
	Conn c;
	__u64 k = must_key(c, "aes-128-gcm", kAead | HSM_PERM_EXPORT, nullptr, HSM_KEY_F_EXPORTABLE);
	cr_assert_eq(slot(c, HSM_IOC_SLOT_STORE, "shown-slot", k).res, 0);
	FILE *p = popen("hsmctl keys", "r");
	cr_assert_not_null(p);
	char buf[4096] = "";
	size_t n = fread(buf, 1, sizeof(buf) - 1, p);
	buf[n] = 0;
	cr_expect_eq(pclose(p), 0);
	cr_expect_not_null(strstr(buf, "shown-slot"), "%s", buf);
	cr_expect_not_null(strstr(buf, "aes-128-gcm"), "%s", buf);
	cr_expect_not_null(strstr(buf, "encrypt,decrypt,export"), "%s", buf);
	cr_assert_eq(slot(c, HSM_IOC_SLOT_DELETE, "shown-slot").res, 0);
}
