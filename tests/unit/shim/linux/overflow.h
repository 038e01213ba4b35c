/* SPDX-License-Identifier: GPL-2.0 */
/* The subset of <linux/overflow.h> the module's pure logic uses. */
#ifndef HSM_SHIM_LINUX_OVERFLOW_H
#define HSM_SHIM_LINUX_OVERFLOW_H
#include <linux/types.h>
#define check_add_overflow(a, b, d) __builtin_add_overflow(a, b, d)
#define check_mul_overflow(a, b, d) __builtin_mul_overflow(a, b, d)
/* As in the kernel: true if a << s does not fit or s is too large. */
#define check_shl_overflow(a, s, d) ({					\
	typeof(a) _a = (a);						\
	typeof(s) _s = (s);						\
	typeof(d) _d = (d);						\
	unsigned long long _to = (unsigned long long)(_s >= 64 ? 0 : _a << _s); \
	*_d = (typeof(*_d))_to;						\
	_s >= 64 || (_to >> _s) != (unsigned long long)_a;		\
})
#endif
