// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// /dev/hsm through its raw ABI: one ioctl per operation, a batch of
// IORING_OP_URING_CMD SQEs per io_uring_enter(), and HSM_IOC_BENCH, the
// module running the transform on the same buffer with no transport.
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include <hsm/raw.h>
#include <linux/hsm.h>

#include "bench.hpp"

namespace bench {
namespace {

enum class Mode { Ioctl, Uring, Vector, Kernel };

[[noreturn]] void fail(const std::string &what, int err)
{
	throw std::runtime_error(what + ": " + std::strerror(err));
}

std::size_t round_up(std::size_t n, std::size_t to)
{
	return (n + to - 1) / to * to;
}

class RawRunner final : public Runner {
public:
	explicit RawRunner(Mode m) : mode_(m) {}

	~RawRunner() override
	{
		if (ring_ok_)
			io_uring_queue_exit(&ring_);
		hsm_raw_disconnect(&conn_);
	}

	bool setup(const Case &c) override
	{
		c_ = c;
		if (is_signature(c.algo))
			return refuse(mode_ == Mode::Kernel ? "BENCH runs no worker operation"
							    : "signing is measured through libhsm");
		if (mode_ != Mode::Uring && mode_ != Mode::Vector && c.batch != 1)
			return refuse("one operation at a time");
		if (c.batch > HSM_VECTOR_MAX)
			return refuse("above HSM_VECTOR_MAX");
		// Per operation: payload, then answer (64-byte aligned).
		stride_in_ = round_up(c.size, 64);
		stride_out_ = round_up(Inputs::out_len(c.algo, c.size), 64);
		vec_off_ = round_up(kHeader + c.batch * (stride_in_ + stride_out_), 4096);
		const std::size_t size = round_up(vec_off_ + kVecArea, 4096);

		int r = hsm_raw_connect(&conn_, nullptr, size);
		if (r == -E2BIG)
			return refuse("region above max_region_size");
		if (r)
			fail("open, SHM_SETUP and mmap of " HSM_DEVICE_PATH, -r);
		fd_ = conn_.fd;
		base_ = static_cast<std::uint8_t *>(conn_.base);
		if (mode_ == Mode::Uring || mode_ == Mode::Vector) {
			if ((r = hsm_raw_queue_init(512, &ring_)))
				fail("io_uring_queue_init", -r);
			ring_ok_ = true;
		}

		// Key, algorithm name, IV; every operation's input.
		Bytes in = Inputs::payload(c.size), iv = Inputs::iv();
		std::memcpy(base_ + kIv, iv.data(), iv.size());
		std::strcpy(reinterpret_cast<char *>(base_ + kAlg), "sha-256");
		for (unsigned i = 0; i < c.batch; i++)
			std::memcpy(base_ + in_off(i), in.data(), in.size());
		if (c.algo != Algo::Sha)
			key_ = import_key(c.algo);

		op_ = {};
		op_.handle = key_;
		op_.resp_off = HSM_RESP_NONE;
		op_.timeout_ms = HSM_TIMEOUT_NONE;
		switch (c.algo) {
		case Algo::Gcm:
			cmd_ = HSM_IOC_SEAL;
			op_.iv = {kIv, 12};
			expect_ = static_cast<long>(c.size);
			break;
		case Algo::Hmac:
			cmd_ = HSM_IOC_MAC;
			expect_ = 32;
			break;
		case Algo::Sha:
			cmd_ = HSM_IOC_DIGEST;
			op_.params = {kAlg, 7};	/* "sha-256", no NUL */
			expect_ = 32;
			break;
		default:	// signatures: refused above
			return false;
		}
		if (mode_ == Mode::Kernel) {
			// Enough iterations per call that the call itself is noise.
			iterations_ = static_cast<std::uint32_t>(
				std::max<std::size_t>(8, (std::size_t(1) << 20) / (c.size + 64)));
		}
		return true;
	}

	void run() override
	{
		switch (mode_) {
		case Mode::Ioctl:
			for (unsigned i = 0; i < c_.batch; i++) {
				hsm_op op = op_for(i);
				long r = hsm_raw_ioctl(fd_, cmd_, &op);
				if (r != expect_)
					fail("ioctl", r < 0 ? -r : EIO);
			}
			break;
		case Mode::Uring:
			run_uring();
			break;
		case Mode::Vector:
			run_vector();
			break;
		case Mode::Kernel:
			run_kernel();
			break;
		}
	}

	// Kernel mode counts iterations, not calls.
	unsigned ops_per_run(const Case &c) const override
	{
		return mode_ == Mode::Kernel ? iterations_ : c.batch;
	}

	Bytes output() override
	{
		std::size_t n = Inputs::out_len(c_.algo, c_.size);
		return Bytes(base_ + out_off(0), base_ + out_off(0) + n);
	}

	std::string why() const override { return why_; }

private:
	static constexpr std::uint32_t kKey = 0, kIv = 256, kAlg = 512, kParams = 1024,
				       kResp = 2048, kHeader = 4096;
	// After the payloads: the vector's entries, then their records.
	static constexpr std::size_t kVecArea =
		HSM_VECTOR_MAX * (sizeof(hsm_vec_entry) + sizeof(hsm_resp));

	bool refuse(std::string why)
	{
		why_ = std::move(why);
		return false;
	}

	std::uint32_t in_off(unsigned i) const
	{
		return static_cast<std::uint32_t>(kHeader + i * stride_in_);
	}
	std::uint32_t out_off(unsigned i) const
	{
		return static_cast<std::uint32_t>(kHeader + c_.batch * stride_in_ + i * stride_out_);
	}

	hsm_op op_for(unsigned i) const
	{
		hsm_op op = op_;
		op.in = {in_off(i), static_cast<__u32>(c_.size)};
		if (c_.algo == Algo::Gcm) {
			op.out = {out_off(i), static_cast<__u32>(c_.size)};
			op.tag = {out_off(i) + static_cast<__u32>(c_.size), 16};
		} else {
			op.out = {out_off(i), 32};
		}
		return op;
	}

	__u64 import_key(Algo a)
	{
		hsm_key_params p{};
		std::strcpy(p.alg, algo_name(a));
		p.perms = a == Algo::Gcm ? HSM_PERM_ENCRYPT : HSM_PERM_SIGN;
		Bytes k = Inputs::key(a);
		std::memcpy(base_ + kKey, k.data(), k.size());
		std::memcpy(base_ + kParams, &p, sizeof(p));
		hsm_op op{};
		op.resp_off = kResp;
		op.params = {kParams, sizeof(p)};
		op.in = {kKey, static_cast<__u32>(k.size())};
		if (long r = hsm_raw_ioctl(fd_, HSM_IOC_KEY_IMPORT, &op); r < 0)
			fail("KEY_IMPORT", -r);
		return reinterpret_cast<hsm_resp *>(base_ + kResp)->value;
	}

	void run_uring()
	{
		for (unsigned i = 0; i < c_.batch; i++) {
			io_uring_sqe *sqe = io_uring_get_sqe(&ring_);
			if (!sqe)
				fail("io_uring_get_sqe", EBUSY);
			hsm_op op = op_for(i);
			hsm_raw_prep_op(sqe, fd_, cmd_, &op);
			sqe->user_data = i;
		}
		int ret = io_uring_submit_and_wait(&ring_, c_.batch);
		if (ret < 0)
			fail("io_uring_submit_and_wait", -ret);
		unsigned seen = 0;
		while (seen < c_.batch) {
			io_uring_cqe *cqe;
			ret = io_uring_wait_cqe(&ring_, &cqe);
			if (ret < 0)
				fail("io_uring_wait_cqe", -ret);
			if (cqe->res != expect_)
				fail("uring_cmd", cqe->res < 0 ? -cqe->res : EIO);
			io_uring_cqe_seen(&ring_, cqe);
			seen++;
		}
	}

	// One SQE carrying the whole batch; every entry answers in its record.
	void run_vector()
	{
		const std::uint32_t vec = static_cast<std::uint32_t>(vec_off_);
		const std::uint32_t rec = vec + HSM_VECTOR_MAX * sizeof(hsm_vec_entry);
		auto *v = reinterpret_cast<hsm_vec_entry *>(base_ + vec);
		auto *r = reinterpret_cast<hsm_resp *>(base_ + rec);
		for (unsigned i = 0; i < c_.batch; i++) {
			v[i].cmd = cmd_;
			v[i].reserved0 = 0;
			v[i].op = op_for(i);
			v[i].op.resp_off = rec + i * sizeof(hsm_resp);
		}
		io_uring_sqe *sqe = io_uring_get_sqe(&ring_);
		if (!sqe)
			fail("io_uring_get_sqe", EBUSY);
		hsm_op op{};
		op.resp_off = HSM_RESP_NONE;
		op.in = {vec, static_cast<__u32>(c_.batch * sizeof(hsm_vec_entry))};
		hsm_raw_prep_op(sqe, fd_, HSM_IOC_VECTOR, &op);
		int ret = io_uring_submit_and_wait(&ring_, 1);
		if (ret < 0)
			fail("io_uring_submit_and_wait", -ret);
		io_uring_cqe *cqe;
		if ((ret = io_uring_wait_cqe(&ring_, &cqe)) < 0)
			fail("io_uring_wait_cqe", -ret);
		int res = cqe->res;
		io_uring_cqe_seen(&ring_, cqe);
		if (res != static_cast<int>(c_.batch))
			fail("VECTOR", res < 0 ? -res : EIO);
		for (unsigned i = 0; i < c_.batch; i++)
			if (r[i].result != expect_)
				fail("VECTOR entry", r[i].result < 0 ? -r[i].result : EIO);
	}

	void run_kernel()
	{
		hsm_bench_params p{};
		if (c_.algo == Algo::Sha)
			std::strcpy(p.alg, "sha-256");
		p.cmd = cmd_;
		p.iterations = iterations_;
		std::memcpy(base_ + kParams, &p, sizeof(p));
		hsm_op op = op_for(0);
		op.params = {kParams, sizeof(p)};
		op.resp_off = kResp;
		long r = hsm_raw_ioctl(fd_, HSM_IOC_BENCH, &op);
		if (r != iterations_)
			fail("BENCH", r < 0 ? -r : EIO);
	}

	Mode mode_;
	Case c_{};
	hsm_raw_conn conn_{-1, nullptr, 0};
	int fd_ = -1;
	std::uint8_t *base_ = nullptr;
	std::size_t stride_in_ = 0, stride_out_ = 0, vec_off_ = 0;
	io_uring ring_{};
	bool ring_ok_ = false;
	__u64 key_ = 0;
	unsigned cmd_ = 0;
	hsm_op op_{};
	long expect_ = 0;
	std::uint32_t iterations_ = 1;
	std::string why_ = "not offered";
};

}  // namespace

void add_hsm_raw(std::vector<Competitor> &out)
{
	out.push_back({"hsm-ioctl", "raw ABI: one ioctl() per operation, payloads in the region",
		       false, [] { return std::make_unique<RawRunner>(Mode::Ioctl); }});
	out.push_back({"hsm-uring-raw", "raw ABI: a batch of uring_cmd SQEs per io_uring_enter()",
		       true, [] { return std::make_unique<RawRunner>(Mode::Uring); }});
	out.push_back({"hsm-vector", "raw ABI: one HSM_IOC_VECTOR SQE carrying the whole batch",
		       true, [] { return std::make_unique<RawRunner>(Mode::Vector); }});
	out.push_back({"kernel-bound", "HSM_IOC_BENCH: the transform in the module, no transport",
		       false, [] { return std::make_unique<RawRunner>(Mode::Kernel); }});
}

}  // namespace bench
