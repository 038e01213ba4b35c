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
	kOk = HSM_STATUS_OK,
	kInvalidArgument = HSM_STATUS_INVALID_ARGUMENT,
	kUnknownCommand = HSM_STATUS_UNKNOWN_COMMAND,
	kNotFound = HSM_STATUS_NOT_FOUND,
	kNotPermitted = HSM_STATUS_NOT_PERMITTED,
	kInvalidState = HSM_STATUS_INVALID_STATE,
	kTimedOut = HSM_STATUS_TIMED_OUT,
	kLimitExceeded = HSM_STATUS_LIMIT_EXCEEDED,
	kUnsupported = HSM_STATUS_UNSUPPORTED,
	kAuthFailed = HSM_STATUS_AUTH_FAILED,
	kBufferTooSmall = HSM_STATUS_BUFFER_TOO_SMALL,
	kOutOfMemory = HSM_STATUS_OUT_OF_MEMORY,
	kCanceled = HSM_STATUS_CANCELED,
	kInternal = HSM_STATUS_INTERNAL,
	kBusy = HSM_STATUS_BUSY,

	// The spellings before the k prefix that the SEV-SNP verifier's
	// sources still use; not for new code.
	InvalidArgument = kInvalidArgument,
	NotFound = kNotFound,
	Unsupported = kUnsupported,
	OutOfMemory = kOutOfMemory,
	Internal = kInternal,
};

/// A short, stable name for a status ("not-found", "auth-failed", ...).
[[nodiscard]] constexpr const char *to_string(Status s) noexcept
{
	switch (s) {
	case Status::kOk: return "ok";
	case Status::kInvalidArgument: return "invalid-argument";
	case Status::kUnknownCommand: return "unknown-command";
	case Status::kNotFound: return "not-found";
	case Status::kNotPermitted: return "not-permitted";
	case Status::kInvalidState: return "invalid-state";
	case Status::kTimedOut: return "timed-out";
	case Status::kLimitExceeded: return "limit-exceeded";
	case Status::kUnsupported: return "unsupported";
	case Status::kAuthFailed: return "auth-failed";
	case Status::kBufferTooSmall: return "buffer-too-small";
	case Status::kOutOfMemory: return "out-of-memory";
	case Status::kCanceled: return "canceled";
	case Status::kInternal: return "internal";
	case Status::kBusy: return "busy";
	}
	return "unknown";
}

/// The status the module reports with a (positive) errno, mapped as the
/// module maps them; an errno no status owns is kInternal.
[[nodiscard]] constexpr Status status_from_errno(int err) noexcept
{
	switch (err) {
	case 0: return Status::kOk;
	case ENOTTY: return Status::kUnknownCommand;
	case ENOENT: return Status::kNotFound;
	case EPERM: return Status::kNotPermitted;
	case EBADFD:
	case EEXIST: return Status::kInvalidState;
	case ETIMEDOUT: return Status::kTimedOut;
	case ENOSPC:
	case E2BIG:
	case EDQUOT:		// the caller's per-user share
	case ENFILE: return Status::kLimitExceeded;
	case EOPNOTSUPP: return Status::kUnsupported;
	case EBADMSG: return Status::kAuthFailed;
	case EOVERFLOW: return Status::kBufferTooSmall;
	case ENOMEM: return Status::kOutOfMemory;
	case ECANCELED:
	case EINTR: return Status::kCanceled;	// the caller is being killed
	case EINVAL:
	case EFAULT: return Status::kInvalidArgument;
	case EBUSY: return Status::kBusy;
	default: return Status::kInternal;
	}
}

/// What went wrong: the module's status, the errno it came with, and a
/// message naming the call that failed.
struct Error {
	Status status = Status::kInternal;
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
