/* openat2(2): glibc 2.36 has no wrapper, so the system call is made directly. */
#ifndef GLIBC_FS_SHIM_H
#define GLIBC_FS_SHIM_H

#include <errno.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

static int glibc_openat2(int dirfd, const char *pathname, const struct open_how *how, size_t size)
{
#ifdef SYS_openat2
    return (int)syscall(SYS_openat2, dirfd, pathname, how, size);
#else
    (void)dirfd;
    (void)pathname;
    (void)how;
    (void)size;
    errno = ENOSYS;
    return -1;
#endif
}

#endif
