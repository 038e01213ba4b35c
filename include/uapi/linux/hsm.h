/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note OR MIT */
/*
 * hsm: the ABI of /dev/hsm, a kernel-resident virtual HSM.
 *
 * This header is the whole contract between hsm.ko and its users (libhsm,
 * hsmctl, the tests).  It is included by the module and by userspace alike.
 *
 * Connections
 * -----------
 * Every open() of /dev/hsm is one connection.  A connection owns a shared
 * memory region (see HSM_IOC_SHM_SETUP) and, later, its keys, contexts and
 * in-flight requests.  close() of the last reference frees all of it.  The
 * module counts open connections against the `max_connections` module
 * parameter; open() beyond it fails with ENFILE.
 *
 * Commands
 * --------
 * Every command is an _IOW('H', nr, struct ...) number whose argument is a
 * fixed-size struct of at most HSM_CMD_MAX_SIZE bytes.  The same number and
 * struct are accepted two ways, with the same validation and the same result:
 *
 *  - ioctl(fd, HSM_IOC_..., &cmd): the result is the ioctl's return value
 *    (>= 0) or -1 with errno set;
 *  - an IORING_OP_URING_CMD SQE on the fd with sqe->cmd_op = HSM_IOC_... and
 *    the struct copied into sqe->cmd.  The ring must be created with
 *    IORING_SETUP_SQE128 (the command area is 80 bytes); sqe->uring_cmd_flags
 *    must be 0.  The result is cqe->res (>= 0, or a negative errno).
 *
 * The module copies the struct once into kernel memory and validates that
 * copy; it never re-reads it.  Every command answers exactly once.  Errors
 * common to all commands:
 *
 *   ENOTTY      the number is not an hsm command (wrong type, unknown nr)
 *   EINVAL      a known nr with the wrong size or direction; a non-zero
 *               reserved field; unknown bits in flags; uring_cmd on a ring
 *               without IORING_SETUP_SQE128, or with uring_cmd_flags set
 *   EFAULT      a user pointer in the command cannot be read or written
 *
 * Command structs never return data by being copied back: outputs are
 * written to user memory named by the command (an address here, a shared
 * region offset for the data-plane commands), so that ioctl and io_uring
 * behave identically.
 *
 * HSM_IOC_GET_INFO (struct hsm_get_info)
 *   Writes struct hsm_info to info_ptr.  info_size is the caller's buffer
 *   size: the kernel writes min(info_size, sizeof(struct hsm_info)) bytes and
 *   zero-fills the rest of the caller's buffer, so old binaries keep working
 *   when the struct grows and new binaries see zeros from old modules.
 *   hsm_info.size tells how many bytes this module knows.
 *   Returns the number of bytes written from the kernel's struct.
 *   flags: must be 0.  Errors: EINVAL if info_size is below
 *   HSM_INFO_SIZE_VER0 or above HSM_INFO_SIZE_MAX.
 *
 * HSM_IOC_SHM_SETUP (struct hsm_shm_setup)
 *   Allocates the connection's shared region of `size` bytes, zeroed.
 *   size must be a non-zero multiple of hsm_info.page_size and at most
 *   hsm_info.max_region_size.  The region is then mapped with
 *   mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off), where off
 *   is HSM_SHM_MMAP_OFFSET plus a page-aligned offset into the region, and
 *   off + len stays within the region.  Returns 0.
 *   flags: must be 0.
 *   Errors: EINVAL (size zero or not page-aligned), E2BIG (size above
 *   max_region_size), ENOSPC (all connections' regions together would pass
 *   max_region_total), EEXIST (the connection already has a region), ENOMEM.
 *   mmap() errors: EBADFD before SHM_SETUP; EINVAL for a private mapping,
 *   an offset or length outside the region; EPERM for PROT_EXEC.
 *   The mapping is not inherited across fork() (the child may map it again
 *   through the inherited fd) and is left out of core dumps.
 *
 * Status codes
 * ------------
 * Where errno is too coarse, data-plane commands also report an
 * enum hsm_status.  Each status has one errno, listed beside it, which is
 * what cqe->res or ioctl() return for it.
 */
#ifndef _UAPI_LINUX_HSM_H
#define _UAPI_LINUX_HSM_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define HSM_ABI_VERSION		1
#define HSM_DEVICE_PATH		"/dev/hsm"
#define HSM_IOC_MAGIC		'H'

/* Largest command struct: the inline command area of an SQE128 SQE. */
#define HSM_CMD_MAX_SIZE	80

/* Offset to pass to mmap() for the start of the shared region. */
#define HSM_SHM_MMAP_OFFSET	0ULL

/*
 * Feature bits, reported in hsm_info.features.
 *
 * HSM_FEAT_SHM: the connection can set up and mmap a shared region
 * (HSM_IOC_SHM_SETUP); payloads of data-plane commands live in it.
 *
 * HSM_FEAT_URING_CMD: every command is accepted as IORING_OP_URING_CMD on a
 * ring created with IORING_SETUP_SQE128, with the semantics of its ioctl.
 */
#define HSM_FEAT_SHM		(1ULL << 0)
#define HSM_FEAT_URING_CMD	(1ULL << 1)

/* The platform the module runs on (hsm_info.platform). */
enum hsm_platform {
	HSM_PLATFORM_NONE	= 0,	/* no confidential-computing guest */
	HSM_PLATFORM_SEV	= 1,	/* AMD SEV or SEV-ES guest, no SNP */
	HSM_PLATFORM_SEV_SNP	= 2,	/* AMD SEV-SNP guest */
	HSM_PLATFORM_TDX	= 3,	/* Intel TDX guest */
};

/* Who answers the platform's guest requests (hsm_info.platform_backend). */
enum hsm_backend {
	HSM_BACKEND_NONE	= 0,	/* guest requests are not served */
	HSM_BACKEND_REAL	= 1,	/* the platform's firmware */
	HSM_BACKEND_SIMULATED	= 2,	/* the module's simulator: not a TEE */
};

/*
 * HSM status codes and the errno each one is reported with.
 */
enum hsm_status {
	HSM_STATUS_OK			= 0,	/* 0 */
	HSM_STATUS_INVALID_ARGUMENT	= 1,	/* EINVAL */
	HSM_STATUS_UNKNOWN_COMMAND	= 2,	/* ENOTTY */
	HSM_STATUS_NOT_FOUND		= 3,	/* ENOENT */
	HSM_STATUS_NOT_PERMITTED	= 4,	/* EPERM */
	HSM_STATUS_INVALID_STATE	= 5,	/* EBADFD */
	HSM_STATUS_TIMED_OUT		= 6,	/* ETIMEDOUT */
	HSM_STATUS_LIMIT_EXCEEDED	= 7,	/* ENOSPC */
	HSM_STATUS_UNSUPPORTED		= 8,	/* EOPNOTSUPP */
	HSM_STATUS_AUTH_FAILED		= 9,	/* EBADMSG */
	HSM_STATUS_BUFFER_TOO_SMALL	= 10,	/* EOVERFLOW */
	HSM_STATUS_OUT_OF_MEMORY	= 11,	/* ENOMEM */
	HSM_STATUS_CANCELED		= 12,	/* ECANCELED */
	HSM_STATUS_INTERNAL		= 13,	/* EIO */
};

/* Length of hsm_info.module_version, including the terminating NUL. */
#define HSM_VERSION_LEN		32

/*
 * struct hsm_info - what HSM_IOC_GET_INFO reports.
 *
 * @size:		bytes of this struct the module knows and wrote
 * @abi_version:	HSM_ABI_VERSION of the module
 * @features:		HSM_FEAT_* bits
 * @module_version:	the module's version string, NUL-terminated
 * @platform:		enum hsm_platform
 * @platform_backend:	enum hsm_backend
 * @platform_caps:	reserved for platform capability bits; 0 today
 * @page_size:		granularity of the shared region
 * @max_connections:	the max_connections module parameter
 * @max_region_size:	the max_region_size module parameter, in bytes
 * @connections:	connections open now, module-wide
 * @max_region_total:	the max_region_total module parameter: bytes of shared
 *			regions all connections together may hold
 * @region_total:	bytes of shared regions allocated now, module-wide
 * @reserved:		zero
 */
struct hsm_info {
	__u32	size;
	__u32	abi_version;
	__u64	features;
	char	module_version[HSM_VERSION_LEN];
	__u32	platform;
	__u32	platform_backend;
	__u64	platform_caps;
	__u32	page_size;
	__u32	max_connections;
	__u64	max_region_size;
	__u32	connections;
	__u32	reserved0;
	__u64	max_region_total;
	__u64	region_total;
	__u64	reserved[16];
};

/* The prefix every module writes: size, abi_version and features. */
#define HSM_INFO_SIZE_VER0	16
/* The largest info_size a caller may pass. */
#define HSM_INFO_SIZE_MAX	4096

/*
 * struct hsm_get_info - argument of HSM_IOC_GET_INFO.
 *
 * @info_ptr:	user address of a struct hsm_info (or a prefix of it)
 * @info_size:	bytes at info_ptr, at least HSM_INFO_SIZE_VER0
 * @flags:	must be 0
 * @reserved:	must be 0
 */
struct hsm_get_info {
	__u64	info_ptr;
	__u32	info_size;
	__u32	flags;
	__u64	reserved[2];
};

/*
 * struct hsm_shm_setup - argument of HSM_IOC_SHM_SETUP.
 *
 * @size:	bytes of the region: a non-zero multiple of the page size, at
 *		most max_region_size
 * @flags:	must be 0
 * @reserved0:	must be 0
 * @reserved:	must be 0
 */
struct hsm_shm_setup {
	__u64	size;
	__u32	flags;
	__u32	reserved0;
	__u64	reserved[2];
};

#define HSM_IOC_GET_INFO	_IOW(HSM_IOC_MAGIC, 0x00, struct hsm_get_info)
#define HSM_IOC_SHM_SETUP	_IOW(HSM_IOC_MAGIC, 0x01, struct hsm_shm_setup)

#endif /* _UAPI_LINUX_HSM_H */
