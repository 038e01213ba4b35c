// SPDX-License-Identifier: GPL-2.0 OR MIT
// Attacks on the module's access rules, each run as an attacker would run
// it: an unprivileged process (uid 65534 unless said) forked from the root
// test, with privileges dropped (setgroups, setgid, setuid), holding an fd
// on /dev/hsm that it opened itself or was handed.  The attacker reports
// what the module answered through a pipe; the assertions are made here,
// in the parent: the exact refusal, and that nothing leaked.
// This suite: platform requests and sealed blobs.  test_attacks_keys: keys
// in two roles, and work sized to hold the module; test_attacks_fds: fds
// handed between users; test_attacks_limits: the per-user shares.
#include <atomic>
#include <thread>

#include "attacks.hpp"

using namespace hsmattack;

TestSuite(attacks, .init = setup, .fini = teardown, .timeout = 300);

// An unprivileged user asks the PSP for what speaks for the whole VM: a raw
// derived key (any parameters, the sealing root's among them) and reports
// with REPORT_DATA of its choosing.  Platform rights, which it did not have
// when it opened its fd, must stop every one (EPERM), and no key appears.
Test(attacks, unprivileged_raw_platform_requests)
{
	Outcome o = attacker([](Report &r) {
		if (!drop_to(kNobody, {}))
			return 1;
		Link l;
		r.res("conn_flags", l.info().conn_flags);
		long before = l.key_list();
		Result d = l.snp_derive(seal_params(HSM_SNP_KEY_F_RAW));
		r.res("raw seal-root derive", d.res);
		r.res("raw seal-root derive status", d.resp.status);
		hsm_snp_key_params other = seal_params(HSM_SNP_KEY_F_RAW);
		other.guest_field_select = HSM_SNP_GFS_MEASUREMENT;
		other.key.flags = 0;
		other.key.perms = HSM_PERM_DERIVE;
		other.flags = HSM_SNP_KEY_F_RAW;
		r.res("raw other derive", l.snp_derive(other).res);
		Result rep = l.snp_report(pattern(64, 1), HSM_SNP_REPORT_F_RAW, false);
		r.res("raw report", rep.res);
		r.res("raw report status", rep.resp.status);
		r.res("raw ext report", l.snp_report(pattern(64, 1), HSM_SNP_REPORT_F_RAW, true).res);
		r.res("keys made", l.key_list() - before);
		return 0;
	});
	expect_clean(o);
	cr_expect_eq(o["conn_flags"] & (HSM_CONN_F_ADMIN | HSM_CONN_F_PLATFORM), 0);
	cr_expect_eq(o["raw seal-root derive"], -EPERM);
	cr_expect_eq(o["raw seal-root derive status"], HSM_STATUS_NOT_PERMITTED);
	cr_expect_eq(o["raw other derive"], -EPERM);
	cr_expect_eq(o["raw report"], -EPERM);
	cr_expect_eq(o["raw report status"], HSM_STATUS_NOT_PERMITTED);
	cr_expect_eq(o["raw ext report"], -EPERM);
	cr_expect_eq(o["keys made"], 0, "a refused request made no key");
}

// The same user takes a report without the flag, hoping its 64 bytes land
// in REPORT_DATA as given (to speak for the VM).  The module must bind them
// to its uid: REPORT_DATA = SHA-512("hsm snp user report v1\0" ||
// le32(uid) || data), which a relying party recomputes.
Test(attacks, unprivileged_report_is_bound_to_its_uid)
{
	Bytes data = pattern(64, 0x42);
	Outcome o = attacker([&](Report &r) {
		if (!drop_to(kNobody, {}))
			return 1;
		Link l;
		for (bool ext : {false, true}) {
			const char *n = ext ? "ext report" : "report";
			Result rep = l.snp_report(data, 0, ext);
			r.res(n, rep.res);
			r.bytes(n, l.get(kOut, HSM_SNP_REPORT_SIZE));
		}
		return 0;
	});
	expect_clean(o);
	cr_expect_eq(o["report"], HSM_SNP_REPORT_SIZE);
	cr_expect_geq(o["ext report"], 0);
	Bytes m = str_bytes("hsm snp user report v1", true);
	for (uint8_t b : {0xfe, 0xff, 0x00, 0x00})	/* le32(65534) */
		m.push_back(b);
	m.insert(m.end(), data.begin(), data.end());
	Bytes want = sha512(m);
	for (const char *n : {"report", "ext report"}) {
		Bytes rep = o.b(n);
		cr_assert_eq(rep.size(), HSM_SNP_REPORT_SIZE, "%s", n);
		cr_expect(std::equal(want.begin(), want.end(), rep.begin() + 0x50),
			  "%s: REPORT_DATA is the bound form", n);
		cr_expect(!std::equal(data.begin(), data.end(), rep.begin() + 0x50),
			  "%s: never the caller's bytes as given", n);
	}
}

// An unprivileged user asks for the sealing root's parameters without the
// raw flag, exportable, hoping for the root itself.  It gets a key bound to
// its uid and label: not another uid's, not another label's, and not one
// that opens a sealed blob.
Test(attacks, bound_keys_differ_by_uid_and_label)
{
	auto derive_as = [](uid_t uid) {
		return attacker([uid](Report &r) {
			if (!drop_to(uid, {}))
				return 1;
			Link l;
			for (const char *label : {"x", "y"}) {
				Result d = l.snp_derive(seal_params(0), str_bytes(label));
				r.res(std::string("derive ") + label, d.res);
				Bytes k;
				r.res(std::string("export ") + label, l.export_key(d.resp.value, &k));
				r.bytes(label, k);
			}
			return 0;
		});
	};
	Outcome a = derive_as(kNobody), again = derive_as(kNobody), b = derive_as(kOther);
	for (Outcome *o : {&a, &again, &b}) {
		expect_clean(*o);
		cr_expect_eq((*o)["derive x"], 0);
		cr_expect_eq((*o)["export x"], 32);
		cr_expect_eq((*o)["export y"], 32);
	}
	cr_expect(a.b("x").size() == 32 && a.b("x") == again.b("x"), "stable for one uid and label");
	cr_expect(a.b("x") != b.b("x"), "another uid, another key");
	cr_expect(a.b("x") != a.b("y"), "another label, another key");

	// Root's sealed blob does not open under any of them.
	open_blob_works();
	Link root;
	__u64 k = root.must("hmac-sha-256", HSM_PERM_SIGN, 0, nullptr, 32);
	cr_assert_neq(k, 0);
	cr_assert_eq(root.slot(HSM_IOC_SLOT_STORE, "bound-probe", 0, k).res, 0);
	Bytes blob = root.seal("bound-probe");
	cr_assert_gt(blob.size(), kHdr);
	for (Outcome *o : {&a, &b})
		for (const char *l : {"x", "y"})
			cr_expect(!open_blob(blob, o->b(l)), "a bound key opened a sealed blob");
	cr_expect_eq(root.slot(HSM_IOC_SLOT_DELETE, "bound-probe").res, 0);
}

// Root itself, with platform rights, asks raw for exactly the sealing
// root's request: refused (EPERM), since only the module may hold the key
// every sealed slot is under.  Raw requests with other parameters work.
Test(attacks, sealing_root_is_refused_raw_even_to_root)
{
	Link l;
	cr_expect(l.info().conn_flags & HSM_CONN_F_PLATFORM);
	long before = l.key_list();
	Result d = l.snp_derive(seal_params(HSM_SNP_KEY_F_RAW));
	cr_expect_eq(d.res, -EPERM);
	cr_expect_eq(d.resp.status, HSM_STATUS_NOT_PERMITTED);
	cr_expect_eq(l.key_list(), before, "no key was made");

	hsm_snp_key_params p = seal_params(HSM_SNP_KEY_F_RAW);
	p.guest_field_select = HSM_SNP_GFS_MEASUREMENT;
	d = l.snp_derive(p);
	cr_expect_eq(d.res, 0, "another raw request: %ld", d.res);
	cr_expect_eq(l.export_key(d.resp.value), 32);
	p = seal_params(HSM_SNP_KEY_F_RAW);
	p.vmpl = 1;
	d = l.snp_derive(p);
	cr_expect_eq(d.res, 0, "another VMPL: %ld", d.res);
}

// Root (or a platform_group member) asks raw for the sealing root's
// request, varied only in fields the PSP does not mix in unless the guest
// field select names them: the TCB version without GFS_TCB_VERSION, the
// guest SVN without GFS_GUEST_SVN.  The request is then not byte-equal to
// the module's own, but the key is the same.  It must be refused like the
// request itself, and no key it yields may open a sealed blob.
Test(attacks, sealing_root_is_refused_raw_with_ignored_fields)
{
	open_blob_works();
	Link l;
	// The current TCB and guest SVN, from a report.
	cr_assert_eq(l.snp_report(pattern(64, 0), HSM_SNP_REPORT_F_RAW, false).res,
		     HSM_SNP_REPORT_SIZE);
	Bytes rep = l.get(kOut, HSM_SNP_REPORT_SIZE);
	uint64_t tcb = le64(rep, 0x38);
	uint32_t svn = le32(rep, 0x4);
	cr_assert_neq(tcb, 0u, "the simulated platform has a TCB to name");

	__u64 k = l.must("aes-256-gcm", HSM_PERM_ENCRYPT | HSM_PERM_DECRYPT);
	cr_assert_neq(k, 0);
	cr_assert_eq(l.slot(HSM_IOC_SLOT_STORE, "root-sealed", 0, k).res, 0);
	Bytes blob = l.seal("root-sealed");
	cr_assert_gt(blob.size(), kHdr);

	std::vector<std::pair<const char *, hsm_snp_key_params>> tries;
	hsm_snp_key_params p = seal_params(HSM_SNP_KEY_F_RAW);
	p.tcb_version = tcb;
	tries.push_back({"tcb_version without GFS_TCB_VERSION", p});
	p = seal_params(HSM_SNP_KEY_F_RAW);
	p.tcb_version = 1;
	tries.push_back({"tcb_version 1 without GFS_TCB_VERSION", p});
	if (svn) {
		p = seal_params(HSM_SNP_KEY_F_RAW);
		p.guest_svn = svn;
		tries.push_back({"guest_svn without GFS_GUEST_SVN", p});
	}
	for (auto &[what, q] : tries) {
		Result d = l.snp_derive(q);
		Bytes key;
		if (d.res == 0)
			l.export_key(d.resp.value, &key);
		cr_expect_eq(d.res, -EPERM, "%s: raw derive gave %ld", what, d.res);
		cr_expect(key.empty() || !open_blob(blob, key),
			  "%s: the key opened root's sealed blob: the sealing root leaked", what);
	}
	cr_expect_eq(l.slot(HSM_IOC_SLOT_DELETE, "root-sealed").res, 0);
}

// The full attack on sealed slots: root seals a non-exportable key; an
// unprivileged user who holds the blob derives every key it can get (every
// root key, VMPL and guest field selection, bound, with and without a
// label; raw is refused) and tries each, and HMAC-SHA-256 of each over the
// sealing label, as the AES-256-GCM key of the blob.  None may open it.
Test(attacks, unprivileged_cannot_open_roots_sealed_blob, .timeout = 600)
{
	open_blob_works();
	Link root;
	Bytes secret = pattern(32, 0x99);
	__u64 k = root.must("aes-256-gcm", HSM_PERM_ENCRYPT | HSM_PERM_DECRYPT, 0, &secret);
	cr_assert_neq(k, 0);
	cr_assert_eq(root.slot(HSM_IOC_SLOT_STORE, "c1-root", 0, k).res, 0);
	Bytes blob = root.seal("c1-root");
	cr_assert_eq(blob.size(), kHdr + 32 + 16);

	Outcome o = attacker([&](Report &r) {
		if (!drop_to(kNobody, {}))
			return 1;
		Link l;
		long raw_granted = 0, bound_failed = 0, n = 0;
		for (__u32 rks = 0; rks < 2; rks++)
			for (__u32 vmpl = 0; vmpl < 4; vmpl++)
				for (__u64 gfs = 0; gfs <= HSM_SNP_GFS_ALL; gfs++) {
					hsm_snp_key_params p = seal_params(0);
					p.root_key_select = rks;
					p.vmpl = vmpl;
					p.guest_field_select = gfs;
					hsm_snp_key_params raw = p;
					raw.flags |= HSM_SNP_KEY_F_RAW;
					Result d = l.snp_derive(raw);
					if (d.res != -EPERM)
						raw_granted++;
					if (d.res == 0)
						l.release(d.resp.value);
					bool seal_like = !rks && !vmpl &&
						gfs == (HSM_SNP_GFS_POLICY | HSM_SNP_GFS_MEASUREMENT);
					for (const char *label : {"", "x"}) {
						if (*label && !seal_like)
							continue;
						d = l.snp_derive(p, str_bytes(label));
						Bytes key;
						if (d.res || l.export_key(d.resp.value, &key) != 32) {
							bound_failed++;
							continue;
						}
						l.release(d.resp.value);
						r.bytes("key " + std::to_string(n++), key);
					}
				}
		r.res("raw granted", raw_granted);
		r.res("bound failed", bound_failed);
		r.res("keys", n);
		// And the blob itself, as this user: its owner is root.
		r.res("unseal", l.unseal("c1-root", blob).res);
		r.res("open after", l.slot(HSM_IOC_SLOT_OPEN, "c1-root").res);
		return 0;
	}, 500);
	expect_clean(o);
	cr_expect_eq(o["raw granted"], 0, "every raw request is EPERM");
	cr_expect_eq(o["bound failed"], 0);
	cr_expect_eq(o["keys"], 2 * 4 * 64 + 1);
	cr_expect_eq(o["unseal"], -EPERM);
	cr_expect_eq(o["open after"], -ENOENT);
	long opened = 0;
	for (auto &[name, key] : o.bytes) {
		auto pt = open_blob(blob, key);
		if (pt) {
			opened++;
			cr_expect(*pt != secret, "%s opened the blob and recovered root's key", name.c_str());
		}
	}
	cr_expect_eq(opened, 0, "%ld derived keys opened root's sealed blob", opened);
	cr_expect_eq(root.slot(HSM_IOC_SLOT_DELETE, "c1-root").res, 0);
}

// Double fetch on SLOT_UNSEAL: the attacker seals its own non-exportable
// "secret", deletes the slot, then unseals the blob again and again while a
// second thread flips the header in the shared region between the genuine
// one and a forged one (permissions EXPORT|DERIVE, flag EXPORTABLE), hoping
// the module checks one read and uses another.  Every unseal must fail
// (EBADMSG/EINVAL) or restore the key exactly as sealed: never exportable.
Test(attacks, unseal_double_fetch, .timeout = 300)
{
	Outcome o = attacker([](Report &r) {
		if (!drop_to(kNobody, {}))
			return 1;
		Link l;
		Bytes material = pattern(32, 0x5e);
		__u64 k = l.must("secret", HSM_PERM_DERIVE, 0, &material);
		if (!k || l.slot(HSM_IOC_SLOT_STORE, "df", 0, k).res)
			return 2;
		Bytes blob = l.seal("df");
		if (blob.size() != kHdr + 32 + 16 || l.slot(HSM_IOC_SLOT_DELETE, "df").res)
			return 3;
		uint64_t good_perms = HSM_PERM_DERIVE, bad_perms = HSM_PERM_DERIVE | HSM_PERM_EXPORT;
		uint32_t good_flags = 0, bad_flags = HSM_KEY_F_EXPORTABLE;
		if (le64(blob, kPermsOff) != good_perms || le32(blob, kFlagsOff) != good_flags)
			return 4;
		l.put(kIn, blob);
		auto *perms = reinterpret_cast<volatile uint64_t *>(l.at(kIn + kPermsOff));
		auto *flags = reinterpret_cast<volatile uint32_t *>(l.at(kIn + kFlagsOff));

		std::atomic<bool> stop{false};
		std::thread flipper([&] {
			while (!stop.load(std::memory_order_relaxed)) {
				*perms = bad_perms;
				*flags = bad_flags;
				*perms = good_perms;
				*flags = good_flags;
			}
		});
		long ok = 0, refused = 0, odd = 0, leaked = 0, wrong_attrs = 0, last_odd = 0;
		timespec t0, t;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (int i = 0; i < 2000; i++) {
			clock_gettime(CLOCK_MONOTONIC, &t);
			if (t.tv_sec - t0.tv_sec >= 5)
				break;
			hsm_slot_params sp{};
			strcpy(sp.name, "df");
			hsm_op op{};
			op.resp_off = kResp;
			op.params = l.put_struct(kP, sp);
			op.in = {kIn, static_cast<__u32>(blob.size())};
			long res = l.run(HSM_IOC_SLOT_UNSEAL, op).res;
			if (res == -EBADMSG || res == -EINVAL) {
				refused++;
				continue;
			}
			if (res != 0) {
				odd++;
				last_odd = res;
				continue;
			}
			ok++;
			for (auto &s : l.slots())
				if (!strcmp(s.name, "df") &&
				    (s.perms != good_perms || s.flags != good_flags))
					wrong_attrs++;
			Result op2 = l.slot(HSM_IOC_SLOT_OPEN, "df");
			if (op2.res == 0) {
				Bytes got;
				if (l.export_key(op2.resp.value, &got) != -EPERM || !got.empty())
					leaked++;
				l.release(op2.resp.value);
			} else {
				odd++;
				last_odd = op2.res;
			}
			if (l.slot(HSM_IOC_SLOT_DELETE, "df").res)
				odd++;
		}
		stop = true;
		flipper.join();
		r.res("restored", ok);
		r.res("refused", refused);
		r.res("other results", odd);
		r.res("last other result", last_odd);
		r.res("exported", leaked);
		r.res("restored with other attributes", wrong_attrs);
		return 0;
	});
	expect_clean(o);
	cr_expect_eq(o["exported"], 0, "a restored key was exportable");
	cr_expect_eq(o["restored with other attributes"], 0);
	cr_expect_eq(o["other results"], 0, "unexpected result %ld", o["last other result"]);
	cr_expect_gt(o["restored"] + o["refused"], 0);
	cr_expect_gt(o["restored"], 0, "the genuine blob restored at least once (refused %ld)",
		     o["refused"]);
}

// A blob sealed by one user (65533) in its own namespace, restored by
// another (65534) into its own: refused for the owner (EPERM); with the
// owner bytes rewritten to the attacker's uid, refused by the tag
// (EBADMSG).  Nothing is restored either way, and the blob still opens for
// its owner.
Test(attacks, blob_owner)
{
	Bytes material = pattern(32, 0x66);
	Outcome seal = attacker([&](Report &r) {
		if (!drop_to(kOther, {}))
			return 1;
		Link l;
		__u64 k = l.must("aes-256-gcm", HSM_PERM_ENCRYPT | HSM_PERM_DECRYPT, 0, &material);
		r.res("store", l.slot(HSM_IOC_SLOT_STORE, "owned", 0, k).res);
		r.bytes("blob", l.seal("owned"));
		r.res("delete", l.slot(HSM_IOC_SLOT_DELETE, "owned").res);
		return 0;
	});
	expect_clean(seal);
	cr_assert_eq(seal["store"], 0);
	Bytes blob = seal.b("blob");
	cr_assert_eq(blob.size(), kHdr + 32 + 16);
	cr_assert_eq(le32(blob, kOwnerOff), kOther, "the blob names its owner");

	Outcome o = attacker([&](Report &r) {
		if (!drop_to(kNobody, {}))
			return 1;
		Link l;
		Result u = l.unseal("owned", blob);
		r.res("unseal", u.res);
		r.res("unseal status", u.resp.status);
		r.res("open", l.slot(HSM_IOC_SLOT_OPEN, "owned").res);
		Bytes forged = blob;
		uint32_t me = kNobody;
		memcpy(forged.data() + kOwnerOff, &me, 4);
		r.res("unseal forged owner", l.unseal("owned", forged).res);
		r.res("open after forged", l.slot(HSM_IOC_SLOT_OPEN, "owned").res);
		r.res("slots", l.slots().size());
		return 0;
	});
	expect_clean(o);
	cr_expect_eq(o["unseal"], -EPERM);
	cr_expect_eq(o["unseal status"], HSM_STATUS_NOT_PERMITTED);
	cr_expect_eq(o["open"], -ENOENT, "nothing was restored");
	long f = o["unseal forged owner"];
	cr_expect(f == -EBADMSG || f == -EPERM, "forged owner: %ld", f);
	cr_expect_eq(o["open after forged"], -ENOENT);
	cr_expect_eq(o["slots"], 0);

	// The blob was good: its owner restores it.
	Outcome back = attacker([&](Report &r) {
		if (!drop_to(kOther, {}))
			return 1;
		Link l;
		r.res("unseal", l.unseal("owned", blob).res);
		r.res("delete", l.slot(HSM_IOC_SLOT_DELETE, "owned").res);
		return 0;
	});
	expect_clean(back);
	cr_expect_eq(back["unseal"], 0);
	cr_expect_eq(back["delete"], 0);
}
