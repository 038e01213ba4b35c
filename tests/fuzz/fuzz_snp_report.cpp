// SPDX-License-Identifier: MIT
//
// libFuzzer target: libhsm's SEV-SNP report parser (hsm::snp::parse_report).
// Besides the sanitizers: only a report of exactly report_size bytes and
// a known version parses, every field is the bytes at its offset, and
// the must-be-zero list names only bytes that are set.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <hsm/snp.hpp>

#include "check.h"

namespace {

using hsm::snp::Report;

std::uint64_t le(const std::uint8_t *p, int n)
{
	std::uint64_t v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

template <std::size_t N>
bool at(const std::array<std::uint8_t, N> &field, const std::uint8_t *b, std::size_t off)
{
	return std::memcmp(field.data(), b + off, N) == 0;
}

// The fields as they lie in the bytes (offsets from AMD's SNP ABI, table
// "ATTESTATION_REPORT structure").
void check_fields(const Report &r, const std::uint8_t *b)
{
	CHECK(r.version == le(b, 4) && r.guest_svn == le(b + 0x4, 4));
	CHECK(r.policy == le(b + 0x8, 8) && r.vmpl == le(b + 0x30, 4));
	CHECK(r.signer_info == le(b + 0x48, 4) && r.signing_key == ((b[0x48] >> 2) & 7));
	CHECK(at(r.report_data, b, 0x50) && at(r.measurement, b, 0x90));
	CHECK(at(r.chip_id, b, 0x1a0) && at(r.signature_r, b, 0x2a0) && at(r.signature_s, b, 0x2e8));
	CHECK(r.current_tcb.raw == le(b + 0x38, 8) && r.reported_tcb.raw == le(b + 0x180, 8));
	CHECK(r.committed_tcb.raw == le(b + 0x1e0, 8) && r.launch_tcb.raw == le(b + 0x1f0, 8));
	CHECK(r.has_cpuid == (r.version >= 3) && r.has_mit_vectors == (r.version >= 5));
	CHECK(!r.has_cpuid || r.cpuid_fam_id == b[0x188]);
	CHECK(!r.has_mit_vectors || r.current_mit_vector == le(b + 0x200, 8));
	auto tcb = hsm::snp::decode_tcb(r.reported_tcb.raw, r.tcb_layout);
	CHECK(tcb.snp == r.reported_tcb.snp && tcb.microcode == b[0x187]);
	CHECK((r.tcb_layout == hsm::snp::TcbLayout::kTurin) == (r.product == hsm::snp::Product::kTurin));
}

// Offsets in order, each of a set byte (0x048: the signer info's high bits).
void check_reserved(const Report &r, const std::uint8_t *b)
{
	CHECK(std::is_sorted(r.nonzero_reserved.begin(), r.nonzero_reserved.end()));
	CHECK(std::adjacent_find(r.nonzero_reserved.begin(), r.nonzero_reserved.end()) ==
	      r.nonzero_reserved.end());
	for (std::size_t off : r.nonzero_reserved) {
		CHECK(off < hsm::snp::report_size);
		CHECK(off == 0x48 ? (r.signer_info >> 5) != 0 : b[off] != 0);
	}
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	auto r = hsm::snp::parse_report({data, size});
	if (!r) {
		CHECK(!r.error().message.empty());
		if (size != hsm::snp::report_size)
			CHECK(r.error().status == hsm::Status::kInvalidArgument);
		else
			CHECK(r.error().status == hsm::Status::kUnsupported && (le(data, 4) < 2 || le(data, 4) > 5));
		return 0;
	}
	CHECK(size == hsm::snp::report_size);
	check_fields(*r, data);
	check_reserved(*r, data);
	CHECK(hsm::snp::to_string(r->product) != nullptr);
	return 0;
}
