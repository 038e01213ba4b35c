// SPDX-License-Identifier: MIT
//
// Key attestation, the relying party's side: the statement parsed, its
// digest pinned as the evidence's report data, the evidence verified by
// the platform's verifier, then the statement checked against the key
// policy.
#include <cerrno>
#include <cstring>

#include <openssl/evp.h>

#include "hsm/attest.hpp"

namespace hsm {

namespace {

std::uint32_t le32(const std::uint8_t *p)
{
	return std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16 |
	       std::uint32_t(p[3]) << 24;
}

std::uint64_t le64(const std::uint8_t *p)
{
	return std::uint64_t(le32(p)) | std::uint64_t(le32(p + 4)) << 32;
}

// A NUL-padded name of a fixed field: its characters, or nullopt when it
// has no NUL or garbage after it.
std::optional<std::string> padded_name(const char *f, std::size_t n)
{
	const std::size_t len = strnlen(f, n);
	if (len == n)
		return std::nullopt;
	for (std::size_t i = len; i < n; i++)
		if (f[i])
			return std::nullopt;
	return std::string(f, len);
}

std::unexpected<Error> bad(const std::string &why)
{
	return fail(Status::kInvalidArgument, EINVAL, "key statement: " + why);
}

void check(KeyVerification &v, const char *name, bool passed, std::string message)
{
	v.checks.push_back({name, passed, std::move(message)});
}

std::string hex(std::span<const std::uint8_t> b)
{
	static const char digits[] = "0123456789abcdef";
	std::string s;
	for (std::uint8_t x : b) {
		s += digits[x >> 4];
		s += digits[x & 15];
	}
	return s;
}

// The statement's checks against the key policy, once the evidence's
// verdict is in.
void check_key(KeyVerification &v, const KeyPolicy &kp, std::uint32_t platform)
{
	const KeyStatement &s = v.statement;
	check(v, "key.platform", s.platform == platform,
	      "statement names platform " + std::to_string(s.platform) + ", evidence is " +
		      std::to_string(platform));
	check(v, "key.nonce", s.nonce == kp.nonce, "statement nonce " + hex(s.nonce));
	if (kp.require_never_left)
		check(v, "key.never_left", s.never_left(),
		      "flags " + std::to_string(s.flags) + " (LOCAL set and EXPORTABLE clear required)");
	if (kp.spki)
		check(v, "key.spki", s.spki == *kp.spki, "the statement's public key differs");
	if (kp.algorithm)
		check(v, "key.algorithm", s.algorithm == *kp.algorithm, "algorithm " + s.algorithm);
	if (kp.uid)
		check(v, "key.uid", s.uid == *kp.uid, "uid " + std::to_string(s.uid));
	v.key_ok = v.first_failure() == nullptr;
	v.ok = v.evidence_ok && v.key_ok;
}

using Digest = std::array<std::uint8_t, 64>;

// What both platforms share: the statement parsed, `evidence` run with
// its digest as the report data the evidence must carry (it records its
// verdict in v), then the key checks.
template <typename Evidence>
Result<KeyVerification> verify_statement(const KeyAttestation &a, const KeyPolicy &key,
					 std::uint32_t platform, Evidence evidence)
{
	auto s = parse_key_statement(a.statement);
	if (!s)
		return std::unexpected(s.error());
	auto d = key_statement_digest(a.statement);
	if (!d)
		return std::unexpected(d.error());
	KeyVerification v;
	v.statement = std::move(*s);
	if (auto ok = evidence(*d, v); !ok)
		return std::unexpected(ok.error());
	check_key(v, key, platform);
	return v;
}

} // namespace

Result<KeyStatement> parse_key_statement(std::span<const std::uint8_t> b)
{
	constexpr std::size_t hdr = sizeof(hsm_key_statement);
	if (b.size() < hdr)
		return bad("shorter than its header");
	hsm_key_statement st;
	std::memcpy(&st, b.data(), hdr);
	auto magic = padded_name(st.magic, sizeof(st.magic));
	if (!magic || *magic != HSM_KEY_STATEMENT_MAGIC)
		return bad("not a statement (magic)");
	auto alg = padded_name(st.alg, sizeof(st.alg));
	if (!alg || alg->empty())
		return bad("the algorithm name is not NUL-padded");
	const auto *raw = b.data();
	const std::uint32_t spki_len = le32(raw + offsetof(hsm_key_statement, spki_len));
	if (spki_len == 0 || b.size() - hdr != spki_len)
		return bad("the public key's length disagrees with the statement's");
	KeyStatement s;
	s.uid = le32(raw + offsetof(hsm_key_statement, uid));
	s.platform = le32(raw + offsetof(hsm_key_statement, platform));
	s.algorithm = *alg;
	s.permissions = le64(raw + offsetof(hsm_key_statement, perms));
	s.flags = le32(raw + offsetof(hsm_key_statement, flags));
	s.spki.assign(b.begin() + hdr, b.end());
	std::memcpy(s.nonce.data(), st.nonce, s.nonce.size());
	return s;
}

Result<std::array<std::uint8_t, 64>> key_statement_digest(std::span<const std::uint8_t> statement)
{
	std::array<std::uint8_t, 64> d{};
	unsigned int n = 0;
	if (EVP_Digest(statement.data(), statement.size(), d.data(), &n, EVP_sha512(), nullptr) != 1 ||
	    n != d.size())
		return fail(Status::kInternal, EIO, "key statement: SHA-512 failed");
	return d;
}

const KeyCheck *KeyVerification::first_failure() const noexcept
{
	for (const KeyCheck &c : checks)
		if (!c.passed)
			return &c;
	return nullptr;
}

Result<KeyVerification> verify_key_attestation(const KeyAttestation &a, const KeyPolicy &key,
					       const snp::Chain &chain, snp::Policy policy)
{
	return verify_statement(a, key, HSM_PLATFORM_SEV_SNP,
				[&](const Digest &d, KeyVerification &v) -> Result<void> {
					policy.report_data = d;
					auto e = snp::verify(a.evidence, chain, policy);
					if (!e)
						return std::unexpected(e.error());
					v.evidence_ok = e->ok;
					v.snp = std::move(*e);
					return {};
				});
}

Result<KeyVerification> verify_key_attestation(const KeyAttestation &a, const KeyPolicy &key,
					       const tdx::Collateral &collateral, tdx::Policy policy)
{
	return verify_statement(a, key, HSM_PLATFORM_TDX,
				[&](const Digest &d, KeyVerification &v) -> Result<void> {
					policy.report_data = d;
					auto e = tdx::verify(a.evidence, collateral, policy);
					if (!e)
						return std::unexpected(e.error());
					v.evidence_ok = e->ok;
					v.tdx = std::move(*e);
					return {};
				});
}

} // namespace hsm
