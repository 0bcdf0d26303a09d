/* fd_set helpers: the FD_* macros of <sys/select.h> as functions, with
 * the bound checked (an fd outside the set would be a write past it). */
#ifndef GLIBC_FDSET_H
#define GLIBC_FDSET_H

#include <errno.h>
#include <sys/select.h>

static int glibc_fd_outside(int fd)
{
    if (fd < 0 || fd >= FD_SETSIZE) {
        errno = EINVAL;
        return 1;
    }
    return 0;
}

static int glibc_FD_SET(int fd, fd_set *set)
{
    if (glibc_fd_outside(fd))
        return -1;
    FD_SET(fd, set);
    return 0;
}

static int glibc_FD_CLR(int fd, fd_set *set)
{
    if (glibc_fd_outside(fd))
        return -1;
    FD_CLR(fd, set);
    return 0;
}

/* 1 if fd is in set, 0 if not. */
static int glibc_FD_ISSET(int fd, fd_set *set)
{
    if (glibc_fd_outside(fd))
        return -1;
    return FD_ISSET(fd, set) != 0;
}

static int glibc_FD_ZERO(fd_set *set)
{
    FD_ZERO(set);
    return 0;
}

#endif
