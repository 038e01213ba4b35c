// SPDX-License-Identifier: GPL-2.0 OR MIT
// hsmctl: files in a directory only the caller can write (safe_file.h).
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hsmctl.h"
#include "safe_file.h"

namespace hsmctl {
namespace {

std::string sys_error(const std::string &what, int err)
{
	return printable(what) + ": " + std::strerror(err);
}

// Why st may not be trusted, or "".
std::string not_ours(const struct stat &st)
{
	char buf[96];
	if (st.st_uid != geteuid()) {
		std::snprintf(buf, sizeof(buf), "owned by uid %u, not by you (uid %u)",
			      static_cast<unsigned>(st.st_uid), static_cast<unsigned>(geteuid()));
		return buf;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		std::snprintf(buf, sizeof(buf), "writable by group or others (mode %04o)",
			      static_cast<unsigned>(st.st_mode & 07777));
		return buf;
	}
	return {};
}

}  // namespace

std::string SafeDir::open(const std::string &path, bool create)
{
	path_ = path;
	// A trailing slash would make the kernel follow a symbolic link.
	while (path_.size() > 1 && path_.back() == '/')
		path_.pop_back();
	if (path_.empty())
		return "empty directory name";
	const int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	fd_ = ::open(path_.c_str(), flags);
	if (fd_ < 0 && errno == ENOENT && create) {
		// Whoever wins a race to make it, the checks below decide.
		if (mkdir(path_.c_str(), 0700) && errno != EEXIST)
			return sys_error(path_, errno);
		fd_ = ::open(path_.c_str(), flags);
	}
	if (fd_ < 0) {
		if (errno == ELOOP || errno == ENOTDIR)
			return printable(path_) +
			       ": a symbolic link or not a directory: refusing to use it";
		return sys_error(path_, errno);
	}
	struct stat st;
	if (fstat(fd_, &st))
		return sys_error(path_, errno);
	if (auto why = not_ours(st); !why.empty())
		return printable(path_) + ": " + why + ": refusing to use it";
	return {};
}

SafeDir::~SafeDir()
{
	if (fd_ >= 0)
		::close(fd_);
}

std::string SafeDir::write(const std::string &name, std::span<const std::uint8_t> bytes)
{
	static unsigned counter;
	const std::string tmp =
		".hsmctl-" + std::to_string(getpid()) + "-" + std::to_string(counter++) + ".tmp";
	int fd = openat(fd_, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return sys_error(path(tmp), errno);
	std::size_t done = 0;
	int err = 0;
	while (done < bytes.size()) {
		ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? errno : EIO;
			break;
		}
		done += static_cast<std::size_t>(n);
	}
	if (!err && fsync(fd))
		err = errno;
	if (::close(fd) && !err)
		err = errno;
	if (!err && renameat(fd_, tmp.c_str(), fd_, name.c_str()))
		err = errno;
	if (err) {
		unlinkat(fd_, tmp.c_str(), 0);
		return sys_error(path(name), err);
	}
	return {};
}

std::string SafeDir::read(const std::string &name, std::size_t max, std::vector<std::uint8_t> &out)
{
	// O_NONBLOCK: opening a FIFO must not wait for a writer.
	int fd = openat(fd_, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ELOOP)
			return printable(path(name)) + ": a symbolic link: not followed";
		return sys_error(path(name), errno);
	}
	struct stat st;
	std::string why;
	if (fstat(fd, &st))
		why = std::strerror(errno);
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	else if (auto w = not_ours(st); !w.empty())
		why = w;
	else if (static_cast<std::uint64_t>(st.st_size) > max)
		why = std::to_string(st.st_size) + " bytes, more than " + std::to_string(max);
	if (!why.empty()) {
		::close(fd);
		return printable(path(name)) + ": " + why + ": refusing to read it";
	}
	// Read one byte past the limit: a file that grew is refused too.
	out.assign(max + 1, 0);
	std::size_t got = 0;
	while (got < out.size()) {
		ssize_t n = ::read(fd, out.data() + got, out.size() - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = errno;
			::close(fd);
			return sys_error(path(name), err);
		}
		if (n == 0)
			break;
		got += static_cast<std::size_t>(n);
	}
	::close(fd);
	if (got > max)
		return printable(path(name)) + ": more than " + std::to_string(max) +
		       " bytes: refusing to read it";
	out.resize(got);
	return {};
}

std::string SafeDir::list(std::vector<std::string> &names)
{
	int fd = openat(fd_, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return sys_error(path_, errno);
	DIR *d = fdopendir(fd);
	if (!d) {
		int err = errno;
		::close(fd);
		return sys_error(path_, err);
	}
	names.clear();
	errno = 0;
	while (dirent *e = readdir(d)) {
		names.emplace_back(e->d_name);
		errno = 0;
	}
	int err = errno;
	closedir(d);
	if (err)
		return sys_error(path_, err);
	std::sort(names.begin(), names.end());
	return {};
}

std::string SafeDir::sync()
{
	return fsync(fd_) ? sys_error(path_, errno) : std::string();
}

}  // namespace hsmctl
