// SPDX-License-Identifier: MIT
// SEV-SNP ATTESTATION_REPORT parsing: explicit little-endian reads of the
// raw bytes, versions 2, 3 (and 4, read as 3) and 5.
#include <algorithm>
#include <cstring>

#include <hsm/snp.hpp>

#include "util.hpp"

namespace hsm::snp {

const char *to_string(Product p) noexcept
{
	switch (p) {
	case Product::kMilan: return "Milan";
	case Product::kGenoa: return "Genoa";
	case Product::kTurin: return "Turin";
	case Product::kUnknown: break;
	}
	return "unknown";
}

Tcb decode_tcb(std::uint64_t raw, TcbLayout layout) noexcept
{
	Tcb t;
	t.raw = raw;
	auto b = [raw](int i) { return static_cast<std::uint8_t>(raw >> (8 * i)); };
	if (layout == TcbLayout::kTurin) {
		t.fmc = b(0);
		t.bootloader = b(1);
		t.tee = b(2);
		t.snp = b(3);
	} else {
		t.bootloader = b(0);
		t.tee = b(1);
		t.snp = b(6);
	}
	t.microcode = b(7);
	return t;
}

namespace detail {

void set_tcb_layout(Report &r, TcbLayout layout)
{
	r.tcb_layout = layout;
	r.current_tcb = decode_tcb(r.current_tcb.raw, layout);
	r.reported_tcb = decode_tcb(r.reported_tcb.raw, layout);
	r.committed_tcb = decode_tcb(r.committed_tcb.raw, layout);
	r.launch_tcb = decode_tcb(r.launch_tcb.raw, layout);
}

} // namespace detail

namespace {

template <std::size_t N>
void copy(std::array<std::uint8_t, N> &dst, std::span<const std::uint8_t> b, std::size_t off)
{
	std::memcpy(dst.data(), b.data() + off, N);
}

void check_zero(Report &r, std::span<const std::uint8_t> b, std::size_t from, std::size_t to)
{
	for (std::size_t i = from; i < to; i++)
		if (b[i])
			r.nonzero_reserved.push_back(i);
}

// Every field as the report's version lays it out.  The TCB_VERSIONs
// are only read here: how to decode them depends on the generation.
void read_fields(Report &r, std::span<const std::uint8_t> b)
{
	r.guest_svn = detail::le32(b, 0x004);
	r.policy = detail::le64(b, 0x008);
	copy(r.family_id, b, 0x010);
	copy(r.image_id, b, 0x020);
	r.vmpl = detail::le32(b, 0x030);
	r.signature_algo = detail::le32(b, 0x034);
	r.current_tcb.raw = detail::le64(b, 0x038);
	r.platform_info = detail::le64(b, 0x040);
	r.signer_info = detail::le32(b, 0x048);
	r.author_key_en = r.signer_info & 1;
	r.mask_chip_key = r.signer_info & 2;
	r.signing_key = (r.signer_info >> 2) & 7;
	copy(r.report_data, b, 0x050);
	copy(r.measurement, b, 0x090);
	copy(r.host_data, b, 0x0C0);
	copy(r.id_key_digest, b, 0x0E0);
	copy(r.author_key_digest, b, 0x110);
	copy(r.report_id, b, 0x140);
	copy(r.report_id_ma, b, 0x160);
	r.reported_tcb.raw = detail::le64(b, 0x180);
	copy(r.chip_id, b, 0x1A0);
	r.committed_tcb.raw = detail::le64(b, 0x1E0);
	r.current_build = b[0x1E8];
	r.current_minor = b[0x1E9];
	r.current_major = b[0x1EA];
	r.committed_build = b[0x1EC];
	r.committed_minor = b[0x1ED];
	r.committed_major = b[0x1EE];
	r.launch_tcb.raw = detail::le64(b, 0x1F0);
	copy(r.signature_r, b, 0x2A0);
	copy(r.signature_s, b, 0x2E8);
	if (r.version >= 3) {
		r.has_cpuid = true;
		r.cpuid_fam_id = b[0x188];
		r.cpuid_mod_id = b[0x189];
		r.cpuid_step = b[0x18A];
	}
	if (r.version >= 5) {
		r.has_mit_vectors = true;
		r.launch_mit_vector = detail::le64(b, 0x1F8);
		r.current_mit_vector = detail::le64(b, 0x200);
	}
}

// The must-be-zero areas of the report's version; the signer info word's
// bits 31:5 too.
void find_nonzero_reserved(Report &r, std::span<const std::uint8_t> b)
{
	if (r.signer_info >> 5)
		r.nonzero_reserved.push_back(0x048);
	check_zero(r, b, 0x04C, 0x050);
	check_zero(r, b, r.version >= 3 ? 0x18B : 0x188, 0x1A0);
	check_zero(r, b, 0x1EB, 0x1EC);
	check_zero(r, b, 0x1EF, 0x1F0);
	check_zero(r, b, r.version >= 5 ? 0x208 : 0x1F8, 0x2A0);
	check_zero(r, b, 0x330, 0x4A0);
}

// The generation as far as the report tells: its CPUID (v3+), else
// Turin's 8-byte chip id.
Product product_of(const Report &r)
{
	if (r.has_cpuid) {
		std::uint8_t hi = r.cpuid_mod_id >> 4;
		if (r.cpuid_fam_id == 0x19 && hi == 0x0)
			return Product::kMilan;
		if (r.cpuid_fam_id == 0x19 && (hi == 0x1 || hi == 0xA))
			return Product::kGenoa;
		if (r.cpuid_fam_id == 0x1A && r.cpuid_mod_id <= 0x11)
			return Product::kTurin;
		return Product::kUnknown;
	}
	// v2 has no CPUID: only Turin's 8-byte chip id tells.
	bool tail_zero = std::all_of(r.chip_id.begin() + 8, r.chip_id.end(),
				     [](std::uint8_t c) { return c == 0; });
	bool head_zero = std::all_of(r.chip_id.begin(), r.chip_id.begin() + 8,
				     [](std::uint8_t c) { return c == 0; });
	return tail_zero && !head_zero ? Product::kTurin : Product::kUnknown;
}

} // namespace

Result<Report> parse_report(std::span<const std::uint8_t> b)
{
	if (b.size() != report_size)
		return fail(Status::kInvalidArgument, EINVAL,
			    "SNP report is " + std::to_string(b.size()) + " bytes, expected " +
				    std::to_string(report_size));
	Report r;
	r.version = detail::le32(b, 0x000);
	if (r.version != 2 && r.version != 3 && r.version != 4 && r.version != 5)
		return fail(Status::kUnsupported, EOPNOTSUPP,
			    "SNP report version " + std::to_string(r.version) +
				    " is not supported (2, 3, 4 or 5)");
	read_fields(r, b);
	find_nonzero_reserved(r, b);
	r.product = product_of(r);
	detail::set_tcb_layout(r, r.product == Product::kTurin ? TcbLayout::kTurin
							: TcbLayout::kLegacy);
	return r;
}

} // namespace hsm::snp
