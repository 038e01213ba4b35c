/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: kernel integer types on top of the uapi ones. */
#ifndef HSM_SHIM_LINUX_TYPES_H
#define HSM_SHIM_LINUX_TYPES_H
#include_next <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s64 s64;
#endif
