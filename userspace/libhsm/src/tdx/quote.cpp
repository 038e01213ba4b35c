// SPDX-License-Identifier: MIT
// DCAP quote parsing, v4 and v5 (TD 1.0 and 1.5 bodies, ECDSA-P256,
// certification data type 6 holding a type 5 PCK chain): explicit
// little-endian reads of the raw bytes, every length checked against the
// buffer.
#include <algorithm>

#include <hsm/tdx.hpp>

#include "util.hpp"

namespace hsm::tdx {

namespace {

using detail::copy;
using detail::le16;
using detail::le32;
using detail::le64;

// A cursor over the quote: every read is bounds-checked, and the first
// one past the end is remembered, with what it was reading.
class Reader {
public:
	explicit Reader(std::span<const std::uint8_t> b, std::size_t pos = 0) : b_(b), pos_(pos) {}

	bool need(std::size_t n, const char *what)
	{
		if (!short_ && b_.size() - pos_ >= n)
			return true;
		if (!short_)
			what_ = what;
		short_ = true;
		return false;
	}
	std::uint16_t u16(const char *what)
	{
		if (!need(2, what))
			return 0;
		pos_ += 2;
		return le16(b_, pos_ - 2);
	}
	std::uint32_t u32(const char *what)
	{
		if (!need(4, what))
			return 0;
		pos_ += 4;
		return le32(b_, pos_ - 4);
	}
	template <std::size_t N>
	void bytes(std::array<std::uint8_t, N> &dst, const char *what)
	{
		if (!need(N, what))
			return;
		copy(dst, b_, pos_);
		pos_ += N;
	}
	std::span<const std::uint8_t> take(std::size_t n, const char *what)
	{
		if (!need(n, what))
			return {};
		pos_ += n;
		return b_.subspan(pos_ - n, n);
	}
	std::size_t pos() const noexcept { return pos_; }
	std::size_t left() const noexcept { return b_.size() - pos_; }
	bool truncated() const noexcept { return short_; }
	const char *what() const noexcept { return what_; }

private:
	std::span<const std::uint8_t> b_;
	std::size_t pos_ = 0;
	bool short_ = false;
	const char *what_ = "";
};

void read_header(Header &h, std::span<const std::uint8_t> b)
{
	h.version = le16(b, 0);
	h.att_key_type = le16(b, 2);
	h.tee_type = le32(b, 4);
	h.qe_svn = le16(b, 8);
	h.pce_svn = le16(b, 10);
	copy(h.qe_vendor_id, b, 12);
	copy(h.user_data, b, 28);
}

void read_body(TdBody &t, std::span<const std::uint8_t> b, bool td15)
{
	copy(t.tee_tcb_svn, b, 0);
	copy(t.mrseam, b, 16);
	copy(t.mrsignerseam, b, 64);
	t.seam_attributes = le64(b, 112);
	t.td_attributes = le64(b, 120);
	t.xfam = le64(b, 128);
	copy(t.mrtd, b, 136);
	copy(t.mrconfigid, b, 184);
	copy(t.mrowner, b, 232);
	copy(t.mrownerconfig, b, 280);
	for (std::size_t i = 0; i < 4; i++)
		copy(t.rtmr[i], b, 328 + 48 * i);
	copy(t.report_data, b, 520);
	t.has_td15 = td15;
	if (td15) {
		copy(t.tee_tcb_svn2, b, 584);
		copy(t.mrservicetd, b, 600);
	}
}

void read_qe_report(QeReport &q, std::span<const std::uint8_t> b)
{
	copy(q.cpusvn, b, 0);
	q.miscselect = le32(b, 16);
	copy(q.attributes, b, 48);
	copy(q.mrenclave, b, 64);
	copy(q.mrsigner, b, 128);
	q.isvprodid = le16(b, 256);
	q.isvsvn = le16(b, 258);
	copy(q.report_data, b, 320);
}

Result<Quote> truncated(const Reader &r)
{
	return fail(Status::kInvalidArgument, EINVAL,
		    std::string("TDX quote truncated in its ") + r.what());
}

// The body: v4 is a TD 1.0 report; v5 says which report and its size.
Result<void> parse_body(Quote &q, Reader &r)
{
	std::size_t size = td10_body_size;
	if (q.header.version == 5) {
		std::uint16_t type = r.u16("body type");
		std::uint32_t n = r.u32("body size");
		if (r.truncated())
			return fail(Status::kInvalidArgument, EINVAL, "TDX quote truncated in its body header");
		if (type != static_cast<std::uint16_t>(BodyType::kTd10) &&
		    type != static_cast<std::uint16_t>(BodyType::kTd15))
			return fail(Status::kUnsupported, EOPNOTSUPP,
				    "quote v5 body type " + std::to_string(type) +
					    " is not a TD report (2: TDX 1.0, 3: TDX 1.5)");
		q.body_type = static_cast<BodyType>(type);
		size = q.body_type == BodyType::kTd15 ? td15_body_size : td10_body_size;
		if (n != size)
			return fail(Status::kInvalidArgument, EINVAL,
				    "quote v5 body size " + std::to_string(n) + ", expected " +
					    std::to_string(size));
	}
	auto body = r.take(size, "TD report body");
	if (r.truncated())
		return fail(Status::kInvalidArgument, EINVAL, "TDX quote truncated in its TD report body");
	read_body(q.body, body, q.body_type == BodyType::kTd15);
	q.signed_size = r.pos();
	return {};
}

// Certification data type 6: the QE report, its signature, the QE
// authentication data, and the PCK chain as nested type 5 data.
Result<void> parse_qe_cert_data(Quote &q, Reader &r)
{
	q.qe_report_offset = r.pos();
	auto rep = r.take(qe_report_size, "QE report");
	r.bytes(q.qe_report_signature, "QE report signature");
	std::uint16_t auth = r.u16("QE authentication data size");
	auto auth_data = r.take(auth, "QE authentication data");
	std::uint16_t type = r.u16("PCK certification data type");
	std::uint32_t size = r.u32("PCK certification data size");
	if (r.truncated())
		return fail(Status::kInvalidArgument, EINVAL,
			    std::string("TDX quote truncated in its ") + r.what());
	read_qe_report(q.qe_report, rep);
	q.qe_auth_data.assign(auth_data.begin(), auth_data.end());
	if (type != 5)
		return fail(Status::kUnsupported, EOPNOTSUPP,
			    "QE certification data holds type " + std::to_string(type) +
				    ", expected 5 (PCK certificate chain)");
	if (size != r.left())
		return fail(Status::kInvalidArgument, EINVAL,
			    "PCK certification data size " + std::to_string(size) + ", but " +
				    std::to_string(r.left()) + " bytes follow");
	auto pem = r.take(size, "PCK certificate chain");
	auto certs = load_certs(pem);
	if (!certs)
		return fail(Status::kInvalidArgument, EINVAL,
			    "PCK certificate chain: " + certs.error().message);
	q.pck_chain = std::move(*certs);
	return {};
}

} // namespace

Result<Quote> parse_quote(std::span<const std::uint8_t> bytes)
{
	Reader r(bytes);
	auto hdr = r.take(header_size, "header");
	if (r.truncated())
		return truncated(r);
	Quote q;
	read_header(q.header, hdr);
	if (q.header.version != 4 && q.header.version != 5)
		return fail(Status::kUnsupported, EOPNOTSUPP,
			    "DCAP quote version " + std::to_string(q.header.version) +
				    " is not supported (4 or 5)");
	if (q.header.tee_type != tee_type_tdx)
		return fail(Status::kUnsupported, EOPNOTSUPP,
			    "quote TEE type " + std::to_string(q.header.tee_type) + " is not TDX (0x81)");
	if (auto b = parse_body(q, r); !b)
		return std::unexpected(b.error());
	std::uint32_t sig_len = r.u32("signature data size");
	if (r.truncated())
		return truncated(r);
	if (sig_len > r.left())
		return fail(Status::kInvalidArgument, EINVAL,
			    "signature data size " + std::to_string(sig_len) + ", but only " +
				    std::to_string(r.left()) + " bytes follow");
	// A quote read from a fixed-size buffer ends in zeros; anything else
	// after the signature data would be bytes nothing vouches for.
	auto tail = bytes.subspan(r.pos() + sig_len);
	if (std::any_of(tail.begin(), tail.end(), [](std::uint8_t c) { return c != 0; }))
		return fail(Status::kInvalidArgument, EINVAL,
			    "non-zero bytes follow the quote's signature data");
	q.size = r.pos() + sig_len;
	r = Reader(bytes.first(q.size), r.pos());
	r.bytes(q.signature, "quote signature");
	r.bytes(q.attestation_key, "attestation key");
	std::uint16_t type = r.u16("certification data type");
	std::uint32_t size = r.u32("certification data size");
	if (r.truncated())
		return truncated(r);
	if (type != 6)
		return fail(Status::kUnsupported, EOPNOTSUPP,
			    "certification data type " + std::to_string(type) +
				    " is not supported (6: QE report certification data)");
	if (size != r.left())
		return fail(Status::kInvalidArgument, EINVAL,
			    "certification data size " + std::to_string(size) + ", but " +
				    std::to_string(r.left()) + " bytes follow");
	if (auto c = parse_qe_cert_data(q, r); !c)
		return std::unexpected(c.error());
	return q;
}

} // namespace hsm::tdx
