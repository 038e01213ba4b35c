// SPDX-License-Identifier: GPL-2.0 OR MIT
// Attacks on the TDX commands, against the simulated TDX module (see
// test_attacks.cpp for how an attacker runs): what speaks for the whole TD
// (raw REPORTDATA, RTMR extends, the simulator's setup) from a user without
// platform rights, lying parameter blocks, refs outside the region, and
// parameters rewritten in the region while the module reads them.
#include <atomic>
#include <thread>

#include "attacks.hpp"

using namespace hsmattack;

TestSuite(attacks_tdx, .init = setup, .fini = teardown, .timeout = 300);

namespace {

hsm_op params_op(const void *p, size_t len, Link &l, uint32_t out_len)
{
	hsm_op op{};
	op.resp_off = kResp;
	op.params = l.put(kP, {static_cast<const uint8_t *>(p), len});
	if (out_len)		/* a command without out refuses any ref there */
		op.out = {kOut, out_len};
	return op;
}

template <typename T> Result run(Link &l, unsigned cmd, const T &p, uint32_t out_len)
{
	return l.run(cmd, params_op(&p, sizeof(p), l, out_len));
}

Result tdreport(Link &l, const Bytes &data, __u32 flags)
{
	hsm_tdx_report_params p{};
	memcpy(p.report_data, data.data(), std::min(data.size(), sizeof(p.report_data)));
	p.flags = flags;
	return run(l, HSM_IOC_TDX_REPORT, p, HSM_TDX_REPORT_SIZE);
}

Result quote(Link &l, const Bytes &data, __u32 flags)
{
	hsm_tdx_quote_params p{};
	memcpy(p.report_data, data.data(), std::min(data.size(), sizeof(p.report_data)));
	p.flags = flags;
	return run(l, HSM_IOC_TDX_QUOTE, p, HSM_TDX_QUOTE_MAX);
}

Result extend(Link &l, uint32_t index)
{
	hsm_tdx_rtmr_params p{};
	p.index = index;
	memset(p.data, 0xee, sizeof(p.data));
	hsm_op op{};
	op.resp_off = kResp;
	op.params = l.put_struct(kP, p);
	return l.run(HSM_IOC_TDX_EXTEND_RTMR, op);
}

// The TD's RTMRs, as root reads them in a TDREPORT.
Bytes rtmrs()
{
	Link l;
	Result r = tdreport(l, Bytes(64, 0), HSM_TDX_REPORT_F_RAW);
	cr_assert_eq(r.res, HSM_TDX_REPORT_SIZE, "root's TDREPORT: %ld", r.res);
	return l.get(kOut + 0x2d0, 4 * 48);
}

// SHA-512("hsm tdx user report v1\0" || le32(65534) || data).
Bytes bound_for_nobody(const Bytes &data)
{
	Bytes m = str_bytes("hsm tdx user report v1", true);
	for (uint8_t b : {0xfe, 0xff, 0x00, 0x00})
		m.push_back(b);
	m.insert(m.end(), data.begin(), data.end());
	return sha512(m);
}

}  // namespace

// Raw REPORTDATA, an RTMR extend and the simulator's setup each speak for
// the whole TD: a user without platform rights gets EPERM (status
// NOT_PERMITTED) for every one, and the RTMRs do not move.
Test(attacks_tdx, unprivileged_raw_requests)
{
	if (!(Conn().info().platform_caps & HSM_PLAT_CAP_TDX_REPORT))
		cr_skip_test("no TDX backend");
	Bytes before = rtmrs();
	Outcome o = attacker([](Report &r) {
		if (!drop_to(kNobody, {}))
			return 1;
		Link l;
		Result x = tdreport(l, pattern(64, 1), HSM_TDX_REPORT_F_RAW);
		r.res("raw report", x.res);
		r.res("raw report status", x.resp.status);
		x = quote(l, pattern(64, 1), HSM_TDX_REPORT_F_RAW);
		r.res("raw quote", x.res);
		r.res("raw quote status", x.resp.status);
		for (uint32_t i = 0; i < 4; i++) {
			x = extend(l, i);
			r.res("extend " + std::to_string(i), x.res);
			r.res("extend status " + std::to_string(i), x.resp.status);
		}
		hsm_tdx_sim_params sp{};
		sp.td_attributes = 1;		/* DEBUG: a TD anyone could read */
		x = run(l, HSM_IOC_TDX_SIM_SETUP, sp, 0);
		r.res("sim setup", x.res);
		return 0;
	});
	expect_clean(o);
	cr_expect_eq(o["raw report"], -EPERM);
	cr_expect_eq(o["raw report status"], HSM_STATUS_NOT_PERMITTED);
	cr_expect_eq(o["raw quote"], -EPERM);
	cr_expect_eq(o["raw quote status"], HSM_STATUS_NOT_PERMITTED);
	for (int i = 0; i < 4; i++) {
		cr_expect_eq(o["extend " + std::to_string(i)], -EPERM, "RTMR%d", i);
		cr_expect_eq(o["extend status " + std::to_string(i)], HSM_STATUS_NOT_PERMITTED);
	}
	cr_expect_eq(o["sim setup"], -EPERM);
	cr_expect(rtmrs() == before, "no RTMR moved");
	Link l;
	Result r = tdreport(l, Bytes(64, 0), HSM_TDX_REPORT_F_RAW);
	cr_assert_eq(r.res, HSM_TDX_REPORT_SIZE);
	cr_expect_eq(le64(l.get(kOut, 0x300), 0x200) & 1, 0u, "the TD is still not DEBUG");
}

// Parameter blocks that lie about themselves: every one refused before the
// TDX module is asked, with EINVAL and nothing written.
Test(attacks_tdx, lying_params)
{
	if (!(Conn().info().platform_caps & HSM_PLAT_CAP_TDX_REPORT))
		cr_skip_test("no TDX backend");
	Outcome o = attacker([](Report &r) {
		if (!drop_to(kNobody, {}))
			return 1;
		Link l;
		memset(l.at(kOut), 0xcc, HSM_TDX_REPORT_SIZE);
		hsm_tdx_report_params rp{};
		rp.reserved0 = 1;
		r.res("report reserved0", run(l, HSM_IOC_TDX_REPORT, rp, HSM_TDX_REPORT_SIZE).res);
		rp = {};
		rp.reserved[1] = 1ULL << 63;
		r.res("report reserved", run(l, HSM_IOC_TDX_REPORT, rp, HSM_TDX_REPORT_SIZE).res);
		rp = {};
		rp.flags = 0x80000000;
		r.res("report flags", run(l, HSM_IOC_TDX_REPORT, rp, HSM_TDX_REPORT_SIZE).res);
		rp = {};
		/* A block shorter or longer than the struct. */
		hsm_op op = params_op(&rp, sizeof(rp) - 8, l, HSM_TDX_REPORT_SIZE);
		r.res("report short params", l.run(HSM_IOC_TDX_REPORT, op).res);
		op = params_op(&rp, sizeof(rp), l, HSM_TDX_REPORT_SIZE);
		op.params.len += 8;
		r.res("report long params", l.run(HSM_IOC_TDX_REPORT, op).res);
		op = params_op(&rp, sizeof(rp), l, HSM_TDX_REPORT_SIZE);
		op.handle = 1;
		r.res("report handle", l.run(HSM_IOC_TDX_REPORT, op).res);
		r.bytes("out", l.get(kOut, HSM_TDX_REPORT_SIZE));

		hsm_tdx_quote_params qp{};
		qp.version = 6;
		r.res("quote version", run(l, HSM_IOC_TDX_QUOTE, qp, HSM_TDX_QUOTE_MAX).res);
		qp = {};
		qp.reserved[2] = 1;
		r.res("quote reserved", run(l, HSM_IOC_TDX_QUOTE, qp, HSM_TDX_QUOTE_MAX).res);
		qp = {};
		op = params_op(&qp, sizeof(qp), l, HSM_TDX_QUOTE_MAX);
		op.resp_off = HSM_RESP_NONE;	/* the length has nowhere to go */
		r.res("quote without record", l.run(HSM_IOC_TDX_QUOTE, op).res);

		hsm_tdx_rtmr_params xp{};
		xp.index = 0xffffffff;
		op = params_op(&xp, sizeof(xp), l, 0);
		r.res("extend index", l.run(HSM_IOC_TDX_EXTEND_RTMR, op).res);
		xp = {};
		xp.reserved[0] = 1;
		op = params_op(&xp, sizeof(xp), l, 0);
		r.res("extend reserved", l.run(HSM_IOC_TDX_EXTEND_RTMR, op).res);
		return 0;
	});
	expect_clean(o);
	for (const char *n : {"report reserved0", "report reserved", "report flags",
			      "report short params", "report long params", "report handle",
			      "quote version", "quote reserved", "quote without record",
			      "extend index", "extend reserved"})
		cr_expect_eq(o[n], -EINVAL, "%s: %ld", n, o[n]);
	cr_expect(o.b("out") == Bytes(HSM_TDX_REPORT_SIZE, 0xcc), "nothing was written");
}

// Refs that point outside the region, or make the output overlap the
// parameters or the record: refused (EINVAL) by the funnel.
Test(attacks_tdx, refs_outside_the_region)
{
	if (!(Conn().info().platform_caps & HSM_PLAT_CAP_TDX_REPORT))
		cr_skip_test("no TDX backend");
	Outcome o = attacker([](Report &r) {
		if (!drop_to(kNobody, {}))
			return 1;
		Link l;
		hsm_tdx_report_params rp{};
		hsm_op op = params_op(&rp, sizeof(rp), l, HSM_TDX_REPORT_SIZE);
		op.out = {static_cast<__u32>(kRegion - 512), HSM_TDX_REPORT_SIZE};
		r.res("report out past the end", l.run(HSM_IOC_TDX_REPORT, op).res);
		op = params_op(&rp, sizeof(rp), l, HSM_TDX_REPORT_SIZE);
		op.out = {kP, HSM_TDX_REPORT_SIZE};
		r.res("report out over params", l.run(HSM_IOC_TDX_REPORT, op).res);
		op = params_op(&rp, sizeof(rp), l, HSM_TDX_REPORT_SIZE);
		op.params.off = 0xfffffff0;
		r.res("report params past the end", l.run(HSM_IOC_TDX_REPORT, op).res);
		hsm_tdx_quote_params qp{};
		op = params_op(&qp, sizeof(qp), l, HSM_TDX_QUOTE_MAX);
		op.out = {kResp - 64, HSM_TDX_QUOTE_MAX};
		r.res("quote out over the record", l.run(HSM_IOC_TDX_QUOTE, op).res);
		op = params_op(&qp, sizeof(qp), l, HSM_TDX_QUOTE_MAX);
		op.out = {static_cast<__u32>(kRegion - 100), HSM_TDX_QUOTE_MAX};
		r.res("quote out past the end", l.run(HSM_IOC_TDX_QUOTE, op).res);
		hsm_tdx_rtmr_params xp{};
		op = params_op(&xp, sizeof(xp), l, 0);
		op.out = {kOut, 64};		/* EXTEND_RTMR takes no out */
		r.res("extend with out", l.run(HSM_IOC_TDX_EXTEND_RTMR, op).res);
		return 0;
	});
	expect_clean(o);
	for (const char *n : {"report out past the end", "report out over params",
			      "report params past the end", "quote out over the record",
			      "quote out past the end", "extend with out"})
		cr_expect_eq(o[n], -EINVAL, "%s: %ld", n, o[n]);
}

// Double fetch: the attacker asks for bound reports while a second thread
// flips the RAW flag in the parameter block in the region, hoping the
// module checks the flag once (not raw: allowed) and reads it again (raw:
// its bytes as given).  Every answer must be EPERM (raw seen) or a report
// carrying the bound form; never the attacker's bytes.
Test(attacks_tdx, params_rewritten_during_the_call)
{
	if (!(Conn().info().platform_caps & HSM_PLAT_CAP_TDX_QUOTE))
		cr_skip_test("no TDX backend");
	Bytes data = pattern(64, 0x77);
	Outcome o = attacker([&](Report &r) {
		if (!drop_to(kNobody, {}))
			return 1;
		Link l;
		hsm_tdx_report_params p{};
		memcpy(p.report_data, data.data(), 64);
		hsm_op op = params_op(&p, sizeof(p), l, HSM_TDX_REPORT_SIZE);
		auto *flags = reinterpret_cast<volatile uint32_t *>(
			l.at(kP + offsetof(hsm_tdx_report_params, flags)));
		std::atomic<bool> stop{false};
		std::thread flipper([&] {
			while (!stop.load(std::memory_order_relaxed)) {
				*flags = HSM_TDX_REPORT_F_RAW;
				*flags = 0;
			}
		});
		long bound = 0, refused = 0, raw = 0, odd = 0, last_odd = 0;
		Bytes want = bound_for_nobody(data);
		timespec t0, t;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (int i = 0; i < 500; i++) {
			clock_gettime(CLOCK_MONOTONIC, &t);
			if (t.tv_sec - t0.tv_sec >= 5)
				break;
			unsigned cmd = i % 8 ? HSM_IOC_TDX_REPORT : HSM_IOC_TDX_QUOTE;
			op.out.len = cmd == HSM_IOC_TDX_REPORT ? HSM_TDX_REPORT_SIZE
							       : HSM_TDX_QUOTE_MAX;
			long res = l.run(cmd, op).res;
			if (res == -EPERM) {
				refused++;
				continue;
			}
			if (res <= 0) {
				odd++;
				last_odd = res;
				continue;
			}
			size_t at = cmd == HSM_IOC_TDX_REPORT ? 0x80 : 48 + 520;
			Bytes got = l.get(kOut + at, 64);
			if (got == data)
				raw++;
			else if (got == want)
				bound++;
			else
				odd++;
		}
		stop = true;
		flipper.join();
		r.res("bound", bound);
		r.res("refused", refused);
		r.res("raw", raw);
		r.res("other", odd);
		r.res("last other", last_odd);
		return 0;
	});
	expect_clean(o);
	cr_expect_eq(o["raw"], 0, "the attacker's bytes reached REPORTDATA");
	cr_expect_eq(o["other"], 0, "unexpected result %ld", o["last other"]);
	cr_expect_gt(o["bound"] + o["refused"], 0);
}
