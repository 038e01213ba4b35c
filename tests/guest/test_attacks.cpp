// SPDX-License-Identifier: GPL-2.0 OR MIT
// Attacks on the module's access rules, each run as an attacker would run
// it: an unprivileged process (uid 65534 unless said) forked from the root
// test, with privileges dropped (setgroups, setgid, setuid), holding an fd
// on /dev/hsm that it opened itself or was handed.  The attacker reports
// what the module answered through a pipe; the assertions are made here,
// in the parent: the exact refusal, and that nothing leaked.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <criterion/criterion.h>
#include <grp.h>
#include <map>
#include <optional>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <time.h>

#include "hsm_conn.hpp"

using namespace hsmtest;

namespace {

constexpr uid_t kNobody = 65534, kOther = 65533, kThird = 65532;
constexpr gid_t kSlotGroup = 4242;	/* hsm.slot_group in scripts/run-tests.sh */

// Region layout of every connection below.
constexpr uint32_t kResp = 0x100, kP = 0x1000, kIv = 0x3000, kAad = 0x3400,
		   kTag = 0x3800, kSlotList = 0x4000, kIn = 0x20000, kOut = 0x40000,
		   kOut2 = 0x60000;
constexpr size_t kRegion = 1 << 20;

// The sealed blob's layout (kmod/seal.c, struct seal_hdr).
constexpr size_t kHdr = 176, kNonceOff = 160, kOwnerOff = 172, kPermsOff = 144,
		 kFlagsOff = 152;

// A connection on an fd, through ioctl(): the fd may be the caller's own or
// one it was given.  The region is set up if the connection has none yet,
// and mapped (a mapping is not inherited across fork).
class Link {
public:
	explicit Link(int fd) : fd_(fd)
	{
		if (fd_ < 0)
			throw std::runtime_error("no fd");
		hsm_shm_setup s{};
		s.size = kRegion;
		if (ioctl(fd_, HSM_IOC_SHM_SETUP, &s) && errno != EEXIST)
			throw std::runtime_error("SHM_SETUP");
		void *p = mmap(nullptr, kRegion, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
		if (p == MAP_FAILED)
			throw std::runtime_error("mmap");
		base_ = static_cast<uint8_t *>(p);
	}
	static int open_dev() { return ::open(HSM_DEVICE_PATH, O_RDWR | O_CLOEXEC); }
	Link() : Link(open_dev()) {}
	~Link()
	{
		munmap(base_, kRegion);
		::close(fd_);
	}
	Link(const Link &) = delete;
	Link &operator=(const Link &) = delete;

	int fd() const { return fd_; }
	uint8_t *at(uint32_t off) { return base_ + off; }
	hsm_ref put(uint32_t off, std::span<const uint8_t> b)
	{
		if (!b.empty())
			memcpy(base_ + off, b.data(), b.size());
		return {off, static_cast<__u32>(b.size())};
	}
	template <typename T> hsm_ref put_struct(uint32_t off, const T &v)
	{
		return put(off, {reinterpret_cast<const uint8_t *>(&v), sizeof(v)});
	}
	Bytes get(uint32_t off, uint32_t len) const { return Bytes(base_ + off, base_ + off + len); }

	Result run(unsigned int cmd, const hsm_op &op)
	{
		Result r{};
		hsm_resp *resp = op.resp_off != HSM_RESP_NONE
			? reinterpret_cast<hsm_resp *>(base_ + op.resp_off) : nullptr;
		if (resp)
			memset(resp, 0xee, sizeof(*resp));
		hsm_op copy = op;
		long x = ioctl(fd_, cmd, &copy);
		r.res = x < 0 ? -errno : x;
		if (resp)
			r.resp = *resp;
		return r;
	}

	hsm_info info()
	{
		hsm_info i{};
		hsm_get_info g{};
		g.info_ptr = reinterpret_cast<uintptr_t>(&i);
		g.info_size = sizeof(i);
		if (ioctl(fd_, HSM_IOC_GET_INFO, &g) < 0)
			throw std::runtime_error("GET_INFO");
		return i;
	}

	// KEY_GENERATE, or KEY_IMPORT of material.
	Result key(const char *alg, __u64 perms, __u32 flags = 0, const Bytes *material = nullptr,
		   __u32 key_len = 0)
	{
		hsm_key_params p{};
		strncpy(p.alg, alg, sizeof(p.alg) - 1);
		p.perms = perms;
		p.flags = flags;
		p.key_len = key_len;
		hsm_op op{};
		op.resp_off = kResp;
		op.params = put_struct(kP, p);
		if (material)
			op.in = put(kIn, *material);
		return run(material ? HSM_IOC_KEY_IMPORT : HSM_IOC_KEY_GENERATE, op);
	}
	// A key that must be made; 0 when it was not.
	__u64 must(const char *alg, __u64 perms, __u32 flags = 0, const Bytes *material = nullptr,
		   __u32 key_len = 0)
	{
		Result r = key(alg, perms, flags, material, key_len);
		return r.res == 0 ? r.resp.value : 0;
	}

	// KEY_EXPORT into kOut: the length, or -errno; *out gets the bytes.
	long export_key(__u64 id, Bytes *out = nullptr)
	{
		hsm_op op{};
		op.handle = id;
		op.resp_off = HSM_RESP_NONE;
		op.out = {kOut, 4096};
		memset(at(kOut), 0, 4096);
		long n = run(HSM_IOC_KEY_EXPORT, op).res;
		if (out)
			*out = n > 0 ? get(kOut, n) : Bytes{};
		return n;
	}

	long release(__u64 id)
	{
		hsm_op op{};
		op.handle = id;
		op.resp_off = HSM_RESP_NONE;
		return run(HSM_IOC_KEY_RELEASE, op).res;
	}

	Result slot(unsigned int cmd, const char *name, __u32 flags = 0, __u64 handle = 0,
		    hsm_ref in = {}, hsm_ref out = {})
	{
		hsm_slot_params p{};
		strncpy(p.name, name, sizeof(p.name) - 1);
		p.flags = flags;
		hsm_op op{};
		op.handle = handle;
		op.resp_off = kResp;
		op.params = put_struct(kP, p);
		op.in = in;
		op.out = out;
		return run(cmd, op);
	}

	// SLOT_SEAL into kOut: the blob, or empty.
	Bytes seal(const char *name, __u32 flags = 0)
	{
		Result r = slot(HSM_IOC_SLOT_SEAL, name, flags, 0, {}, {kOut, 0x8000});
		return r.res > 0 ? get(kOut, r.res) : Bytes{};
	}

	Result unseal(const char *name, const Bytes &blob, __u32 flags = 0)
	{
		return slot(HSM_IOC_SLOT_UNSEAL, name, flags, 0, put(kIn, blob));
	}

	std::vector<hsm_slot_info> slots()
	{
		hsm_op op{};
		op.resp_off = HSM_RESP_NONE;
		op.out = {kSlotList, 32 * sizeof(hsm_slot_info)};
		long n = run(HSM_IOC_SLOT_LIST, op).res;
		if (n < 0)
			return {};
		auto *p = reinterpret_cast<hsm_slot_info *>(at(kSlotList));
		return std::vector<hsm_slot_info>(p, p + std::min<long>(n, 32));
	}

	Result snp_report(const Bytes &data, __u32 flags, bool ext)
	{
		hsm_snp_report_params p{};
		memcpy(p.report_data, data.data(), std::min(data.size(), sizeof(p.report_data)));
		p.flags = flags;
		hsm_op op{};
		op.resp_off = kResp;
		op.params = put_struct(kP, p);
		op.out = {kOut, HSM_SNP_REPORT_SIZE};
		if (ext)
			op.tag = {kOut2, HSM_SNP_CERTS_MAX};
		return run(ext ? HSM_IOC_SNP_EXT_REPORT : HSM_IOC_SNP_REPORT, op);
	}

	Result snp_derive(const hsm_snp_key_params &p, const Bytes &label = {})
	{
		hsm_op op{};
		op.resp_off = kResp;
		op.params = put_struct(kP, p);
		if (!label.empty())
			op.in = put(kIn, label);
		return run(HSM_IOC_SNP_DERIVE_KEY, op);
	}

	// KEY_LIST of this connection (or every one): the count, or -errno.
	long key_list(__u32 flags = 0)
	{
		hsm_op op{};
		op.flags = flags;
		op.resp_off = HSM_RESP_NONE;
		op.out = {kOut, 64 * sizeof(hsm_key_info)};
		return run(HSM_IOC_KEY_LIST, op).res;
	}

private:
	int fd_;
	uint8_t *base_;
};

Bytes str_bytes(const char *s, bool with_nul = false)
{
	return Bytes(s, s + strlen(s) + (with_nul ? 1 : 0));
}

// The sealing root's request (root key VCEK, VMPL 0 = vmpck_id, policy and
// measurement, SVN and TCB 0), asking a 32-byte "secret" that may leave.
hsm_snp_key_params seal_params(__u32 snp_flags)
{
	hsm_snp_key_params p{};
	p.root_key_select = 0;
	p.vmpl = 0;
	p.guest_field_select = HSM_SNP_GFS_POLICY | HSM_SNP_GFS_MEASUREMENT;
	p.flags = snp_flags | HSM_SNP_KEY_F_ALLOW_EXPORT;
	strcpy(p.key.alg, "secret");
	p.key.perms = HSM_PERM_DERIVE | HSM_PERM_EXPORT;
	p.key.flags = HSM_KEY_F_EXPORTABLE;
	return p;
}

// ---- the attacker: a forked child that reports to the parent ----------

// What the child tells the parent: named results and named byte strings.
class Report {
public:
	explicit Report(int fd) : fd_(fd) {}
	void res(const std::string &name, long v) { send(0, name, &v, sizeof(v)); }
	void bytes(const std::string &name, const Bytes &b) { send(1, name, b.data(), b.size()); }

private:
	void send(uint8_t kind, const std::string &name, const void *p, size_t n)
	{
		uint32_t hdr[2] = {static_cast<uint32_t>(name.size()), static_cast<uint32_t>(n)};
		write_all(&kind, 1);
		write_all(hdr, sizeof(hdr));
		write_all(name.data(), name.size());
		write_all(p, n);
	}
	void write_all(const void *p, size_t n)
	{
		auto *c = static_cast<const uint8_t *>(p);
		while (n) {
			ssize_t w = write(fd_, c, n);
			if (w <= 0)
				_exit(97);
			c += w;
			n -= w;
		}
	}
	int fd_;
};

struct Outcome {
	int status = -1;
	std::map<std::string, long> res;
	std::map<std::string, Bytes> bytes;

	// A result the child did not report reads as LONG_MIN: it fails any
	// expectation.
	long operator[](const std::string &name) const
	{
		auto i = res.find(name);
		return i == res.end() ? LONG_MIN : i->second;
	}
	Bytes b(const std::string &name) const
	{
		auto i = bytes.find(name);
		return i == bytes.end() ? Bytes{} : i->second;
	}
	bool clean() const { return WIFEXITED(status) && WEXITSTATUS(status) == 0; }
};

// Become uid (and gid uid) with exactly these supplementary groups; check
// that there is no way back.
bool drop_to(uid_t uid, const std::vector<gid_t> &groups)
{
	if (setgroups(groups.size(), groups.data()) || setgid(uid) || setuid(uid))
		return false;
	return getuid() == uid && geteuid() == uid && setuid(0) != 0;
}

// Fork; the child runs fn(report), with alarm() against hangs, and exits
// with its return value (98 if it threw, 97 if the pipe broke).  Returns
// what it reported and how it ended.
template <typename F> Outcome attacker(F fn, unsigned timeout = 120)
{
	int p[2];
	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	fflush(nullptr);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		close(p[0]);
		alarm(timeout);
		int rc;
		try {
			Report r(p[1]);
			rc = fn(r);
		} catch (...) {
			rc = 98;
		}
		_exit(rc);
	}
	close(p[1]);
	Bytes all;
	uint8_t buf[65536];
	for (;;) {
		ssize_t n = read(p[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		all.insert(all.end(), buf, buf + n);
	}
	close(p[0]);
	Outcome o;
	cr_assert_eq(waitpid(pid, &o.status, 0), pid);
	size_t i = 0;
	while (i + 9 <= all.size()) {
		uint8_t kind = all[i];
		uint32_t hdr[2];
		memcpy(hdr, &all[i + 1], sizeof(hdr));
		i += 9;
		if (i + hdr[0] + hdr[1] > all.size())
			break;
		std::string name(all.begin() + i, all.begin() + i + hdr[0]);
		i += hdr[0];
		Bytes v(all.begin() + i, all.begin() + i + hdr[1]);
		i += hdr[1];
		if (kind == 0 && v.size() == sizeof(long)) {
			long x;
			memcpy(&x, v.data(), sizeof(x));
			o.res[name] = x;
		} else {
			o.bytes[name] = v;
		}
	}
	return o;
}

#define expect_clean(o)                                                                   \
	cr_expect((o).clean(), "attacker ended with %s %d", WIFEXITED((o).status) ? "exit" \
		  : "signal", WIFEXITED((o).status) ? WEXITSTATUS((o).status)              \
		  : WTERMSIG((o).status))

// ---- the attacker's offline work, done with OpenSSL --------------------

Bytes sha512(const Bytes &m)
{
	Bytes d(64);
	unsigned int n = 0;
	cr_assert_eq(EVP_Digest(m.data(), m.size(), d.data(), &n, EVP_sha512(), nullptr), 1);
	return d;
}

Bytes hmac_sha256(const Bytes &key, const Bytes &m)
{
	Bytes d(32);
	size_t n = 0;
	cr_assert_not_null(EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(),
				     key.size(), m.data(), m.size(), d.data(), d.size(), &n));
	return d;
}

// AES-256-GCM: the plaintext, or nullopt when the tag does not verify.
std::optional<Bytes> gcm_open(const Bytes &key, const uint8_t *iv, const uint8_t *aad,
			      size_t aad_len, const uint8_t *ct, size_t ct_len,
			      const uint8_t *tag)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	Bytes pt(ct_len + 16);
	int n = 0, m = 0;
	bool ok = EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
		  EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, 12, nullptr) == 1 &&
		  EVP_DecryptInit_ex(c, nullptr, nullptr, key.data(), iv) == 1 &&
		  EVP_DecryptUpdate(c, nullptr, &n, aad, aad_len) == 1 &&
		  EVP_DecryptUpdate(c, pt.data(), &n, ct, ct_len) == 1 &&
		  EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, const_cast<uint8_t *>(tag)) == 1 &&
		  EVP_DecryptFinal_ex(c, pt.data() + n, &m) == 1;
	EVP_CIPHER_CTX_free(c);
	if (!ok)
		return std::nullopt;
	pt.resize(n + m);
	return pt;
}

Bytes gcm_seal(const Bytes &key, const uint8_t *iv, const Bytes &aad, const Bytes &pt,
	       Bytes *tag)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	Bytes ct(pt.size() + 16);
	int n = 0, m = 0;
	tag->resize(16);
	cr_assert(EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), nullptr, key.data(), iv) == 1 &&
		  EVP_EncryptUpdate(c, nullptr, &n, aad.data(), aad.size()) == 1 &&
		  EVP_EncryptUpdate(c, ct.data(), &n, pt.data(), pt.size()) == 1 &&
		  EVP_EncryptFinal_ex(c, ct.data() + n, &m) == 1 &&
		  EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag->data()) == 1);
	EVP_CIPHER_CTX_free(c);
	ct.resize(n + m);
	return ct;
}

// Try to open a sealed blob as the module would, with the sealing key
// HMAC-SHA-256(root, "hsm sealed slot v2\0") of a candidate root, and with
// the candidate itself as the sealing key.  The material, or nullopt.
std::optional<Bytes> open_blob(const Bytes &blob, const Bytes &candidate)
{
	if (blob.size() < kHdr + 16)
		return std::nullopt;
	const uint8_t *iv = blob.data() + kNonceOff, *tag = blob.data() + blob.size() - 16;
	size_t ct_len = blob.size() - kHdr - 16;
	for (const Bytes &k : {hmac_sha256(candidate, str_bytes("hsm sealed slot v2", true)),
			       candidate}) {
		auto pt = gcm_open(k, iv, blob.data(), kHdr, blob.data() + kHdr, ct_len, tag);
		if (pt)
			return pt;
	}
	return std::nullopt;
}

// A blob of the module's format sealed here under a known root: proves
// that open_blob() would open a real one given the right root.
void open_blob_works()
{
	Bytes root = pattern(32, 0x31), hdr = pattern(kHdr, 0x17), material = pattern(32, 5), tag;
	Bytes key = hmac_sha256(root, str_bytes("hsm sealed slot v2", true));
	Bytes ct = gcm_seal(key, hdr.data() + kNonceOff, hdr, material, &tag);
	Bytes blob = hdr;
	blob.insert(blob.end(), ct.begin(), ct.end());
	blob.insert(blob.end(), tag.begin(), tag.end());
	auto pt = open_blob(blob, root);
	cr_assert(pt && *pt == material, "the offline opener works on a blob it can open");
}

uint32_t le32(const Bytes &b, size_t off)
{
	return b[off] | b[off + 1] << 8 | b[off + 2] << 16 | (uint32_t)b[off + 3] << 24;
}

uint64_t le64(const Bytes &b, size_t off)
{
	return le32(b, off) | (uint64_t)le32(b, off + 4) << 32;
}

// ---- suite setup --------------------------------------------------------

mode_t saved_mode = 0660;

// Every uid these tests use, and root with the slot group, removes any slot
// a failed test left behind (the slots are module-wide; later suites count
// them).
void remove_leftover_slots()
{
	for (uid_t uid : {kNobody, kOther, kThird, (uid_t)0}) {
		pid_t pid = fork();
		if (pid == 0) {
			alarm(30);
			if (setgroups(1, &kSlotGroup) ||
			    (uid && (setgid(uid) || setuid(uid))))
				_exit(1);
			try {
				Link l;
				for (auto &s : l.slots())
					if (!(s.slot_flags & HSM_SLOT_F_GROUP) || s.storer == uid || !uid)
						l.slot(HSM_IOC_SLOT_DELETE, s.name, s.slot_flags);
			} catch (...) {
				_exit(2);
			}
			_exit(0);
		}
		if (pid > 0)
			waitpid(pid, nullptr, 0);
	}
}

// Attackers that open /dev/hsm themselves need a node they may open.
void setup()
{
	struct stat st;
	cr_assert_eq(stat(HSM_DEVICE_PATH, &st), 0);
	saved_mode = st.st_mode & 07777;
	cr_assert_eq(chmod(HSM_DEVICE_PATH, 0666), 0);
}

void teardown()
{
	remove_leftover_slots();
	chmod(HSM_DEVICE_PATH, saved_mode);
}

}  // namespace

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

// The attacker makes keys whose permissions would let one role do another's
// work: an AEAD key that both unwraps and decrypts (UNWRAP of any
// ciphertext into an exportable key is a decryption), that wraps and
// decrypts, and an HMAC key that both derives and signs (SP 800-108 over
// it outputs its tags).  Every path that makes a key refuses them (EINVAL)
// and none is made.
Test(attacks, wrapping_and_encryption_never_share_a_key)
{
	Outcome o = attacker([](Report &r) {
		if (!drop_to(kNobody, {}))
			return 1;
		Link l;
		long before = l.key_list();
		Bytes k32 = pattern(32, 3);
		struct {
			const char *name, *alg;
			__u64 perms;
		} bad[] = {
			{"aead encrypt|unwrap", "aes-256-gcm", HSM_PERM_ENCRYPT | HSM_PERM_UNWRAP},
			{"aead decrypt|wrap", "aes-256-gcm", HSM_PERM_DECRYPT | HSM_PERM_WRAP},
			{"aead decrypt|unwrap", "aes-256-gcm", HSM_PERM_DECRYPT | HSM_PERM_UNWRAP},
			{"chacha decrypt|unwrap", "chacha20-poly1305", HSM_PERM_DECRYPT | HSM_PERM_UNWRAP},
			{"hmac derive|sign", "hmac-sha-256", HSM_PERM_DERIVE | HSM_PERM_SIGN},
			{"hmac derive|verify", "hmac-sha-256", HSM_PERM_DERIVE | HSM_PERM_VERIFY},
		};
		for (auto &b : bad) {
			Result g = l.key(b.alg, b.perms, 0, nullptr, 32);
			r.res(std::string("generate ") + b.name, g.res);
			r.res(std::string("generate status ") + b.name, g.resp.status);
			r.res(std::string("import ") + b.name, l.key(b.alg, b.perms, 0, &k32).res);
		}
		// The same through a derivation from the attacker's secret, and
		// through the platform's derived key.
		__u64 base = l.must("secret", HSM_PERM_DERIVE, 0, nullptr, 32);
		hsm_key_params p{};
		strcpy(p.alg, "aes-256-gcm");
		p.perms = HSM_PERM_DECRYPT | HSM_PERM_UNWRAP;
		hsm_op op{};
		op.handle = base;
		op.resp_off = kResp;
		op.params = l.put_struct(kP, p);
		op.in = l.put(kIn, str_bytes("hkdf-sha-256"));
		r.res("derive decrypt|unwrap", l.run(HSM_IOC_KEY_DERIVE, op).res);
		hsm_snp_key_params sp{};
		sp.guest_field_select = HSM_SNP_GFS_MEASUREMENT;
		strcpy(sp.key.alg, "hmac-sha-256");
		sp.key.perms = HSM_PERM_DERIVE | HSM_PERM_SIGN;
		r.res("snp derive hmac derive|sign", l.snp_derive(sp).res);
		r.res("keys made", l.key_list() - before);
		return 0;
	});
	expect_clean(o);
	for (const char *n : {"aead encrypt|unwrap", "aead decrypt|wrap", "aead decrypt|unwrap",
			      "chacha decrypt|unwrap", "hmac derive|sign", "hmac derive|verify"}) {
		cr_expect_eq(o[std::string("generate ") + n], -EINVAL, "generate %s", n);
		cr_expect_eq(o[std::string("generate status ") + n], HSM_STATUS_INVALID_ARGUMENT, "%s", n);
		cr_expect_eq(o[std::string("import ") + n], -EINVAL, "import %s", n);
	}
	cr_expect_eq(o["derive decrypt|unwrap"], -EINVAL);
	cr_expect_eq(o["snp derive hmac derive|sign"], -EINVAL);
	cr_expect_eq(o["keys made"], 1, "only the base secret was made");
}

// The attacker holds non-exportable keys (a secret to derive from, an
// X25519 key, an AES-GCM key-encryption key) and makes new keys from them
// asking HSM_KEY_F_EXPORTABLE, to carry the sensitive material (or what it
// protects) out: derive, agree and unwrap are EPERM.  Made non-exportable,
// the new keys stay so.  Wrapping a non-exportable key is EPERM, and the
// data key of a SEAL cannot unwrap its own ciphertext into a key.
Test(attacks, sensitive_keys_beget_sensitive_keys)
{
	Outcome o = attacker([](Report &r) {
		if (!drop_to(kNobody, {}))
			return 1;
		Link l;
		hsm_key_params exp{};
		strcpy(exp.alg, "secret");
		exp.perms = HSM_PERM_DERIVE | HSM_PERM_EXPORT;
		exp.flags = HSM_KEY_F_EXPORTABLE;
		exp.key_len = 32;
		hsm_key_params sens = exp;
		sens.flags = 0;

		// KEY_DERIVE.
		__u64 base = l.must("secret", HSM_PERM_DERIVE, 0, nullptr, 32);
		auto derive = [&](const hsm_key_params &p) {
			hsm_op op{};
			op.handle = base;
			op.resp_off = kResp;
			op.params = l.put_struct(kP, p);
			op.in = l.put(kIn, str_bytes("hkdf-sha-256"));
			return l.run(HSM_IOC_KEY_DERIVE, op);
		};
		Result d = derive(exp);
		r.res("derive exportable", d.res);
		r.res("derive exportable status", d.resp.status);
		d = derive(sens);
		r.res("derive sensitive", d.res);
		r.res("export derived", l.export_key(d.resp.value));

		// KEY_AGREE.
		__u64 priv = l.must("x25519", HSM_PERM_AGREE);
		__u64 peer = l.must("x25519", HSM_PERM_AGREE);
		hsm_op pub{};
		pub.handle = peer;
		pub.resp_off = HSM_RESP_NONE;
		pub.out = {kOut2, 32};
		r.res("public", l.run(HSM_IOC_KEY_PUBLIC, pub).res);
		auto agree = [&](const hsm_key_params &p) {
			hsm_op op{};
			op.handle = priv;
			op.resp_off = kResp;
			op.params = l.put_struct(kP, p);
			op.in = {kOut2, 32};
			return l.run(HSM_IOC_KEY_AGREE, op);
		};
		r.res("agree exportable", agree(exp).res);
		d = agree(sens);
		r.res("agree sensitive", d.res);
		r.res("export agreed", l.export_key(d.resp.value));

		// KEY_UNWRAP with a non-exportable KEK of an exportable key.
		__u64 kek = l.must("aes-256-gcm", HSM_PERM_WRAP | HSM_PERM_UNWRAP);
		__u64 target = l.must("aes-256-gcm", HSM_PERM_ENCRYPT | HSM_PERM_EXPORT,
				      HSM_KEY_F_EXPORTABLE);
		__u64 sensitive = l.must("aes-256-gcm", HSM_PERM_ENCRYPT | HSM_PERM_DECRYPT);
		auto wrap = [&](__u64 what) {
			hsm_wrap_params wp{};
			wp.key = what;
			hsm_op op{};
			op.handle = kek;
			op.resp_off = HSM_RESP_NONE;
			op.params = l.put_struct(kP, wp);
			op.iv = l.put(kIv, pattern(12, 8));
			op.out = {kIn, 32};
			op.tag = {kTag, 16};
			return l.run(HSM_IOC_KEY_WRAP, op).res;
		};
		r.res("wrap sensitive", wrap(sensitive));
		r.res("wrap exportable", wrap(target));
		hsm_key_params gcm{};
		strcpy(gcm.alg, "aes-256-gcm");
		gcm.perms = HSM_PERM_ENCRYPT | HSM_PERM_EXPORT;
		gcm.flags = HSM_KEY_F_EXPORTABLE;
		auto unwrap = [&](__u64 with, const hsm_key_params &p) {
			hsm_op op{};
			op.handle = with;
			op.resp_off = kResp;
			op.params = l.put_struct(kP, p);
			op.iv = {kIv, 12};
			op.in = {kIn, 32};
			op.tag = {kTag, 16};
			return l.run(HSM_IOC_KEY_UNWRAP, op);
		};
		r.res("unwrap exportable", unwrap(kek, gcm).res);
		gcm.flags = 0;
		d = unwrap(kek, gcm);
		r.res("unwrap sensitive", d.res);
		r.res("export unwrapped", l.export_key(d.resp.value));

		// The data key's SEAL ciphertext, unwrapped by the data key itself
		// into an exportable "secret": a decryption by another name.
		hsm_op s{};
		s.handle = sensitive;
		s.resp_off = HSM_RESP_NONE;
		s.iv = l.put(kIv, pattern(12, 9));
		s.in = l.put(kOut2, pattern(32, 0x70));
		s.out = {kIn, 32};
		s.tag = {kTag, 16};
		r.res("seal", l.run(HSM_IOC_SEAL, s).res);
		r.res("unwrap seal ciphertext", unwrap(sensitive, exp).res);
		r.res("unwrap seal ciphertext with kek", unwrap(kek, exp).res);
		return 0;
	});
	expect_clean(o);
	cr_expect_eq(o["derive exportable"], -EPERM);
	cr_expect_eq(o["derive exportable status"], HSM_STATUS_NOT_PERMITTED);
	cr_expect_eq(o["derive sensitive"], 0);
	cr_expect_eq(o["export derived"], -EPERM);
	cr_expect_eq(o["public"], 32);
	cr_expect_eq(o["agree exportable"], -EPERM);
	cr_expect_eq(o["agree sensitive"], 0);
	cr_expect_eq(o["export agreed"], -EPERM);
	cr_expect_eq(o["wrap sensitive"], -EPERM);
	cr_expect_eq(o["wrap exportable"], 32);
	cr_expect_eq(o["unwrap exportable"], -EPERM);
	cr_expect_eq(o["unwrap sensitive"], 0);
	cr_expect_eq(o["export unwrapped"], -EPERM);
	cr_expect_eq(o["seal"], 32);
	long u = o["unwrap seal ciphertext"];
	cr_expect(u == -EPERM || u == -EINVAL, "the data key unwrapped: %ld", u);
	cr_expect_eq(o["unwrap seal ciphertext with kek"], -EPERM);
}

// The rule that a key never both wraps and decrypts holds per key, so the
// attacker tries to make the same material twice under two roles: it asks
// SNP_DERIVE_KEY twice with the same parameters and label, once for an
// AES-GCM key with WRAP|UNWRAP and once for one with DECRYPT.  The role is
// part of a bound key's derivation, so the two must not share material:
// what the first wraps must not OPEN under the second.  (The same attack
// through KEY_DERIVE is open; docs/threat-model.md, "One material in two
// roles".)
Test(attacks, one_material_in_two_roles)
{
	Outcome o = attacker([](Report &r) {
		if (!drop_to(kNobody, {}))
			return 1;
		Link l;
		auto derive = [&](__u64 perms) {
			hsm_snp_key_params p = seal_params(0);
			p.flags = 0;
			strcpy(p.key.alg, "aes-256-gcm");
			p.key.perms = perms;
			p.key.flags = 0;
			return l.snp_derive(p, str_bytes("kek"));
		};
		Result w = derive(HSM_PERM_WRAP | HSM_PERM_UNWRAP);
		Result d = derive(HSM_PERM_DECRYPT);
		r.res("derive kek", w.res);
		r.res("derive decrypt", d.res);
		// A key wrapped under the KEK (here one of the attacker's own,
		// so that the result can be checked).
		__u64 target = l.must("aes-256-gcm", HSM_PERM_ENCRYPT | HSM_PERM_EXPORT,
				      HSM_KEY_F_EXPORTABLE);
		Bytes material;
		r.res("export target", l.export_key(target, &material));
		hsm_wrap_params wp{};
		wp.key = target;
		hsm_op op{};
		op.handle = w.resp.value;
		op.resp_off = HSM_RESP_NONE;
		op.params = l.put_struct(kP, wp);
		op.iv = l.put(kIv, pattern(12, 4));
		op.out = {kIn, 32};
		op.tag = {kTag, 16};
		r.res("wrap", l.run(HSM_IOC_KEY_WRAP, op).res);
		if (d.res == 0) {
			hsm_op open{};
			open.handle = d.resp.value;
			open.resp_off = HSM_RESP_NONE;
			open.iv = {kIv, 12};
			open.in = {kIn, 32};
			open.tag = {kTag, 16};
			open.out = {kOut2, 32};
			long n = l.run(HSM_IOC_OPEN, open).res;
			r.res("open wrapped", n);
			r.res("plaintext is the wrapped key",
			      n == 32 && l.get(kOut2, 32) == material);
		}
		return 0;
	});
	expect_clean(o);
	cr_expect_eq(o["derive kek"], 0);
	cr_expect_eq(o["export target"], 32);
	cr_expect_eq(o["wrap"], 32);
	if (o["derive decrypt"] == 0) {
		cr_expect_eq(o["open wrapped"], -EBADMSG,
			     "the DECRYPT twin of the KEK opened what the KEK wrapped (%ld)",
			     o["open wrapped"]);
		cr_expect_eq(o["plaintext is the wrapped key"], 0,
			     "the wrapped key's material came out in the clear");
	} else {
		cr_expect(o["derive decrypt"] == -EPERM || o["derive decrypt"] == -EINVAL,
			  "derive: %ld", o["derive decrypt"]);
	}
}

// Root opens an fd and hands it down: a child inherits it and drops to
// 65534.  The connection acts for its opener, so the child works in root's
// namespace with root's rights (by design: conn_flags says ADMIN, root's
// slot opens), but root's non-exportable key still does not export.  An
// fd the same child opens for itself sees none of it.
Test(attacks, root_fd_handed_down_keeps_roots_rights)
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

void send_fd(int sock, int fd)
{
	char c = 'f';
	iovec iov{&c, 1};
	alignas(cmsghdr) char ctl[CMSG_SPACE(sizeof(int))] = {};
	msghdr m{};
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = ctl;
	m.msg_controllen = sizeof(ctl);
	cmsghdr *h = CMSG_FIRSTHDR(&m);
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(h), &fd, sizeof(int));
	if (sendmsg(sock, &m, 0) != 1)
		_exit(90);
}

int recv_fd(int sock)
{
	char c;
	iovec iov{&c, 1};
	alignas(cmsghdr) char ctl[CMSG_SPACE(sizeof(int))] = {};
	msghdr m{};
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = ctl;
	m.msg_controllen = sizeof(ctl);
	pollfd p{sock, POLLIN, 0};
	if (poll(&p, 1, 60000) != 1 || recvmsg(sock, &m, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	cmsghdr *h = CMSG_FIRSTHDR(&m);
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
Test(attacks, user_fd_passed_to_root_keeps_users_rights)
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
Test(attacks, group_slot_belongs_to_its_storer)
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

// A caller asks for minutes of hashing in one VECTOR (256 SHA3-512 digests
// of 6 MiB), then is killed: the module must stop between slices, so the
// process is gone within a second of SIGKILL, not when the work is done.
Test(attacks, killed_vector_frees_its_cpu_at_once, .timeout = 120)
{
	int ready[2];
	cr_assert_eq(pipe(ready), 0);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		Conn c(8 << 20, false);
		const uint32_t kIn = 1 << 20, kLen = 6 << 20, kVec = 64 << 10;
		hsm_ref alg = c.put(0, {reinterpret_cast<const uint8_t *>("sha3-512"), 8});
		std::vector<hsm_vec_entry> v(HSM_VECTOR_MAX);
		for (uint32_t i = 0; i < v.size(); i++) {
			v[i] = {};
			v[i].cmd = HSM_IOC_DIGEST;
			v[i].op.params = alg;
			v[i].op.in = {kIn, kLen};
			v[i].op.out = {16384 + i * 64, 64};
			v[i].op.resp_off = 4096 + i * 32;
		}
		hsm_op op{};
		op.resp_off = HSM_RESP_NONE;
		op.in = c.put(kVec, {reinterpret_cast<const uint8_t *>(v.data()),
				     v.size() * sizeof(v[0])});
		char b = 1;
		if (write(ready[1], &b, 1) != 1)
			_exit(2);
		c.run(HSM_IOC_VECTOR, op);
		_exit(3);	// finished: the kill came too late to matter
	}
	char b;
	cr_assert_eq(read(ready[0], &b, 1), 1);
	usleep(500 * 1000);
	int st;
	cr_assert_eq(waitpid(pid, &st, WNOHANG), 0, "the vector ended before the kill");
	auto t0 = std::chrono::steady_clock::now();
	cr_assert_eq(kill(pid, SIGKILL), 0);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
	cr_expect(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "status %#x", st);
	cr_expect_lt(s, 1.0, "the killed caller held its CPU %.2f s", s);
	close(ready[0]);
	close(ready[1]);
}

// Inputs that the module would hash again per output block, or copy into
// kernel memory, are capped: a huge KDF info or AEAD AAD is refused with
// E2BIG before any work, and a VERIFY context's Final with an 8 MiB tag
// is an answer (EBADMSG), not an 8 MiB allocation.
Test(attacks, oversized_inputs_are_refused_before_work)
{
	Conn c(8 << 20);
	Bytes base = pattern(32, 9);
	__u64 secret = must_key(c, "secret", HSM_PERM_DERIVE, &base);
	hsm_key_params p{};
	strcpy(p.alg, "secret");
	p.perms = HSM_PERM_DERIVE;
	p.key_len = 16320;
	hsm_op op{};
	op.handle = secret;
	op.resp_off = Conn::kResp;
	op.params = c.put(Conn::kParams, {reinterpret_cast<uint8_t *>(&p), sizeof(p)});
	op.in = c.put(4096, {reinterpret_cast<const uint8_t *>("hkdf-sha-512"), 12});
	op.aad = {1 << 20, HSM_KDF_INPUT_MAX + 1};
	Result r = c.run(HSM_IOC_KEY_DERIVE, op);
	cr_expect_eq(r.res, -E2BIG);
	cr_expect_eq(r.resp.status, HSM_STATUS_LIMIT_EXCEEDED);
	op.aad = {1 << 20, HSM_KDF_INPUT_MAX};
	r = c.run(HSM_IOC_KEY_DERIVE, op);
	cr_expect_eq(r.res, 0, "at the limit: %ld", r.res);

	Bytes k = pattern(32, 4);
	__u64 gcm = must_key(c, "aes-256-gcm", HSM_PERM_ENCRYPT, &k);
	hsm_op s{};
	s.handle = gcm;
	s.resp_off = Conn::kResp;
	s.iv = c.put(4096, pattern(12, 1));
	s.aad = {1 << 20, HSM_AAD_MAX + 1};
	s.in = {4 << 20, 64};
	s.out = s.in;
	s.tag = {8192, 16};
	r = c.run(HSM_IOC_SEAL, s);
	cr_expect_eq(r.res, -E2BIG);
	cr_expect_eq(r.resp.status, HSM_STATUS_LIMIT_EXCEEDED);
}
