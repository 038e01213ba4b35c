// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Connections: open/close, many at once, the max_connections limit. */
#include <pthread.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include "hsm_test.h"

Test(device, is_a_char_device_for_root_only)
{
	struct stat st;

	cr_assert_eq(stat(HSM_DEVICE_PATH, &st), 0);
	cr_expect(S_ISCHR(st.st_mode));
	cr_expect_eq(st.st_mode & 0777, 0660);
	cr_expect_eq(major(st.st_rdev), 10, "a misc device");
}

Test(device, open_close_counts_connections)
{
	unsigned int base = hsm_connections_settled();
	int a = hsm_open(), b = hsm_open();

	cr_expect_eq(hsm_get_info_or_die(a).connections, base + 2);
	close(b);
	cr_expect_eq(hsm_get_info_or_die(a).connections, base + 1);
	close(a);
	cr_expect_eq(hsm_connections(), base);
}

Test(device, max_connections_is_enfile_then_recovers)
{
	struct hsm_info info = hsm_info_now();
	unsigned int base = hsm_connections_settled();
	unsigned int n = info.max_connections - base;
	struct rlimit rl = { n + 64, n + 64 };
	int *fds = calloc(n, sizeof(int));
	int extra;

	cr_assert_not_null(fds);
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0, "setrlimit: %s", strerror(errno));
	for (unsigned int i = 0; i < n; i++)
		fds[i] = hsm_open();
	cr_expect_eq(open(HSM_DEVICE_PATH, O_RDWR), -1);
	cr_expect_eq(errno, ENFILE);

	close(fds[n / 2]);
	extra = open(HSM_DEVICE_PATH, O_RDWR);
	cr_expect_geq(extra, 0, "a freed slot can be used again: %s", strerror(errno));
	cr_expect_eq(hsm_get_info_or_die(extra).connections, info.max_connections);
	close(extra);
	for (unsigned int i = 0; i < n; i++)
		if (i != n / 2)
			close(fds[i]);
	cr_expect_eq(hsm_connections(), base);
	free(fds);
}

static void *open_close_loop(void *arg)
{
	(void)arg;
	for (int i = 0; i < 200; i++) {
		int fd = open(HSM_DEVICE_PATH, O_RDWR);
		if (fd < 0)
			return (void *)(long)errno;
		struct hsm_info info;
		struct hsm_get_info req = { .info_ptr = (uintptr_t)&info,
					    .info_size = sizeof(info) };
		if (ioctl(fd, HSM_IOC_GET_INFO, &req) != sizeof(info)) {
			close(fd);
			return (void *)(long)EIO;
		}
		close(fd);
	}
	return NULL;
}

Test(device, concurrent_open_close)
{
	enum { THREADS = 8 };
	unsigned int base = hsm_connections_settled();
	pthread_t t[THREADS];

	for (int i = 0; i < THREADS; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, open_close_loop, NULL), 0);
	for (int i = 0; i < THREADS; i++) {
		void *ret;
		pthread_join(t[i], &ret);
		cr_expect_null(ret, "thread %d: %s", i, strerror((int)(long)ret));
	}
	cr_expect_eq(hsm_connections(), base);
}

Test(device, dying_process_releases_its_connections)
{
	unsigned int base = hsm_connections_settled();
	pid_t pid = fork();
	int status;

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		for (int i = 0; i < 16; i++) {
			int fd = open(HSM_DEVICE_PATH, O_RDWR);
			struct hsm_shm_setup c = { .size = 4096 };
			if (fd < 0 || ioctl(fd, HSM_IOC_SHM_SETUP, &c))
				_exit(1);
		}
		raise(SIGKILL);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_expect(WIFSIGNALED(status));
	/* The last fput of a dying task may be deferred to a workqueue. */
	cr_expect_eq(hsm_connections_settled(), base, "%d connections left of the dead process",
		     (int)(hsm_connections() - base));
}
