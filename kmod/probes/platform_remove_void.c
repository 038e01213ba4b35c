// SPDX-License-Identifier: GPL-2.0
/* platform_driver.remove returns void (6.11 and later); int before. */
#include <linux/platform_device.h>

static void remove(struct platform_device *pdev)
{
}

struct platform_driver probe;
struct platform_driver probe = {
	.remove = remove,
};
