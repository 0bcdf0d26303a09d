/* openat2(2): glibc 2.36 has no wrapper, so the system call is made directly. */
#ifndef GLIBC_FS_SHIM_H
#define GLIBC_FS_SHIM_H

#include <linux/openat2.h>
#include <unistd.h>

#include "syscalls.h"

static int glibc_openat2(int dirfd, const char *pathname, const struct open_how *how, size_t size)
{
    return (int)syscall(SYS_openat2, dirfd, pathname, how, size);
}

#endif
