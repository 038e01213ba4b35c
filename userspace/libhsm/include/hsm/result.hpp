// SPDX-License-Identifier: MIT
//
// hsm/result.hpp: errors as values.  Every fallible libhsm call returns a
// Result<T>; no exception crosses the API and the library never prints.
#pragma once

#include <cerrno>
#include <cstdint>
#include <expected>
#include <string>
#include <utility>

#include <linux/hsm.h>

namespace hsm {

/// The module's status codes (enum hsm_status), surfaced unchanged.
enum class Status : std::uint32_t {
	Ok = HSM_STATUS_OK,
	InvalidArgument = HSM_STATUS_INVALID_ARGUMENT,
	UnknownCommand = HSM_STATUS_UNKNOWN_COMMAND,
	NotFound = HSM_STATUS_NOT_FOUND,
	NotPermitted = HSM_STATUS_NOT_PERMITTED,
	InvalidState = HSM_STATUS_INVALID_STATE,
	TimedOut = HSM_STATUS_TIMED_OUT,
	LimitExceeded = HSM_STATUS_LIMIT_EXCEEDED,
	Unsupported = HSM_STATUS_UNSUPPORTED,
	AuthFailed = HSM_STATUS_AUTH_FAILED,
	BufferTooSmall = HSM_STATUS_BUFFER_TOO_SMALL,
	OutOfMemory = HSM_STATUS_OUT_OF_MEMORY,
	Canceled = HSM_STATUS_CANCELED,
	Internal = HSM_STATUS_INTERNAL,
	Busy = HSM_STATUS_BUSY,
};

/// A short, stable name for a status ("not-found", "auth-failed", ...).
[[nodiscard]] constexpr const char *to_string(Status s) noexcept
{
	switch (s) {
	case Status::Ok: return "ok";
	case Status::InvalidArgument: return "invalid-argument";
	case Status::UnknownCommand: return "unknown-command";
	case Status::NotFound: return "not-found";
	case Status::NotPermitted: return "not-permitted";
	case Status::InvalidState: return "invalid-state";
	case Status::TimedOut: return "timed-out";
	case Status::LimitExceeded: return "limit-exceeded";
	case Status::Unsupported: return "unsupported";
	case Status::AuthFailed: return "auth-failed";
	case Status::BufferTooSmall: return "buffer-too-small";
	case Status::OutOfMemory: return "out-of-memory";
	case Status::Canceled: return "canceled";
	case Status::Internal: return "internal";
	case Status::Busy: return "busy";
	}
	return "unknown";
}

/// The status the module reports with a (positive) errno, mapped as the
/// module maps them; an errno no status owns is Internal.
[[nodiscard]] constexpr Status status_from_errno(int err) noexcept
{
	switch (err) {
	case 0: return Status::Ok;
	case ENOTTY: return Status::UnknownCommand;
	case ENOENT: return Status::NotFound;
	case EPERM: return Status::NotPermitted;
	case EBADFD:
	case EEXIST: return Status::InvalidState;
	case ETIMEDOUT: return Status::TimedOut;
	case ENOSPC:
	case E2BIG:
	case EDQUOT:		// the caller's per-user share
	case ENFILE: return Status::LimitExceeded;
	case EOPNOTSUPP: return Status::Unsupported;
	case EBADMSG: return Status::AuthFailed;
	case EOVERFLOW: return Status::BufferTooSmall;
	case ENOMEM: return Status::OutOfMemory;
	case ECANCELED:
	case EINTR: return Status::Canceled;	// the caller is being killed
	case EINVAL:
	case EFAULT: return Status::InvalidArgument;
	case EBUSY: return Status::Busy;
	default: return Status::Internal;
	}
}

/// What went wrong: the module's status, the errno it came with, and a
/// message naming the call that failed.
struct Error {
	Status status = Status::Internal;
	int err = EIO;			///< positive errno
	std::string message;

	/// An error for a negative result as the module returns it.
	[[nodiscard]] static Error from_result(int res, std::string what)
	{
		return Error{status_from_errno(-res), -res, std::move(what)};
	}
};

template <typename T>
using Result = std::expected<T, Error>;

/// Shorthand for returning an error from a function returning Result<T>.
[[nodiscard]] inline std::unexpected<Error> fail(Status s, int err,
						 std::string what)
{
	return std::unexpected(Error{s, err, std::move(what)});
}

} // namespace hsm
