// SPDX-License-Identifier: GPL-2.0 OR MIT
// hsmctl: files in a directory only the caller can write.  Sealed blobs,
// reports and certificates go through here, so that a directory or a
// file someone else planted is refused instead of followed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace hsmctl {

// An open directory owned by the caller (geteuid()) and writable by
// nobody else.  Every error is a message naming the path, for the user.
class SafeDir {
public:
	// Opens path without following a symbolic link as its last
	// component.  With create, a missing directory is made, mode 0700.
	// The directory must then be owned by the caller and not writable
	// by group or others, whoever made it: "refusing to use it" if not.
	// Returns "" on success, else the reason.
	std::string open(const std::string &path, bool create);
	~SafeDir();

	int fd() const noexcept { return fd_; }
	const std::string &path() const noexcept { return path_; }
	std::string path(const std::string &name) const { return path_ + "/" + name; }

	// Writes name as a new file, mode 0600: a temporary made with
	// O_EXCL|O_NOFOLLOW, written, fsync'ed and renamed over name.  A
	// symbolic link or file already called name is replaced, never
	// followed or written through.
	std::string write(const std::string &name, std::span<const std::uint8_t> bytes);

	// Reads name, which must be a regular file (not a symbolic link, a
	// FIFO or a device; never blocks), owned by the caller, not writable
	// by group or others, and at most max bytes.
	std::string read(const std::string &name, std::size_t max, std::vector<std::uint8_t> &out);

	// The names of the directory's entries, sorted.
	std::string list(std::vector<std::string> &names);

	// fsync of the directory, after the renames.
	std::string sync();

private:
	int fd_ = -1;
	std::string path_;
};

}  // namespace hsmctl
