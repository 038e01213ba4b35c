// SPDX-License-Identifier: MIT
//
// The end of an operation: the whole message worked by the module (or,
// for a public key, by OpenSSL here), through scratch space in the shared
// region.
#include <algorithm>
#include <cstring>
#include <openssl/evp.h>

#include "mech.hpp"
#include "ops.hpp"
#include "pubkey.hpp"

namespace p11 {

namespace {

// One buffer of the shared region, cut into a call's inputs and outputs.
class Scratch {
public:
	CK_RV open(State &s, std::size_t n)
	{
		auto b = s.stack.allocator().allocate(std::max<std::size_t>(n, 1));
		if (!b)
			return CKR_DEVICE_MEMORY;
		buf_ = std::move(*b);
		return CKR_OK;
	}
	hsm::BufferRef put(std::span<const std::uint8_t> in)
	{
		hsm::BufferRef r = space(in.size());
		std::memcpy(buf_.data() + r.off - base(), in.data(), in.size());
		return r;
	}
	hsm::BufferRef space(std::size_t n)
	{
		hsm::BufferRef r = buf_.slice(used_, n);
		used_ += n;
		return r;
	}
	std::span<const std::uint8_t> view(hsm::BufferRef r, std::size_t n) const
	{
		return {buf_.data() + r.off - base(), n};
	}

private:
	std::uint32_t base() const { return hsm::BufferRef(buf_).off; }
	hsm::Buffer buf_;
	std::size_t used_ = 0;
};

std::size_t hash_len(const char *h)
{
	if (!h)
		return 0;
	return std::strstr(h, "512") ? 64 : std::strstr(h, "384") ? 48 : 32;
}

// A digest as ECDSA over the key's curve takes it: its leftmost bytes, or
// zeros before it, to the order's length (the same integer either way).
Bytes fit_digest(std::span<const std::uint8_t> d, std::size_t n)
{
	Bytes out(n, 0);
	std::size_t take = std::min(d.size(), n);
	std::memcpy(out.data() + (n - take), d.data(), take);
	return out;
}

// A hash-and-sign mechanism's digest, made here: the message is no secret.
Bytes local_digest(const char *hash, std::span<const std::uint8_t> in)
{
	const EVP_MD *md = md_of(hash);
	Bytes out(EVP_MAX_MD_SIZE);
	unsigned int n = 0;
	EVP_Digest(in.data(), in.size(), out.data(), &n, md, nullptr);
	out.resize(n);
	return out;
}

CK_RV module_rv(const hsm::Error &e, OpKind k)
{
	if (e.status == hsm::Status::kAuthFailed)
		return k == OpKind::kVerify ? CKR_SIGNATURE_INVALID : CKR_ENCRYPTED_DATA_INVALID;
	if (e.status == hsm::Status::kInvalidArgument)
		return k == OpKind::kDecrypt ? CKR_ENCRYPTED_DATA_LEN_RANGE : CKR_DATA_LEN_RANGE;
	return rv_of(e);
}

CK_RV digest(State &s, Operation &op, std::span<const std::uint8_t> in, Secret &out)
{
	Scratch sc;
	std::size_t n = hash_len(hash_name(op.mech));
	CK_RV rv = sc.open(s, in.size() + n);
	if (rv != CKR_OK)
		return rv;
	auto ri = sc.put(in), ro = sc.space(n);
	auto r = s.stack.digest(hash_name(op.mech), ri, ro);
	if (!r)
		return module_rv(r.error(), OpKind::kDigest);
	auto v = sc.view(ro, *r);
	out.assign(v.begin(), v.end());
	return CKR_OK;
}

// RFC 8017 9.2, note 1: the DER of a DigestInfo, d following this prefix.
Bytes digest_info(const char *hash, std::span<const std::uint8_t> d)
{
	static constexpr std::uint8_t kPrefix[3][19] = {
		{0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20},
		{0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30},
		{0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40},
	};
	std::size_t n = hash_len(hash);
	const std::uint8_t *p = kPrefix[n == 32 ? 0 : n == 48 ? 1 : 2];
	Bytes out(p, p + sizeof(kPrefix[0]));
	out.insert(out.end(), d.begin(), d.end());
	return out;
}

// The message a module signature takes, and how: ECDSA signs a digest fit
// to the curve and gives r || s; PKCS#1 v1.5 pads a DigestInfo (the
// caller's for CKM_RSA_PKCS); PSS and EdDSA take what they were given.
hsm::SignFormat sign_input(Operation &op, std::span<const std::uint8_t> in, Bytes &msg)
{
	hsm::SignFormat f;
	if (op.key->key_type() == CKK_EC) {
		Bytes d = op.mech == CKM_ECDSA ? Bytes(in.begin(), in.end()) : local_digest(op.hash, in);
		msg = fit_digest(d, public_size(*op.key));
		f.prehashed = f.raw = true;
	} else if (rsa_pkcs1(op.mech)) {
		msg = op.mech == CKM_RSA_PKCS ? Bytes(in.begin(), in.end())
					      : digest_info(op.hash, local_digest(op.hash, in));
		f.pkcs1 = f.raw = true;
	} else {
		msg.assign(in.begin(), in.end());
		f.prehashed = op.mech == CKM_RSA_PKCS_PSS;
	}
	return f;
}

// The lengths the raw RSA mechanisms take: CKM_RSA_PKCS_PSS a digest of
// the hash's length, CKM_RSA_PKCS a DigestInfo that leaves PKCS#1 v1.5's
// padding 11 bytes of the modulus.
CK_RV raw_rsa_input(const Operation &op, std::size_t n)
{
	if (op.mech == CKM_RSA_PKCS_PSS && n != hash_len(op.hash))
		return CKR_DATA_LEN_RANGE;
	if (op.mech == CKM_RSA_PKCS && n + 11 > public_size(*op.key))
		return CKR_DATA_LEN_RANGE;
	return CKR_OK;
}

CK_RV sign(State &s, Operation &op, std::span<const std::uint8_t> in, Secret &out)
{
	hsm::CryptoResourceId key;
	CK_RV rv = s.store.key_for(*op.key, module_alg(*op.key, op.mech), key);
	if (rv != CKR_OK)
		return rv;
	bool mac = op.key->cls() == CKO_SECRET_KEY;
	if ((rv = raw_rsa_input(op, in.size())) != CKR_OK)
		return rv;
	Bytes msg;
	hsm::SignFormat f = mac ? hsm::SignFormat{} : sign_input(op, in, msg);
	if (mac)
		msg.assign(in.begin(), in.end());
	std::size_t n = result_size(OpKind::kSign, op, in.size());
	Scratch sc;
	if ((rv = sc.open(s, msg.size() + n)) != CKR_OK)
		return rv;
	auto ri = sc.put(msg), ro = sc.space(n);
	auto r = mac ? s.stack.mac(key, ri, ro) : s.stack.sign(key, ri, ro, f);
	explicit_bzero(msg.data(), msg.size());
	if (!r)
		return module_rv(r.error(), OpKind::kSign);
	auto v = sc.view(ro, *r);
	out.assign(v.begin(), v.end());
	return CKR_OK;
}

CK_RV verify(State &s, Operation &op, std::span<const std::uint8_t> in,
	     std::span<const std::uint8_t> sig)
{
	if (op.key->cls() != CKO_SECRET_KEY) {
		CK_RV rv = raw_rsa_input(op, in.size());
		return rv != CKR_OK ? rv : public_verify(*op.key, op.mech, op.hash, in, sig);
	}
	hsm::CryptoResourceId key;
	CK_RV rv = s.store.key_for(*op.key, module_alg(*op.key, op.mech), key);
	if (rv != CKR_OK)
		return rv;
	if (sig.size() != result_size(OpKind::kSign, op, in.size()))
		return CKR_SIGNATURE_LEN_RANGE;
	Scratch sc;
	if ((rv = sc.open(s, in.size() + sig.size())) != CKR_OK)
		return rv;
	auto ri = sc.put(in), rs = sc.put(sig);
	auto r = s.stack.mac_verify(key, ri, rs);
	return r ? CKR_OK : module_rv(r.error(), OpKind::kVerify);
}

// CBC-PAD's PKCS#7 padding, added before and checked after the module's CBC.
Secret pad(std::span<const std::uint8_t> in)
{
	std::size_t p = 16 - in.size() % 16;
	Secret out(in.begin(), in.end());
	out.insert(out.end(), p, std::uint8_t(p));
	return out;
}

CK_RV unpad(Secret &io)
{
	if (io.empty())
		return CKR_ENCRYPTED_DATA_INVALID;
	std::uint8_t p = io.back();
	bool bad = p == 0 || p > 16 || p > io.size();
	for (std::size_t i = 0; !bad && i < p; i++)
		bad |= io[io.size() - 1 - i] != p;
	if (bad)
		return CKR_ENCRYPTED_DATA_INVALID;
	io.resize(io.size() - p);
	return CKR_OK;
}

// Whether a CTR message stays within the counter's width.
bool ctr_fits(const Operation &op, std::size_t len)
{
	if (op.tag_len >= 64)
		return true;
	std::uint64_t ctr = 0;
	for (int i = 8; i < 16; i++)
		ctr = ctr << 8 | op.iv[i];
	std::uint64_t mod = 1ULL << op.tag_len, blocks = (len + 15) / 16;
	return (ctr & (mod - 1)) + blocks <= mod;
}

CK_RV cipher(State &s, OpKind k, Operation &op, std::span<const std::uint8_t> in, Secret &out)
{
	bool enc = k == OpKind::kEncrypt;
	if ((op.mech == CKM_AES_CBC || (op.mech == CKM_AES_CBC_PAD && !enc)) && in.size() % 16)
		return enc ? CKR_DATA_LEN_RANGE : CKR_ENCRYPTED_DATA_LEN_RANGE;
	if (op.mech == CKM_AES_CTR && !ctr_fits(op, in.size()))
		return CKR_DATA_LEN_RANGE;
	hsm::CryptoResourceId key;
	CK_RV rv = s.store.key_for(*op.key, module_alg(*op.key, op.mech), key);
	if (rv != CKR_OK)
		return rv;
	Secret msg = op.mech == CKM_AES_CBC_PAD && enc ? pad(in) : Secret(in.begin(), in.end());
	Scratch sc;
	if ((rv = sc.open(s, 16 + 2 * msg.size())) != CKR_OK)
		return rv;
	auto riv = sc.put(op.iv), ri = sc.put(msg), ro = sc.space(msg.size());
	auto r = enc ? s.stack.encrypt(key, riv, ri, ro) : s.stack.decrypt(key, riv, ri, ro);
	if (!r)
		return module_rv(r.error(), k);
	auto v = sc.view(ro, *r);
	out.assign(v.begin(), v.end());
	return op.mech == CKM_AES_CBC_PAD && !enc ? unpad(out) : CKR_OK;
}

// GCM: ciphertext || tag out of encryption, into decryption.
CK_RV gcm(State &s, OpKind k, Operation &op, std::span<const std::uint8_t> in, Secret &out)
{
	bool enc = k == OpKind::kEncrypt;
	if (!enc && in.size() < op.tag_len)
		return CKR_ENCRYPTED_DATA_LEN_RANGE;
	std::size_t body = enc ? in.size() : in.size() - op.tag_len;
	hsm::CryptoResourceId key;
	CK_RV rv = s.store.key_for(*op.key, module_alg(*op.key, op.mech), key);
	Scratch sc;
	if (rv != CKR_OK || (rv = sc.open(s, 12 + op.aad.size() + 2 * body + op.tag_len)) != CKR_OK)
		return rv;
	auto rn = sc.put(op.iv), ra = sc.put(op.aad), ri = sc.put(in.first(body)), ro = sc.space(body);
	auto rt = enc ? sc.space(op.tag_len) : sc.put(in.subspan(body));
	auto r = enc ? s.stack.seal(key, rn, ra, ri, ro, rt) : s.stack.open(key, rn, ra, ri, ro, rt);
	if (!r)
		return module_rv(r.error(), k);
	auto v = sc.view(ro, body);
	out.assign(v.begin(), v.end());
	if (enc) {
		auto t = sc.view(rt, op.tag_len);
		out.insert(out.end(), t.begin(), t.end());
	}
	return CKR_OK;
}

CK_RV oaep(State &s, OpKind k, Operation &op, std::span<const std::uint8_t> in, Secret &out)
{
	if (k == OpKind::kEncrypt) {
		Bytes c;
		CK_RV rv = public_encrypt_oaep(*op.key, op.aad, in, c);
		out.assign(c.begin(), c.end());
		return rv;
	}
	hsm::CryptoResourceId key;
	CK_RV rv = s.store.key_for(*op.key, module_alg(*op.key, op.mech), key);
	std::size_t n = public_size(*op.key);
	if (rv != CKR_OK)
		return rv;
	if (in.size() != n)
		return CKR_ENCRYPTED_DATA_LEN_RANGE;
	Scratch sc;
	if ((rv = sc.open(s, op.aad.size() + 2 * n)) != CKR_OK)
		return rv;
	auto rl = sc.put(op.aad), ri = sc.put(in), ro = sc.space(n);
	auto r = s.stack.oaep_decrypt(key, rl, ri, ro);
	if (!r)
		return module_rv(r.error(), k);
	auto v = sc.view(ro, *r);
	out.assign(v.begin(), v.end());
	return CKR_OK;
}

} // namespace

std::size_t max_message(const State &s)
{
	return s.stack.info().region_size / 4;
}

std::size_t result_size(OpKind k, const Operation &op, std::size_t in_len)
{
	switch (op.mech) {
	case CKM_AES_GCM:
		return k == OpKind::kEncrypt ? in_len + op.tag_len : in_len - std::min<std::size_t>(in_len, op.tag_len);
	case CKM_AES_CBC_PAD:
		return k == OpKind::kEncrypt ? in_len + 16 - in_len % 16 : in_len;
	case CKM_AES_CBC: case CKM_AES_CTR:
		return in_len;
	case CKM_AES_CMAC:
		return 16;
	case CKM_EDDSA:
		return 64;
	case CKM_ECDSA: case CKM_ECDSA_SHA1: case CKM_ECDSA_SHA224: case CKM_ECDSA_SHA256:
	case CKM_ECDSA_SHA384: case CKM_ECDSA_SHA512:
		return 2 * public_size(*op.key);
	case CKM_RSA_PKCS_OAEP: case CKM_RSA_PKCS_PSS: case CKM_SHA256_RSA_PKCS_PSS:
	case CKM_SHA384_RSA_PKCS_PSS: case CKM_SHA512_RSA_PKCS_PSS:
	case CKM_RSA_PKCS: case CKM_SHA256_RSA_PKCS: case CKM_SHA384_RSA_PKCS:
	case CKM_SHA512_RSA_PKCS:
		return public_size(*op.key);
	default:	// digests and HMACs
		return hash_len(mech_hash(op.mech));
	}
}

CK_RV work(State &s, OpKind k, Operation &op, std::span<const std::uint8_t> in,
	   std::span<const std::uint8_t> sig, Secret &out)
{
	switch (k) {
	case OpKind::kDigest: return digest(s, op, in, out);
	case OpKind::kSign: return sign(s, op, in, out);
	case OpKind::kVerify: return verify(s, op, in, sig);
	default: break;
	}
	switch (op.mech) {
	case CKM_AES_GCM: return gcm(s, k, op, in, out);
	case CKM_RSA_PKCS_OAEP: return oaep(s, k, op, in, out);
	default: return cipher(s, k, op, in, out);
	}
}

} // namespace p11
