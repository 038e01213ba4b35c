// SPDX-License-Identifier: GPL-2.0 OR MIT
/* The connection's shared region: setup, mmap sizes and bounds, limits. */
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "hsm_test.h"

static int fd;
static struct hsm_info info;
static size_t page;

static void setup(void)
{
	fd = hsm_open();
	info = hsm_get_info_or_die(fd);
	page = info.page_size;
}

static void teardown(void)
{
	close(fd);
}

TestSuite(shm, .init = setup, .fini = teardown);

static long shm_setup(int cfd, __u64 size)
{
	struct hsm_shm_setup c = { .size = size };

	return hsm_raw_ioctl(cfd, HSM_IOC_SHM_SETUP, &c);
}

static void *map(int cfd, size_t len, off_t off, int prot, int flags)
{
	return mmap(NULL, len, prot, flags, cfd, off);
}

Test(shm, mmap_before_setup_is_ebadfd)
{
	cr_expect_eq(map(fd, page, 0, PROT_READ | PROT_WRITE, MAP_SHARED), MAP_FAILED);
	cr_expect_eq(errno, EBADFD);
}

Test(shm, region_is_zeroed_and_shared_between_mappings)
{
	size_t size = 4 * page;
	unsigned char *a, *b;

	cr_assert_eq(shm_setup(fd, size), 0);
	a = map(fd, size, HSM_SHM_MMAP_OFFSET, PROT_READ | PROT_WRITE, MAP_SHARED);
	cr_assert_neq(a, MAP_FAILED, "mmap: %s", strerror(errno));
	for (size_t i = 0; i < size; i++)
		cr_assert_eq(a[i], 0, "byte %zu not zeroed", i);

	/* A second mapping of the last two pages sees the first one's writes. */
	b = map(fd, 2 * page, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED);
	cr_assert_neq(b, MAP_FAILED, "mmap at offset: %s", strerror(errno));
	memset(a + 2 * page, 0x5a, page);
	cr_expect_eq(b[0], 0x5a);
	cr_expect_eq(b[page - 1], 0x5a);
	b[page] = 0x77;
	cr_expect_eq(a[3 * page], 0x77);
	munmap(a, size);
	munmap(b, 2 * page);
}

Test(shm, setup_twice_is_eexist)
{
	cr_assert_eq(shm_setup(fd, page), 0);
	cr_expect_eq(shm_setup(fd, page), -EEXIST);
	cr_expect_eq(shm_setup(fd, 2 * page), -EEXIST);
}

Test(shm, setup_sizes)
{
	cr_expect_eq(shm_setup(fd, 0), -EINVAL);
	cr_expect_eq(shm_setup(fd, page - 1), -EINVAL);
	cr_expect_eq(shm_setup(fd, page + 1), -EINVAL);
	cr_expect_eq(shm_setup(fd, info.max_region_size + page), -E2BIG);
	cr_expect_eq(shm_setup(fd, ~0ULL & ~(__u64)(page - 1)), -E2BIG);
	/* The failures left the connection without a region. */
	cr_expect_eq(shm_setup(fd, page), 0);
}

Test(shm, largest_region_maps)
{
	unsigned char *p;

	cr_assert_eq(shm_setup(fd, info.max_region_size), 0);
	p = map(fd, info.max_region_size, 0, PROT_READ | PROT_WRITE, MAP_SHARED);
	cr_assert_neq(p, MAP_FAILED, "mmap: %s", strerror(errno));
	p[info.max_region_size - 1] = 1;
	munmap(p, info.max_region_size);
}

Test(shm, mmap_bounds)
{
	size_t size = 4 * page;

	cr_assert_eq(shm_setup(fd, size), 0);
	cr_expect_eq(map(fd, size + page, 0, PROT_READ, MAP_SHARED), MAP_FAILED);
	cr_expect_eq(errno, EINVAL);
	cr_expect_eq(map(fd, 2 * page, 3 * page, PROT_READ, MAP_SHARED), MAP_FAILED);
	cr_expect_eq(errno, EINVAL);
	cr_expect_eq(map(fd, page, size, PROT_READ, MAP_SHARED), MAP_FAILED);
	cr_expect_eq(errno, EINVAL);
	/* The largest page offset: its end overflows in bytes. */
	cr_expect_eq(map(fd, page, (off_t)(~0ULL >> 1) & ~(off_t)(page - 1),
			 PROT_READ, MAP_SHARED), MAP_FAILED);
	cr_expect_eq(map(fd, page, 3 * page, PROT_READ, MAP_SHARED) == MAP_FAILED, 0);
}

Test(shm, private_and_exec_mappings_are_refused)
{
	cr_assert_eq(shm_setup(fd, page), 0);
	cr_expect_eq(map(fd, page, 0, PROT_READ | PROT_WRITE, MAP_PRIVATE), MAP_FAILED);
	cr_expect_eq(errno, EINVAL);
	cr_expect_eq(map(fd, page, 0, PROT_READ | PROT_EXEC, MAP_SHARED), MAP_FAILED);
	cr_expect_eq(errno, EPERM);

	void *p = map(fd, page, 0, PROT_READ, MAP_SHARED);
	cr_assert_neq(p, MAP_FAILED);
	cr_expect_eq(mprotect(p, page, PROT_READ | PROT_EXEC), -1);
	cr_expect_eq(mremap(p, page, 2 * page, MREMAP_MAYMOVE), MAP_FAILED);
	munmap(p, page);
}

Test(shm, mapping_is_not_inherited_by_fork)
{
	volatile unsigned char *p;
	pid_t pid;
	int status;

	cr_assert_eq(shm_setup(fd, page), 0);
	p = map(fd, page, 0, PROT_READ | PROT_WRITE, MAP_SHARED);
	cr_assert_neq(p, MAP_FAILED);
	p[0] = 1;
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);
		(void)p[0];	/* must fault: VM_DONTCOPY */
		_exit(0);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_expect(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV,
		  "child read the parent's region (status %#x)", status);
	munmap((void *)p, page);
}

Test(shm, setup_through_io_uring)
{
	struct io_uring ring;
	struct hsm_shm_setup c = { .size = 2 * page };
	unsigned char *p;

	hsm_ring_init(&ring, IORING_SETUP_SQE128);
	cr_expect_eq(hsm_uring_cmd(&ring, fd, HSM_IOC_SHM_SETUP, &c, sizeof(c)), 0);
	cr_expect_eq(hsm_uring_cmd(&ring, fd, HSM_IOC_SHM_SETUP, &c, sizeof(c)), -EEXIST);
	c.size = info.max_region_size + page;
	cr_expect_eq(hsm_uring_cmd(&ring, fd, HSM_IOC_SHM_SETUP, &c, sizeof(c)), -E2BIG);
	io_uring_queue_exit(&ring);
	p = map(fd, 2 * page, 0, PROT_READ | PROT_WRITE, MAP_SHARED);
	cr_expect_neq(p, MAP_FAILED);
	munmap(p, 2 * page);
}

Test(shm, region_total_is_bounded_and_released)
{
	__u64 size = info.max_region_size;
	size_t n = info.max_region_total / size + 1;
	__u64 before = hsm_info_now().region_total;
	int *fds = calloc(n, sizeof(int));
	size_t ok = 0;
	long r = 0;

	cr_assert_not_null(fds);
	cr_assert_lt(n, info.max_connections, "raise max_connections for this test");
	for (size_t i = 0; i < n; i++) {
		fds[i] = hsm_open();
		r = shm_setup(fds[i], size);
		if (r)
			break;
		ok++;
	}
	cr_expect_eq(r, -ENOSPC, "region %zu of %llu bytes: %ld", ok, (unsigned long long)size, r);
	cr_expect_leq(hsm_info_now().region_total, info.max_region_total);
	cr_expect_eq(hsm_info_now().region_total, before + ok * size);
	for (size_t i = 0; i <= ok && i < n; i++)
		close(fds[i]);
	cr_expect_eq(hsm_info_now().region_total, before);
	free(fds);
}

Test(shm, region_outlives_close_while_mapped)
{
	__u64 before = hsm_info_now().region_total;
	int cfd = hsm_open();
	unsigned char *p;

	cr_assert_eq(shm_setup(cfd, page), 0);
	p = map(cfd, page, 0, PROT_READ | PROT_WRITE, MAP_SHARED);
	cr_assert_neq(p, MAP_FAILED);
	close(cfd);
	/* The mapping holds the connection: the region is still there. */
	p[0] = 42;
	cr_expect_eq(p[0], 42);
	cr_expect_eq(hsm_info_now().region_total, before + page);
	munmap(p, page);
	cr_expect_eq(hsm_info_now().region_total, before);
}
