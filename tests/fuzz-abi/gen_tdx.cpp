// SPDX-License-Identifier: GPL-2.0 OR MIT
// Generators of the TDX commands, against the simulated TDX module and
// quoting service.  The fuzzer runs as root: REPORTDATA may be raw.
#include <algorithm>
#include <cstring>

#include "gen_impl.hpp"

namespace fz::gen {

namespace {

Bytes bound_tdx_report_data(View data)
{
	static const char label[] = "hsm tdx user report v1";
	Bytes m(label, label + sizeof(label));	/* with its NUL */
	m.insert(m.end(), 4, 0);		/* le32(uid 0) */
	m.insert(m.end(), data.begin(), data.end());
	return ref::digest("sha-512", m);
}

}  // namespace

Input tdx_report(Gen &c)
{
	Rng &rng = c.rng();
	hsm_tdx_report_params p{};
	rng.fill(p.report_data, sizeof(p.report_data));
	p.flags = rng.one_in(2) ? HSM_TDX_REPORT_F_RAW : 0;
	Builder b(HSM_IOC_TDX_REPORT, false);
	b.resp().params_of(p);
	if (rng.one_in(8))
		return b.out(HSM_TDX_REPORT_SIZE - 1).ok(-EOVERFLOW).done();
	b.out(HSM_TDX_REPORT_SIZE + static_cast<uint32_t>(rng.below(2) * 64));
	const Bytes want = p.flags ? Bytes(p.report_data, p.report_data + 64)
				   : bound_tdx_report_data(View(p.report_data, 64));
	return b.ok(HSM_TDX_REPORT_SIZE)
		.verify([want](const Answer &a) -> std::string {
			View rep = ref_bytes(a, R_OUT, HSM_TDX_REPORT_SIZE);
			if (rep[0] != 0x81)
				return "the TDREPORT's type is not TDX";
			if (!std::equal(want.begin(), want.end(), rep.begin() + 0x80))
				return "the TDREPORT's REPORTDATA is not the one asked for";
			return "";
		})
		.done();
}

Input tdx_quote(Gen &c)
{
	Rng &rng = c.rng();
	static const uint32_t versions[] = {0, 4, 5};
	hsm_tdx_quote_params p{};
	rng.fill(p.report_data, sizeof(p.report_data));
	p.flags = rng.one_in(2) ? HSM_TDX_REPORT_F_RAW : 0;
	p.version = versions[rng.below(3)];
	Builder b(HSM_IOC_TDX_QUOTE, c.big_ok);
	b.resp().params_of(p);
	/* A quote with no chain is about 1.3 KiB: short and long buffers. */
	b.out(rng.one_in(4) ? static_cast<uint32_t>(rng.below(1024))
			    : std::min<uint32_t>(HSM_TDX_QUOTE_MAX, b.geom().out_max));
	const Bytes want = p.flags ? Bytes(p.report_data, p.report_data + 64)
				   : bound_tdx_report_data(View(p.report_data, 64));
	const uint32_t version = p.version ? p.version : 4;
	/* EIO: a mutated TDX_SIM_SETUP may have had the service fail it. */
	return b.ok(kAnyOk, ErrSet{EIO, EOVERFLOW})
		.verify([want, version](const Answer &a) -> std::string {
			if (a.rec_written && a.rec.value != static_cast<uint64_t>(a.res))
				return "the record's length is not the result";
			View q = ref_bytes(a, R_OUT, static_cast<uint32_t>(a.res));
			if (q.size() < 48 + 584 || q[0] != version || q[4] != 0x81)
				return "the quote's header is not a TDX v" + std::to_string(version);
			const size_t body = 48 + (version == 5 ? 6 : 0);
			if (!std::equal(want.begin(), want.end(), q.begin() + body + 520))
				return "the quote's REPORTDATA is not the one asked for";
			return "";
		})
		.done();
}

Input tdx_extend_rtmr(Gen &c)
{
	Rng &rng = c.rng();
	hsm_tdx_rtmr_params p{};
	p.index = static_cast<uint32_t>(rng.below(4));
	rng.fill(p.data, sizeof(p.data));
	return Builder(HSM_IOC_TDX_EXTEND_RTMR, false).resp().params_of(p).ok(0).done();
}

Input tdx_sim_setup(Gen &c)
{
	hsm_tdx_sim_params p{};
	p.td_attributes = 0x10000000;
	p.xfam = 0x642e7;
	p.report_version = static_cast<uint32_t>(c.rng().below(2));
	p.qe_isvprodid = 2;
	return Builder(HSM_IOC_TDX_SIM_SETUP, false).resp().params_of(p).ok(0).done();
}

}  // namespace fz::gen
