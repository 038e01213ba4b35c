/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note OR MIT */
/*
 * hsm/raw.h - the steps every user of the raw /dev/hsm ABI takes, as inline
 * helpers in the manner of liburing's: open the device, set up and map the
 * connection's shared region, make an SQE128 ring and prepare uring_cmd
 * SQEs on it.  For C and C++; the commands themselves are documented in
 * <linux/hsm.h>.
 *
 * Every helper that can fail returns a negative errno; none prints or
 * throws.
 *
 *	struct hsm_raw_conn c;
 *	struct io_uring ring;
 *	int r = hsm_raw_connect(&c, NULL, 1 << 20);	// open, SHM_SETUP, mmap
 *	if (r == 0)
 *		r = hsm_raw_queue_init(64, &ring);
 *	...
 *	struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
 *	hsm_raw_prep_op(sqe, c.fd, HSM_IOC_DIGEST, &op);
 *	io_uring_submit(&ring);
 *	...
 *	io_uring_queue_exit(&ring);
 *	hsm_raw_disconnect(&c);
 */
#ifndef HSM_RAW_H
#define HSM_RAW_H

#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/hsm.h>

#ifdef __cplusplus
#define HSM_RAW_NOEXCEPT noexcept
#else
#define HSM_RAW_NOEXCEPT
#endif

/* Bytes of an SQE on a ring set up with IORING_SETUP_SQE128. */
#define HSM_RAW_SQE_SIZE	(2 * sizeof(struct io_uring_sqe))

/*
 * Opens the device at path (HSM_DEVICE_PATH when NULL) read-write and
 * close-on-exec.  Returns the fd, or -errno from open(2): ENOENT without the
 * module, EACCES without the device's rights, EMFILE above
 * hsm.max_connections.
 */
static inline int hsm_raw_open(const char *path) HSM_RAW_NOEXCEPT
{
	int fd = open(path ? path : HSM_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/* ioctl(2) on the device: its result (>= 0), or -errno. */
static inline long hsm_raw_ioctl(int fd, unsigned long cmd, void *arg) HSM_RAW_NOEXCEPT
{
	long r = ioctl(fd, cmd, arg);

	return r < 0 ? -errno : r;
}

/*
 * HSM_IOC_GET_INFO into *info (zeroed first).  Returns the bytes the
 * module wrote, which is sizeof(*info) from a module of this ABI or later,
 * or -errno.
 */
static inline long hsm_raw_get_info(int fd, struct hsm_info *info) HSM_RAW_NOEXCEPT
{
	struct hsm_get_info req;

	memset(info, 0, sizeof(*info));
	memset(&req, 0, sizeof(req));
	req.info_ptr = (__u64)(uintptr_t)info;
	req.info_size = sizeof(*info);
	return hsm_raw_ioctl(fd, HSM_IOC_GET_INFO, &req);
}

/*
 * HSM_IOC_SHM_SETUP of a region of size bytes (a multiple of the page
 * size).  Returns 0 or -errno; EEXIST when the connection, perhaps through
 * another holder of the fd, has its region already.
 */
static inline int hsm_raw_shm_setup(int fd, size_t size) HSM_RAW_NOEXCEPT
{
	struct hsm_shm_setup s;

	memset(&s, 0, sizeof(s));
	s.size = size;
	return (int)hsm_raw_ioctl(fd, HSM_IOC_SHM_SETUP, &s);
}

/*
 * Maps size bytes of the connection's region from its start, shared and
 * read-write, at *base.  Returns 0 or -errno from mmap(2).  The mapping is
 * not inherited across fork(): a child maps the region again.
 */
static inline int hsm_raw_map(int fd, size_t size, void **base) HSM_RAW_NOEXCEPT
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		       (off_t)HSM_SHM_MMAP_OFFSET);

	if (p == MAP_FAILED)
		return -errno;
	*base = p;
	return 0;
}

/* An open device with its region set up and mapped. */
struct hsm_raw_conn {
	int fd;
	void *base;
	size_t size;
};

/*
 * Opens the device at path (HSM_DEVICE_PATH when NULL), sets up a region of
 * size bytes and maps it.  Returns 0, or -errno of the step that failed
 * with nothing left open; c->fd is then -1.
 */
static inline int hsm_raw_connect(struct hsm_raw_conn *c, const char *path,
				  size_t size) HSM_RAW_NOEXCEPT
{
	int r = hsm_raw_open(path);

	c->fd = -1;
	c->base = NULL;
	c->size = 0;
	if (r < 0)
		return r;
	c->fd = r;
	r = hsm_raw_shm_setup(c->fd, size);
	if (!r)
		r = hsm_raw_map(c->fd, size, &c->base);
	if (r) {
		close(c->fd);
		c->fd = -1;
		return r;
	}
	c->size = size;
	return 0;
}

/* Unmaps the region and closes the fd of a connection hsm_raw_connect made. */
static inline void hsm_raw_disconnect(struct hsm_raw_conn *c) HSM_RAW_NOEXCEPT
{
	if (c->base)
		munmap(c->base, c->size);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->base = NULL;
	c->size = 0;
}

/*
 * A ring of entries SQEs for the device's commands: every command is
 * accepted as IORING_OP_URING_CMD, and only on a ring set up with
 * IORING_SETUP_SQE128 (the command area of a 64-byte SQE is too small).
 * Returns 0 or -errno from io_uring_queue_init().
 */
static inline int hsm_raw_queue_init(unsigned int entries, struct io_uring *ring) HSM_RAW_NOEXCEPT
{
	return io_uring_queue_init(entries, ring, IORING_SETUP_SQE128);
}

/*
 * Prepares sqe, of a ring hsm_raw_queue_init() made, as command cmd on fd
 * with the len bytes at arg as its argument; len is at most
 * HSM_CMD_MAX_SIZE, the caller's to check.  Every other byte of the SQE is
 * zeroed, user_data included.
 */
static inline void hsm_raw_prep_cmd(struct io_uring_sqe *sqe, int fd, __u32 cmd,
				    const void *arg, size_t len) HSM_RAW_NOEXCEPT
{
	memset(sqe, 0, HSM_RAW_SQE_SIZE);
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = fd;
	sqe->cmd_op = cmd;
	memcpy(sqe->cmd, arg, len);
}

/* hsm_raw_prep_cmd() of a data-plane command's struct hsm_op. */
static inline void hsm_raw_prep_op(struct io_uring_sqe *sqe, int fd, __u32 cmd,
				   const struct hsm_op *op) HSM_RAW_NOEXCEPT
{
	hsm_raw_prep_cmd(sqe, fd, cmd, op, sizeof(*op));
}

#undef HSM_RAW_NOEXCEPT

#endif /* HSM_RAW_H */
