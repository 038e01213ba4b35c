// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "faults.hpp"

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <fcntl.h>
#include <functional>
#include <map>
#include <sys/mman.h>
#include <unistd.h>

#include <hsm/raw.h>

#include "builder.hpp"
#include "exec.hpp"
#include "oracle.hpp"
#include "refcrypto.hpp"

namespace fz {

namespace {

constexpr const char *kFailNth = "/proc/thread-self/fail-nth";
// A command with more fault points than this is stuck, not thorough.
constexpr unsigned kMaxPoints = 5000;

// /proc/thread-self/fail-nth: "fail the n-th fault point from now".
class FailNth {
public:
	~FailNth()
	{
		if (fd_ >= 0)
			close(fd_);
	}
	bool open()
	{
		fd_ = ::open(kFailNth, O_RDWR | O_CLOEXEC);
		return fd_ >= 0;
	}
	void arm(unsigned n)
	{
		char buf[16];
		int len = snprintf(buf, sizeof(buf), "%u", n);
		left_ = ~0U;
		armed_ = true;
		if (pwrite(fd_, buf, static_cast<size_t>(len), 0) != len)
			left_ = 1;
	}
	// Right after the call: what was left of n (0: a fault was injected).
	void disarm()
	{
		char buf[16] = {};
		if (!armed_)
			return;
		armed_ = false;
		if (left_ == ~0U && pread(fd_, buf, sizeof(buf) - 1, 0) > 0)
			left_ = static_cast<unsigned>(strtoul(buf, nullptr, 10));
		if (pwrite(fd_, "0", 1, 0) != 1)
			left_ = 1;
	}
	bool injected() const { return left_ == 0; }

private:
	int fd_ = -1;
	unsigned left_ = ~0U;
	bool armed_ = false;
};

bool write_file(const std::string &path, const char *value)
{
	int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	bool ok = write(fd, value, strlen(value)) == static_cast<ssize_t>(strlen(value));
	close(fd);
	return ok;
}

// Every allocation may fail (not only those that cannot sleep), of any
// order, silently: the lane fails on WARNING or BUG lines only.
bool configure_debugfs()
{
	const std::string d = "/sys/kernel/debug/";
	bool ok = true;
	ok &= write_file(d + "failslab/ignore-gfp-wait", "N");
	ok &= write_file(d + "fail_page_alloc/ignore-gfp-wait", "N");
	ok &= write_file(d + "fail_page_alloc/min-order", "0");
	ok &= write_file(d + "failslab/verbose", "0");
	ok &= write_file(d + "fail_page_alloc/verbose", "0");
	return ok;
}

const RegionMap kMap(1);

// What must come back after every point: the module's keys, contexts,
// connections and region bytes, and the connection's keys and contexts.
struct Counts {
	uint64_t keys, ctxs, conns, region, conn_keys, conn_ctxs;
	bool operator==(const Counts &) const = default;
	std::string diff(const Counts &o) const
	{
		char buf[200];
		snprintf(buf, sizeof(buf),
			 "module keys %" PRIu64 "->%" PRIu64 ", contexts %" PRIu64 "->%" PRIu64
			 ", connections %" PRIu64 "->%" PRIu64 ", region bytes %" PRIu64 "->%" PRIu64
			 ", connection keys %" PRIu64 "->%" PRIu64 ", contexts %" PRIu64 "->%" PRIu64,
			 keys, o.keys, ctxs, o.ctxs, conns, o.conns, region, o.region, conn_keys,
			 o.conn_keys, conn_ctxs, o.conn_ctxs);
		return buf;
	}
};

// The connection every scenario runs on, and what it made.
class Fixture {
public:
	Device dev;
	Executor ex;
	Target t{};
	FailNth fail;
	hsm_info info{};
	std::vector<uint64_t> made;		// keys and contexts to release
	std::vector<std::string> slots;		// slots to delete
	uint64_t kat_key = 0;
	Bytes kat_material = Bytes(32, 0x42);

	bool open()
	{
		if (dev.open(kMap.size()) || !get_info(dev.fd(), info))
			return false;
		t = {dev.fd(), dev.base(), &kMap, 0, nullptr, bool(info.features & HSM_FEAT_TEST_HOOKS)};
		kat_key = import("aes-256-gcm", HSM_PERM_ENCRYPT | HSM_PERM_DECRYPT, 0, kat_material);
		made.clear();
		return kat_key != 0;
	}

	Answer run(const Input &u, Via via = Via::Ioctl, FailNth *f = nullptr, unsigned n = 0)
	{
		Program p;
		p.via = via;
		p.units.push_back(u);
		std::vector<Answer> ans;
		Answer vec;
		if (f)
			ex.set_syscall_hooks([f, n] { f->arm(n); }, [f] { f->disarm(); });
		std::string e = ex.run(t, p, ans, vec, nullptr, nullptr);
		ex.set_syscall_hooks(nullptr, nullptr);
		if (!e.empty())
			transport_error = e;
		return ans[0];
	}

	uint64_t id_of(const Answer &a)
	{
		if (a.res == 0 && a.rec_written && a.rec.value) {
			made.push_back(a.rec.value);
			return a.rec.value;
		}
		return 0;
	}

	uint64_t import(const char *alg, uint64_t perms, uint32_t flags, const Bytes &m)
	{
		hsm_key_params p{};
		strcpy(p.alg, alg);
		p.perms = perms;
		p.flags = flags;
		return id_of(run(Builder(HSM_IOC_KEY_IMPORT, false).resp().params_of(p).in(m).done()));
	}

	uint64_t ctx(const char *alg, uint32_t op, uint64_t key)
	{
		hsm_ctx_params p{};
		strcpy(p.alg, alg);
		p.op = op;
		return id_of(run(Builder(HSM_IOC_CTX_CREATE, false).handle(key).resp().params_of(p).done()));
	}

	long call(unsigned cmd, uint64_t handle, std::function<void(Builder &)> f = {})
	{
		Builder b(cmd, false);
		b.handle(handle).resp();
		if (f)
			f(b);
		return run(b.done()).res;
	}

	void release_all()
	{
		for (uint64_t id : made) {
			call(HSM_IOC_KEY_RELEASE, id);
			call(HSM_IOC_CTX_RELEASE, id);
		}
		made.clear();
		for (const std::string &s : slots) {
			hsm_slot_params p{};
			strncpy(p.name, s.c_str(), sizeof(p.name) - 1);
			run(Builder(HSM_IOC_SLOT_DELETE, false).resp().params_of(p).done());
		}
		slots.clear();
	}

	bool counts(Counts &c)
	{
		hsm_stats m, s;
		hsm_info i;
		if (!get_stats(dev.fd(), false, m) || !get_stats(dev.fd(), true, s) || !get_info(dev.fd(), i))
			return false;
		c = {m.keys, m.contexts, m.connections, i.region_total, s.keys, s.contexts};
		return true;
	}

	// The connection still answers right: a digest and a seal.
	std::string known_answers()
	{
		Bytes msg(300, 0x33), iv(12, 0x01);
		static const std::string alg = "sha-256";
		Answer a = run(Builder(HSM_IOC_DIGEST, false).resp()
				       .params({reinterpret_cast<const uint8_t *>(alg.data()), alg.size()})
				       .in(msg).out(32).done());
		Bytes want = ref::digest("sha-256", msg);
		if (a.res != 32 || !std::equal(want.begin(), want.end(), ref_bytes(a, R_OUT, 32).begin()))
			return "the known-answer SHA-256 answered " + result_text(a.res);
		a = run(Builder(HSM_IOC_SEAL, false).handle(kat_key).resp().iv(iv).in(msg).out(300).out_tag(16).done());
		want = ref::seal("aes-256-gcm", kat_material, iv, {}, msg, 16);
		Bytes got(ref_bytes(a, R_OUT, 300).begin(), ref_bytes(a, R_OUT, 300).end());
		View tag = ref_bytes(a, R_TAG, 16);
		got.insert(got.end(), tag.begin(), tag.end());
		if (a.res != 300 || got != want)
			return "the known-answer AES-256-GCM seal answered " + result_text(a.res);
		return "";
	}

	std::string transport_error;
};

struct Scenario {
	const char *cls;
	const char *name;
	// Make what the command needs (without faults) and the command.
	std::function<Input(Fixture &)> make;
	// After the command: what it made, to undo.
	std::function<void(Fixture &, const Answer &)> after;
	bool uring = true;	// also by io_uring
};

View str(const std::string &s)
{
	return {reinterpret_cast<const uint8_t *>(s.data()), s.size()};
}

hsm_key_params kparams(const char *alg, uint64_t perms, uint32_t flags = 0, uint32_t key_len = 0)
{
	hsm_key_params p{};
	strcpy(p.alg, alg);
	p.perms = perms;
	p.flags = flags;
	p.key_len = key_len;
	return p;
}

constexpr uint64_t kCrypt = HSM_PERM_ENCRYPT | HSM_PERM_DECRYPT;

void keep_id(Fixture &f, const Answer &a)
{
	f.id_of(a);
}

Input generate(const char *alg, uint64_t perms, uint32_t key_len = 0)
{
	return Builder(HSM_IOC_KEY_GENERATE, false).resp().params_of(kparams(alg, perms, 0, key_len)).done();
}

Input one_shot(unsigned cmd, uint64_t key, std::function<void(Builder &)> f)
{
	Builder b(cmd, false);
	b.handle(key).resp();
	f(b);
	return b.done();
}

hsm_slot_params slot_params(const char *name)
{
	hsm_slot_params p{};
	strcpy(p.name, name);
	return p;
}

std::vector<Scenario> scenarios()
{
	std::vector<Scenario> v;
	const Bytes k32(32, 7), k16(16, 9), msg(5000, 0x5a), iv12(12, 1), iv16(16, 2);

	v.push_back({"key-create", "KEY_GENERATE aes-256-gcm", [](Fixture &) { return generate("aes-256-gcm", kCrypt); }, keep_id});
	v.push_back({"key-create", "KEY_GENERATE hmac-sha-256", [](Fixture &) { return generate("hmac-sha-256", HSM_PERM_SIGN, 32); }, keep_id});
	v.push_back({"key-create", "KEY_GENERATE x25519", [](Fixture &) { return generate("x25519", HSM_PERM_AGREE); }, keep_id});
	v.push_back({"key-create", "KEY_GENERATE ecdh-p256", [](Fixture &) { return generate("ecdh-p256", HSM_PERM_AGREE); }, keep_id});
	v.push_back({"key-import", "KEY_IMPORT aes-128-cbc", [k16](Fixture &) {
		return Builder(HSM_IOC_KEY_IMPORT, false).resp().params_of(kparams("aes-128-cbc", kCrypt)).in(k16).done(); }, keep_id});
	v.push_back({"key-import", "KEY_IMPORT rsa-pkcs1-sha256", [](Fixture &) {
		return Builder(HSM_IOC_KEY_IMPORT, false).resp().params_of(kparams("rsa-pkcs1-sha256", HSM_PERM_SIGN))
			.in(ref::rsa2048().priv_der).done(); }, keep_id});
	v.push_back({"key-import", "KEY_IMPORT ecdh-p256", [k32](Fixture &) {
		return Builder(HSM_IOC_KEY_IMPORT, false).resp().params_of(kparams("ecdh-p256", HSM_PERM_AGREE)).in(k32).done(); }, keep_id});
	for (const char *kdf : {"hkdf-sha-256", "kdf108-ctr-hmac-sha-256"})
		v.push_back({"key-derive", kdf, [k32, kdf](Fixture &f) {
			uint64_t base = f.import("secret", HSM_PERM_DERIVE, 0, k32);
			Builder b(HSM_IOC_KEY_DERIVE, false);
			b.handle(base).resp().params_of(kparams("aes-256-gcm", kCrypt)).in(str(kdf))
				.aad(Bytes(40, 3));
			if (!strncmp(kdf, "hkdf", 4))
				b.iv(Bytes(16, 4));
			return b.done(); }, keep_id});
	v.push_back({"key-agree", "KEY_AGREE x25519", [k32](Fixture &f) {
		uint64_t k = f.import("x25519", HSM_PERM_AGREE, 0, k32);
		return Builder(HSM_IOC_KEY_AGREE, false).handle(k).resp().params_of(kparams("secret", HSM_PERM_DERIVE))
			.in(ref::x25519_peer()).done(); }, keep_id});
	v.push_back({"key-agree", "KEY_AGREE ecdh-p256", [k32](Fixture &f) {
		uint64_t k = f.import("ecdh-p256", HSM_PERM_AGREE, 0, k32);
		return Builder(HSM_IOC_KEY_AGREE, false).handle(k).resp().params_of(kparams("secret", HSM_PERM_DERIVE))
			.in(ref::p256_peer()).done(); }, keep_id});
	v.push_back({"key-wrap", "KEY_WRAP aes-256-gcm", [k32, iv12](Fixture &f) {
		uint64_t wk = f.import("aes-256-gcm", HSM_PERM_WRAP, 0, k32);
		hsm_wrap_params p{};
		p.key = f.import("aes-128-ctr", kCrypt | HSM_PERM_EXPORT, HSM_KEY_F_EXPORTABLE, Bytes(16, 5));
		return Builder(HSM_IOC_KEY_WRAP, false).handle(wk).resp().params_of(p).iv(iv12).out(16).out_tag(16).done(); }, nullptr});
	v.push_back({"key-wrap", "KEY_WRAP aes-256-kw", [k32](Fixture &f) {
		uint64_t wk = f.import("aes-256-kw", HSM_PERM_WRAP, 0, k32);
		hsm_wrap_params p{};
		p.key = f.import("aes-256-gcm", kCrypt | HSM_PERM_EXPORT, HSM_KEY_F_EXPORTABLE, Bytes(32, 5));
		return Builder(HSM_IOC_KEY_WRAP, false).handle(wk).resp().params_of(p).out(40).done(); }, nullptr});
	v.push_back({"key-wrap", "KEY_UNWRAP aes-256-gcm", [k32, iv12](Fixture &f) {
		uint64_t wk = f.import("aes-256-gcm", HSM_PERM_UNWRAP, 0, k32);
		Bytes sealed = ref::seal("aes-256-gcm", k32, iv12, {}, Bytes(16, 6), 16);
		return Builder(HSM_IOC_KEY_UNWRAP, false).handle(wk).resp().params_of(kparams("aes-128-ctr", kCrypt))
			.in(View(sealed).first(16)).iv(iv12).tag(View(sealed).subspan(16)).done(); }, keep_id});
	v.push_back({"key-use", "KEY_EXPORT", [k32](Fixture &f) {
		uint64_t k = f.import("secret", HSM_PERM_EXPORT | HSM_PERM_DERIVE, HSM_KEY_F_EXPORTABLE, k32);
		return one_shot(HSM_IOC_KEY_EXPORT, k, [](Builder &b) { b.out(32); }); }, nullptr});
	v.push_back({"key-use", "KEY_PUBLIC ecdh-p256", [k32](Fixture &f) {
		uint64_t k = f.import("ecdh-p256", HSM_PERM_AGREE, 0, k32);
		return one_shot(HSM_IOC_KEY_PUBLIC, k, [](Builder &b) { b.out(64); }); }, nullptr});
	v.push_back({"key-use", "KEY_LIST", [](Fixture &) {
		return Builder(HSM_IOC_KEY_LIST, false).resp().flags(HSM_OP_F_ALL_CONNECTIONS).out(4096).done(); }, nullptr});
	v.push_back({"key-use", "KEY_RELEASE", [k16](Fixture &f) {
		return one_shot(HSM_IOC_KEY_RELEASE, f.import("aes-128-cbc", kCrypt, 0, k16), [](Builder &) {}); }, nullptr});

	v.push_back({"contexts", "CTX_CREATE aes-256-gcm seal", [k32](Fixture &f) {
		uint64_t k = f.import("aes-256-gcm", kCrypt, 0, k32);
		hsm_ctx_params p{};
		strcpy(p.alg, "aes-256-gcm");
		p.op = HSM_CTX_SEAL;
		return Builder(HSM_IOC_CTX_CREATE, false).handle(k).resp().params_of(p).done(); }, keep_id});
	v.push_back({"contexts", "CTX_CREATE hmac-sha-256", [k32](Fixture &f) {
		uint64_t k = f.import("hmac-sha-256", HSM_PERM_SIGN, 0, k32);
		hsm_ctx_params p{};
		strcpy(p.alg, "hmac-sha-256");
		p.op = HSM_CTX_MAC;
		return Builder(HSM_IOC_CTX_CREATE, false).handle(k).resp().params_of(p).done(); }, keep_id});
	v.push_back({"contexts", "CTX_INIT aes-256-gcm", [k32, iv12](Fixture &f) {
		uint64_t c = f.ctx("aes-256-gcm", HSM_CTX_SEAL, f.import("aes-256-gcm", kCrypt, 0, k32));
		return one_shot(HSM_IOC_CTX_INIT, c, [iv12](Builder &b) { b.iv(iv12).aad(Bytes(100, 1)); }); }, nullptr});
	v.push_back({"contexts", "CTX_UPDATE aes-256-gcm", [k32, iv12](Fixture &f) {
		uint64_t c = f.ctx("aes-256-gcm", HSM_CTX_SEAL, f.import("aes-256-gcm", kCrypt, 0, k32));
		f.call(HSM_IOC_CTX_INIT, c, [iv12](Builder &b) { b.iv(iv12); });
		return one_shot(HSM_IOC_CTX_UPDATE, c, [](Builder &b) { b.in(Bytes(3000, 2)); }); }, nullptr});
	v.push_back({"contexts", "CTX_UPDATE aes-128-cbc", [k16, iv16](Fixture &f) {
		uint64_t c = f.ctx("aes-128-cbc", HSM_CTX_ENCRYPT, f.import("aes-128-cbc", kCrypt, 0, k16));
		f.call(HSM_IOC_CTX_INIT, c, [iv16](Builder &b) { b.iv(iv16); });
		return one_shot(HSM_IOC_CTX_UPDATE, c, [](Builder &b) { b.in(Bytes(512, 2)).out(512); }); }, nullptr});
	v.push_back({"contexts", "CTX_FINAL aes-256-gcm", [k32, iv12](Fixture &f) {
		uint64_t c = f.ctx("aes-256-gcm", HSM_CTX_SEAL, f.import("aes-256-gcm", kCrypt, 0, k32));
		f.call(HSM_IOC_CTX_INIT, c, [iv12](Builder &b) { b.iv(iv12); });
		f.call(HSM_IOC_CTX_UPDATE, c, [](Builder &b) { b.in(Bytes(700, 2)); });
		return one_shot(HSM_IOC_CTX_FINAL, c, [](Builder &b) { b.out(700).out_tag(16); }); }, nullptr});
	v.push_back({"contexts", "CTX_FINAL sha-256", [](Fixture &f) {
		uint64_t c = f.ctx("sha-256", HSM_CTX_HASH, 0);
		f.call(HSM_IOC_CTX_INIT, c);
		f.call(HSM_IOC_CTX_UPDATE, c, [](Builder &b) { b.in(Bytes(100, 2)); });
		return one_shot(HSM_IOC_CTX_FINAL, c, [](Builder &b) { b.out(32); }); }, nullptr});
	for (unsigned cmd : {HSM_IOC_CTX_RESET, HSM_IOC_CTX_RELEASE})
		v.push_back({"contexts", cmd == HSM_IOC_CTX_RESET ? "CTX_RESET" : "CTX_RELEASE", [cmd](Fixture &f) {
			return one_shot(cmd, f.ctx("sha-512", HSM_CTX_HASH, 0), [](Builder &) {}); }, nullptr});

	v.push_back({"one-shots", "DIGEST sha-256", [msg](Fixture &) {
		return Builder(HSM_IOC_DIGEST, false).resp().params(str("sha-256")).in(msg).out(32).done(); }, nullptr});
	v.push_back({"one-shots", "DIGEST sha3-512", [msg](Fixture &) {
		return Builder(HSM_IOC_DIGEST, false).resp().params(str("sha3-512")).in(msg).out(64).done(); }, nullptr});
	v.push_back({"one-shots", "MAC hmac-sha-256", [k32, msg](Fixture &f) {
		return one_shot(HSM_IOC_MAC, f.import("hmac-sha-256", HSM_PERM_SIGN, 0, k32),
				[msg](Builder &b) { b.in(msg).out(32); }); }, nullptr});
	v.push_back({"one-shots", "MAC_VERIFY aes-128-cmac", [k16, msg](Fixture &f) {
		return one_shot(HSM_IOC_MAC_VERIFY, f.import("aes-128-cmac", HSM_PERM_VERIFY, 0, k16),
				[k16, msg](Builder &b) { b.in(msg).tag(ref::cmac(k16, msg)); }); }, nullptr});
	v.push_back({"one-shots", "SEAL aes-256-gcm", [k32, msg, iv12](Fixture &f) {
		return one_shot(HSM_IOC_SEAL, f.import("aes-256-gcm", kCrypt, 0, k32),
				[msg, iv12](Builder &b) { b.iv(iv12).aad(Bytes(20, 1)).in(msg).out(5000).out_tag(16); }); }, nullptr});
	v.push_back({"one-shots", "OPEN chacha20-poly1305", [k32, msg, iv12](Fixture &f) {
		Bytes s = ref::seal("chacha20-poly1305", k32, iv12, {}, msg, 16);
		return one_shot(HSM_IOC_OPEN, f.import("chacha20-poly1305", kCrypt, 0, k32),
				[s, iv12](Builder &b) { b.iv(iv12).in(View(s).first(5000)).tag(View(s).subspan(5000)).out(5000); }); }, nullptr});
	v.push_back({"one-shots", "ENCRYPT aes-128-xts", [k32, iv16](Fixture &f) {
		Bytes xk(32);
		for (size_t i = 0; i < xk.size(); i++)
			xk[i] = static_cast<uint8_t>(i);
		return one_shot(HSM_IOC_ENCRYPT, f.import("aes-128-xts", kCrypt, 0, xk),
				[iv16](Builder &b) { b.iv(iv16).in(Bytes(1000, 3)).out(1000); }); }, nullptr});
	v.push_back({"one-shots", "RANDOM", [](Fixture &) {
		return Builder(HSM_IOC_RANDOM, false).resp().out(4096).done(); }, nullptr});
	/*
	 * No SIGN: 6.1's RSA private-key operation (crypto/rsa.c, CRT) calls
	 * lib/mpi's mpi_sub(), whose mpi_copy() uses mpi_alloc()'s result
	 * unchecked, so a failed allocation there is a NULL dereference in
	 * the kernel, not in the module.  VERIFY's public-key path is safe.
	 */
	v.push_back({"one-shots", "VERIFY rsa-pkcs1-sha256", [](Fixture &f) {
		Bytes m(100, 1);
		return one_shot(HSM_IOC_VERIFY, f.import("rsa-pkcs1-sha256", HSM_PERM_VERIFY, 0, ref::rsa2048().pub_der),
				[m](Builder &b) { b.in(m).tag(ref::rsa_sign("sha-256", m)); }); }, nullptr});

	v.push_back({"slots", "SLOT_STORE", [k32](Fixture &f) {
		f.slots.push_back("fault-slot");
		return one_shot(HSM_IOC_SLOT_STORE, f.import("aes-256-gcm", kCrypt, 0, k32),
				[](Builder &b) { b.params_of(slot_params("fault-slot")); }); }, nullptr});
	v.push_back({"slots", "SLOT_OPEN", [k32](Fixture &f) {
		f.slots.push_back("fault-slot");
		f.call(HSM_IOC_SLOT_STORE, f.import("aes-256-gcm", kCrypt, 0, k32),
		       [](Builder &b) { b.params_of(slot_params("fault-slot")); });
		return Builder(HSM_IOC_SLOT_OPEN, false).resp().params_of(slot_params("fault-slot")).done(); }, keep_id});
	v.push_back({"slots", "SLOT_DELETE", [k32](Fixture &f) {
		f.slots.push_back("fault-slot");
		f.call(HSM_IOC_SLOT_STORE, f.import("aes-256-gcm", kCrypt, 0, k32),
		       [](Builder &b) { b.params_of(slot_params("fault-slot")); });
		return Builder(HSM_IOC_SLOT_DELETE, false).resp().params_of(slot_params("fault-slot")).done(); }, nullptr});
	v.push_back({"slots", "SLOT_LIST", [](Fixture &) {
		return Builder(HSM_IOC_SLOT_LIST, false).resp().out(2048).done(); }, nullptr});
	v.push_back({"seal", "SLOT_SEAL", [k32](Fixture &f) {
		f.slots.push_back("fault-slot");
		f.call(HSM_IOC_SLOT_STORE, f.import("aes-256-gcm", kCrypt, 0, k32),
		       [](Builder &b) { b.params_of(slot_params("fault-slot")); });
		return Builder(HSM_IOC_SLOT_SEAL, false).resp().params_of(slot_params("fault-slot")).out(4096).done(); }, nullptr});
	v.push_back({"seal", "SLOT_UNSEAL", [k32](Fixture &f) {
		f.slots.push_back("fault-slot");
		f.call(HSM_IOC_SLOT_STORE, f.import("aes-256-gcm", kCrypt, 0, k32),
		       [](Builder &b) { b.params_of(slot_params("fault-slot")); });
		Answer a = f.run(Builder(HSM_IOC_SLOT_SEAL, false).resp().params_of(slot_params("fault-slot")).out(4096).done());
		Bytes blob = a.res > 0 ? Bytes(ref_bytes(a, R_OUT, static_cast<uint32_t>(a.res)).begin(),
					       ref_bytes(a, R_OUT, static_cast<uint32_t>(a.res)).end()) : Bytes(300);
		f.run(Builder(HSM_IOC_SLOT_DELETE, false).resp().params_of(slot_params("fault-slot")).done());
		return Builder(HSM_IOC_SLOT_UNSEAL, false).resp().params_of(slot_params("fault-slot")).in(blob).done(); }, nullptr});

	/*
	 * No SNP_REPORT or SNP_EXT_REPORT: the simulated PSP signs reports
	 * with lib/mpi, whose 6.1 mpi_copy() (under mpi_invm(), mpi_sub())
	 * uses a failed allocation unchecked.  A real PSP signs in its own
	 * memory; the guest's side of a report is the same as a derived key's.
	 */
	v.push_back({"platform", "SNP_DERIVE_KEY", [](Fixture &) {
		hsm_snp_key_params p{};
		p.guest_field_select = HSM_SNP_GFS_MEASUREMENT;
		strcpy(p.key.alg, "secret");
		p.key.perms = HSM_PERM_DERIVE;
		return Builder(HSM_IOC_SNP_DERIVE_KEY, false).resp().params_of(p).in(str("fault label")).done(); }, keep_id});

	v.push_back({"vector", "VECTOR of four", [](Fixture &f) {
		/* Built here: the entries name the lane's own payloads. */
		(void)f;
		return Input{};
	}, nullptr});
	v.push_back({"connection", "GET_INFO", [](Fixture &) {
		hsm_get_info g{};
		g.info_size = sizeof(hsm_info);
		Input u;
		u.cmd = HSM_IOC_GET_INFO;
		u.set(g);
		u.local = kLocalPtr;
		u.gen = HSM_CMD_IDX_GET_INFO;
		return u; }, nullptr});
	v.push_back({"connection", "GET_STATS", [](Fixture &) {
		hsm_get_stats g{};
		g.stats_size = sizeof(hsm_stats);
		Input u;
		u.cmd = HSM_IOC_GET_STATS;
		u.set(g);
		u.local = kLocalPtr;
		u.gen = HSM_CMD_IDX_GET_STATS;
		return u; }, nullptr});
	v.push_back({"connection", "GET_ALGS", [](Fixture &) {
		hsm_get_algs g{};
		g.count = 64;
		Input u;
		u.cmd = HSM_IOC_GET_ALGS;
		u.set(g);
		u.local = kLocalPtr;
		u.gen = HSM_CMD_IDX_GET_ALGS;
		return u; }, nullptr});
	return v;
}

struct ClassTally {
	unsigned points = 0, clean = 0;
	unsigned uring_refused = 0;	// io_uring's own ENOMEM, before the module
	std::map<std::string, unsigned> errs;
};

class Runner {
public:
	Runner(Fixture &f, std::map<std::string, ClassTally> &tally, unsigned &findings)
		: f_(f), tally_(tally), findings_(findings) {}

	void scenario(const Scenario &s, Via via);
	void connection_setup();

private:
	void unclean(const std::string &cls, const std::string &what);
	std::string settle(const Counts &before);
	Program vector_program(Fixture &f);

	Fixture &f_;
	std::map<std::string, ClassTally> &tally_;
	unsigned &findings_;
};

void Runner::unclean(const std::string &cls, const std::string &what)
{
	findings_++;
	printf("hsm-fuzz: faults: UNCLEAN %s: %s\n", cls.c_str(), what.c_str());
	fflush(stdout);
	(void)tally_;
}

std::string Runner::settle(const Counts &before)
{
	Counts now{};
	for (int i = 0; i < 50; i++) {
		if (!f_.counts(now))
			return "GET_STATS failed";
		if (now == before)
			return "";
		usleep(20000);
	}
	return "leaked: " + before.diff(now);
}

Program Runner::vector_program(Fixture &f)
{
	Program p;
	const Bytes k32(32, 8), msg(700, 1);
	uint64_t mac = f.import("hmac-sha-256", HSM_PERM_SIGN, 0, k32);
	uint64_t gcm = f.import("aes-256-gcm", kCrypt, 0, k32);
	p.units.push_back(Builder(HSM_IOC_DIGEST, false).resp().params(str("sha-256")).in(msg).out(32).done());
	p.units.push_back(one_shot(HSM_IOC_MAC, mac, [msg](Builder &b) { b.in(msg).out(32); }));
	p.units.push_back(one_shot(HSM_IOC_SEAL, gcm, [msg](Builder &b) {
		b.iv(Bytes(12, 1)).in(msg).out(700).out_tag(16); }));
	p.units.push_back(Builder(HSM_IOC_RANDOM, false).resp().out(64).done());
	p.vec_resp = true;
	return p;
}

void Runner::scenario(const Scenario &s, Via via)
{
	ClassTally &ct = tally_[s.cls];
	const bool vector = !strcmp(s.cls, "vector");

	for (unsigned n = 1; n <= kMaxPoints; n++) {
		Counts before{};
		if (!f_.counts(before)) {
			unclean(s.cls, "GET_STATS failed before a point");
			return;
		}
		f_.transport_error.clear();
		Program p;
		Input u;
		if (vector) {
			p = vector_program(f_);
			p.via = via == Via::Ioctl ? Via::VectorIoctl : Via::VectorUring;
		} else {
			u = s.make(f_);
			p.via = via;
			p.units.push_back(u);
		}
		std::vector<Answer> ans;
		Answer vec;
		/* Once: a submission io_uring refused is tried again without. */
		bool armed = false;
		f_.ex.set_syscall_hooks(
			[this, n, &armed] {
				if (!armed)
					f_.fail.arm(n);
				armed = true;
			},
			[this, &armed] {
				if (armed)
					f_.fail.disarm();
			});
		std::string e = f_.ex.run(f_.t, p, ans, vec, nullptr, nullptr);
		f_.ex.set_syscall_hooks(nullptr, nullptr);
		const bool injected = f_.fail.injected();
		const Answer &a = vector ? vec : ans[0];

		/*
		 * A command the module sends to io-wq (-EAGAIN) is io_uring's
		 * until it is issued again: io_uring failing to allocate for
		 * that completes it with ENOMEM before the module ever answers,
		 * so there is no record to write.
		 */
		if (!vector && via == Via::Uring && ans[0].done && ans[0].res == -ENOMEM &&
		    ans[0].rec_own && !ans[0].rec_written) {
			ans[0].rec_own = ans[0].rec_checked = false;
			ct.uring_refused++;
		}
		if (e.empty()) {
			auto v = judge(p, ans, vec, f_.t.hooks);
			if (!v.empty())
				e = v[0].what;
		}
		if (!vector && s.after)
			s.after(f_, a);
		if (!vector && spec_of(u.cmd) && (spec_of(u.cmd)->cls & HSM_CMD_NEW_ID) && !s.after)
			f_.id_of(a);
		f_.release_all();
		if (e.empty())
			e = f_.known_answers();
		if (e.empty() && (!strcmp(s.cls, "platform") || !strcmp(s.cls, "seal"))) {
			/* A failed allocation is no failed exchange: the VMPCK stays. */
			Answer r = f_.run(Builder(HSM_IOC_SNP_REPORT, false).resp()
						  .params_of(hsm_snp_report_params{}).out(HSM_SNP_REPORT_SIZE).done());
			if (r.res != HSM_SNP_REPORT_SIZE)
				e = "SNP_REPORT answers " + result_text(r.res) + " after the fault";
		}
		if (e.empty())
			e = settle(before);
		if (!injected && e.empty())
			return;
		ct.points++;
		if (!e.empty()) {
			unclean(s.cls, std::string(s.name) + " by " + via_name(via) + ", fault point " +
				       std::to_string(n) + ": " + e);
			return;
		}
		ct.clean++;
		if (a.done && a.res < 0)
			ct.errs[result_text(a.res)]++;
		/* Documented, so clean; but an allocation failing says ENOMEM. */
		if (a.done && a.res < 0 && a.res != -ENOMEM)
			printf("hsm-fuzz: faults: note: %s by %s, fault point %u: %s\n", s.name,
			       via_name(via), n, result_text(a.res).c_str());
		if (!injected)
			return;
	}
	unclean(s.cls, std::string(s.name) + ": more than " + std::to_string(kMaxPoints) + " fault points");
}

// open(), SHM_SETUP and mmap() of a new connection, each with its n-th
// fault point failing.
void Runner::connection_setup()
{
	ClassTally &ct = tally_["connection"];

	for (int step = 0; step < 3; step++) {
		for (unsigned n = 1; n <= kMaxPoints; n++) {
			Counts before{};
			f_.counts(before);
			int fd = -1, err = 0;
			void *map = MAP_FAILED;
			if (step > 0) {
				fd = ::open(HSM_DEVICE_PATH, O_RDWR | O_CLOEXEC);
				if (step == 2 && hsm_raw_shm_setup(fd, 65536))
					err = -1;
			}
			f_.fail.arm(n);
			if (step == 0) {
				fd = ::open(HSM_DEVICE_PATH, O_RDWR | O_CLOEXEC);
				err = fd < 0 ? errno : 0;
			} else if (step == 1) {
				hsm_shm_setup ss{};
				ss.size = 65536;
				long r = ioctl(fd, HSM_IOC_SHM_SETUP, &ss);
				err = r < 0 ? errno : 0;
			} else {
				map = mmap(nullptr, 65536, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
				err = map == MAP_FAILED ? errno : 0;
			}
			f_.fail.disarm();
			const bool injected = f_.fail.injected();
			if (map != MAP_FAILED)
				munmap(map, 65536);
			if (fd >= 0)
				close(fd);
			static const char *const names[] = {"open", "SHM_SETUP", "mmap"};
			std::string e;
			if (err && !errno_documented(err) && !(step == 2 && err == ENOMEM))
				e = std::string("answered ") + errno_name(err);
			if (e.empty())
				e = f_.known_answers();
			if (e.empty())
				e = settle(before);
			if (!injected && e.empty())
				break;
			ct.points++;
			if (!e.empty()) {
				unclean("connection", std::string(names[step]) + ", fault point " +
							      std::to_string(n) + ": " + e);
				break;
			}
			ct.clean++;
			if (err)
				ct.errs[errno_name(err)]++;
			if (!injected)
				break;
		}
	}
}

}  // namespace

int run_faults(const FaultOptions &o)
{
	if (access(kFailNth, R_OK | W_OK)) {
		printf("hsm-fuzz: fault injection is not available (no %s)\n", kFailNth);
		return 77;
	}
	if (!configure_debugfs())
		printf("hsm-fuzz: faults: could not configure /sys/kernel/debug/fail*: faults that may sleep are not injected\n");
	Fixture f;
	if (!f.fail.open() || !f.open()) {
		printf("hsm-fuzz: faults: cannot open %s or %s\n", kFailNth, HSM_DEVICE_PATH);
		return 2;
	}
	(void)o.seed;
	std::map<std::string, ClassTally> tally;
	unsigned findings = 0;
	Runner run(f, tally, findings);

	if (o.only.empty() || o.only == "connection")
		run.connection_setup();
	for (const Scenario &s : scenarios()) {
		if (!o.only.empty() && o.only != s.cls)
			continue;
		if (!strcmp(s.cls, "platform") && !f.t.hooks)
			continue;
		for (Via via : {Via::Ioctl, Via::Uring})
			if (via == Via::Ioctl || s.uring)
				run.scenario(s, via);
	}
	unsigned total = 0, clean = 0;
	for (auto &[cls, ct] : tally) {
		std::string errs;
		for (auto &[e, n] : ct.errs)
			errs += " " + e + " " + std::to_string(n);
		printf("hsm-fuzz: faults: %-10s %5u points tried, %5u clean%s%s", cls.c_str(), ct.points,
		       ct.clean, errs.empty() ? "" : "; failed with", errs.c_str());
		if (ct.uring_refused)
			printf(" (%u of the ENOMEM io_uring's own, before the module)", ct.uring_refused);
		printf("\n");
		total += ct.points;
		clean += ct.clean;
	}
	printf("hsm-fuzz: faults: %u points tried, %u clean\n", total, clean);
	printf("hsm-fuzz: executions %u, new coverage 0, findings %u\n", total, findings);
	fflush(stdout);
	return findings ? 1 : 0;
}

}  // namespace fz
