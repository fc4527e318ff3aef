#define _GNU_SOURCE
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <sys/syscall.h>
#include "cosy_sys.h"

long cosy_sys_init(struct cosy_params *params, size_t size)
{
	return syscall(COSY_NR_cosy_init, params, size);
}

long cosy_sys_run(unsigned int flags)
{
	return syscall(COSY_NR_cosy_run, flags);
}

long cosy_sys_uninit(unsigned int flags)
{
	return syscall(COSY_NR_cosy_uninit, flags);
}

long cosy_sys_getppid(void)
{
	return syscall(SYS_getppid);
}

long cosy_sys_copy_file_range(int fd_in, int fd_out, size_t len)
{
	return syscall(SYS_copy_file_range, fd_in, NULL, fd_out, NULL, len, 0);
}

long cosy_sys_bpf_prog_load(unsigned int prog_type, const void *insns, unsigned int insn_cnt,
			    const char *license, const char *name, char *log_buf,
			    unsigned int log_size)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = prog_type;
	attr.insns = (unsigned long)insns;
	attr.insn_cnt = insn_cnt;
	attr.license = (unsigned long)license;
	if (log_buf && log_size) {
		attr.log_buf = (unsigned long)log_buf;
		attr.log_size = log_size;
		attr.log_level = 1;
	}
	if (name)
		strncpy(attr.prog_name, name, sizeof(attr.prog_name) - 1);
	return syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
}
