// SPDX-License-Identifier: MIT
//
// libFuzzer target: libhsm's TDX collateral parser (hsm::tdx::
// parse_collateral, and through it the TCB info and QE identity JSON),
// then the verification of the real v4 quote against what parsed.
// Besides the sanitizers: parsed collateral has its TCB levels, and the
// verification of a quote never throws, never crashes, and says why it
// refused.
#include <hsm/tdx.hpp>

#include "check.h"
#include "tdx_quote.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	namespace tdx = hsm::tdx;
	auto c = tdx::parse_collateral({data, size});
	if (!c)
		return 0;
	CHECK(!c->tcb_info.levels.empty() && !c->qe_identity.levels.empty());
	CHECK(c->tcb_info.id == "TDX" && c->qe_identity.id == "TD_QE");
	tdx::Policy p;
	p.time = 1750377600;	// 2025-06-20, inside the real collateral's window
	auto v = tdx::verify(tdx_v4_quote, *c, p);
	CHECK(v.has_value());
	CHECK(v->ok == (v->reason == tdx::Reason::kNone));
	CHECK(v->ok || v->first_failure());
	return 0;
}
