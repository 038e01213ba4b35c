// SPDX-License-Identifier: GPL-2.0 OR MIT
// The examples of examples/, built against the staged install through
// pkg-config, run as a user would run them: file encryption across
// processes, a batch of 1,000 MACs, and a slot key used from other
// processes.
#include <criterion/criterion.h>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <sys/wait.h>

#include "lib_test.hpp"

namespace {

std::string dir()
{
	const char *d = getenv("HSM_EXAMPLES");
	return d ? d : "/tests/examples";
}

// Runs a shell command; returns its exit status and stdout.
std::pair<int, std::string> run(const std::string &cmd)
{
	FILE *p = popen(cmd.c_str(), "r");
	cr_assert_not_null(p, "popen %s", cmd.c_str());
	std::string out;
	char buf[256];
	while (std::fgets(buf, sizeof(buf), p))
		out += buf;
	int st = pclose(p);
	return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

std::string slurp(const std::string &path)
{
	std::ifstream f(path, std::ios::binary);
	return std::string(std::istreambuf_iterator<char>(f), {});
}

} // namespace

Test(lib_examples, encrypt_file_round_trip_across_processes)
{
	const std::string x = dir() + "/hsm-encrypt-file";
	std::string plain(100000, '\0');
	for (std::size_t i = 0; i < plain.size(); i++)
		plain[i] = char(i * 13 + i / 256);
	{
		std::ofstream f("/tmp/ex-plain", std::ios::binary);
		f << plain;
	}
	auto e = run(x + " encrypt /tmp/ex-plain /tmp/ex-sealed");
	cr_assert_eq(e.first, 0, "encrypt: %s", e.second.c_str());
	cr_expect_eq(e.second, "encrypted 100000 bytes\n");
	std::string sealed = slurp("/tmp/ex-sealed");
	cr_assert_eq(sealed.size(), plain.size() + 28);
	cr_expect(sealed.find(plain.substr(1000, 64)) == std::string::npos, "no plaintext in it");

	auto d = run(x + " decrypt /tmp/ex-sealed /tmp/ex-back");
	cr_assert_eq(d.first, 0, "decrypt: %s", d.second.c_str());
	cr_expect(slurp("/tmp/ex-back") == plain);

	// A changed byte: refused, nothing decrypted.
	sealed[500] ^= 1;
	{
		std::ofstream f("/tmp/ex-bad", std::ios::binary);
		f << sealed;
	}
	cr_expect_eq(run(x + " decrypt /tmp/ex-bad /tmp/ex-out 2>/dev/null").first, 1);
	cr_expect_eq(run(x + " forget").first, 0);
	cr_expect_eq(run(x + " decrypt /tmp/ex-sealed /tmp/ex-out 2>/dev/null").first, 1,
		     "the key is gone with its slot");
	cr_expect_eq(run(x + " 2>/dev/null").first, 2, "usage");
}

Test(lib_examples, batch_of_a_thousand_macs)
{
	auto r = run(dir() + "/hsm-batch-macs");
	cr_expect_eq(r.first, 0);
	cr_expect_eq(r.second, "1000 MACs, 999 verified, 1 rejected\n");
}

Test(lib_examples, slot_key_from_a_second_process)
{
	const std::string x = dir() + "/hsm-slot-key";
	cr_assert_eq(run(x + " create ex-slot").first, 0);
	cr_expect_eq(run(x + " create ex-slot 2>/dev/null").first, 1, "the name is taken");
	auto a = run(x + " mac ex-slot hello");
	auto b = run(x + " mac ex-slot hello");
	auto c = run(x + " mac ex-slot other");
	cr_expect_eq(a.first, 0);
	cr_expect_eq(a.second.size(), 65u);
	cr_expect_eq(a.second, b.second, "one key, two processes");
	cr_expect_neq(a.second, c.second);
	cr_expect_eq(run(x + " delete ex-slot").first, 0);
	cr_expect_eq(run(x + " mac ex-slot hello 2>/dev/null").first, 1);
}
