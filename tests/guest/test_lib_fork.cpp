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
	CryptoStack s = MUST(CryptoStack::Create());
	auto al = s.Allocator();
	auto k = MUST(s.Keys().ImportKey(
		ImportKeyParams{}.SetAlgorithm("hmac-sha-256").SetPermissions(kMacPerms).SetMaterial(key)));
	auto h = MUST(s.CreateHashContext(HashContextConfig{}.SetAlgorithm("sha-256")));
	auto gk = MUST(s.Keys().GenerateKey(GenerateKeyParams{}.SetAlgorithm("aes-256-gcm").SetPermissions(
		KeyOperationPermission::kEncrypt | KeyOperationPermission::kDecrypt)));
	auto a = MUST(s.CreateAeadContext(AeadContextConfig{}.SetAlgorithm("aes-256-gcm").SetKey(gk)));
	Buffer m = buf(al, msg), t = MUST(al.Allocate(32));
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
	return !r && r.error().status == Status::InvalidState && r.error().err == ECHILD;
}

// Lives until exit(): its destructor runs in exit(), after main's frame.
std::optional<Held> g_static;

// The child's part: every inherited object refuses work, then all of them
// are destroyed the ordinary way.  Returns 0 or the failed check.
int child_uses_nothing(Held held)
{
	auto al = held.stack.Allocator();
	if (!refused(al.Allocate(64)))
		return 20;
	if (!refused(held.stack.Mac(held.key, held.msg, held.tag)))
		return 21;
	if (!refused(held.hash.Update(held.msg)))
		return 22;
	if (!refused(held.stack.Keys().ResolveSlot(KeySlot("fork-test"))))
		return 23;
	if (!held.batch.Random(held.tag) || !refused(held.batch.Submit()))
		return 24;
	if (!refused(held.batch.WaitAll()))
		return 25;
	if (al.Available() != 0)
		return 26;
	return 0;	// `held` goes here: guard, contexts, buffers, batch, stack
}

// The child's part with a stack of its own, opened while the inherited
// objects live (its region may take the address the parent's had).
int child_works_alone(Held held, const Bytes &key)
{
	auto c = CryptoStack::Create();
	if (!c)
		return 30;
	auto al = c->Allocator();
	auto own = al.Allocate(held.msg.size());
	auto out = al.Allocate(32);
	if (!own || !out)
		return 31;
	std::memset(own->data(), 0xAA, own->size());
	// Destroying the inherited buffers must not wipe the child's memory.
	held.msg.Reset();
	held.tag.Reset();
	for (std::size_t i = 0; i < own->size(); i++)
		if (own->data()[i] != 0xAA)
			return 32;
	auto d = c->Digest("sha-256", *own, *out);
	if (!d || *d != 32 || bytes(*out, 32) != sha256(bytes(*own, own->size())))
		return 33;
	// The parent's key IDs mean nothing on the child's connection.
	auto m = c->Mac(held.key.id(), *own, *out);
	if (m || m.error().status != Status::NotFound)
		return 34;
	auto k = c->Keys().ImportKey(
		ImportKeyParams{}.SetAlgorithm("hmac-sha-256").SetPermissions(kMacPerms).SetMaterial(key));
	if (!k)
		return 35;
	auto mk = c->Mac(*k, *own, *out);
	if (!mk || bytes(*out, 32) != hmac256(key, bytes(*own, own->size())))
		return 36;
	return 0;	// the inherited objects go, then the child's own
}

} // namespace

Test(lib_fork, an_inheriting_child_returns_and_exits_cleanly, .timeout = 120)
{
	Bytes key = pattern(32, 3), msg = pattern(4000, 5), more = pattern(1000, 6);
	Held held = make_held(key, msg);
	MUST(held.hash.Init());
	MUST(held.hash.Update(held.msg));
	g_static.emplace(make_held(key, more));
	// One operation completed in the batch before the fork, one queued.
	MUST(held.batch.Mac(held.key, held.msg, held.tag));
	cr_assert_eq(MUST(held.batch.WaitAll()), 0u);

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
	cr_expect_eq(MUST(held.stack.Mac(held.key, held.msg, held.tag)), 32u);
	cr_expect(bytes(held.tag, 32) == hmac256(key, msg), "the parent's key still MACs");
	Buffer tail = buf(held.stack.Allocator(), more);
	MUST(held.hash.Update(tail));
	Buffer d = MUST(held.stack.Allocator().Allocate(32));
	cr_expect_eq(MUST(held.hash.Finalize(d)), 32u);
	Bytes whole = msg;
	whole.insert(whole.end(), more.begin(), more.end());
	cr_expect(bytes(d, 32) == sha256(whole), "the parent's context kept its stream");
	cr_expect(bytes(held.msg, msg.size()) == msg, "the parent's buffer was not wiped");
	// The static copy's key too.
	cr_expect_eq(MUST(g_static->stack.Mac(g_static->key, g_static->msg, g_static->tag)), 32u);
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
	Buffer r = MUST(held.stack.Allocator().Allocate(64));
	cr_expect_eq(MUST(held.stack.Random(r)), 64u);
	cr_expect_eq(MUST(held.stack.Mac(held.key, held.msg, held.tag)), 32u);
	cr_expect(bytes(held.tag, 32) == hmac256(key, msg), "the parent's key still MACs");
	MUST(held.batch.Mac(held.key, held.msg, held.tag));
	cr_expect_eq(MUST(held.batch.WaitAll()), 0u);
}
