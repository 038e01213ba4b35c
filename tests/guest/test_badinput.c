// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Every class of malformed command, through both ioctl and io_uring, gets
 * its documented error, and the device keeps serving afterwards.
 */
#include <sys/mman.h>

#include "hsm_test.h"

static int fd;
static struct io_uring ring;

static void setup(void)
{
	fd = hsm_open();
	hsm_ring_init(&ring, IORING_SETUP_SQE128);
}

static void teardown(void)
{
	/* Whatever came before, the connection still answers. */
	struct hsm_info info = hsm_get_info_or_die(fd);

	cr_expect_eq(info.abi_version, HSM_ABI_VERSION);
	io_uring_queue_exit(&ring);
	close(fd);
}

TestSuite(badinput, .init = setup, .fini = teardown);

/* Both paths must give the same answer for the same bytes. */
static void expect_both(unsigned int cmd, const void *arg, size_t len, int err)
{
	unsigned char buf[HSM_CMD_MAX_SIZE] = { 0 };

	memcpy(buf, arg, len);
	cr_expect_eq(hsm_raw_ioctl(fd, cmd, buf), err, "ioctl %#x", cmd);
	cr_expect_eq(hsm_uring_cmd(&ring, fd, cmd, buf, sizeof(buf)), err,
		     "uring_cmd %#x", cmd);
}

/*
 * Is nr a command of this module?  Every number of the ABI's table is,
 * except test hooks in a module built without them.
 */
static bool served_nr(unsigned int nr, __u64 features)
{
#define HSM_SERVED(name, n, arg, cls) \
	if ((n) == nr) \
		return !((cls) & HSM_CMD_TEST) || (features & HSM_FEAT_TEST_HOOKS);
	HSM_COMMANDS(HSM_SERVED)
#undef HSM_SERVED
	return false;
}

Test(badinput, unknown_numbers_are_enotty)
{
	unsigned char zero[HSM_CMD_MAX_SIZE] = { 0 };
	__u64 features = hsm_get_info_or_die(fd).features;

	for (unsigned int nr = 0x00; nr <= 0xff; nr++) {
		unsigned int cmd = _IOW('H', nr, struct hsm_get_info);

		/* Structs of this size, where zeros are a valid command. */
		if (cmd == HSM_IOC_GET_INFO || cmd == HSM_IOC_SHM_SETUP ||
		    cmd == HSM_IOC_CONN_CONFIG || cmd == HSM_IOC_GET_ALGS ||
		    cmd == HSM_IOC_SELFTEST)
			continue;
		/* Known numbers with another size are EINVAL, not ENOTTY. */
		expect_both(cmd, zero, 32, served_nr(nr, features) ? -EINVAL : -ENOTTY);
	}
	expect_both(_IOW('h', 0x00, struct hsm_get_info), zero, 32, -ENOTTY);
	expect_both(_IO('H', 0x00), zero, 0, -EINVAL);
	expect_both(0, zero, 0, -ENOTTY);
}

/*
 * A command that takes no handle refuses one (hsm_op.handle: "0 where the
 * command takes none"), before it does anything: no key is made.
 */
Test(badinput, handle_where_none_is_taken_is_einval)
{
	static const char alg[] = "aes-256-gcm";
	struct hsm_shm_setup ss = { .size = 4096 };
	struct hsm_key_params *kp;
	struct hsm_op op = { .resp_off = HSM_RESP_NONE };
	struct hsm_op list = { .resp_off = HSM_RESP_NONE };
	void *region;

	cr_assert_eq(hsm_raw_ioctl(fd, HSM_IOC_SHM_SETUP, &ss), 0);
	region = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	cr_assert_neq(region, MAP_FAILED);
	kp = region;
	memcpy(kp->alg, alg, sizeof(alg));
	kp->perms = HSM_PERM_ENCRYPT | HSM_PERM_DECRYPT;
	op.params = (struct hsm_ref){ .off = 0, .len = sizeof(*kp) };
	op.resp_off = 512;

	op.handle = 1;
	expect_both(HSM_IOC_KEY_GENERATE, &op, sizeof(op), -EINVAL);
	/* KEY_LIST answers how many keys the connection has. */
	list.out = (struct hsm_ref){ .off = 2048, .len = 2048 };
	cr_expect_eq(hsm_raw_ioctl(fd, HSM_IOC_KEY_LIST, &list), 0, "no key was made");
	op.handle = 0;
	cr_expect_eq(hsm_raw_ioctl(fd, HSM_IOC_KEY_GENERATE, &op), 0);
	cr_expect_eq(hsm_raw_ioctl(fd, HSM_IOC_KEY_LIST, &list), 1);
	op.handle = 1;
	op.params = (struct hsm_ref){ 0 };
	op.resp_off = HSM_RESP_NONE;
	op.out = (struct hsm_ref){ .off = 1024, .len = 16 };
	expect_both(HSM_IOC_RANDOM, &op, sizeof(op), -EINVAL);
	expect_both(HSM_IOC_SLOT_LIST, &op, sizeof(op), -EINVAL);
	munmap(region, 4096);
}

Test(badinput, wrong_size_or_direction_is_einval)
{
	unsigned char zero[HSM_CMD_MAX_SIZE] = { 0 };

	expect_both(_IOC(_IOC_WRITE, 'H', 0x00, 24), zero, 24, -EINVAL);
	expect_both(_IOC(_IOC_WRITE, 'H', 0x00, 40), zero, 40, -EINVAL);
	expect_both(_IOWR('H', 0x00, struct hsm_get_info), zero, 32, -EINVAL);
	expect_both(_IOR('H', 0x01, struct hsm_shm_setup), zero, 32, -EINVAL);
	expect_both(_IOC(_IOC_WRITE, 'H', 0x01, 8), zero, 8, -EINVAL);
}

Test(badinput, unknown_flags_are_einval)
{
	struct hsm_info info;
	struct hsm_get_info gi = { .info_ptr = (uintptr_t)&info, .info_size = sizeof(info) };
	struct hsm_shm_setup ss = { .size = 4096 };

	for (int bit = 0; bit < 32; bit++) {
		gi.flags = 1u << bit;
		expect_both(HSM_IOC_GET_INFO, &gi, sizeof(gi), -EINVAL);
		ss.flags = 1u << bit;
		expect_both(HSM_IOC_SHM_SETUP, &ss, sizeof(ss), -EINVAL);
	}
}

Test(badinput, reserved_fields_are_einval)
{
	struct hsm_info info;
	struct hsm_get_info gi = { .info_ptr = (uintptr_t)&info, .info_size = sizeof(info) };
	struct hsm_shm_setup ss = { .size = 4096 };

	gi.reserved[0] = 1;
	expect_both(HSM_IOC_GET_INFO, &gi, sizeof(gi), -EINVAL);
	gi.reserved[0] = 0;
	gi.reserved[1] = 1ULL << 63;
	expect_both(HSM_IOC_GET_INFO, &gi, sizeof(gi), -EINVAL);

	ss.reserved0 = 1;
	expect_both(HSM_IOC_SHM_SETUP, &ss, sizeof(ss), -EINVAL);
	ss.reserved0 = 0;
	ss.reserved[1] = 2;
	expect_both(HSM_IOC_SHM_SETUP, &ss, sizeof(ss), -EINVAL);
}

Test(badinput, uring_cmd_needs_sqe128)
{
	struct io_uring small;
	struct hsm_info info;
	struct hsm_get_info gi = { .info_ptr = (uintptr_t)&info, .info_size = sizeof(info) };

	hsm_ring_init(&small, 0);
	/* Only 16 bytes fit a normal SQE: the command cannot be whole. */
	cr_expect_eq(hsm_uring_cmd(&small, fd, HSM_IOC_GET_INFO, &gi, 16), -EINVAL);
	io_uring_queue_exit(&small);
}

Test(badinput, uring_cmd_flags_are_einval)
{
	static char buf[4096] __attribute__((aligned(4096)));
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	int r;
	struct hsm_info info;
	struct hsm_get_info gi = { .info_ptr = (uintptr_t)&info, .info_size = sizeof(info) };

	/* IORING_URING_CMD_FIXED passes io_uring's own checks only with a
	 * registered buffer; the module must still refuse it. */
	r = io_uring_register_buffers(&ring, &iov, 1);
	cr_assert_eq(r, 0, "io_uring_register_buffers: %s", strerror(-r));
	cr_expect_eq(hsm_uring_cmd_flags(&ring, fd, HSM_IOC_GET_INFO, &gi, sizeof(gi),
					 IORING_URING_CMD_FIXED), -EINVAL);
	io_uring_unregister_buffers(&ring);
}

Test(badinput, unmapped_argument_is_efault)
{
	cr_expect_eq(hsm_raw_ioctl(fd, HSM_IOC_GET_INFO, NULL), -EFAULT);
	cr_expect_eq(hsm_raw_ioctl(fd, HSM_IOC_SHM_SETUP, (void *)8), -EFAULT);
}

Test(badinput, other_file_ops_are_refused)
{
	char c;

	cr_expect_eq(read(fd, &c, 1), -1);
	cr_expect_eq(write(fd, &c, 1), -1);
	cr_expect_eq(lseek(fd, 0, SEEK_SET), -1);
	cr_expect_eq(errno, ESPIPE);
}
