/* epoll helpers: epoll_pwait2 whatever glibc declares, and one C call that
 * waits and flattens the results in place, so that Python unpacks one array
 * of integers instead of reading struct after struct. */
#ifndef GLIBC_EPOLL_H
#define GLIBC_EPOLL_H

#include <errno.h>
#include <stddef.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "syscalls.h"

/* epoll_pwait2(2), straight to the kernel, so that the build needs no
 * declaration from glibc (2.35 added one).  The kernel reads a timespec with
 * a 64-bit time_t; where glibc's time_t is narrower, only glibc's wrapper
 * converts it, so that is called there. */
static int glibc_epoll_pwait2(int epfd, struct epoll_event *events, int maxevents,
                              const struct timespec *timeout, const sigset_t *sigmask)
{
#if !defined __TIMESIZE || __TIMESIZE == 64
    /* The last argument is the size of the kernel's sigset_t: _NSIG - 1 bits. */
    return (int)syscall(SYS_epoll_pwait2, epfd, events, maxevents, timeout, sigmask,
                        (size_t)(_NSIG / 8));
#else
    return epoll_pwait2(epfd, events, maxevents, timeout, sigmask);
#endif
}

/* epoll_wait(2), then the results packed in place: the first 2n unsigned
 * ints of the events array become data.fd and events of result 0, 1, ...
 * n - 1, the layout struct.iter_unpack("iI") reads in one call.  data.fd
 * is stored as its bits, so that reading it back as an int gives its sign.
 * A struct epoll_event is at least 8 bytes (12 on x86_64, where it is
 * packed; 16 elsewhere), so pair i ends before result i + 1 begins, and
 * result i is read whole before pair i overwrites it.  The same arguments
 * as epoll_wait: one pointer fewer for cffi to convert than a separate
 * output array, which poll() with one result ready feels.  Returns the
 * count, or -1 with errno as epoll_wait left it. */
_Static_assert(sizeof(struct epoll_event) >= 2 * sizeof(unsigned int),
               "a result must have room for its packed pair");

static int glibc_epoll_wait_packed(int epfd, struct epoll_event *events, int maxevents, int timeout)
{
    unsigned char *out = (unsigned char *)events;
    int n, i;

    n = epoll_wait(epfd, events, maxevents, timeout);
    for (i = 0; i < n; i++) {
        unsigned int pair[2];

        pair[0] = (unsigned int)events[i].data.fd;
        pair[1] = events[i].events;
        memcpy(out + i * sizeof pair, pair, sizeof pair);
    }
    return n;
}

#endif
