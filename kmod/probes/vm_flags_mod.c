// SPDX-License-Identifier: GPL-2.0
/* vma->vm_flags is read-only; vm_flags_mod() changes it (6.3 and later). */
#include <linux/mm.h>

void probe(struct vm_area_struct *vma);
void probe(struct vm_area_struct *vma)
{
	vm_flags_mod(vma, VM_DONTDUMP, VM_MAYEXEC);
}
