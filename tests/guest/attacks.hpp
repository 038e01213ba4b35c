// SPDX-License-Identifier: GPL-2.0 OR MIT
// What the attack suites share: a connection with their region layout, the
// attacker (a forked child with privileges dropped that reports to the
// parent through a pipe), the offline work an attacker does with OpenSSL,
// and the suites' setup.
#pragma once

#include <climits>
#include <criterion/criterion.h>
#include <cstdlib>
#include <grp.h>
#include <map>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <optional>
#include <sys/stat.h>
#include <sys/wait.h>

#include "hsm_conn.hpp"
#include "timescale.hpp"

namespace hsmattack {

using namespace hsmtest;

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
// one it was given, and every call uses the layout above.
class Link : public Conn {
public:
	explicit Link(int fd) : Conn(fd, kRegion, false) {}
	Link() : Link(open_dev()) {}
	// /dev/hsm opened as an attacker opens it: the fd, or -errno.
	static int open_dev() { return hsm_raw_open(nullptr); }

	// A key that must be made (KEY_GENERATE, or KEY_IMPORT of material);
	// 0 when it was not.
	__u64 must(const char *alg, __u64 perms, __u32 flags = 0, const Bytes *material = nullptr,
		   __u32 key_len = 0)
	{
		Result r = key(alg, perms, material, flags, key_len);
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
};

inline Bytes str_bytes(const char *s, bool with_nul = false)
{
	return Bytes(s, s + strlen(s) + (with_nul ? 1 : 0));
}

// The sealing root's request (root key VCEK, VMPL 0 = vmpck_id, policy and
// measurement, SVN and TCB 0), asking a 32-byte "secret" that may leave.
inline hsm_snp_key_params seal_params(__u32 snp_flags)
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
inline bool drop_to(uid_t uid, const std::vector<gid_t> &groups)
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

inline Bytes sha512(const Bytes &m)
{
	Bytes d(64);
	unsigned int n = 0;
	cr_assert_eq(EVP_Digest(m.data(), m.size(), d.data(), &n, EVP_sha512(), nullptr), 1);
	return d;
}

inline Bytes hmac_sha256(const Bytes &key, const Bytes &m)
{
	Bytes d(32);
	size_t n = 0;
	cr_assert_not_null(EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(),
				     key.size(), m.data(), m.size(), d.data(), d.size(), &n));
	return d;
}

// AES-256-GCM: the plaintext, or nullopt when the tag does not verify.
inline std::optional<Bytes> gcm_open(const Bytes &key, const uint8_t *iv, const uint8_t *aad,
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

inline Bytes gcm_seal(const Bytes &key, const uint8_t *iv, const Bytes &aad, const Bytes &pt,
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
inline std::optional<Bytes> open_blob(const Bytes &blob, const Bytes &candidate)
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
inline void open_blob_works()
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

inline uint32_t le32(const Bytes &b, size_t off)
{
	return b[off] | b[off + 1] << 8 | b[off + 2] << 16 | (uint32_t)b[off + 3] << 24;
}

inline uint64_t le64(const Bytes &b, size_t off)
{
	return le32(b, off) | (uint64_t)le32(b, off + 4) << 32;
}

// ---- suite setup --------------------------------------------------------

inline mode_t saved_mode = 0660;

// Every uid these tests use, and root with the slot group, removes any slot
// a failed test left behind (the slots are module-wide; later suites count
// them).
inline void remove_leftover_slots()
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
inline void setup()
{
	struct stat st;
	cr_assert_eq(stat(HSM_DEVICE_PATH, &st), 0);
	saved_mode = st.st_mode & 07777;
	cr_assert_eq(chmod(HSM_DEVICE_PATH, 0666), 0);
}

inline void teardown()
{
	remove_leftover_slots();
	chmod(HSM_DEVICE_PATH, saved_mode);
}

}  // namespace hsmattack
