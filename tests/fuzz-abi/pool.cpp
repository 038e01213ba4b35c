// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "pool.hpp"

#include <algorithm>
#include <cstring>

#include <linux/hsm.h>

namespace fz {

namespace {

constexpr uint64_t kCrypt = HSM_PERM_ENCRYPT | HSM_PERM_DECRYPT;
constexpr uint64_t kMac = HSM_PERM_SIGN | HSM_PERM_VERIFY;
constexpr uint64_t kWrap = HSM_PERM_WRAP | HSM_PERM_UNWRAP;

// One or two algorithms of every kind of key, with the permissions a
// valid command of each kind needs.
constexpr KeySpec kSpecs[] = {
	{"aes-128-gcm", K_AEAD, kCrypt, 16, false},
	{"aes-256-gcm", K_AEAD, kCrypt, 32, false},
	{"chacha20-poly1305", K_AEAD, kCrypt, 32, false},
	{"aes-128-cbc", K_CBC, kCrypt, 16, false},
	{"aes-256-cbc", K_CBC, kCrypt, 32, false},
	{"aes-128-ctr", K_CTR, kCrypt, 16, false},
	{"aes-256-ctr", K_CTR, kCrypt, 32, false},
	{"aes-128-xts", K_XTS, kCrypt, 32, false},
	{"aes-256-xts", K_XTS, kCrypt, 64, false},
	{"hmac-sha-256", K_HMAC, kMac, 32, true},
	{"hmac-sha-512", K_HMAC, kMac, 64, true},
	{"aes-128-cmac", K_CMAC, kMac, 16, false},
	{"aes-256-cmac", K_CMAC, kMac, 32, false},
	{"secret", K_SECRET, HSM_PERM_DERIVE, 32, true},
	{"x25519", K_X25519, HSM_PERM_AGREE, 32, false},
	{"ecdh-p256", K_P256, HSM_PERM_AGREE, 32, false},
	{"aes-256-gcm", K_WRAP_AEAD, kWrap, 32, false},
	{"chacha20-poly1305", K_WRAP_AEAD, kWrap, 32, false},
	{"aes-128-kw", K_KW, kWrap, 16, false},
	{"aes-256-kw", K_KW, kWrap, 32, false},
	{"rsa-pkcs1-sha256", K_RSA, kMac, 0, false},
};

}  // namespace

std::span<const KeySpec> key_specs()
{
	return kSpecs;
}

const KeySpec &key_spec(int i)
{
	return kSpecs[i];
}

int spec_index(const char *alg, KeyClass cls)
{
	for (size_t i = 0; i < std::size(kSpecs); i++)
		if (kSpecs[i].cls == cls && !strcmp(kSpecs[i].alg, alg))
			return static_cast<int>(i);
	return -1;
}

const Key *Pool::key_of(Rng &rng, KeyClass cls) const
{
	std::vector<const Key *> v;

	for (const Key &k : keys)
		if (key_spec(k.spec).cls == cls)
			v.push_back(&k);
	return v.empty() ? nullptr : v[rng.below(v.size())];
}

const Key *Pool::any_key(Rng &rng) const
{
	return keys.empty() ? nullptr : &keys[rng.below(keys.size())];
}

Key *Pool::find_key(uint64_t id)
{
	for (Key &k : keys)
		if (k.id == id)
			return &k;
	return nullptr;
}

Ctx *Pool::find_ctx(uint64_t id)
{
	for (Ctx &c : ctxs)
		if (c.id == id)
			return &c;
	return nullptr;
}

Ctx *Pool::ctx_of(Rng &rng, uint32_t op)
{
	std::vector<Ctx *> v;

	for (Ctx &c : ctxs)
		if (c.op == op)
			v.push_back(&c);
	return v.empty() ? nullptr : v[rng.below(v.size())];
}

Ctx *Pool::any_ctx(Rng &rng)
{
	return ctxs.empty() ? nullptr : &ctxs[rng.below(ctxs.size())];
}

void Pool::drop_key(uint64_t id)
{
	auto it = std::find_if(keys.begin(), keys.end(), [&](const Key &k) { return k.id == id; });
	if (it == keys.end())
		return;
	keys.erase(it);
	stale.push_back(id);
	if (stale.size() > 32)
		stale.erase(stale.begin());
}

void Pool::drop_ctx(uint64_t id)
{
	auto it = std::find_if(ctxs.begin(), ctxs.end(), [&](const Ctx &c) { return c.id == id; });
	if (it == ctxs.end())
		return;
	ctxs.erase(it);
	stale.push_back(id);
	if (stale.size() > 32)
		stale.erase(stale.begin());
}

uint64_t Pool::any_handle(Rng &rng) const
{
	switch (rng.below(8)) {
	case 0:
	case 1:
		if (!keys.empty())
			return keys[rng.below(keys.size())].id;
		break;
	case 2:
		if (!ctxs.empty())
			return ctxs[rng.below(ctxs.size())].id;
		break;
	case 3:
		if (!stale.empty())
			return stale[rng.below(stale.size())];
		break;
	case 4:
		if (!keys.empty()) {
			/* The right index with another random half, or the reverse. */
			uint64_t id = keys[rng.below(keys.size())].id;
			return rng.one_in(2) ? id ^ (1ULL << rng.range(32, 63)) : id ^ (1ULL << rng.below(8));
		}
		break;
	case 5:
		return rng.below(8);
	case 6:
		return ~0ULL - rng.below(2);
	}
	return rng.next();
}

void Pool::clear()
{
	keys.clear();
	ctxs.clear();
	stale.clear();
	orphans.clear();
	for (Slot &s : slots)
		s.stored = false;
}

}  // namespace fz
