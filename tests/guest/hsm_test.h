/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Helpers shared by the guest suites: open /dev/hsm, GET_INFO, and send one
 * command as an io_uring passthrough SQE, each asserting that it worked.
 */
#ifndef HSM_TEST_H
#define HSM_TEST_H

#include <criterion/criterion.h>
#include <hsm/raw.h>

static inline int hsm_open(void)
{
	int fd = hsm_raw_open(NULL);

	cr_assert_geq(fd, 0, "open %s: %s", HSM_DEVICE_PATH, strerror(-fd));
	return fd;
}

static inline struct hsm_info hsm_get_info_or_die(int fd)
{
	struct hsm_info info;

	cr_assert_eq(hsm_raw_get_info(fd, &info), (long)sizeof(info));
	return info;
}

/*
 * GET_INFO on a connection of its own.  The connection that asks is open
 * while the module answers, so .connections is one more than what is open
 * once this returns; hsm_connections() corrects for it.
 */
static inline struct hsm_info hsm_info_now(void)
{
	int fd = hsm_open();
	struct hsm_info info = hsm_get_info_or_die(fd);

	close(fd);
	return info;
}

static inline unsigned int hsm_connections(void)
{
	return hsm_info_now().connections - 1;
}

/*
 * The connection count once it has stopped moving: a process that ran an
 * earlier test may still be exiting, and the last fput of a dying task can
 * be deferred to a workqueue.
 */
static inline unsigned int hsm_connections_settled(void)
{
	unsigned int n = hsm_connections(), m;

	for (int i = 0; i < 40; i++) {
		usleep(50000);
		m = hsm_connections();
		if (m == n)
			break;
		n = m;
	}
	return n;
}

static inline void hsm_ring_init(struct io_uring *ring, unsigned int flags)
{
	int r = io_uring_queue_init(8, ring, flags);

	cr_assert_eq(r, 0, "io_uring_queue_init: %s", strerror(-r));
}

/*
 * Submit one IORING_OP_URING_CMD carrying `len` bytes of `arg` and wait
 * for its completion; returns cqe->res.  The ring may be one of 64-byte
 * SQEs, which the module refuses: the SQE is then prepared whole and its
 * first half is what the ring gets.
 */
static inline int hsm_uring_cmd_flags(struct io_uring *ring, int fd, __u32 op,
				      const void *arg, size_t len,
				      __u32 uring_cmd_flags)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	struct io_uring_sqe whole[2];
	struct io_uring_cqe *cqe;
	int big = !!(ring->flags & IORING_SETUP_SQE128);
	int r;

	cr_assert_not_null(sqe);
	cr_assert_leq(len, big ? HSM_CMD_MAX_SIZE : 16);
	hsm_raw_prep_cmd(whole, fd, op, arg, len);
	whole->uring_cmd_flags = uring_cmd_flags;
	whole->user_data = 0x6873;
	memcpy(sqe, whole, big ? sizeof(whole) : sizeof(*sqe));

	r = io_uring_submit(ring);
	cr_assert_eq(r, 1, "io_uring_submit: %s", strerror(-r));
	r = io_uring_wait_cqe(ring, &cqe);
	cr_assert_eq(r, 0, "io_uring_wait_cqe: %s", strerror(-r));
	cr_assert_eq(cqe->user_data, 0x6873);
	r = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return r;
}

static inline int hsm_uring_cmd(struct io_uring *ring, int fd, __u32 op,
				const void *arg, size_t len)
{
	return hsm_uring_cmd_flags(ring, fd, op, arg, len, 0);
}

#endif /* HSM_TEST_H */
