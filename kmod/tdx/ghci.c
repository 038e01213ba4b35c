// SPDX-License-Identifier: GPL-2.0
/*
 * GetQuote through the GHCI buffer, for the real quoting service and the
 * simulated one alike: one buffer, allocated at load and shared with the
 * host (set_memory_decrypted(), a no-op off a confidential guest), one
 * request at a time, its status polled while it is in flight.
 *
 * The buffer lives as long as the module, as the kernel's tdx-guest
 * driver keeps its own: a host may still write into it after a request
 * timed out, and must then write into memory still ours rather than into
 * pages given back.  Should making it private again fail, its pages are
 * leaked on purpose: freed shared pages would be handed to someone else
 * while the host can still read them.
 */
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched/signal.h>
#include <linux/set_memory.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <uapi/linux/hsm.h>

#include "ghci.h"

/* The quote's room: the longest served, after the header. */
#define BUF_LEN	PAGE_ALIGN(sizeof(struct hsm_tdx_quote_buf) + HSM_TDX_QUOTE_MAX)
/* Polling starts fast (a simulator answers in milliseconds), then backs
 * off to the once a second the kernel's driver polls. */
#define POLL_FIRST_MS	1
#define POLL_MAX_MS	1000

static struct {
	struct mutex lock;		/* one request in the buffer at a time */
	struct hsm_tdx_quote_buf *buf;	/* shared with the host */
} ghci = { .lock = __MUTEX_INITIALIZER(ghci.lock) };

int hsm_tdx_ghci_init(void)
{
	void *buf;
	int ret;

	buf = alloc_pages_exact(BUF_LEN, GFP_KERNEL | __GFP_ZERO);
	if (!buf)
		return -ENOMEM;
	ret = set_memory_decrypted((unsigned long)buf, BUF_LEN >> PAGE_SHIFT);
	if (ret) {
		/* Partly shared, perhaps: never give these pages back. */
		pr_err("tdx: the GetQuote buffer cannot be shared (%d); its pages are leaked\n",
		       ret);
		return ret;
	}
	ghci.buf = buf;
	return 0;
}

void hsm_tdx_ghci_exit(void)
{
	unsigned long addr = (unsigned long)ghci.buf;

	if (!ghci.buf)
		return;
	ghci.buf = NULL;
	if (set_memory_encrypted(addr, BUF_LEN >> PAGE_SHIFT)) {
		pr_err("tdx: the GetQuote buffer stays shared; its pages are leaked\n");
		return;
	}
	free_pages_exact((void *)addr, BUF_LEN);
}

bool hsm_tdx_ghci_ready(void)
{
	return ghci.buf;
}

/*
 * Sleep while the service works, up to HSM_TDX_QUOTE_TIMEOUT_MS; a fatal
 * signal ends the wait (-EINTR), others do not.
 */
static int wait_quote(const struct hsm_tdx_quote_buf *b)
{
	unsigned long deadline = jiffies +
				 msecs_to_jiffies(HSM_TDX_QUOTE_TIMEOUT_MS);
	unsigned int delay = POLL_FIRST_MS;

	lockdep_assert_held(&ghci.lock);
	while (READ_ONCE(b->status) == HSM_TDX_GHCI_IN_FLIGHT) {
		if (time_after(jiffies, deadline))
			return -ETIMEDOUT;
		schedule_timeout_killable(msecs_to_jiffies(delay));
		if (fatal_signal_pending(current))
			return -EINTR;
		delay = min(delay * 2, POLL_MAX_MS);
	}
	/* The status is read before the quote the service wrote first. */
	smp_rmb();
	return 0;
}

/* The service's answer, as the ABI reports it. */
static int quote_status(u64 status)
{
	switch (status) {
	case HSM_TDX_GHCI_SUCCESS:
		return 0;
	case HSM_TDX_GHCI_QGS_UNAVAILABLE:
		return -EBUSY;
	default:
		return -EIO;
	}
}

/*
 * The quote of a TDREPORT, in *quote (kvmalloc'ed, the caller's to free);
 * its length, or -errno.
 */
long hsm_tdx_ghci_quote(const struct hsm_tdx_ops *ops, const u8 *tdreport,
			u32 version, u8 **quote)
{
	struct hsm_tdx_quote_buf *b = ghci.buf;
	u64 err;
	u32 len;
	long ret;

	if (!b || !ops->get_quote)
		return -EOPNOTSUPP;
	if (mutex_lock_killable(&ghci.lock))
		return -EINTR;
	memset(b, 0, BUF_LEN);
	b->version = HSM_TDX_GHCI_VERSION;
	b->in_len = HSM_TDX_REPORT_SIZE;
	memcpy(b->data, tdreport, HSM_TDX_REPORT_SIZE);
	err = ops->get_quote((u8 *)b, BUF_LEN, version);
	if (err) {
		pr_warn_ratelimited("tdx: GetQuote refused: %#llx\n", err);
		ret = -EIO;
		goto out;
	}
	ret = wait_quote(b);
	if (ret)
		goto out;
	ret = quote_status(READ_ONCE(b->status));
	if (ret)
		goto out;
	len = READ_ONCE(b->out_len);
	ret = -EIO;
	if (!len || len > HSM_TDX_QUOTE_MAX)
		goto out;
	ret = -ENOMEM;
	*quote = kvmalloc(len, GFP_KERNEL);
	if (!*quote)
		goto out;
	memcpy(*quote, b->data, len);
	ret = len;
out:
	mutex_unlock(&ghci.lock);
	return ret;
}
