// SPDX-License-Identifier: MIT
//
// hsm-keyserver's settings: defaults, then the config file (--config,
// "key = value" lines with the long options' names), then the command
// line, each overriding the one before.
#pragma once

#include <string>
#include <vector>

#include "listener.hpp"
#include "service.hpp"
#include "tls.hpp"

namespace ks {

struct Options {
	std::string db = "sqlite:/var/lib/hsm-keyserver/keyserver.db";
	std::string slot_prefix = "keyserver";
	std::string context;		// OPAQUE's context string (proto/defaults.hpp)
	ListenSettings listen;
	TlsSettings tls;
	Limits limits;
};

// Parses argv; on --help or --version prints and sets `exit_now` with
// status 0; on an error prints it and returns false.
bool parse_options(int argc, char **argv, Options &o, bool &exit_now);

} // namespace ks
