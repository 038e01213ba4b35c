// SPDX-License-Identifier: GPL-2.0 OR MIT
// libhsm's public API, call by call: the stack and its shared connection,
// the allocator, key management with its guards and slots, every context
// type with Reset and misuse errors, the one-shots, and the two timeout
// layers.  Answers are checked against OpenSSL.
#include <atomic>
#include <cstdlib>
#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/x509.h>
#include <thread>
#include <sys/wait.h>
#include <unistd.h>

#include "lib_test.hpp"

using namespace hsm;
using namespace libtest;

namespace {

constexpr auto kEncDec = KeyOperationPermission::kEncrypt | KeyOperationPermission::kDecrypt;
constexpr auto kMacPerms = KeyOperationPermission::kSign | KeyOperationPermission::kVerify;

Bytes hmac256(const Bytes &key, const Bytes &msg)
{
	Bytes out(32);
	unsigned int n = 0;
	HMAC(EVP_sha256(), key.data(), int(key.size()), msg.data(), msg.size(), out.data(), &n);
	return out;
}

Bytes sha(const EVP_MD *md, const Bytes &msg)
{
	Bytes out(EVP_MD_get_size(md));
	unsigned int n = 0;
	EVP_Digest(msg.data(), msg.size(), out.data(), &n, md, nullptr);
	return out;
}

CryptoResourceGuard hmac_key(const CryptoStack &s, const Bytes &material, bool exportable = false)
{
	auto p = ImportKeyParams{}.SetAlgorithm("hmac-sha-256").SetMaterial(material);
	p.SetPermissions(exportable ? kMacPerms | KeyOperationPermission::kExport : kMacPerms)
		.SetExportable(exportable);
	return MUST(s.Keys().ImportKey(p));
}

} // namespace

Test(lib_stack, stacks_share_one_connection_and_report_info)
{
	CryptoStack a = MUST(CryptoStack::Create());
	CryptoStack b = MUST(CryptoStack::Create(CryptoStackConfig{}.SetTimeout(500)));
	ModuleInfo i = a.Info();
	cr_expect_eq(i.abi_version, HSM_ABI_VERSION);
	cr_expect(!i.module_version.empty());
	cr_expect_eq(i.region_size, b.Info().region_size, "one region for both");
	cr_expect(i.op_slots >= 1 && i.op_slots <= 256);
	if (i.max_inflight)
		cr_expect_leq(i.op_slots, i.max_inflight, "never more in flight than the module allows");
	cr_expect_eq(b.DefaultTimeout().abi(), 500u);
	cr_expect(a.DefaultTimeout().is_default());

	// A key of one stack is usable from the other: one connection.
	auto k = hmac_key(a, pattern(32, 1));
	auto al = b.Allocator();
	Buffer in = buf(al, pattern(100, 2)), tag = MUST(al.Allocate(32));
	cr_expect_eq(MUST(b.Mac(k, in, tag)), 32u);
	cr_expect(bytes(tag, 32) == hmac256(pattern(32, 1), pattern(100, 2)));
}

Test(lib_stack, bad_region_size)
{
	// The first stack of the process decides the region.
	EXPECT_STATUS(CryptoStack::Create(CryptoStackConfig{}.SetRegionSize(12345)), Status::InvalidArgument);
	EXPECT_STATUS(CryptoStack::Create(CryptoStackConfig{}.SetRegionSize(1ull << 40)), Status::InvalidArgument);
	EXPECT_STATUS(CryptoStack::Create(CryptoStackConfig{}.SetRegionSize(64ull << 20)), Status::LimitExceeded);
	cr_expect(CryptoStack::Create().has_value(), "a good size still works");
}

Test(lib_memory, allocate_align_zero_free)
{
	MemoryAllocator a = MUST(MemoryAllocator::Create());
	std::size_t before = a.Available();
	{
		Buffer x = MUST(a.Allocate(100));
		Buffer y = MUST(a.Allocate(10, 4096));
		cr_expect_eq(x.size(), 100u);
		cr_expect_eq(reinterpret_cast<std::uintptr_t>(x.data()) % 64, 0u);
		cr_expect_eq(reinterpret_cast<std::uintptr_t>(y.data()) % 4096, 0u);
		for (auto c : x.span())
			cr_assert_eq(c, 0, "zeroed");
		std::memset(x.data(), 0xab, x.size());
		BufferRef r = x.Slice(90, 50);
		cr_expect_eq(r.len, 10u, "a slice never reaches past its buffer");
		cr_expect_lt(a.Available(), before);
		Buffer z = std::move(x);
		cr_expect(x.empty());
		cr_expect_eq(z.size(), 100u);
	}
	cr_expect_eq(a.Available(), before, "every block came back");
	Buffer again = MUST(a.Allocate(100));
	for (auto c : again.span())
		cr_assert_eq(c, 0, "freed memory is wiped");
	EXPECT_STATUS(a.Allocate(0), Status::InvalidArgument);
	EXPECT_STATUS(a.Allocate(16, 3), Status::InvalidArgument);
	EXPECT_STATUS(a.Allocate(16, 8192), Status::InvalidArgument);
	EXPECT_STATUS(a.Allocate(a.LargestFree() + 1), Status::OutOfMemory);
}

Test(lib_types, algorithm_id_and_permissions)
{
	AlgorithmId ok("aes-256-gcm");
	cr_expect(!ok.truncated());
	cr_expect(ok.view() == "aes-256-gcm");
	std::string longer(70, 'a');
	AlgorithmId cut(longer);
	cr_expect(cut.truncated());
	cr_expect_eq(cut.size(), 63u);
	static_assert(AlgorithmId::capacity() == 63);

	auto p = KeyOperationPermission::kSign | KeyOperationPermission::kVerify;
	cr_expect(has(p, KeyOperationPermission::kSign));
	cr_expect(!has(p, KeyOperationPermission::kExport));
	cr_expect_eq(std::uint64_t(p), HSM_PERM_SIGN | HSM_PERM_VERIFY);

	CryptoStack s = MUST(CryptoStack::Create());
	EXPECT_STATUS(s.Keys().GenerateKey(GenerateKeyParams{}.SetAlgorithm(cut)), Status::InvalidArgument);
	EXPECT_STATUS(s.Keys().GenerateKey(GenerateKeyParams{}), Status::InvalidArgument);
	auto al = s.Allocator();
	Buffer in = MUST(al.Allocate(8)), out = MUST(al.Allocate(64));
	EXPECT_STATUS(s.Digest(cut, in, out), Status::InvalidArgument);
	EXPECT_STATUS(s.CreateHashContext(HashContextConfig{}.SetAlgorithm(cut)), Status::InvalidArgument);
}

Test(lib_keys, generate_import_export_and_errors)
{
	CryptoStack s = MUST(CryptoStack::Create());
	KeyManager km = s.Keys();
	Bytes m = pattern(32, 5);
	auto k = hmac_key(s, m, true);
	Bytes out(64);
	cr_expect_eq(MUST(km.ExportKey(k, out)), 32u);
	cr_expect(Bytes(out.begin(), out.begin() + 32) == m);
	Bytes small(8);
	EXPECT_STATUS(km.ExportKey(k, small), Status::BufferTooSmall);

	auto ne = hmac_key(s, m, false);
	EXPECT_STATUS(km.ExportKey(ne, out), Status::NotPermitted);

	auto g = MUST(km.GenerateKey(GenerateKeyParams{}.SetAlgorithm("aes-256-gcm").SetPermissions(kEncDec)));
	cr_expect(g.IsActive());
	cr_expect(g.id().valid());
	auto h = MUST(km.GenerateKey(GenerateKeyParams{}.SetAlgorithm("hmac-sha-512")
					     .SetPermissions(kMacPerms).SetKeyLength(64)));
	cr_expect_neq(h.id().value, g.id().value);

	EXPECT_STATUS(km.GenerateKey(GenerateKeyParams{}.SetAlgorithm("rot13").SetPermissions(kEncDec)),
		      Status::Unsupported);
	EXPECT_STATUS(km.GenerateKey(GenerateKeyParams{}.SetAlgorithm("aes-256-gcm")
					     .SetPermissions(KeyOperationPermission::kAgree)),
		      Status::InvalidArgument);
	Bytes bad(7);
	EXPECT_STATUS(km.ImportKey(ImportKeyParams{}.SetAlgorithm("aes-128-gcm").SetPermissions(kEncDec)
					   .SetMaterial(bad)),
		      Status::InvalidArgument);
	EXPECT_STATUS(km.ExportKey(CryptoResourceId{12345}, out), Status::NotFound);
	EXPECT_STATUS(km.ExportKey(k, {}), Status::BufferTooSmall);
}

Test(lib_keys, guard_release_rules)
{
	CryptoStack s = MUST(CryptoStack::Create());
	auto al = s.Allocator();
	Buffer in = buf(al, pattern(64, 1)), tag = MUST(al.Allocate(32));
	CryptoResourceId id;
	{
		auto k = hmac_key(s, pattern(32, 3));
		id = k;
		cr_expect_eq(MUST(s.Mac(id, in, tag)), 32u);
	}
	EXPECT_STATUS(s.Mac(id, in, tag), Status::NotFound);	// the destructor released it

	auto k = hmac_key(s, pattern(32, 3));
	MUST(k.Release());
	cr_expect(!k.IsActive());
	EXPECT_STATUS(k.Release(), Status::InvalidState);

	// Released before the context is created: NotFound, fail-fast.
	auto k2 = hmac_key(s, pattern(32, 3));
	CryptoResourceId id2 = k2;
	MUST(k2.Release());
	EXPECT_STATUS(s.CreateMacContext(MacContextConfig{}.SetAlgorithm("hmac-sha-256").SetKey(id2)),
		      Status::NotFound);

	// Released after: the context holds the key and outlives the guard.
	auto k3 = hmac_key(s, pattern(32, 3));
	auto ctx = MUST(s.CreateMacContext(MacContextConfig{}.SetAlgorithm("hmac-sha-256").SetKey(k3)));
	MUST(k3.Release());
	MUST(ctx.Init());
	MUST(ctx.Update(in));
	cr_expect_eq(MUST(ctx.Finalize(tag)), 32u);
	cr_expect(bytes(tag, 32) == hmac256(pattern(32, 3), pattern(64, 1)));

	// Moving a guard moves the ownership.
	auto k4 = hmac_key(s, pattern(32, 3));
	CryptoResourceGuard moved = std::move(k4);
	cr_expect(!k4.IsActive());
	cr_expect(moved.IsActive());
	EXPECT_STATUS(k4.Release(), Status::InvalidState);
	MUST(moved.Release());
}

Test(lib_keys, persist_resolve_list_delete)
{
	CryptoStack s = MUST(CryptoStack::Create());
	CryptoStack s2 = MUST(CryptoStack::Create());
	KeyManager km = s.Keys();
	const KeySlot slot("lib-api-mac");
	auto k = hmac_key(s, pattern(32, 8));
	MUST(km.PersistKey(slot, k));
	cr_expect(k.IsActive(), "PersistKey copies: the guard stays active");
	EXPECT_STATUS(km.PersistKey(slot, k), Status::InvalidState);

	CryptoResourceId a = MUST(km.ResolveSlot(slot));
	CryptoResourceId b = MUST(s2.Keys().ResolveSlot(slot));
	cr_expect_eq(a.value, b.value, "one name, one ID, whichever stack resolves it");
	cr_expect_neq(a.value, k.id().value, "the slot's copy is its own key");

	auto al = s.Allocator();
	Buffer in = buf(al, pattern(50, 1)), t1 = MUST(al.Allocate(32)), t2 = MUST(al.Allocate(32));
	MUST(s.Mac(k, in, t1));
	MUST(s.Mac(a, in, t2));
	cr_expect(bytes(t1, 32) == bytes(t2, 32));

	auto list = MUST(km.ListSlots());
	bool found = false;
	for (auto &si : list)
		if (si.slot.name.view() == "lib-api-mac") {
			found = true;
			cr_expect(si.algorithm.view() == "hmac-sha-256");
			cr_expect_eq(si.key_length, 32u);
			cr_expect(has(si.permissions, kMacPerms));
		}
	cr_expect(found);

	// Slot-target overloads write straight to a slot.
	const KeySlot gen("lib-api-gen");
	MUST(km.GenerateKey(gen, GenerateKeyParams{}.SetAlgorithm("aes-128-gcm").SetPermissions(kEncDec)));
	cr_expect(MUST(km.ResolveSlot(gen)).valid());
	EXPECT_STATUS(km.GenerateKey(gen, GenerateKeyParams{}.SetAlgorithm("aes-128-gcm").SetPermissions(kEncDec)),
		      Status::InvalidState);
	const KeySlot imp("lib-api-imp");
	MUST(km.ImportKey(imp, ImportKeyParams{}.SetAlgorithm("hmac-sha-256").SetPermissions(kMacPerms)
				       .SetMaterial(pattern(32, 8))));
	Buffer t3 = MUST(al.Allocate(32));
	MUST(s.Mac(MUST(km.ResolveSlot(imp)), in, t3));
	cr_expect(bytes(t3, 32) == bytes(t1, 32));

	MUST(km.DeleteSlot(slot));
	MUST(km.DeleteSlot(gen));
	MUST(km.DeleteSlot(imp));
	cr_expect_eq(MUST(s.Mac(a, in, t2)), 32u, "a resolved ID outlives its slot");
	EXPECT_STATUS(km.ResolveSlot(slot), Status::NotFound);
	EXPECT_STATUS(km.DeleteSlot(slot), Status::NotFound);
	EXPECT_STATUS(km.ResolveSlot(KeySlot("")), Status::InvalidArgument);
	EXPECT_STATUS(km.PersistKey(KeySlot(std::string(80, 'x')), k), Status::InvalidArgument);
	// Root is not in the guest's slot_group (4242), but an admin may use
	// the group's names (to clean up after its members).
	MUST(km.PersistKey(KeySlot("lib-api-group", true), k));
	MUST(km.DeleteSlot(KeySlot("lib-api-group", true)));
}

Test(lib_keys, derive_matches_openssl_hkdf)
{
	CryptoStack s = MUST(CryptoStack::Create());
	KeyManager km = s.Keys();
	Bytes ikm = pattern(32, 1), salt = pattern(16, 2), info = pattern(10, 3);
	// Exportable: an exportable key is derived only from an exportable one.
	auto base = MUST(km.ImportKey(ImportKeyParams{}.SetAlgorithm("secret").SetExportable()
					      .SetPermissions(KeyOperationPermission::kDerive).SetMaterial(ikm)));
	auto kdf = KdfParameters{}.SetKdf("hkdf-sha-256").SetSalt(salt).SetInfo(info);
	auto d = MUST(km.DeriveKey(DeriveKeyParams{}.SetBaseKey(base).SetKdf(kdf).SetAlgorithm("secret")
					   .SetPermissions(KeyOperationPermission::kExport)
					   .SetExportable().SetKeyLength(42)));
	Bytes got(64);
	cr_assert_eq(MUST(km.ExportKey(d, got)), 42u);

	Bytes want(42);
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nullptr);
	EVP_PKEY_derive_init(pc);
	EVP_PKEY_CTX_set_hkdf_md(pc, EVP_sha256());
	EVP_PKEY_CTX_set1_hkdf_salt(pc, salt.data(), int(salt.size()));
	EVP_PKEY_CTX_set1_hkdf_key(pc, ikm.data(), int(ikm.size()));
	EVP_PKEY_CTX_add1_hkdf_info(pc, info.data(), int(info.size()));
	std::size_t wl = want.size();
	cr_assert_eq(EVP_PKEY_derive(pc, want.data(), &wl), 1);
	EVP_PKEY_CTX_free(pc);
	cr_expect(Bytes(got.begin(), got.begin() + 42) == want);

	EXPECT_STATUS(km.DeriveKey(DeriveKeyParams{}.SetBaseKey(base).SetKdf(KdfParameters{}.SetKdf("hkdf-md5"))
					   .SetAlgorithm("secret").SetKeyLength(32)),
		      Status::Unsupported);
	EXPECT_STATUS(km.DeriveKey(DeriveKeyParams{}.SetBaseKey(d).SetKdf(kdf).SetAlgorithm("secret")
					   .SetKeyLength(32)),
		      Status::NotPermitted);
	const KeySlot slot("lib-api-derived");
	MUST(km.DeriveKey(slot, DeriveKeyParams{}.SetBaseKey(base).SetKdf(kdf).SetAlgorithm("aes-256-gcm")
					.SetPermissions(kEncDec)));
	MUST(km.DeleteSlot(slot));
}

Test(lib_keys, agree_x25519_both_sides)
{
	CryptoStack s = MUST(CryptoStack::Create());
	KeyManager km = s.Keys();
	// Exportable: an exportable secret comes only from an exportable key.
	auto gp = GenerateKeyParams{}.SetAlgorithm("x25519").SetExportable()
			  .SetPermissions(KeyOperationPermission::kAgree);
	auto a = MUST(km.GenerateKey(gp)), b = MUST(km.GenerateKey(gp));
	Bytes pa(32), pb(32);
	cr_assert_eq(MUST(km.GetPublicKey(a, pa)), 32u);
	cr_assert_eq(MUST(km.GetPublicKey(b, pb)), 32u);
	Bytes tiny(8);
	EXPECT_STATUS(km.GetPublicKey(a, tiny), Status::BufferTooSmall);
	auto ap = AgreeKeyParams{}.SetAlgorithm("secret").SetExportable()
			  .SetPermissions(KeyOperationPermission::kExport | KeyOperationPermission::kDerive);
	auto sa = MUST(km.AgreeKey(AgreeKeyParams(ap).SetPrivateKey(a).SetPeerPublicKey(pb)));
	auto sb = MUST(km.AgreeKey(AgreeKeyParams(ap).SetPrivateKey(b).SetPeerPublicKey(pa)));
	Bytes xa(32), xb(32);
	cr_assert_eq(MUST(km.ExportKey(sa, xa)), 32u);
	cr_assert_eq(MUST(km.ExportKey(sb, xb)), 32u);
	cr_expect(xa == xb, "both sides agree");
	Bytes zero(32);
	EXPECT_STATUS(km.AgreeKey(AgreeKeyParams(ap).SetPrivateKey(a).SetPeerPublicKey(zero)),
		      Status::InvalidArgument);
	const KeySlot slot("lib-api-agreed");
	MUST(km.AgreeKey(slot, AgreeKeyParams(ap).SetPrivateKey(a).SetPeerPublicKey(pb)));
	MUST(km.DeleteSlot(slot));
}

Test(lib_keys, wrap_unwrap_gcm_and_kw)
{
	CryptoStack s = MUST(CryptoStack::Create());
	KeyManager km = s.Keys();
	auto wk = MUST(km.GenerateKey(GenerateKeyParams{}.SetAlgorithm("aes-256-gcm")
					      .SetPermissions(KeyOperationPermission::kWrap | KeyOperationPermission::kUnwrap)));
	auto target = hmac_key(s, pattern(32, 4), true);
	Bytes iv = pattern(12, 9), aad = pattern(5, 77);
	WrappedKey w = MUST(km.WrapKey(WrapKeyParams{}.SetWrappingKey(wk).SetKey(target).SetIv(iv).SetAad(aad)));
	cr_expect_eq(w.data.size(), 32u);
	cr_expect_eq(w.tag.size(), 16u);
	auto up = UnwrapKeyParams{}.SetWrappingKey(wk).SetWrapped(w.data).SetIv(iv).SetAad(aad).SetTag(w.tag);
	up.SetAlgorithm("hmac-sha-256").SetPermissions(kMacPerms);
	auto back = MUST(km.UnwrapKey(up));
	auto al = s.Allocator();
	Buffer in = buf(al, pattern(40, 1)), t1 = MUST(al.Allocate(32)), t2 = MUST(al.Allocate(32));
	MUST(s.Mac(target, in, t1));
	MUST(s.Mac(back, in, t2));
	cr_expect(bytes(t1, 32) == bytes(t2, 32));

	Bytes bad = w.tag;
	bad[0] ^= 1;
	EXPECT_STATUS(km.UnwrapKey(UnwrapKeyParams(up).SetTag(bad)), Status::AuthFailed);
	auto ne = hmac_key(s, pattern(32, 4), false);
	EXPECT_STATUS(km.WrapKey(WrapKeyParams{}.SetWrappingKey(wk).SetKey(ne).SetIv(iv)), Status::NotPermitted);
	const KeySlot slot("lib-api-unwrapped");
	MUST(km.UnwrapKey(slot, up));
	MUST(km.DeleteSlot(slot));

	// RFC 3394 key wrap: no iv, aad or tag; 8 bytes longer.
	auto kw = MUST(km.GenerateKey(GenerateKeyParams{}.SetAlgorithm("aes-256-kw")
					      .SetPermissions(KeyOperationPermission::kWrap | KeyOperationPermission::kUnwrap)));
	WrappedKey w2 = MUST(km.WrapKey(WrapKeyParams{}.SetWrappingKey(kw).SetKey(target)));
	cr_expect_eq(w2.data.size(), 40u);
	cr_expect(w2.tag.empty());
	auto up2 = UnwrapKeyParams{}.SetWrappingKey(kw).SetWrapped(w2.data);
	up2.SetAlgorithm("hmac-sha-256").SetPermissions(kMacPerms);
	auto back2 = MUST(km.UnwrapKey(up2));
	Buffer t3 = MUST(al.Allocate(32));
	MUST(s.Mac(back2, in, t3));
	cr_expect(bytes(t3, 32) == bytes(t1, 32));
	w2.data[3] ^= 1;
	EXPECT_STATUS(km.UnwrapKey(UnwrapKeyParams(up2).SetWrapped(w2.data)), Status::AuthFailed);
	EXPECT_STATUS(km.WrapKey(WrapKeyParams{}.SetWrappingKey(kw).SetKey(target).SetTagLength(17)),
		      Status::InvalidArgument);
}

Test(lib_ctx, hash_chunks_reset_and_misuse)
{
	CryptoStack s = MUST(CryptoStack::Create());
	auto al = s.Allocator();
	Bytes msg = pattern(10000, 1);
	Buffer in = buf(al, msg), out = MUST(al.Allocate(64));
	auto h = MUST(s.CreateHashContext(HashContextConfig{}.SetAlgorithm("sha-256")));
	cr_expect(h.IsActive());
	EXPECT_STATUS(h.Update(in), Status::InvalidState);	// before Init
	for (int round = 0; round < 2; round++) {
		MUST(h.Init());
		EXPECT_STATUS(h.Init(), Status::InvalidState);	// twice
		MUST(h.Update(in.Slice(0, 1)));
		MUST(h.Update(in.Slice(1, 4999)));
		EXPECT_STATUS(h.Reset(), Status::InvalidState);	// while updating
		MUST(h.Update(in.Slice(5000, 5000)));
		cr_expect_eq(MUST(h.Finalize(out)), 32u);
		cr_expect(bytes(out, 32) == sha(EVP_sha256(), msg), "round %d", round);
		MUST(h.Reset());
	}
	MUST(h.Init());
	EXPECT_STATUS(h.Finalize(out.Slice(0, 16)), Status::BufferTooSmall);
	MUST(h.Release());
	EXPECT_STATUS(h.Init(), Status::InvalidState);
	EXPECT_STATUS(h.Release(), Status::InvalidState);
	EXPECT_STATUS(s.CreateHashContext(HashContextConfig{}.SetAlgorithm("md4")), Status::Unsupported);
}

Test(lib_ctx, mac_generate_and_verify)
{
	CryptoStack s = MUST(CryptoStack::Create());
	auto al = s.Allocator();
	Bytes key = pattern(32, 2), msg = pattern(3000, 4);
	auto k = hmac_key(s, key);
	Buffer in = buf(al, msg), tag = MUST(al.Allocate(32));
	auto g = MUST(s.CreateMacContext(MacContextConfig{}.SetAlgorithm("hmac-sha-256").SetKey(k)));
	MUST(g.Init());
	MUST(g.Update(in.Slice(0, 1000)));
	MUST(g.Update(in.Slice(1000, 2000)));
	cr_expect_eq(MUST(g.Finalize(tag)), 32u);
	cr_expect(bytes(tag, 32) == hmac256(key, msg));

	auto v = MUST(s.CreateMacContext(MacContextConfig{}.SetAlgorithm("hmac-sha-256").SetKey(k)
						  .SetDirection(MacDirection::kVerify)));
	MUST(v.Init());
	MUST(v.Update(in));
	MUST(v.Verify(tag));
	MUST(v.Reset());
	MUST(v.Init());
	MUST(v.Update(in));
	tag.data()[0] ^= 1;
	EXPECT_STATUS(v.Verify(tag), Status::AuthFailed);
	EXPECT_STATUS(v.Update(in), Status::InvalidState);	// it finalized

	// The key lacks kEncrypt; an AES key does no MAC.
	EXPECT_STATUS(s.CreateCipherContext(CipherContextConfig{}.SetAlgorithm("hmac-sha-256").SetKey(k)),
		      Status::InvalidArgument);
	auto sign_only = MUST(s.Keys().ImportKey(ImportKeyParams{}.SetAlgorithm("hmac-sha-256")
							  .SetPermissions(KeyOperationPermission::kSign)
							  .SetMaterial(key)));
	EXPECT_STATUS(s.CreateMacContext(MacContextConfig{}.SetAlgorithm("hmac-sha-256").SetKey(sign_only)
						 .SetDirection(MacDirection::kVerify)),
		      Status::NotPermitted);
}

Test(lib_ctx, cipher_both_directions)
{
	CryptoStack s = MUST(CryptoStack::Create());
	auto al = s.Allocator();
	Bytes key = pattern(32, 7), iv = pattern(16, 1), msg = pattern(4096, 3);
	auto k = MUST(s.Keys().ImportKey(ImportKeyParams{}.SetAlgorithm("aes-256-cbc").SetPermissions(kEncDec)
						 .SetMaterial(key)));
	Buffer ivb = buf(al, iv), in = buf(al, msg), ct = MUST(al.Allocate(4096)), pt = MUST(al.Allocate(4096));
	auto e = MUST(s.CreateCipherContext(CipherContextConfig{}.SetAlgorithm("aes-256-cbc").SetKey(k)));
	MUST(e.Init(ivb));
	cr_expect_eq(MUST(e.Update(in.Slice(0, 1024), ct.Slice(0, 1024))), 1024u);
	cr_expect_eq(MUST(e.Update(in.Slice(1024, 3072), ct.Slice(1024, 3072))), 3072u);
	MUST(e.Finalize());

	Buffer one = MUST(al.Allocate(4096));
	cr_expect_eq(MUST(s.Encrypt(k, ivb, in, one)), 4096u);
	cr_expect(bytes(one, 4096) == bytes(ct, 4096), "stream equals one-shot");

	auto d = MUST(s.CreateCipherContext(CipherContextConfig{}.SetAlgorithm("aes-256-cbc").SetKey(k)
						    .SetDirection(CipherDirection::kDecrypt)));
	MUST(d.Init(ivb));
	MUST(d.Update(ct, pt));
	MUST(d.Finalize());
	cr_expect(bytes(pt, 4096) == msg);
	MUST(d.Reset());
	EXPECT_STATUS(d.Init(ivb.Slice(0, 8)), Status::InvalidArgument);
	MUST(d.Init(ivb));
	EXPECT_STATUS(d.Update(ct.Slice(0, 15), pt.Slice(0, 15)), Status::InvalidArgument);
}

Test(lib_ctx, aead_seal_open_tags)
{
	CryptoStack s = MUST(CryptoStack::Create());
	auto al = s.Allocator();
	Bytes msg = pattern(3000, 5), nonce = pattern(12, 6), aad = pattern(20, 7);
	auto k = MUST(s.Keys().GenerateKey(GenerateKeyParams{}.SetAlgorithm("aes-256-gcm").SetPermissions(kEncDec)));
	Buffer nb = buf(al, nonce), ab = buf(al, aad), in = buf(al, msg);
	Buffer ct = MUST(al.Allocate(3000)), pt = MUST(al.Allocate(3000)), tag = MUST(al.Allocate(16));
	auto e = MUST(s.CreateAeadContext(AeadContextConfig{}.SetAlgorithm("aes-256-gcm").SetKey(k)));
	MUST(e.Init(nb, ab));
	cr_expect_eq(MUST(e.Update(in.Slice(0, 1000))), 1000u);
	cr_expect_eq(MUST(e.Update(in.Slice(1000, 2000))), 2000u);
	cr_expect_eq(MUST(e.Finalize(ct)), 3000u);
	cr_expect_eq(e.GetTag().size(), 16u);

	Buffer one = MUST(al.Allocate(3000));
	MUST(s.Seal(k, nb, ab, in, one, tag));
	cr_expect(bytes(one, 3000) == bytes(ct, 3000), "stream equals one-shot");
	cr_expect(std::equal(e.GetTag().begin(), e.GetTag().end(), tag.data()));

	auto d = MUST(s.CreateAeadContext(AeadContextConfig{}.SetAlgorithm("aes-256-gcm").SetKey(k)
						  .SetDirection(CipherDirection::kDecrypt)));
	MUST(d.SetTag(e.GetTag()));
	MUST(d.Init(nb, ab));
	MUST(d.Update(ct));
	cr_expect_eq(MUST(d.Finalize(pt)), 3000u);
	cr_expect(bytes(pt, 3000) == msg);

	MUST(d.Reset());
	Bytes bad(e.GetTag().begin(), e.GetTag().end());
	bad[5] ^= 1;
	MUST(d.SetTag(bad));
	MUST(d.Init(nb, ab));
	MUST(d.Update(ct));
	EXPECT_STATUS(d.Finalize(pt), Status::AuthFailed);
	for (auto c : pt.span())
		cr_assert_eq(c, 0, "no unauthenticated plaintext");
	Bytes toolong(17);
	EXPECT_STATUS(d.SetTag(toolong), Status::InvalidArgument);
	EXPECT_STATUS(s.CreateAeadContext(AeadContextConfig{}.SetAlgorithm("aes-256-gcm").SetKey(k).SetTagLength(0)),
		      Status::InvalidArgument);
	MUST(s.Open(k, nb, ab, ct, pt, tag));
	tag.data()[0] ^= 1;
	EXPECT_STATUS(s.Open(k, nb, ab, ct, pt, tag), Status::AuthFailed);
}

Test(lib_ctx, sign_and_verify_rsa)
{
	CryptoStack s = MUST(CryptoStack::Create());
	auto al = s.Allocator();
	EVP_PKEY *pk = EVP_RSA_gen(2048);
	cr_assert(pk);
	unsigned char *p = nullptr;
	int n = i2d_PrivateKey(pk, &p);
	Bytes priv(p, p + n);
	OPENSSL_free(p);
	p = nullptr;
	n = i2d_PublicKey(pk, &p);
	Bytes pub(p, p + n);
	OPENSSL_free(p);

	auto k = MUST(s.Keys().ImportKey(ImportKeyParams{}.SetAlgorithm("rsa-pkcs1-sha256").SetPermissions(kMacPerms)
						 .SetMaterial(priv)));
	auto vk = MUST(s.Keys().ImportKey(ImportKeyParams{}.SetAlgorithm("rsa-pkcs1-sha256")
						  .SetPermissions(KeyOperationPermission::kVerify).SetMaterial(pub)));
	Bytes msg = pattern(5000, 1);
	Buffer in = buf(al, msg), sig = MUST(al.Allocate(256)), one = MUST(al.Allocate(256));
	auto sc = MUST(s.CreateSignContext(SignContextConfig{}.SetAlgorithm("rsa-pkcs1-sha256").SetKey(k)));
	MUST(sc.Init());
	MUST(sc.Update(in.Slice(0, 2000)));
	MUST(sc.Update(in.Slice(2000, 3000)));
	cr_expect_eq(MUST(sc.Finalize(sig)), 256u);
	cr_expect_eq(MUST(s.Sign(k, in, one)), 256u);
	cr_expect(bytes(sig, 256) == bytes(one, 256), "PKCS#1 v1.5 is deterministic");

	// OpenSSL agrees.
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	EVP_DigestVerifyInit(m, nullptr, EVP_sha256(), nullptr, pk);
	cr_expect_eq(EVP_DigestVerify(m, sig.data(), 256, msg.data(), msg.size()), 1);
	EVP_MD_CTX_free(m);
	EVP_PKEY_free(pk);

	auto vc = MUST(s.CreateVerifyContext(VerifyContextConfig{}.SetAlgorithm("rsa-pkcs1-sha256").SetKey(vk)));
	MUST(vc.Init());
	MUST(vc.Update(in));
	MUST(vc.Finalize(sig));
	MUST(s.Verify(vk, in, sig));
	sig.data()[10] ^= 1;
	MUST(vc.Reset());
	MUST(vc.Init());
	MUST(vc.Update(in));
	EXPECT_STATUS(vc.Finalize(sig), Status::AuthFailed);
	EXPECT_STATUS(s.Verify(vk, in, sig), Status::AuthFailed);
	EXPECT_STATUS(s.CreateSignContext(SignContextConfig{}.SetAlgorithm("rsa-pkcs1-sha256").SetKey(vk)),
		      Status::NotPermitted);
	EXPECT_STATUS(s.Sign(vk, in, one), Status::NotPermitted);
}

Test(lib_ctx, context_limit)
{
	CryptoStack s = MUST(CryptoStack::Create());
	std::vector<HashContext> v;
	for (int i = 0; i < 200; i++) {
		auto c = s.CreateHashContext(HashContextConfig{}.SetAlgorithm("sha-256"));
		if (!c) {
			cr_expect_eq(c.error().status, Status::LimitExceeded, "%s", c.error().message.c_str());
			cr_expect_gt(i, 0);
			return;
		}
		v.push_back(std::move(*c));
	}
	cr_assert_fail("no context limit reached");
}

Test(lib_oneshot, every_call_and_its_errors)
{
	CryptoStack s = MUST(CryptoStack::Create());
	auto al = s.Allocator();
	Bytes msg = pattern(777, 3);
	Buffer in = buf(al, msg), out = MUST(al.Allocate(64));
	cr_expect_eq(MUST(s.Digest("sha-512", in, out)), 64u);
	cr_expect(bytes(out, 64) == sha(EVP_sha512(), msg));
	cr_expect_eq(MUST(s.Digest("sha3-256", in, out)), 32u);
	cr_expect(bytes(out, 32) == sha(EVP_sha3_256(), msg));
	EXPECT_STATUS(s.Digest("sha-512", in, out.Slice(0, 32)), Status::BufferTooSmall);
	EXPECT_STATUS(s.Digest("whirlpool", in, out), Status::Unsupported);

	Bytes key = pattern(32, 1);
	auto k = hmac_key(s, key);
	Buffer tag = MUST(al.Allocate(32));
	cr_expect_eq(MUST(s.Mac(k, in, tag)), 32u);
	cr_expect(bytes(tag, 32) == hmac256(key, msg));
	MUST(s.MacVerify(k, in, tag));
	Buffer short_tag = MUST(al.Allocate(16));
	EXPECT_STATUS(s.Mac(k, in, short_tag), Status::BufferTooSmall);
	cr_expect_eq(MUST(s.Mac(k, in, short_tag, true)), 16u, "truncated on request");
	Bytes full = hmac256(key, msg);
	cr_expect(bytes(short_tag, 16) == Bytes(full.begin(), full.begin() + 16));
	tag.data()[31] ^= 1;
	EXPECT_STATUS(s.MacVerify(k, in, tag), Status::AuthFailed);
	EXPECT_STATUS(s.Mac(CryptoResourceId{42}, in, tag), Status::NotFound);

	auto ctr = MUST(s.Keys().GenerateKey(GenerateKeyParams{}.SetAlgorithm("aes-128-ctr")
						     .SetPermissions(KeyOperationPermission::kEncrypt)));
	Buffer iv = buf(al, pattern(16, 0)), ct = MUST(al.Allocate(777)), pt = MUST(al.Allocate(777));
	cr_expect_eq(MUST(s.Encrypt(ctr, iv, in, ct)), 777u);
	EXPECT_STATUS(s.Decrypt(ctr, iv, ct, pt), Status::NotPermitted);

	auto gcm = MUST(s.Keys().GenerateKey(GenerateKeyParams{}.SetAlgorithm("chacha20-poly1305").SetPermissions(kEncDec)));
	Buffer nonce = buf(al, pattern(12, 1)), t16 = MUST(al.Allocate(16));
	cr_expect_eq(MUST(s.Seal(gcm, nonce, {}, in, ct, t16)), 777u);
	cr_expect_eq(MUST(s.Open(gcm, nonce, {}, ct, pt, t16)), 777u);
	cr_expect(bytes(pt, 777) == msg);
	EXPECT_STATUS(s.Seal(gcm, nonce.Slice(0, 5), {}, in, ct, t16), Status::InvalidArgument);

	Buffer r1 = MUST(al.Allocate(64)), r2 = MUST(al.Allocate(64));
	cr_expect_eq(MUST(s.Random(r1)), 64u);
	cr_expect_eq(MUST(s.Random(r2)), 64u);
	cr_expect(bytes(r1, 64) != bytes(r2, 64));
	// A ref outside the region.
	EXPECT_STATUS(s.Random(BufferRef{0xfffff000u, 64}), Status::InvalidArgument);
}

namespace {

struct BusyResult {
	bool long_ok;		// the long call ran (no deadline hit)
	Result<void> probe;
};

// One thread runs a long Update on h; after 20 ms this thread sends a short
// Update to the same, busy, context.  Both carry h's deadline.
BusyResult while_busy(HashContext &h, const Buffer &big, std::size_t len, const Buffer &small)
{
	std::atomic<bool> started{false};
	bool long_ok = false;
	std::thread t([&] {
		started = true;
		long_ok = h.Update(big.Slice(0, len)).has_value();
	});
	while (!started)
		;
	usleep(20000);
	auto r = h.Update(small);
	t.join();
	return {long_ok, r};
}

// Probes a busy context until the long call was still running when the
// probe arrived; returns the probe's result.
Result<void> probe_busy(const CryptoStack &s, const HashContextConfig &cfg, std::uint32_t want_ms)
{
	auto al = s.Allocator();
	Buffer big = MUST(al.Allocate(6u << 20)), small = MUST(al.Allocate(64));
	Result<void> last;
	for (std::size_t len = 2u << 20; len <= (6u << 20); len += 2u << 20) {
		auto h = MUST(s.CreateHashContext(cfg));
		cr_assert_eq(h.timeout().abi(), want_ms);
		MUST(h.Init());
		BusyResult r = while_busy(h, big, len, small);
		last = r.probe;
		if (!r.long_ok)
			continue;	// the long call itself missed its deadline
		if (!r.probe && r.probe.error().status == Status::TimedOut) {
			// A probe that waited for the context failed it; one whose
			// deadline passed before it was even taken off the queue
			// did nothing at all (both are the ABI's "does nothing").
			auto next = h.Update(small);
			if (!next) {
				cr_expect_eq(next.error().status, Status::InvalidState, "%s",
					     next.error().message.c_str());
				MUST(h.Reset());
				MUST(h.Init());
				MUST(h.Update(small));
			}
			return r.probe;
		}
		if (r.probe && want_ms == HSM_TIMEOUT_NONE)
			return r.probe;
	}
	return last;
}

} // namespace

Test(lib_timeout, stack_default_applies_and_fails_the_context)
{
	CryptoStack s = MUST(CryptoStack::Create(CryptoStackConfig{}.SetRegionSize(8u << 20).SetTimeout(30)));
	auto r = probe_busy(s, HashContextConfig{}.SetAlgorithm("sha3-512"), 30);
	EXPECT_STATUS(r, Status::TimedOut);
}

Test(lib_timeout, context_override_beats_the_stack)
{
	CryptoStack s = MUST(CryptoStack::Create(CryptoStackConfig{}.SetRegionSize(8u << 20).DisableTimeout()));
	cr_expect(s.DefaultTimeout().disabled());
	auto r = probe_busy(s, HashContextConfig{}.SetAlgorithm("sha3-512").SetTimeout(30), 30);
	EXPECT_STATUS(r, Status::TimedOut);
}

Test(lib_timeout, disable_timeout_waits_its_turn)
{
	CryptoStack s = MUST(CryptoStack::Create(CryptoStackConfig{}.SetRegionSize(8u << 20).SetTimeout(1)));
	auto r = probe_busy(s, HashContextConfig{}.SetAlgorithm("sha3-512").DisableTimeout(), HSM_TIMEOUT_NONE);
	cr_expect(r.has_value(), "%s", r ? "" : r.error().message.c_str());
}

Test(lib_stack, a_forked_child_opens_its_own_connection)
{
	CryptoStack s = MUST(CryptoStack::Create());
	auto parent_key = hmac_key(s, pattern(32, 1));
	// The child's part: it owns the inherited stack and guard, and
	// returns normally, so their destructors run in the child.
	auto child = [](CryptoStack inherited, CryptoResourceGuard key) {
		auto c = CryptoStack::Create();
		if (!c)
			return 10;
		auto al = c->Allocator();
		auto in = al.Allocate(64), out = al.Allocate(32);
		if (!in || !out)
			return 11;
		auto d = c->Digest("sha-256", *in, *out);
		if (!d || *d != 32)
			return 12;
		// The parent's key IDs mean nothing on the child's connection.
		auto m = c->Mac(key.id(), *in, *out);
		if (m || m.error().status != Status::NotFound)
			return 13;
		// Nor does the inherited stack reach the module.
		auto im = inherited.Mac(key, *in, *out);
		return !im && im.error().status == Status::InvalidState ? 0 : 14;
	};
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0)
		exit(child(std::move(s), std::move(parent_key)));
	int st = 0;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %d", st);
	auto al = s.Allocator();
	Buffer in = MUST(al.Allocate(64)), out = MUST(al.Allocate(32));
	cr_expect_eq(MUST(s.Mac(parent_key, in, out)), 32u, "the parent is unaffected");
}
