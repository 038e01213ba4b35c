// SPDX-License-Identifier: GPL-2.0 OR MIT
// A connection for the C++ guest suites: the fd, its mapped region, an
// SQE128 ring, and one call per data-plane command by ioctl or io_uring.
#pragma once

#include <cerrno>
#include <criterion/criterion.h>
#include <cstdint>
#include <cstring>
#include <grp.h>
#include <linux/capability.h>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <sys/syscall.h>
#include <unistd.h>
#include <vector>

#include <hsm/raw.h>
#include <linux/hsm.h>

namespace hsmtest {

using Bytes = std::vector<uint8_t>;

inline Bytes unhex(std::string_view h)
{
	Bytes b(h.size() / 2);
	for (size_t i = 0; i < b.size(); i++)
		b[i] = std::stoi(std::string(h.substr(2 * i, 2)), nullptr, 16);
	return b;
}

struct Result {
	long res;		// ioctl()/cqe->res: >= 0 or -errno
	hsm_resp resp;		// the completion record, when one was asked
};

class Conn {
public:
	explicit Conn(size_t region = 1 << 20, bool uring = true) : Conn(open_device(), region, uring) {}

	// A connection on fd, which the caller opened or was handed; it is
	// closed on destruction.  The region is set up unless the connection
	// has one already (another holder of the fd set it up), and mapped:
	// a mapping is not inherited across fork.
	Conn(int fd, size_t region, bool uring) : fd_(fd), size_(region), uring_(uring)
	{
		if (fd_ < 0)
			throw std::runtime_error("Conn: no fd");
		int r = hsm_raw_shm_setup(fd_, region);
		if (r && r != -EEXIST)
			fail("SHM_SETUP", -r);
		void *p = nullptr;
		if ((r = hsm_raw_map(fd_, region, &p)))
			fail("mmap", -r);
		base_ = static_cast<uint8_t *>(p);
		if (uring_ && (r = hsm_raw_queue_init(64, &ring_)))
			fail("io_uring_queue_init", -r);
	}
	~Conn()
	{
		if (uring_)
			io_uring_queue_exit(&ring_);
		munmap(base_, size_);
		::close(fd_);
	}
	Conn(const Conn &) = delete;
	Conn &operator=(const Conn &) = delete;

	int fd() const { return fd_; }
	uint8_t *at(uint32_t off) { return base_ + off; }
	size_t size() const { return size_; }

	// Copy bytes into the region at off; returns the ref.
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
	Bytes get(hsm_ref r) const { return Bytes(base_ + r.off, base_ + r.off + r.len); }
	Bytes get(uint32_t off, size_t len) const { return Bytes(base_ + off, base_ + off + len); }

	// GET_INFO of this connection; throws unless the module filled it all.
	hsm_info info() const
	{
		hsm_info i;
		long r = hsm_raw_get_info(fd_, &i);
		if (r != static_cast<long>(sizeof(i)))
			fail("GET_INFO", r < 0 ? static_cast<int>(-r) : EPROTO);
		return i;
	}

	// One command, by io_uring (the default) or ioctl.
	Result run(unsigned int cmd, const hsm_op &op)
	{
		Result r{};
		hsm_resp *resp = op.resp_off != HSM_RESP_NONE
			? reinterpret_cast<hsm_resp *>(base_ + op.resp_off) : nullptr;
		if (resp)
			memset(resp, 0xee, sizeof(*resp));
		if (uring_) {
			io_uring_sqe *sqe = io_uring_get_sqe(&ring_);
			if (!sqe)
				throw std::runtime_error("io_uring_get_sqe: ring full");
			hsm_raw_prep_op(sqe, fd_, cmd, &op);
			io_uring_submit(&ring_);
			io_uring_cqe *cqe;
			if (io_uring_wait_cqe(&ring_, &cqe))
				throw std::runtime_error("io_uring_wait_cqe");
			r.res = cqe->res;
			io_uring_cqe_seen(&ring_, cqe);
		} else {
			hsm_op copy = op;
			r.res = hsm_raw_ioctl(fd_, cmd, &copy);
		}
		if (resp)
			r.resp = *resp;
		return r;
	}

	static constexpr uint32_t kParams = 0, kResp = 256, kKey = 512;

	// Create a key: import when material is given, else generate.
	Result key(std::string_view alg, __u64 perms, const Bytes *material = nullptr,
		   __u32 flags = 0, __u32 key_len = 0)
	{
		hsm_key_params p{};
		memcpy(p.alg, alg.data(), std::min(alg.size(), sizeof(p.alg) - 1));
		p.perms = perms;
		p.flags = flags;
		p.key_len = key_len;
		hsm_op op{};
		op.resp_off = kResp;
		op.params = put(kParams, {reinterpret_cast<uint8_t *>(&p), sizeof(p)});
		if (material)
			op.in = put(kKey, *material);
		return run(material ? HSM_IOC_KEY_IMPORT : HSM_IOC_KEY_GENERATE, op);
	}

	long release(__u64 id)
	{
		hsm_op op{};
		op.handle = id;
		op.resp_off = HSM_RESP_NONE;
		return run(HSM_IOC_KEY_RELEASE, op).res;
	}

private:
	static int open_device()
	{
		int fd = hsm_raw_open(nullptr);
		if (fd < 0)
			fail("open " HSM_DEVICE_PATH, -fd);
		return fd;
	}
	[[noreturn]] static void fail(const std::string &what, int err)
	{
		throw std::runtime_error(what + ": " + strerror(err));
	}

	int fd_;
	size_t size_;
	bool uring_;
	uint8_t *base_;
	io_uring ring_;
};

// Deterministic test bytes.
inline Bytes pattern(size_t n, uint8_t seed)
{
	Bytes b(n);
	for (size_t i = 0; i < n; i++)
		b[i] = static_cast<uint8_t>(seed + i * 7);
	return b;
}

// The device's group, as a udev rule (GROUP="hsm") would set it: users in
// it open /dev/hsm themselves, and their connections act for them.
constexpr gid_t kDeviceGroup = 4243;

inline void grant_device_group()
{
	if (chown(HSM_DEVICE_PATH, 0, kDeviceGroup))
		throw std::runtime_error("chown " HSM_DEVICE_PATH ": " + std::string(strerror(errno)));
}

// Become uid with these supplementary groups and the device's group.
inline bool become_user(uid_t uid, std::vector<gid_t> groups)
{
	groups.push_back(kDeviceGroup);
	return !setgroups(groups.size(), groups.data()) && !setgid(uid) && !setuid(uid);
}

// Give up CAP_SYS_ADMIN (effective and permitted) while staying uid 0, so
// that /dev/hsm still opens but the connection is not an admin's.
inline bool drop_cap_sys_admin()
{
	__user_cap_header_struct h{_LINUX_CAPABILITY_VERSION_3, 0};
	__user_cap_data_struct d[2]{};
	if (syscall(SYS_capget, &h, d))
		return false;
	d[CAP_SYS_ADMIN / 32].effective &= ~(1U << (CAP_SYS_ADMIN % 32));
	d[CAP_SYS_ADMIN / 32].permitted &= ~(1U << (CAP_SYS_ADMIN % 32));
	return syscall(SYS_capset, &h, d) == 0;
}

// CTX_CREATE of alg for ctx_op, on key (0 for a hash).
inline Result ctx_create(Conn &c, const char *alg, __u32 ctx_op, __u64 key = 0)
{
	hsm_ctx_params p{};
	strcpy(p.alg, alg);
	p.op = ctx_op;
	hsm_op op{};
	op.handle = key;
	op.resp_off = Conn::kResp;
	op.params = c.put_struct(Conn::kParams, p);
	return c.run(HSM_IOC_CTX_CREATE, op);
}

// A new context, or the test fails.
inline __u64 must_ctx(Conn &c, const char *alg, __u32 ctx_op, __u64 key = 0)
{
	Result r = ctx_create(c, alg, ctx_op, key);
	cr_assert_eq(r.res, 0, "context %s/%u: %ld", alg, ctx_op, r.res);
	return r.resp.value;
}

// A new key, or the test fails; checks the completion record too.
inline __u64 must_key(Conn &c, const char *alg, __u64 perms, const Bytes *m = nullptr,
		      __u32 flags = 0, __u32 key_len = 0)
{
	Result r = c.key(alg, perms, m, flags, key_len);
	cr_assert_eq(r.res, 0, "key %s: %ld", alg, r.res);
	cr_assert_eq(r.resp.result, 0);
	cr_assert_eq(r.resp.status, HSM_STATUS_OK);
	cr_assert_neq(r.resp.value, 0);
	return r.resp.value;
}

// KEY_AGREE of priv with the peer's public key (written at Conn::kKey):
// an exportable "secret" with perms.
inline Result agree_with(Conn &c, __u64 priv, const Bytes &peer, __u64 perms = HSM_PERM_EXPORT)
{
	hsm_key_params p{};
	strcpy(p.alg, "secret");
	p.perms = perms;
	p.flags = HSM_KEY_F_EXPORTABLE;
	hsm_op op{};
	op.handle = priv;
	op.resp_off = Conn::kResp;
	op.params = c.put(Conn::kParams, {reinterpret_cast<uint8_t *>(&p), sizeof(p)});
	op.in = c.put(Conn::kKey, peer);
	return c.run(HSM_IOC_KEY_AGREE, op);
}

}  // namespace hsmtest
