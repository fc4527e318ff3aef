#define _GNU_SOURCE
#include <unistd.h>
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
