// SPDX-License-Identifier: GPL-2.0 OR MIT
// libhsm's public API, call by call: the stack and its shared connection,
// the allocator, key management with its guards and slots, every context
// type with reset() and misuse errors, the one-shots, and the two timeout
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
#include "timescale.hpp"

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
	auto p = ImportKeyParams{}.set_algorithm("hmac-sha-256").set_material(material);
	p.set_permissions(exportable ? kMacPerms | KeyOperationPermission::kExport : kMacPerms)
		.set_exportable(exportable);
	return MUST(s.keys().import_key(p));
}

} // namespace

Test(lib_stack, stacks_share_one_connection_and_report_info)
{
	CryptoStack a = MUST(CryptoStack::create());
	CryptoStack b = MUST(CryptoStack::create(CryptoStackConfig{}.set_timeout(500)));
	ModuleInfo i = a.info();
	cr_expect_eq(i.abi_version, HSM_ABI_VERSION);
	cr_expect(!i.module_version.empty());
	cr_expect_eq(i.region_size, b.info().region_size, "one region for both");
	cr_expect(i.op_slots >= 1 && i.op_slots <= 256);
	if (i.max_inflight)
		cr_expect_leq(i.op_slots, i.max_inflight, "never more in flight than the module allows");
	cr_expect_eq(b.default_timeout().abi(), 500u);
	cr_expect(a.default_timeout().is_default());

	// A key of one stack is usable from the other: one connection.
	auto k = hmac_key(a, pattern(32, 1));
	auto al = b.allocator();
	Buffer in = buf(al, pattern(100, 2)), tag = MUST(al.allocate(32));
	cr_expect_eq(MUST(b.mac(k, in, tag)), 32u);
	cr_expect(bytes(tag, 32) == hmac256(pattern(32, 1), pattern(100, 2)));
}

Test(lib_stack, bad_region_size)
{
	// The first stack of the process decides the region.
	EXPECT_STATUS(CryptoStack::create(CryptoStackConfig{}.set_region_size(12345)), Status::kInvalidArgument);
	EXPECT_STATUS(CryptoStack::create(CryptoStackConfig{}.set_region_size(1ull << 40)), Status::kInvalidArgument);
	EXPECT_STATUS(CryptoStack::create(CryptoStackConfig{}.set_region_size(64ull << 20)), Status::kLimitExceeded);
	cr_expect(CryptoStack::create().has_value(), "a good size still works");
}

Test(lib_memory, allocate_align_zero_free)
{
	MemoryAllocator a = MUST(MemoryAllocator::create());
	std::size_t before = a.available();
	{
		Buffer x = MUST(a.allocate(100));
		Buffer y = MUST(a.allocate(10, 4096));
		cr_expect_eq(x.size(), 100u);
		cr_expect_eq(reinterpret_cast<std::uintptr_t>(x.data()) % 64, 0u);
		cr_expect_eq(reinterpret_cast<std::uintptr_t>(y.data()) % 4096, 0u);
		for (auto c : x.span())
			cr_assert_eq(c, 0, "zeroed");
		std::memset(x.data(), 0xab, x.size());
		BufferRef r = x.slice(90, 50);
		cr_expect_eq(r.len, 10u, "a slice never reaches past its buffer");
		cr_expect_lt(a.available(), before);
		Buffer z = std::move(x);
		cr_expect(x.empty());
		cr_expect_eq(z.size(), 100u);
	}
	cr_expect_eq(a.available(), before, "every block came back");
	Buffer again = MUST(a.allocate(100));
	for (auto c : again.span())
		cr_assert_eq(c, 0, "freed memory is wiped");
	EXPECT_STATUS(a.allocate(0), Status::kInvalidArgument);
	EXPECT_STATUS(a.allocate(16, 3), Status::kInvalidArgument);
	EXPECT_STATUS(a.allocate(16, 8192), Status::kInvalidArgument);
	EXPECT_STATUS(a.allocate(a.largest_free() + 1), Status::kOutOfMemory);
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

	CryptoStack s = MUST(CryptoStack::create());
	EXPECT_STATUS(s.keys().generate_key(GenerateKeyParams{}.set_algorithm(cut)), Status::kInvalidArgument);
	EXPECT_STATUS(s.keys().generate_key(GenerateKeyParams{}), Status::kInvalidArgument);
	auto al = s.allocator();
	Buffer in = MUST(al.allocate(8)), out = MUST(al.allocate(64));
	EXPECT_STATUS(s.digest(cut, in, out), Status::kInvalidArgument);
	EXPECT_STATUS(s.create_hash_context(HashContextConfig{}.set_algorithm(cut)), Status::kInvalidArgument);
}

Test(lib_keys, generate_import_export_and_errors)
{
	CryptoStack s = MUST(CryptoStack::create());
	KeyManager km = s.keys();
	Bytes m = pattern(32, 5);
	auto k = hmac_key(s, m, true);
	Bytes out(64);
	cr_expect_eq(MUST(km.export_key(k, out)), 32u);
	cr_expect(Bytes(out.begin(), out.begin() + 32) == m);
	Bytes small(8);
	EXPECT_STATUS(km.export_key(k, small), Status::kBufferTooSmall);

	auto ne = hmac_key(s, m, false);
	EXPECT_STATUS(km.export_key(ne, out), Status::kNotPermitted);

	auto g = MUST(km.generate_key(GenerateKeyParams{}.set_algorithm("aes-256-gcm").set_permissions(kEncDec)));
	cr_expect(g.is_active());
	cr_expect(g.id().valid());
	auto h = MUST(km.generate_key(GenerateKeyParams{}.set_algorithm("hmac-sha-512")
					     .set_permissions(kMacPerms).set_key_length(64)));
	cr_expect_neq(h.id().value, g.id().value);

	EXPECT_STATUS(km.generate_key(GenerateKeyParams{}.set_algorithm("rot13").set_permissions(kEncDec)),
		      Status::kUnsupported);
	EXPECT_STATUS(km.generate_key(GenerateKeyParams{}.set_algorithm("aes-256-gcm")
					     .set_permissions(KeyOperationPermission::kAgree)),
		      Status::kInvalidArgument);
	Bytes bad(7);
	EXPECT_STATUS(km.import_key(ImportKeyParams{}.set_algorithm("aes-128-gcm").set_permissions(kEncDec)
					   .set_material(bad)),
		      Status::kInvalidArgument);
	EXPECT_STATUS(km.export_key(CryptoResourceId{12345}, out), Status::kNotFound);
	EXPECT_STATUS(km.export_key(k, {}), Status::kBufferTooSmall);
}

Test(lib_keys, guard_release_rules)
{
	CryptoStack s = MUST(CryptoStack::create());
	auto al = s.allocator();
	Buffer in = buf(al, pattern(64, 1)), tag = MUST(al.allocate(32));
	CryptoResourceId id;
	{
		auto k = hmac_key(s, pattern(32, 3));
		id = k;
		cr_expect_eq(MUST(s.mac(id, in, tag)), 32u);
	}
	EXPECT_STATUS(s.mac(id, in, tag), Status::kNotFound);	// the destructor released it

	auto k = hmac_key(s, pattern(32, 3));
	MUST(k.release());
	cr_expect(!k.is_active());
	EXPECT_STATUS(k.release(), Status::kInvalidState);

	// Released before the context is created: NotFound, fail-fast.
	auto k2 = hmac_key(s, pattern(32, 3));
	CryptoResourceId id2 = k2;
	MUST(k2.release());
	EXPECT_STATUS(s.create_mac_context(MacContextConfig{}.set_algorithm("hmac-sha-256").set_key(id2)),
		      Status::kNotFound);

	// Released after: the context holds the key and outlives the guard.
	auto k3 = hmac_key(s, pattern(32, 3));
	auto ctx = MUST(s.create_mac_context(MacContextConfig{}.set_algorithm("hmac-sha-256").set_key(k3)));
	MUST(k3.release());
	MUST(ctx.init());
	MUST(ctx.update(in));
	cr_expect_eq(MUST(ctx.finalize(tag)), 32u);
	cr_expect(bytes(tag, 32) == hmac256(pattern(32, 3), pattern(64, 1)));

	// Moving a guard moves the ownership.
	auto k4 = hmac_key(s, pattern(32, 3));
	CryptoResourceGuard moved = std::move(k4);
	cr_expect(!k4.is_active());
	cr_expect(moved.is_active());
	EXPECT_STATUS(k4.release(), Status::kInvalidState);
	MUST(moved.release());
}

Test(lib_keys, persist_resolve_list_delete)
{
	CryptoStack s = MUST(CryptoStack::create());
	CryptoStack s2 = MUST(CryptoStack::create());
	KeyManager km = s.keys();
	const KeySlot slot("lib-api-mac");
	auto k = hmac_key(s, pattern(32, 8));
	MUST(km.persist_key(slot, k));
	cr_expect(k.is_active(), "persist_key copies: the guard stays active");
	EXPECT_STATUS(km.persist_key(slot, k), Status::kInvalidState);

	CryptoResourceId a = MUST(km.resolve_slot(slot));
	CryptoResourceId b = MUST(s2.keys().resolve_slot(slot));
	cr_expect_eq(a.value, b.value, "one name, one ID, whichever stack resolves it");
	cr_expect_neq(a.value, k.id().value, "the slot's copy is its own key");

	auto al = s.allocator();
	Buffer in = buf(al, pattern(50, 1)), t1 = MUST(al.allocate(32)), t2 = MUST(al.allocate(32));
	MUST(s.mac(k, in, t1));
	MUST(s.mac(a, in, t2));
	cr_expect(bytes(t1, 32) == bytes(t2, 32));

	auto list = MUST(km.list_slots());
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
	MUST(km.generate_key(gen, GenerateKeyParams{}.set_algorithm("aes-128-gcm").set_permissions(kEncDec)));
	cr_expect(MUST(km.resolve_slot(gen)).valid());
	EXPECT_STATUS(km.generate_key(gen, GenerateKeyParams{}.set_algorithm("aes-128-gcm").set_permissions(kEncDec)),
		      Status::kInvalidState);
	const KeySlot imp("lib-api-imp");
	MUST(km.import_key(imp, ImportKeyParams{}.set_algorithm("hmac-sha-256").set_permissions(kMacPerms)
				       .set_material(pattern(32, 8))));
	Buffer t3 = MUST(al.allocate(32));
	MUST(s.mac(MUST(km.resolve_slot(imp)), in, t3));
	cr_expect(bytes(t3, 32) == bytes(t1, 32));

	MUST(km.delete_slot(slot));
	MUST(km.delete_slot(gen));
	MUST(km.delete_slot(imp));
	cr_expect_eq(MUST(s.mac(a, in, t2)), 32u, "a resolved ID outlives its slot");
	EXPECT_STATUS(km.resolve_slot(slot), Status::kNotFound);
	EXPECT_STATUS(km.delete_slot(slot), Status::kNotFound);
	EXPECT_STATUS(km.resolve_slot(KeySlot("")), Status::kInvalidArgument);
	EXPECT_STATUS(km.persist_key(KeySlot(std::string(80, 'x')), k), Status::kInvalidArgument);
	// Root is not in the guest's slot_group (4242), but an admin may use
	// the group's names (to clean up after its members).
	MUST(km.persist_key(KeySlot("lib-api-group", true), k));
	MUST(km.delete_slot(KeySlot("lib-api-group", true)));
}

Test(lib_keys, derive_matches_openssl_hkdf)
{
	CryptoStack s = MUST(CryptoStack::create());
	KeyManager km = s.keys();
	Bytes ikm = pattern(32, 1), salt = pattern(16, 2), info = pattern(10, 3);
	// Exportable: an exportable key is derived only from an exportable one.
	auto base = MUST(km.import_key(ImportKeyParams{}.set_algorithm("secret").set_exportable()
					      .set_permissions(KeyOperationPermission::kDerive).set_material(ikm)));
	auto kdf = KdfParameters{}.set_kdf("hkdf-sha-256").set_salt(salt).set_info(info);
	auto d = MUST(km.derive_key(DeriveKeyParams{}.set_base_key(base).set_kdf(kdf).set_algorithm("secret")
					   .set_permissions(KeyOperationPermission::kExport)
					   .set_exportable().set_key_length(42)));
	Bytes got(64);
	cr_assert_eq(MUST(km.export_key(d, got)), 42u);

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

	EXPECT_STATUS(km.derive_key(DeriveKeyParams{}.set_base_key(base).set_kdf(KdfParameters{}.set_kdf("hkdf-md5"))
					   .set_algorithm("secret").set_key_length(32)),
		      Status::kUnsupported);
	EXPECT_STATUS(km.derive_key(DeriveKeyParams{}.set_base_key(d).set_kdf(kdf).set_algorithm("secret")
					   .set_key_length(32)),
		      Status::kNotPermitted);
	const KeySlot slot("lib-api-derived");
	MUST(km.derive_key(slot, DeriveKeyParams{}.set_base_key(base).set_kdf(kdf).set_algorithm("aes-256-gcm")
					.set_permissions(kEncDec)));
	MUST(km.delete_slot(slot));
}

Test(lib_keys, agree_x25519_both_sides)
{
	CryptoStack s = MUST(CryptoStack::create());
	KeyManager km = s.keys();
	// Exportable: an exportable secret comes only from an exportable key.
	auto gp = GenerateKeyParams{}.set_algorithm("x25519").set_exportable()
			  .set_permissions(KeyOperationPermission::kAgree);
	auto a = MUST(km.generate_key(gp)), b = MUST(km.generate_key(gp));
	Bytes pa(32), pb(32);
	cr_assert_eq(MUST(km.get_public_key(a, pa)), 32u);
	cr_assert_eq(MUST(km.get_public_key(b, pb)), 32u);
	Bytes tiny(8);
	EXPECT_STATUS(km.get_public_key(a, tiny), Status::kBufferTooSmall);
	auto ap = AgreeKeyParams{}.set_algorithm("secret").set_exportable()
			  .set_permissions(KeyOperationPermission::kExport | KeyOperationPermission::kDerive);
	auto sa = MUST(km.agree_key(AgreeKeyParams(ap).set_private_key(a).set_peer_public_key(pb)));
	auto sb = MUST(km.agree_key(AgreeKeyParams(ap).set_private_key(b).set_peer_public_key(pa)));
	Bytes xa(32), xb(32);
	cr_assert_eq(MUST(km.export_key(sa, xa)), 32u);
	cr_assert_eq(MUST(km.export_key(sb, xb)), 32u);
	cr_expect(xa == xb, "both sides agree");
	Bytes zero(32);
	EXPECT_STATUS(km.agree_key(AgreeKeyParams(ap).set_private_key(a).set_peer_public_key(zero)),
		      Status::kInvalidArgument);
	const KeySlot slot("lib-api-agreed");
	MUST(km.agree_key(slot, AgreeKeyParams(ap).set_private_key(a).set_peer_public_key(pb)));
	MUST(km.delete_slot(slot));
}

Test(lib_keys, wrap_unwrap_gcm_and_kw)
{
	CryptoStack s = MUST(CryptoStack::create());
	KeyManager km = s.keys();
	auto wk = MUST(km.generate_key(GenerateKeyParams{}.set_algorithm("aes-256-gcm")
					      .set_permissions(KeyOperationPermission::kWrap | KeyOperationPermission::kUnwrap)));
	auto target = hmac_key(s, pattern(32, 4), true);
	Bytes iv = pattern(12, 9), aad = pattern(5, 77);
	WrappedKey w = MUST(km.wrap_key(WrapKeyParams{}.set_wrapping_key(wk).set_key(target).set_iv(iv).set_aad(aad)));
	cr_expect_eq(w.data.size(), 32u);
	cr_expect_eq(w.tag.size(), 16u);
	auto up = UnwrapKeyParams{}.set_wrapping_key(wk).set_wrapped(w.data).set_iv(iv).set_aad(aad).set_tag(w.tag);
	up.set_algorithm("hmac-sha-256").set_permissions(kMacPerms);
	auto back = MUST(km.unwrap_key(up));
	auto al = s.allocator();
	Buffer in = buf(al, pattern(40, 1)), t1 = MUST(al.allocate(32)), t2 = MUST(al.allocate(32));
	MUST(s.mac(target, in, t1));
	MUST(s.mac(back, in, t2));
	cr_expect(bytes(t1, 32) == bytes(t2, 32));

	Bytes bad = w.tag;
	bad[0] ^= 1;
	EXPECT_STATUS(km.unwrap_key(UnwrapKeyParams(up).set_tag(bad)), Status::kAuthFailed);
	auto ne = hmac_key(s, pattern(32, 4), false);
	EXPECT_STATUS(km.wrap_key(WrapKeyParams{}.set_wrapping_key(wk).set_key(ne).set_iv(iv)), Status::kNotPermitted);
	const KeySlot slot("lib-api-unwrapped");
	MUST(km.unwrap_key(slot, up));
	MUST(km.delete_slot(slot));

	// RFC 3394 key wrap: no iv, aad or tag; 8 bytes longer.
	auto kw = MUST(km.generate_key(GenerateKeyParams{}.set_algorithm("aes-256-kw")
					      .set_permissions(KeyOperationPermission::kWrap | KeyOperationPermission::kUnwrap)));
	WrappedKey w2 = MUST(km.wrap_key(WrapKeyParams{}.set_wrapping_key(kw).set_key(target)));
	cr_expect_eq(w2.data.size(), 40u);
	cr_expect(w2.tag.empty());
	auto up2 = UnwrapKeyParams{}.set_wrapping_key(kw).set_wrapped(w2.data);
	up2.set_algorithm("hmac-sha-256").set_permissions(kMacPerms);
	auto back2 = MUST(km.unwrap_key(up2));
	Buffer t3 = MUST(al.allocate(32));
	MUST(s.mac(back2, in, t3));
	cr_expect(bytes(t3, 32) == bytes(t1, 32));
	w2.data[3] ^= 1;
	EXPECT_STATUS(km.unwrap_key(UnwrapKeyParams(up2).set_wrapped(w2.data)), Status::kAuthFailed);
	EXPECT_STATUS(km.wrap_key(WrapKeyParams{}.set_wrapping_key(kw).set_key(target).set_tag_length(17)),
		      Status::kInvalidArgument);
}

Test(lib_ctx, hash_chunks_reset_and_misuse)
{
	CryptoStack s = MUST(CryptoStack::create());
	auto al = s.allocator();
	Bytes msg = pattern(10000, 1);
	Buffer in = buf(al, msg), out = MUST(al.allocate(64));
	auto h = MUST(s.create_hash_context(HashContextConfig{}.set_algorithm("sha-256")));
	cr_expect(h.is_active());
	EXPECT_STATUS(h.update(in), Status::kInvalidState);	// before init()
	for (int round = 0; round < 2; round++) {
		MUST(h.init());
		EXPECT_STATUS(h.init(), Status::kInvalidState);	// twice
		MUST(h.update(in.slice(0, 1)));
		MUST(h.update(in.slice(1, 4999)));
		EXPECT_STATUS(h.reset(), Status::kInvalidState);	// while updating
		MUST(h.update(in.slice(5000, 5000)));
		cr_expect_eq(MUST(h.finalize(out)), 32u);
		cr_expect(bytes(out, 32) == sha(EVP_sha256(), msg), "round %d", round);
		MUST(h.reset());
	}
	MUST(h.init());
	EXPECT_STATUS(h.finalize(out.slice(0, 16)), Status::kBufferTooSmall);
	MUST(h.release());
	EXPECT_STATUS(h.init(), Status::kInvalidState);
	EXPECT_STATUS(h.release(), Status::kInvalidState);
	EXPECT_STATUS(s.create_hash_context(HashContextConfig{}.set_algorithm("md4")), Status::kUnsupported);
}

Test(lib_ctx, mac_generate_and_verify)
{
	CryptoStack s = MUST(CryptoStack::create());
	auto al = s.allocator();
	Bytes key = pattern(32, 2), msg = pattern(3000, 4);
	auto k = hmac_key(s, key);
	Buffer in = buf(al, msg), tag = MUST(al.allocate(32));
	auto g = MUST(s.create_mac_context(MacContextConfig{}.set_algorithm("hmac-sha-256").set_key(k)));
	MUST(g.init());
	MUST(g.update(in.slice(0, 1000)));
	MUST(g.update(in.slice(1000, 2000)));
	cr_expect_eq(MUST(g.finalize(tag)), 32u);
	cr_expect(bytes(tag, 32) == hmac256(key, msg));

	auto v = MUST(s.create_mac_context(MacContextConfig{}.set_algorithm("hmac-sha-256").set_key(k)
						  .set_direction(MacDirection::kVerify)));
	MUST(v.init());
	MUST(v.update(in));
	MUST(v.verify(tag));
	MUST(v.reset());
	MUST(v.init());
	MUST(v.update(in));
	tag.data()[0] ^= 1;
	EXPECT_STATUS(v.verify(tag), Status::kAuthFailed);
	EXPECT_STATUS(v.update(in), Status::kInvalidState);	// it finalized

	// The key lacks kEncrypt; an AES key does no MAC.
	EXPECT_STATUS(s.create_cipher_context(CipherContextConfig{}.set_algorithm("hmac-sha-256").set_key(k)),
		      Status::kInvalidArgument);
	auto sign_only = MUST(s.keys().import_key(ImportKeyParams{}.set_algorithm("hmac-sha-256")
							  .set_permissions(KeyOperationPermission::kSign)
							  .set_material(key)));
	EXPECT_STATUS(s.create_mac_context(MacContextConfig{}.set_algorithm("hmac-sha-256").set_key(sign_only)
						 .set_direction(MacDirection::kVerify)),
		      Status::kNotPermitted);
}

Test(lib_ctx, cipher_both_directions)
{
	CryptoStack s = MUST(CryptoStack::create());
	auto al = s.allocator();
	Bytes key = pattern(32, 7), iv = pattern(16, 1), msg = pattern(4096, 3);
	auto k = MUST(s.keys().import_key(ImportKeyParams{}.set_algorithm("aes-256-cbc").set_permissions(kEncDec)
						 .set_material(key)));
	Buffer ivb = buf(al, iv), in = buf(al, msg), ct = MUST(al.allocate(4096)), pt = MUST(al.allocate(4096));
	auto e = MUST(s.create_cipher_context(CipherContextConfig{}.set_algorithm("aes-256-cbc").set_key(k)));
	MUST(e.init(ivb));
	cr_expect_eq(MUST(e.update(in.slice(0, 1024), ct.slice(0, 1024))), 1024u);
	cr_expect_eq(MUST(e.update(in.slice(1024, 3072), ct.slice(1024, 3072))), 3072u);
	MUST(e.finalize());

	Buffer one = MUST(al.allocate(4096));
	cr_expect_eq(MUST(s.encrypt(k, ivb, in, one)), 4096u);
	cr_expect(bytes(one, 4096) == bytes(ct, 4096), "stream equals one-shot");

	auto d = MUST(s.create_cipher_context(CipherContextConfig{}.set_algorithm("aes-256-cbc").set_key(k)
						    .set_direction(CipherDirection::kDecrypt)));
	MUST(d.init(ivb));
	MUST(d.update(ct, pt));
	MUST(d.finalize());
	cr_expect(bytes(pt, 4096) == msg);
	MUST(d.reset());
	EXPECT_STATUS(d.init(ivb.slice(0, 8)), Status::kInvalidArgument);
	MUST(d.init(ivb));
	EXPECT_STATUS(d.update(ct.slice(0, 15), pt.slice(0, 15)), Status::kInvalidArgument);
}

Test(lib_ctx, aead_seal_open_tags)
{
	CryptoStack s = MUST(CryptoStack::create());
	auto al = s.allocator();
	Bytes msg = pattern(3000, 5), nonce = pattern(12, 6), aad = pattern(20, 7);
	auto k = MUST(s.keys().generate_key(GenerateKeyParams{}.set_algorithm("aes-256-gcm").set_permissions(kEncDec)));
	Buffer nb = buf(al, nonce), ab = buf(al, aad), in = buf(al, msg);
	Buffer ct = MUST(al.allocate(3000)), pt = MUST(al.allocate(3000)), tag = MUST(al.allocate(16));
	auto e = MUST(s.create_aead_context(AeadContextConfig{}.set_algorithm("aes-256-gcm").set_key(k)));
	MUST(e.init(nb, ab));
	cr_expect_eq(MUST(e.update(in.slice(0, 1000))), 1000u);
	cr_expect_eq(MUST(e.update(in.slice(1000, 2000))), 2000u);
	cr_expect_eq(MUST(e.finalize(ct)), 3000u);
	cr_expect_eq(e.tag().size(), 16u);

	Buffer one = MUST(al.allocate(3000));
	MUST(s.seal(k, nb, ab, in, one, tag));
	cr_expect(bytes(one, 3000) == bytes(ct, 3000), "stream equals one-shot");
	cr_expect(std::equal(e.tag().begin(), e.tag().end(), tag.data()));

	auto d = MUST(s.create_aead_context(AeadContextConfig{}.set_algorithm("aes-256-gcm").set_key(k)
						  .set_direction(CipherDirection::kDecrypt)));
	MUST(d.set_tag(e.tag()));
	MUST(d.init(nb, ab));
	MUST(d.update(ct));
	cr_expect_eq(MUST(d.finalize(pt)), 3000u);
	cr_expect(bytes(pt, 3000) == msg);

	MUST(d.reset());
	Bytes bad(e.tag().begin(), e.tag().end());
	bad[5] ^= 1;
	MUST(d.set_tag(bad));
	MUST(d.init(nb, ab));
	MUST(d.update(ct));
	EXPECT_STATUS(d.finalize(pt), Status::kAuthFailed);
	for (auto c : pt.span())
		cr_assert_eq(c, 0, "no unauthenticated plaintext");
	Bytes toolong(17);
	EXPECT_STATUS(d.set_tag(toolong), Status::kInvalidArgument);
	EXPECT_STATUS(s.create_aead_context(AeadContextConfig{}.set_algorithm("aes-256-gcm").set_key(k).set_tag_length(0)),
		      Status::kInvalidArgument);
	MUST(s.open(k, nb, ab, ct, pt, tag));
	tag.data()[0] ^= 1;
	EXPECT_STATUS(s.open(k, nb, ab, ct, pt, tag), Status::kAuthFailed);
}

Test(lib_ctx, sign_and_verify_rsa)
{
	CryptoStack s = MUST(CryptoStack::create());
	auto al = s.allocator();
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

	auto k = MUST(s.keys().import_key(ImportKeyParams{}.set_algorithm("rsa-pkcs1-sha256").set_permissions(kMacPerms)
						 .set_material(priv)));
	auto vk = MUST(s.keys().import_key(ImportKeyParams{}.set_algorithm("rsa-pkcs1-sha256")
						  .set_permissions(KeyOperationPermission::kVerify).set_material(pub)));
	Bytes msg = pattern(5000, 1);
	Buffer in = buf(al, msg), sig = MUST(al.allocate(256)), one = MUST(al.allocate(256));
	auto sc = MUST(s.create_sign_context(SignContextConfig{}.set_algorithm("rsa-pkcs1-sha256").set_key(k)));
	MUST(sc.init());
	MUST(sc.update(in.slice(0, 2000)));
	MUST(sc.update(in.slice(2000, 3000)));
	cr_expect_eq(MUST(sc.finalize(sig)), 256u);
	cr_expect_eq(MUST(s.sign(k, in, one)), 256u);
	cr_expect(bytes(sig, 256) == bytes(one, 256), "PKCS#1 v1.5 is deterministic");

	// OpenSSL agrees.
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	EVP_DigestVerifyInit(m, nullptr, EVP_sha256(), nullptr, pk);
	cr_expect_eq(EVP_DigestVerify(m, sig.data(), 256, msg.data(), msg.size()), 1);
	EVP_MD_CTX_free(m);
	EVP_PKEY_free(pk);

	auto vc = MUST(s.create_verify_context(VerifyContextConfig{}.set_algorithm("rsa-pkcs1-sha256").set_key(vk)));
	MUST(vc.init());
	MUST(vc.update(in));
	MUST(vc.finalize(sig));
	MUST(s.verify(vk, in, sig));
	sig.data()[10] ^= 1;
	MUST(vc.reset());
	MUST(vc.init());
	MUST(vc.update(in));
	EXPECT_STATUS(vc.finalize(sig), Status::kAuthFailed);
	EXPECT_STATUS(s.verify(vk, in, sig), Status::kAuthFailed);
	EXPECT_STATUS(s.create_sign_context(SignContextConfig{}.set_algorithm("rsa-pkcs1-sha256").set_key(vk)),
		      Status::kNotPermitted);
	EXPECT_STATUS(s.sign(vk, in, one), Status::kNotPermitted);
}

Test(lib_ctx, context_limit)
{
	CryptoStack s = MUST(CryptoStack::create());
	std::vector<HashContext> v;
	for (int i = 0; i < 200; i++) {
		auto c = s.create_hash_context(HashContextConfig{}.set_algorithm("sha-256"));
		if (!c) {
			cr_expect_eq(c.error().status, Status::kLimitExceeded, "%s", c.error().message.c_str());
			cr_expect_gt(i, 0);
			return;
		}
		v.push_back(std::move(*c));
	}
	cr_assert_fail("no context limit reached");
}

Test(lib_oneshot, every_call_and_its_errors)
{
	CryptoStack s = MUST(CryptoStack::create());
	auto al = s.allocator();
	Bytes msg = pattern(777, 3);
	Buffer in = buf(al, msg), out = MUST(al.allocate(64));
	cr_expect_eq(MUST(s.digest("sha-512", in, out)), 64u);
	cr_expect(bytes(out, 64) == sha(EVP_sha512(), msg));
	cr_expect_eq(MUST(s.digest("sha3-256", in, out)), 32u);
	cr_expect(bytes(out, 32) == sha(EVP_sha3_256(), msg));
	EXPECT_STATUS(s.digest("sha-512", in, out.slice(0, 32)), Status::kBufferTooSmall);
	EXPECT_STATUS(s.digest("whirlpool", in, out), Status::kUnsupported);

	Bytes key = pattern(32, 1);
	auto k = hmac_key(s, key);
	Buffer tag = MUST(al.allocate(32));
	cr_expect_eq(MUST(s.mac(k, in, tag)), 32u);
	cr_expect(bytes(tag, 32) == hmac256(key, msg));
	MUST(s.mac_verify(k, in, tag));
	Buffer short_tag = MUST(al.allocate(16));
	EXPECT_STATUS(s.mac(k, in, short_tag), Status::kBufferTooSmall);
	cr_expect_eq(MUST(s.mac(k, in, short_tag, true)), 16u, "truncated on request");
	Bytes full = hmac256(key, msg);
	cr_expect(bytes(short_tag, 16) == Bytes(full.begin(), full.begin() + 16));
	tag.data()[31] ^= 1;
	EXPECT_STATUS(s.mac_verify(k, in, tag), Status::kAuthFailed);
	EXPECT_STATUS(s.mac(CryptoResourceId{42}, in, tag), Status::kNotFound);

	auto ctr = MUST(s.keys().generate_key(GenerateKeyParams{}.set_algorithm("aes-128-ctr")
						     .set_permissions(KeyOperationPermission::kEncrypt)));
	Buffer iv = buf(al, pattern(16, 0)), ct = MUST(al.allocate(777)), pt = MUST(al.allocate(777));
	cr_expect_eq(MUST(s.encrypt(ctr, iv, in, ct)), 777u);
	EXPECT_STATUS(s.decrypt(ctr, iv, ct, pt), Status::kNotPermitted);

	auto gcm = MUST(s.keys().generate_key(GenerateKeyParams{}.set_algorithm("chacha20-poly1305").set_permissions(kEncDec)));
	Buffer nonce = buf(al, pattern(12, 1)), t16 = MUST(al.allocate(16));
	cr_expect_eq(MUST(s.seal(gcm, nonce, {}, in, ct, t16)), 777u);
	cr_expect_eq(MUST(s.open(gcm, nonce, {}, ct, pt, t16)), 777u);
	cr_expect(bytes(pt, 777) == msg);
	EXPECT_STATUS(s.seal(gcm, nonce.slice(0, 5), {}, in, ct, t16), Status::kInvalidArgument);

	Buffer r1 = MUST(al.allocate(64)), r2 = MUST(al.allocate(64));
	cr_expect_eq(MUST(s.random(r1)), 64u);
	cr_expect_eq(MUST(s.random(r2)), 64u);
	cr_expect(bytes(r1, 64) != bytes(r2, 64));
	// A ref outside the region.
	EXPECT_STATUS(s.random(BufferRef{0xfffff000u, 64}), Status::kInvalidArgument);
}

namespace {

struct BusyResult {
	bool long_ok;		// the long call ran (no deadline hit)
	Result<void> probe;
};

// One thread runs a long update() on h; after 20 ms this thread sends a short
// update() to the same, busy, context.  Both carry h's deadline.
BusyResult while_busy(HashContext &h, const Buffer &big, std::size_t len, const Buffer &small)
{
	std::atomic<bool> started{false};
	bool long_ok = false;
	std::thread t([&] {
		started = true;
		long_ok = h.update(big.slice(0, len)).has_value();
	});
	while (!started)
		;
	// The long call must have reached the module first; on a slower
	// kernel the thread takes longer to get there.
	usleep(static_cast<useconds_t>(20000 * hsmtest::time_scale()));
	auto r = h.update(small);
	t.join();
	return {long_ok, r};
}

// Probes a busy context until the long call was still running when the
// probe arrived; returns the probe's result.
Result<void> probe_busy(const CryptoStack &s, const HashContextConfig &cfg, std::uint32_t want_ms)
{
	auto al = s.allocator();
	Buffer big = MUST(al.allocate(6u << 20)), small = MUST(al.allocate(64));
	Result<void> last;
	for (std::size_t len = 2u << 20; len <= (6u << 20); len += 2u << 20) {
		auto h = MUST(s.create_hash_context(cfg));
		cr_assert_eq(h.timeout().abi(), want_ms);
		MUST(h.init());
		BusyResult r = while_busy(h, big, len, small);
		last = r.probe;
		if (!r.long_ok)
			continue;	// the long call itself missed its deadline
		if (!r.probe && r.probe.error().status == Status::kTimedOut) {
			// A probe that waited for the context failed it; one whose
			// deadline passed before it was even taken off the queue
			// did nothing at all (both are the ABI's "does nothing").
			auto next = h.update(small);
			if (!next) {
				cr_expect_eq(next.error().status, Status::kInvalidState, "%s",
					     next.error().message.c_str());
				MUST(h.reset());
				MUST(h.init());
				MUST(h.update(small));
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
	CryptoStack s = MUST(CryptoStack::create(CryptoStackConfig{}.set_region_size(8u << 20).set_timeout(30)));
	auto r = probe_busy(s, HashContextConfig{}.set_algorithm("sha3-512"), 30);
	EXPECT_STATUS(r, Status::kTimedOut);
}

Test(lib_timeout, context_override_beats_the_stack)
{
	CryptoStack s = MUST(CryptoStack::create(CryptoStackConfig{}.set_region_size(8u << 20).disable_timeout()));
	cr_expect(s.default_timeout().is_disabled());
	auto r = probe_busy(s, HashContextConfig{}.set_algorithm("sha3-512").set_timeout(30), 30);
	EXPECT_STATUS(r, Status::kTimedOut);
}

Test(lib_timeout, disable_timeout_waits_its_turn)
{
	CryptoStack s = MUST(CryptoStack::create(CryptoStackConfig{}.set_region_size(8u << 20).set_timeout(1)));
	auto r = probe_busy(s, HashContextConfig{}.set_algorithm("sha3-512").disable_timeout(), HSM_TIMEOUT_NONE);
	cr_expect(r.has_value(), "%s", r ? "" : r.error().message.c_str());
}

Test(lib_stack, a_forked_child_opens_its_own_connection)
{
	CryptoStack s = MUST(CryptoStack::create());
	auto parent_key = hmac_key(s, pattern(32, 1));
	// The child's part: it owns the inherited stack and guard, and
	// returns normally, so their destructors run in the child.
	auto child = [](CryptoStack inherited, CryptoResourceGuard key) {
		auto c = CryptoStack::create();
		if (!c)
			return 10;
		auto al = c->allocator();
		auto in = al.allocate(64), out = al.allocate(32);
		if (!in || !out)
			return 11;
		auto d = c->digest("sha-256", *in, *out);
		if (!d || *d != 32)
			return 12;
		// The parent's key IDs mean nothing on the child's connection.
		auto m = c->mac(key.id(), *in, *out);
		if (m || m.error().status != Status::kNotFound)
			return 13;
		// Nor does the inherited stack reach the module.
		auto im = inherited.mac(key, *in, *out);
		return !im && im.error().status == Status::kInvalidState ? 0 : 14;
	};
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0)
		exit(child(std::move(s), std::move(parent_key)));
	int st = 0;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %d", st);
	auto al = s.allocator();
	Buffer in = MUST(al.allocate(64)), out = MUST(al.allocate(32));
	cr_expect_eq(MUST(s.mac(parent_key, in, out)), 32u, "the parent is unaffected");
}
