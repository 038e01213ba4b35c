// SPDX-License-Identifier: GPL-2.0 OR MIT
// hsmctl's commands on one slot's key pair: attest --key (the key's
// statement and the platform's evidence over it, to files, for a relying
// party to check with libhsm's verify_key_attestation()) and pubkey (its
// public key as PEM).
#include <cerrno>
#include <cstdio>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <string>

#include "platform.h"
#include "safe_file.h"

namespace hsmctl {

namespace {

constexpr __u32 kParams = Session::kParams, kResp = Session::kResp, kOut = Session::kOut,
		kTag = Session::kTag;

// SLOT_OPEN of the caller's (or the group's) slot: the key's ID in this
// session, or 0 once the error is printed.
__u64 open_slot(Session &s, const std::string &name, bool group)
{
	if (name.empty() || name.size() >= HSM_ALG_NAME_LEN) {
		std::fprintf(stderr, "hsmctl: slot names are 1..%d bytes\n", HSM_ALG_NAME_LEN - 1);
		return 0;
	}
	hsm_slot_params p{};
	std::memcpy(p.name, name.data(), name.size());
	p.flags = group ? HSM_SLOT_F_GROUP : 0;
	hsm_op op{};
	op.resp_off = kResp;
	op.params = s.put(kParams, p);
	long r = s.run(HSM_IOC_SLOT_OPEN, op);
	if (r < 0) {
		fail("slot " + printable(name), -r);
		return 0;
	}
	return s.resp().value;
}

// An SPKI (DER) as PEM text; false if it does not parse.
bool spki_pem(const Bytes &der, Bytes &pem)
{
	const uint8_t *p = der.data();
	EVP_PKEY *k = d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size()));
	bool ok = k && pem_text([k](BIO *b) { return PEM_write_bio_PUBKEY(b, k); }, pem);
	EVP_PKEY_free(k);
	ERR_clear_error();
	return ok;
}

struct SlotArgs {
	std::string name;
	bool group = false;
};

}  // namespace

// hsmctl attest --key SLOT [--group] [--snp|--tdx] [--nonce HEX] [--vmpl N] --out DIR
int attest_key(const Options &opt, const std::vector<std::string> &args)
{
	static const char usage[] = "usage: attest --key SLOT [--group] [--snp|--tdx] [--nonce HEX] "
				    "[--vmpl N] --out DIR";
	SlotArgs slot;
	std::string dir;
	hsm_key_attest_params p{};
	for (size_t i = 0; i < args.size(); i++) {
		const std::string &a = args[i];
		bool more = i + 1 < args.size();
		if (a == "--key" && more)
			slot.name = args[++i];
		else if (a == "--group")
			slot.group = true;
		else if (a == "--snp")
			p.platform = HSM_PLATFORM_SEV_SNP;
		else if (a == "--tdx")
			p.platform = HSM_PLATFORM_TDX;
		else if (a == "--out" && more)
			dir = args[++i];
		else if (a == "--nonce" && more) {
			if (!hex_opt(a, args[++i], p.nonce, sizeof(p.nonce)))
				return 2;
		} else if (a == "--vmpl" && more) {
			uint64_t v;
			if (!number(a, args[++i], 3, v))
				return 2;
			p.vmpl = static_cast<__u32>(v);
		} else
			return usage_error(usage);
	}
	if (dir.empty() || slot.name.empty())
		return usage_error(usage);
	SafeDir out;
	if (auto e = out.open(dir, true); !e.empty())
		return refuse(e);
	Session s(opt);
	const __u64 key = open_slot(s, slot.name, slot.group);
	if (!key)
		return 1;
	hsm_op op{};
	op.handle = key;
	op.resp_off = kResp;
	op.params = s.put(kParams, p);
	op.out = {kOut, static_cast<__u32>(HSM_KEY_STATEMENT_MAX)};
	op.tag = {kTag, HSM_TDX_QUOTE_MAX};
	long n = s.run(HSM_IOC_KEY_ATTEST, op);
	if (n < 0)
		return fail("HSM_IOC_KEY_ATTEST", -n);
	const __u64 ev = s.resp().value;
	if (n < static_cast<long>(sizeof(hsm_key_statement)) || ev > HSM_TDX_QUOTE_MAX)
		return fail("HSM_IOC_KEY_ATTEST: lengths", EPROTO);
	const Bytes st = s.get(kOut, static_cast<size_t>(n));
	Bytes pem;
	if (!spki_pem(Bytes(st.begin() + sizeof(hsm_key_statement), st.end()), pem))
		return fail("the statement's public key", EPROTO);
	__u32 platform;
	std::memcpy(&platform, st.data() + offsetof(hsm_key_statement, platform), sizeof(platform));
	const std::pair<const char *, Bytes> files[] = {
		{"statement.bin", st},
		{platform == HSM_PLATFORM_TDX ? "quote.bin" : "report.bin", s.get(kTag, ev)},
		{"pubkey.pem", pem},
	};
	for (const auto &[name, bytes] : files) {
		if (auto e = out.write(name, bytes); !e.empty())
			return refuse(e);
		std::printf("%s\n", printable(out.path(name)).c_str());
	}
	if (auto e = out.sync(); !e.empty())
		return refuse(e);
	return 0;
}

// hsmctl pubkey SLOT [--group]: the slot's public key as PEM on stdout.
int cmd_pubkey(const Options &opt, const std::vector<std::string> &args)
{
	SlotArgs slot;
	for (const std::string &a : args) {
		if (a == "--group")
			slot.group = true;
		else if (slot.name.empty() && !a.starts_with("--"))
			slot.name = a;
		else
			return usage_error("usage: pubkey SLOT [--group]");
	}
	if (slot.name.empty())
		return usage_error("usage: pubkey SLOT [--group]");
	Session s(opt);
	const __u64 key = open_slot(s, slot.name, slot.group);
	if (!key)
		return 1;
	hsm_op op{};
	op.handle = key;
	op.resp_off = HSM_RESP_NONE;
	op.out = {kOut, HSM_WORKER_KEY_MAX};
	long n = s.run(HSM_IOC_KEY_PUBLIC, op);
	if (n < 0)
		return fail("HSM_IOC_KEY_PUBLIC", -n);
	Bytes pem;
	if (!spki_pem(s.get(kOut, static_cast<size_t>(n)), pem))
		return refuse("pubkey: not a key pair's public key (KEY_PUBLIC gave no SubjectPublicKeyInfo)");
	std::fwrite(pem.data(), 1, pem.size(), stdout);
	return 0;
}

}  // namespace hsmctl
