/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_SHIM_LINUX_STDDEF_H
#define HSM_SHIM_LINUX_STDDEF_H
#include_next <linux/stddef.h>
#include <stddef.h>
#endif
