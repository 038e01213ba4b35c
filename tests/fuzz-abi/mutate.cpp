// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "mutate.hpp"

#include <algorithm>
#include <cstddef>
#include <time.h>

#include "worker.hpp"

namespace fz {

namespace {

// A field of a struct the module reads.
struct Field {
	uint16_t off, size;
	enum Kind : uint8_t { Int, Name, Bytes, Reserved } kind;
};

#define F(type, member, kind) {offsetof(type, member), sizeof(((type *)nullptr)->member), Field::kind}

const Field kKeyParams[] = {F(hsm_key_params, alg, Name), F(hsm_key_params, perms, Int),
			    F(hsm_key_params, flags, Int), F(hsm_key_params, key_len, Int),
			    F(hsm_key_params, reserved, Reserved)};
const Field kCtxParams[] = {F(hsm_ctx_params, alg, Name), F(hsm_ctx_params, op, Int),
			    F(hsm_ctx_params, flags, Int), F(hsm_ctx_params, reserved, Reserved)};
const Field kWrapParams[] = {F(hsm_wrap_params, key, Int), F(hsm_wrap_params, reserved, Reserved)};
const Field kSlotParams[] = {F(hsm_slot_params, name, Name), F(hsm_slot_params, flags, Int),
			     F(hsm_slot_params, reserved0, Reserved), F(hsm_slot_params, reserved, Reserved)};
const Field kReportParams[] = {F(hsm_snp_report_params, report_data, Bytes),
			       F(hsm_snp_report_params, vmpl, Int), F(hsm_snp_report_params, flags, Int),
			       F(hsm_snp_report_params, reserved, Reserved)};
const Field kSnpKeyParams[] = {
	F(hsm_snp_key_params, root_key_select, Int), F(hsm_snp_key_params, vmpl, Int),
	F(hsm_snp_key_params, guest_field_select, Int), F(hsm_snp_key_params, guest_svn, Int),
	F(hsm_snp_key_params, flags, Int), F(hsm_snp_key_params, tcb_version, Int),
	F(hsm_snp_key_params, reserved, Reserved), F(hsm_snp_key_params, key.alg, Name),
	F(hsm_snp_key_params, key.perms, Int), F(hsm_snp_key_params, key.flags, Int),
	F(hsm_snp_key_params, key.key_len, Int), F(hsm_snp_key_params, key.reserved, Reserved)};
const Field kSimParams[] = {
	F(hsm_snp_sim_params, measurement, Bytes), F(hsm_snp_sim_params, policy, Int),
	F(hsm_snp_sim_params, tcb, Int), F(hsm_snp_sim_params, guest_svn, Int),
	F(hsm_snp_sim_params, report_version, Int), F(hsm_snp_sim_params, flags, Int),
	F(hsm_snp_sim_params, reserved0, Reserved), F(hsm_snp_sim_params, vcek_priv, Bytes),
	F(hsm_snp_sim_params, reserved, Reserved)};
const Field kTdxReportParams[] = {F(hsm_tdx_report_params, report_data, Bytes),
				  F(hsm_tdx_report_params, flags, Int),
				  F(hsm_tdx_report_params, reserved0, Reserved),
				  F(hsm_tdx_report_params, reserved, Reserved)};
const Field kTdxQuoteParams[] = {F(hsm_tdx_quote_params, report_data, Bytes),
				 F(hsm_tdx_quote_params, flags, Int), F(hsm_tdx_quote_params, version, Int),
				 F(hsm_tdx_quote_params, reserved, Reserved)};
const Field kTdxRtmrParams[] = {F(hsm_tdx_rtmr_params, index, Int), F(hsm_tdx_rtmr_params, flags, Int),
				F(hsm_tdx_rtmr_params, data, Bytes), F(hsm_tdx_rtmr_params, reserved, Reserved)};
const Field kTdxSimParams[] = {
	F(hsm_tdx_sim_params, td_attributes, Int), F(hsm_tdx_sim_params, mrtd, Bytes),
	F(hsm_tdx_sim_params, rtmr, Bytes), F(hsm_tdx_sim_params, report_version, Int),
	F(hsm_tdx_sim_params, flags, Int), F(hsm_tdx_sim_params, qe_isvprodid, Int),
	F(hsm_tdx_sim_params, pck_priv, Bytes), F(hsm_tdx_sim_params, reserved, Reserved)};
const Field kBenchParams[] = {F(hsm_bench_params, alg, Name), F(hsm_bench_params, cmd, Int),
			      F(hsm_bench_params, iterations, Int), F(hsm_bench_params, reserved, Reserved)};
const Field kAttestParams[] = {F(hsm_key_attest_params, nonce, Bytes),
			       F(hsm_key_attest_params, platform, Int), F(hsm_key_attest_params, vmpl, Int),
			       F(hsm_key_attest_params, reserved, Reserved)};
const Field kGetInfo[] = {F(hsm_get_info, info_size, Int), F(hsm_get_info, flags, Int),
			  F(hsm_get_info, reserved, Reserved)};
const Field kGetStats[] = {F(hsm_get_stats, stats_size, Int), F(hsm_get_stats, flags, Int),
			   F(hsm_get_stats, reserved, Reserved)};
const Field kGetAlgs[] = {F(hsm_get_algs, count, Int), F(hsm_get_algs, flags, Int),
			  F(hsm_get_algs, reserved, Reserved)};
const Field kConnConfig[] = {F(hsm_conn_config, timeout_ms, Int), F(hsm_conn_config, flags, Int),
			     F(hsm_conn_config, reserved, Reserved)};
const Field kSelftest[] = {F(hsm_selftest, flags, Int), F(hsm_selftest, reserved0, Reserved),
			   F(hsm_selftest, reserved, Reserved)};
const Field kShmSetup[] = {F(hsm_shm_setup, size, Int), F(hsm_shm_setup, flags, Int),
			   F(hsm_shm_setup, reserved0, Reserved), F(hsm_shm_setup, reserved, Reserved)};
#undef F

std::span<const Field> params_fields(unsigned cmd)
{
	switch (cmd) {
	case HSM_IOC_KEY_GENERATE: case HSM_IOC_KEY_IMPORT: case HSM_IOC_KEY_DERIVE:
	case HSM_IOC_KEY_AGREE: case HSM_IOC_KEY_UNWRAP:
		return kKeyParams;
	case HSM_IOC_CTX_CREATE: return kCtxParams;
	case HSM_IOC_KEY_WRAP: return kWrapParams;
	case HSM_IOC_SLOT_STORE: case HSM_IOC_SLOT_OPEN: case HSM_IOC_SLOT_DELETE:
	case HSM_IOC_SLOT_SEAL: case HSM_IOC_SLOT_UNSEAL:
		return kSlotParams;
	case HSM_IOC_SNP_REPORT: case HSM_IOC_SNP_EXT_REPORT: return kReportParams;
	case HSM_IOC_SNP_DERIVE_KEY: return kSnpKeyParams;
	case HSM_IOC_SNP_SIM_SETUP: return kSimParams;
	case HSM_IOC_TDX_REPORT: return kTdxReportParams;
	case HSM_IOC_TDX_QUOTE: return kTdxQuoteParams;
	case HSM_IOC_TDX_EXTEND_RTMR: return kTdxRtmrParams;
	case HSM_IOC_TDX_SIM_SETUP: return kTdxSimParams;
	case HSM_IOC_BENCH: return kBenchParams;
	case HSM_IOC_KEY_ATTEST: return kAttestParams;
	}
	return {};
}

std::span<const Field> control_fields(unsigned cmd)
{
	switch (cmd) {
	case HSM_IOC_GET_INFO: return kGetInfo;
	case HSM_IOC_GET_STATS: return kGetStats;
	case HSM_IOC_GET_ALGS: return kGetAlgs;
	case HSM_IOC_CONN_CONFIG: return kConnConfig;
	case HSM_IOC_SELFTEST: return kSelftest;
	case HSM_IOC_SHM_SETUP: return kShmSetup;
	}
	return {};
}

const char *const kNames[] = {
	"sha-256", "sha-384", "sha-512", "sha3-256", "sha3-384", "sha3-512", "hmac-sha-256",
	"hmac-sha-384", "hmac-sha-512", "aes-128-gcm", "aes-192-gcm", "aes-256-gcm",
	"chacha20-poly1305", "aes-128-cbc", "aes-256-cbc", "aes-128-ctr", "aes-256-ctr",
	"aes-128-xts", "aes-256-xts", "aes-128-cmac", "aes-192-cmac", "aes-256-cmac",
	"aes-128-kw", "aes-192-kw", "aes-256-kw", "x25519", "ecdh-p256", "ecdh-p384",
	"rsa-pkcs1-sha256", "rsa-pkcs1-sha384", "rsa-pkcs1-sha512", "secret", "hkdf-sha-256",
	"hkdf-sha-512", "kdf108-ctr-hmac-sha-256", "ecdsa-p256-sha256", "ed25519",
	"rsa-pss-sha256", "aes-256-kwp", "", "AES-256-GCM", "sha-256 ", "md5",
};

uint64_t interesting(Rng &rng, unsigned size, uint64_t cur)
{
	const unsigned bits = size * 8;
	const uint64_t all = bits >= 64 ? ~0ULL : (1ULL << bits) - 1;
	static const uint64_t small[] = {0, 1, 2, 3, 4, 7, 8, 12, 15, 16, 17, 31, 32, 33, 48, 63, 64,
					 65, 127, 128, 255, 256, 1000, 4096, 65535, 65536};

	switch (rng.below(7)) {
	case 0: case 1: return rng.pick(small) & all;
	case 2: return all;
	case 3: return (1ULL << (bits - 1)) - rng.below(2);
	case 4: return (cur ^ 1ULL << rng.below(bits)) & all;
	case 5: return (cur + rng.range(1, 8) * (rng.one_in(2) ? 1 : all)) & all;
	}
	return rng.next() & all;
}

void put_int(uint8_t *p, unsigned size, uint64_t v)
{
	memcpy(p, &v, std::min<unsigned>(size, 8));
}

uint64_t get_int(const uint8_t *p, unsigned size)
{
	uint64_t v = 0;
	memcpy(&v, p, std::min<unsigned>(size, 8));
	return v;
}

void mutate_field(Rng &rng, uint8_t *base, size_t avail, const Field &f)
{
	if (f.off + f.size > avail)
		return;
	uint8_t *p = base + f.off;
	switch (f.kind) {
	case Field::Int:
		put_int(p, f.size, interesting(rng, f.size, get_int(p, f.size)));
		break;
	case Field::Name: {
		memset(p, 0, f.size);
		const char *n = rng.pick(kNames);
		memcpy(p, n, std::min<size_t>(strlen(n), f.size));
		if (rng.one_in(5))
			p[rng.below(f.size)] = static_cast<uint8_t>(rng.next());	/* after the NUL, or none */
		if (rng.one_in(10))
			memset(p, 'a', f.size);
		break;
	}
	case Field::Bytes:
		p[rng.below(f.size)] ^= static_cast<uint8_t>(1U << rng.below(8));
		break;
	case Field::Reserved:
		p[rng.below(f.size)] = static_cast<uint8_t>(1 + rng.below(255));
		break;
	}
}

Blob *params_blob(Input &u)
{
	if (!(u.local & rbit(R_PARAMS)))
		return nullptr;
	return u.blob_at(u.op().params.off);
}

// BENCH runs its operation `iterations` times: keep that short under TCG.
void tame_bench(Input &u)
{
	Blob *b = params_blob(u);
	if (!b || b->data.size() < sizeof(hsm_bench_params))
		return;
	uint32_t it;
	memcpy(&it, b->data.data() + offsetof(hsm_bench_params, iterations), sizeof(it));
	if (it > 64 && it <= HSM_BENCH_MAX_ITERATIONS) {
		it = 64;
		memcpy(b->data.data() + offsetof(hsm_bench_params, iterations), &it, sizeof(it));
	}
}

void mutate_params(Rng &rng, Input &u)
{
	Blob *b = params_blob(u);
	hsm_op op = u.op();
	if (!b)
		return;
	auto fields = params_fields(spec_at(u.gen).cmd);
	if (fields.empty() || rng.one_in(5)) {
		/* A block of the wrong size, or a string cut or run on. */
		uint32_t len = static_cast<uint32_t>(b->data.size());
		len = rng.one_in(2) ? len - std::min<uint32_t>(len, 1 + rng.below(8)) : len + 1 + rng.below(16);
		b->data.resize(len, rng.one_in(2) ? 0 : 'x');
		op.params.len = len;
		u.set_op(op);
		return;
	}
	mutate_field(rng, b->data.data(), b->data.size(), fields[rng.below(fields.size())]);
}

void mutate_payload(Rng &rng, Input &u)
{
	std::vector<Blob *> v;
	for (Blob &b : u.blobs)
		if (!b.data.empty() && b.data != (params_blob(u) ? params_blob(u)->data : Bytes{}))
			v.push_back(&b);
	if (v.empty())
		return;
	Blob &b = *v[rng.below(v.size())];
	b.data[rng.below(b.data.size())] ^= static_cast<uint8_t>(1U << rng.below(8));
}

unsigned mutate_cmd(Rng &rng, unsigned cmd, bool by_ioctl)
{
	static const unsigned types[] = {'h', 'I', 'Z', 0xAB};
	const unsigned size = _IOC_SIZE(cmd);

	switch (rng.below(6)) {
	case 0: {
		auto cmds = commands();
		return cmds[rng.below(cmds.size())].cmd;
	}
	case 1:
		return _IOC(_IOC_WRITE, HSM_IOC_MAGIC, rng.below(256), size);
	case 2:
		return _IOC(_IOC_WRITE, HSM_IOC_MAGIC, _IOC_NR(cmd), rng.below(HSM_CMD_MAX_SIZE + 9));
	case 3: {
		static const unsigned dirs[] = {_IOC_NONE, _IOC_READ, _IOC_READ | _IOC_WRITE};
		return _IOC(rng.pick(dirs), HSM_IOC_MAGIC, _IOC_NR(cmd), size);
	}
	case 4:
		return _IOC(_IOC_WRITE, by_ioctl ? rng.pick(types) : rng.below(256), _IOC_NR(cmd), size);
	}
	return by_ioctl ? _IOC(rng.below(4), HSM_IOC_MAGIC, rng.below(256), rng.below(1 << 14))
			: static_cast<unsigned>(rng.next());
}

void mutate_ptr(Rng &rng, Input &u)
{
	static const uint64_t locals[] = {0, 8, Executor::kBuf - 8, Executor::kBuf - 16,
					  Executor::kBuf - 1000, Executor::kBuf + 100,
					  Executor::kBuf + 4096};
	static const uint64_t absolute[] = {0, 8, 0x1000, 0xffff888000000000ULL,
					    0x0000800000000000ULL, ~0ULL};
	uint64_t v;

	if (rng.one_in(3)) {
		v = rng.pick(absolute);
		u.local &= ~kLocalPtr;
	} else {
		v = rng.pick(locals);
		u.local |= kLocalPtr;
	}
	memcpy(u.arg, &v, sizeof(v));
}

uint64_t now_ns()
{
	timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return uint64_t(ts.tv_sec) * 1000000000ULL + ts.tv_nsec;
}

void mutate_op(Worker &w, Input &u, int lane)
{
	Rng &rng = w.rng;
	hsm_op op = u.op();
	const RegionMap &m = w.sh.map;

	switch (rng.below(12)) {
	case 0:
		op.handle = w.pool.any_handle(rng);
		break;
	case 1:
		op.flags = rng.one_in(3) ? ~0U : op.flags ^ 1U << rng.below(rng.one_in(2) ? 2 : 32);
		break;
	case 2:
		if (rng.one_in(3)) {
			op.resp_off = HSM_RESP_NONE;
			u.local &= ~kLocalResp;
		} else if (rng.one_in(2) && (u.local & kLocalResp)) {
			op.resp_off += static_cast<uint32_t>(rng.range(1, 7));
		} else {
			op.resp_off = m.pick_off(rng, w.area, lane);
			u.local &= ~kLocalResp;
		}
		break;
	case 3: {
		static const uint32_t t[] = {0, 1, 2, 5, 1000, HSM_TIMEOUT_NONE};
		op.timeout_ms = rng.pick(t);
		break;
	}
	case 4:
		op.reserved0 = static_cast<uint32_t>(rng.range(1, ~0U));
		break;
	case 5: case 6: {
		const unsigned r = static_cast<unsigned>(rng.below(R_NR));
		hsm_ref &ref = op_ref(op, r);
		if (rng.one_in(2)) {
			ref.off = m.pick_off(rng, w.area, lane);
			u.local &= ~rbit(static_cast<RefIdx>(r));
		}
		if (rng.one_in(2))
			ref.len = m.pick_len(rng, lane);
		break;
	}
	case 7: {
		/* One range given as another: overlaps, in place where not allowed. */
		const unsigned a = static_cast<unsigned>(rng.below(R_NR)),
			       b = static_cast<unsigned>(rng.below(R_NR));
		op_ref(op, a) = op_ref(op, b);
		u.local = (u.local & ~rbit(static_cast<RefIdx>(a))) |
			  ((u.local >> b & 1) << a);
		if (rng.one_in(2))
			op_ref(op, a).off += static_cast<uint32_t>(rng.range(1, 16));
		break;
	}
	case 8: {
		const uint64_t t = now_ns();
		const uint64_t v[] = {0, 1, t, t + 10000000000ULL, ~0ULL, t - 60000000000ULL};
		op.submit_ns = rng.pick(v);
		break;
	}
	case 9:
		u.set_op(op);
		mutate_params(rng, u);
		return;
	case 10:
		u.set_op(op);
		mutate_payload(rng, u);
		return;
	default: {
		/* An unused ref named. */
		const unsigned r = static_cast<unsigned>(rng.below(R_NR));
		op_ref(op, r).len += static_cast<uint32_t>(rng.range(1, 16));
		break;
	}
	}
	u.set_op(op);
}

void mutate_control(Worker &w, Input &u)
{
	Rng &rng = w.rng;
	auto fields = control_fields(u.cmd);

	if ((u.cmd == HSM_IOC_GET_INFO || u.cmd == HSM_IOC_GET_STATS || u.cmd == HSM_IOC_GET_ALGS) &&
	    rng.one_in(3)) {
		mutate_ptr(rng, u);
		return;
	}
	if (!fields.empty())
		mutate_field(rng, u.arg, sizeof(u.arg), fields[rng.below(fields.size())]);
}

}  // namespace

void mutate_random(Worker &w, Input &u, int lane, bool by_ioctl)
{
	Rng &rng = w.rng;
	const unsigned n = 1 + static_cast<unsigned>(rng.below(rng.one_in(4) ? 6 : 3));

	for (unsigned i = 0; i < n; i++) {
		if (rng.one_in(10))
			u.cmd = mutate_cmd(rng, u.cmd, by_ioctl);
		else if (is_op(spec_of(spec_at(u.gen).cmd)))
			mutate_op(w, u, lane);
		else
			mutate_control(w, u);
	}
	u.muts += n;
	u.expect = Expect{};
	u.verify = nullptr;
	if (u.cmd == HSM_IOC_BENCH || spec_at(u.gen).cmd == HSM_IOC_BENCH)
		tame_bench(u);
	confine(w, u, lane);
}

bool mutate_targeted(Worker &w, Input &u, int lane, bool by_ioctl)
{
	Rng &rng = w.rng;
	const CmdSpec *s = spec_of(u.cmd);
	const RegionMap &m = w.sh.map;
	int err = EINVAL;

	if (!s || u.muts)
		return false;
	if (rng.one_in(5)) {
		/* A number the lookup refuses. */
		unsigned c;
		do
			c = mutate_cmd(rng, u.cmd, by_ioctl);
		while (!lookup_error(c, w.sh.hooks));
		err = -lookup_error(c, w.sh.hooks);
		u.cmd = c;
	} else if (!is_op(s)) {
		auto fields = control_fields(u.cmd);
		std::vector<Field> f;
		for (const Field &x : fields)
			if (x.kind == Field::Reserved || (x.off == fields[1].off))
				f.push_back(x);
		const Field &x = f[rng.below(f.size())];
		/* A reserved word, or a flag no command of these takes. */
		const uint32_t v = (x.kind == Field::Reserved || u.cmd != HSM_IOC_GET_STATS ? 1U : 2U)
				   << rng.below(x.kind == Field::Reserved ? 32 : 31);
		put_int(u.arg + x.off + rng.below(x.size / 4) * 4, 4, v);
	} else {
		hsm_op op = u.op();
		std::vector<unsigned> unused;
		for (unsigned r = 0; r < R_NR; r++)
			if (!(s->refs & 1U << r))
				unused.push_back(r);
		switch (rng.below(8)) {
		case 0:
			op.reserved0 = static_cast<uint32_t>(rng.range(1, ~0U));
			break;
		case 1: {
			uint32_t bit;
			do
				bit = 1U << rng.below(32);
			while (bit & s->flags);
			op.flags |= bit;
			break;
		}
		case 2:
			if (s->handle)
				return false;
			op.handle = w.pool.any_handle(rng) | 1;
			break;
		case 3: {
			if (unused.empty())
				return false;
			hsm_ref &r = op_ref(op, unused[rng.below(unused.size())]);
			if (rng.one_in(2))
				r.len = static_cast<uint32_t>(rng.range(1, 64));
			else
				r.off = static_cast<uint32_t>(rng.range(1, m.size()));
			break;
		}
		case 4:
			if (!(s->cls & (HSM_CMD_NEW_ID | HSM_CMD_VALUE)))
				return false;
			op.resp_off = HSM_RESP_NONE;
			u.local &= ~kLocalResp;
			break;
		case 5:
			if (!(u.local & kLocalResp))
				return false;
			op.resp_off += 4;
			break;
		case 6: {
			/* A used range past the region's end. */
			std::vector<unsigned> used;
			for (unsigned r = 0; r < R_NR; r++)
				if (s->refs & 1U << r)
					used.push_back(r);
			if (used.empty())
				return false;
			const unsigned r = used[rng.below(used.size())];
			hsm_ref &ref = op_ref(op, r);
			ref.len = std::max<uint32_t>(ref.len, 1);
			ref.off = rng.one_in(2) ? m.size() - ref.len + 1 : ~0U - rng.below(ref.len);
			u.local &= ~rbit(static_cast<RefIdx>(r));
			break;
		}
		default: {
			/* An output over the completion record. */
			if (!(u.local & kLocalResp) || !s->outs)
				return false;
			unsigned r;
			do
				r = static_cast<unsigned>(rng.below(R_NR));
			while (!(s->outs & 1U << r));
			op_ref(op, r) = {op.resp_off + static_cast<uint32_t>(rng.below(32)),
					 static_cast<uint32_t>(rng.range(1, 64))};
			u.local |= rbit(static_cast<RefIdx>(r));
			break;
		}
		}
		u.set_op(op);
	}
	u.muts = 1;
	u.expect = Expect{};
	u.expect.mode = Expect::Exact;
	u.expect.err = err;
	u.expect.no_record = true;
	u.verify = nullptr;
	confine(w, u, lane);
	return true;
}

bool confine(Worker &w, Input &u, int lane)
{
	if (!(u.local & ((rbit(R_NR) - 1) | kLocalResp)) && !is_op(spec_of(spec_at(u.gen).cmd)))
		return false;
	bool moved = false;
	const RegionMap &m = w.sh.map;
	const uint32_t base = m.lane(w.area, lane);
	hsm_op op = u.op();

	for (unsigned r = 0; r < R_NR; r++) {
		hsm_ref &ref = op_ref(op, r);
		const bool local = u.local & rbit(static_cast<RefIdx>(r));
		uint64_t off = local ? uint64_t{base} + ref.off : ref.off;
		if (m.allowed(w.area, lane, off, ref.len))
			continue;
		uint32_t o = static_cast<uint32_t>(off), len = ref.len;
		m.confine(w.rng, w.area, lane, o, len);
		ref = {o, len};
		u.local &= ~rbit(static_cast<RefIdx>(r));
		moved = true;
	}
	if (op.resp_off != HSM_RESP_NONE) {
		uint64_t off = (u.local & kLocalResp) ? uint64_t{base} + op.resp_off : op.resp_off;
		if (!m.allowed(w.area, lane, off, sizeof(hsm_resp))) {
			uint32_t o = static_cast<uint32_t>(off), len = sizeof(hsm_resp);
			m.confine(w.rng, w.area, lane, o, len);
			op.resp_off = o & ~7U;
			u.local &= ~kLocalResp;
			moved = true;
		}
	}
	u.set_op(op);
	/* Payload blobs stay inside the lane. */
	for (Blob &b : u.blobs)
		if (b.off + b.data.size() > RegionMap::lane_size(lane)) {
			b.data.resize(b.off < RegionMap::lane_size(lane) ? RegionMap::lane_size(lane) - b.off : 0);
			moved = true;
		}
	return moved;
}

}  // namespace fz
