// SPDX-License-Identifier: GPL-2.0 OR MIT
// hsmctl verify --tdx, run natively on the real quotes of tests/data/tdx:
// exit statuses, the reason of a refusal, text and --json.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <sys/wait.h>

#include <criterion/criterion.h>
#include <nlohmann/json.hpp>

namespace {

struct Run {
	int status = -1;
	std::string out;
};

// hsmctl with these arguments (data files relative to tests/data/tdx),
// stdout captured, stderr discarded.
Run hsmctl(const std::string &args)
{
	const char *bin = std::getenv("HSM_HSMCTL");
	const char *dir = std::getenv("HSM_TDX_DATA");
	std::string cmd = "cd '" + std::string(dir ? dir : HSM_TDX_DATA) + "' && '" +
			  (bin ? bin : HSM_HSMCTL) + "' " + args + " 2>/dev/null";
	FILE *p = popen(cmd.c_str(), "r");
	cr_assert(p, "popen %s", cmd.c_str());
	Run r;
	char buf[4096];
	std::size_t n;
	while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0)
		r.out.append(buf, n);
	int st = pclose(p);
	r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return r;
}

const std::string v4 = "verify --tdx --quote dq_tdx_quote --collateral dq_tdx_quote_collateral.json";
const std::string v5 = "verify --tdx --quote dq_tdx_quote_outdated "
		       "--collateral dq_tdx_quote_outdated_collateral.json";

bool has(const Run &r, const char *text)
{
	return r.out.find(text) != std::string::npos;
}

} // namespace

Test(hsmctl_tdx, v4_genuine_but_unconstrained)
{
	auto r = hsmctl(v4 + " --time 2025-06-20");
	cr_expect_eq(r.status, 3, "%s", r.out.c_str());
	cr_expect(has(r, "verdict: UNCONSTRAINED"), "%s", r.out.c_str());
	cr_expect(has(r, "tcb status: UpToDate"), "%s", r.out.c_str());
	r = hsmctl(v4 + " --time 2025-06-20T00:00:00Z --allow-unconstrained");
	cr_expect_eq(r.status, 0, "%s", r.out.c_str());
	r = hsmctl(v4 + " --time 2025-06-20 --mrtd 91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b2538873118b7");
	cr_expect_eq(r.status, 0, "%s", r.out.c_str());
	cr_expect(has(r, "verdict: PASS"), "%s", r.out.c_str());
}

Test(hsmctl_tdx, refusals_say_why)
{
	auto r = hsmctl(v5 + " --time 2026-03-01");
	cr_expect_eq(r.status, 1);
	cr_expect(has(r, "reason: no-matching-tcb-level"), "%s", r.out.c_str());
	r = hsmctl(v4 + " --time 2025-08-01");
	cr_expect_eq(r.status, 1);
	cr_expect(has(r, "reason: collateral-expired"), "%s", r.out.c_str());
	r = hsmctl(v4 + " --time 2025-06-20 --rtmr3 " + std::string(95, '0') + "1");
	cr_expect_eq(r.status, 1);
	cr_expect(has(r, "FAIL policy.rtmr3"), "%s", r.out.c_str());
	cr_expect(has(r, "reason: policy"), "%s", r.out.c_str());
}

Test(hsmctl_tdx, json)
{
	auto r = hsmctl("--json " + v5 + " --time 2026-03-01");
	cr_expect_eq(r.status, 1);
	auto j = nlohmann::json::parse(r.out, nullptr, false);
	cr_assert(!j.is_discarded(), "%s", r.out.c_str());
	cr_expect_eq(j["reason"], "no-matching-tcb-level");
	cr_expect_eq(j["ok"], false);
	cr_expect_eq(j["quote"]["version"], "5");
	cr_expect_eq(j["quote"]["fmspc"], "90c06f000000");
	r = hsmctl(v4 + " --json --time 2025-06-20");
	j = nlohmann::json::parse(r.out, nullptr, false);
	cr_assert(!j.is_discarded(), "%s", r.out.c_str());
	cr_expect_eq(j["tcb_status"], "UpToDate");
	cr_expect_eq(j["genuine"], true);
	cr_expect_eq(j["reason"], "none");
}

Test(hsmctl_tdx, usage_errors)
{
	cr_expect_eq(hsmctl("verify --tdx --quote dq_tdx_quote").status, 2);
	cr_expect_eq(hsmctl(v4 + " --mrtd 00").status, 2);
	cr_expect_eq(hsmctl(v4 + " --min-tcb-status Fine").status, 2);
	cr_expect_eq(hsmctl(v4 + " --time yesterday").status, 2);
	cr_expect_eq(hsmctl(v4 + " --bogus 1").status, 2);
	cr_expect_eq(hsmctl("verify --tdx --help").status, 0);
	// Not a quote, not collateral: refused, status 1.
	cr_expect_eq(hsmctl("verify --tdx --quote coco_tdx_report_1.bin "
			    "--collateral dq_tdx_quote_collateral.json").status, 1);
	cr_expect_eq(hsmctl("verify --tdx --quote dq_tdx_quote --collateral dq_tdx_quote").status, 1);
}
