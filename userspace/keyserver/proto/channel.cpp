// SPDX-License-Identifier: MIT
//
// The inner channel's key schedule and AEAD, on OpenSSL's HKDF and GCM.
#include "channel.hpp"

#include <cstring>
#include <memory>
#include <string>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

namespace ks {

namespace {

constexpr std::uint32_t kClientLabel = 0x63327331;	// "c2s1"
constexpr std::uint32_t kServerLabel = 0x73326331;	// "s2c1"
constexpr std::size_t kTag = 16;

std::array<std::uint8_t, 12> nonce_of(std::uint32_t label, std::uint64_t seq)
{
	std::array<std::uint8_t, 12> n;
	for (int i = 0; i < 4; i++)
		n[i] = std::uint8_t(label >> (24 - 8 * i));
	for (int i = 0; i < 8; i++)
		n[4 + i] = std::uint8_t(seq >> (56 - 8 * i));
	return n;
}

Bytes aad_of(const SessionId &id, std::uint64_t seq)
{
	Bytes a(id.begin(), id.end());
	for (int i = 7; i >= 0; i--)
		a.push_back(std::uint8_t(seq >> (8 * i)));
	return a;
}

void derive(std::span<const std::uint8_t> sk, const SessionId &id, const char *what,
	    std::array<std::uint8_t, 32> &out)
{
	std::string info = std::string("hsm keyserver channel v1 ") + what;
	if (!hkdf_sha512(sk, id, {reinterpret_cast<const std::uint8_t *>(info.data()), info.size()}, out))
		OPENSSL_cleanse(out.data(), out.size());	// a zero key: open() then fails
}

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

} // namespace

bool hkdf_sha512(std::span<const std::uint8_t> ikm, std::span<const std::uint8_t> salt,
		 std::span<const std::uint8_t> info, std::span<std::uint8_t> out)
{
	EVP_KDF *kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : nullptr;
	EVP_KDF_free(kdf);
	if (!ctx)
		return false;
	char md[] = "SHA512";
	OSSL_PARAM p[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, md, 0),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<std::uint8_t *>(ikm.data()), ikm.size()),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<std::uint8_t *>(salt.data()), salt.size()),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<std::uint8_t *>(info.data()), info.size()),
		OSSL_PARAM_construct_end(),
	};
	bool ok = EVP_KDF_derive(ctx, out.data(), out.size(), p) == 1;
	EVP_KDF_CTX_free(ctx);
	return ok;
}

Bytes gcm_seal(std::span<const std::uint8_t> key, std::span<const std::uint8_t> nonce,
	       std::span<const std::uint8_t> aad, std::span<const std::uint8_t> plain)
{
	CipherCtx c(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
	Bytes out(plain.size() + kTag);
	int n = 0, m = 0;
	if (!c || key.size() != 32 || nonce.size() != 12 ||
	    EVP_EncryptInit_ex(c.get(), EVP_aes_256_gcm(), nullptr, key.data(), nonce.data()) != 1 ||
	    EVP_EncryptUpdate(c.get(), nullptr, &n, aad.data(), int(aad.size())) != 1 ||
	    EVP_EncryptUpdate(c.get(), out.data(), &n, plain.data(), int(plain.size())) != 1 ||
	    EVP_EncryptFinal_ex(c.get(), out.data() + n, &m) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_GCM_GET_TAG, kTag, out.data() + plain.size()) != 1)
		return {};
	return out;
}

std::optional<Bytes> gcm_open(std::span<const std::uint8_t> key, std::span<const std::uint8_t> nonce,
			      std::span<const std::uint8_t> aad, std::span<const std::uint8_t> sealed)
{
	if (sealed.size() < kTag || key.size() != 32 || nonce.size() != 12)
		return std::nullopt;
	std::size_t len = sealed.size() - kTag;
	CipherCtx c(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
	Bytes out(len);
	int n = 0, m = 0;
	std::array<std::uint8_t, kTag> tag;
	std::memcpy(tag.data(), sealed.data() + len, kTag);
	if (!c || EVP_DecryptInit_ex(c.get(), EVP_aes_256_gcm(), nullptr, key.data(), nonce.data()) != 1 ||
	    EVP_DecryptUpdate(c.get(), nullptr, &n, aad.data(), int(aad.size())) != 1 ||
	    EVP_DecryptUpdate(c.get(), out.data(), &n, sealed.data(), int(len)) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_GCM_SET_TAG, kTag, tag.data()) != 1 ||
	    EVP_DecryptFinal_ex(c.get(), out.data() + n, &m) != 1) {
		OPENSSL_cleanse(out.data(), out.size());
		return std::nullopt;
	}
	return out;
}

Channel::Channel(std::span<const std::uint8_t> session_key, const SessionId &id, Side side)
	: id_(id),
	  send_label_(side == Side::kClient ? kClientLabel : kServerLabel),
	  recv_label_(side == Side::kClient ? kServerLabel : kClientLabel)
{
	derive(session_key, id, side == Side::kClient ? "c2s" : "s2c", send_key_);
	derive(session_key, id, side == Side::kClient ? "s2c" : "c2s", recv_key_);
}

Channel::~Channel()
{
	OPENSSL_cleanse(send_key_.data(), send_key_.size());
	OPENSSL_cleanse(recv_key_.data(), recv_key_.size());
}

std::pair<std::uint64_t, Bytes> Channel::seal(std::span<const std::uint8_t> plain)
{
	std::uint64_t seq = send_seq_++;
	return {seq, gcm_seal(send_key_, nonce_of(send_label_, seq), aad_of(id_, seq), plain)};
}

std::optional<Bytes> Channel::open(std::uint64_t seq, std::span<const std::uint8_t> sealed)
{
	if (seq != recv_seq_)
		return std::nullopt;
	auto p = gcm_open(recv_key_, nonce_of(recv_label_, seq), aad_of(id_, seq), sealed);
	if (p)
		recv_seq_++;
	return p;
}

} // namespace ks
