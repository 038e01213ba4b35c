// SPDX-License-Identifier: MIT
// TDREPORT parsing (REPORTMACSTRUCT, TEE_TCB_INFO, TDINFO) and the check
// of its two hash fields.
#include <openssl/crypto.h>

#include <hsm/tdx.hpp>

#include "util.hpp"

namespace hsm::tdx {

namespace {

using detail::copy;
using detail::le64;

constexpr std::size_t tee_tcb_info_off = 256;
constexpr std::size_t tdinfo_off = 512;

Result<void> check_size(std::span<const std::uint8_t> b)
{
	if (b.size() != tdreport_size)
		return fail(Status::kInvalidArgument, EINVAL,
			    "TDREPORT is " + std::to_string(b.size()) + " bytes, expected " +
				    std::to_string(tdreport_size));
	if (b[0] != tee_type_tdx)
		return fail(Status::kUnsupported, EOPNOTSUPP,
			    "REPORTMACSTRUCT type " + std::to_string(b[0]) + " is not TDX (0x81)");
	return {};
}

} // namespace

Result<TdReport> parse_tdreport(std::span<const std::uint8_t> b)
{
	if (auto ok = check_size(b); !ok)
		return std::unexpected(ok.error());
	TdReport r;
	r.report_type = b[0];
	r.report_subtype = b[1];
	r.report_version = b[2];
	copy(r.cpusvn, b, 16);
	copy(r.tee_tcb_info_hash, b, 32);
	copy(r.tee_info_hash, b, 80);
	copy(r.report_data, b, 128);
	copy(r.mac, b, 224);
	const std::size_t t = tee_tcb_info_off;
	copy(r.tcb_valid, b, t);
	copy(r.tee_tcb_svn, b, t + 8);
	copy(r.mrseam, b, t + 24);
	copy(r.mrsignerseam, b, t + 72);
	r.seam_attributes = le64(b, t + 120);
	const std::size_t d = tdinfo_off;
	r.td_attributes = le64(b, d);
	r.xfam = le64(b, d + 8);
	copy(r.mrtd, b, d + 16);
	copy(r.mrconfigid, b, d + 64);
	copy(r.mrowner, b, d + 112);
	copy(r.mrownerconfig, b, d + 160);
	for (std::size_t i = 0; i < 4; i++)
		copy(r.rtmr[i], b, d + 208 + 48 * i);
	copy(r.servtd_hash, b, d + 400);
	return r;
}

Result<TdReportHashes> check_tdreport(std::span<const std::uint8_t> b)
{
	if (auto ok = check_size(b); !ok)
		return std::unexpected(ok.error());
	TdReportHashes h;
	h.tee_tcb_info = detail::sha384(b.subspan(tee_tcb_info_off, tee_tcb_info_size));
	h.tdinfo = detail::sha384(b.subspan(tdinfo_off, tdinfo_size));
	h.tee_tcb_info_ok = CRYPTO_memcmp(h.tee_tcb_info.data(), b.data() + 32, 48) == 0;
	h.tdinfo_ok = CRYPTO_memcmp(h.tdinfo.data(), b.data() + 80, 48) == 0;
	return h;
}

} // namespace hsm::tdx
