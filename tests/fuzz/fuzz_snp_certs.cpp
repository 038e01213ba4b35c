// SPDX-License-Identifier: MIT
//
// libFuzzer target: libhsm's readers of certificates from untrusted bytes:
// the extended report's certificate table (hsm::snp::parse_cert_table),
// PEM or DER (hsm::snp::load_certs) and their sorting into a chain
// (hsm::snp::Chain::add).  Besides the sanitizers: every error is
// InvalidArgument with a message, and every certificate that comes out
// is one whole DER certificate taken from the input.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <span>

#include <openssl/x509.h>

#include <hsm/snp.hpp>

#include "check.h"

namespace {

using Bytes = std::vector<std::uint8_t>;

// Exactly one DER certificate, nothing after it.
bool one_der(const Bytes &der)
{
	const unsigned char *p = der.data();
	X509 *x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
	X509_free(x);
	return x && p == der.data() + der.size();
}

// Copied from the input, not made up.
bool within(const Bytes &der, std::span<const std::uint8_t> in)
{
	std::boyer_moore_horspool_searcher find(der.begin(), der.end());
	return std::search(in.begin(), in.end(), find) != in.end();
}

void check_error(const hsm::Error &e)
{
	CHECK(e.status == hsm::Status::kInvalidArgument && e.err == EINVAL && !e.message.empty());
}

// Each slot empty or one certificate, copied from the table; the ASK's
// entry is the ASVK's in a table with a VLEK and no VCEK.
void fuzz_table(std::span<const std::uint8_t> in)
{
	auto c = hsm::snp::parse_cert_table(in);
	if (!c) {
		check_error(c.error());
		return;
	}
	for (const Bytes *der : {&c->ark, &c->ask, &c->asvk, &c->vcek, &c->vlek})
		CHECK(der->empty() || (one_der(*der) && within(*der, in)));
	CHECK(c->ask.empty() || c->asvk.empty());
	CHECK(c->asvk.empty() || (!c->vlek.empty() && c->vcek.empty()));
}

void fuzz_load(std::span<const std::uint8_t> in)
{
	auto certs = hsm::snp::load_certs(in);
	if (!certs) {
		check_error(certs.error());
		return;
	}
	CHECK(!certs->empty());
	for (const Bytes &der : *certs)
		CHECK(one_der(der));
}

void fuzz_chain(std::span<const std::uint8_t> in)
{
	hsm::snp::Chain c;
	if (auto r = c.add(in); !r) {
		check_error(r.error());
		return;
	}
	for (const Bytes *der : {&c.ark, &c.ask, &c.asvk, &c.vcek, &c.vlek})
		CHECK(der->empty() || one_der(*der));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	std::span<const std::uint8_t> in(data, size);
	fuzz_table(in);
	fuzz_load(in);
	fuzz_chain(in);
	return 0;
}
