/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HSM_CONN_H
#define HSM_CONN_H

#include <linux/mutex.h>
#include <linux/types.h>

#include "shm.h"

/*
 * struct hsm_conn - one open file of /dev/hsm.
 *
 * Everything a connection owns is freed by hsm_conn_destroy(), which runs
 * from ->release once no file reference (and so no mapping) is left.
 */
struct hsm_conn {
	u64 id;			/* for logs only */
	struct mutex lock;	/* protects shm against concurrent setup */
	struct hsm_shm shm;
};

struct hsm_conn *hsm_conn_create(void);
void hsm_conn_destroy(struct hsm_conn *conn);
unsigned int hsm_conn_count(void);

#endif /* HSM_CONN_H */
