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
