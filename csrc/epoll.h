/* epoll helper: one C call waits and flattens the results, so that Python
 * unpacks one array of integers instead of reading struct after struct. */
#ifndef GLIBC_EPOLL_H
#define GLIBC_EPOLL_H

#include <errno.h>
#include <stddef.h>
#include <sys/epoll.h>

/* epoll_wait(2) into events[0..maxevents), then out[2i] = data.fd and
 * out[2i + 1] = events of the i-th result.  out holds out_len integers; if
 * that is fewer than 2 * maxevents, nothing is waited for: -1/EINVAL.
 * data.fd is stored as its bits, so that reading it back as an int gives it
 * sign and all.  Returns the count, or -1 with errno as epoll_wait left it. */
static int glibc_epoll_wait_packed(int epfd, struct epoll_event *events, int maxevents,
                                   int timeout, unsigned int *out, size_t out_len)
{
    int n, i;

    if (maxevents > 0 && out_len / 2 < (size_t)maxevents) {
        errno = EINVAL;
        return -1;
    }
    n = epoll_wait(epfd, events, maxevents, timeout);
    for (i = 0; i < n; i++) {
        out[2 * i] = (unsigned int)events[i].data.fd;
        out[2 * i + 1] = events[i].events;
    }
    return n;
}

#endif
