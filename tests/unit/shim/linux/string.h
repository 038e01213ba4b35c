/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_SHIM_LINUX_STRING_H
#define HSM_SHIM_LINUX_STRING_H
#include <stddef.h>
#include <string.h>
/* The first byte of p[0..n) that is not c, or NULL. */
static inline void *memchr_inv(const void *p, int c, size_t n)
{
	const unsigned char *s = p;
	for (size_t i = 0; i < n; i++)
		if (s[i] != (unsigned char)c)
			return (void *)(s + i);
	return NULL;
}
#endif
