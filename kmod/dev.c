// SPDX-License-Identifier: GPL-2.0
/*
 * The character device /dev/hsm: one connection per open file.
 */
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include "cmd.h"
#include "compat.h"
#include "conn.h"
#include "dev.h"

static int hsm_open(struct inode *inode, struct file *file)
{
	struct hsm_conn *conn;

	conn = hsm_conn_create(file);
	if (IS_ERR(conn))
		return PTR_ERR(conn);
	file->private_data = conn;
	return stream_open(inode, file);
}

static int hsm_release(struct inode *inode, struct file *file)
{
	hsm_conn_destroy(file->private_data);
	return 0;
}

static int hsm_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct hsm_conn *conn = file->private_data;

	if (!hsm_conn_region_size(conn))
		return -EBADFD;
	return hsm_shm_mmap(&conn->shm, vma);
}

static long hsm_unlocked_ioctl(struct file *file, unsigned int cmd,
			       unsigned long arg)
{
	return hsm_cmd_ioctl(file->private_data, cmd, (void __user *)arg);
}

static int hsm_uring_cmd(struct io_uring_cmd *ioucmd, unsigned int issue_flags)
{
	return hsm_cmd_uring(ioucmd->file->private_data, ioucmd, issue_flags);
}

static const struct file_operations hsm_fops = {
	.owner		= THIS_MODULE,
	.open		= hsm_open,
	.release	= hsm_release,
	.mmap		= hsm_mmap,
	.unlocked_ioctl	= hsm_unlocked_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.uring_cmd	= hsm_uring_cmd,
};

static struct miscdevice hsm_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "hsm",
	.fops	= &hsm_fops,
	.mode	= 0660,
};

int hsm_dev_init(void)
{
	return misc_register(&hsm_misc);
}

void hsm_dev_exit(void)
{
	misc_deregister(&hsm_misc);
}
