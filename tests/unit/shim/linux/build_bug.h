/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_SHIM_LINUX_BUILD_BUG_H
#define HSM_SHIM_LINUX_BUILD_BUG_H
/*
 * As in the kernel: the message is optional.  C11's _Static_assert needs
 * one, and clang says so (-Wc2x-extensions) where gcc stays quiet.
 */
#undef static_assert
#define static_assert(expr, ...) __static_assert(expr, ##__VA_ARGS__, #expr)
#define __static_assert(expr, msg, ...) _Static_assert(expr, msg)
#endif
