/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_SHIM_LINUX_BUILD_BUG_H
#define HSM_SHIM_LINUX_BUILD_BUG_H
#include <assert.h>
#endif
