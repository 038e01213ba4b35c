// SPDX-License-Identifier: GPL-2.0 OR MIT
// The OPAQUE library (userspace/keyserver/opaque), natively under
// ASan/UBSan: RFC 9807's vectors (tests/data/opaque, see its README)
// reproduced byte for byte, message by message, for both 3DH groups the
// library builds; then every refusal with its error: a wrong password,
// tampered KE2 and KE3, wrong lengths, encodings that are not group
// elements, bad scalars and keys, and state reuse; and Argon2id round
// trips.  Ends with the number of checks that passed.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include "opaque/opaque.hpp"

namespace {

using opaque::Bytes;
using opaque::Error;
using json = nlohmann::json;
using In = std::span<const std::uint8_t>;

// --- data -----------------------------------------------------------------

std::string data_path(const std::string &name)
{
	const char *dir = std::getenv("HSM_OPAQUE_DATA");
	return std::string(dir ? dir : HSM_OPAQUE_DATA) + "/" + name;
}

std::string slurp(const std::string &name)
{
	std::ifstream f(data_path(name), std::ios::binary);
	cr_assert(f.good(), "cannot open %s", data_path(name).c_str());
	return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

const json &vectors()
{
	static const json v = json::parse(slurp("vectors.json"));
	return v;
}

Bytes unhex(std::string_view h)
{
	cr_assert(h.size() % 2 == 0, "odd hex length");
	Bytes b(h.size() / 2);
	for (std::size_t i = 0; i < b.size(); i++)
		b[i] = static_cast<std::uint8_t>(std::stoi(std::string(h.substr(2 * i, 2)), nullptr, 16));
	return b;
}

std::string hex(In b)
{
	static const char digits[] = "0123456789abcdef";
	std::string s;
	for (std::uint8_t c : b) {
		s += digits[c >> 4];
		s += digits[c & 15];
	}
	return s;
}

Bytes field(const json &section, const char *name)
{
	cr_assert(section.contains(name), "vector has no %s", name);
	return unhex(section[name].get<std::string>());
}

/// A field that only some vectors have; empty when absent.
Bytes optional_field(const json &section, const char *name)
{
	return section.contains(name) ? field(section, name) : Bytes();
}

/// The vectors of one group, real or fake.
std::vector<json> select(std::string_view group, bool fake)
{
	std::vector<json> out;
	for (const json &v : vectors())
		if (v["config"]["Group"] == group && (v["config"]["Fake"] == "True") == fake)
			out.push_back(v);
	return out;
}

// --- checks -----------------------------------------------------------------

bool same(In a, In b)
{
	return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

#define expect_bytes(got, want, what)                                                     \
	cr_expect(same(got, want), "%s: got %s, want %s", what, hex(got).c_str(),         \
		  hex(want).c_str())

template <typename R>
const char *outcome(const R &r)
{
	return r ? "success" : opaque::to_string(r.error());
}

/// A result that must have failed with exactly `want`.
#define expect_error(r, want, what)                                                        \
	cr_expect(!(r) && (r).error() == (want), "%s: got %s, want %s", what, outcome(r), \
		  opaque::to_string(want))

// --- the vectors' parties -----------------------------------------------------

opaque::Config config_of(const json &v)
{
	opaque::Config c;
	c.group = v["config"]["Group"] == "curve25519" ? opaque::Group::kCurve25519
						       : opaque::Group::kRistretto255;
	cr_assert(v["config"]["KSF"] == "Identity");
	c.ksf = opaque::IdentityKsf{};
	c.context = field(v["config"], "Context");
	return c;
}

opaque::Identities ids_of(const json &in)
{
	opaque::Identities ids;
	if (in.contains("client_identity"))
		ids.client = field(in, "client_identity");
	if (in.contains("server_identity"))
		ids.server = field(in, "server_identity");
	return ids;
}

/// The server's secrets, owned, and lent as ServerKeys.
struct Server {
	Bytes oprf_seed;
	Bytes private_key;
	Bytes public_key;

	explicit Server(const json &in)
		: oprf_seed(field(in, "oprf_seed")), private_key(field(in, "server_private_key")),
		  public_key(field(in, "server_public_key"))
	{
	}

	[[nodiscard]] opaque::ServerKeys keys() const
	{
		return {oprf_seed, private_key, public_key};
	}
};

/// The client's and the server's randomness of a vector.
struct Seeds {
	Bytes blind, nonce, keyshare_seed;
	Bytes masking_nonce, server_nonce, server_keyshare_seed;
	Bytes fake_client_public_key, fake_masking_key;

	/// A fake vector has the server's seeds and the fake record only.
	explicit Seeds(const json &in)
		: blind(optional_field(in, "blind_login")), nonce(optional_field(in, "client_nonce")),
		  keyshare_seed(optional_field(in, "client_keyshare_seed")),
		  masking_nonce(field(in, "masking_nonce")), server_nonce(field(in, "server_nonce")),
		  server_keyshare_seed(field(in, "server_keyshare_seed")),
		  fake_client_public_key(optional_field(in, "client_public_key")),
		  fake_masking_key(optional_field(in, "masking_key"))
	{
	}

	[[nodiscard]] opaque::ClientLoginSeeds client() const
	{
		return {blind, nonce, keyshare_seed};
	}

	[[nodiscard]] opaque::ServerLoginSeeds server() const
	{
		return {masking_nonce, server_nonce, server_keyshare_seed, fake_client_public_key,
			fake_masking_key};
	}
};

// --- RFC 9807 appendix C ------------------------------------------------------

void check_registration(const json &v)
{
	const json &in = v["inputs"], &out = v["outputs"];
	const opaque::Config config = config_of(v);
	const Server server(in);

	auto client = opaque::ClientRegistration::start(config, field(in, "password"),
							field(in, "blind_registration"));
	cr_assert(client, "registration start: %s", outcome(client));
	expect_bytes(client->request(), field(out, "registration_request"), "registration_request");

	auto response = opaque::registration_response(config, server.keys(), client->request(),
						      field(in, "credential_identifier"));
	cr_assert(response, "registration_response: %s", outcome(response));
	expect_bytes(*response, field(out, "registration_response"), "registration_response");

	auto upload = client->finalize(*response, ids_of(in), field(in, "envelope_nonce"));
	cr_assert(upload, "registration finalize: %s", outcome(upload));
	expect_bytes(upload->record, field(out, "registration_upload"), "registration_upload");
	expect_bytes(upload->export_key, field(out, "export_key"), "export_key (registration)");
}

/// Login against the vector's record, not ours: each half stands alone.
void check_login(const json &v)
{
	const json &in = v["inputs"], &out = v["outputs"];
	const opaque::Config config = config_of(v);
	const Server server(in);
	const Seeds seeds(in);
	const opaque::Identities ids = ids_of(in);

	auto client = opaque::ClientLogin::start(config, field(in, "password"), seeds.client());
	cr_assert(client, "login start: %s", outcome(client));
	expect_bytes(client->ke1(), field(out, "KE1"), "KE1");

	const Bytes record = field(out, "registration_upload");
	auto srv = opaque::ServerLogin::start(config, server.keys(), client->ke1(), In(record),
					      field(in, "credential_identifier"), ids, seeds.server());
	cr_assert(srv, "server login start: %s", outcome(srv));
	expect_bytes(srv->ke2(), field(out, "KE2"), "KE2");

	auto done = client->finish(srv->ke2(), ids);
	cr_assert(done, "login finish: %s", outcome(done));
	expect_bytes(done->ke3, field(out, "KE3"), "KE3");
	expect_bytes(done->session_key, field(out, "session_key"), "session_key (client)");
	expect_bytes(done->export_key, field(out, "export_key"), "export_key (login)");
	expect_bytes(done->server_public_key, server.public_key, "server_public_key");

	auto key = srv->finish(done->ke3);
	cr_assert(key, "server finish: %s", outcome(key));
	expect_bytes(*key, field(out, "session_key"), "session_key (server)");
}

void check_fake(const json &v)
{
	const json &in = v["inputs"], &out = v["outputs"];
	const opaque::Config config = config_of(v);
	const Server server(in);
	const Seeds seeds(in);

	auto srv = opaque::ServerLogin::start(config, server.keys(), field(in, "KE1"), std::nullopt,
					      field(in, "credential_identifier"), ids_of(in),
					      seeds.server());
	cr_assert(srv, "fake login start: %s", outcome(srv));
	expect_bytes(srv->ke2(), field(out, "KE2"), "KE2 (fake record)");
	Bytes ke3(opaque::kKe3Size, 0x5a);
	auto key = srv->finish(ke3);
	expect_error(key, Error::kClientAuthentication, "KE3 against a fake record");
}

// --- a session from vector 0, for the refusals ----------------------------------

struct Session {
	json v;
	json in;
	opaque::Config config;
	Server server;
	Seeds seeds;
	Bytes password;
	Bytes credential_identifier;
	Bytes record;

	explicit Session(std::string_view group = "ristretto255", std::size_t index = 0)
		: v(select(group, false).at(index)), in(v["inputs"]), config(config_of(v)),
		  server(in), seeds(in), password(field(in, "password")),
		  credential_identifier(field(in, "credential_identifier")),
		  record(field(v["outputs"], "registration_upload"))
	{
	}

	[[nodiscard]] opaque::ClientLogin client(In pw) const
	{
		auto c = opaque::ClientLogin::start(config, pw, seeds.client());
		cr_assert(c, "login start: %s", outcome(c));
		return std::move(*c);
	}

	[[nodiscard]] opaque::Result<opaque::ServerLogin> server_login(In ke1) const
	{
		return opaque::ServerLogin::start(config, server.keys(), ke1, In(record),
						  credential_identifier, {}, seeds.server());
	}

	[[nodiscard]] Bytes ke2() const
	{
		auto s = server_login(client(password).ke1());
		cr_assert(s, "server login start: %s", outcome(s));
		return s->ke2();
	}
};

Bytes flipped(Bytes b, std::size_t at)
{
	b.at(at) ^= 0x01;
	return b;
}

Bytes grown(Bytes b)
{
	b.push_back(0);
	return b;
}

Bytes shrunk(Bytes b)
{
	b.pop_back();
	return b;
}

// RFC 9496 appendix A.2: encodings ristretto255 must refuse (a
// non-canonical field element, a negative one, one that is not square),
// and the identity, which RFC 9497 refuses as an input.
const char *const bad_elements[] = {
	"00ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"0100000000000000000000000000000000000000000000000000000000000000",
	"26948d35ca62e643e26a83177332e6b6afeb9d08e4268b650f1f5bbd8d81d371",
	"0000000000000000000000000000000000000000000000000000000000000000",
};

Bytes with(In base, std::size_t at, In part)
{
	Bytes b(base.begin(), base.end());
	std::copy(part.begin(), part.end(), b.begin() + static_cast<std::ptrdiff_t>(at));
	return b;
}

} // namespace

// --- the vectors --------------------------------------------------------------------

Test(opaque, data_matches_sha256sums)
{
	const std::string sums = slurp("SHA256SUMS");
	const std::string data = slurp("vectors.json");
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	cr_assert(EVP_Digest(data.data(), data.size(), md, &n, EVP_sha256(), nullptr) == 1);
	const std::string want = hex({md, n}) + "  vectors.json";
	cr_expect(sums.find(want) != std::string::npos, "vectors.json is not the file SHA256SUMS pins");
}

Test(opaque, rfc9807_ristretto255)
{
	const auto vs = select("ristretto255", false);
	cr_assert_eq(vs.size(), 2u);
	for (const json &v : vs) {
		check_registration(v);
		check_login(v);
	}
}

Test(opaque, rfc9807_curve25519)
{
	const auto vs = select("curve25519", false);
	cr_assert_eq(vs.size(), 2u);
	for (const json &v : vs) {
		check_registration(v);
		check_login(v);
	}
}

Test(opaque, rfc9807_fake_records)
{
	const auto r = select("ristretto255", true);
	const auto c = select("curve25519", true);
	cr_assert_eq(r.size(), 1u);
	cr_assert_eq(c.size(), 1u);
	check_fake(r[0]);
	check_fake(c[0]);
}

// --- refusals ---------------------------------------------------------------------

Test(opaque, wrong_password_fails_at_the_client)
{
	const Session s;
	const Bytes wrong = opaque::Bytes{'h', 'u', 'n', 't', 'e', 'r', '2'};
	auto client = s.client(wrong);
	auto srv = s.server_login(client.ke1());
	cr_assert(srv, "server login start: %s", outcome(srv));
	auto done = client.finish(srv->ke2());
	expect_error(done, Error::kEnvelopeRecovery, "wrong password");
}

Test(opaque, tampered_ke2)
{
	const Session s;
	const Bytes ke2 = s.ke2();
	struct {
		std::size_t at;
		Error want;
		const char *what;
	} const cases[] = {
		{40, Error::kEnvelopeRecovery, "masking nonce"},
		{64, Error::kEnvelopeRecovery, "masked server public key"},
		{100, Error::kEnvelopeRecovery, "masked envelope nonce"},
		{191, Error::kEnvelopeRecovery, "masked envelope MAC"},
		{200, Error::kServerAuthentication, "server nonce"},
		{256, Error::kServerAuthentication, "server MAC, first byte"},
		{319, Error::kServerAuthentication, "server MAC, last byte"},
	};
	for (const auto &c : cases) {
		auto done = s.client(s.password).finish(flipped(ke2, c.at));
		expect_error(done, c.want, c.what);
	}

	// A changed element either is no element or is another one, whose
	// OPRF output or key share then fails later.
	auto evaluated = s.client(s.password).finish(flipped(ke2, 0));
	cr_expect(!evaluated && (evaluated.error() == Error::kInvalidElement ||
				 evaluated.error() == Error::kEnvelopeRecovery),
		  "evaluated element: %s", outcome(evaluated));
	auto keyshare = s.client(s.password).finish(flipped(ke2, 224));
	cr_expect(!keyshare && (keyshare.error() == Error::kInvalidElement ||
				keyshare.error() == Error::kServerAuthentication),
		  "server key share: %s", outcome(keyshare));

	// The untouched KE2 still works, so the refusals above are the flips'.
	auto good = s.client(s.password).finish(ke2);
	cr_expect(good, "untouched KE2: %s", outcome(good));
}

Test(opaque, tampered_ke3)
{
	const Session s;
	for (std::size_t at : {0u, 31u, 63u}) {
		auto client = s.client(s.password);
		auto srv = s.server_login(client.ke1());
		cr_assert(srv);
		auto done = client.finish(srv->ke2());
		cr_assert(done, "login finish: %s", outcome(done));
		auto key = srv->finish(flipped(done->ke3, at));
		expect_error(key, Error::kClientAuthentication, "KE3 with a flipped byte");
		// One attempt per KE2: the genuine KE3 now comes too late.
		auto again = srv->finish(done->ke3);
		expect_error(again, Error::kInvalidState, "second KE3");
	}
}

Test(opaque, wrong_lengths)
{
	const Session s;
	const opaque::ServerKeys keys = s.server.keys();
	const Bytes ke1 = s.client(s.password).ke1();
	const Bytes ke2 = s.ke2();

	for (std::size_t n : {0u, 31u, 33u}) {
		auto r = opaque::registration_response(s.config, keys, Bytes(n, 1), s.credential_identifier);
		expect_error(r, Error::kInvalidLength, "registration request");
	}
	for (const Bytes &bad : {shrunk(ke1), grown(ke1)}) {
		auto r = s.server_login(bad);
		expect_error(r, Error::kInvalidLength, "KE1");
	}
	for (const Bytes &bad : {shrunk(ke2), grown(ke2)}) {
		auto r = s.client(s.password).finish(bad);
		expect_error(r, Error::kInvalidLength, "KE2");
	}
	auto short_record = opaque::ServerLogin::start(s.config, keys, ke1,
						       In(s.record).first(opaque::kRecordSize - 1),
						       s.credential_identifier, {}, s.seeds.server());
	expect_error(short_record, Error::kInvalidLength, "record");

	auto srv = s.server_login(ke1);
	cr_assert(srv);
	auto ke3 = srv->finish(Bytes(opaque::kKe3Size - 1, 0));
	expect_error(ke3, Error::kInvalidLength, "KE3");

	auto reg = opaque::ClientRegistration::start(s.config, s.password);
	cr_assert(reg);
	auto fin = reg->finalize(Bytes(opaque::kRegistrationResponseSize + 1, 1));
	expect_error(fin, Error::kInvalidLength, "registration response");
}

Test(opaque, too_long_inputs)
{
	const Session s;
	const Bytes long_password(0x10000, 'p');
	auto reg = opaque::ClientRegistration::start(s.config, long_password);
	expect_error(reg, Error::kInputTooLong, "password over 65535 bytes");
	auto login = opaque::ClientLogin::start(s.config, long_password);
	expect_error(login, Error::kInputTooLong, "password over 65535 bytes");

	const Bytes ke1 = s.client(s.password).ke1();
	const Bytes long_id(opaque::kMaxCredentialIdentifierSize + 1, 'i');
	auto r = opaque::registration_response(s.config, s.server.keys(), In(ke1).first(32), long_id);
	expect_error(r, Error::kInputTooLong, "credential identifier");
	auto l = opaque::ServerLogin::start(s.config, s.server.keys(), ke1, In(s.record), long_id, {},
					    s.seeds.server());
	expect_error(l, Error::kInputTooLong, "credential identifier");
	const Bytes longest_id(opaque::kMaxCredentialIdentifierSize, 'i');
	auto ok = opaque::registration_response(s.config, s.server.keys(), In(ke1).first(32), longest_id);
	cr_expect(ok, "the longest credential identifier: %s", outcome(ok));
}

Test(opaque, bad_elements_are_refused)
{
	const Session s;
	const opaque::ServerKeys keys = s.server.keys();
	const Bytes ke1 = s.client(s.password).ke1();
	const Bytes ke2 = s.ke2();

	for (const char *h : bad_elements) {
		const Bytes e = unhex(h);
		auto reg = opaque::registration_response(s.config, keys, e, s.credential_identifier);
		expect_error(reg, Error::kInvalidElement, h);
		auto blinded = s.server_login(with(ke1, 0, e));
		expect_error(blinded, Error::kInvalidElement, h);
		auto keyshare = s.server_login(with(ke1, 64, e));
		expect_error(keyshare, Error::kInvalidElement, h);
		auto record = opaque::ServerLogin::start(s.config, keys, ke1, In(with(s.record, 0, e)),
							 s.credential_identifier, {}, s.seeds.server());
		expect_error(record, Error::kInvalidElement, h);
		auto evaluated = s.client(s.password).finish(with(ke2, 0, e));
		expect_error(evaluated, Error::kInvalidElement, h);

		auto client = opaque::ClientRegistration::start(s.config, s.password);
		cr_assert(client);
		auto response = client->finalize(with(Bytes(opaque::kRegistrationResponseSize, 0), 0, e));
		expect_error(response, Error::kInvalidElement, h);
	}
}

// X25519 takes any 32 bytes, but a point of small order makes the shared
// secret all zeros: such a key share or client key is refused.
Test(opaque, curve25519_low_order_keys_are_refused)
{
	const Session s("curve25519");
	const Bytes ke1 = s.client(s.password).ke1();
	const char *const low_order[] = {
		"0000000000000000000000000000000000000000000000000000000000000000",
		"0100000000000000000000000000000000000000000000000000000000000000",
		"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
	};
	for (const char *h : low_order) {
		const Bytes p = unhex(h);
		auto keyshare = s.server_login(with(ke1, 64, p));
		expect_error(keyshare, Error::kInvalidElement, h);
		auto record = opaque::ServerLogin::start(s.config, s.server.keys(), ke1,
							 In(with(s.record, 0, p)),
							 s.credential_identifier, {}, s.seeds.server());
		expect_error(record, Error::kInvalidElement, h);
	}
	auto control = s.server_login(ke1);
	cr_expect(control, "untouched KE1: %s", outcome(control));
}

Test(opaque, bad_scalars_and_server_keys)
{
	const Session s;
	// Zero, the group order and 2^256 - 1: none is a reduced nonzero scalar.
	const Bytes zero(32, 0), ones(32, 0xff);
	const Bytes order = unhex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
	const Bytes ke1 = s.client(s.password).ke1();
	const In blinded = In(ke1).first(opaque::kElementSize);
	for (const Bytes &bad : {zero, order, ones}) {
		auto reg = opaque::ClientRegistration::start(s.config, s.password, bad);
		expect_error(reg, Error::kInvalidScalar, "blind");
		opaque::ServerKeys keys = s.server.keys();
		keys.private_key = bad;
		auto r = opaque::registration_response(s.config, keys, blinded, s.credential_identifier);
		expect_error(r, Error::kInvalidScalar, "server private key");
	}
	auto reg = opaque::ClientRegistration::start(s.config, s.password, Bytes(31, 1));
	expect_error(reg, Error::kInvalidLength, "short blind");

	// KE1's key share: a valid element, but not the server's public key.
	opaque::ServerKeys mismatched = s.server.keys();
	mismatched.public_key = In(ke1).last(opaque::kPublicKeySize);
	auto m = opaque::registration_response(s.config, mismatched, blinded, s.credential_identifier);
	expect_error(m, Error::kInvalidServerKeys, "public key of another private key");
	opaque::ServerKeys short_seed = s.server.keys();
	short_seed.oprf_seed = short_seed.oprf_seed.first(opaque::kOprfSeedSize - 1);
	auto q = opaque::registration_response(s.config, short_seed, blinded, s.credential_identifier);
	expect_error(q, Error::kInvalidLength, "short OPRF seed");
}

Test(opaque, reflected_element)
{
	const Session s;
	auto client = opaque::ClientRegistration::start(s.config, s.password);
	cr_assert(client);
	Bytes response = client->request();
	response.insert(response.end(), s.server.public_key.begin(), s.server.public_key.end());
	auto r = client->finalize(response);
	expect_error(r, Error::kReflectedElement, "registration response echoing the request");
}

Test(opaque, states_are_single_use)
{
	const Session s;
	auto client = opaque::ClientRegistration::start(s.config, s.password);
	cr_assert(client);
	auto response = opaque::registration_response(s.config, s.server.keys(), client->request(),
						      s.credential_identifier);
	cr_assert(response);
	auto first = client->finalize(*response);
	cr_expect(first, "first finalize: %s", outcome(first));
	auto second = client->finalize(*response);
	expect_error(second, Error::kInvalidState, "second finalize");

	auto login = s.client(s.password);
	auto wrong = login.finish(Bytes(opaque::kKe2Size - 1, 0));
	expect_error(wrong, Error::kInvalidLength, "short KE2");
	auto after = login.finish(s.ke2());
	expect_error(after, Error::kInvalidState, "finish after a failed finish");
}

// --- round trips ------------------------------------------------------------------

namespace {

struct RoundTrip {
	opaque::Result<opaque::RegistrationResult> registered;
	opaque::Result<opaque::LoginResult> logged_in;
	opaque::Result<opaque::SecretBytes> server_key;
};

/// Registers with one configuration and password, logs in with another,
/// through the random entry points.
RoundTrip round_trip(const opaque::Config &reg_config, In reg_password,
		     const opaque::Config &login_config, In login_password)
{
	auto server = opaque::generate_server_keys(reg_config.group);
	cr_assert(server, "generate_server_keys: %s", outcome(server));
	const Bytes id = {'u', 's', 'e', 'r'};
	auto client = opaque::ClientRegistration::start(reg_config, reg_password);
	cr_assert(client, "registration start: %s", outcome(client));
	auto response = opaque::registration_response(reg_config, server->keys(), client->request(), id);
	cr_assert(response, "registration_response: %s", outcome(response));
	RoundTrip rt{client->finalize(*response), std::unexpected(Error::kInternal),
		     std::unexpected(Error::kInternal)};
	cr_assert(rt.registered, "finalize: %s", outcome(rt.registered));

	auto login = opaque::ClientLogin::start(login_config, login_password);
	cr_assert(login, "login start: %s", outcome(login));
	auto srv = opaque::ServerLogin::start(reg_config, server->keys(), login->ke1(),
					      In(rt.registered->record), id);
	cr_assert(srv, "server login start: %s", outcome(srv));
	cr_expect_eq(srv->ke2().size(), opaque::kKe2Size);
	rt.logged_in = login->finish(srv->ke2());
	if (rt.logged_in)
		rt.server_key = srv->finish(rt.logged_in->ke3);
	return rt;
}

opaque::Config small_argon2id(opaque::Group group)
{
	opaque::Config c;
	c.group = group;
	c.ksf = opaque::Argon2id{.memory_kib = 1024, .iterations = 2, .parallelism = 2};
	c.context = {'h', 's', 'm'};
	return c;
}

} // namespace

Test(opaque, argon2id_round_trip)
{
	const Bytes pw = {'c', 'o', 'r', 'r', 'e', 'c', 't'};
	for (opaque::Group g : {opaque::Group::kRistretto255, opaque::Group::kCurve25519}) {
		const opaque::Config c = small_argon2id(g);
		RoundTrip rt = round_trip(c, pw, c, pw);
		cr_assert(rt.logged_in, "login: %s", outcome(rt.logged_in));
		cr_assert(rt.server_key, "server finish: %s", outcome(rt.server_key));
		expect_bytes(rt.logged_in->session_key, *rt.server_key, "session keys");
		expect_bytes(rt.logged_in->export_key, rt.registered->export_key, "export keys");
		cr_expect_eq(rt.registered->record.size(), opaque::kRecordSize);
	}
}

Test(opaque, argon2id_is_in_the_loop)
{
	const Bytes pw = {'c', 'o', 'r', 'r', 'e', 'c', 't'};
	const opaque::Config c = small_argon2id(opaque::Group::kRistretto255);
	RoundTrip wrong = round_trip(c, pw, c, Bytes{'w', 'r', 'o', 'n', 'g'});
	expect_error(wrong.logged_in, Error::kEnvelopeRecovery, "Argon2id, wrong password");

	// The same password through other Argon2id parameters, or none, is
	// another randomized password.
	opaque::Config other = c;
	std::get<opaque::Argon2id>(other.ksf).iterations = 3;
	RoundTrip params = round_trip(c, pw, other, pw);
	expect_error(params.logged_in, Error::kEnvelopeRecovery, "other Argon2id parameters");
	opaque::Config identity = c;
	identity.ksf = opaque::IdentityKsf{};
	RoundTrip none = round_trip(c, pw, identity, pw);
	expect_error(none.logged_in, Error::kEnvelopeRecovery, "Identity KSF");
}

Test(opaque, argon2id_parameters_refused)
{
	const Bytes pw = {'p', 'w'};
	const opaque::Argon2id bad[] = {
		{.memory_kib = 15, .iterations = 1, .parallelism = 2},	// < 8 KiB per lane
		{.memory_kib = 1024, .iterations = 0, .parallelism = 1},
		{.memory_kib = 1024, .iterations = 1, .parallelism = 0},
	};
	for (const opaque::Argon2id &a : bad) {
		opaque::Config c;
		c.ksf = a;
		auto r = opaque::ClientRegistration::start(c, pw);
		expect_error(r, Error::kInvalidConfig, "Argon2id parameters");
		auto l = opaque::ClientLogin::start(c, pw);
		expect_error(l, Error::kInvalidConfig, "Argon2id parameters");
	}
}

Test(opaque, unknown_client_gets_a_fake_ke2)
{
	const Session s;
	auto client = s.client(s.password);
	auto srv = opaque::ServerLogin::start(s.config, s.server.keys(), client.ke1(), std::nullopt,
					      s.credential_identifier);
	cr_assert(srv, "fake login start: %s", outcome(srv));
	cr_expect_eq(srv->ke2().size(), opaque::kKe2Size);
	// The OPRF evaluation is the real one: only the record is fake.
	expect_bytes(In(srv->ke2()).first(32), In(s.ke2()).first(32), "evaluated element");
	auto done = client.finish(srv->ke2());
	expect_error(done, Error::kEnvelopeRecovery, "login against a fake record");
}

Test(opaque, identities_are_bound)
{
	const Session s("ristretto255", 1);	// registered as alice with bob
	const opaque::Identities given = ids_of(s.in), none;
	struct {
		const opaque::Identities &client, &server;
		bool ok;
		Error want;
		const char *what;
	} const cases[] = {
		{given, given, true, Error::kInternal, "the registered identities"},
		{none, given, false, Error::kEnvelopeRecovery, "client leaves them out"},
		{given, none, false, Error::kServerAuthentication, "server leaves them out"},
	};
	for (const auto &c : cases) {
		opaque::ClientLogin client = s.client(s.password);
		auto srv = opaque::ServerLogin::start(s.config, s.server.keys(), client.ke1(),
						      In(s.record), s.credential_identifier, c.server,
						      s.seeds.server());
		cr_assert(srv, "server login start: %s", outcome(srv));
		auto done = client.finish(srv->ke2(), c.client);
		if (c.ok)
			cr_expect(done, "%s: %s", c.what, outcome(done));
		else
			expect_error(done, c.want, c.what);
	}
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
	std::printf("test_opaque: %zu checks passed, %zu failed\n", stats->asserts_passed,
		    stats->asserts_failed);
}
