// SPDX-License-Identifier: GPL-2.0 OR MIT
// A thread's belief about what its connection holds: keys (with their
// material when the thread imported it), contexts and where they stand,
// slots it stored and blobs it sealed.  Valid commands are made from it;
// a belief may be stale (a mutated command released a key), which valid
// commands tolerate as ENOENT or EBADFD.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "refcrypto.hpp"
#include "rng.hpp"

namespace fz {

enum KeyClass {
	K_AEAD, K_CBC, K_CTR, K_XTS, K_HMAC, K_CMAC, K_SECRET, K_X25519, K_P256,
	K_WRAP_AEAD, K_KW, K_RSA, K_NCLASS,
};

struct KeySpec {
	const char *alg;
	KeyClass cls;
	uint64_t perms;		// besides HSM_PERM_EXPORT, added to exportable keys
	uint32_t len;		// bytes of material (RSA: of the DER key)
	bool sized;		// KEY_GENERATE takes key_len (HMAC, secret)
};

std::span<const KeySpec> key_specs();
const KeySpec &key_spec(int i);
int spec_index(const char *alg, KeyClass cls);

struct Key {
	uint64_t id;
	int spec;
	bool exportable;
	uint32_t len;
	Bytes material;		// empty when the module made it
};

enum class CtxState { Created, Inited, Updating, Final, Unknown };

struct Ctx {
	uint64_t id;
	uint32_t op;		// enum hsm_ctx_op
	std::string alg;
	Bytes key;		// the key's material, when known
	CtxState state = CtxState::Created;
	Bytes data;		// what Updates gave since Init
	Bytes iv, aad;
	bool tainted = false;	// a mutated command named it: its answers are loose
};

struct Slot {
	std::string name;
	bool stored = false;	// believed to exist
	Bytes blob;		// the last SLOT_SEAL of it
};

class Pool {
public:
	std::vector<Key> keys;
	std::vector<Ctx> ctxs;
	std::vector<Slot> slots;
	std::vector<uint64_t> stale;	// IDs released, for ENOENT probes
	// IDs made by commands whose kind the thread cannot vouch for (mutated
	// ones, SLOT_OPEN): released from time to time, so tables do not fill.
	std::vector<uint64_t> orphans;

	const Key *key_of(Rng &rng, KeyClass cls) const;
	const Key *any_key(Rng &rng) const;
	Key *find_key(uint64_t id);
	Ctx *find_ctx(uint64_t id);
	Ctx *ctx_of(Rng &rng, uint32_t op);
	Ctx *any_ctx(Rng &rng);
	void add_key(Key k) { keys.push_back(std::move(k)); }
	void drop_key(uint64_t id);
	void drop_ctx(uint64_t id);
	// A handle worth trying anywhere: live, stale, or made up.
	uint64_t any_handle(Rng &rng) const;
	void clear();
};

// What the thread keeps at most, so that max_keys and max_contexts leave
// room for the others.
constexpr size_t kPoolKeys = 10;
constexpr size_t kPoolCtxs = 8;

}  // namespace fz
