// SPDX-License-Identifier: GPL-2.0 OR MIT
// The request is the module's, which bounded every length; they are
// checked again here all the same, since a wrong length would read or
// write past the slot.  Answers are built in a buffer of their own and
// copied over the request, whose key material they would otherwise
// overwrite while it is still being read.
#include "serve.hpp"

#include <linux/hsm.h>
#include <openssl/crypto.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <string_view>

#include "cache.hpp"
#include "ops.hpp"

namespace hsmd {
namespace {

struct Request {
	hsm_worker_req hdr;
	std::string_view alg;
	std::span<const std::uint8_t> key, in, in2;
};

int parse(std::span<const std::uint8_t> buf, std::size_t len, Request &r)
{
	if (len < sizeof(r.hdr) || len > buf.size())
		return -EINVAL;
	std::memcpy(&r.hdr, buf.data(), sizeof(r.hdr));
	std::size_t body = std::size_t{r.hdr.key_len} + r.hdr.in_len + r.hdr.in2_len;
	if (sizeof(r.hdr) + body != len || r.hdr.out_max > buf.size())
		return -EINVAL;
	const char *name = r.hdr.alg;
	r.alg = std::string_view(name, strnlen(name, sizeof(r.hdr.alg)));
	auto rest = buf.subspan(sizeof(r.hdr));
	r.key = rest.first(r.hdr.key_len);
	r.in = rest.subspan(r.hdr.key_len, r.hdr.in_len);
	r.in2 = rest.subspan(r.hdr.key_len + r.hdr.in_len, r.hdr.in2_len);
	return 0;
}

unsigned sig_flags(std::uint32_t flags)
{
	return (flags & HSM_OP_F_RAW ? SIG_RAW : 0) |
	       (flags & HSM_OP_F_PREHASHED ? PREHASHED : 0) |
	       (flags & HSM_OP_F_PKCS1 ? PKCS1 : 0);
}

// GENERATE and IMPORT: the PKCS#8 then the SPKI, as the module keeps them
// (the SPKI alone for a public key).
int make_key(const Request &r, std::span<std::uint8_t> out, std::size_t &n)
{
	std::array<std::uint8_t, HSM_WORKER_KEY_MAX> pub;
	std::size_t priv_len = 0, pub_len = 0;
	// A public key is asked for with no room for a private one, which is
	// how ops.hpp tells a raw Ed25519 key from a seed.
	auto priv = r.hdr.flags & HSM_OP_F_PUBLIC ? out.first(0) : out;
	int ret = r.hdr.op == HSM_WORKER_GENERATE
		? generate(r.alg, r.hdr.bits, priv, priv_len, pub, pub_len)
		: import_key(r.alg, r.in, priv, priv_len, pub, pub_len);
	if (ret == -EOVERFLOW && priv.empty())
		ret = -EINVAL;	// a private key, where a public one was said
	if (!ret && priv_len + pub_len > out.size())
		ret = -EOVERFLOW;
	if (!ret) {
		std::memcpy(out.data() + priv_len, pub.data(), pub_len);
		n = priv_len + pub_len;
	}
	return ret;
}

// EVICT: the module destroyed a key; in = SHA-256 of its PKCS#8 and of
// its SPKI (the first all zero for a public key).
int evict(const Request &r)
{
	if (r.in.size() != 2 * sizeof(KeyDigest) || !r.key.empty() || !r.in2.empty())
		return -EINVAL;
	for (std::size_t i = 0; i < 2; i++) {
		KeyDigest d;
		std::memcpy(d.data(), r.in.data() + i * d.size(), d.size());
		cache_evict(d);
	}
	return 0;
}

} // namespace

int serve_request(std::span<std::uint8_t> buf, std::size_t len)
{
	Request r;
	int ret = parse(buf, len, r);
	if (ret)
		return ret;

	std::array<std::uint8_t, HSM_WORKER_KEY_MAX> out;
	std::size_t n = 0;
	auto room = std::span(out).first(std::min<std::size_t>(out.size(), r.hdr.out_max));
	switch (r.hdr.op) {
	case HSM_WORKER_GENERATE:
	case HSM_WORKER_IMPORT:
		ret = make_key(r, room, n);
		break;
	case HSM_WORKER_SIGN:
		ret = sign(r.alg, sig_flags(r.hdr.flags), r.key, r.in, room, n);
		break;
	case HSM_WORKER_VERIFY:
		ret = verify(r.alg, sig_flags(r.hdr.flags), r.key, r.in, r.in2);
		break;
	case HSM_WORKER_ENCRYPT:
		ret = encrypt(r.alg, r.key, r.in2, r.in, room, n);
		break;
	case HSM_WORKER_DECRYPT:
		ret = decrypt(r.alg, r.key, r.in2, r.in, room, n);
		break;
	case HSM_WORKER_EVICT:
		ret = evict(r);
		break;
	case HSM_WORKER_AGREE:
		ret = r.in2.empty() ? agree(r.alg, r.key, r.in, room, n) : -EINVAL;
		break;
	default:
		ret = -EOPNOTSUPP;
	}
	if (!ret) {
		std::memcpy(buf.data(), out.data(), n);
		ret = static_cast<int>(n);
	}
	OPENSSL_cleanse(out.data(), out.size());
	return ret;
}

} // namespace hsmd
