// SPDX-License-Identifier: GPL-2.0
/*
 * The SEV-SNP secrets page is struct snp_secrets_page (6.10 and later,
 * with the SVSM fields); before, struct snp_secrets_page_layout.
 */
/* <asm/sev.h> is not self-contained. */
#include <linux/cc_platform.h>
#include <linux/mm.h>
#include <linux/types.h>
#include <asm/sev.h>

u8 *probe(struct snp_secrets_page *sp);
u8 *probe(struct snp_secrets_page *sp)
{
	return sp->vmpck0;
}
