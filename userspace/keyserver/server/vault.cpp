// SPDX-License-Identifier: MIT
//
// The vault's slots and the operations through them.  Every call copies
// its input into a buffer of the shared region and its output back out;
// the buffers are wiped when freed (libhsm's allocator does it).
#include "vault.hpp"

#include <cstring>

#include <openssl/crypto.h>
#include <openssl/rand.h>

namespace ks {

namespace {

using hsm::KeyOperationPermission;

struct SlotSpec {
	const char *suffix;
	const char *alg;
	KeyOperationPermission perms;
	std::uint32_t len;
};

constexpr KeyOperationPermission kEncDec = KeyOperationPermission::kEncrypt | KeyOperationPermission::kDecrypt;
constexpr KeyOperationPermission kMac = KeyOperationPermission::kSign | KeyOperationPermission::kVerify;

const SlotSpec kMaster{"-master", "aes-256-gcm", kEncDec, 0};
const SlotSpec kAudit{"-audit", "hmac-sha-256", kMac, 32};
const SlotSpec kTls{"-tls", "ecdsa-p256-sha256", KeyOperationPermission::kSign, 0};

std::string why(const hsm::Error &e) { return e.message; }

// The associated data of a sealed record: its kind and identity, each
// length-prefixed so that no two identities share an encoding.
Bytes identity(std::string_view kind, std::string_view user, std::string_view id)
{
	Bytes a{'k', 's', '1'};
	for (std::string_view s : {kind, user, id}) {
		a.push_back(std::uint8_t(s.size() >> 8));
		a.push_back(std::uint8_t(s.size()));
		a.insert(a.end(), s.begin(), s.end());
	}
	return a;
}

std::expected<hsm::CryptoResourceId, std::string> slot(const hsm::KeyManager &keys, const std::string &prefix,
							  const SlotSpec &s, bool create)
{
	hsm::KeySlot name(prefix + s.suffix);
	auto id = keys.resolve_slot(name);
	if (id)
		return *id;
	if (id.error().status != hsm::Status::kNotFound)
		return std::unexpected("slot " + prefix + s.suffix + ": " + why(id.error()));
	if (!create)
		return std::unexpected("slot " + prefix + s.suffix +
				       " is missing: restore the server's slots (hsmctl slots restore) in a VM of "
				       "the measurement that sealed them");
	hsm::GenerateKeyParams p;
	p.set_algorithm(s.alg).set_permissions(s.perms);
	if (s.len)
		p.set_key_length(s.len);
	if (auto g = keys.generate_key(name, p); !g)
		return std::unexpected("slot " + prefix + s.suffix + ": " + why(g.error()));
	id = keys.resolve_slot(name);
	if (!id)
		return std::unexpected("slot " + prefix + s.suffix + ": " + why(id.error()));
	return *id;
}

} // namespace

std::expected<std::unique_ptr<Vault>, std::string> Vault::open(const std::string &prefix, bool create)
{
	auto s = hsm::CryptoStack::create();
	if (!s)
		return std::unexpected("/dev/hsm: " + why(s.error()));
	std::unique_ptr<Vault> v(new Vault(std::move(*s)));
	if (auto r = v->resolve(prefix, create); !r)
		return std::unexpected(r.error());
	if (auto r = v->make_tls_pkey(); !r)
		return std::unexpected(r.error());
	return v;
}

std::expected<void, std::string> Vault::resolve(const std::string &prefix, bool create)
{
	auto keys = stack_.keys();
	auto m = slot(keys, prefix, kMaster, create);
	auto a = m ? slot(keys, prefix, kAudit, create) : m;
	auto t = a ? slot(keys, prefix, kTls, create) : a;
	if (!t)
		return std::unexpected(t.error());
	master_ = *m;
	audit_ = *a;
	tls_ = *t;
	return {};
}

Vault::~Vault()
{
	EVP_PKEY_free(tls_pkey_);
}

std::expected<Bytes, std::string> Vault::random(std::size_t n) const
{
	auto b = stack_.allocator().allocate(n);
	if (!b)
		return std::unexpected(why(b.error()));
	if (auto r = stack_.random(*b); !r)
		return std::unexpected(why(r.error()));
	return Bytes(b->data(), b->data() + n);
}

std::expected<Bytes, std::string> Vault::seal(std::string_view kind, std::string_view user, std::string_view id,
					      std::span<const std::uint8_t> plain) const
{
	Bytes aad = identity(kind, user, id);
	auto b = stack_.allocator().allocate(12 + aad.size() + 2 * plain.size() + 16);
	if (!b)
		return std::unexpected(why(b.error()));
	std::uint8_t *p = b->data();
	// A random nonce (2^-32 odds of a repeat after 2^32 records, SP 800-38D
	// 8.3) from OpenSSL's DRBG: a nonce is no secret, so a second trip to the
	// module per record would buy nothing.
	if (RAND_bytes(p, 12) != 1)
		return std::unexpected("random nonce: OpenSSL's DRBG failed");
	std::memcpy(p + 12, aad.data(), aad.size());
	std::memcpy(p + 12 + aad.size(), plain.data(), plain.size());
	std::size_t in = 12 + aad.size(), out = in + plain.size(), tag = out + plain.size();
	auto r = stack_.seal(master_, b->slice(0, 12), b->slice(12, aad.size()), b->slice(in, plain.size()),
			     b->slice(out, plain.size()), b->slice(tag, 16));
	if (!r)
		return std::unexpected(why(r.error()));
	Bytes sealed(p, p + 12);
	sealed.insert(sealed.end(), p + out, p + out + plain.size() + 16);
	return sealed;
}

std::optional<Bytes> Vault::open(std::string_view kind, std::string_view user, std::string_view id,
				 std::span<const std::uint8_t> sealed) const
{
	if (sealed.size() < 12 + 16)
		return std::nullopt;
	Bytes aad = identity(kind, user, id);
	std::size_t n = sealed.size() - 28;
	auto b = stack_.allocator().allocate(sealed.size() + aad.size() + n);
	if (!b)
		return std::nullopt;
	std::uint8_t *p = b->data();
	std::memcpy(p, sealed.data(), sealed.size());
	std::memcpy(p + sealed.size(), aad.data(), aad.size());
	std::size_t out = sealed.size() + aad.size();
	auto r = stack_.open(master_, b->slice(0, 12), b->slice(sealed.size(), aad.size()), b->slice(12, n),
			     b->slice(out, n), b->slice(12 + n, 16));
	if (!r)
		return std::nullopt;
	return Bytes(p + out, p + out + n);
}

std::expected<Bytes, std::string> Vault::mac(std::span<const std::uint8_t> msg) const
{
	auto b = stack_.allocator().allocate(msg.size() + 32);
	if (!b)
		return std::unexpected(why(b.error()));
	std::memcpy(b->data(), msg.data(), msg.size());
	auto r = stack_.mac(audit_, b->slice(0, msg.size()), b->slice(msg.size(), 32));
	if (!r)
		return std::unexpected(why(r.error()));
	return Bytes(b->data() + msg.size(), b->data() + msg.size() + 32);
}

bool Vault::mac_ok(std::span<const std::uint8_t> msg, std::span<const std::uint8_t> tag) const
{
	if (tag.size() != 32)
		return false;
	auto b = stack_.allocator().allocate(msg.size() + 32);
	if (!b)
		return false;
	std::memcpy(b->data(), msg.data(), msg.size());
	std::memcpy(b->data() + msg.size(), tag.data(), 32);
	return stack_.mac_verify(audit_, b->slice(0, msg.size()), b->slice(msg.size(), 32)).has_value();
}

std::expected<Bytes, std::string> Vault::tls_sign_digest(std::span<const std::uint8_t> digest) const
{
	auto b = stack_.allocator().allocate(digest.size() + 80);
	if (!b)
		return std::unexpected(why(b.error()));
	std::memcpy(b->data(), digest.data(), digest.size());
	hsm::SignFormat f;
	f.prehashed = true;
	auto r = stack_.sign(tls_, b->slice(0, digest.size()), b->slice(digest.size(), 80), f);
	if (!r)
		return std::unexpected(why(r.error()));
	return Bytes(b->data() + digest.size(), b->data() + digest.size() + *r);
}

std::expected<hsm::KeyAttestation, std::string> Vault::attest_tls(std::span<const std::uint8_t, HSM_KEY_NONCE_LEN> nonce) const
{
	auto a = stack_.keys().attest_key(tls_, nonce);
	if (!a)
		return std::unexpected(why(a.error()));
	return *a;
}

} // namespace ks
