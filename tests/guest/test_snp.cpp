// SPDX-License-Identifier: GPL-2.0 OR MIT
// SEV-SNP guest requests against the simulated PSP: reports, the extended
// report's certificate chain (verified here with libcrypto), derived keys,
// sealed slots and bad input for every platform command.
#include <criterion/criterion.h>
#include <openssl/ecdsa.h>
#include <sys/wait.h>

#include "fault.hpp"
#include "hsm_conn.hpp"
#include "sim/snp_sim.hpp"

using namespace hsmtest;

namespace {

constexpr uint32_t kP = 0x1000, kOut = 0x4000, kTag = 0x8000, kIn = 0x20000;
constexpr uint64_t kTcb = 0x480e000000000007ULL;

hsm_info info()
{
	return Conn().info();
}

hsm_snp_sim_params identity(uint8_t m, uint64_t policy = 0x30000)
{
	hsm_snp_sim_params p{};
	memset(p.measurement, m, sizeof(p.measurement));
	memset(p.host_data, 0x11, sizeof(p.host_data));
	for (unsigned i = 0; i < sizeof(p.chip_id); i++)
		p.chip_id[i] = static_cast<uint8_t>(0xc0 + i);
	p.policy = policy;
	p.tcb = kTcb;
	p.guest_svn = 2;
	p.report_version = 3;
	return p;
}

long sim_setup(Conn &c, const hsm_snp_sim_params &p, const Bytes &table = {})
{
	hsm_op op{};
	op.resp_off = HSM_RESP_NONE;
	op.params = c.put_struct(kP, p);
	if (!table.empty())
		op.in = c.put(kIn, table);
	return c.run(HSM_IOC_SNP_SIM_SETUP, op).res;
}

Result report(Conn &c, const Bytes &data, uint32_t vmpl = 0, bool ext = false,
	      uint32_t tag_len = HSM_SNP_CERTS_MAX, uint32_t out_len = HSM_SNP_REPORT_SIZE)
{
	hsm_snp_report_params p{};
	memcpy(p.report_data, data.data(), std::min(data.size(), sizeof(p.report_data)));
	p.vmpl = vmpl;
	p.flags = HSM_SNP_REPORT_F_RAW;	/* root: REPORT_DATA as given */
	hsm_op op{};
	op.resp_off = Conn::kResp;
	op.params = c.put_struct(kP, p);
	op.out = {kOut, out_len};
	if (ext)
		op.tag = {kTag, tag_len};
	return c.run(ext ? HSM_IOC_SNP_EXT_REPORT : HSM_IOC_SNP_REPORT, op);
}

hsm_snp_key_params key_req(uint64_t gfs, uint32_t vmpl = 0, bool exportable = true)
{
	hsm_snp_key_params p{};
	p.guest_field_select = gfs;
	p.vmpl = vmpl;
	p.flags = HSM_SNP_KEY_F_RAW;	/* root: the PSP's key itself */
	strcpy(p.key.alg, "secret");
	p.key.perms = HSM_PERM_DERIVE | (exportable ? HSM_PERM_EXPORT : 0);
	if (exportable) {
		p.key.flags = HSM_KEY_F_EXPORTABLE;
		p.flags |= HSM_SNP_KEY_F_ALLOW_EXPORT;
	}
	return p;
}

Result derive(Conn &c, const hsm_snp_key_params &p)
{
	hsm_op op{};
	op.resp_off = Conn::kResp;
	op.params = c.put_struct(kP, p);
	return c.run(HSM_IOC_SNP_DERIVE_KEY, op);
}

Bytes export_key(Conn &c, __u64 id)
{
	hsm_op op{};
	op.handle = id;
	op.resp_off = HSM_RESP_NONE;
	op.out = {kOut, 64};
	long n = c.run(HSM_IOC_KEY_EXPORT, op).res;
	cr_assert_eq(n, 32, "export: %ld", n);
	return c.get({kOut, 32});
}

Bytes derived(Conn &c, uint64_t gfs, uint32_t vmpl = 0)
{
	Result r = derive(c, key_req(gfs, vmpl));
	cr_assert_eq(r.res, 0, "derive: %ld", r.res);
	cr_assert_eq(r.resp.status, HSM_STATUS_OK);
	Bytes k = export_key(c, r.resp.value);
	c.release(r.resp.value);
	return k;
}

uint64_t le(const Bytes &b, size_t off, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)b[off + i] << (8 * i);
	return v;
}

void reset_identity()
{
	Conn c;
	cr_assert_eq(sim_setup(c, identity(0x5a)), 0);
}

Result slot_cmd(Conn &c, unsigned int cmd, const char *name, __u64 handle = 0,
		hsm_ref in = {}, hsm_ref out = {});

}  // namespace

TestSuite(snp, .init = reset_identity);

Test(snp, info_reports_the_simulated_backend)
{
	hsm_info i = info();
	cr_expect_eq(i.platform_backend, HSM_BACKEND_SIMULATED);
	const __u64 snp = HSM_PLAT_CAP_REPORT | HSM_PLAT_CAP_EXT_REPORT |
			  HSM_PLAT_CAP_DERIVED_KEY | HSM_PLAT_CAP_SEAL;
	// The simulated TDX module's caps come with them (test_tdx).
	cr_expect_eq(i.platform_caps & snp, snp);
	cr_expect_eq(i.snp_backend, HSM_BACKEND_SIMULATED);
	cr_expect_eq(i.snp_path, HSM_PATH_SIMULATED);
	cr_expect(i.features & HSM_FEAT_PLATFORM);
}

Test(snp, report_data_round_trips)
{
	for (bool uring : {true, false}) {
		Conn c(1 << 20, uring);
		Bytes data = pattern(64, uring ? 3 : 9);
		Result r = report(c, data, 1);
		cr_assert_eq(r.res, HSM_SNP_REPORT_SIZE, "report: %ld", r.res);
		Bytes rep = c.get({kOut, HSM_SNP_REPORT_SIZE});
		cr_expect(std::equal(data.begin(), data.end(), rep.begin() + 0x50));
		cr_expect_eq(le(rep, 0x0, 4), 3u);		// version
		cr_expect_eq(le(rep, 0x4, 4), 2u);		// guest svn
		cr_expect_eq(le(rep, 0x8, 8), 0x30000u);	// policy
		cr_expect_eq(le(rep, 0x30, 4), 1u);		// vmpl
		cr_expect_eq(le(rep, 0x34, 4), 1u);		// ECDSA P-384 SHA-384
		cr_expect_eq(le(rep, 0x38, 8), kTcb);
		cr_expect_eq(le(rep, 0x180, 8), kTcb);
		cr_expect_eq(le(rep, 0x48, 4), 0u);		// signed by the VCEK
		for (int i = 0; i < 48; i++)
			cr_expect_eq(rep[0x90 + i], 0x5a);
		cr_expect_eq(memcmp(rep.data() + 0x140, "HSM-SIMULATED", 13), 0);
		for (int i = 0; i < 32; i++)
			cr_expect_eq(rep[0x160 + i], 0xff);	// no migration agent
		cr_expect_eq(rep[0x188], 0x19);
		cr_expect_eq(rep[0x1a0], 0xc0);
		for (int i = 48; i < 72; i++) {			// 72-byte LE fields
			cr_expect_eq(rep[0x2a0 + i], 0);
			cr_expect_eq(rep[0x2e8 + i], 0);
		}
		for (size_t i = 0x208; i < 0x2a0; i++)
			cr_expect_eq(rep[i], 0, "reserved byte 0x%zx", i);
	}
}

Test(snp, consecutive_reports_differ_only_in_signature)
{
	Conn c;
	Bytes data = pattern(64, 1);
	cr_assert_eq(report(c, data).res, HSM_SNP_REPORT_SIZE);
	Bytes a = c.get({kOut, HSM_SNP_REPORT_SIZE});
	cr_assert_eq(report(c, data).res, HSM_SNP_REPORT_SIZE);
	Bytes b = c.get({kOut, HSM_SNP_REPORT_SIZE});
	cr_expect(std::equal(a.begin(), a.begin() + 0x2a0, b.begin()));
	cr_expect(!std::equal(a.begin() + 0x2a0, a.begin() + 0x330, b.begin() + 0x2a0));
}

// The whole chain: a userspace ARK -> ASK -> VCEK, the VCEK's scalar given
// to the simulator, and the extended report verified with libcrypto.
Test(snp, extended_report_verifies_against_the_chain, .timeout = 600)
{
	Conn c;
	hsm_snp_sim_params id = identity(0x77);
	snpsim::Chain ch = snpsim::make_chain(id.chip_id, id.tcb);
	id.flags = HSM_SNP_SIM_F_VCEK;
	memcpy(id.vcek_priv, ch.vcek_priv.data(), 48);
	cr_assert_eq(sim_setup(c, id, ch.table), 0);

	Bytes data = pattern(64, 42);
	Result r = report(c, data, 0, true);
	cr_assert_eq(r.res, (long)ch.table.size(), "ext report: %ld", r.res);
	Bytes table = c.get({kTag, (uint32_t)r.res});
	cr_expect(table == ch.table);
	Bytes rep = c.get({kOut, HSM_SNP_REPORT_SIZE});
	cr_expect(std::equal(data.begin(), data.end(), rep.begin() + 0x50));
	cr_expect_eq(rep[0x90], 0x77);

	auto load = [&](const std::array<uint8_t, 16> &g) {
		Bytes der = snpsim::find_cert(table, g);
		cr_assert(!der.empty());
		const uint8_t *p = der.data();
		X509 *x = d2i_X509(nullptr, &p, (long)der.size());
		cr_assert_not_null(x);
		return x;
	};
	X509 *ark = load(snpsim::kGuidArk), *ask = load(snpsim::kGuidAsk), *vcek = load(snpsim::kGuidVcek);
	EVP_PKEY *ark_pub = X509_get0_pubkey(ark), *ask_pub = X509_get0_pubkey(ask);
	cr_expect_eq(X509_verify(ark, ark_pub), 1, "ARK self-signature");
	cr_expect_eq(X509_verify(ask, ark_pub), 1, "ASK <- ARK");
	cr_expect_eq(X509_verify(vcek, ask_pub), 1, "VCEK <- ASK");
	cr_expect_eq(X509_get_signature_nid(vcek), NID_rsassaPss);
	cr_expect_eq(X509_verify(vcek, ark_pub), 0, "the ARK did not sign the VCEK");

	// The report's signature: r, s little-endian 72-byte fields.
	auto bn = [&](size_t off) {
		uint8_t be[48];
		for (int i = 0; i < 48; i++)
			be[i] = rep[off + 47 - i];
		return BN_bin2bn(be, 48, nullptr);
	};
	ECDSA_SIG *sig = ECDSA_SIG_new();
	ECDSA_SIG_set0(sig, bn(0x2a0), bn(0x2e8));
	unsigned char *der = nullptr;
	int dlen = i2d_ECDSA_SIG(sig, &der);
	cr_assert_gt(dlen, 0);
	auto verify = [&](const Bytes &msg) {
		EVP_MD_CTX *m = EVP_MD_CTX_new();
		cr_assert_eq(EVP_DigestVerifyInit(m, nullptr, EVP_sha384(), nullptr,
						  X509_get0_pubkey(vcek)), 1);
		int ok = EVP_DigestVerify(m, der, dlen, msg.data(), 0x2a0);
		EVP_MD_CTX_free(m);
		return ok;
	};
	cr_expect_eq(verify(rep), 1, "report signature");
	Bytes bad = rep;
	bad[0x50] ^= 1;
	cr_expect_neq(verify(bad), 1, "an altered report must not verify");
	OPENSSL_free(der);
	ECDSA_SIG_free(sig);
	X509_free(ark);
	X509_free(ask);
	X509_free(vcek);

	// A table that does not fit: EOVERFLOW and the length needed; the
	// exchange after it still works (its sequence number was used up).
	r = report(c, data, 0, true, 100);
	cr_expect_eq(r.res, -EOVERFLOW);
	cr_expect_geq(r.resp.value, ch.table.size());
	r = report(c, data, 0, true, (uint32_t)r.resp.value);
	cr_expect_eq(r.res, (long)ch.table.size());
	cr_expect_eq(report(c, data).res, HSM_SNP_REPORT_SIZE);
}

Test(snp, no_certificates_means_an_empty_table)
{
	Conn c;
	Result r = report(c, pattern(64, 5), 0, true);
	cr_expect_eq(r.res, 0);
	cr_expect_eq(r.resp.status, HSM_STATUS_OK);
}

Test(snp, derived_keys_are_stable_and_distinct)
{
	Conn c;
	using G = uint64_t;
	// Policy and measurement alone is the sealing root's request, refused
	// raw to everyone: the family ID makes it another key.
	G m = HSM_SNP_GFS_MEASUREMENT, p = HSM_SNP_GFS_POLICY | HSM_SNP_GFS_FAMILY_ID;
	cr_expect_eq(derive(c, key_req(m | HSM_SNP_GFS_POLICY)).res, -EPERM);
	Bytes a = derived(c, m | p), b = derived(c, m | p);
	cr_expect(a == b, "same fields, same key");
	cr_expect(derived(c, m) != a, "guest field select changes the key");
	cr_expect(derived(c, m | p, 1) != a, "VMPL changes the key");
	Bytes none = derived(c, 0);

	// Another measurement: keys that select it change, others do not.
	cr_assert_eq(sim_setup(c, identity(0x33)), 0);
	cr_expect(derived(c, m | p) != a);
	cr_expect(derived(c, 0) == none);
	cr_assert_eq(sim_setup(c, identity(0x5a)), 0);
	cr_expect(derived(c, m | p) == a, "the same VM gets its key back");
	// Another policy.
	cr_assert_eq(sim_setup(c, identity(0x5a, 0x30001)), 0);
	cr_expect(derived(c, m | p) != a);
	cr_expect(derived(c, m) == derived(c, m));
}

Test(snp, derived_keys_are_not_exportable_by_default)
{
	Conn c;
	Result r = derive(c, key_req(HSM_SNP_GFS_MEASUREMENT, 0, false));
	cr_assert_eq(r.res, 0);
	hsm_op op{};
	op.handle = r.resp.value;
	op.resp_off = HSM_RESP_NONE;
	op.out = {kOut, 64};
	cr_expect_eq(c.run(HSM_IOC_KEY_EXPORT, op).res, -EPERM);

	// HSM_KEY_F_EXPORTABLE alone is not enough.
	hsm_snp_key_params p = key_req(HSM_SNP_GFS_MEASUREMENT);
	p.flags = 0;
	r = derive(c, p);
	cr_expect_eq(r.res, -EPERM);
	cr_expect_eq(r.resp.status, HSM_STATUS_NOT_PERMITTED);

	// A usable AEAD key.
	p = key_req(HSM_SNP_GFS_MEASUREMENT, 0, false);
	strcpy(p.key.alg, "aes-256-gcm");
	p.key.perms = HSM_PERM_ENCRYPT | HSM_PERM_DECRYPT;
	r = derive(c, p);
	cr_expect_eq(r.res, 0);
	cr_expect_neq(r.resp.value, 0u);
}

Test(snp, bad_input)
{
	Conn c;
	Bytes data = pattern(64, 1);
	cr_expect_eq(report(c, data, 4).res, -EINVAL);
	cr_expect_eq(report(c, data, 0, false, 0, HSM_SNP_REPORT_SIZE - 1).res, -EOVERFLOW);

	hsm_snp_report_params rp{};
	rp.reserved[2] = 1;
	hsm_op op{};
	op.resp_off = HSM_RESP_NONE;
	op.params = c.put_struct(kP, rp);
	op.out = {kOut, HSM_SNP_REPORT_SIZE};
	cr_expect_eq(c.run(HSM_IOC_SNP_REPORT, op).res, -EINVAL);
	rp = {};
	rp.flags = 1U << 1;	// unknown
	op.params = c.put_struct(kP, rp);
	cr_expect_eq(c.run(HSM_IOC_SNP_REPORT, op).res, -EINVAL);
	op.params.len--;
	cr_expect_eq(c.run(HSM_IOC_SNP_REPORT, op).res, -EINVAL);
	// EXT_REPORT needs a completion record.
	op = {};
	op.resp_off = HSM_RESP_NONE;
	op.params = c.put_struct(kP, hsm_snp_report_params{});
	op.out = {kOut, HSM_SNP_REPORT_SIZE};
	op.tag = {kTag, 4096};
	cr_expect_eq(c.run(HSM_IOC_SNP_EXT_REPORT, op).res, -EINVAL);

	hsm_snp_key_params kp = key_req(0);
	kp.reserved[0] = 1;
	cr_expect_eq(derive(c, kp).res, -EINVAL);
	kp = key_req(1ULL << 6);
	cr_expect_eq(derive(c, kp).res, -EINVAL);
	kp = key_req(0);
	kp.root_key_select = 2;
	cr_expect_eq(derive(c, kp).res, -EINVAL);
	kp = key_req(0, 4);
	cr_expect_eq(derive(c, kp).res, -EINVAL);
	kp = key_req(0);
	kp.flags = 1U << 2;
	cr_expect_eq(derive(c, kp).res, -EINVAL);
	kp = key_req(0);
	strcpy(kp.key.alg, "aes-128-gcm");	// takes no 32-byte key
	kp.key.perms = HSM_PERM_ENCRYPT;
	kp.key.flags = 0;
	kp.flags = 0;
	cr_expect_eq(derive(c, kp).res, -EINVAL);
	kp = key_req(0);
	strcpy(kp.key.alg, "no-such-alg");
	cr_expect_eq(derive(c, kp).res, -EOPNOTSUPP);
	// Refused by the (simulated) firmware, not by the module.
	kp = key_req(HSM_SNP_GFS_GUEST_SVN);
	kp.guest_svn = 3;
	Result r = derive(c, kp);
	cr_expect_eq(r.res, -EINVAL);
	cr_expect_eq(r.resp.status, HSM_STATUS_INVALID_ARGUMENT);
	kp = key_req(HSM_SNP_GFS_TCB_VERSION);
	kp.tcb_version = kTcb + 1;
	cr_expect_eq(derive(c, kp).res, -EINVAL);
	// ... and the message layer carries on.
	cr_expect_eq(report(c, data).res, HSM_SNP_REPORT_SIZE);
	cr_expect_eq(derived(c, HSM_SNP_GFS_TCB_VERSION).size(), 32u);

	hsm_snp_sim_params sp = identity(1);
	sp.report_version = 4;
	cr_expect_eq(sim_setup(c, sp), -EINVAL);
	sp = identity(1);
	sp.reserved[3] = 1;
	cr_expect_eq(sim_setup(c, sp), -EINVAL);
	sp = identity(1);
	sp.flags = HSM_SNP_SIM_F_VCEK;		// a zero scalar
	cr_expect_eq(sim_setup(c, sp), -EINVAL);
	sp = identity(1);
	memset(sp.vcek_priv, 0xff, sizeof(sp.vcek_priv));	// >= n
	sp.flags = HSM_SNP_SIM_F_VCEK;
	cr_expect_eq(sim_setup(c, sp), -EINVAL);
	cr_expect_eq(sim_setup(c, identity(1), Bytes(24, 0)), -EINVAL);	// empty table
	// Sealing: handle must be 0, slot params checked as everywhere.
	Result u = slot_cmd(c, HSM_IOC_SLOT_UNSEAL, "x", 7, c.put(kIn, Bytes(300, 0)));
	cr_expect_eq(u.res, -EINVAL);
	cr_expect_eq(slot_cmd(c, HSM_IOC_SLOT_SEAL, "", 0, {}, {kOut, 4096}).res, -EINVAL);
	cr_expect_eq(slot_cmd(c, HSM_IOC_SLOT_UNSEAL, "x").res, -EINVAL);	// no blob
	Bytes bad_table(48, 0);
	bad_table[0] = 1;
	bad_table[20] = 0xff;		// a certificate beyond the table
	cr_expect_eq(sim_setup(c, identity(1), bad_table), -EINVAL);
}

Test(snp, sim_setup_needs_cap_sys_admin)
{
	grant_device_group();
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		// The user opens the device itself: rights are the opener's.
		if (!become_user(65534, {}))
			_exit(2);
		Conn c;
		_exit(sim_setup(c, identity(1)) == -EPERM ? 0 : 1);
	}
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d", st);
}

namespace {

Result slot_cmd(Conn &c, unsigned int cmd, const char *name, __u64 handle,
		hsm_ref in, hsm_ref out)
{
	hsm_slot_params p{};
	strncpy(p.name, name, sizeof(p.name) - 1);
	hsm_op op{};
	op.handle = handle;
	op.resp_off = Conn::kResp;
	op.params = c.put_struct(kP, p);
	op.in = in;
	op.out = out;
	return c.run(cmd, op);
}

Bytes seal_slot(Conn &c, const char *name)
{
	Result r = slot_cmd(c, HSM_IOC_SLOT_SEAL, name, 0, {}, {kOut, 0x4000});
	cr_assert_gt(r.res, 0, "seal %s: %ld", name, r.res);
	return c.get({kOut, (uint32_t)r.res});
}

long unseal_slot(Conn &c, const char *name, const Bytes &blob)
{
	return slot_cmd(c, HSM_IOC_SLOT_UNSEAL, name, 0, c.put(kIn, blob)).res;
}

// The slot's material, through an exportable key.
Bytes slot_material(Conn &c, const char *name)
{
	Result r = slot_cmd(c, HSM_IOC_SLOT_OPEN, name);
	cr_assert_eq(r.res, 0, "open %s: %ld", name, r.res);
	hsm_op op{};
	op.handle = r.resp.value;
	op.resp_off = HSM_RESP_NONE;
	op.out = {kOut, 64};
	long n = c.run(HSM_IOC_KEY_EXPORT, op).res;
	cr_assert_eq(n, 32, "export: %ld", n);
	c.release(r.resp.value);
	return c.get({kOut, 32});
}

}  // namespace

Test(snp, sealed_slot_restores_only_under_its_measurement)
{
	Conn c;
	__u64 k = must_key(c, "aes-256-gcm", HSM_PERM_ENCRYPT | HSM_PERM_EXPORT, nullptr,
			   HSM_KEY_F_EXPORTABLE);
	cr_assert_eq(slot_cmd(c, HSM_IOC_SLOT_STORE, "sealed-a", k).res, 0);
	Bytes material = slot_material(c, "sealed-a");
	Bytes blob = seal_slot(c, "sealed-a");
	cr_expect_eq(memcmp(blob.data(), "HSMSEAL1", 8), 0);
	// The material is not in the blob in the clear.
	cr_expect(std::search(blob.begin(), blob.end(), material.begin(), material.end()) == blob.end());

	// Too short an output: EOVERFLOW and the length needed.
	Result r = slot_cmd(c, HSM_IOC_SLOT_SEAL, "sealed-a", 0, {}, {kOut, 10});
	cr_expect_eq(r.res, -EOVERFLOW);
	cr_expect_eq(r.resp.value, blob.size());

	cr_assert_eq(slot_cmd(c, HSM_IOC_SLOT_DELETE, "sealed-a").res, 0);
	cr_expect_eq(unseal_slot(c, "sealed-a", blob), 0);
	cr_expect(slot_material(c, "sealed-a") == material, "restored material");
	cr_expect_eq(unseal_slot(c, "sealed-a", blob), -EEXIST);
	cr_assert_eq(slot_cmd(c, HSM_IOC_SLOT_DELETE, "sealed-a").res, 0);

	// Another VM (measurement) cannot open it; the same VM can again.
	cr_assert_eq(sim_setup(c, identity(0x66)), 0);
	r = slot_cmd(c, HSM_IOC_SLOT_UNSEAL, "sealed-a", 0, c.put(kIn, blob));
	cr_expect_eq(r.res, -EBADMSG);
	cr_expect_eq(r.resp.status, HSM_STATUS_AUTH_FAILED);
	cr_assert_eq(sim_setup(c, identity(0x5a, 0x30001)), 0);	// another policy
	cr_expect_eq(unseal_slot(c, "sealed-a", blob), -EBADMSG);
	cr_assert_eq(sim_setup(c, identity(0x5a)), 0);

	// Truncated, unknown version, altered, another name.
	cr_expect_eq(unseal_slot(c, "sealed-a", Bytes(blob.begin(), blob.end() - 1)), -EINVAL);
	cr_expect_eq(unseal_slot(c, "sealed-a", Bytes(blob.begin(), blob.begin() + 20)), -EINVAL);
	Bytes v = blob;
	v[8] = 3;
	cr_expect_eq(unseal_slot(c, "sealed-a", v), -EINVAL);
	Bytes bad = blob;
	bad[bad.size() - 20] ^= 1;		// ciphertext
	cr_expect_eq(unseal_slot(c, "sealed-a", bad), -EBADMSG);
	bad = blob;
	bad[16 + 64 + 2] ^= 1;			// the algorithm name (metadata)
	cr_expect_eq(unseal_slot(c, "sealed-a", bad), -EBADMSG);
	cr_expect_eq(unseal_slot(c, "sealed-b", blob), -EBADMSG);
	cr_expect_eq(slot_cmd(c, HSM_IOC_SLOT_OPEN, "sealed-b").res, -ENOENT);

	cr_expect_eq(unseal_slot(c, "sealed-a", blob), 0);
	cr_expect(slot_material(c, "sealed-a") == material);
	cr_expect_eq(slot_cmd(c, HSM_IOC_SLOT_DELETE, "sealed-a").res, 0);
	cr_expect_eq(slot_cmd(c, HSM_IOC_SLOT_SEAL, "sealed-a", 0, {}, {kOut, 0x4000}).res, -ENOENT);
}

Test(snp, report_versions_2_3_and_5)
{
	Conn c;
	for (uint32_t v : {2u, 3u, 5u}) {
		hsm_snp_sim_params id = identity(0x5a);
		id.report_version = v;
		cr_assert_eq(sim_setup(c, id), 0);
		cr_assert_eq(report(c, pattern(64, 2)).res, HSM_SNP_REPORT_SIZE);
		Bytes rep = c.get({kOut, HSM_SNP_REPORT_SIZE});
		cr_expect_eq(le(rep, 0, 4), v);
		// CPUID family/model/stepping exist from version 3 on.
		cr_expect_eq(rep[0x188], v >= 3 ? 0x19 : 0, "version %u", v);
		cr_expect_eq(rep[0x18a], v >= 3 ? 0x01 : 0, "version %u", v);
		cr_expect_eq(rep[0x1ea], 1);	// current firmware major
		cr_expect_eq(rep[0x1e9], 55);	// minor
	}
}

Test(snp, root_key_select_and_tcb_change_the_key)
{
	Conn c;
	Bytes vcek = derived(c, HSM_SNP_GFS_MEASUREMENT);
	hsm_snp_key_params p = key_req(HSM_SNP_GFS_MEASUREMENT);
	p.root_key_select = 1;
	Result r = derive(c, p);
	cr_assert_eq(r.res, 0);
	cr_expect(export_key(c, r.resp.value) != vcek, "VMRK and VCEK roots differ");
	p = key_req(HSM_SNP_GFS_TCB_VERSION);
	p.tcb_version = kTcb;
	r = derive(c, p);
	cr_assert_eq(r.res, 0);
	Bytes current = export_key(c, r.resp.value);
	p.tcb_version = kTcb - 1;	// an older bootloader SPL
	r = derive(c, p);
	cr_assert_eq(r.res, 0);
	cr_expect(export_key(c, r.resp.value) != current, "an older TCB gives another key");
}

// An altered response: the layer refuses it, wipes its VMPCK and serves
// nothing more until the VM is "launched" again with new keys.
Test(snp, failed_exchange_disables_the_vmpck)
{
	Conn c;
	Bytes data = pattern(64, 8);
	hsm_snp_sim_params id = identity(0x5a);
	id.flags = HSM_SNP_SIM_F_CORRUPT_NEXT;
	cr_assert_eq(sim_setup(c, id), 0);
	Result r = report(c, data);
	cr_expect_eq(r.res, -EIO);
	cr_expect_eq(r.resp.status, HSM_STATUS_INTERNAL);
	cr_expect_eq(report(c, data).res, -EIO, "the VMPCK is gone");
	cr_expect_eq(derive(c, key_req(0)).res, -EIO);
	cr_expect_eq(slot_cmd(c, HSM_IOC_SLOT_UNSEAL, "x", 0, c.put(kIn, Bytes(300, 0))).res, -EINVAL);

	id.flags = HSM_SNP_SIM_F_RELAUNCH;
	cr_assert_eq(sim_setup(c, id), 0);
	cr_expect_eq(report(c, data).res, HSM_SNP_REPORT_SIZE);
	cr_expect_eq(derived(c, HSM_SNP_GFS_MEASUREMENT).size(), 32u);
	id.flags = 1U << 4;
	cr_expect_eq(sim_setup(c, id), -EINVAL);
}

namespace {

// A new launch: new VMPCKs, should a test have cost the old one.
void relaunch()
{
	Conn c;
	hsm_snp_sim_params id = identity(0x5a);
	id.flags = HSM_SNP_SIM_F_RELAUNCH;
	sim_setup(c, id);
}

}  // namespace

// An allocation failing in the guest, even while the PSP answers, is no
// failed exchange: the VMPCK stays and the next request is served.  Only
// a kernel with fault injection can fail one on purpose.
Test(snp, failed_allocation_keeps_the_vmpck, .fini = relaunch)
{
	FailNth fail;
	if (!fail.available())
		cr_skip_test("no fault injection (CONFIG_FAULT_INJECTION) in this kernel");
	Conn c(1 << 20, false);
	for (unsigned n = 1; n < 1000; n++) {
		hsm_op op{};
		op.resp_off = Conn::kResp;
		op.params = c.put_struct(kP, key_req(HSM_SNP_GFS_MEASUREMENT));
		fail.arm(n);
		long r = ioctl(c.fd(), HSM_IOC_SNP_DERIVE_KEY, &op);
		const int err = errno;
		const bool injected = fail.injected();
		cr_assert(r == 0 || err == ENOMEM, "fault point %u: %s", n, strerror(err));
		if (r == 0)
			c.release(reinterpret_cast<hsm_resp *>(c.at(Conn::kResp))->value);
		Result d = derive(c, key_req(HSM_SNP_GFS_MEASUREMENT));
		cr_assert_eq(d.res, 0, "after fault point %u the VMPCK is gone: %ld", n, d.res);
		c.release(d.resp.value);
		if (!injected)
			break;
	}
}

// A throttled request is retried by the layer with the same sequence
// number, after the firmware's delay, and succeeds.
Test(snp, busy_host_is_retried)
{
	Conn c;
	hsm_snp_sim_params id = identity(0x5a);
	id.flags = HSM_SNP_SIM_F_BUSY_NEXT;
	cr_assert_eq(sim_setup(c, id), 0);
	timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	Bytes data = pattern(64, 4);
	cr_expect_eq(report(c, data).res, HSM_SNP_REPORT_SIZE);
	clock_gettime(CLOCK_MONOTONIC, &b);
	cr_expect_geq(b.tv_sec - a.tv_sec + (b.tv_nsec - a.tv_nsec) / 1e9, 1.5, "it waited");
	Bytes rep = c.get({kOut, HSM_SNP_REPORT_SIZE});
	cr_expect(std::equal(data.begin(), data.end(), rep.begin() + 0x50));
	cr_expect_eq(report(c, data).res, HSM_SNP_REPORT_SIZE);
}
