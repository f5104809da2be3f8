/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A file descriptor's socket, from the calling process's fd table: what the socket syscall
 * tools (soaccept, sockstat, sofamily, ...) and the owner cache at accept() read, since syscall
 * tracepoints give the fd, not the socket. One definition for all of them. */
#ifndef NETDX_FD_H
#define NETDX_FD_H

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#define NETDX_S_IFMT 00170000
#define NETDX_S_IFSOCK 0140000

/* The socket of the calling process's file descriptor `fd`, or NULL (no such fd, not a socket):
 * current->files->fdt->fd[fd]->private_data->sk. */
static __always_inline struct sock *netdx_fd_sk(long fd)
{
	if (fd < 0)
		return NULL;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	if (!fdt || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *f = NULL;
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) || !f)
		return NULL;
	/* a file's private_data is a struct socket only when its inode is a socket's */
	if ((BPF_CORE_READ(f, f_inode, i_mode) & NETDX_S_IFMT) != NETDX_S_IFSOCK)
		return NULL;
	struct socket *sock = BPF_CORE_READ(f, private_data);
	return sock ? BPF_CORE_READ(sock, sk) : NULL;
}

#endif
