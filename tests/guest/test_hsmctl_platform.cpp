// SPDX-License-Identifier: GPL-2.0 OR MIT
// hsmctl's platform commands end to end: sim-setup writes a chain,
// attest --extended writes the report and the certificates it carries,
// sim-setup --tdx and attest --tdx make a quote verify --tdx accepts with
// the simulated root only, attest --key writes a key's statement and the
// report over it,
// and slots save / restore carries a slot through a sealed blob on disk,
// in a directory only the caller can write, and refuses what it should not
// trust.
#include <criterion/criterion.h>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <grp.h>
#include <iterator>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hsm_conn.hpp"

#include <functional>

using namespace hsmtest;

namespace {

int sh(const std::string &cmd)
{
	int st = std::system((cmd + " >/dev/null").c_str());
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Bytes slurp(const std::string &path)
{
	std::ifstream f(path, std::ios::binary);
	return Bytes(std::istreambuf_iterator<char>(f), {});
}

// A command's exit status and everything it printed.
struct Out {
	int rc;
	std::string text;
	bool has(const std::string &s) const { return text.find(s) != std::string::npos; }
};

Out run(const std::string &cmd)
{
	int st = std::system((cmd + " >/tmp/hsmctl-test.out 2>&1").c_str());
	Bytes b = slurp("/tmp/hsmctl-test.out");
	return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, std::string(b.begin(), b.end())};
}

void spit(const std::string &path, const Bytes &b, mode_t mode = 0600)
{
	int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, mode);
	cr_assert_geq(fd, 0, "%s", path.c_str());
	cr_assert_eq(write(fd, b.data(), b.size()), (ssize_t)b.size());
	fchmod(fd, mode);
	close(fd);
}

// A fresh, empty directory of root's, mode 0700.
std::string fresh_dir(const std::string &path, mode_t mode = 0700)
{
	std::system(("rm -rf " + path).c_str());
	cr_assert_eq(mkdir(path.c_str(), 0700), 0, "%s", path.c_str());
	cr_assert_eq(chmod(path.c_str(), mode), 0);
	return path;
}

Result slot(Conn &c, unsigned int cmd, const std::string &name, __u64 handle = 0, __u32 flags = 0)
{
	hsm_slot_params p{};
	memcpy(p.name, name.data(), std::min(name.size(), sizeof(p.name) - 1));
	p.flags = flags;
	hsm_op op{};
	op.handle = handle;
	op.resp_off = Conn::kResp;
	op.params = c.put(Conn::kParams, {reinterpret_cast<uint8_t *>(&p), sizeof(p)});
	return c.run(cmd, op);
}

Bytes mac_of(Conn &c, __u64 id)
{
	hsm_op m{};
	m.handle = id;
	m.resp_off = HSM_RESP_NONE;
	m.in = c.put(4096, pattern(100, 3));
	m.out = {8192, 32};
	cr_assert_eq(c.run(HSM_IOC_MAC, m).res, 32);
	return c.get({8192, 32});
}

// The MAC of the slot's key, or empty if the slot cannot be opened.
Bytes slot_mac(Conn &c, const std::string &name, __u32 flags = 0)
{
	Result o = slot(c, HSM_IOC_SLOT_OPEN, name, 0, flags);
	if (o.res)
		return {};
	return mac_of(c, o.resp.value);
}

X509 *pem(const std::string &path)
{
	FILE *f = fopen(path.c_str(), "r");
	cr_assert_not_null(f, "%s", path.c_str());
	X509 *x = PEM_read_X509(f, nullptr, nullptr, nullptr);
	fclose(f);
	cr_assert_not_null(x, "%s", path.c_str());
	return x;
}

}  // namespace

Test(hsmctl_platform, sim_setup_and_attest, .timeout = 600)
{
	const std::string m(96, 'a');
	cr_assert_eq(sh("hsmctl sim-setup --measurement " + m + " --out-dir /tmp/chain"), 0);
	cr_assert_eq(sh("hsmctl attest --extended --report-data 0102" + std::string(124, '0') +
			" --out /tmp/att"), 0);
	Bytes rep = slurp("/tmp/att/report.bin");
	cr_assert_eq(rep.size(), (size_t)HSM_SNP_REPORT_SIZE);
	cr_expect_eq(rep[0x50], 1);
	cr_expect_eq(rep[0x51], 2);
	cr_expect_eq(rep[0x90], 0xaa);
	// The certificates attest wrote are the ones sim-setup made.
	for (const char *n : {"ark.pem", "ask.pem", "vcek.pem"}) {
		X509 *a = pem(std::string("/tmp/chain/") + n), *b = pem(std::string("/tmp/att/") + n);
		cr_expect_eq(X509_cmp(a, b), 0, "%s", n);
		X509_free(a);
		X509_free(b);
	}
	X509 *ask = pem("/tmp/att/ask.pem"), *vcek = pem("/tmp/att/vcek.pem");
	cr_expect_eq(X509_verify(vcek, X509_get0_pubkey(ask)), 1);
	X509_free(ask);
	X509_free(vcek);
	cr_expect_neq(sh("hsmctl attest --vmpl 9 --out /tmp/att2 2>/dev/null"), 0);
	// A planted link in the output directory is replaced, not written
	// through; the files are the caller's alone.
	fresh_dir("/tmp/att3");
	spit("/tmp/att3-target", {'k', 'e', 'e', 'p'}, 0644);
	cr_assert_eq(symlink("/tmp/att3-target", "/tmp/att3/report.bin"), 0);
	Out a = run("hsmctl attest --out /tmp/att3");
	cr_expect_eq(a.rc, 0, "%s", a.text.c_str());
	cr_expect(slurp("/tmp/att3-target") == Bytes({'k', 'e', 'e', 'p'}), "the link's target was written");
	struct stat st;
	cr_assert_eq(lstat("/tmp/att3/report.bin", &st), 0);
	cr_expect(S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0600, "mode %o", st.st_mode);
	cr_expect_eq(st.st_size, HSM_SNP_REPORT_SIZE);
	cr_expect_eq(sh("hsmctl info | grep -q '^platform backend: *simulated$'"), 0);
	cr_expect_eq(sh("hsmctl info | grep -q '^platform caps: *report ext_report derived_key seal\\b'"), 0);
	cr_expect_eq(sh("hsmctl info | grep -q '^SEV-SNP: *simulated (backend simulated)$'"), 0);
	cr_expect_eq(sh("hsmctl --json info | grep -q '\"platform_backend\": \"simulated\"'"), 0);
	cr_assert_eq(sh("hsmctl sim-setup --no-chain --measurement " + std::string(96, '5')), 0);
	// A host with no certificates: the extended report is still written,
	// with no chain beside it.
	fresh_dir("/tmp/att4");
	Out e = run("hsmctl attest --extended --out /tmp/att4");
	cr_expect_eq(e.rc, 0, "%s", e.text.c_str());
	cr_expect_eq(slurp("/tmp/att4/report.bin").size(), (size_t)HSM_SNP_REPORT_SIZE);
	cr_expect_neq(access("/tmp/att4/vcek.pem", F_OK), 0, "a chain from an empty table");
}

// attest --key: a slot's key pair, its statement and the report over it;
// the relying party recomputes the report data from statement.bin and
// hsmctl verify accepts the report with it.  pubkey prints the same key.
Test(hsmctl_platform, attest_key_and_pubkey, .timeout = 600)
{
	const std::string m(96, 'b');
	cr_assert_eq(sh("hsmctl sim-setup --measurement " + m + " --out-dir /tmp/kchain"), 0);
	{
		Conn c;
		__u64 k = must_key(c, "ecdsa-p384-sha384", HSM_PERM_SIGN);
		cr_assert_eq(slot(c, HSM_IOC_SLOT_STORE, "tls-key", k).res, 0);
	}
	fresh_dir("/tmp/katt");
	const std::string nonce(128, '7');
	Out a = run("hsmctl attest --key tls-key --nonce " + nonce + " --out /tmp/katt");
	cr_assert_eq(a.rc, 0, "%s", a.text.c_str());
	const Bytes st = slurp("/tmp/katt/statement.bin"), rep = slurp("/tmp/katt/report.bin");
	cr_assert_gt(st.size(), sizeof(hsm_key_statement));
	cr_assert_eq(rep.size(), (size_t)HSM_SNP_REPORT_SIZE);
	cr_expect_eq(memcmp(st.data(), HSM_KEY_STATEMENT_MAGIC, sizeof(HSM_KEY_STATEMENT_MAGIC)), 0);
	cr_expect_eq(st[offsetof(hsm_key_statement, nonce)], 0x77);
	cr_expect_str_eq(reinterpret_cast<const char *>(st.data()) + offsetof(hsm_key_statement, alg),
			 "ecdsa-p384-sha384");
	Bytes digest(64);
	unsigned n = 0;
	cr_assert_eq(EVP_Digest(st.data(), st.size(), digest.data(), &n, EVP_sha512(), nullptr), 1);
	cr_expect(std::equal(digest.begin(), digest.end(), rep.begin() + 0x50), "REPORT_DATA");
	std::string hex;
	for (uint8_t b : digest) {
		char x[3];
		snprintf(x, sizeof(x), "%02x", b);
		hex += x;
	}
	Out v = run("hsmctl verify --report /tmp/katt/report.bin --certs /tmp/kchain --sim-root "
		    "/tmp/kchain/ark.pem --measurement " + m + " --report-data " + hex);
	cr_expect_eq(v.rc, 0, "%s", v.text.c_str());

	Out p = run("hsmctl pubkey tls-key");
	cr_expect_eq(p.rc, 0, "%s", p.text.c_str());
	cr_expect(slurp("/tmp/katt/pubkey.pem") == Bytes(p.text.begin(), p.text.end()),
		  "pubkey and the statement name one key");
	cr_expect(p.has("-----BEGIN PUBLIC KEY-----"));
	cr_expect_neq(run("hsmctl attest --key no-such-slot --out /tmp/katt").rc, 0);
	cr_expect_eq(run("hsmctl attest --key tls-key --nonce 12 --out /tmp/katt").rc, 2, "a short nonce");
	Conn c;
	cr_expect_eq(slot(c, HSM_IOC_SLOT_DELETE, "tls-key").res, 0);
}

Test(hsmctl_platform, slots_save_and_restore)
{
	Conn c;
	__u64 k = must_key(c, "hmac-sha-256", HSM_PERM_SIGN, nullptr, 0, 32);
	hsm_slot_params p{};
	strcpy(p.name, "disk-slot");
	hsm_op op{};
	op.handle = k;
	op.resp_off = HSM_RESP_NONE;
	op.params = c.put(0, {reinterpret_cast<uint8_t *>(&p), sizeof(p)});
	cr_assert_eq(c.run(HSM_IOC_SLOT_STORE, op).res, 0);
	// A MAC to compare after the round trip.
	Bytes msg = pattern(100, 3);
	auto mac = [&](__u64 id) {
		hsm_op m{};
		m.handle = id;
		m.resp_off = HSM_RESP_NONE;
		m.in = c.put(4096, msg);
		m.out = {8192, 32};
		cr_assert_eq(c.run(HSM_IOC_MAC, m).res, 32);
		return c.get({8192, 32});
	};
	Bytes before = mac(k);

	cr_assert_eq(sh("hsmctl slots save /tmp/sealed"), 0);
	Bytes blob = slurp("/tmp/sealed/disk-slot.sealed");
	cr_assert_gt(blob.size(), 160u);
	op.handle = 0;
	cr_assert_eq(c.run(HSM_IOC_SLOT_DELETE, op).res, 0);
	cr_assert_eq(sh("hsmctl slots restore /tmp/sealed"), 0);
	op.resp_off = Conn::kResp;
	Result o = c.run(HSM_IOC_SLOT_OPEN, op);
	cr_assert_eq(o.res, 0);
	cr_expect(mac(o.resp.value) == before, "the restored slot has the same key");
	// Restoring again: the name is taken.
	cr_expect_neq(sh("hsmctl slots restore /tmp/sealed 2>/dev/null"), 0);
	op.resp_off = HSM_RESP_NONE;
	cr_expect_eq(c.run(HSM_IOC_SLOT_DELETE, op).res, 0);
}

// Directories someone else could write are refused, by every writer.
Test(hsmctl_platform, untrusted_directories_refused)
{
	fresh_dir("/tmp/hs-other");
	cr_assert_eq(chown("/tmp/hs-other", 65534, 65534), 0);
	fresh_dir("/tmp/hs-ww", 0777);
	fresh_dir("/tmp/hs-gw", 0770);
	std::system("rm -f /tmp/hs-link && ln -s /tmp/hs-ww /tmp/hs-link");
	const std::string other = "/tmp/hs-other: owned by uid 65534, not by you (uid 0): refusing to use it";
	Out o;
	for (const char *cmd : {"slots save", "slots restore", "attest --out", "sim-setup --out-dir"}) {
		o = run(std::string("hsmctl ") + cmd + " /tmp/hs-other");
		cr_expect_eq(o.rc, 1, "%s: %d %s", cmd, o.rc, o.text.c_str());
		cr_expect(o.has(other), "%s: %s", cmd, o.text.c_str());
	}
	o = run("hsmctl slots save /tmp/hs-ww");
	cr_expect_eq(o.rc, 1);
	cr_expect(o.has("/tmp/hs-ww: writable by group or others (mode 0777): refusing to use it"), "%s",
		  o.text.c_str());
	o = run("hsmctl slots save /tmp/hs-gw");
	cr_expect_eq(o.rc, 1);
	cr_expect(o.has("/tmp/hs-gw: writable by group or others (mode 0770): refusing to use it"), "%s",
		  o.text.c_str());
	o = run("hsmctl slots save /tmp/hs-link/");
	cr_expect_eq(o.rc, 1);
	cr_expect(o.has("/tmp/hs-link: a symbolic link or not a directory: refusing to use it"), "%s",
		  o.text.c_str());
	// Nothing was written into any of them.
	for (const char *d : {"/tmp/hs-other", "/tmp/hs-ww", "/tmp/hs-gw"})
		cr_expect_eq(sh(std::string("test -z \"$(ls -A ") + d + ")\""), 0, "%s is not empty", d);
}

// Save: a planted link is replaced (its target untouched); files 0600
// whatever the umask; a missing directory is made 0700.
Test(hsmctl_platform, save_writes_private_files)
{
	Conn c;
	__u64 k = must_key(c, "hmac-sha-256", HSM_PERM_SIGN, nullptr, 0, 32);
	cr_assert_eq(slot(c, HSM_IOC_SLOT_STORE, "x", k).res, 0);
	umask(0);
	fresh_dir("/tmp/hs-save");
	spit("/tmp/hs-precious", {'o', 'l', 'd'}, 0644);
	cr_assert_eq(symlink("/tmp/hs-precious", "/tmp/hs-save/x.sealed"), 0);
	Out o = run("hsmctl slots save /tmp/hs-save");
	cr_expect_eq(o.rc, 0, "%s", o.text.c_str());
	cr_expect(slurp("/tmp/hs-precious") == Bytes({'o', 'l', 'd'}), "the link's target was written");
	struct stat st;
	cr_assert_eq(lstat("/tmp/hs-save/x.sealed", &st), 0);
	cr_expect(S_ISREG(st.st_mode), "x.sealed is still a link");
	cr_expect_eq(st.st_mode & 07777, 0600u, "mode %o under umask 0", st.st_mode & 07777);
	cr_expect_eq(st.st_uid, 0u);

	std::system("rm -rf /tmp/hs-new");
	o = run("hsmctl slots save /tmp/hs-new");
	cr_expect_eq(o.rc, 0, "%s", o.text.c_str());
	cr_assert_eq(stat("/tmp/hs-new", &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0700u, "new directory mode %o", st.st_mode & 07777);
	cr_assert_eq(stat("/tmp/hs-new/x.sealed", &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0600u);
	umask(022);
	cr_expect_eq(slot(c, HSM_IOC_SLOT_DELETE, "x").res, 0);
}

// Restore takes only the caller's regular files, of a blob's size, whose
// name is the slot the blob holds.
Test(hsmctl_platform, restore_refuses_untrusted_files, .timeout = 120)
{
	Conn c;
	__u64 k = must_key(c, "hmac-sha-256", HSM_PERM_SIGN, nullptr, 0, 32);
	cr_assert_eq(slot(c, HSM_IOC_SLOT_STORE, "rs", k).res, 0);
	Bytes before = mac_of(c, k);
	fresh_dir("/tmp/hs-rs");
	Out o = run("hsmctl slots save /tmp/hs-rs");
	cr_assert_eq(o.rc, 0, "%s", o.text.c_str());
	Bytes blob = slurp("/tmp/hs-rs/rs.sealed");
	cr_assert_gt(blob.size(), 176u);
	cr_assert_eq(slot(c, HSM_IOC_SLOT_DELETE, "rs").res, 0);

	struct Case {
		const char *what, *file, *reason;
		std::function<void(const std::string &)> plant;
	};
	const Case cases[] = {
		{"symlink", "rs.sealed", "/tmp/hs-r/rs.sealed: a symbolic link: not followed",
		 [](const std::string &p) { cr_assert_eq(symlink("/tmp/hs-rs/rs.sealed", p.c_str()), 0); }},
		{"fifo", "rs.sealed", "/tmp/hs-r/rs.sealed: not a regular file: refusing to read it",
		 [](const std::string &p) { cr_assert_eq(mkfifo(p.c_str(), 0600), 0); }},
		{"oversized", "rs.sealed", "/tmp/hs-r/rs.sealed: 65537 bytes, more than 65536: refusing to read it",
		 [&](const std::string &p) {
			 Bytes big = blob;
			 big.resize(65537);
			 spit(p, big);
		 }},
		{"other uid", "rs.sealed",
		 "/tmp/hs-r/rs.sealed: owned by uid 65534, not by you (uid 0): refusing to read it",
		 [&](const std::string &p) {
			 spit(p, blob);
			 cr_assert_eq(chown(p.c_str(), 65534, 65534), 0);
		 }},
		{"world-writable", "rs.sealed",
		 "/tmp/hs-r/rs.sealed: writable by group or others (mode 0666): refusing to read it",
		 [&](const std::string &p) { spit(p, blob, 0666); }},
		{"other name", "other.sealed",
		 "/tmp/hs-r/other.sealed: holds user slot 'rs', not user slot 'other': refusing to restore it",
		 [&](const std::string &p) { spit(p, blob); }},
		{"other namespace", "rs.group.sealed",
		 "/tmp/hs-r/rs.group.sealed: holds user slot 'rs', not group slot 'rs': refusing to restore it",
		 [&](const std::string &p) { spit(p, blob); }},
		{"not our spelling", "r%73.sealed",
		 "/tmp/hs-r/r%73.sealed: not a name 'slots save' writes: skipped",
		 [&](const std::string &p) { spit(p, blob); }},
	};
	for (const auto &k2 : cases) {
		fresh_dir("/tmp/hs-r");
		k2.plant(std::string("/tmp/hs-r/") + k2.file);
		o = run("hsmctl slots restore /tmp/hs-r");
		cr_expect_eq(o.rc, 1, "%s: exit %d: %s", k2.what, o.rc, o.text.c_str());
		cr_expect(o.has(k2.reason), "%s: %s", k2.what, o.text.c_str());
		cr_expect(slot_mac(c, "rs").empty(), "%s: restored anyway", k2.what);
		cr_expect(slot_mac(c, "other").empty(), "%s: restored anyway", k2.what);
		cr_expect(slot_mac(c, "rs", HSM_SLOT_F_GROUP).empty(), "%s: restored anyway", k2.what);
	}
	// The genuine file restores.
	fresh_dir("/tmp/hs-r");
	spit("/tmp/hs-r/rs.sealed", blob);
	o = run("hsmctl slots restore /tmp/hs-r");
	cr_expect_eq(o.rc, 0, "%s", o.text.c_str());
	cr_expect(slot_mac(c, "rs") == before);
	cr_expect_eq(slot(c, HSM_IOC_SLOT_DELETE, "rs").res, 0);
}

// A user slot "foo.group" and a group slot "foo" get two files and both
// come back.
Test(hsmctl_platform, user_and_group_names_do_not_collide)
{
	gid_t g = 4242;
	cr_assert_eq(setgroups(1, &g), 0);	// root joins the guest's slot_group
	Conn c;
	__u64 a = must_key(c, "hmac-sha-256", HSM_PERM_SIGN, nullptr, 0, 32);
	__u64 b = must_key(c, "hmac-sha-256", HSM_PERM_SIGN, nullptr, 0, 32);
	cr_assert_eq(slot(c, HSM_IOC_SLOT_STORE, "foo.group", a).res, 0);
	cr_assert_eq(slot(c, HSM_IOC_SLOT_STORE, "foo", b, HSM_SLOT_F_GROUP).res, 0);
	Bytes mac_a = mac_of(c, a), mac_b = mac_of(c, b);
	cr_assert(mac_a != mac_b);

	fresh_dir("/tmp/hs-ns");
	Out o = run("hsmctl slots save /tmp/hs-ns");
	cr_expect_eq(o.rc, 0, "%s", o.text.c_str());
	Bytes fa = slurp("/tmp/hs-ns/foo%2Egroup.sealed"), fb = slurp("/tmp/hs-ns/foo.group.sealed");
	cr_assert_gt(fa.size(), 176u, "%s", o.text.c_str());
	cr_assert_gt(fb.size(), 176u, "%s", o.text.c_str());
	// Only these two go back (other tests' slots are not ours to restore).
	cr_assert_eq(sh("cd /tmp/hs-ns && for f in *; do case \"$f\" in 'foo%2Egroup.sealed'|foo.group.sealed) ;; "
			"*) rm -f -- \"$f\";; esac; done"), 0);
	cr_assert_eq(slot(c, HSM_IOC_SLOT_DELETE, "foo.group").res, 0);
	cr_assert_eq(slot(c, HSM_IOC_SLOT_DELETE, "foo", 0, HSM_SLOT_F_GROUP).res, 0);

	o = run("hsmctl slots restore /tmp/hs-ns");
	cr_expect_eq(o.rc, 0, "%s", o.text.c_str());
	cr_expect(slot_mac(c, "foo.group") == mac_a, "user slot foo.group");
	cr_expect(slot_mac(c, "foo", HSM_SLOT_F_GROUP) == mac_b, "group slot foo");
	slot(c, HSM_IOC_SLOT_DELETE, "foo.group");
	slot(c, HSM_IOC_SLOT_DELETE, "foo", 0, HSM_SLOT_F_GROUP);
}

// Slot names are bytes: printed escaped, and JSON stays UTF-8.
Test(hsmctl_platform, keys_prints_any_slot_name)
{
	Conn c;
	__u64 k = must_key(c, "hmac-sha-256", HSM_PERM_SIGN, nullptr, 0, 32);
	const std::string name = "x\xff\x1b[2J";
	cr_assert_eq(slot(c, HSM_IOC_SLOT_STORE, name, k).res, 0);
	Out j = run("hsmctl --json keys");
	cr_expect_eq(j.rc, 0, "%s", j.text.c_str());
	cr_expect(j.has("\"slot\": \"x\\\\xff\\\\x1b[2J\""), "%s", j.text.c_str());
	Out t = run("hsmctl keys");
	cr_expect_eq(t.rc, 0, "%s", t.text.c_str());
	cr_expect(t.has("x\\xff\\x1b[2J"), "%s", t.text.c_str());
	cr_expect(t.text.find('\x1b') == std::string::npos, "a raw escape reached the terminal");
	cr_expect(j.text.find('\xff') == std::string::npos, "a byte that is not UTF-8 in JSON");
	cr_expect_eq(slot(c, HSM_IOC_SLOT_DELETE, name).res, 0);
}

// Numbers and hex: all of the argument, in range, of the field's length.
Test(hsmctl_platform, strict_arguments)
{
	Out o = run("hsmctl attest --out /tmp/hs-args --vmpl 4294967296");
	cr_expect_eq(o.rc, 2);
	cr_expect(o.has("--vmpl: '4294967296' is not a number from 0 to 3"), "%s", o.text.c_str());
	o = run("hsmctl verify --report /dev/null --vmpl 4294967296");
	cr_expect_eq(o.rc, 2);
	cr_expect(o.has("is not a number in range"), "%s", o.text.c_str());
	o = run("hsmctl attest --out /tmp/hs-args --report-data 0102");
	cr_expect_eq(o.rc, 2);
	cr_expect(o.has("--report-data needs exactly 64 bytes as 128 hex digits"), "%s", o.text.c_str());
	o = run("hsmctl attest --out /tmp/hs-args --report-data +f" + std::string(126, '0'));
	cr_expect_eq(o.rc, 2, "%s", o.text.c_str());
	o = run("hsmctl sim-setup --guest-svn 4294967296");
	cr_expect_eq(o.rc, 2);
	cr_expect(o.has("--guest-svn: '4294967296' is not a number"), "%s", o.text.c_str());
	o = run("hsmctl sim-setup --policy -1");
	cr_expect_eq(o.rc, 2, "%s", o.text.c_str());
}

// TDX: sim-setup --tdx writes the simulated root and collateral, attest
// --tdx a TDREPORT and a quote, and verify --tdx accepts the quote with
// --root and only with it; a revoking PCK CRL refuses it.
Test(hsmctl_platform, tdx_sim_setup_attest_verify, .timeout = 600)
{
	if (sh("hsmctl info | grep -q '^TDX: *simulated (backend simulated)$'"))
		cr_skip_test("TDX is not simulated here");
	cr_expect_eq(sh("hsmctl --json info | grep -q '\"path\": \"simulated\"'"), 0);
	cr_expect_eq(sh("hsmctl info | grep -q '^platform caps:.* tdx_report tdx_quote'"), 0);
	const std::string mrtd(96, 'd'), rd = "0102" + std::string(124, '0');
	fresh_dir("/tmp/tdx-pcs");
	Out o = run("hsmctl sim-setup --tdx --mrtd " + mrtd + " --out-dir /tmp/tdx-pcs");
	cr_assert_eq(o.rc, 0, "%s", o.text.c_str());
	cr_expect(o.has("/tmp/tdx-pcs/collateral.json"), "%s", o.text.c_str());
	for (const char *v : {"4", "5"}) {
		const std::string dir = std::string("/tmp/tdx-att") + v;
		fresh_dir(dir);
		o = run("hsmctl attest --tdx --raw --version " + std::string(v) + " --report-data " + rd +
			" --out " + dir);
		cr_assert_eq(o.rc, 0, "v%s: %s", v, o.text.c_str());
		cr_expect(o.has(std::string("quote v") + v), "%s", o.text.c_str());
		cr_expect_eq(slurp(dir + "/tdreport.bin").size(), (size_t)HSM_TDX_REPORT_SIZE);
		const std::string verify = "hsmctl verify --tdx --quote " + dir +
					   "/quote.bin --collateral /tmp/tdx-pcs/collateral.json --mrtd " +
					   mrtd + " --report-data " + rd;
		o = run(verify + " --root /tmp/tdx-pcs/root.pem");
		cr_expect_eq(o.rc, 0, "v%s: %s", v, o.text.c_str());
		cr_expect(o.has("verdict: PASS"), "%s", o.text.c_str());
		cr_expect(o.has("tcb status: UpToDate"), "%s", o.text.c_str());
		cr_expect(o.has("root: SIMULATED"), "%s", o.text.c_str());
		o = run(verify);
		cr_expect_eq(o.rc, 1, "v%s without --root: %s", v, o.text.c_str());
		cr_expect(o.has("reason: untrusted-root"), "%s", o.text.c_str());
	}
	// JSON, and REPORTDATA bound to the caller without --raw.
	fresh_dir("/tmp/tdx-attj");
	o = run("hsmctl --json attest --tdx --report-data " + rd + " --out /tmp/tdx-attj");
	cr_expect_eq(o.rc, 0, "%s", o.text.c_str());
	cr_expect(o.has("\"quote_version\": 4") || o.has("\"quote_version\": 5"), "%s", o.text.c_str());
	cr_expect(o.has("\"report_data_bound\": true"), "%s", o.text.c_str());
	cr_expect(!o.has("\"report_data\": \"0102"), "bound REPORTDATA is not the caller's: %s",
		  o.text.c_str());

	// Collateral whose PCK CRL revokes the PCK.
	fresh_dir("/tmp/tdx-pcs-r");
	o = run("hsmctl sim-setup --tdx --revoked --out-dir /tmp/tdx-pcs-r");
	cr_assert_eq(o.rc, 0, "%s", o.text.c_str());
	fresh_dir("/tmp/tdx-att-r");
	cr_assert_eq(sh("hsmctl attest --tdx --out /tmp/tdx-att-r"), 0);
	o = run("hsmctl verify --tdx --quote /tmp/tdx-att-r/quote.bin --collateral "
		"/tmp/tdx-pcs-r/collateral.json --root /tmp/tdx-pcs-r/root.pem --allow-unconstrained");
	cr_expect_eq(o.rc, 1, "%s", o.text.c_str());
	cr_expect(o.has("reason: revoked"), "%s", o.text.c_str());
}

// Bad TDX arguments: exit 2 and what was wrong.
Test(hsmctl_platform, tdx_bad_arguments)
{
	Out o = run("hsmctl attest --tdx --out /tmp/tdx-args --bogus");
	cr_expect_eq(o.rc, 2, "%s", o.text.c_str());
	cr_expect(o.has("attest --tdx: unknown option or missing value: --bogus"), "%s", o.text.c_str());
	o = run("hsmctl attest --tdx --out /tmp/tdx-args --version 4x");
	cr_expect_eq(o.rc, 2, "%s", o.text.c_str());
	cr_expect(o.has("--version: '4x' is not a number"), "%s", o.text.c_str());
	o = run("hsmctl attest --tdx --out /tmp/tdx-args --version 3");
	cr_expect_eq(o.rc, 2, "%s", o.text.c_str());
	cr_expect(o.has("--version: a TDX quote is version 4 or 5"), "%s", o.text.c_str());
	o = run("hsmctl attest --tdx --report-data 0102");
	cr_expect_eq(o.rc, 2, "%s", o.text.c_str());
	cr_expect(o.has("--report-data needs exactly 64 bytes as 128 hex digits"), "%s", o.text.c_str());
	o = run("hsmctl attest --tdx");
	cr_expect_eq(o.rc, 2, "%s", o.text.c_str());
	cr_expect(o.has("attest --tdx: --out DIR is required"), "%s", o.text.c_str());
	o = run("hsmctl attest --snp --tdx --out /tmp/tdx-args");
	cr_expect_eq(o.rc, 2, "%s", o.text.c_str());
	cr_expect(o.has("--snp and --tdx: one platform at a time"), "%s", o.text.c_str());
	o = run("hsmctl sim-setup --tdx --mrtd 00");
	cr_expect_eq(o.rc, 2, "%s", o.text.c_str());
	cr_expect(o.has("--mrtd needs exactly 48 bytes as 96 hex digits"), "%s", o.text.c_str());
	o = run("hsmctl sim-setup --tdx --measurement " + std::string(96, '0'));
	cr_expect_eq(o.rc, 2, "%s", o.text.c_str());
	cr_expect(o.has("sim-setup --tdx: unknown option or missing value: --measurement"), "%s",
		  o.text.c_str());
	// An untrusted output directory is refused before anything is asked.
	fresh_dir("/tmp/tdx-ww", 0777);
	o = run("hsmctl attest --tdx --out /tmp/tdx-ww");
	cr_expect_eq(o.rc, 1, "%s", o.text.c_str());
	cr_expect(o.has("/tmp/tdx-ww: writable by group or others (mode 0777): refusing to use it"), "%s",
		  o.text.c_str());
}
