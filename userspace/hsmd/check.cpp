// SPDX-License-Identifier: GPL-2.0 OR MIT
#include "check.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harden.hpp"

namespace hsmd {
namespace {

enum class Want { killed, refused };

struct Probe {
	const char *name;
	Want want;
	int (*call)();	// the forbidden call; returns only if it was not killed
};

int try_socket()
{
	return socket(AF_INET, SOCK_STREAM, 0);
}

int try_execve()
{
	char *const argv[] = { const_cast<char *>("sh"), const_cast<char *>("-c"),
			       const_cast<char *>("exit 0"), nullptr };
	return execve("/bin/sh", argv, environ);
}

int try_open()
{
	return open("/proc/self/status", O_RDONLY | O_CLOEXEC);
}

constexpr Probe kProbes[] = {
	{ "socket", Want::killed, try_socket },
	{ "execve", Want::killed, try_execve },
	{ "open", Want::refused, try_open },
};

// The child's exit status: 0 when a refused call failed with EACCES, 2
// when it could not confine itself, 3 when the call went through.
[[noreturn]] void child(const Probe &p, const char *user)
{
	if (drop_to(user) || confine())
		_exit(2);
	int r = p.call();
	_exit(r < 0 && errno == EACCES ? 0 : 3);
}

bool held(const Probe &p, int st)
{
	if (p.want == Want::killed)
		return WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

} // namespace

int check_confinement(const char *user)
{
	int bad = 0;
	for (const Probe &p : kProbes) {
		std::fflush(nullptr);
		pid_t pid = fork();
		if (pid == 0)
			child(p, user);
		int st = 0;
		if (pid < 0 || waitpid(pid, &st, 0) != pid) {
			std::printf("%-6s: could not run the probe: %s\n", p.name, std::strerror(errno));
			bad++;
			continue;
		}
		bool ok = held(p, st);
		bad += !ok;
		std::printf("%-6s: %s (%s)\n", p.name, ok ? "held" : "NOT HELD",
			    WIFSIGNALED(st) ? strsignal(WTERMSIG(st))
					    : ("exit " + std::to_string(WEXITSTATUS(st))).c_str());
	}
	return bad ? 1 : 0;
}

} // namespace hsmd
