// SPDX-License-Identifier: GPL-2.0 OR MIT
// Attacks through an fd handed between users: root's fd handed down keeps
// root's rights, a user's fd handed to root keeps the user's, and a group
// slot stays its storer's.  Run as in test_attacks.cpp: forked attackers
// with privileges dropped.
#include <poll.h>
#include <sys/socket.h>

#include "attacks.hpp"

using namespace hsmattack;

TestSuite(attacks_fds, .init = setup, .fini = teardown, .timeout = 300);

// Root opens an fd and hands it down: a child inherits it and drops to
// 65534.  The connection acts for its opener, so the child works in root's
// namespace with root's rights (by design: conn_flags says ADMIN, root's
// slot opens), but root's non-exportable key still does not export.  An
// fd the same child opens for itself sees none of it.
Test(attacks_fds, root_fd_handed_down_keeps_roots_rights)
{
	Link root;
	__u64 k = root.must("hmac-sha-256", HSM_PERM_SIGN, 0, nullptr, 32);
	cr_assert_neq(k, 0);
	cr_assert_eq(root.slot(HSM_IOC_SLOT_STORE, "root-only", 0, k).res, 0);
	int fd = Link::open_dev();
	cr_assert_geq(fd, 0);
	Outcome o = attacker([fd](Report &r) {
		if (!drop_to(kNobody, {}))
			return 1;
		Link given(fd);
		r.res("conn_flags", given.info().conn_flags);
		Result op = given.slot(HSM_IOC_SLOT_OPEN, "root-only");
		r.res("open through root's fd", op.res);
		r.res("export through root's fd", given.export_key(op.resp.value));
		long listed = 0;
		for (auto &s : given.slots())
			listed += !strcmp(s.name, "root-only");
		r.res("listed through root's fd", listed);
		Link own;
		r.res("own conn_flags", own.info().conn_flags);
		r.res("open through own fd", own.slot(HSM_IOC_SLOT_OPEN, "root-only").res);
		r.res("delete through own fd", own.slot(HSM_IOC_SLOT_DELETE, "root-only").res);
		r.res("own slots", own.slots().size());
		return 0;
	});
	close(fd);
	expect_clean(o);
	cr_expect(o["conn_flags"] & HSM_CONN_F_ADMIN, "the opener's rights: %#lx", o["conn_flags"]);
	cr_expect_eq(o["open through root's fd"], 0);
	cr_expect_eq(o["export through root's fd"], -EPERM, "still not exportable");
	cr_expect_eq(o["listed through root's fd"], 1);
	cr_expect_eq(o["own conn_flags"] & (HSM_CONN_F_ADMIN | HSM_CONN_F_PLATFORM), 0);
	cr_expect_eq(o["open through own fd"], -ENOENT);
	cr_expect_eq(o["delete through own fd"], -ENOENT);
	cr_expect_eq(o["own slots"], 0);
	cr_expect_eq(root.slot(HSM_IOC_SLOT_OPEN, "root-only").res, 0, "root's slot is intact");
	cr_expect_eq(root.slot(HSM_IOC_SLOT_DELETE, "root-only").res, 0);
}

namespace {

// One byte with room for one fd beside it (SCM_RIGHTS), for sendmsg and
// recvmsg alike.
struct FdMessage {
	char byte = 'f';
	iovec iov{&byte, 1};
	alignas(cmsghdr) char ctl[CMSG_SPACE(sizeof(int))] = {};
	msghdr m{};

	FdMessage()
	{
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = ctl;
		m.msg_controllen = sizeof(ctl);
	}
	FdMessage(const FdMessage &) = delete;
	FdMessage &operator=(const FdMessage &) = delete;
};

void send_fd(int sock, int fd)
{
	FdMessage msg;
	cmsghdr *h = CMSG_FIRSTHDR(&msg.m);
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(h), &fd, sizeof(int));
	if (sendmsg(sock, &msg.m, 0) != 1)
		_exit(90);
}

int recv_fd(int sock)
{
	FdMessage msg;
	pollfd p{sock, POLLIN, 0};
	if (poll(&p, 1, 60000) != 1 || recvmsg(sock, &msg.m, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	cmsghdr *h = CMSG_FIRSTHDR(&msg.m);
	if (!h || h->cmsg_type != SCM_RIGHTS)
		return -1;
	int fd;
	memcpy(&fd, CMSG_DATA(h), sizeof(int));
	return fd;
}

}  // namespace

// The reverse: 65534 opens its own fd and passes it over a unix socket
// (SCM_RIGHTS) to a root process, e.g. a helper that serves requests.  Used
// by root, the fd still acts for 65534: only 65534's slots, no other
// connection's keys (KEY_LIST of all connections is EPERM), no raw
// platform requests (EPERM), no simulator setup (EPERM), and no
// HSM_CONN_F_ADMIN in its conn_flags.
Test(attacks_fds, user_fd_passed_to_root_keeps_users_rights)
{
	Link root;
	__u64 k = root.must("hmac-sha-256", HSM_PERM_SIGN, 0, nullptr, 32);
	cr_assert_neq(k, 0);
	cr_assert_eq(root.slot(HSM_IOC_SLOT_STORE, "root-only", 0, k).res, 0);
	int sv[2];
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	fflush(nullptr);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		alarm(60);
		close(sv[0]);
		if (!drop_to(kNobody, {}))
			_exit(1);
		try {
			Link l;
			__u64 mine = l.must("hmac-sha-256", HSM_PERM_SIGN, 0, nullptr, 32);
			if (l.slot(HSM_IOC_SLOT_STORE, "nobody-slot", 0, mine).res)
				_exit(2);
			send_fd(sv[1], l.fd());
			char c;
			if (read(sv[1], &c, 1) != 1)	/* root is done with it */
				_exit(3);
		} catch (...) {
			_exit(4);
		}
		_exit(0);
	}
	close(sv[1]);
	int fd = recv_fd(sv[0]);
	cr_expect_geq(fd, 0, "no fd received");
	if (fd >= 0) {
		Link l(fd);
		hsm_info i = l.info();
		cr_expect_eq(i.conn_flags & (HSM_CONN_F_ADMIN | HSM_CONN_F_PLATFORM), 0,
			     "conn_flags %#x", i.conn_flags);
		auto s = l.slots();
		cr_expect_eq(s.size(), 1, "only 65534's slots");
		cr_expect(s.size() == 1 && !strcmp(s[0].name, "nobody-slot") && s[0].storer == kNobody);
		cr_expect_eq(l.slot(HSM_IOC_SLOT_OPEN, "root-only").res, -ENOENT);
		cr_expect_eq(l.slot(HSM_IOC_SLOT_DELETE, "root-only").res, -ENOENT);
		cr_expect_eq(l.key_list(HSM_OP_F_ALL_CONNECTIONS), -EPERM);
		Result rep = l.snp_report(pattern(64, 1), HSM_SNP_REPORT_F_RAW, false);
		cr_expect_eq(rep.res, -EPERM);
		cr_expect_eq(rep.resp.status, HSM_STATUS_NOT_PERMITTED);
		cr_expect_eq(l.snp_report(pattern(64, 1), HSM_SNP_REPORT_F_RAW, true).res, -EPERM);
		hsm_snp_key_params p = seal_params(HSM_SNP_KEY_F_RAW);
		p.guest_field_select = HSM_SNP_GFS_MEASUREMENT;
		cr_expect_eq(l.snp_derive(p).res, -EPERM);
		hsm_snp_sim_params sim{};
		hsm_op op{};
		op.resp_off = HSM_RESP_NONE;
		op.params = l.put_struct(kP, sim);
		cr_expect_eq(l.run(HSM_IOC_SNP_SIM_SETUP, op).res, -EPERM);
		// A bound report through it is bound to 65534, not to root.
		cr_expect_eq(l.snp_report(pattern(64, 1), 0, false).res, HSM_SNP_REPORT_SIZE);
		Bytes m = str_bytes("hsm snp user report v1", true);
		for (uint8_t b : {0xfe, 0xff, 0x00, 0x00})
			m.push_back(b);
		Bytes data = pattern(64, 1);
		m.insert(m.end(), data.begin(), data.end());
		Bytes want = sha512(m);
		cr_expect(std::equal(want.begin(), want.end(), l.at(kOut + 0x50)));
		cr_expect_eq(l.slot(HSM_IOC_SLOT_DELETE, "nobody-slot").res, 0);
	}
	cr_expect_eq(write(sv[0], "x", 1), 1);
	close(sv[0]);
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %#x", st);
	cr_expect_eq(root.slot(HSM_IOC_SLOT_OPEN, "root-only").res, 0);
	cr_expect_eq(root.slot(HSM_IOC_SLOT_DELETE, "root-only").res, 0);
}

// A slot-group member (65532) tries to delete a group slot another member
// (65533) stored, to put its own key under the name the group trusts: EPERM,
// and so is storing over it (EEXIST); the slot and its key are unchanged.
// A non-member cannot even name it.  SLOT_LIST reports who stored it; root
// (in the group) may delete it.
Test(attacks_fds, group_slot_belongs_to_its_storer)
{
	Bytes material = pattern(32, 0x47), msg = pattern(40, 1);
	Bytes tag_want = hmac_sha256(material, msg);
	auto mac = [&msg](Link &l, __u64 id) {
		hsm_op op{};
		op.handle = id;
		op.resp_off = HSM_RESP_NONE;
		op.in = l.put(kIn, msg);
		op.out = {kOut2, 32};
		return l.run(HSM_IOC_MAC, op).res == 32 ? l.get(kOut2, 32) : Bytes{};
	};
	Outcome a = attacker([&](Report &r) {
		if (!drop_to(kOther, {kSlotGroup}))
			return 1;
		Link l;
		r.res("conn_flags", l.info().conn_flags);
		__u64 k = l.must("hmac-sha-256", HSM_PERM_SIGN, 0, &material);
		r.res("store", l.slot(HSM_IOC_SLOT_STORE, "g", HSM_SLOT_F_GROUP, k).res);
		return 0;
	});
	expect_clean(a);
	cr_expect(a["conn_flags"] & HSM_CONN_F_SLOT_GROUP);
	cr_assert_eq(a["store"], 0);

	Outcome b = attacker([&](Report &r) {
		if (!drop_to(kThird, {kSlotGroup}))
			return 1;
		Link l;
		Result d = l.slot(HSM_IOC_SLOT_DELETE, "g", HSM_SLOT_F_GROUP);
		r.res("delete", d.res);
		r.res("delete status", d.resp.status);
		__u64 mine = l.must("hmac-sha-256", HSM_PERM_SIGN, 0, nullptr, 32);
		r.res("store over", l.slot(HSM_IOC_SLOT_STORE, "g", HSM_SLOT_F_GROUP, mine).res);
		long storer = -1;
		for (auto &s : l.slots())
			if (!strcmp(s.name, "g") && s.slot_flags == HSM_SLOT_F_GROUP)
				storer = s.storer;
		r.res("storer", storer);
		Result o = l.slot(HSM_IOC_SLOT_OPEN, "g", HSM_SLOT_F_GROUP);
		r.res("open", o.res);
		r.bytes("tag", o.res ? Bytes{} : mac(l, o.resp.value));
		return 0;
	});
	expect_clean(b);
	cr_expect_eq(b["delete"], -EPERM);
	cr_expect_eq(b["delete status"], HSM_STATUS_NOT_PERMITTED);
	cr_expect_eq(b["store over"], -EEXIST);
	cr_expect_eq(b["storer"], kOther);
	cr_expect_eq(b["open"], 0, "the slot is still there");
	cr_expect(b.b("tag") == tag_want, "and still holds the storer's key");

	Outcome c = attacker([](Report &r) {
		if (!drop_to(kNobody, {}))
			return 1;
		Link l;
		r.res("delete", l.slot(HSM_IOC_SLOT_DELETE, "g", HSM_SLOT_F_GROUP).res);
		r.res("open", l.slot(HSM_IOC_SLOT_OPEN, "g", HSM_SLOT_F_GROUP).res);
		return 0;
	});
	expect_clean(c);
	cr_expect_eq(c["delete"], -EPERM);
	cr_expect_eq(c["open"], -EPERM);

	// Root names the group's namespace only as a member of the group.
	Outcome rt = attacker([](Report &r) {
		if (setgroups(1, &kSlotGroup))
			return 1;
		Link l;
		r.res("delete", l.slot(HSM_IOC_SLOT_DELETE, "g", HSM_SLOT_F_GROUP).res);
		r.res("open after", l.slot(HSM_IOC_SLOT_OPEN, "g", HSM_SLOT_F_GROUP).res);
		return 0;
	});
	expect_clean(rt);
	cr_expect_eq(rt["delete"], 0, "an admin may delete a group slot");
	cr_expect_eq(rt["open after"], -ENOENT);
}
