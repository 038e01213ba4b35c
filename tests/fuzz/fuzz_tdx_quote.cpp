// SPDX-License-Identifier: MIT
//
// libFuzzer target: libhsm's TDX parsers of raw bytes: the DCAP quote
// (hsm::tdx::parse_quote), the PCK certificate's SGX extension, and the
// TDREPORT (parse_tdreport, check_tdreport).  Besides the sanitizers: a
// quote that parses is a TDX quote v4 or v5 whose signed part is its
// header and body, whose QE report lies inside it, and whose fields are
// the bytes at their offsets; only a 1024-byte TDX report parses.
#include <cstring>

#include <hsm/tdx.hpp>

#include "check.h"

namespace {

namespace tdx = hsm::tdx;

std::uint64_t le(const std::uint8_t *p, int n)
{
	std::uint64_t v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

void check_quote(const std::uint8_t *b, std::size_t n)
{
	auto q = tdx::parse_quote({b, n});
	if (!q)
		return;
	const auto &h = q->header;
	CHECK(h.version == 4 || h.version == 5);
	CHECK(h.version == le(b, 2) && h.att_key_type == le(b + 2, 2) && h.tee_type == 0x81);
	const std::size_t body = q->body_type == tdx::BodyType::kTd15 ? tdx::td15_body_size
								      : tdx::td10_body_size;
	CHECK(q->signed_size == tdx::header_size + (h.version == 5 ? 6 : 0) + body);
	CHECK(q->body.has_td15 == (q->body_type == tdx::BodyType::kTd15));
	CHECK(h.version == 5 || q->body_type == tdx::BodyType::kTd10);
	const std::uint8_t *bb = b + q->signed_size - body;
	CHECK(std::memcmp(q->body.mrtd.data(), bb + 136, 48) == 0);
	CHECK(std::memcmp(q->body.report_data.data(), bb + 520, 64) == 0);
	CHECK(q->body.td_attributes == le(bb + 120, 8));
	CHECK(le(b + q->signed_size, 4) + q->signed_size + 4 == q->size);
	CHECK(q->size <= n);
	for (std::size_t i = q->size; i < n; i++)
		CHECK(b[i] == 0);
	CHECK(std::memcmp(q->signature.data(), b + q->signed_size + 4, 64) == 0);
	CHECK(q->qe_report_offset == q->signed_size + 4 + 128 + 6);
	CHECK(q->qe_report_offset + tdx::qe_report_size + 64 + 2 + q->qe_auth_data.size() + 6 <=
	      q->size);
	CHECK(q->qe_report.isvsvn == le(b + q->qe_report_offset + 258, 2));
	CHECK(!q->pck_chain.empty());
	(void)tdx::pck_extensions(q->pck_chain.front());
}

void check_tdreport(const std::uint8_t *b, std::size_t n)
{
	auto r = tdx::parse_tdreport({b, n});
	auto h = tdx::check_tdreport({b, n});
	CHECK(r.has_value() == h.has_value());
	if (!r)
		return;
	CHECK(n == tdx::tdreport_size && b[0] == 0x81);
	CHECK(std::memcmp(r->mrtd.data(), b + 512 + 16, 48) == 0);
	CHECK(h->tdinfo_ok == (std::memcmp(h->tdinfo.data(), b + 80, 48) == 0));
	CHECK(h->tee_tcb_info_ok == (std::memcmp(h->tee_tcb_info.data(), b + 32, 48) == 0));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	check_quote(data, size);
	check_tdreport(data, size);
	return 0;
}
