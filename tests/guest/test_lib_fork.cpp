// SPDX-License-Identifier: GPL-2.0 OR MIT
// libhsm across fork(): a child that inherited stacks, guards, contexts,
// buffers and batches, and leaves the normal way (destructors and exit()),
// must neither crash nor touch the parent's region, rings or keys; a child
// that opens its own stack works on its own.  The parent's keys and
// contexts keep working after the child is gone.
#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <cstdlib>
#include <optional>
#include <sys/wait.h>
#include <unistd.h>

#include "lib_test.hpp"

using namespace hsm;
using namespace libtest;

namespace {

constexpr auto kMacPerms = KeyOperationPermission::kSign | KeyOperationPermission::kVerify;

Bytes hmac256(const Bytes &key, const Bytes &m)
{
	Bytes out(32);
	unsigned int len = 0;
	HMAC(EVP_sha256(), key.data(), int(key.size()), m.data(), m.size(), out.data(), &len);
	return out;
}

Bytes sha256(const Bytes &m)
{
	Bytes out(32);
	unsigned int len = 0;
	EVP_Digest(m.data(), m.size(), out.data(), &len, EVP_sha256(), nullptr);
	return out;
}

// What a parent holds when it forks.
struct Held {
	CryptoStack stack;
	CryptoResourceGuard key;
	HashContext hash;
	AeadContext aead;
	Buffer msg, tag;
	Batch batch;
};

Held make_held(const Bytes &key, const Bytes &msg)
{
	CryptoStack s = MUST(CryptoStack::create());
	auto al = s.allocator();
	auto k = MUST(s.keys().import_key(
		ImportKeyParams{}.set_algorithm("hmac-sha-256").set_permissions(kMacPerms).set_material(key)));
	auto h = MUST(s.create_hash_context(HashContextConfig{}.set_algorithm("sha-256")));
	auto gk = MUST(s.keys().generate_key(GenerateKeyParams{}.set_algorithm("aes-256-gcm").set_permissions(
		KeyOperationPermission::kEncrypt | KeyOperationPermission::kDecrypt)));
	auto a = MUST(s.create_aead_context(AeadContextConfig{}.set_algorithm("aes-256-gcm").set_key(gk)));
	Buffer m = buf(al, msg), t = MUST(al.allocate(32));
	Batch b(s, 8);
	return Held{s, std::move(k), std::move(h), std::move(a), std::move(m), std::move(t), std::move(b)};
}

// The child's verdict: 0, or the number of the first check that failed.
int wait_child(pid_t pid)
{
	int st = 0;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st), "the child did not exit normally: %s %d",
		  WIFSIGNALED(st) ? "signal" : "status", WIFSIGNALED(st) ? WTERMSIG(st) : st);
	return WEXITSTATUS(st);
}

// In a child: an inherited object's call must fail with InvalidState
// (ECHILD) without reaching the module.
template <typename T>
bool refused(const Result<T> &r)
{
	return !r && r.error().status == Status::kInvalidState && r.error().err == ECHILD;
}

// Lives until exit(): its destructor runs in exit(), after main's frame.
std::optional<Held> g_static;

// The child's part: every inherited object refuses work, then all of them
// are destroyed the ordinary way.  Returns 0 or the failed check.
int child_uses_nothing(Held held)
{
	auto al = held.stack.allocator();
	if (!refused(al.allocate(64)))
		return 20;
	if (!refused(held.stack.mac(held.key, held.msg, held.tag)))
		return 21;
	if (!refused(held.hash.update(held.msg)))
		return 22;
	if (!refused(held.stack.keys().resolve_slot(KeySlot("fork-test"))))
		return 23;
	if (!held.batch.random(held.tag) || !refused(held.batch.submit()))
		return 24;
	if (!refused(held.batch.wait_all()))
		return 25;
	if (al.available() != 0)
		return 26;
	return 0;	// `held` goes here: guard, contexts, buffers, batch, stack
}

// The child's part with a stack of its own, opened while the inherited
// objects live (its region may take the address the parent's had).
int child_works_alone(Held held, const Bytes &key)
{
	auto c = CryptoStack::create();
	if (!c)
		return 30;
	auto al = c->allocator();
	auto own = al.allocate(held.msg.size());
	auto out = al.allocate(32);
	if (!own || !out)
		return 31;
	std::memset(own->data(), 0xAA, own->size());
	// Destroying the inherited buffers must not wipe the child's memory.
	held.msg.reset();
	held.tag.reset();
	for (std::size_t i = 0; i < own->size(); i++)
		if (own->data()[i] != 0xAA)
			return 32;
	auto d = c->digest("sha-256", *own, *out);
	if (!d || *d != 32 || bytes(*out, 32) != sha256(bytes(*own, own->size())))
		return 33;
	// The parent's key IDs mean nothing on the child's connection.
	auto m = c->mac(held.key.id(), *own, *out);
	if (m || m.error().status != Status::kNotFound)
		return 34;
	auto k = c->keys().import_key(
		ImportKeyParams{}.set_algorithm("hmac-sha-256").set_permissions(kMacPerms).set_material(key));
	if (!k)
		return 35;
	auto mk = c->mac(*k, *own, *out);
	if (!mk || bytes(*out, 32) != hmac256(key, bytes(*own, own->size())))
		return 36;
	return 0;	// the inherited objects go, then the child's own
}

} // namespace

Test(lib_fork, an_inheriting_child_returns_and_exits_cleanly, .timeout = 120)
{
	Bytes key = pattern(32, 3), msg = pattern(4000, 5), more = pattern(1000, 6);
	Held held = make_held(key, msg);
	MUST(held.hash.init());
	MUST(held.hash.update(held.msg));
	g_static.emplace(make_held(key, more));
	// One operation completed in the batch before the fork, one queued.
	MUST(held.batch.mac(held.key, held.msg, held.tag));
	cr_assert_eq(MUST(held.batch.wait_all()), 0u);

	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		// Moved into the callee, so that its return destroys them; the
		// static one goes in exit().
		int rc = child_uses_nothing(std::move(held));
		exit(rc);
	}
	int rc = wait_child(pid);
	cr_assert_eq(rc, 0, "the child's check %d failed", rc);

	// The parent's key, context and buffers are intact.
	cr_expect_eq(MUST(held.stack.mac(held.key, held.msg, held.tag)), 32u);
	cr_expect(bytes(held.tag, 32) == hmac256(key, msg), "the parent's key still MACs");
	Buffer tail = buf(held.stack.allocator(), more);
	MUST(held.hash.update(tail));
	Buffer d = MUST(held.stack.allocator().allocate(32));
	cr_expect_eq(MUST(held.hash.finalize(d)), 32u);
	Bytes whole = msg;
	whole.insert(whole.end(), more.begin(), more.end());
	cr_expect(bytes(d, 32) == sha256(whole), "the parent's context kept its stream");
	cr_expect(bytes(held.msg, msg.size()) == msg, "the parent's buffer was not wiped");
	// The static copy's key too.
	cr_expect_eq(MUST(g_static->stack.mac(g_static->key, g_static->msg, g_static->tag)), 32u);
	cr_expect(bytes(g_static->tag, 32) == hmac256(key, more));
	g_static.reset();
}

Test(lib_fork, a_child_opens_its_own_stack_and_returns, .timeout = 120)
{
	Bytes key = pattern(32, 7), msg = pattern(512, 8);
	Held held = make_held(key, msg);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0)
		exit(child_works_alone(std::move(held), key));
	int rc = wait_child(pid);
	cr_assert_eq(rc, 0, "the child's check %d failed", rc);

	// The parent's lanes and key are untouched: no SQE of the child's went
	// into its rings, no release reached its connection.
	Buffer r = MUST(held.stack.allocator().allocate(64));
	cr_expect_eq(MUST(held.stack.random(r)), 64u);
	cr_expect_eq(MUST(held.stack.mac(held.key, held.msg, held.tag)), 32u);
	cr_expect(bytes(held.tag, 32) == hmac256(key, msg), "the parent's key still MACs");
	MUST(held.batch.mac(held.key, held.msg, held.tag));
	cr_expect_eq(MUST(held.batch.wait_all()), 0u);
}
