// SPDX-License-Identifier: MIT
// TCB evaluation from the collateral: the TCB level the platform meets,
// the TDX module identity, the QE identity, and how their statuses
// combine (Intel's rules, as its quote verification library applies them).
#include <algorithm>
#include <cstdio>

#include <openssl/crypto.h>

#include "tcb.hpp"

namespace hsm::tdx::detail {

namespace {

std::string svns(std::span<const std::uint8_t> v)
{
	std::string s;
	for (auto c : v) {
		if (!s.empty())
			s += ' ';
		s += std::to_string(c);
	}
	return s;
}

// The first component where have is below want, or -1.
int below(std::span<const std::uint8_t> have, std::span<const std::uint8_t> want,
	  std::size_t from = 0)
{
	for (std::size_t i = from; i < want.size(); i++)
		if (have[i] < want[i])
			return static_cast<int>(i);
	return -1;
}

// The first level whose ISVSVN the given one meets.
const IsvLevel *isv_level(const std::vector<IsvLevel> &levels, std::uint16_t isvsvn)
{
	for (const auto &l : levels)
		if (isvsvn >= l.isvsvn)
			return &l;
	return nullptr;
}

} // namespace

Finding tcb_level(const TcbInfo &info, const PckExtensions &pck, const TdBody &body,
		  const TcbLevel **matched)
{
	*matched = nullptr;
	const std::size_t tdx_from = body.tee_tcb_svn[1] > 0 ? 2 : 0;
	std::string why;
	for (std::size_t n = 0; n < info.levels.size(); n++) {
		const TcbLevel &l = info.levels[n];
		int sgx = below(pck.sgx_components, l.sgx_components);
		bool pce = pck.pcesvn >= l.pcesvn;
		int tdx = below(body.tee_tcb_svn, l.tdx_components, tdx_from);
		if (sgx < 0 && pce && tdx < 0) {
			*matched = &l;
			return {true,
				"level " + std::to_string(n) + " of " + std::to_string(info.levels.size()) +
					" (" + l.tcb_date + ", " + to_string(l.status) +
					"): SGX TCB " + svns(pck.sgx_components) + ", PCESVN " +
					std::to_string(pck.pcesvn) + ", TEE_TCB_SVN " + svns(body.tee_tcb_svn),
				Reason::kNone};
		}
		if (n == 0) {
			// What keeps the platform below the first (best) level.
			if (sgx >= 0)
				why = "SGX TCB component " + std::to_string(sgx + 1) + " is " +
				      std::to_string(pck.sgx_components[sgx]) + ", the first level asks for " +
				      std::to_string(l.sgx_components[sgx]);
			else if (!pce)
				why = "PCESVN is " + std::to_string(pck.pcesvn) + ", the first level asks for " +
				      std::to_string(l.pcesvn);
			else
				why = "TDX TCB component " + std::to_string(tdx + 1) + " is " +
				      std::to_string(body.tee_tcb_svn[tdx]) + ", the first level asks for " +
				      std::to_string(l.tdx_components[tdx]);
		}
	}
	return {false,
		"the platform's TCB (SGX TCB " + svns(pck.sgx_components) + ", PCESVN " +
			std::to_string(pck.pcesvn) + ", TEE_TCB_SVN " + svns(body.tee_tcb_svn) +
			") is below every one of the " + std::to_string(info.levels.size()) +
			" TCB levels: " + why,
		Reason::kNoMatchingTcbLevel};
}

Finding tdx_module(const TcbInfo &info, const TdBody &body, std::optional<TcbStatus> &status,
		   std::vector<std::string> &advisories)
{
	const std::uint8_t major = body.tee_tcb_svn[1], minor_svn = body.tee_tcb_svn[0];
	auto same = [&](const Hash384 &signer, std::uint64_t attrs, std::uint64_t mask) {
		return CRYPTO_memcmp(signer.data(), body.mrsignerseam.data(), signer.size()) == 0 &&
		       (body.seam_attributes & mask) == attrs;
	};
	if (major == 0) {
		bool ok = same(info.module_mrsigner, info.module_attributes, info.module_attributes_mask);
		return {ok,
			ok ? "TDX module version 0: MRSIGNERSEAM and SEAM attributes match tdxModule"
			   : "MRSIGNERSEAM " + hex(body.mrsignerseam) + " or SEAM attributes differ from tdxModule",
			Reason::kTdxModuleMismatch};
	}
	char want[16];
	std::snprintf(want, sizeof(want), "TDX_%02X", major);
	auto it = std::find_if(info.module_identities.begin(), info.module_identities.end(),
			       [&](const TdxModuleIdentity &m) { return m.id == want; });
	if (it == info.module_identities.end())
		return {false, std::string("TCB info names no TDX module identity ") + want,
			Reason::kTdxModuleMismatch};
	if (!same(it->mrsigner, it->attributes, it->attributes_mask))
		return {false,
			"MRSIGNERSEAM " + hex(body.mrsignerseam) + " or SEAM attributes differ from " + want,
			Reason::kTdxModuleMismatch};
	const IsvLevel *l = isv_level(it->levels, minor_svn);
	if (!l)
		return {false,
			std::string(want) + " SVN " + std::to_string(minor_svn) + " is below every level of " + want,
			Reason::kTdxModuleMismatch};
	status = l->status;
	advisories.insert(advisories.end(), l->advisory_ids.begin(), l->advisory_ids.end());
	return {true,
		std::string(want) + " SVN " + std::to_string(minor_svn) + ": " + to_string(l->status) +
			" (" + l->tcb_date + ")",
		Reason::kNone};
}

Finding qe_identity(const QeIdentity &id, const QeReport &qe, std::optional<TcbStatus> &status,
		    std::vector<std::string> &advisories)
{
	bool attrs = true;
	for (std::size_t i = 0; i < 16; i++)
		attrs = attrs && (qe.attributes[i] & id.attributes_mask[i]) == id.attributes[i];
	std::string what;
	if ((qe.miscselect & id.miscselect_mask) != id.miscselect)
		what = "MISCSELECT";
	else if (!attrs)
		what = "ATTRIBUTES " + hex(qe.attributes);
	else if (CRYPTO_memcmp(qe.mrsigner.data(), id.mrsigner.data(), 32) != 0)
		what = "MRSIGNER " + hex(qe.mrsigner);
	else if (qe.isvprodid != id.isvprodid)
		what = "ISVPRODID " + std::to_string(qe.isvprodid);
	if (!what.empty())
		return {false, "the QE report's " + what + " is not the " + id.id + " identity's",
			Reason::kQeIdentityMismatch};
	const IsvLevel *l = isv_level(id.levels, qe.isvsvn);
	if (!l)
		return {false, "QE ISVSVN " + std::to_string(qe.isvsvn) + " is below every level",
			Reason::kQeIdentityMismatch};
	status = l->status;
	advisories.insert(advisories.end(), l->advisory_ids.begin(), l->advisory_ids.end());
	return {true,
		id.id + " ISVSVN " + std::to_string(qe.isvsvn) + ": " + to_string(l->status) + " (" +
			l->tcb_date + ")",
		Reason::kNone};
}

TcbStatus combine(TcbStatus a, TcbStatus b)
{
	auto config = [](TcbStatus s) {
		return s == TcbStatus::kConfigurationNeeded ||
		       s == TcbStatus::kConfigurationAndSWHardeningNeeded ||
		       s == TcbStatus::kOutOfDateConfigurationNeeded;
	};
	TcbStatus worst = std::max(a, b);
	if (worst == TcbStatus::kOutOfDate && (config(a) || config(b)))
		return TcbStatus::kOutOfDateConfigurationNeeded;
	if (worst == TcbStatus::kSWHardeningNeeded && (config(a) || config(b)))
		return TcbStatus::kConfigurationAndSWHardeningNeeded;
	if (worst == TcbStatus::kConfigurationNeeded &&
	    (a == TcbStatus::kSWHardeningNeeded || b == TcbStatus::kSWHardeningNeeded))
		return TcbStatus::kConfigurationAndSWHardeningNeeded;
	return worst;
}

} // namespace hsm::tdx::detail
