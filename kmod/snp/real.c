// SPDX-License-Identifier: GPL-2.0
/*
 * The real backend, for SEV-SNP guests: the "sev-guest" platform device
 * that arch/x86/kernel/sev.c registers carries the secrets page's address;
 * the message layer (msg.c) talks to the PSP through the kernel's exported
 * snp_issue_guest_request().  Debian's cloud kernel builds no sev-guest
 * driver, so nothing else normally serves the device; when another driver
 * is bound to it (and so owns its VMPCK and sequence numbers) this backend
 * stays off, because two requesters on one VMPCK would reuse GCM IVs.
 * Binding the device ourselves also keeps such a driver from taking it
 * while we hold it.
 *
 * UNTESTED ON HARDWARE: everything above the hypercall runs in the tests
 * against the simulated PSP; this file's mapping of the secrets page and
 * sharing of the request pages follow upstream's sev-guest.c (6.1).
 */
#include <linux/device.h>
#include <linux/io.h>
#include <linux/platform_device.h>
#include <asm/sev.h>

#include "msg.h"
#include "real.h"
#include "snp.h"

static void __iomem *secrets;
static bool registered;

#ifdef HSM_HAVE_SNP_ISSUE_EXIT_CODE
static int real_probe(struct platform_device *pdev)
{
	struct sev_guest_platform_data *data = pdev->dev.platform_data;
	int ret;

	if (!data)
		return -ENODEV;
	secrets = ioremap_encrypted(data->secrets_gpa, PAGE_SIZE);
	if (!secrets)
		return -ENODEV;
	ret = hsm_snp_msg_init((__force struct hsm_snp_secrets *)secrets,
			       hsm_snp_vmpck_id(), snp_issue_guest_request, true);
	if (ret) {
		iounmap(secrets);
		secrets = NULL;
	}
	return ret;
}
#else
/*
 * 6.13 and later take a struct snp_guest_req, and 6.14 keeps the call
 * static behind snp_send_guest_request(): not supported yet, so
 * hsm_snp_real_init() never registers the driver (HSM_PATH_UNSUPPORTED).
 */
static int real_probe(struct platform_device *pdev)
{
	return -EOPNOTSUPP;
}
#endif

static hsm_platform_remove_ret real_remove(struct platform_device *pdev)
{
	hsm_snp_msg_exit();
	if (secrets)
		iounmap(secrets);
	secrets = NULL;
	return HSM_PLATFORM_REMOVE_OK;
}

static struct platform_driver real_driver = {
	.probe = real_probe,
	.remove = real_remove,
	.driver = {
		.name = "sev-guest",
		.suppress_bind_attrs = true,
	},
};

/*
 * 0 when the PSP is ours to talk to; -EBUSY when another driver holds it,
 * -EOPNOTSUPP when this kernel's guest-request call is not one we know,
 * -ENODEV otherwise.
 */
int hsm_snp_real_init(void)
{
	struct device *dev;
	bool owned;
	int ret;

	dev = bus_find_device_by_name(&platform_bus_type, NULL, "sev-guest");
	if (!dev) {
		pr_err("snp: no sev-guest platform device\n");
		return -ENODEV;
	}
	device_lock(dev);
	owned = dev->driver;
	device_unlock(dev);
	put_device(dev);
	if (owned) {
		pr_err("snp: another driver owns the sev-guest device and its VMPCK\n");
		return -EBUSY;
	}
	if (!IS_ENABLED(HSM_HAVE_SNP_ISSUE_EXIT_CODE)) {
		pr_err("snp: this kernel's SEV-SNP guest-request interface is not supported\n");
		return -EOPNOTSUPP;
	}
	ret = platform_driver_register(&real_driver);
	if (ret)
		return ret;
	registered = true;
	/* Probing failed, or someone bound the device in between. */
	if (!hsm_snp_msg_ready()) {
		hsm_snp_real_exit();
		pr_err("snp: the sev-guest device could not be bound\n");
		return -ENODEV;
	}
	return 0;
}

void hsm_snp_real_exit(void)
{
	if (registered)
		platform_driver_unregister(&real_driver);
	registered = false;
}
