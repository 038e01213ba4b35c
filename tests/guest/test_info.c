// SPDX-License-Identifier: GPL-2.0 OR MIT
/* HSM_IOC_GET_INFO through ioctl and io_uring. */
#include <stdlib.h>
#include <sys/mman.h>

#include "hsm_test.h"

static int fd;
static void setup(void) { fd = hsm_open(); }
static void teardown(void) { close(fd); }

TestSuite(info, .init = setup, .fini = teardown);

static void check_info(const struct hsm_info *info)
{
	cr_expect_eq(info->size, sizeof(*info));
	cr_expect_eq(info->abi_version, HSM_ABI_VERSION);
	cr_expect(info->features & HSM_FEAT_SHM);
	cr_expect(info->features & HSM_FEAT_URING_CMD);
	cr_expect_neq(info->module_version[0], '\0');
	cr_expect_lt(strnlen(info->module_version, sizeof(info->module_version)),
		     sizeof(info->module_version));
	cr_expect_eq(info->page_size, (unsigned)sysconf(_SC_PAGESIZE));
	cr_expect_gt(info->max_connections, 0);
	cr_expect_geq(info->connections, 1);
	cr_expect_leq(info->connections, info->max_connections);
	cr_expect_gt(info->max_region_size, 0);
	cr_expect_eq(info->max_region_size % info->page_size, 0);
	cr_expect_geq(info->max_region_total, info->max_region_size);
	cr_expect_leq(info->platform, HSM_PLATFORM_TDX);
	cr_expect_leq(info->platform_backend, HSM_BACKEND_SIMULATED);
	cr_expect_leq(info->snp_backend, HSM_BACKEND_SIMULATED);
	cr_expect_leq(info->tdx_backend, HSM_BACKEND_SIMULATED);
	cr_expect_leq(info->snp_path, HSM_PATH_UNSUPPORTED);
	cr_expect_leq(info->tdx_path, HSM_PATH_UNSUPPORTED);
	/* A platform is served exactly when its backend is not NONE. */
	cr_expect_eq(info->snp_backend == HSM_BACKEND_NONE,
		     info->snp_path == HSM_PATH_NONE || info->snp_path == HSM_PATH_TAKEN ||
		     info->snp_path == HSM_PATH_UNSUPPORTED);
	cr_expect_eq(info->tdx_backend == HSM_BACKEND_NONE,
		     info->tdx_path == HSM_PATH_NONE || info->tdx_path == HSM_PATH_TAKEN ||
		     info->tdx_path == HSM_PATH_UNSUPPORTED);
	cr_expect_eq(!!(info->features & HSM_FEAT_PLATFORM), !!info->platform_caps);
	for (size_t i = 0; i < sizeof(info->reserved) / sizeof(info->reserved[0]); i++)
		cr_expect_eq(info->reserved[i], 0);
}

Test(info, ioctl_reports_sane_values)
{
	struct hsm_info info = hsm_get_info_or_die(fd);

	check_info(&info);
}

Test(info, uring_cmd_matches_ioctl)
{
	struct io_uring ring;
	struct hsm_info a = hsm_get_info_or_die(fd), b;
	struct hsm_get_info req = { .info_ptr = (uintptr_t)&b, .info_size = sizeof(b) };

	memset(&b, 0xa5, sizeof(b));
	hsm_ring_init(&ring, IORING_SETUP_SQE128);
	cr_assert_eq(hsm_uring_cmd(&ring, fd, HSM_IOC_GET_INFO, &req, sizeof(req)),
		     (int)sizeof(b));
	io_uring_queue_exit(&ring);
	check_info(&b);
	cr_expect_str_eq(a.module_version, b.module_version);
	cr_expect_eq(a.features, b.features);
	cr_expect_eq(a.max_region_size, b.max_region_size);
}

Test(info, short_buffer_gets_prefix_only)
{
	union {
		struct hsm_info info;
		unsigned char b[sizeof(struct hsm_info)];
	} u;
	struct hsm_get_info req = { .info_ptr = (uintptr_t)&u,
				    .info_size = HSM_INFO_SIZE_VER0 };

	memset(&u, 0xa5, sizeof(u));
	cr_assert_eq(hsm_raw_ioctl(fd, HSM_IOC_GET_INFO, &req), HSM_INFO_SIZE_VER0);
	cr_expect_eq(u.info.abi_version, HSM_ABI_VERSION);
	cr_expect_eq(u.info.size, sizeof(struct hsm_info));
	for (size_t i = HSM_INFO_SIZE_VER0; i < sizeof(u); i++)
		cr_expect_eq(u.b[i], 0xa5, "byte %zu beyond info_size was written", i);
}

Test(info, long_buffer_is_zero_filled)
{
	size_t n = sizeof(struct hsm_info) + 256;
	unsigned char *buf = malloc(n);
	struct hsm_get_info req = { .info_ptr = (uintptr_t)buf, .info_size = n };

	memset(buf, 0xa5, n);
	cr_assert_eq(hsm_raw_ioctl(fd, HSM_IOC_GET_INFO, &req), (long)sizeof(struct hsm_info));
	for (size_t i = sizeof(struct hsm_info); i < n; i++)
		cr_expect_eq(buf[i], 0, "tail byte %zu not cleared", i);
	free(buf);
}

Test(info, bad_sizes_are_einval)
{
	struct hsm_info info;
	struct hsm_get_info req = { .info_ptr = (uintptr_t)&info };

	req.info_size = HSM_INFO_SIZE_VER0 - 1;
	cr_expect_eq(hsm_raw_ioctl(fd, HSM_IOC_GET_INFO, &req), -EINVAL);
	req.info_size = HSM_INFO_SIZE_MAX + 1;
	cr_expect_eq(hsm_raw_ioctl(fd, HSM_IOC_GET_INFO, &req), -EINVAL);
}

Test(info, unmapped_pointer_is_efault)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct hsm_get_info req = { .info_ptr = (uintptr_t)p,
				    .info_size = sizeof(struct hsm_info) };
	struct io_uring ring;

	cr_assert_neq(p, MAP_FAILED);
	cr_expect_eq(hsm_raw_ioctl(fd, HSM_IOC_GET_INFO, &req), -EFAULT);
	hsm_ring_init(&ring, IORING_SETUP_SQE128);
	cr_expect_eq(hsm_uring_cmd(&ring, fd, HSM_IOC_GET_INFO, &req, sizeof(req)), -EFAULT);
	io_uring_queue_exit(&ring);
	req.info_ptr = 0;
	cr_expect_eq(hsm_raw_ioctl(fd, HSM_IOC_GET_INFO, &req), -EFAULT);
	munmap(p, page);
}

Test(info, linked_commands_complete_in_order)
{
	/* A positive result must not count as a failure that breaks a link. */
	struct io_uring ring;
	struct hsm_info a, b;
	struct hsm_get_info ra = { .info_ptr = (uintptr_t)&a, .info_size = sizeof(a) };
	struct hsm_get_info rb = { .info_ptr = (uintptr_t)&b, .info_size = sizeof(b) };
	struct io_uring_cqe *cqe;

	hsm_ring_init(&ring, IORING_SETUP_SQE128);
	for (int i = 0; i < 2; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

		cr_assert_not_null(sqe);
		hsm_raw_prep_cmd(sqe, fd, HSM_IOC_GET_INFO, i == 0 ? &ra : &rb, sizeof(ra));
		sqe->user_data = i;
		sqe->flags = i == 0 ? IOSQE_IO_LINK : 0;
	}
	cr_assert_eq(io_uring_submit(&ring), 2);
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(io_uring_wait_cqe(&ring, &cqe), 0);
		cr_expect_eq(cqe->res, (int)sizeof(a), "request %llu",
			     (unsigned long long)cqe->user_data);
		io_uring_cqe_seen(&ring, cqe);
	}
	io_uring_queue_exit(&ring);
}

Test(info, algorithms_list_supported_and_unsupported)
{
	struct hsm_alg_info algs[128];
	struct hsm_get_algs req = { .algs_ptr = (uintptr_t)algs, .count = 0 };
	long n, i;
	int supported = 0, gcm = 0, ecdsa = 0;

	n = hsm_raw_ioctl(fd, HSM_IOC_GET_ALGS, &req);
	cr_assert_gt(n, 10, "count with no room: %ld", n);
	cr_assert_leq(n, 128);
	req.count = n;
	memset(algs, 0xa5, sizeof(algs));
	cr_assert_eq(hsm_raw_ioctl(fd, HSM_IOC_GET_ALGS, &req), n);
	for (i = 0; i < n; i++) {
		cr_expect_lt(strnlen(algs[i].name, sizeof(algs[i].name)), sizeof(algs[i].name));
		cr_expect_eq(algs[i].reserved[0], 0);
		supported += !!(algs[i].flags & HSM_ALG_F_SUPPORTED);
		if (!strcmp(algs[i].name, "aes-256-gcm")) {
			gcm = 1;
			cr_expect_eq(algs[i].kind, HSM_ALG_KIND_AEAD);
			cr_expect_eq(algs[i].key_min, 32);
			cr_expect_eq(algs[i].iv_len, 12);
			cr_expect(algs[i].flags & HSM_ALG_F_SUPPORTED);
		}
		if (!strcmp(algs[i].name, "ecdsa-p256-sha256")) {
			struct hsm_info info;

			ecdsa = 1;
			cr_assert_eq(hsm_raw_get_info(fd, &info), sizeof(info));
			cr_expect(algs[i].flags & HSM_ALG_F_WORKER, "the worker's");
			cr_expect_eq(!!(algs[i].flags & HSM_ALG_F_SUPPORTED), !!info.worker_slots,
				     "served exactly while a worker is attached");
		}
		if (!strcmp(algs[i].name, "ml-dsa-65"))
			cr_expect_eq(algs[i].flags & HSM_ALG_F_SUPPORTED, 0,
				     "Debian 12's OpenSSL has no ML-DSA: reported, not faked");
	}
	cr_expect(gcm && ecdsa);
	cr_expect_lt(supported, n);
	cr_expect_eq(((unsigned char *)&algs[n])[0], 0xa5, "nothing written past the list");

	req.count = 2;
	cr_expect_eq(hsm_raw_ioctl(fd, HSM_IOC_GET_ALGS, &req), n, "a short list still tells the total");
	req.flags = 1;
	cr_expect_eq(hsm_raw_ioctl(fd, HSM_IOC_GET_ALGS, &req), -EINVAL);
}

Test(info, selftest_runs_again)
{
	struct hsm_selftest st = { 0 };
	struct io_uring ring;
	long n = hsm_raw_ioctl(fd, HSM_IOC_SELFTEST, &st);

	cr_expect_geq(n, 22, "known-answer tests passed: %ld", n);
	hsm_ring_init(&ring, IORING_SETUP_SQE128);
	cr_expect_eq(hsm_uring_cmd(&ring, fd, HSM_IOC_SELFTEST, &st, sizeof(st)), n);
	io_uring_queue_exit(&ring);
	st.reserved0 = 1;
	cr_expect_eq(hsm_raw_ioctl(fd, HSM_IOC_SELFTEST, &st), -EINVAL);
	cr_expect_eq(system("hsmctl selftest >/dev/null"), 0);
}
