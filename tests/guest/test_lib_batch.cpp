// SPDX-License-Identifier: GPL-2.0 OR MIT
// libhsm batches: many operations (keys, contexts, one-shots) submitted
// with one io_uring_enter, each completion matched to its own operation;
// more operations than may be in flight; wait_all, wait_any, poll; per-op
// errors; and several threads sharing one stack.
#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/x509.h>
#include <fcntl.h>
#include <set>
#include <sys/ioctl.h>
#include <thread>
#include <unistd.h>

#include "lib_test.hpp"

using namespace hsm;
using namespace libtest;

namespace {

constexpr auto kMacPerms = KeyOperationPermission::kSign | KeyOperationPermission::kVerify;

Bytes hmac(const EVP_MD *md, const Bytes &key, const std::uint8_t *m, std::size_t n)
{
	Bytes out(EVP_MD_get_size(md));
	unsigned int len = 0;
	HMAC(md, key.data(), int(key.size()), m, n, out.data(), &len);
	return out;
}

Bytes sha256(const std::uint8_t *m, std::size_t n)
{
	Bytes out(32);
	unsigned int len = 0;
	EVP_Digest(m, n, out.data(), &len, EVP_sha256(), nullptr);
	return out;
}

CryptoResourceGuard import_hmac(const CryptoStack &s, const char *alg, const Bytes &key)
{
	return MUST(s.keys().import_key(ImportKeyParams{}.set_algorithm(alg).set_permissions(kMacPerms)
					       .set_material(key)));
}

// The module's count of `cmd` so far (every connection).
std::uint64_t module_requests(unsigned int cmd)
{
	int fd = open(HSM_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	hsm_stats st{};
	hsm_get_stats g{};
	g.stats_ptr = reinterpret_cast<std::uintptr_t>(&st);
	g.stats_size = sizeof(st);
	cr_assert_eq(ioctl(fd, HSM_IOC_GET_STATS, &g), (int)sizeof(st));
	close(fd);
	return st.requests[hsm_cmd_index(cmd)];
}

} // namespace

Test(lib_batch, mixed_operations_each_get_their_own_answer)
{
	CryptoStack s = MUST(CryptoStack::create());
	auto al = s.allocator();
	Bytes k1 = pattern(32, 1), k2 = pattern(64, 2);
	auto a = import_hmac(s, "hmac-sha-256", k1);
	auto b = import_hmac(s, "hmac-sha-512", k2);
	Bytes msg = pattern(4096, 9);
	Buffer in = buf(al, msg), out = MUST(al.allocate(64 * 64));
	auto h = MUST(s.create_hash_context(HashContextConfig{}.set_algorithm("sha-256")));

	Batch batch(s, 64);
	cr_expect_eq(batch.capacity(), 64u);
	std::vector<Batch::OpId> ids;
	// Different lengths, keys and algorithms, interleaved.
	for (int i = 0; i < 20; i++) {
		BufferRef o = out.slice(64 * i, 64);
		BufferRef m = in.slice(i * 100, 100 + i);
		if (i % 3 == 0)
			ids.push_back(MUST(batch.mac(a, m, o)));
		else if (i % 3 == 1)
			ids.push_back(MUST(batch.mac(b, m, o)));
		else
			ids.push_back(MUST(batch.digest("sha-256", m, o)));
	}
	auto ri = MUST(batch.random(out.slice(64 * 20, 64)));
	auto c0 = MUST(batch.init(h));
	auto c1 = MUST(batch.update(h, in.slice(0, 1000)));
	auto c2 = MUST(batch.update(h, in.slice(1000, 3096)));
	auto c3 = MUST(batch.finalize(h, out.slice(64 * 21, 64)));
	EXPECT_STATUS(batch.get(ids[0]), Status::kInvalidState);	// not yet submitted
	EXPECT_STATUS(batch.get(999), Status::kInvalidArgument);
	cr_expect_eq(MUST(batch.submit()), 25u, "all in one submission");
	cr_expect_eq(MUST(batch.wait_all()), 0u);
	cr_expect_eq(batch.completed(), 25u);
	for (int i = 0; i < 20; i++) {
		const std::uint8_t *m = msg.data() + i * 100;
		std::size_t n = 100 + i;
		Bytes want = i % 3 == 0 ? hmac(EVP_sha256(), k1, m, n) :
			     i % 3 == 1 ? hmac(EVP_sha512(), k2, m, n) : sha256(m, n);
		cr_expect_eq(MUST(batch.get(ids[i])), want.size(), "op %d", i);
		cr_expect(Bytes(out.data() + 64 * i, out.data() + 64 * i + want.size()) == want, "op %d", i);
	}
	cr_expect_eq(MUST(batch.get(ri)), 64u);
	cr_expect_eq(MUST(batch.get(c0)), 0u);
	cr_expect_eq(MUST(batch.get(c1)), 1000u);
	cr_expect_eq(MUST(batch.get(c2)), 3096u);
	cr_expect_eq(MUST(batch.get(c3)), 32u);
	cr_expect(Bytes(out.data() + 64 * 21, out.data() + 64 * 21 + 32) == sha256(msg.data(), 4096),
		  "context calls ran in queue order");

	// Reuse after clear().
	MUST(batch.clear());
	cr_expect_eq(batch.size(), 0u);
	MUST(batch.reset(h));
	cr_expect_eq(MUST(batch.wait_all()), 0u);
}

Test(lib_batch, wait_any_returns_each_once_and_errors_are_per_op)
{
	CryptoStack s = MUST(CryptoStack::create());
	auto al = s.allocator();
	auto k = import_hmac(s, "hmac-sha-256", pattern(32, 1));
	Buffer in = buf(al, pattern(256, 1)), out = MUST(al.allocate(32 * 40));
	Batch batch(s, 40);
	for (int i = 0; i < 40; i++) {
		CryptoResourceId key = i == 17 ? CryptoResourceId{777} : k.id();
		MUST(batch.mac(key, in, out.slice(32 * i, 32)));
	}
	std::set<Batch::OpId> seen;
	for (int i = 0; i < 40; i++) {
		Batch::OpId id = MUST(batch.wait_any());
		cr_expect(seen.insert(id).second, "op %u returned twice", id);
		cr_expect(batch.done(id));
	}
	cr_expect_eq(seen.size(), 40u);
	EXPECT_STATUS(batch.wait_any(), Status::kInvalidState);
	EXPECT_STATUS(batch.get(17), Status::kNotFound);
	for (int i = 0; i < 40; i++)
		if (i != 17)
			cr_expect_eq(MUST(batch.get(i)), 32u);
	cr_expect_eq(MUST(batch.wait_all()), 1u, "one failed");

	Batch full(s, 2);
	MUST(full.random(out.slice(0, 8)));
	MUST(full.random(out.slice(8, 8)));
	EXPECT_STATUS(full.random(out.slice(16, 8)), Status::kLimitExceeded);
	EXPECT_STATUS(full.digest(AlgorithmId(std::string(80, 'x')), in, out), Status::kInvalidArgument);
}

Test(lib_batch, a_thousand_macs_past_the_inflight_limit)
{
	CryptoStack s = MUST(CryptoStack::create());
	auto al = s.allocator();
	Bytes key = pattern(32, 3);
	auto k = import_hmac(s, "hmac-sha-256", key);
	constexpr int kOps = 1000;
	Bytes msg = pattern(64 + kOps, 5);
	Buffer in = buf(al, msg), out = MUST(al.allocate(32 * kOps));
	Batch batch(s, kOps);
	for (int i = 0; i < kOps; i++)
		MUST(batch.mac(k, in.slice(i, 64), out.slice(32 * i, 32)));
	std::size_t sent = MUST(batch.submit());
	cr_expect_leq(sent, s.info().op_slots, "never more in flight than the slots");
	cr_expect_gt(sent, 0u);
	EXPECT_STATUS(batch.clear(), Status::kInvalidState);
	std::size_t polled = batch.poll();
	cr_expect_leq(polled, std::size_t(kOps));
	cr_expect_eq(MUST(batch.wait_all()), 0u, "no EBUSY: the library respects max_inflight");
	cr_expect_eq(batch.poll(), std::size_t(kOps));
	for (int i = 0; i < kOps; i++) {
		cr_assert_eq(MUST(batch.get(i)), 32u);
		cr_assert(Bytes(out.data() + 32 * i, out.data() + 32 * i + 32) ==
				  hmac(EVP_sha256(), key, msg.data() + i, 64),
			  "op %d", i);
	}
}

// Small one-shots sent together travel in HSM_IOC_VECTOR SQEs; an entry
// the module refuses makes it refuse the vector before anything ran, and
// the library then sends the entries alone: the bad one gets its EINVAL,
// every other its own answer.
Test(lib_batch, small_operations_travel_in_vectors_and_a_bad_entry_answers_alone)
{
	CryptoStack s = MUST(CryptoStack::create());
	auto al = s.allocator();
	Bytes key = pattern(32, 4);
	auto k = import_hmac(s, "hmac-sha-256", key);
	constexpr int kOps = 24;
	Bytes msg = pattern(64 + kOps, 6);
	Buffer in = buf(al, msg), out = MUST(al.allocate(32 * kOps));
	const std::uint32_t region = static_cast<std::uint32_t>(s.info().region_size);

	for (int bad : {-1, 0, 11, kOps - 1}) {
		std::uint64_t vecs = module_requests(HSM_IOC_VECTOR);
		std::uint64_t macs = module_requests(HSM_IOC_MAC);
		std::memset(out.data(), 0, 32 * kOps);
		Batch batch(s, kOps);
		for (int i = 0; i < kOps; i++) {
			BufferRef m = in.slice(i, 64);
			if (i == bad)
				m = BufferRef{region - 16, 64};	// past the region's end
			MUST(batch.mac(k, m, out.slice(32 * i, 32)));
		}
		cr_expect_eq(MUST(batch.wait_all()), bad < 0 ? 0u : 1u, "bad entry %d", bad);
		for (int i = 0; i < kOps; i++) {
			if (i == bad) {
				EXPECT_STATUS(batch.get(i), Status::kInvalidArgument);
				continue;
			}
			cr_expect_eq(MUST(batch.get(i)), 32u, "op %d (bad %d)", i, bad);
			cr_expect(bytes(out, 32 * kOps) != Bytes(32 * kOps) &&
					  Bytes(out.data() + 32 * i, out.data() + 32 * i + 32) ==
						  hmac(EVP_sha256(), key, msg.data() + i, 64),
				  "op %d (bad %d)", i, bad);
		}
		cr_expect_gt(module_requests(HSM_IOC_VECTOR), vecs, "a vector went (bad %d)", bad);
		// Each MAC was answered exactly once, in a vector or alone.
		cr_expect_eq(module_requests(HSM_IOC_MAC) - macs, std::uint64_t(kOps), "bad %d", bad);
	}
}

Test(lib_batch, threads_share_one_stack)
{
	CryptoStack s = MUST(CryptoStack::create());
	auto al = s.allocator();
	Bytes key = pattern(32, 7);
	auto k = import_hmac(s, "hmac-sha-256", key);
	constexpr int kThreads = 4, kOps = 150;
	Bytes msg = pattern(64 + kOps, 5);
	Buffer in = buf(al, msg);
	std::vector<Buffer> outs;
	for (int t = 0; t < kThreads + 2; t++)
		outs.push_back(MUST(al.allocate(32 * kOps)));
	std::atomic<int> bad{0};
	std::vector<std::thread> th;
	for (int t = 0; t < kThreads; t++)
		th.emplace_back([&, t] {
			// Each thread its own batch (and its own key part of the time).
			Batch b(s, kOps);
			for (int i = 0; i < kOps; i++)
				if (!b.mac(k, in.slice(i, 64), outs[t].slice(32 * i, 32)))
					bad++;
			auto r = b.wait_all();
			if (!r || *r != 0)
				bad++;
			for (int i = 0; i < kOps; i++)
				if (Bytes(outs[t].data() + 32 * i, outs[t].data() + 32 * i + 32) !=
				    hmac(EVP_sha256(), key, msg.data() + i, 64))
					bad++;
		});
	for (int t = kThreads; t < kThreads + 2; t++)
		th.emplace_back([&, t] {
			// Synchronous calls (batches of one) and allocations meanwhile.
			for (int i = 0; i < kOps; i++) {
				auto r = s.digest("sha-256", in.slice(i, 64), outs[t].slice(32 * i, 32));
				if (!r || *r != 32 ||
				    Bytes(outs[t].data() + 32 * i, outs[t].data() + 32 * i + 32) !=
					    sha256(msg.data() + i, 64))
					bad++;
				auto x = al.allocate(100 + i);
				if (!x)
					bad++;
			}
		});
	for (auto &t : th)
		t.join();
	cr_expect_eq(bad.load(), 0);
}

Test(lib_batch, batch_timeout_and_move)
{
	CryptoStack s = MUST(CryptoStack::create());
	auto al = s.allocator();
	Buffer out = MUST(al.allocate(64));
	Batch a(s, 4);
	a.set_timeout(Timeout::disabled());
	MUST(a.random(out));
	Batch b = std::move(a);
	EXPECT_STATUS(a.random(out), Status::kInvalidState);
	EXPECT_STATUS(a.submit(), Status::kInvalidState);
	cr_expect_eq(MUST(b.wait_all()), 0u);
	cr_expect_eq(MUST(b.get(0)), 64u);
}

Test(lib_batch, destroying_waits_for_sent_and_drops_unsent)
{
	CryptoStack s = MUST(CryptoStack::create());
	auto al = s.allocator();
	constexpr std::size_t kOps = 500;
	Buffer out = MUST(al.allocate(8 * kOps));
	std::size_t sent;
	{
		Batch b(s, kOps);
		for (std::size_t i = 0; i < kOps; i++)
			MUST(b.random(out.slice(8 * i, 8)));
		sent = MUST(b.submit());
	}
	cr_assert_gt(sent, 0u);
	auto zero = [&](std::size_t i) {
		for (std::size_t j = 0; j < 8; j++)
			if (out.data()[8 * i + j])
				return false;
		return true;
	};
	cr_expect(!zero(0), "a sent operation completed before the batch went");
	if (sent < kOps)
		cr_expect(zero(kOps - 1), "an operation never sent never ran");
	// The stack is still usable: nothing was left in flight.
	Batch again(s, 1);
	MUST(again.random(out.slice(0, 8)));
	cr_expect_eq(MUST(again.wait_all()), 0u);
}

Test(lib_batch, every_batch_call)
{
	CryptoStack s = MUST(CryptoStack::create());
	auto al = s.allocator();
	KeyManager km = s.keys();
	constexpr auto kEncDec = KeyOperationPermission::kEncrypt | KeyOperationPermission::kDecrypt;
	auto gcm = MUST(km.generate_key(GenerateKeyParams{}.set_algorithm("aes-128-gcm").set_permissions(kEncDec)));
	auto ctr = MUST(km.generate_key(GenerateKeyParams{}.set_algorithm("aes-256-ctr").set_permissions(kEncDec)));
	Bytes hk = pattern(32, 4);
	auto mac = import_hmac(s, "hmac-sha-256", hk);
	EVP_PKEY *pk = EVP_RSA_gen(2048);
	cr_assert(pk);
	unsigned char *p = nullptr;
	int n = i2d_PrivateKey(pk, &p);
	Bytes der(p, p + n);
	OPENSSL_free(p);
	EVP_PKEY_free(pk);
	auto rsa = MUST(km.import_key(ImportKeyParams{}.set_algorithm("rsa-pkcs1-sha256").set_permissions(kMacPerms)
					     .set_material(der)));

	Bytes msg = pattern(1000, 6);
	Buffer in = buf(al, msg), nonce = buf(al, pattern(12, 1)), iv = buf(al, pattern(16, 2)),
	       aad = buf(al, pattern(9, 3)), ct = MUST(al.allocate(1000)), pt = MUST(al.allocate(1000)),
	       ct2 = MUST(al.allocate(1000)), pt2 = MUST(al.allocate(1000)), tag = MUST(al.allocate(16)),
	       mtag = MUST(al.allocate(32)), sig = MUST(al.allocate(256));

	// Dependent operations go in separate batches: a batch has no order
	// between one-shots.
	Batch first(s);
	auto seal = MUST(first.seal(gcm, nonce, aad, in, ct, tag));
	auto enc = MUST(first.encrypt(ctr, iv, in, ct2));
	auto m = MUST(first.mac(mac, in, mtag));
	auto sg = MUST(first.sign(rsa, in, sig));
	cr_expect_eq(MUST(first.wait_all()), 0u);
	cr_expect_eq(MUST(first.get(seal)), 1000u);
	cr_expect_eq(MUST(first.get(enc)), 1000u);
	cr_expect_eq(MUST(first.get(m)), 32u);
	cr_expect_eq(MUST(first.get(sg)), 256u);

	Batch second(s);
	auto open = MUST(second.open(gcm, nonce, aad, ct, pt, tag));
	auto dec = MUST(second.decrypt(ctr, iv, ct2, pt2));
	auto mv = MUST(second.mac_verify(mac, in, mtag));
	auto v = MUST(second.verify(rsa, in, sig));
	auto bad = MUST(second.open(gcm, nonce, in.slice(0, 9), ct, pt2, tag));	// wrong aad
	cr_expect_eq(MUST(second.wait_all()), 1u);
	cr_expect_eq(MUST(second.get(open)), 1000u);
	cr_expect_eq(MUST(second.get(dec)), 1000u);
	cr_expect_eq(MUST(second.get(mv)), 0u);
	cr_expect_eq(MUST(second.get(v)), 0u);
	EXPECT_STATUS(second.get(bad), Status::kAuthFailed);
	cr_expect(Bytes(pt.data(), pt.data() + 1000) == msg);
}

// Calls on one context keep their order whatever their sizes: the module
// runs a call over 4 KiB on an io-wq worker and a small one inline.
Test(lib_batch, context_calls_stay_ordered_across_sizes)
{
	CryptoStack s = MUST(CryptoStack::create());
	auto al = s.allocator();
	Bytes a = pattern(6000, 1), b = pattern(100, 2), c = pattern(5000, 3);
	Buffer ba = buf(al, a), bb = buf(al, b), bc = buf(al, c), d = MUST(al.allocate(32));
	auto h = MUST(s.create_hash_context(HashContextConfig{}.set_algorithm("sha-256")));
	Batch batch(s, 8);
	MUST(batch.init(h));
	MUST(batch.update(h, ba));	// long: io-wq
	MUST(batch.update(h, bb));	// short: would run inline at once
	MUST(batch.update(h, bc));
	auto fin = MUST(batch.finalize(h, d));
	cr_expect_eq(MUST(batch.wait_all()), 0u);
	cr_expect_eq(MUST(batch.get(fin)), 32u);
	Bytes all = a;
	all.insert(all.end(), b.begin(), b.end());
	all.insert(all.end(), c.begin(), c.end());
	cr_expect(bytes(d, 32) == sha256(all.data(), all.size()), "the digest is SHA-256 of A||B||C");
}

// A MAC check must cover every part queued before it: a tag over the first
// part alone fails once a long second part is in the stream.
Test(lib_batch, mac_verify_covers_a_long_late_part)
{
	CryptoStack s = MUST(CryptoStack::create());
	auto al = s.allocator();
	Bytes key = pattern(32, 4), m1 = pattern(100, 5), evil = pattern(8192, 6);
	auto k = import_hmac(s, "hmac-sha-256", key);
	Bytes t = hmac(EVP_sha256(), key, m1.data(), m1.size());
	Buffer b1 = buf(al, m1), b2 = buf(al, evil), tag = buf(al, t);
	auto mv = MUST(s.create_mac_context(MacContextConfig{}.set_algorithm("hmac-sha-256").set_key(k)
						  .set_direction(MacDirection::kVerify)));
	Batch batch(s, 8);
	MUST(batch.init(mv));
	MUST(batch.update(mv, b1));
	auto u2 = MUST(batch.update(mv, b2));
	auto fin = MUST(batch.finalize(mv, {}, tag));
	cr_expect_eq(MUST(batch.wait_all()), 1u);
	cr_expect_eq(MUST(batch.get(u2)), 8192u, "the long update ran");
	EXPECT_STATUS(batch.get(fin), Status::kAuthFailed);
}

// A failed call on a context fails the later ones queued on it, the Final
// included, instead of letting them report on a shortened stream.
Test(lib_batch, a_failed_context_call_cancels_the_later_ones)
{
	CryptoStack s = MUST(CryptoStack::create());
	auto al = s.allocator();
	Bytes key = pattern(32, 7), m = pattern(64, 8);
	auto k = import_hmac(s, "hmac-sha-256", key);
	Bytes t = hmac(EVP_sha256(), key, m.data(), m.size());
	Buffer bm = buf(al, m), tag = buf(al, t);
	auto mv = MUST(s.create_mac_context(MacContextConfig{}.set_algorithm("hmac-sha-256").set_key(k)
						  .set_direction(MacDirection::kVerify)));
	Batch batch(s, 8);
	MUST(batch.init(mv));
	// A part the module refuses (outside the region) and leaves out.
	auto bad = MUST(batch.update(mv, BufferRef{0xfffff000u, 4096}));
	auto good = MUST(batch.update(mv, bm));
	auto fin = MUST(batch.finalize(mv, {}, tag));
	cr_expect_eq(MUST(batch.wait_all()), 3u);
	EXPECT_STATUS(batch.get(bad), Status::kInvalidArgument);
	EXPECT_STATUS(batch.get(good), Status::kCanceled);
	EXPECT_STATUS(batch.get(fin), Status::kCanceled);
}
