// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "exec.hpp"

#include <algorithm>
#include <cerrno>
#include <sys/mman.h>

#include <hsm/raw.h>

namespace fz {

namespace {

constexpr size_t kPage = 4096;
constexpr uint8_t kUnwritten = 0xee;
// A command slower than this under TCG is hung.
constexpr long kWaitSeconds = 120;

bool is_vector(Via v)
{
	return v == Via::VectorIoctl || v == Via::VectorUring;
}

long ioctl_result(int fd, unsigned cmd, void *arg, const std::function<void()> &before,
		  const std::function<void()> &after)
{
	if (before)
		before();
	long r = ioctl(fd, cmd, arg);
	const int err = errno;
	if (after)
		after();
	return r < 0 ? -err : r;
}

std::string cqe_text(const char *what, const io_uring_cqe *cqe)
{
	char buf[128];
	snprintf(buf, sizeof(buf), "%s CQE (user_data %#llx, res %d)", what,
		 (unsigned long long)cqe->user_data, cqe->res);
	return buf;
}

}  // namespace

const char *via_name(Via v)
{
	switch (v) {
	case Via::Ioctl: return "ioctl";
	case Via::Uring: return "uring_cmd";
	case Via::Batch: return "uring_cmd batch";
	case Via::VectorIoctl: return "VECTOR by ioctl";
	case Via::VectorUring: return "VECTOR by uring_cmd";
	case Via::SmallSqe: return "uring_cmd on a 64-byte-SQE ring";
	case Via::BadFlags: return "uring_cmd with uring_cmd_flags";
	}
	return "?";
}

Executor::Executor()
{
	ring_ok_ = !io_uring_queue_init(32, &ring_, IORING_SETUP_SQE128 | IORING_SETUP_SUBMIT_ALL);
	void *p = mmap(nullptr, kBuf + 2 * kPage, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return;
	buf_ = static_cast<uint8_t *>(p);
	/* Touched now: a fault injected later must not hit our own pages. */
	memset(buf_, 0, kBuf + 2 * kPage);
	mprotect(buf_ + kBuf, kPage, PROT_NONE);
	ro_ = buf_ + kBuf + kPage;
	mprotect(ro_, kPage, PROT_READ);
}

Executor::~Executor()
{
	if (ring_ok_)
		io_uring_queue_exit(&ring_);
	if (small_ok_)
		io_uring_queue_exit(&small_);
	if (buf_)
		munmap(buf_, kBuf + 2 * kPage);
}

// Addresses the module may write GET_INFO and friends to without harm:
// none mapped, not user addresses, or this thread's buffer.
bool Executor::safe_pointer(uint64_t p) const
{
	const uint64_t b = reinterpret_cast<uintptr_t>(buf_);

	return p < 0x10000 || p >= 0x0000800000000000ULL || (p >= b && p < b + kBuf + 2 * kPage);
}

void Executor::stage(const Target &t, const Input &u, uint32_t lane, int lane_no, bool racy,
		     uint8_t *arg, Answer &a)
{
	const uint32_t lsz = RegionMap::lane_size(lane_no);

	for (const Blob &b : u.blobs) {
		if (b.off >= lsz || b.data.empty())
			continue;
		memcpy(t.base + lane + b.off, b.data.data(), std::min<size_t>(b.data.size(), lsz - b.off));
	}
	memcpy(arg, u.arg, HSM_CMD_MAX_SIZE);
	if (u.local & ((rbit(R_NR) - 1) | kLocalResp)) {
		hsm_op op;
		memcpy(&op, arg, sizeof(op));
		for (unsigned i = 0; i < R_NR; i++)
			if (u.local & rbit(static_cast<RefIdx>(i)))
				op_ref(op, i).off += lane;
		if (u.local & kLocalResp)
			op.resp_off += lane;
		memcpy(arg, &op, sizeof(op));
	}
	if (u.local & kLocalPtr) {
		uint64_t off;
		memcpy(&off, arg, sizeof(off));
		off = reinterpret_cast<uintptr_t>(buf_) + std::min<uint64_t>(off, kBuf + kPage);
		memcpy(arg, &off, sizeof(off));
	}
	if (u.cmd == HSM_IOC_GET_INFO || u.cmd == HSM_IOC_GET_STATS || u.cmd == HSM_IOC_GET_ALGS) {
		uint64_t p;
		memcpy(&p, arg, sizeof(p));
		if (!safe_pointer(p)) {
			p = reinterpret_cast<uintptr_t>(buf_);
			memcpy(arg, &p, sizeof(p));
		}
	}

	a = Answer{};
	a.cmd = u.cmd;
	memcpy(&a.op, arg, sizeof(a.op));
	a.region = t.base;
	a.racy = racy;
	if (is_op(spec_of(u.cmd)) && a.op.resp_off != HSM_RESP_NONE && a.op.resp_off >= lane &&
	    a.op.resp_off + uint64_t{sizeof(hsm_resp)} <= uint64_t{lane} + lsz) {
		memset(t.base + a.op.resp_off, kUnwritten, sizeof(hsm_resp));
		a.rec_own = true;
	}
}

void Executor::read_record(const Target &t, Answer &a)
{
	if (!a.rec_own)
		return;
	const uint8_t *r = t.base + a.op.resp_off;
	uint8_t bytes[sizeof(hsm_resp)];

	memcpy(bytes, r, sizeof(bytes));
	a.rec_written = std::any_of(bytes, bytes + sizeof(bytes), [](uint8_t b) { return b != kUnwritten; });
	memcpy(&a.rec, bytes, sizeof(bytes));
	a.rec_checked = !a.racy;
}

std::string Executor::strays()
{
	io_uring_cqe *cqe;
	std::string err;

	if (ring_ok_ && !io_uring_peek_cqe(&ring_, &cqe)) {
		err = cqe_text("a stray", cqe);
		io_uring_cqe_seen(&ring_, cqe);
	}
	if (small_ok_ && !io_uring_peek_cqe(&small_, &cqe)) {
		err = cqe_text("a stray", cqe);
		io_uring_cqe_seen(&small_, cqe);
	}
	return err;
}

std::string Executor::submit_uring(const Target &t, const Program &p,
				   uint8_t (*args)[HSM_CMD_MAX_SIZE], const unsigned *cmds,
				   unsigned n, std::vector<Answer> &answers,
				   const std::function<void()> &after_submit)
{
	const uint64_t tag = ++tag_ & 0xffffffffffffULL;
	bool seen[RaceSlot::kMax] = {};
	int r;

	if (!ring_ok_)
		return "no io_uring ring";
	for (unsigned i = 0; i < n; i++) {
		io_uring_sqe *sqe = io_uring_get_sqe(&ring_);
		if (!sqe)
			return "the ring has no free SQE";
		hsm_raw_prep_cmd(sqe, t.fd, cmds[i], args[i], HSM_CMD_MAX_SIZE);
		sqe->user_data = tag << 16 | i;
		if (p.via == Via::BadFlags)
			sqe->uring_cmd_flags = p.bad_flags;
	}
	/* With IORING_SETUP_SUBMIT_ALL every SQE is taken or none is. */
	for (int tries = 0;; tries++) {
		if (before_)
			before_();
		r = io_uring_submit(&ring_);
		if (after_)
			after_();
		if (r >= 0)
			break;
		if ((r != -EAGAIN && r != -EINTR && r != -ENOMEM) || tries == 100)
			return "io_uring_submit: " + std::string(strerror(-r));
	}
	if (static_cast<unsigned>(r) != n)
		return "io_uring_submit took " + std::to_string(r) + " of " + std::to_string(n) + " SQEs";
	if (after_submit)
		after_submit();

	for (unsigned got = 0; got < n;) {
		io_uring_cqe *cqe;
		__kernel_timespec ts = {.tv_sec = kWaitSeconds, .tv_nsec = 0};
		r = io_uring_wait_cqe_timeout(&ring_, &cqe, &ts);
		if (r == -EINTR)
			continue;
		if (r)
			return "no CQE for " + std::to_string(n - got) + " of " + std::to_string(n) +
			       " commands after " + std::to_string(kWaitSeconds) + " s";
		const uint64_t ud = cqe->user_data;
		const unsigned i = ud & 0xffff;
		if (ud >> 16 != tag || i >= n || seen[i]) {
			std::string e = cqe_text(i < n && ud >> 16 == tag ? "a second" : "an unknown", cqe);
			io_uring_cqe_seen(&ring_, cqe);
			return e;
		}
		seen[i] = true;
		answers[i].res = cqe->res;
		answers[i].done = true;
		io_uring_cqe_seen(&ring_, cqe);
		got++;
	}
	return strays();
}

std::string Executor::submit_small(const Target &t, const uint8_t *arg, unsigned cmd, Answer &a)
{
	io_uring_sqe whole[2];
	io_uring_cqe *cqe;

	if (!small_ok_)
		small_ok_ = !io_uring_queue_init(4, &small_, 0);
	if (!small_ok_)
		return "no io_uring ring";
	/* The ring takes the first 64 bytes: the module sees a command cut short. */
	hsm_raw_prep_cmd(whole, t.fd, cmd, arg, HSM_CMD_MAX_SIZE);
	whole->user_data = ++tag_;
	io_uring_sqe *sqe = io_uring_get_sqe(&small_);
	if (!sqe)
		return "the small ring has no free SQE";
	memcpy(sqe, whole, sizeof(whole[0]));
	if (io_uring_submit(&small_) != 1)
		return "io_uring_submit on the small ring";
	__kernel_timespec ts = {.tv_sec = kWaitSeconds, .tv_nsec = 0};
	if (io_uring_wait_cqe_timeout(&small_, &cqe, &ts))
		return "no CQE from the small ring";
	if (cqe->user_data != tag_) {
		std::string e = cqe_text("an unknown", cqe);
		io_uring_cqe_seen(&small_, cqe);
		return e;
	}
	a.res = cqe->res;
	a.done = true;
	io_uring_cqe_seen(&small_, cqe);
	return strays();
}

void Executor::build_vector(const Target &t, const Program &p, std::vector<Answer> &answers,
			    hsm_op &vop, RaceRange *ranges, unsigned &nr)
{
	static const unsigned bad_cmds[] = {
		HSM_IOC_GET_INFO, HSM_IOC_SHM_SETUP, HSM_IOC_SELFTEST,
		_IOC(_IOC_WRITE, HSM_IOC_MAGIC, 0x7f, sizeof(hsm_op)),
		_IOC(_IOC_WRITE, HSM_IOC_MAGIC, _IOC_NR(HSM_IOC_SEAL), sizeof(hsm_op) - 8), 0,
	};
	const unsigned n = static_cast<unsigned>(answers.size());
	const unsigned k = n ? p.vfault_at % n : 0;
	std::vector<hsm_vec_entry> v(n);
	const uint32_t va = t.map->vec_area(t.area);

	for (unsigned i = 0; i < n; i++) {
		v[i].cmd = answers[i].cmd;
		v[i].reserved0 = 0;
		v[i].op = answers[i].op;
	}
	switch (p.vfault) {
	case VecFault::BadCmd: v[k].cmd = bad_cmds[p.vfault_at % std::size(bad_cmds)]; break;
	case VecFault::Nested: v[k].cmd = HSM_IOC_VECTOR; break;
	case VecFault::Reserved: v[k].reserved0 = 1 + p.vfault_at; break;
	case VecFault::NoResp: v[k].op.resp_off = HSM_RESP_NONE; break;
	case VecFault::TooMany: v.resize(HSM_VECTOR_MAX + 1, v[k]); break;
	default: break;
	}
	const uint32_t bytes = static_cast<uint32_t>(v.size() * sizeof(hsm_vec_entry));
	memcpy(t.base + va, v.data(), bytes);

	vop = hsm_op{};
	vop.in = {va, bytes};
	vop.resp_off = p.vec_resp ? va + kVecArea - sizeof(hsm_resp) : HSM_RESP_NONE;
	vop.timeout_ms = HSM_TIMEOUT_NONE;
	if (p.vfault == VecFault::Ragged)
		vop.in.len -= 1 + p.vfault_at % (sizeof(hsm_vec_entry) - 1);
	if (p.vfault == VecFault::Empty)
		vop.in.len = 0;
	if (p.vfault == VecFault::Handle)
		vop.handle = 1 + p.vfault_at;
	if (p.racy && nr < RaceSlot::kMax)
		ranges[nr++] = {va, bytes, true};
}

void Executor::tally_vector(const Target &t, const Program &p, const std::vector<Answer> &answers,
			    const Answer &vec)
{
	if (!t.tally || !vec.done)
		return;
	t.tally->add(HSM_IOC_VECTOR, vec.res, true);
	if (vec.res <= 0 || p.vfault != VecFault::None)
		return;
	for (const Answer &a : answers) {
		if (a.done && a.rec_checked)
			t.tally->add(a.cmd, a.res, true);
		else
			t.tally->add_unknown(a.cmd);
	}
}

std::string Executor::run(const Target &t, const Program &p, std::vector<Answer> &answers,
			  Answer &vec, Kcov *kcov, RaceSlot *race,
			  const std::function<void()> &after_submit)
{
	const unsigned n = static_cast<unsigned>(std::min<size_t>(p.units.size(), kSmallLanes));
	const bool vector = is_vector(p.via);
	uint8_t args[kSmallLanes][HSM_CMD_MAX_SIZE];
	unsigned cmds[kSmallLanes];
	RaceRange ranges[RaceSlot::kMax];
	unsigned nr = 0;
	hsm_op vop{};
	std::string err = strays();

	answers.assign(n, Answer{});
	vec = Answer{};
	if (!err.empty())
		return err;
	for (unsigned i = 0; i < n; i++) {
		const Input &u = p.units[i];
		const int lane_no = n == 1 && !vector && u.big ? kBig : static_cast<int>(i);
		stage(t, u, t.map->lane(t.area, lane_no), lane_no, p.racy, args[i], answers[i]);
		cmds[i] = u.cmd;
		if (!p.racy || !is_op(spec_of(u.cmd)))
			continue;
		for (RefIdx r : {R_PARAMS, R_IN, R_IV, R_AAD, R_TAG}) {
			const hsm_ref &ref = op_ref(answers[i].op, r);
			/* A raced BENCH could run a million times, SIM_SETUP stall. */
			if (r == R_PARAMS && (u.cmd == HSM_IOC_BENCH || u.cmd == HSM_IOC_SNP_SIM_SETUP ||
					      u.cmd == HSM_IOC_TDX_SIM_SETUP))
				continue;
			if (ref.len && uint64_t{ref.off} + ref.len <= t.map->size() &&
			    t.map->allowed(t.area, lane_no, ref.off, ref.len) && nr < RaceSlot::kMax)
				ranges[nr++] = {ref.off, ref.len, false};
		}
	}
	if (vector) {
		build_vector(t, p, answers, vop, ranges, nr);
		vec.cmd = HSM_IOC_VECTOR;
		vec.op = vop;
		vec.region = t.base;
		vec.racy = p.racy;
		if (vop.resp_off != HSM_RESP_NONE) {
			memset(t.base + vop.resp_off, kUnwritten, sizeof(hsm_resp));
			vec.rec_own = true;
		}
	}
	if (race && p.racy)
		race->publish(ranges, nr);
	if (kcov)
		kcov->begin();

	switch (p.via) {
	case Via::Ioctl:
		answers[0].res = ioctl_result(t.fd, cmds[0], args[0], before_, after_);
		answers[0].done = true;
		break;
	case Via::Uring:
	case Via::Batch:
	case Via::BadFlags:
		err = submit_uring(t, p, args, cmds, n, answers, after_submit);
		break;
	case Via::SmallSqe:
		err = submit_small(t, args[0], cmds[0], answers[0]);
		break;
	case Via::VectorIoctl:
		vec.res = ioctl_result(t.fd, HSM_IOC_VECTOR, &vop, before_, after_);
		vec.done = true;
		break;
	case Via::VectorUring: {
		uint8_t varg[1][HSM_CMD_MAX_SIZE];
		const unsigned vcmd = HSM_IOC_VECTOR;
		std::vector<Answer> one(1);
		memcpy(varg[0], &vop, sizeof(vop));
		Program single;
		single.via = Via::Uring;
		err = submit_uring(t, single, varg, &vcmd, 1, one, after_submit);
		vec.res = one[0].res;
		vec.done = one[0].done;
		break;
	}
	}
	if (race && p.racy)
		race->retract();
	if (!t.read_back) {
		for (Answer &a : answers)
			a.rec_own = false;
		vec.rec_own = false;
		return err;
	}

	for (Answer &a : answers)
		read_record(t, a);
	read_record(t, vec);
	if (vector) {
		for (Answer &a : answers)
			if (a.rec_written && vec.done && vec.res > 0) {
				a.res = a.rec.result;
				a.done = true;
			}
		tally_vector(t, p, answers, vec);
	} else if (t.tally && p.via != Via::BadFlags) {
		for (unsigned i = 0; i < n; i++)
			if (answers[i].done)
				t.tally->add(cmds[i], answers[i].res,
					     p.via != Via::SmallSqe && !lookup_error(cmds[i], t.hooks));
	}
	return err;
}

}  // namespace fz
