// SPDX-License-Identifier: MIT
// Collateral parsing: the PCCS-style JSON object, and the TCB info and
// QE identity bodies it carries (nlohmann::json; its exceptions stop
// here).  Nothing is verified in this file.
#include <cstring>
#include <ctime>

#include <nlohmann/json.hpp>
#include <openssl/pem.h>

#include <hsm/tdx.hpp>

#include "util.hpp"

namespace hsm::tdx {

namespace {

using nlohmann::json;

// A malformed field: thrown inside this file only, caught by the parse_*
// functions and returned as an Error.
struct Bad {
	std::string what;
};

[[noreturn]] void bad(std::string what)
{
	throw Bad{std::move(what)};
}

const json &field(const json &o, const char *name)
{
	if (!o.is_object() || !o.contains(name))
		bad(std::string("missing \"") + name + "\"");
	return o.at(name);
}

std::string str(const json &o, const char *name)
{
	const json &v = field(o, name);
	if (!v.is_string())
		bad(std::string("\"") + name + "\" is not a string");
	return v.get<std::string>();
}

std::uint64_t num(const json &o, const char *name, std::uint64_t max)
{
	const json &v = field(o, name);
	if (!v.is_number_unsigned() || v.get<std::uint64_t>() > max)
		bad(std::string("\"") + name + "\" is not a number from 0 to " + std::to_string(max));
	return v.get<std::uint64_t>();
}

int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = static_cast<char>(c | 0x20);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

std::vector<std::uint8_t> unhex(const std::string &s, const char *name)
{
	if (s.size() % 2)
		bad(std::string("\"") + name + "\" has an odd number of hex digits");
	std::vector<std::uint8_t> out(s.size() / 2);
	for (std::size_t i = 0; i < out.size(); i++) {
		int hi = nibble(s[2 * i]), lo = nibble(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			bad(std::string("\"") + name + "\" is not hex");
		out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
	}
	return out;
}

template <std::size_t N>
std::array<std::uint8_t, N> hex_field(const json &o, const char *name)
{
	auto b = unhex(str(o, name), name);
	if (b.size() != N)
		bad(std::string("\"") + name + "\" is " + std::to_string(b.size()) + " bytes, expected " +
		    std::to_string(N));
	std::array<std::uint8_t, N> a;
	std::memcpy(a.data(), b.data(), N);
	return a;
}

std::uint64_t be_u64(const std::array<std::uint8_t, 8> &a)
{
	std::uint64_t v = 0;
	for (auto c : a)
		v = v << 8 | c;
	return v;
}

// "YYYY-MM-DDTHH:MM:SSZ" (fractions of a second allowed), UTC.
std::time_t date(const json &o, const char *name)
{
	std::string s = str(o, name);
	struct tm tm {};
	const char *end = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
	if (end && *end == '.')
		while (*++end >= '0' && *end <= '9')
			;
	if (!end || std::strcmp(end, "Z") != 0)
		bad(std::string("\"") + name + "\" is not a UTC date (" + s + ")");
	return timegm(&tm);
}

TcbStatus status(const json &o)
{
	std::string s = str(o, "tcbStatus");
	auto st = tcb_status_from(s);
	if (!st)
		bad("unknown tcbStatus \"" + s + "\"");
	return *st;
}

std::vector<std::string> advisories(const json &o)
{
	std::vector<std::string> out;
	if (!o.contains("advisoryIDs"))
		return out;
	const json &a = o.at("advisoryIDs");
	if (!a.is_array())
		bad("\"advisoryIDs\" is not an array");
	for (const auto &id : a) {
		if (!id.is_string())
			bad("an advisory ID is not a string");
		out.push_back(id.get<std::string>());
	}
	return out;
}

// 16 components, each {"svn": N, ...}.
std::array<std::uint8_t, 16> components(const json &o, const char *name)
{
	const json &a = field(o, name);
	if (!a.is_array() || a.size() != 16)
		bad(std::string("\"") + name + "\" is not an array of 16 components");
	std::array<std::uint8_t, 16> out;
	for (std::size_t i = 0; i < 16; i++)
		out[i] = static_cast<std::uint8_t>(num(a[i], "svn", 255));
	return out;
}

std::vector<IsvLevel> isv_levels(const json &o)
{
	const json &a = field(o, "tcbLevels");
	if (!a.is_array() || a.empty())
		bad("\"tcbLevels\" is not a non-empty array");
	std::vector<IsvLevel> out;
	for (const auto &l : a) {
		IsvLevel lv;
		lv.isvsvn = static_cast<std::uint16_t>(num(field(l, "tcb"), "isvsvn", 0xffff));
		lv.tcb_date = str(l, "tcbDate");
		lv.status = status(l);
		lv.advisory_ids = advisories(l);
		out.push_back(std::move(lv));
	}
	return out;
}

json parse_json(std::string_view text, const char *what)
{
	json j = json::parse(text.begin(), text.end(), nullptr, false);
	if (j.is_discarded() || !j.is_object())
		bad(std::string(what) + " is not a JSON object");
	return j;
}

TcbInfo tcb_info_of(const std::string &text)
{
	json j = parse_json(text, "TCB info");
	TcbInfo t;
	t.id = str(j, "id");
	t.version = static_cast<unsigned>(num(j, "version", 0xffff));
	if (t.id != "TDX" || t.version != 3)
		bad("TCB info is \"" + t.id + "\" version " + std::to_string(t.version) +
		    ", expected \"TDX\" version 3");
	t.issue_date = date(j, "issueDate");
	t.next_update = date(j, "nextUpdate");
	t.fmspc = hex_field<6>(j, "fmspc");
	t.pceid = hex_field<2>(j, "pceId");
	t.tcb_type = static_cast<unsigned>(num(j, "tcbType", 0xffff));
	t.evaluation_data_number = static_cast<unsigned>(num(j, "tcbEvaluationDataNumber", 0xffffffff));
	const json &mod = field(j, "tdxModule");
	t.module_mrsigner = hex_field<48>(mod, "mrsigner");
	t.module_attributes = be_u64(hex_field<8>(mod, "attributes"));
	t.module_attributes_mask = be_u64(hex_field<8>(mod, "attributesMask"));
	if (j.contains("tdxModuleIdentities")) {
		const json &ids = j.at("tdxModuleIdentities");
		if (!ids.is_array())
			bad("\"tdxModuleIdentities\" is not an array");
		for (const auto &m : ids) {
			TdxModuleIdentity id;
			id.id = str(m, "id");
			id.mrsigner = hex_field<48>(m, "mrsigner");
			id.attributes = be_u64(hex_field<8>(m, "attributes"));
			id.attributes_mask = be_u64(hex_field<8>(m, "attributesMask"));
			id.levels = isv_levels(m);
			t.module_identities.push_back(std::move(id));
		}
	}
	const json &levels = field(j, "tcbLevels");
	if (!levels.is_array() || levels.empty())
		bad("\"tcbLevels\" is not a non-empty array");
	for (const auto &l : levels) {
		const json &tcb = field(l, "tcb");
		TcbLevel lv;
		lv.sgx_components = components(tcb, "sgxtcbcomponents");
		lv.pcesvn = static_cast<std::uint16_t>(num(tcb, "pcesvn", 0xffff));
		lv.tdx_components = components(tcb, "tdxtcbcomponents");
		lv.tcb_date = str(l, "tcbDate");
		lv.status = status(l);
		lv.advisory_ids = advisories(l);
		t.levels.push_back(std::move(lv));
	}
	return t;
}

QeIdentity qe_identity_of(const std::string &text)
{
	json j = parse_json(text, "QE identity");
	QeIdentity q;
	q.id = str(j, "id");
	q.version = static_cast<unsigned>(num(j, "version", 0xffff));
	if (q.id != "TD_QE" || q.version != 2)
		bad("QE identity is \"" + q.id + "\" version " + std::to_string(q.version) +
		    ", expected \"TD_QE\" version 2");
	q.issue_date = date(j, "issueDate");
	q.next_update = date(j, "nextUpdate");
	q.evaluation_data_number = static_cast<unsigned>(num(j, "tcbEvaluationDataNumber", 0xffffffff));
	// MISCSELECT is a little-endian u32 in the report, big-endian hex here.
	auto ms = hex_field<4>(j, "miscselect"), mm = hex_field<4>(j, "miscselectMask");
	q.miscselect = static_cast<std::uint32_t>(ms[0]) << 24 | ms[1] << 16 | ms[2] << 8 | ms[3];
	q.miscselect_mask = static_cast<std::uint32_t>(mm[0]) << 24 | mm[1] << 16 | mm[2] << 8 | mm[3];
	q.attributes = hex_field<16>(j, "attributes");
	q.attributes_mask = hex_field<16>(j, "attributesMask");
	q.mrsigner = hex_field<32>(j, "mrsigner");
	q.isvprodid = static_cast<std::uint16_t>(num(j, "isvprodid", 0xffff));
	q.levels = isv_levels(j);
	return q;
}

// A CRL as hex DER, or PEM.
std::vector<std::uint8_t> crl(const json &o, const char *name)
{
	std::string s = str(o, name);
	if (s.find("-----BEGIN X509 CRL-----") == std::string::npos)
		return unhex(s, name);
	BIO *bio = BIO_new_mem_buf(s.data(), static_cast<int>(s.size()));
	X509_CRL *c = bio ? PEM_read_bio_X509_CRL(bio, nullptr, nullptr, nullptr) : nullptr;
	BIO_free(bio);
	unsigned char *der = nullptr;
	int n = c ? i2d_X509_CRL(c, &der) : -1;
	X509_CRL_free(c);
	if (n <= 0)
		bad(std::string("\"") + name + "\" is not a PEM CRL");
	std::vector<std::uint8_t> out(der, der + n);
	OPENSSL_free(der);
	return out;
}

std::vector<std::vector<std::uint8_t>> chain(const json &o, const char *name)
{
	std::string s = str(o, name);
	auto certs = load_certs({reinterpret_cast<const std::uint8_t *>(s.data()), s.size()});
	if (!certs)
		bad(std::string("\"") + name + "\": " + certs.error().message);
	return std::move(*certs);
}

template <typename F>
auto guarded(const char *what, F f) -> Result<decltype(f())>
{
	try {
		return f();
	} catch (const Bad &e) {
		return fail(Status::kInvalidArgument, EINVAL, std::string(what) + ": " + e.what);
	} catch (const std::exception &e) {
		return fail(Status::kInvalidArgument, EINVAL, std::string(what) + ": " + e.what());
	}
}

} // namespace

const char *to_string(TcbStatus s) noexcept
{
	switch (s) {
	case TcbStatus::kUpToDate: return "UpToDate";
	case TcbStatus::kSWHardeningNeeded: return "SWHardeningNeeded";
	case TcbStatus::kConfigurationNeeded: return "ConfigurationNeeded";
	case TcbStatus::kConfigurationAndSWHardeningNeeded: return "ConfigurationAndSWHardeningNeeded";
	case TcbStatus::kOutOfDate: return "OutOfDate";
	case TcbStatus::kOutOfDateConfigurationNeeded: return "OutOfDateConfigurationNeeded";
	case TcbStatus::kRevoked: return "Revoked";
	}
	return "?";
}

std::optional<TcbStatus> tcb_status_from(const std::string &s) noexcept
{
	for (auto st : {TcbStatus::kUpToDate, TcbStatus::kSWHardeningNeeded,
			TcbStatus::kConfigurationNeeded, TcbStatus::kConfigurationAndSWHardeningNeeded,
			TcbStatus::kOutOfDate, TcbStatus::kOutOfDateConfigurationNeeded,
			TcbStatus::kRevoked})
		if (s == to_string(st))
			return st;
	return std::nullopt;
}

Result<TcbInfo> parse_tcb_info(const std::string &text)
{
	return guarded("TCB info", [&] { return tcb_info_of(text); });
}

Result<QeIdentity> parse_qe_identity(const std::string &text)
{
	return guarded("QE identity", [&] { return qe_identity_of(text); });
}

Result<Collateral> parse_collateral(std::span<const std::uint8_t> bytes)
{
	detail::ErrorMark mark;
	return guarded("collateral", [&] {
		json j = parse_json({reinterpret_cast<const char *>(bytes.data()), bytes.size()},
				    "collateral");
		Collateral c;
		c.pck_crl = crl(j, "pck_crl");
		c.pck_crl_issuer_chain = chain(j, "pck_crl_issuer_chain");
		c.root_ca_crl = crl(j, "root_ca_crl");
		c.tcb_info_json = str(j, "tcb_info");
		c.tcb_info_signature = hex_field<64>(j, "tcb_info_signature");
		c.tcb_info_issuer_chain = chain(j, "tcb_info_issuer_chain");
		c.qe_identity_json = str(j, "qe_identity");
		c.qe_identity_signature = hex_field<64>(j, "qe_identity_signature");
		c.qe_identity_issuer_chain = chain(j, "qe_identity_issuer_chain");
		c.tcb_info = tcb_info_of(c.tcb_info_json);
		c.qe_identity = qe_identity_of(c.qe_identity_json);
		return c;
	});
}

} // namespace hsm::tdx
