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

#endif
