/* fcntl(2) and openat(2) are variadic in <fcntl.h>; cffi calls fixed-arity twins. */
#ifndef GLIBC_FCNTL_SHIM_H
#define GLIBC_FCNTL_SHIM_H

#include <fcntl.h>
#include <stdint.h>

/* The Python side passes a number for the integer commands and a checked
 * pointer's address for the others; glibc itself reads the third argument
 * as a void *, so it is handed one. */
static int glibc_fcntl(int fd, int cmd, intptr_t arg) { return fcntl(fd, cmd, (void *)arg); }

/* mode is only read by the kernel when flags hold O_CREAT or O_TMPFILE. */
static int glibc_openat(int dirfd, const char *pathname, int flags, mode_t mode)
{
    return openat(dirfd, pathname, flags, mode);
}

#endif
