// SPDX-License-Identifier: MIT
//
// The server's TLS 1.3 context: the vault's non-exportable key and its
// certificate (given, or made once and kept in the database, so that every
// instance sharing the database presents the same one).
#pragma once

#include <expected>
#include <string>
#include <vector>

#include <openssl/ssl.h>

namespace ks {

class Vault;
class Store;

struct TlsSettings {
	std::string cert_file;		// a PEM certificate for the vault's key; empty: self-signed
	std::string cert_out;		// where to write the certificate clients pin; empty: nowhere
	std::vector<std::string> names{"localhost", "127.0.0.1"};	// the self-signed one's names
};

std::expected<SSL_CTX *, std::string> server_tls(const Vault &v, Store &db, const TlsSettings &s);

} // namespace ks
