/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_PRINCIPAL_H
#define HSM_PRINCIPAL_H

#include <linux/types.h>
#include <linux/uidgid.h>

struct file;

/*
 * struct hsm_principal - whom a connection acts for: the task that opened
 * /dev/hsm, with the rights it had at open().  A descriptor passed to
 * another process, inherited across fork() or exec(), or driven through an
 * io_uring SQPOLL thread keeps acting for its opener, never for whoever
 * holds it now (docs/threat-model.md, "Principals").
 */
struct hsm_principal {
	kuid_t uid;		/* the opener's fsuid: slots, quotas */
	bool admin;		/* CAP_SYS_ADMIN in the initial namespace */
	bool slot_group;	/* a member of the slot_group parameter's group */
	bool platform;		/* raw platform requests: admin or platform_group */
};

void hsm_principal_init(struct hsm_principal *who, const struct file *file);

#endif /* HSM_PRINCIPAL_H */
