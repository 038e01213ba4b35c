// SPDX-License-Identifier: GPL-2.0 OR MIT
// SEV-SNP report parsing and verification against real AMD reports and
// certificates (tests/data/snp, see its README for where each comes from).
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <criterion/criterion.h>

#include <hsm/snp.hpp>

using namespace hsm::snp;

namespace {

std::string data_path(const std::string &name)
{
	const char *dir = std::getenv("HSM_SNP_DATA");
	return std::string(dir ? dir : HSM_SNP_DATA) + "/" + name;
}

std::vector<std::uint8_t> read(const std::string &name)
{
	std::ifstream f(data_path(name), std::ios::binary);
	cr_assert(f.good(), "cannot open %s", data_path(name).c_str());
	return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

std::vector<std::uint8_t> read_hex(const std::string &name)
{
	auto text = read(name);
	std::vector<std::uint8_t> out;
	int hi = -1;
	for (auto c : text) {
		int v = c >= '0' && c <= '9' ? c - '0'
			: (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10 : -1;
		if (v < 0)
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			out.push_back(static_cast<std::uint8_t>(hi << 4 | v));
			hi = -1;
		}
	}
	return out;
}

Chain chain_of(std::initializer_list<const char *> files)
{
	Chain c;
	for (const char *f : files) {
		auto r = c.add_file(data_path(f));
		cr_assert(r.has_value(), "%s: %s", f, r ? "" : r.error().message.c_str());
	}
	return c;
}

const Check *find(const Verification &v, const std::string &name)
{
	for (const auto &c : v.checks)
		if (c.name == name)
			return &c;
	return nullptr;
}

std::string failures(const Verification &v)
{
	std::string s;
	for (const auto &c : v.checks)
		if (!c.passed)
			s += c.name + ": " + c.message + "; ";
	return s;
}

Verification must_verify(std::span<const std::uint8_t> report, const Chain &c, const Policy &p)
{
	auto v = verify(report, c, p);
	cr_assert(v.has_value(), "verify: %s", v ? "" : v.error().message.c_str());
	return *v;
}

void expect_ok(const char *what, std::span<const std::uint8_t> report, const Chain &c,
	       const Policy &p, Product prod)
{
	auto v = must_verify(report, c, p);
	cr_expect(v.ok, "%s: %s", what, failures(v).c_str());
	cr_expect(!v.simulated_root, "%s: AMD root taken as simulated", what);
	cr_expect(v.product == prod, "%s: product %s", what, to_string(v.product));
	cr_expect(v.checks.size() >= 15, "%s: only %zu checks", what, v.checks.size());
	auto sig = find(v, "report.signature");
	cr_expect(sig && sig->passed, "%s: no passing signature check", what);
}

// 2025-06-01T00:00:00Z: the trustee VLEK (expired 2025-12-10) was valid.
constexpr std::time_t vlek_time = 1748736000;

} // namespace

Test(snp_genuine, ms_milan_v3)
{
	expect_ok("ms milan", read("ms_milan_report.bin"),
		  chain_of({"ms_milan_vcek.pem", "ms_milan_ask.pem", "ms_milan_ark.pem"}), {},
		  Product::Milan);
}

Test(snp_genuine, ms_genoa_v3)
{
	expect_ok("ms genoa", read("ms_genoa_report.bin"),
		  chain_of({"ms_genoa_vcek.pem", "ms_genoa_chain.pem"}), {}, Product::Genoa);
}

Test(snp_genuine, ms_turin_v5)
{
	expect_ok("ms turin", read("ms_turin_report.bin"),
		  chain_of({"ms_turin_vcek.pem", "ms_turin_ask.pem", "ms_turin_ark.pem"}), {},
		  Product::Turin);
}

Test(snp_genuine, trustee_milan_v2_id_block)
{
	expect_ok("trustee", read("tr_test-report.bin"),
		  chain_of({"tr_test-vcek.der", "tr_milan_ask_ark_asvk.pem"}), {}, Product::Milan);
}

Test(snp_genuine, trustee_vlek_v3_before_expiry)
{
	Policy p;
	p.time = vlek_time;
	auto report = read("tr_test-vlek-report.bin");
	auto chain = chain_of({"tr_test-vlek.der", "tr_milan_ask_ark_asvk.pem"});
	expect_ok("vlek", report, chain, p, Product::Milan);
	auto v = must_verify(report, chain, p);
	cr_expect(find(v, "vlek.signed_by_asvk") && find(v, "vlek.signed_by_asvk")->passed);

	// A year later the VLEK certificate has expired.
	p.time = vlek_time + 365 * 86400;
	v = must_verify(report, chain, p);
	cr_expect(!v.ok);
	cr_expect(!find(v, "vlek.validity")->passed, "%s", failures(v).c_str());
}

Test(snp_genuine, virtee_milan_v2_hex)
{
	auto report = read_hex("vs_report_milan.hex");
	cr_assert_eq(report.size(), report_size);
	expect_ok("virtee", report, chain_of({"vs_vcek_milan.der", "vs_chain_milan"}), {},
		  Product::Milan);
}

Test(snp_genuine, gsg_debug_allowed_only_by_policy)
{
	auto report = read("gsg_attestation.bin");
	auto chain = chain_of({"gsg_vcek.der", "gsg_milan_chain.pem"});
	auto v = must_verify(report, chain, {});
	cr_expect(!v.ok, "a debug guest passed the default policy");
	for (const auto &c : v.checks)
		cr_expect(c.passed == (c.name != "policy.debug"), "%s: %s", c.name.c_str(),
			  c.message.c_str());
	Policy p;
	p.allow_debug = true;
	expect_ok("gsg with debug allowed", report, chain, p, Product::Milan);
}

Test(snp_genuine, builtin_ark_when_chain_has_none)
{
	expect_ok("no ark", read("ms_milan_report.bin"),
		  chain_of({"ms_milan_vcek.pem", "ms_milan_ask.pem"}), {}, Product::Milan);
}

Test(snp_negative, invalid_vceks_fail)
{
	auto report = read("tr_test-report.bin");
	for (const char *vcek : {"tr_test-vcek-invalid-legacy.der", "tr_test-vcek-invalid-new.der"}) {
		auto v = must_verify(report, chain_of({vcek, "tr_milan_ask_ark_asvk.pem"}), {});
		cr_expect(!v.ok, "%s verified", vcek);
		for (const char *n : {"vcek.signed_by_ask", "report.signature", "vcek.tcb", "vcek.hwid"})
			cr_expect(find(v, n) && !find(v, n)->passed, "%s: %s passed", vcek, n);
		// Both hwID encodings (raw, and wrapped in an OCTET STRING) are
		// read: the mismatch names the synthetic 00 01 02 ... 3f.
		auto hw = find(v, "vcek.hwid");
		cr_expect(hw->message.starts_with("hwID 000102030405"), "%s: %s", vcek,
			  hw->message.c_str());
	}
}

Test(snp_negative, other_reports_vcek_fails)
{
	auto v = must_verify(read("ms_milan_report.bin"),
			     chain_of({"tr_test-vcek.der", "tr_milan_ask_ark_asvk.pem"}), {});
	cr_expect(!v.ok);
	cr_expect(!find(v, "report.signature")->passed);
	cr_expect(!find(v, "vcek.tcb")->passed);
	cr_expect(!find(v, "vcek.hwid")->passed);
}

Test(snp_negative, wrong_generation_chain_fails)
{
	auto v = must_verify(read("ms_milan_report.bin"),
			     chain_of({"ms_milan_vcek.pem", "ms_genoa_chain.pem"}), {});
	cr_expect(!v.ok);
	cr_expect(!find(v, "vcek.signed_by_ask")->passed, "%s", failures(v).c_str());
}

Test(snp_negative, missing_vcek_fails)
{
	auto v = must_verify(read("ms_milan_report.bin"), chain_of({"ms_milan_chain.pem"}), {});
	cr_expect(!v.ok);
	cr_expect(!find(v, "report.signing_key")->passed);
}

Test(snp_negative, untrusted_root_fails)
{
	// The VCEK of a Turin report with its own chain, but an ARK that is
	// not the chain's: no trusted root signed it.
	Chain c = chain_of({"ms_turin_vcek.pem", "ms_turin_ask.pem", "ms_milan_ark.pem"});
	auto v = must_verify(read("ms_turin_report.bin"), c, {});
	cr_expect(!v.ok);
	cr_expect(!find(v, "ask.signed_by_ark")->passed, "%s", failures(v).c_str());
}

static void flip_every_signed_byte(const char *report_file,
				   std::initializer_list<const char *> certs)
{
	auto good = read(report_file);
	Chain c = chain_of(certs);
	for (std::size_t i = 0; i < signed_size; i++) {
		auto bad = good;
		bad[i] ^= 0xff;
		auto v = verify(bad, c, {});
		if (!v) {
			// Only the version word can make the report unparseable.
			cr_expect(i < 4, "byte 0x%zx: %s", i, v.error().message.c_str());
			continue;
		}
		cr_expect(!v->ok, "%s: flipping byte 0x%zx still verifies", report_file, i);
		// The signature fails, or the signer field no longer names a
		// key at all.
		auto sig = find(*v, "report.signature");
		auto key = find(*v, "report.signing_key");
		cr_expect(sig ? !sig->passed : key && !key->passed,
			  "%s: byte 0x%zx: signature still verifies", report_file, i);
	}
}

Test(snp_negative, flip_each_signed_byte_turin)
{
	flip_every_signed_byte("ms_turin_report.bin", {"ms_turin_vcek.pem", "ms_turin_chain.pem"});
}

Test(snp_negative, flip_each_signed_byte_milan_v2)
{
	flip_every_signed_byte("tr_test-report.bin", {"tr_test-vcek.der", "tr_milan_ask_ark_asvk.pem"});
}

Test(snp_negative, flip_signature_bytes)
{
	auto good = read("ms_genoa_report.bin");
	Chain c = chain_of({"ms_genoa_vcek.pem", "ms_genoa_chain.pem"});
	for (std::size_t i : {0x2A0u, 0x2C0u, 0x2CFu, 0x2E8u, 0x300u, 0x317u}) {
		auto bad = good;
		bad[i] ^= 0x01;
		auto v = must_verify(bad, c, {});
		cr_expect(!find(v, "report.signature")->passed, "byte 0x%zx", i);
	}
}

// Policy checks, on the trustee v2 report: guest SVN 4, VMPL 0, TCB
// bl3 tee0 snp8 ucode115, ID block present.
struct Fixture {
	std::vector<std::uint8_t> report = read("tr_test-report.bin");
	Chain chain = chain_of({"tr_test-vcek.der", "tr_milan_ask_ark_asvk.pem"});
	Report parsed = *parse_report(report);
};

static void expect_only(const Verification &v, const char *failing)
{
	cr_expect(!v.ok, "policy violation %s passed", failing);
	for (const auto &c : v.checks)
		cr_expect(c.passed == (c.name != failing), "%s: %s", c.name.c_str(),
			  c.message.c_str());
	cr_expect(find(v, failing) != nullptr, "no check %s", failing);
}

Test(snp_policy, exact_fields_match)
{
	Fixture f;
	Policy p;
	p.measurement = f.parsed.measurement;
	p.report_data = f.parsed.report_data;
	p.host_data = f.parsed.host_data;
	p.id_key_digest = f.parsed.id_key_digest;
	p.author_key_digest = f.parsed.author_key_digest;
	p.vmpl = 0;
	p.min_guest_svn = 4;
	p.min_tcb = MinTcb{0, 3, 0, 8, 115};
	auto v = must_verify(f.report, f.chain, p);
	cr_expect(v.ok, "%s", failures(v).c_str());
	for (const char *n : {"policy.measurement", "policy.report_data", "policy.host_data",
			      "policy.id_key_digest", "policy.author_key_digest", "policy.vmpl",
			      "policy.min_guest_svn", "policy.min_tcb"})
		cr_expect(find(v, n) && find(v, n)->passed, "%s", n);
}

Test(snp_policy, measurement_mismatch)
{
	Fixture f;
	Policy p;
	p.measurement = f.parsed.measurement;
	(*p.measurement)[47] ^= 1;
	expect_only(must_verify(f.report, f.chain, p), "policy.measurement");
}

Test(snp_policy, report_data_mismatch)
{
	Fixture f;
	Policy p;
	p.report_data = f.parsed.report_data;
	(*p.report_data)[0] ^= 0x80;
	expect_only(must_verify(f.report, f.chain, p), "policy.report_data");
}

Test(snp_policy, host_data_and_digests_mismatch)
{
	Fixture f;
	Policy p;
	p.host_data = std::array<std::uint8_t, 32>{1};
	expect_only(must_verify(f.report, f.chain, p), "policy.host_data");
	Policy q;
	q.id_key_digest = f.parsed.id_key_digest;
	(*q.id_key_digest)[5] ^= 1;
	expect_only(must_verify(f.report, f.chain, q), "policy.id_key_digest");
	Policy r;
	r.author_key_digest = std::array<std::uint8_t, 48>{};
	r.author_key_digest->fill(0xAA);
	expect_only(must_verify(f.report, f.chain, r), "policy.author_key_digest");
}

Test(snp_policy, vmpl_mismatch)
{
	Fixture f;
	Policy p;
	p.vmpl = 1;
	expect_only(must_verify(f.report, f.chain, p), "policy.vmpl");
}

Test(snp_policy, min_tcb_each_component)
{
	Fixture f;
	MinTcb base{0, 3, 0, 8, 115};
	for (int comp = 0; comp < 4; comp++) {
		MinTcb m = base;
		(comp == 0 ? m.bootloader : comp == 1 ? m.tee : comp == 2 ? m.snp : m.microcode)++;
		Policy p;
		p.min_tcb = m;
		expect_only(must_verify(f.report, f.chain, p), "policy.min_tcb");
	}
}

Test(snp_policy, min_tcb_turin_fmc)
{
	auto report = read("ms_turin_report.bin");
	Chain c = chain_of({"ms_turin_vcek.pem", "ms_turin_chain.pem"});
	Policy p;
	p.min_tcb = MinTcb{1, 1, 1, 4, 0x51};
	cr_expect(must_verify(report, c, p).ok);
	p.min_tcb = MinTcb{2, 1, 1, 4, 0x51};
	expect_only(must_verify(report, c, p), "policy.min_tcb");
}

Test(snp_policy, min_guest_svn)
{
	Fixture f;
	Policy p;
	p.min_guest_svn = 5;
	expect_only(must_verify(f.report, f.chain, p), "policy.min_guest_svn");
}

Test(snp_policy, smt_refused_when_not_allowed)
{
	Fixture f;
	Policy p;
	p.allow_smt = false;
	expect_only(must_verify(f.report, f.chain, p), "policy.smt");
}

Test(snp_parse, fields_of_real_reports)
{
	auto t = parse_report(read("ms_turin_report.bin"));
	cr_assert(t.has_value());
	cr_expect_eq(t->version, 5u);
	cr_expect(t->product == Product::Turin);
	cr_expect(t->tcb_layout == TcbLayout::Turin);
	cr_expect_eq(t->reported_tcb.raw, 0x5100000004010101ull);
	cr_expect_eq(t->reported_tcb.fmc, 1);
	cr_expect_eq(t->reported_tcb.bootloader, 1);
	cr_expect_eq(t->reported_tcb.tee, 1);
	cr_expect_eq(t->reported_tcb.snp, 4);
	cr_expect_eq(t->reported_tcb.microcode, 0x51);
	cr_expect_eq(t->platform_info, 0x65u);
	cr_expect(t->has_mit_vectors);
	cr_expect_eq(t->cpuid_fam_id, 0x1A);
	cr_expect_eq(t->cpuid_mod_id, 0x02);
	cr_expect(t->nonzero_reserved.empty());

	auto g = parse_report(read("gsg_attestation.bin"));
	cr_assert(g.has_value());
	cr_expect_eq(g->version, 2u);
	cr_expect_eq(g->policy, 0xb0000u);
	cr_expect(g->debug());
	cr_expect(!g->has_cpuid);
	cr_expect(g->tcb_layout == TcbLayout::Legacy);
	cr_expect_eq(g->reported_tcb.bootloader, 2);
	cr_expect_eq(g->reported_tcb.tee, 0);
	cr_expect_eq(g->reported_tcb.snp, 5);
	cr_expect_eq(g->reported_tcb.microcode, 68);
	for (int i = 0; i < 4; i++)
		cr_expect_eq(g->report_data[i], i + 1);

	auto l = parse_report(read("tr_test-vlek-report.bin"));
	cr_assert(l.has_value());
	cr_expect_eq(l->signing_key, static_cast<std::uint8_t>(SigningKey::Vlek));
	cr_expect_eq(l->vmpl, 1u);
	cr_expect_eq(l->current_tcb.microcode, 220);
	cr_expect_eq(l->reported_tcb.microcode, 217);
	cr_expect_eq(l->committed_tcb.microcode, 219);
	for (auto b : l->report_id_ma)
		cr_expect_eq(b, 0xff);
}

Test(snp_parse, truncated_and_oversized)
{
	auto good = read("ms_milan_report.bin");
	for (std::size_t n : {std::size_t{0}, std::size_t{4}, signed_size, report_size - 1}) {
		auto r = parse_report(std::span(good).first(n));
		cr_assert(!r.has_value(), "%zu bytes parsed", n);
		cr_expect(r.error().status == hsm::Status::InvalidArgument);
	}
	auto big = good;
	big.push_back(0);
	cr_expect(!parse_report(big).has_value());
	auto v = verify(std::span(good).first(100), Chain{}, {});
	cr_expect(!v.has_value());
}

Test(snp_parse, unknown_versions)
{
	auto good = read("ms_milan_report.bin");
	for (std::uint32_t ver : {0u, 1u, 6u, 0x100u, 0xffffffffu}) {
		auto bad = good;
		for (int i = 0; i < 4; i++)
			bad[i] = static_cast<std::uint8_t>(ver >> (8 * i));
		auto r = parse_report(bad);
		cr_assert(!r.has_value(), "version %u parsed", ver);
		cr_expect(r.error().status == hsm::Status::Unsupported);
	}
}

Test(snp_parse, reserved_bytes_reported)
{
	auto bad = read("ms_milan_report.bin");
	bad[0x400] = 1;		// outside the signed region
	auto r = parse_report(bad);
	cr_assert(r.has_value());
	cr_assert_eq(r->nonzero_reserved.size(), 1u);
	cr_expect_eq(r->nonzero_reserved[0], 0x400u);
	auto v = must_verify(bad, chain_of({"ms_milan_vcek.pem", "ms_milan_chain.pem"}), {});
	expect_only(v, "report.reserved");
}

// A GHCB certificate table as the module returns it.
static std::vector<std::uint8_t> make_table(
	std::initializer_list<std::pair<const char *, std::vector<std::uint8_t>>> entries)
{
	std::vector<std::uint8_t> t((entries.size() + 1) * 24, 0);
	std::size_t e = 0;
	for (const auto &[guid, der] : entries) {
		std::size_t n = 0;
		for (const char *p = guid; *p; p++) {
			if (*p == '-')
				continue;
			t[e * 24 + n++] = static_cast<std::uint8_t>(std::stoi(std::string(p, 2), nullptr, 16));
			p++;
		}
		std::uint32_t off = static_cast<std::uint32_t>(t.size()), len = static_cast<std::uint32_t>(der.size());
		for (int i = 0; i < 4; i++) {
			t[e * 24 + 16 + i] = static_cast<std::uint8_t>(off >> (8 * i));
			t[e * 24 + 20 + i] = static_cast<std::uint8_t>(len >> (8 * i));
		}
		t.insert(t.end(), der.begin(), der.end());
		e++;
	}
	t.resize((t.size() + 4095) / 4096 * 4096, 0);
	return t;
}

Test(snp_certs, cert_table_round_trip)
{
	Chain files = chain_of({"ms_turin_vcek.pem", "ms_turin_chain.pem"});
	auto table = make_table({{guid_ark, files.ark}, {guid_ask, files.ask}, {guid_vcek, files.vcek}});
	cr_expect_eq(table[0], 0xc0);
	cr_expect_eq(table[1], 0xb4);
	auto c = parse_cert_table(table);
	cr_assert(c.has_value(), "%s", c ? "" : c.error().message.c_str());
	cr_expect(c->ark == files.ark && c->ask == files.ask && c->vcek == files.vcek);
	auto v = must_verify(read("ms_turin_report.bin"), *c, {});
	cr_expect(v.ok, "%s", failures(v).c_str());
}

Test(snp_certs, cert_table_vlek)
{
	Chain files = chain_of({"tr_test-vlek.der", "tr_milan_ask_ark_asvk.pem"});
	auto table = make_table({{guid_ark, files.ark}, {guid_ask, files.asvk}, {guid_vlek, files.vlek}});
	auto c = parse_cert_table(table);
	cr_assert(c.has_value());
	cr_expect(c->asvk == files.asvk && c->ask.empty());
	Policy p;
	p.time = vlek_time;
	auto v = must_verify(read("tr_test-vlek-report.bin"), *c, p);
	cr_expect(v.ok, "%s", failures(v).c_str());
}

Test(snp_certs, cert_table_errors)
{
	Chain files = chain_of({"ms_milan_vcek.pem", "ms_milan_chain.pem"});
	auto table = make_table({{guid_ark, files.ark}, {guid_vcek, files.vcek}});
	// No terminator: the buffer ends inside the entries.
	cr_expect(!parse_cert_table(std::span(table).first(40)).has_value());
	cr_expect(!parse_cert_table({}).has_value());
	// Length past the end of the buffer.
	auto bad = table;
	bad[20 + 3] = 0x7f;
	cr_expect(!parse_cert_table(bad).has_value());
	// Offset past the end.
	bad = table;
	bad[16 + 3] = 0x10;
	cr_expect(!parse_cert_table(bad).has_value());
	// A certificate that is not DER.
	bad = table;
	bad[bad[16] | bad[17] << 8] ^= 0xff;
	cr_expect(!parse_cert_table(bad).has_value());
	// One GUID twice.
	auto twice = make_table({{guid_vcek, files.vcek}, {guid_vcek, files.vcek}});
	cr_expect(!parse_cert_table(twice).has_value());
	// An empty table (just the terminator) is an empty chain.
	std::vector<std::uint8_t> empty(24, 0);
	auto c = parse_cert_table(empty);
	cr_assert(c.has_value());
	cr_expect(c->ark.empty() && c->vcek.empty());
}

Test(snp_certs, load_errors)
{
	Chain c;
	std::vector<std::uint8_t> junk(100, 0x30);
	cr_expect(!c.add(junk).has_value());
	std::string pem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
	cr_expect(!c.add(std::span(reinterpret_cast<const std::uint8_t *>(pem.data()), pem.size())).has_value());
	cr_expect(!c.add_file(data_path("does-not-exist.pem")).has_value());
	cr_expect(c.add_file(data_path("ms_milan_chain.pem")).has_value());
	// A different ARK for a filled slot is refused.
	cr_expect(!c.add_file(data_path("ms_genoa_ark.pem")).has_value());
	auto certs = load_certs(read("tr_milan_ask_ark_asvk.pem"));
	cr_assert(certs.has_value());
	cr_expect_eq(certs->size(), 3u);
}

// sim_*: a non-AMD chain (tests/data/snp/mksim.py), standing in for the
// module's simulator.
Test(snp_simulated, refused_unless_trusted)
{
	auto report = read("sim_report.bin");
	auto chain = chain_of({"sim_vcek.pem", "sim_ask.pem", "sim_ark.pem"});
	auto v = must_verify(report, chain, {});
	expect_only(v, "root.trusted");
	cr_expect(!v.simulated_root);

	// Without the ARK in the chain, no compiled-in root signed the ASK.
	auto w = must_verify(report, chain_of({"sim_vcek.pem", "sim_ask.pem"}), {});
	cr_expect(!w.ok);
	cr_expect(!find(w, "root.trusted")->passed);
}

Test(snp_simulated, verifies_with_explicit_root_and_says_so)
{
	auto report = read("sim_report.bin");
	Policy p;
	p.extra_roots.push_back(read("sim_ark.pem"));
	std::array<std::uint8_t, 64> rd;
	for (std::size_t i = 0; i < rd.size(); i++)
		rd[i] = static_cast<std::uint8_t>(i);
	p.report_data = rd;
	for (auto chain : {chain_of({"sim_vcek.pem", "sim_ask.pem", "sim_ark.pem"}),
			   chain_of({"sim_vcek.pem", "sim_ask.pem"})}) {
		auto v = must_verify(report, chain, p);
		cr_expect(v.ok, "%s", failures(v).c_str());
		cr_expect(v.simulated_root);
		cr_expect(v.product == Product::Genoa);
		auto t = find(v, "root.trusted");
		cr_expect(t && t->message.find("SIMULATED") != std::string::npos, "%s",
			  t ? t->message.c_str() : "no root.trusted check");
	}

	// The same trust option does not make an AMD report simulated.
	auto a = must_verify(read("ms_genoa_report.bin"),
			     chain_of({"ms_genoa_vcek.pem", "ms_genoa_chain.pem"}), p);
	cr_expect(!a.simulated_root);
	expect_only(a, "policy.report_data");
}

Test(snp_simulated, cert_table_and_der_root)
{
	Chain files = chain_of({"sim_vcek.pem", "sim_ask.pem", "sim_ark.pem"});
	auto table = make_table({{guid_ark, files.ark}, {guid_ask, files.ask}, {guid_vcek, files.vcek}});
	auto c = parse_cert_table(table);
	cr_assert(c.has_value());
	Policy p;
	p.extra_roots.push_back(files.ark);	// DER this time
	auto v = must_verify(read("sim_report.bin"), *c, p);
	cr_expect(v.ok && v.simulated_root, "%s", failures(v).c_str());
	// A garbage extra root is an error, not a silent skip.
	p.extra_roots.push_back(std::vector<std::uint8_t>(10, 0x42));
	cr_expect(!verify(read("sim_report.bin"), *c, p).has_value());
}

Test(snp_negative, product_name_must_match_chain)
{
	// A Milan VCEK (productName "Milan-B0") cannot vouch under a Genoa
	// root, whatever else fails.
	auto v = must_verify(read("ms_genoa_report.bin"),
			     chain_of({"ms_milan_vcek.pem", "ms_genoa_chain.pem"}), {});
	cr_expect(!v.ok);
	auto p = find(v, "report.product");
	cr_expect(p && !p->passed && p->message.find("Milan-B0") != std::string::npos, "%s",
		  p ? p->message.c_str() : "no check");
}
