// SPDX-License-Identifier: GPL-2.0
/*
 * Principals: the rights a connection has, taken once from its opener.
 * Decided at open() and never again, so that what a descriptor may do does
 * not change with the task that happens to use it.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fs.h>

#include "params.h"
#include "principal.h"

/* Is the opening task a member of gid (a module parameter; -1: none)? */
static bool member_of(int gid)
{
	kgid_t kgid;

	if (gid < 0)
		return false;
	kgid = make_kgid(&init_user_ns, gid);
	return gid_valid(kgid) && in_group_p(kgid);
}

/* Called from ->open(), so current is the opener. */
void hsm_principal_init(struct hsm_principal *who, const struct file *file)
{
	who->uid = file->f_cred->fsuid;
	who->admin = file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN);
	who->slot_group = member_of(hsm_slot_group);
	who->platform = who->admin || member_of(hsm_platform_group);
}
