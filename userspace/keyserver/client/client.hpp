// SPDX-License-Identifier: MIT
//
// libkeyclient: the key server's client.  It authenticates the server by
// TLS 1.3 (a pinned certificate or CA), registers and logs in with OPAQUE
// (the password never leaves this process), and encrypts every secret
// before it leaves: a storage key, random, kept at the server wrapped under
// a key only export_key gives (lock-keeper's scheme), so the server holds
// ciphertext it cannot open even with its HSM.
//
// A Session is the server's: it survives its connection (reconnect() and
// go on), and a request whose answer was lost is sent again as it was and
// answered once.
#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <array>
#include <optional>
#include <string>
#include <vector>

#include <opaque/bytes.hpp>
#include <opaque/config.hpp>

#include "../proto/channel.hpp"
#include "../proto/defaults.hpp"
#include "../proto/wire.hpp"

namespace ks {

struct ClientSettings {
	std::string host = "127.0.0.1";
	std::string port = "7443";
	std::string ca_file;			// the server's certificate or its CA (PEM)
	std::string server_name = "localhost";	// checked against the certificate
	std::string context;			// OPAQUE's (proto/defaults.hpp)
	opaque::Argon2id ksf = kArgon2;		// the KSF's cost
	unsigned timeout_seconds = 30;
};

struct ClientError {
	// The server's code, or kUnavailable for the connection, kMalformed
	// for an answer that does not parse, kAuthFailed for a failed login.
	Code code;
	std::string message;
};

template <class T>
using ClientResult = std::expected<T, ClientError>;

struct AuditRecord {
	std::uint64_t seq = 0;
	std::int64_t time = 0;
	std::string op, target, outcome;
	Bytes mac;
};

// The last entry of a chain a client has seen, to check the next one.
struct AuditAnchor {
	std::uint64_t seq = 0;
	Bytes mac;
};

// Whether `chain` is numbered 1..n without gaps and still holds `anchor`
// unchanged: a removed or altered entry up to the anchor fails it.
ClientResult<void> check_audit(const std::vector<AuditRecord> &chain, const std::optional<AuditAnchor> &anchor);

class Link;

// What a client requires of the server's TLS key before it logs in: that
// the hsm module of an SEV-SNP VM holds it, never exportable, in a VM of
// this measurement, its report signed through this chain (ARK, ASK and
// VCEK certificates, PEM) to AMD's root or to one of extra_root_files (a
// simulated ARK, in tests).
struct AttestationPolicy {
	std::vector<std::string> snp_chain_files;
	std::vector<std::string> extra_root_files;
	std::optional<std::array<std::uint8_t, 48>> measurement;
};

class Session {
public:
	~Session();
	Session(Session &&) noexcept;

	ClientResult<void> store(const std::string &id, std::span<const std::uint8_t> secret);
	ClientResult<opaque::SecretBytes> retrieve(const std::string &id);
	ClientResult<void> remove(const std::string &id);
	ClientResult<std::vector<std::string>> list();
	ClientResult<std::vector<AuditRecord>> audit();
	// Ends the session at the server.
	ClientResult<void> close();
	// A new connection for the same session (after the old one dropped).
	ClientResult<void> reconnect();
	// The raw operation, for tests and tools: an operation body in, the
	// decrypted answer body out.  kResend sends the last request again
	// (its answer was lost); kDropAnswer sends and discards the answer, as
	// a connection that dies before the answer arrives does.
	enum class Delivery { kNormal, kResend, kDropAnswer };
	ClientResult<Bytes> call(std::span<const std::uint8_t> op, Delivery d = Delivery::kNormal);

	const SessionId &id() const { return id_; }

private:
	friend class KeyClient;
	Session(std::shared_ptr<Link> l, ClientSettings s, std::string user, const SessionId &id,
		std::span<const std::uint8_t> session_key);
	ClientResult<void> unlock(std::span<const std::uint8_t> export_key);

	std::shared_ptr<Link> link_;
	ClientSettings settings_;
	std::string user_;
	SessionId id_;
	std::unique_ptr<Channel> channel_;
	opaque::SecretBytes storage_key_;
	std::uint64_t last_seq_ = 0;
	Bytes last_sealed_;
};

class KeyClient {
public:
	static ClientResult<KeyClient> connect(const ClientSettings &s);
	~KeyClient();
	KeyClient(KeyClient &&) noexcept;

	// Asks the server for its TLS key's attestation, on a fresh nonce, and
	// checks it against the policy and the key this connection's TLS
	// handshake proved.  kNotAttested with the failed check's reason.
	ClientResult<void> require_attestation(const AttestationPolicy &p);
	// Registers `user` (OPAQUE registration), then logs in once to make
	// its storage key.
	ClientResult<void> register_user(const std::string &user, std::span<const std::uint8_t> password);
	// Logs in; the session shares this client's connection (several
	// sessions may share one) until its reconnect().
	ClientResult<Session> login(const std::string &user, std::span<const std::uint8_t> password);
	// The server's answer to one frame body (for tests and tools).
	ClientResult<Bytes> exchange(std::span<const std::uint8_t> body);

private:
	explicit KeyClient(std::shared_ptr<Link> l, ClientSettings s);
	std::shared_ptr<Link> link_;
	ClientSettings settings_;
};

} // namespace ks
