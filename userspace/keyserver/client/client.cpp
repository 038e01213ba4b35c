// SPDX-License-Identifier: MIT
//
// Registration, login and the session's calls, client side.
#include "client.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <opaque/opaque.hpp>

#include "../proto/defaults.hpp"
#include "link.hpp"

namespace ks {

namespace {

const std::string kStorageKeyId = ".storage-key";

ClientError bad(const std::string &m)
{
	return {Code::kMalformed, m};
}

opaque::Config config_of(const ClientSettings &s)
{
	return opaque_config(s.context, s.ksf);
}

// The associated data of a client-encrypted secret: its owner and id.
Bytes client_aad(const std::string &user, const std::string &id)
{
	return Writer(Msg::kOk).str("ks-client1").str(user).str(id).take();
}

// The answer's body after its kOk byte, or the server's error.
ClientResult<Reader> ok_of(const Bytes &answer)
{
	if (!answer.empty() && Msg(answer[0]) == Msg::kOk) {
		Reader r(answer);
		r.u8();
		return r;
	}
	return std::unexpected(error_of(answer));
}

// The server's answer to `body`: its fields after kOk, or its error.
ClientResult<Bytes> ask(Link &l, const Bytes &body)
{
	auto a = l.exchange(body);
	if (!a)
		return std::unexpected(a.error());
	if (a->empty() || Msg((*a)[0]) != Msg::kOk)
		return std::unexpected(error_of(*a));
	return Bytes(a->begin() + 1, a->end());
}

// An answer with nothing but its kOk.
ClientResult<void> done_of(const Bytes &answer)
{
	auto r = ok_of(answer);
	if (!r)
		return std::unexpected(r.error());
	if (!r->done())
		return std::unexpected(bad("the answer does not parse"));
	return {};
}

} // namespace

ClientResult<void> check_audit(const std::vector<AuditRecord> &chain, const std::optional<AuditAnchor> &anchor)
{
	for (std::size_t i = 0; i < chain.size(); i++)
		if (chain[i].seq != i + 1)
			return std::unexpected(ClientError{Code::kAuditBroken, "the audit chain skips from entry " +
										   std::to_string(i) + " to " +
										   std::to_string(chain[i].seq)});
	if (anchor && anchor->seq &&
	    (anchor->seq > chain.size() || chain[anchor->seq - 1].mac != anchor->mac))
		return std::unexpected(ClientError{Code::kAuditBroken, "the audit chain no longer holds entry " +
									   std::to_string(anchor->seq) +
									   " as it was seen before"});
	return {};
}

KeyClient::KeyClient(std::shared_ptr<Link> l, ClientSettings s) : link_(std::move(l)), settings_(std::move(s)) {}
KeyClient::~KeyClient() = default;
KeyClient::KeyClient(KeyClient &&) noexcept = default;

ClientResult<KeyClient> KeyClient::connect(const ClientSettings &s)
{
	auto l = Link::open(s);
	if (!l)
		return std::unexpected(l.error());
	return KeyClient(std::move(*l), s);
}

ClientResult<Bytes> KeyClient::exchange(std::span<const std::uint8_t> body)
{
	return link_->exchange(body);
}

ClientResult<void> KeyClient::register_user(const std::string &user, std::span<const std::uint8_t> password)
{
	if (!valid_name(user))
		return std::unexpected(bad("a user name is 1-128 printable characters, not starting with '.'"));
	auto reg = opaque::ClientRegistration::start(config_of(settings_), password);
	if (!reg)
		return std::unexpected(bad(opaque::to_string(reg.error())));
	auto a = ask(*link_, Writer(Msg::kRegisterStart).str(user).bytes(reg->request()).take());
	if (!a)
		return std::unexpected(a.error());
	Reader r(*a);
	Bytes resp = r.bytes(opaque::kRegistrationResponseSize);
	if (!r.done())
		return std::unexpected(bad("the registration response does not parse"));
	auto fin = reg->finalize(resp);
	if (!fin)
		return std::unexpected(bad(std::string("registration: ") + opaque::to_string(fin.error())));
	if (auto done = ask(*link_, Writer(Msg::kRegisterFinish).str(user).bytes(fin->record).take()); !done)
		return std::unexpected(done.error());
	// The first login makes the storage key.
	auto s = login(user, password);
	if (!s)
		return std::unexpected(s.error());
	return s->close();
}

ClientResult<Session> KeyClient::login(const std::string &user, std::span<const std::uint8_t> password)
{
	auto cl = opaque::ClientLogin::start(config_of(settings_), password);
	if (!cl)
		return std::unexpected(bad(opaque::to_string(cl.error())));
	auto a = ask(*link_, Writer(Msg::kLoginStart).str(user).bytes(cl->ke1()).take());
	if (!a)
		return std::unexpected(a.error());
	Reader r(*a);
	Bytes sid = r.raw(kSessionIdLen);
	Bytes ke2 = r.bytes(opaque::kKe2Size);
	if (!r.done())
		return std::unexpected(bad("KE2 does not parse"));
	auto fin = cl->finish(ke2);
	if (!fin)
		return std::unexpected(ClientError{Code::kAuthFailed, "login failed (wrong password or no such user)"});
	SessionId id;
	std::copy(sid.begin(), sid.end(), id.begin());
	if (auto done = ask(*link_, Writer(Msg::kLoginFinish).raw(id).bytes(fin->ke3).take()); !done)
		return std::unexpected(done.error());
	Session s(link_, settings_, user, id, fin->session_key);
	if (auto u = s.unlock(fin->export_key); !u)
		return std::unexpected(u.error());
	return s;
}

Session::Session(std::shared_ptr<Link> l, ClientSettings s, std::string user, const SessionId &id,
		 std::span<const std::uint8_t> session_key)
	: link_(std::move(l)), settings_(std::move(s)), user_(std::move(user)), id_(id),
	  channel_(std::make_unique<Channel>(session_key, id, Channel::Side::kClient))
{
}

Session::~Session() = default;
Session::Session(Session &&) noexcept = default;

ClientResult<void> Session::reconnect()
{
	auto l = Link::open(settings_);
	if (!l)
		return std::unexpected(l.error());
	link_ = std::move(*l);
	return {};
}

ClientResult<Bytes> Session::call(std::span<const std::uint8_t> op, Delivery d)
{
	std::uint64_t seq = last_seq_;
	if (d != Delivery::kResend) {
		auto [s, sealed] = channel_->seal(op);
		seq = last_seq_ = s;
		last_sealed_ = std::move(sealed);
	}
	auto a = ask(*link_, Writer(Msg::kRequest).raw(id_).u64(seq).bytes(last_sealed_).take());
	if (!a)
		return std::unexpected(a.error());
	if (d == Delivery::kDropAnswer)
		return Bytes{};
	Reader r(*a);
	std::uint64_t aseq = r.u64();
	Bytes sealed = r.bytes(kMaxFrame);
	if (!r.done())
		return std::unexpected(bad("the answer does not parse"));
	auto plain = channel_->open(aseq, sealed);
	if (!plain)
		return std::unexpected(bad("the answer does not decrypt, or is out of sequence"));
	return *plain;
}

// The storage key: unwrapped from the server's copy, or made and stored
// there at the first login.  The wrapping key comes from export_key,
// which only the password gives.
ClientResult<void> Session::unlock(std::span<const std::uint8_t> export_key)
{
	opaque::SecretBytes wrap(32);
	static const std::uint8_t kInfo[] = "hsm keyserver storage key wrap v1";
	if (!hkdf_sha512(export_key, bytes_of(user_), kInfo, wrap))
		return std::unexpected(bad("HKDF failed"));
	Bytes aad = client_aad(user_, kStorageKeyId);
	auto got = call(Writer(Op::kRetrieve).str(kStorageKeyId).take());
	if (!got)
		return std::unexpected(got.error());
	auto r = ok_of(*got);
	if (r) {
		Bytes blob = r->bytes(kMaxSecret);
		if (!r->done() || blob.size() != 12 + 32 + 16)
			return std::unexpected(bad("the stored storage key does not parse"));
		auto key = gcm_open(wrap, std::span(blob).first(12), aad, std::span(blob).subspan(12));
		if (!key)
			return std::unexpected(bad("the stored storage key does not open: altered, or another user's"));
		storage_key_.assign(key->begin(), key->end());
		OPENSSL_cleanse(key->data(), key->size());
		return {};
	}
	if (r.error().code != Code::kNotFound)
		return std::unexpected(r.error());
	storage_key_.resize(32);
	Bytes nonce(12);
	if (RAND_bytes(storage_key_.data(), 32) != 1 || RAND_bytes(nonce.data(), 12) != 1)
		return std::unexpected(bad("no randomness"));
	Bytes blob = nonce, ct = gcm_seal(wrap, nonce, aad, storage_key_);
	blob.insert(blob.end(), ct.begin(), ct.end());
	auto put = call(Writer(Op::kStore).str(kStorageKeyId).bytes(blob).take());
	if (!put)
		return std::unexpected(put.error());
	return done_of(*put);
}

ClientResult<void> Session::store(const std::string &id, std::span<const std::uint8_t> secret)
{
	if (!valid_name(id))
		return std::unexpected(bad("an id is 1-128 printable characters, not starting with '.'"));
	if (secret.size() > kMaxSecret - 28)
		return std::unexpected(ClientError{Code::kLimit, "a secret is at most " +
									 std::to_string(kMaxSecret - 28) + " bytes"});
	Bytes nonce(12);
	if (RAND_bytes(nonce.data(), 12) != 1)
		return std::unexpected(bad("no randomness"));
	Bytes blob = nonce, ct = gcm_seal(storage_key_, nonce, client_aad(user_, id), secret);
	blob.insert(blob.end(), ct.begin(), ct.end());
	auto a = call(Writer(Op::kStore).str(id).bytes(blob).take());
	if (!a)
		return std::unexpected(a.error());
	return done_of(*a);
}

ClientResult<opaque::SecretBytes> Session::retrieve(const std::string &id)
{
	auto a = call(Writer(Op::kRetrieve).str(id).take());
	if (!a)
		return std::unexpected(a.error());
	auto r = ok_of(*a);
	if (!r)
		return std::unexpected(r.error());
	Bytes blob = r->bytes(kMaxSecret);
	if (!r->done() || blob.size() < 28)
		return std::unexpected(bad("the secret does not parse"));
	auto plain = gcm_open(storage_key_, std::span(blob).first(12), client_aad(user_, id), std::span(blob).subspan(12));
	if (!plain)
		return std::unexpected(ClientError{Code::kAuditBroken, "the secret does not open: altered or moved"});
	opaque::SecretBytes out(plain->begin(), plain->end());
	OPENSSL_cleanse(plain->data(), plain->size());
	return out;
}

ClientResult<void> Session::remove(const std::string &id)
{
	auto a = call(Writer(Op::kDelete).str(id).take());
	if (!a)
		return std::unexpected(a.error());
	return done_of(*a);
}

ClientResult<std::vector<std::string>> Session::list()
{
	auto a = call(Writer(Op::kList).take());
	if (!a)
		return std::unexpected(a.error());
	auto r = ok_of(*a);
	if (!r)
		return std::unexpected(r.error());
	std::uint64_t n = r->u64();
	std::vector<std::string> ids;
	for (std::uint64_t i = 0; i < n && !r->bad(); i++) {
		std::string id = r->str(kMaxName);
		if (!id.starts_with('.'))
			ids.push_back(std::move(id));
	}
	if (!r->done())
		return std::unexpected(bad("the list does not parse"));
	return ids;
}

ClientResult<std::vector<AuditRecord>> Session::audit()
{
	auto a = call(Writer(Op::kAudit).take());
	if (!a)
		return std::unexpected(a.error());
	auto r = ok_of(*a);
	if (!r)
		return std::unexpected(r.error());
	std::uint64_t n = r->u64();
	std::vector<AuditRecord> chain;
	for (std::uint64_t i = 0; i < n && !r->bad(); i++) {
		AuditRecord e;
		e.seq = r->u64();
		e.time = std::int64_t(r->u64());
		e.op = r->str(64);
		e.target = r->str(kMaxName);
		e.outcome = r->str(64);
		e.mac = r->bytes(64);
		chain.push_back(std::move(e));
	}
	if (!r->done())
		return std::unexpected(bad("the audit chain does not parse"));
	if (auto c = check_audit(chain, std::nullopt); !c)
		return std::unexpected(c.error());
	return chain;
}

ClientResult<void> Session::close()
{
	auto a = call(Writer(Op::kClose).take());
	if (!a)
		return std::unexpected(a.error());
	return done_of(*a);
}

} // namespace ks
