// SPDX-License-Identifier: MIT
//
// Registration, login and the session's operations.  Rules kept here:
// - an unknown user's login looks like a known one's (a fake record,
//   derived per name so that it is the same every time, the same failure
//   counting), so that logins tell nobody who is registered;
// - every login attempt counts against its name until one succeeds;
// - a failed write stores nothing, and every operation on a user's data,
//   refused or not, is in that user's audit chain;
// - a request that is malformed or fails to decrypt changes nothing.
#include "service.hpp"

#include <ctime>

#include <openssl/rand.h>
#include <sodium.h>

#include "../proto/channel.hpp"
#include "../store/store.hpp"
#include "audit.hpp"
#include "vault.hpp"

namespace ks {

Code code_of(const StoreError &e)
{
	switch (e.code) {
	case StoreErr::kNotFound: return Code::kNotFound;
	case StoreErr::kExists: return Code::kExists;
	case StoreErr::kLimit: return Code::kLimit;
	default: return Code::kUnavailable;
	}
}

namespace {

Bytes store_error(const StoreError &e)
{
	Code c = code_of(e);
	return error_body(c, c == Code::kUnavailable ? "the database failed" : e.message);
}

SessionId session_id(Reader &r)
{
	SessionId id{};
	Bytes b = r.raw(kSessionIdLen);
	if (b.size() == id.size())
		std::copy(b.begin(), b.end(), id.begin());
	return id;
}

Bytes random_bytes(std::size_t n)
{
	Bytes b(n);
	if (RAND_bytes(b.data(), int(n)) != 1)
		b.clear();
	return b;
}

// An unknown user's fake record (RFC 9807 section 10.9): its client public
// key and masking key, derived from the server's fake seed and the name.
struct FakeRecord {
	opaque::Bytes client_public_key;
	opaque::SecretBytes masking_key;
};

FakeRecord fake_record(const ServerSecrets &s, std::string_view user)
{
	FakeRecord f;
	std::span<const std::uint8_t> name = bytes_of(user);
	opaque::SecretBytes wide(64);
	f.masking_key.resize(64);
	f.client_public_key.resize(crypto_core_ristretto255_BYTES);
	static const std::uint8_t kPk[] = "fake client key", kMk[] = "fake masking key";
	hkdf_sha512(s.fake_seed, name, kPk, wide);
	hkdf_sha512(s.fake_seed, name, kMk, f.masking_key);
	std::uint8_t sk[crypto_core_ristretto255_SCALARBYTES];
	crypto_core_ristretto255_scalar_reduce(sk, wide.data());
	crypto_scalarmult_ristretto255_base(f.client_public_key.data(), sk);
	sodium_memzero(sk, sizeof sk);
	return f;
}

} // namespace

Bytes Service::handle(std::span<const std::uint8_t> body)
{
	Reader r(body);
	switch (Msg(r.u8())) {
	case Msg::kRegisterStart: return register_start(r);
	case Msg::kRegisterFinish: return register_finish(r);
	case Msg::kLoginStart: return login_start(r);
	case Msg::kLoginFinish: return login_finish(r);
	case Msg::kRequest: return request(r);
	case Msg::kAttest: return attest(r);
	default: return error_body(r.bad() ? Code::kMalformed : Code::kUnknownMessage, "no such message");
	}
}

Bytes Service::register_start(Reader &r)
{
	std::string user = r.str(kMaxName);
	Bytes req = r.bytes(opaque::kRegistrationRequestSize);
	if (!r.done() || !valid_name(user))
		return error_body(Code::kMalformed, "register: a user name of 1-128 printable characters and a request");
	auto have = db_.user_get(user);
	if (!have)
		return store_error(have.error());
	if (*have)
		return error_body(Code::kExists, "register: the name is taken");
	auto resp = opaque::registration_response(cfg_, secrets_.opaque.keys(), req,
						  bytes_of(user));
	if (!resp)
		return error_body(Code::kMalformed, std::string("register: ") + opaque::to_string(resp.error()));
	return Writer(Msg::kOk).bytes(*resp).take();
}

Bytes Service::register_finish(Reader &r)
{
	std::string user = r.str(kMaxName);
	Bytes record = r.bytes(opaque::kRecordSize);
	if (!r.done() || !valid_name(user) || record.size() != opaque::kRecordSize)
		return error_body(Code::kMalformed, "register: a user name and a record");
	auto sealed = vault_.seal("user", user, "", record);
	if (!sealed)
		return error_body(Code::kUnavailable, "the HSM failed");
	auto put = db_.user_put(user, *sealed, audit_maker(vault_, user, "register", "", "ok"));
	if (!put)
		return store_error(put.error());
	return Writer(Msg::kOk).take();
}

bool Service::rate_limited(const std::string &user)
{
	auto f = db_.failures(user);
	if (!f || f->count < lim_.free_failures)
		return false;
	unsigned shift = std::min<unsigned>(f->count - lim_.free_failures, 7);
	auto wait = std::min<std::int64_t>(lim_.backoff.count() << shift, 3600);
	return std::time(nullptr) < f->last + wait;
}

// A login that finished: the attempts that did not (wrong passwords end
// at the client, which sends no KE3) go into the chain as one entry.
void Service::login_succeeded(const std::string &user)
{
	auto f = db_.failures(user);
	if (f && f->count > 1)
		(void)db_.audit_append(user, audit_maker(vault_, user, "failed-logins", "",
							 std::to_string(f->count - 1)));
	(void)db_.reset_failures(user);
	(void)db_.audit_append(user, audit_maker(vault_, user, "login", "", "ok"));
}

Bytes Service::login_start(Reader &r)
{
	std::string user = r.str(kMaxName);
	Bytes ke1 = r.bytes(opaque::kKe1Size);
	if (!r.done() || !valid_name(user))
		return error_body(Code::kMalformed, "login: a user name and KE1");
	if (rate_limited(user))
		return error_body(Code::kRateLimited, "login: too many failures, try again later");
	// Every attempt counts until one finishes: a wrong password fails at
	// the client, which then never sends KE3.  Unknown names count alike.
	if (auto f = db_.fail(user, std::time(nullptr)); !f)
		return store_error(f.error());
	auto sealed = db_.user_get(user);
	if (!sealed)
		return store_error(sealed.error());
	std::optional<Bytes> record;
	if (*sealed && !(record = vault_.open("user", user, "", **sealed)))
		return error_body(Code::kUnavailable, "the user's record does not open");
	std::span<const std::uint8_t> id = bytes_of(user);
	// Derived for known users too, though only an unknown one's login uses
	// it: both paths then do the same work, and their timing tells no one
	// whether the name is registered.
	FakeRecord fake = fake_record(secrets_, user);
	Bytes mn = random_bytes(32), n = random_bytes(32), ks = random_bytes(32);
	opaque::ServerLoginSeeds seeds{mn, n, ks, fake.client_public_key, fake.masking_key};
	auto rec = record ? std::optional<std::span<const std::uint8_t>>(*record) : std::nullopt;
	auto login = opaque::ServerLogin::start(cfg_, secrets_.opaque.keys(), ke1, rec, id, {}, seeds);
	if (!login)
		return error_body(Code::kMalformed, std::string("login: ") + opaque::to_string(login.error()));
	Bytes ke2 = login->ke2();
	Pending p{user, record.has_value(), std::make_unique<opaque::ServerLogin>(std::move(*login)), {}};
	auto sid = sessions_.add_pending(std::move(p));
	if (!sid)
		return error_body(Code::kLimit, "login: the server holds too many sessions");
	return Writer(Msg::kOk).raw(*sid).bytes(ke2).take();
}

Bytes Service::login_finish(Reader &r)
{
	SessionId id = session_id(r);
	Bytes ke3 = r.bytes(opaque::kKe3Size);
	if (!r.done())
		return error_body(Code::kMalformed, "login: a session id and KE3");
	auto p = sessions_.take_pending(id);
	if (!p)
		return error_body(Code::kNoSession, "login: no such login in progress (expired, or finished)");
	auto key = p->state->finish(ke3);
	if (!key || !p->known)
		return error_body(Code::kAuthFailed, "login failed");
	login_succeeded(p->user);
	sessions_.add_session(id, p->user, *key);
	return Writer(Msg::kOk).take();
}

Bytes Service::request(Reader &r)
{
	SessionId id = session_id(r);
	std::uint64_t seq = r.u64();
	Bytes sealed = r.bytes(kMaxFrame);
	if (!r.done())
		return error_body(Code::kMalformed, "request: a session id, a sequence number and a sealed request");
	auto s = sessions_.find(id);
	if (!s)
		return error_body(Code::kNoSession, "no such session (expired, closed or never made)");
	std::lock_guard l(s->mu);
	if (s->closed)
		return error_body(Code::kNoSession, "the session is closed");
	// The same request again: its answer again (its first answer was lost).
	if (seq == s->last_seq && seq && sealed == s->last_request)
		return s->last_answer;
	if (seq != s->channel.expected())
		return error_body(Code::kReplay, "request: out of sequence");
	auto plain = s->channel.open(seq, sealed);
	if (!plain)
		return error_body(Code::kMalformed, "request: does not decrypt");
	s->last_use = std::chrono::steady_clock::now();
	Bytes inner = operate(*s, *plain);
	sodium_memzero(plain->data(), plain->size());
	auto [aseq, asealed] = s->channel.seal(inner);
	sodium_memzero(inner.data(), inner.size());
	s->last_seq = seq;
	s->last_request = std::move(sealed);
	s->last_answer = Writer(Msg::kOk).u64(aseq).bytes(asealed).take();
	if (s->closed)
		sessions_.remove(id);
	return s->last_answer;
}

Bytes Service::attest(Reader &r)
{
	Bytes nonce = r.raw(HSM_KEY_NONCE_LEN);
	if (!r.done())
		return error_body(Code::kMalformed, "attest: a 64-byte nonce");
	auto a = vault_.attest_tls(std::span<const std::uint8_t, HSM_KEY_NONCE_LEN>(nonce.data(), HSM_KEY_NONCE_LEN));
	if (!a)
		return error_body(Code::kUnavailable, "attest: " + a.error());
	return Writer(Msg::kOk).u64(a->platform).bytes(a->statement).bytes(a->evidence).take();
}

} // namespace ks
