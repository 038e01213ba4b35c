// SPDX-License-Identifier: GPL-2.0 OR MIT
// The Wycheproof vectors (wycheproof.hpp) through libhsm's public API only:
// keys by import_key/derive_key/agree_key, data in allocator buffers,
// one-shot calls.  The same refusals are expected as through the ABI.
#include "lib_test.hpp"
#include "wycheproof.hpp"

namespace {

using namespace hsm;
using wycheproof::Answer;
using wycheproof::Bytes;
using wycheproof::Failure;

class Lib {
public:
	static constexpr const char *kName = "libhsm wycheproof";
	using Key = CryptoResourceGuard;

	Answer<Key> import(const char *alg, std::uint64_t perms, const Bytes &material,
			   bool exportable = false, std::uint32_t key_len = 0)
	{
		return answer(km_.import_key(ImportKeyParams{}
						     .set_algorithm(alg)
						     .set_permissions(KeyOperationPermission(perms))
						     .set_exportable(exportable)
						     .set_key_length(key_len)
						     .set_material(material)));
	}

	Answer<Key> import_public(const char *alg, const Bytes &material)
	{
		return answer(km_.import_key(ImportKeyParams{}
						     .set_algorithm(alg)
						     .set_permissions(KeyOperationPermission::kVerify)
						     .set_material(material)
						     .set_public_only()));
	}

	Answer<Key> derive(const Key &base, const char *kdf, const Bytes &salt, const Bytes &info,
			   std::uint32_t size)
	{
		return answer(km_.derive_key(DeriveKeyParams{}
						     .set_base_key(base)
						     .set_kdf(KdfParameters{}.set_kdf(kdf).set_salt(salt).set_info(info))
						     .set_algorithm("secret")
						     .set_permissions(KeyOperationPermission::kExport)
						     .set_exportable()
						     .set_key_length(size)));
	}

	Answer<Key> agree(const Key &priv, const Bytes &peer)
	{
		return answer(km_.agree_key(AgreeKeyParams{}
						    .set_private_key(priv)
						    .set_peer_public_key(peer)
						    .set_algorithm("secret")
						    .set_exportable()
						    .set_permissions(KeyOperationPermission::kExport |
								     KeyOperationPermission::kDerive)));
	}

	Answer<Bytes> export_key(const Key &k, std::size_t max)
	{
		Bytes out(max);
		auto n = km_.export_key(k, out);
		if (!n)
			return fail(n.error());
		out.resize(*n);
		return out;
	}

	Answer<Bytes> open(const Key &k, const Bytes &iv, const Bytes &aad, const Bytes &ct,
			   const Bytes &tag)
	{
		return output(s_.open(k, put(iv_, iv), put(aad_, aad), put(in_, ct), out_.slice(0, ct.size()),
				      put(tag_, tag)));
	}

	Answer<std::pair<Bytes, Bytes>> seal(const Key &k, const Bytes &iv, const Bytes &aad,
					     const Bytes &msg, std::size_t tag_len)
	{
		auto ct = output(s_.seal(k, put(iv_, iv), put(aad_, aad), put(in_, msg),
					 out_.slice(0, msg.size()), tag_.slice(0, tag_len)));
		if (!ct)
			return std::unexpected(ct.error());
		return std::pair(std::move(*ct), libtest::bytes(tag_, tag_len));
	}

	Answer<Bytes> mac(const Key &k, const Bytes &msg, std::size_t len)
	{
		return output(s_.mac(k, put(in_, msg), out_.slice(0, len), true));
	}

	Answer<void> mac_verify(const Key &k, const Bytes &msg, const Bytes &tag)
	{
		return answer(s_.mac_verify(k, put(in_, msg), put(tag_, tag)));
	}

	Answer<Bytes> sign(const Key &k, const Bytes &msg, std::size_t max)
	{
		return output(s_.sign(k, put(in_, msg), out_.slice(0, max)));
	}

	Answer<void> verify(const Key &k, const Bytes &msg, const Bytes &sig, bool raw = false)
	{
		if (!raw)
			return answer(s_.verify(k, put(in_, msg), put(tag_, sig)));
		return answer(s_.verify(k, put(in_, msg), put(tag_, sig), SignFormat{.raw = true}));
	}

	Answer<Bytes> oaep_decrypt(const Key &k, const Bytes &label, const Bytes &ct, std::size_t max)
	{
		return output(s_.oaep_decrypt(k, put(aad_, label), put(in_, ct), out_.slice(0, max)));
	}

private:
	static std::unexpected<Failure> fail(const Error &e)
	{
		return std::unexpected(Failure{-e.err, e.message});
	}

	template <typename T>
	static Answer<T> answer(Result<T> r)
	{
		if (!r)
			return fail(r.error());
		if constexpr (std::is_void_v<T>)
			return {};
		else
			return std::move(*r);
	}

	// The bytes a one-shot wrote to out_.
	Answer<Bytes> output(Result<std::size_t> n)
	{
		if (!n)
			return fail(n.error());
		return libtest::bytes(out_, *n);
	}

	static BufferRef put(Buffer &b, const Bytes &v)
	{
		cr_assert_leq(v.size(), b.size());
		if (!v.empty())
			std::memcpy(b.data(), v.data(), v.size());
		return b.slice(0, v.size());
	}

	CryptoStack s_ = MUST(CryptoStack::create());
	MemoryAllocator al_ = s_.allocator();
	KeyManager km_ = s_.keys();
	Buffer iv_ = MUST(al_.allocate(4096)), aad_ = MUST(al_.allocate(65536)),
	       in_ = MUST(al_.allocate(262144)), out_ = MUST(al_.allocate(262144)),
	       tag_ = MUST(al_.allocate(8192));	// ECDSA DER vectors reach 4204 bytes
};

} // namespace

WYCHEPROOF_TESTS(lib_wycheproof, Lib)
