/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_PLATFORM_H
#define HSM_PLATFORM_H

#include <uapi/linux/hsm.h>

enum hsm_platform hsm_platform_detect(void);
const char *hsm_platform_name(enum hsm_platform platform);
const char *hsm_platform_path_name(enum hsm_platform_path path);

#endif /* HSM_PLATFORM_H */
