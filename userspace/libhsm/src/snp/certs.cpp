// SPDX-License-Identifier: MIT
// Certificates of the SNP chain: PEM/DER loading, role classification,
// and the GHCB extended-report certificate table.
#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>
#include <iterator>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <hsm/snp.hpp>

#include "util.hpp"

namespace hsm::snp {

namespace detail {

X509Ptr x509_from_der(std::span<const std::uint8_t> der)
{
	const unsigned char *p = der.data();
	X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
	if (x && p != der.data() + der.size())
		return nullptr;	// trailing bytes: not one certificate
	return x;
}

std::string common_name(const X509_NAME *name)
{
	int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
	if (i < 0)
		return {};
	const ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
	return std::string(reinterpret_cast<const char *>(ASN1_STRING_get0_data(s)),
			   static_cast<std::size_t>(ASN1_STRING_length(s)));
}

} // namespace detail

namespace {

constexpr std::string_view pem_marker = "-----BEGIN CERTIFICATE-----";

Result<std::vector<std::uint8_t>> to_der(X509 *x)
{
	unsigned char *out = nullptr;
	int n = i2d_X509(x, &out);
	if (n <= 0)
		return fail(Status::kInternal, EIO, "cannot encode a certificate as DER");
	std::vector<std::uint8_t> der(out, out + n);
	OPENSSL_free(out);
	return der;
}

// The 16 bytes of a GUID as printed ("c0b406a4-a803-..."), in the order
// the table stores it (RFC 4122, as printed).
std::array<std::uint8_t, 16> guid_bytes(const char *s)
{
	std::array<std::uint8_t, 16> g{};
	std::size_t n = 0;
	auto hex = [](char c) {
		return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
	};
	for (const char *p = s; *p && n < 16; p++) {
		if (*p == '-')
			continue;	// another party's entry
		g[n++] = static_cast<std::uint8_t>(hex(p[0]) << 4 | hex(p[1]));
		p++;
	}
	return g;
}

// The certificate table's entries for the four roles, each a span of
// the table.
struct Found {
	std::span<const std::uint8_t> der;
	bool present = false;
};
struct Entries {
	Found ark, ask, vcek, vlek;
};

constexpr std::size_t entry_size = 24;

// The role an entry's GUID names, or nullptr for another party's entry.
Found *role_of(Entries &found, std::span<const std::uint8_t> entry)
{
	static const auto ark = guid_bytes(guid_ark), ask = guid_bytes(guid_ask),
			  vcek = guid_bytes(guid_vcek), vlek = guid_bytes(guid_vlek);
	auto is = [&entry](const std::array<std::uint8_t, 16> &g) {
		return std::memcmp(entry.data(), g.data(), g.size()) == 0;
	};
	if (is(ark))
		return &found.ark;
	if (is(ask))
		return &found.ask;
	if (is(vcek))
		return &found.vcek;
	return is(vlek) ? &found.vlek : nullptr;
}

// Walks the table to its all-zero entry: every entry lies inside the
// buffer, and no role is named twice.
Result<Entries> table_entries(std::span<const std::uint8_t> t)
{
	Entries found;
	for (std::size_t off = 0;; off += entry_size) {
		if (t.size() < entry_size || off > t.size() - entry_size)
			return fail(Status::kInvalidArgument, EINVAL,
				    "certificate table has no terminating all-zero entry");
		auto e = t.subspan(off, entry_size);
		if (std::all_of(e.begin(), e.end(), [](std::uint8_t c) { return c == 0; }))
			return found;
		std::uint32_t co = detail::le32(e, 16), cl = detail::le32(e, 20);
		if (cl == 0 || co > t.size() || cl > t.size() - co)
			return fail(Status::kInvalidArgument, EINVAL,
				    "certificate table entry " + std::to_string(off / entry_size) +
					    " lies outside the buffer (offset " + std::to_string(co) +
					    ", length " + std::to_string(cl) + ", table " +
					    std::to_string(t.size()) + " bytes)");
		Found *f = role_of(found, e);
		if (!f)
			continue;	// another party's entry
		if (f->present)
			return fail(Status::kInvalidArgument, EINVAL,
				    "certificate table names one GUID twice");
		f->present = true;
		f->der = t.subspan(co, cl);
	}
}

// The one DER certificate at the start of an entry into dst; hosts pad
// entries.
Result<void> take(const Found &f, std::vector<std::uint8_t> &dst, const char *what)
{
	if (!f.present)
		return {};
	const unsigned char *p = f.der.data();
	X509 *x = d2i_X509(nullptr, &p, static_cast<long>(f.der.size()));
	if (!x)
		return fail(Status::kInvalidArgument, EINVAL,
			    std::string("certificate table: the ") + what +
				    " entry is not a DER certificate");
	X509_free(x);
	dst.assign(f.der.data(), p);
	return {};
}

} // namespace

Result<std::vector<std::vector<std::uint8_t>>> load_certs(std::span<const std::uint8_t> bytes)
{
	detail::ErrorMark mark;
	std::vector<std::vector<std::uint8_t>> out;
	std::string_view text(reinterpret_cast<const char *>(bytes.data()), bytes.size());
	if (text.find(pem_marker) == std::string_view::npos) {
		auto x = detail::x509_from_der(bytes);
		if (!x)
			return fail(Status::kInvalidArgument, EINVAL,
				    "not a DER certificate and no PEM certificate found");
		out.emplace_back(bytes.begin(), bytes.end());
		return out;
	}
	if (bytes.size() > INT32_MAX)
		return fail(Status::kInvalidArgument, EINVAL, "PEM input too large");
	BIO *bio = BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size()));
	if (!bio)
		return fail(Status::kOutOfMemory, ENOMEM, "BIO_new_mem_buf");
	std::size_t pos = 0, expected = 0;
	while ((pos = text.find(pem_marker, pos)) != std::string_view::npos) {
		expected++;
		pos += pem_marker.size();
	}
	while (out.size() < expected) {
		X509 *x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
		if (!x)
			break;
		auto der = to_der(x);
		X509_free(x);
		if (!der) {
			BIO_free(bio);
			return std::unexpected(der.error());
		}
		out.push_back(std::move(*der));
	}
	BIO_free(bio);
	if (out.size() != expected)
		return fail(Status::kInvalidArgument, EINVAL,
			    "PEM certificate " + std::to_string(out.size() + 1) + " of " +
				    std::to_string(expected) + " does not parse");
	return out;
}

Result<void> Chain::add(std::span<const std::uint8_t> bytes)
{
	detail::ErrorMark mark;
	auto certs = load_certs(bytes);
	if (!certs)
		return std::unexpected(certs.error());
	for (auto &der : *certs) {
		auto x = detail::x509_from_der(der);
		if (!x)
			return fail(Status::kInvalidArgument, EINVAL, "certificate does not parse");
		std::string cn = detail::common_name(X509_get_subject_name(x.get()));
		bool self_signed = X509_NAME_cmp(X509_get_subject_name(x.get()),
						 X509_get_issuer_name(x.get())) == 0;
		EVP_PKEY *pk = X509_get0_pubkey(x.get());
		bool ec = pk && EVP_PKEY_is_a(pk, "EC");
		std::vector<std::uint8_t> *slot;
		const char *role;
		if (self_signed) {
			slot = &ark, role = "ARK";
		} else if (ec) {
			if (cn == "SEV-VLEK")
				slot = &vlek, role = "VLEK";
			else
				slot = &vcek, role = "VCEK";
		} else if (cn.find("VLEK") != std::string::npos) {
			slot = &asvk, role = "ASVK";
		} else {
			slot = &ask, role = "ASK";
		}
		if (!slot->empty() && *slot != der)
			return fail(Status::kInvalidArgument, EINVAL,
				    std::string("two different ") + role + " certificates ('" + cn +
					    "')");
		*slot = std::move(der);
	}
	return {};
}

Result<void> Chain::add_file(const std::string &path)
{
	std::ifstream f(path, std::ios::binary);
	if (!f)
		return fail(Status::kNotFound, ENOENT, "cannot open " + path);
	std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(f)),
					std::istreambuf_iterator<char>());
	if (f.bad())
		return fail(Status::kInternal, EIO, "cannot read " + path);
	auto r = add(bytes);
	if (!r)
		return fail(r.error().status, r.error().err, path + ": " + r.error().message);
	return {};
}

Result<Chain> parse_cert_table(std::span<const std::uint8_t> t)
{
	detail::ErrorMark mark;
	auto e = table_entries(t);
	if (!e)
		return std::unexpected(e.error());
	// A VLEK's table names its ASVK with the ASK's GUID.
	const bool asvk = e->vlek.present && !e->vcek.present;
	Chain c;
	Result<void> r;
	if (!(r = take(e->ark, c.ark, "ARK")) || !(r = take(e->vcek, c.vcek, "VCEK")) ||
	    !(r = take(e->vlek, c.vlek, "VLEK")) || !(r = take(e->ask, asvk ? c.asvk : c.ask, "ASK")))
		return std::unexpected(r.error());
	return c;
}

} // namespace hsm::snp
