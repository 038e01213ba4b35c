// SPDX-License-Identifier: MIT
//
// Attested TLS, client side: the server's KEY_ATTEST statement and SEV-SNP
// report for its TLS key, checked with libhsm's verifier against the
// client's policy and against the public key of this very connection's
// certificate, so that an attestation cannot be relayed from another
// server.
#include <fstream>
#include <iterator>

#include <openssl/rand.h>
#include <openssl/x509.h>

#include <hsm/attest.hpp>

#include "client.hpp"
#include "link.hpp"

namespace ks {

namespace {

ClientError refused(const std::string &m)
{
	return {Code::kNotAttested, m};
}

} // namespace

ClientResult<void> KeyClient::require_attestation(const AttestationPolicy &p)
{
	hsm::snp::Chain chain;
	for (const auto &f : p.snp_chain_files)
		if (auto r = chain.add_file(f); !r)
			return std::unexpected(refused(f + ": " + r.error().message));
	hsm::KeyPolicy kp;
	if (RAND_bytes(kp.nonce.data(), int(kp.nonce.size())) != 1)
		return std::unexpected(refused("no randomness"));
	unsigned char *der = nullptr;
	int n = link_->peer_key() ? i2d_PUBKEY(link_->peer_key(), &der) : -1;
	if (n <= 0)
		return std::unexpected(refused("the connection has no server key"));
	kp.spki = std::vector<std::uint8_t>(der, der + n);
	OPENSSL_free(der);
	auto a = link_->exchange(Writer(Msg::kAttest).raw(kp.nonce).take());
	if (!a)
		return std::unexpected(a.error());
	if (a->empty() || Msg((*a)[0]) != Msg::kOk)
		return std::unexpected(error_of(*a));
	Reader r(*a);
	r.u8();
	hsm::KeyAttestation ka;
	ka.platform = std::uint32_t(r.u64());
	ka.statement = r.bytes(64 * 1024);
	ka.evidence = r.bytes(64 * 1024);
	if (!r.done())
		return std::unexpected(refused("the attestation does not parse"));
	hsm::snp::Policy pol;
	pol.measurement = p.measurement;
	for (const auto &f : p.extra_root_files) {
		std::ifstream in(f, std::ios::binary);
		std::vector<std::uint8_t> root{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
		if (root.empty())
			return std::unexpected(refused(f + ": cannot read it"));
		pol.extra_roots.push_back(std::move(root));
	}
	auto v = hsm::verify_key_attestation(ka, kp, chain, pol);
	if (!v)
		return std::unexpected(refused(v.error().message));
	if (!v->ok) {
		const hsm::KeyCheck *k = v->first_failure();
		std::string why = k ? k->name + ": " + k->message : "the report does not verify";
		if (!k && v->snp)
			for (const auto &c : v->snp->checks)
				if (!c.passed) {
					why = c.name + ": " + c.message;
					break;
				}
		return std::unexpected(refused(why));
	}
	return {};
}

} // namespace ks
