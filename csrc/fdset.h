/* fd_set helpers: the FD_* macros of <sys/select.h> as functions.  An fd
 * outside 0..FD_SETSIZE-1 has no bit in the set: it is ignored (FD_ISSET
 * says 0) instead of written past the set, or aborting under
 * _FORTIFY_SOURCE.  The Python wrappers refuse it before it gets here. */
#ifndef GLIBC_FDSET_H
#define GLIBC_FDSET_H

#include <sys/select.h>

#define GLIBC_FD_INSIDE(fd) ((fd) >= 0 && (fd) < FD_SETSIZE)

static void glibc_FD_SET(int fd, fd_set *set)
{
    if (GLIBC_FD_INSIDE(fd))
        FD_SET(fd, set);
}

static void glibc_FD_CLR(int fd, fd_set *set)
{
    if (GLIBC_FD_INSIDE(fd))
        FD_CLR(fd, set);
}

/* 1 if fd is in set, 0 if not. */
static int glibc_FD_ISSET(int fd, fd_set *set)
{
    return GLIBC_FD_INSIDE(fd) && FD_ISSET(fd, set) != 0;
}

static void glibc_FD_ZERO(fd_set *set) { FD_ZERO(set); }

#endif
