// SPDX-License-Identifier: MIT
#include "secrets.hpp"

#include <sodium.h>
#include <sys/mman.h>

#include "../store/store.hpp"
#include "vault.hpp"

namespace ks {

namespace {

// `len` fresh bytes of the module's DRBG, sealed and put in the database
// unless another instance put its own first: the value now there.
std::expected<Bytes, std::string> put_fresh(const Vault &v, Store &db, const std::string &name, std::size_t len)
{
	auto fresh = v.random(len);
	if (!fresh)
		return std::unexpected("random: " + fresh.error());
	auto s = v.seal("meta", "", name, *fresh);
	sodium_memzero(fresh->data(), fresh->size());
	if (!s)
		return std::unexpected("sealing " + name + ": " + s.error());
	auto kept = db.meta_put_once(name, *s);
	if (!kept)
		return std::unexpected("database: " + kept.error().message);
	return std::move(*kept);
}

// One sealed value of the database: the one there, or a fresh one put
// there first.  Two instances starting at once both end with the first one
// put.
std::expected<opaque::SecretBytes, std::string> sealed_value(const Vault &v, Store &db, const std::string &name,
							     std::size_t len)
{
	auto have = db.meta_get(name);
	if (!have)
		return std::unexpected("database: " + have.error().message);
	Bytes stored;
	if (*have) {
		stored = std::move(**have);
	} else {
		auto put = put_fresh(v, db, name, len);
		if (!put)
			return std::unexpected(put.error());
		stored = std::move(*put);
	}
	auto plain = v.open("meta", "", name, stored);
	if (!plain)
		return std::unexpected("the database's " + name +
				       " does not open with this HSM's master key: it was sealed by another "
				       "server's keys or altered");
	opaque::SecretBytes out(plain->begin(), plain->end());
	sodium_memzero(plain->data(), plain->size());
	return out;
}

std::expected<opaque::SecretBytes, std::string> value(const Vault &v, Store &db, const std::string &name,
						      std::size_t len)
{
	auto r = sealed_value(v, db, name, len);
	if (r && r->size() != len)
		return std::unexpected("the database's " + name + " has the wrong length");
	return r;
}

} // namespace

std::expected<ServerSecrets, std::string> load_secrets(const Vault &v, Store &db)
{
	if (sodium_init() < 0)
		return std::unexpected("libsodium failed to initialize");
	auto seed = value(v, db, "oprf-seed", 64);
	auto wide = seed ? value(v, db, "ake-key", 64) : seed;
	auto fake = wide ? value(v, db, "fake-seed", 32) : wide;
	if (!fake)
		return std::unexpected(fake.error());
	ServerSecrets s;
	auto &o = s.opaque;
	o.oprf_seed = std::move(*seed);
	s.fake_seed = std::move(*fake);
	// A uniform scalar from 64 random bytes (RFC 9496's reduction).
	o.private_key.resize(crypto_core_ristretto255_SCALARBYTES);
	o.public_key.resize(crypto_core_ristretto255_BYTES);
	crypto_core_ristretto255_scalar_reduce(o.private_key.data(), wide->data());
	if (crypto_scalarmult_ristretto255_base(o.public_key.data(), o.private_key.data()) != 0)
		return std::unexpected("the database's ake-key reduces to zero");
	mlock(o.oprf_seed.data(), o.oprf_seed.size());
	mlock(o.private_key.data(), o.private_key.size());
	mlock(s.fake_seed.data(), s.fake_seed.size());
	return s;
}

} // namespace ks
