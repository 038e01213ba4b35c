// SPDX-License-Identifier: GPL-2.0 OR MIT
// A list in recency order: at most kCacheMax entries, so a scan costs a
// few microseconds, far less than a decode.
#include "cache.hpp"

#include <algorithm>
#include <list>
#include <mutex>
#include <string>

#include <openssl/evp.h>

namespace hsmd {
namespace {

struct Entry {
	KeyDigest digest;
	std::string alg;
	EVP_PKEY *key;
};

// Most recently used first.  Its keys go with it at exit (EVP_PKEY_free
// clears a private key with its last reference).
struct List : std::list<Entry> {
	~List()
	{
		for (Entry &e : *this)
			EVP_PKEY_free(e.key);
	}
};

std::mutex lock;
List entries;

void drop(std::list<Entry>::iterator it)
{
	EVP_PKEY_free(it->key);
	entries.erase(it);
}

} // namespace

KeyDigest key_digest(std::span<const std::uint8_t> der)
{
	KeyDigest d{};
	unsigned int n = 0;
	if (EVP_Digest(der.data(), der.size(), d.data(), &n, EVP_sha256(), nullptr) != 1)
		d.fill(0);	// all zero matches no entry put with a real digest
	return d;
}

EVP_PKEY *cache_find(const KeyDigest &d, std::string_view alg)
{
	std::lock_guard<std::mutex> g(lock);
	auto it = std::find_if(entries.begin(), entries.end(),
			       [&](const Entry &e) { return e.digest == d && e.alg == alg; });
	if (it == entries.end() || EVP_PKEY_up_ref(it->key) != 1)
		return nullptr;
	entries.splice(entries.begin(), entries, it);
	return it->key;
}

void cache_put(const KeyDigest &d, std::string_view alg, EVP_PKEY *key)
{
	if (d == KeyDigest{} || EVP_PKEY_up_ref(key) != 1)
		return;
	std::lock_guard<std::mutex> g(lock);
	try {
		entries.push_front({d, std::string(alg), key});
	} catch (...) {
		EVP_PKEY_free(key);
		return;
	}
	while (entries.size() > kCacheMax)
		drop(std::prev(entries.end()));
}

void cache_evict(const KeyDigest &d)
{
	std::lock_guard<std::mutex> g(lock);
	for (auto it = entries.begin(); it != entries.end();) {
		auto next = std::next(it);
		if (it->digest == d)
			drop(it);
		it = next;
	}
}

std::size_t cache_size()
{
	std::lock_guard<std::mutex> g(lock);
	return entries.size();
}

} // namespace hsmd
