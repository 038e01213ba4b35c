/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_SHIM_LINUX_STRING_H
#define HSM_SHIM_LINUX_STRING_H
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/types.h>
/* The first byte of p[0..n) that is not c, or NULL. */
static inline void *memchr_inv(const void *p, int c, size_t n)
{
	const unsigned char *s = p;
	for (size_t i = 0; i < n; i++)
		if (s[i] != (unsigned char)c)
			return (void *)(s + i);
	return NULL;
}
/* src and a NUL into size bytes at dst: its length, or -E2BIG, cut short. */
static inline ssize_t strscpy(char *dst, const char *src, size_t size)
{
	size_t len = strnlen(src, size);
	if (!size)
		return -E2BIG;
	if (len == size) {
		memcpy(dst, src, size - 1);
		dst[size - 1] = '\0';
		return -E2BIG;
	}
	memcpy(dst, src, len + 1);
	return len;
}
#endif
