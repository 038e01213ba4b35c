// SPDX-License-Identifier: GPL-2.0 OR MIT
// hsmctl's platform commands end to end: sim-setup writes a chain,
// attest --extended writes the report and the certificates it carries,
// and slots save / restore carries a slot through a sealed blob on disk.
#include <criterion/criterion.h>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <openssl/pem.h>

#include "hsm_conn.hpp"

using namespace hsmtest;

namespace {

int sh(const std::string &cmd)
{
	int st = std::system((cmd + " >/dev/null").c_str());
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Bytes slurp(const std::string &path)
{
	std::ifstream f(path, std::ios::binary);
	return Bytes(std::istreambuf_iterator<char>(f), {});
}

X509 *pem(const std::string &path)
{
	FILE *f = fopen(path.c_str(), "r");
	cr_assert_not_null(f, "%s", path.c_str());
	X509 *x = PEM_read_X509(f, nullptr, nullptr, nullptr);
	fclose(f);
	cr_assert_not_null(x, "%s", path.c_str());
	return x;
}

}  // namespace

Test(hsmctl_platform, sim_setup_and_attest, .timeout = 600)
{
	const std::string m(96, 'a');
	cr_assert_eq(sh("hsmctl sim-setup --measurement " + m + " --out-dir /tmp/chain"), 0);
	cr_assert_eq(sh("hsmctl attest --extended --report-data 0102 --out /tmp/att"), 0);
	Bytes rep = slurp("/tmp/att/report.bin");
	cr_assert_eq(rep.size(), (size_t)HSM_SNP_REPORT_SIZE);
	cr_expect_eq(rep[0x50], 1);
	cr_expect_eq(rep[0x51], 2);
	cr_expect_eq(rep[0x90], 0xaa);
	// The certificates attest wrote are the ones sim-setup made.
	for (const char *n : {"ark.pem", "ask.pem", "vcek.pem"}) {
		X509 *a = pem(std::string("/tmp/chain/") + n), *b = pem(std::string("/tmp/att/") + n);
		cr_expect_eq(X509_cmp(a, b), 0, "%s", n);
		X509_free(a);
		X509_free(b);
	}
	X509 *ask = pem("/tmp/att/ask.pem"), *vcek = pem("/tmp/att/vcek.pem");
	cr_expect_eq(X509_verify(vcek, X509_get0_pubkey(ask)), 1);
	X509_free(ask);
	X509_free(vcek);
	cr_expect_neq(sh("hsmctl attest --vmpl 9 --out /tmp/att2 2>/dev/null"), 0);
	cr_expect_eq(sh("hsmctl info | grep -q '^platform backend: *simulated$'"), 0);
	cr_expect_eq(sh("hsmctl info | grep -q '^platform caps: *report ext_report derived_key seal$'"), 0);
	cr_expect_eq(sh("hsmctl --json info | grep -q '\"platform_backend\": \"simulated\"'"), 0);
	cr_assert_eq(sh("hsmctl sim-setup --no-chain --measurement " + std::string(96, '5')), 0);
}

Test(hsmctl_platform, slots_save_and_restore)
{
	Conn c;
	__u64 k = must_key(c, "hmac-sha-256", HSM_PERM_SIGN, nullptr, 0, 32);
	hsm_slot_params p{};
	strcpy(p.name, "disk-slot");
	hsm_op op{};
	op.handle = k;
	op.resp_off = HSM_RESP_NONE;
	op.params = c.put(0, {reinterpret_cast<uint8_t *>(&p), sizeof(p)});
	cr_assert_eq(c.run(HSM_IOC_SLOT_STORE, op).res, 0);
	// A MAC to compare after the round trip.
	Bytes msg = pattern(100, 3);
	auto mac = [&](__u64 id) {
		hsm_op m{};
		m.handle = id;
		m.resp_off = HSM_RESP_NONE;
		m.in = c.put(4096, msg);
		m.out = {8192, 32};
		cr_assert_eq(c.run(HSM_IOC_MAC, m).res, 32);
		return c.get({8192, 32});
	};
	Bytes before = mac(k);

	cr_assert_eq(sh("hsmctl slots save /tmp/sealed"), 0);
	Bytes blob = slurp("/tmp/sealed/disk-slot.sealed");
	cr_assert_gt(blob.size(), 160u);
	op.handle = 0;
	cr_assert_eq(c.run(HSM_IOC_SLOT_DELETE, op).res, 0);
	cr_assert_eq(sh("hsmctl slots restore /tmp/sealed"), 0);
	op.resp_off = Conn::kResp;
	Result o = c.run(HSM_IOC_SLOT_OPEN, op);
	cr_assert_eq(o.res, 0);
	cr_expect(mac(o.resp.value) == before, "the restored slot has the same key");
	// Restoring again: the name is taken.
	cr_expect_neq(sh("hsmctl slots restore /tmp/sealed 2>/dev/null"), 0);
	op.resp_off = HSM_RESP_NONE;
	cr_expect_eq(c.run(HSM_IOC_SLOT_DELETE, op).res, 0);
}
