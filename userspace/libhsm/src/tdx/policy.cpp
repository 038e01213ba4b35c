// SPDX-License-Identifier: MIT
// The relying party's policy over a genuine quote: debug, SEPT_VE_DISABLE,
// the TCB status floor, and the measurements and data it pins.
#include <openssl/crypto.h>

#include "tcb.hpp"

namespace hsm::tdx::detail {

namespace {

void add(std::vector<Check> &checks, std::string name, bool ok, std::string msg)
{
	checks.push_back({std::move(name), ok, std::move(msg), ok ? Reason::kNone : Reason::kPolicy});
}

void exact(std::vector<Check> &checks, const std::string &name, const char *field,
	   std::span<const std::uint8_t> have, std::span<const std::uint8_t> want)
{
	bool ok = have.size() == want.size() &&
		  CRYPTO_memcmp(have.data(), want.data(), have.size()) == 0;
	add(checks, name, ok,
	    std::string(field) + (ok ? " matches " + hex(want)
				     : " is " + hex(have) + ", expected " + hex(want)));
}

} // namespace

void check_policy(const Quote &q, const Policy &pol, std::optional<TcbStatus> status,
		  std::vector<Check> &checks)
{
	const TdBody &b = q.body;
	add(checks, "policy.debug", !b.debug() || pol.allow_debug,
	    b.debug() ? (pol.allow_debug ? "a debug TD, permitted by policy"
					 : "a debug TD: the host can read and change its memory")
		      : "not a debug TD");
	add(checks, "policy.sept_ve_disable", b.sept_ve_disable() || !pol.require_sept_ve_disable,
	    b.sept_ve_disable() ? "SEPT_VE_DISABLE set"
	    : pol.require_sept_ve_disable
		    ? "SEPT_VE_DISABLE clear: the host can inject #VE on private memory"
		    : "SEPT_VE_DISABLE clear, permitted by policy");
	if (!status)
		add(checks, "policy.tcb_status", false, "no TCB status: the platform was matched to no TCB level");
	else {
		// A Revoked level is never accepted, whatever the floor says.
		const bool ok = *status <= pol.min_tcb_status && *status != TcbStatus::kRevoked;
		checks.push_back({"policy.tcb_status", ok,
				  std::string("TCB status ") + to_string(*status) +
					  (ok ? ", accepted (worst accepted: " : ", refused (worst accepted: ") +
					  to_string(pol.min_tcb_status) + ")",
				  ok ? Reason::kNone : Reason::kTcbStatus});
	}
	if (pol.mrtd)
		exact(checks, "policy.mrtd", "MRTD", b.mrtd, *pol.mrtd);
	if (pol.rtmr)
		for (std::size_t i = 0; i < 4; i++)
			if (pol.rtmr_checked[i])
				exact(checks, "policy.rtmr" + std::to_string(i),
				      ("RTMR" + std::to_string(i)).c_str(), b.rtmr[i], (*pol.rtmr)[i]);
	if (pol.mrconfigid)
		exact(checks, "policy.mrconfigid", "MRCONFIGID", b.mrconfigid, *pol.mrconfigid);
	if (pol.report_data)
		exact(checks, "policy.report_data", "REPORTDATA", b.report_data, *pol.report_data);
}

} // namespace hsm::tdx::detail
