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
	kUnavailable = HSM_STATUS_UNAVAILABLE,	///< no worker for the algorithm, or it went
};

/// A short, stable name for a status ("not-found", "auth-failed", ...),
/// the ABI's own (hsm_status_name()).
[[nodiscard]] inline const char *to_string(Status s) noexcept
{
	const char *name = hsm_status_name(static_cast<unsigned int>(s));

	return name ? name : "unknown";
}

/// The status the module reports with a (positive) errno, mapped as the
/// module maps them (hsm_status_of()); an errno no status owns is kInternal.
[[nodiscard]] inline Status status_from_errno(int err) noexcept
{
	return static_cast<Status>(hsm_status_of(-static_cast<long>(err)));
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
