/*
 * Thin, typed wrappers around the Cosy system calls for Swift, which cannot
 * call the variadic syscall(2).  Each returns the raw result: -1 with errno
 * set on failure.
 */
#ifndef COSY_SYS_H
#define COSY_SYS_H

#include <stddef.h>
#include <linux/cosy.h>

/* x86_64 numbers assigned by kernel-patches/ (next free after mseal, 462). */
#define COSY_NR_cosy_init	463
#define COSY_NR_cosy_run	464
#define COSY_NR_cosy_uninit	465

long cosy_sys_init(struct cosy_params *params, size_t size);
long cosy_sys_run(unsigned int flags);
long cosy_sys_uninit(unsigned int flags);

/* getppid(2) through syscall(2), never a cached libc value. */
long cosy_sys_getppid(void);

/* copy_file_range(2) from the current file offsets; glibc hides it
 * behind _GNU_SOURCE, which Swift's Glibc module does not define. */
long cosy_sys_copy_file_range(int fd_in, int fd_out, size_t len);

/* BPF_PROG_TYPE_COSY: the program type of user functions (after
 * BPF_PROG_TYPE_NETFILTER, 32, in Linux 6.12). */
#define COSY_BPF_PROG_TYPE	33

/*
 * bpf(BPF_PROG_LOAD) of `insn_cnt` instructions of type `prog_type`; the
 * verifier's log goes to `log_buf` (log level 1 when it is non-NULL).
 * Returns the program fd, or -1 with errno set.
 */
long cosy_sys_bpf_prog_load(unsigned int prog_type, const void *insns, unsigned int insn_cnt,
			    const char *license, const char *name, char *log_buf,
			    unsigned int log_size);

#endif
