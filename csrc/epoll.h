/* epoll helpers: epoll_pwait2 whatever glibc declares, and one C call that
 * waits and flattens the results, so that Python unpacks one array of
 * integers instead of reading struct after struct. */
#ifndef GLIBC_EPOLL_H
#define GLIBC_EPOLL_H

#include <errno.h>
#include <stddef.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* epoll_pwait2(2), straight to the kernel, so that the build needs no
 * declaration from glibc (2.35 added one).  The kernel reads a timespec with
 * a 64-bit time_t; where glibc's time_t is narrower, only glibc's wrapper
 * converts it, so that is called there.  Headers without the system call
 * number: ENOSYS, as a kernel before 5.11 answers. */
static int glibc_epoll_pwait2(int epfd, struct epoll_event *events, int maxevents,
                              const struct timespec *timeout, const sigset_t *sigmask)
{
#if !defined SYS_epoll_pwait2
    (void)epfd;
    (void)events;
    (void)maxevents;
    (void)timeout;
    (void)sigmask;
    errno = ENOSYS;
    return -1;
#elif !defined __TIMESIZE || __TIMESIZE == 64
    /* The last argument is the size of the kernel's sigset_t: _NSIG - 1 bits. */
    return (int)syscall(SYS_epoll_pwait2, epfd, events, maxevents, timeout, sigmask,
                        (size_t)(_NSIG / 8));
#else
    return epoll_pwait2(epfd, events, maxevents, timeout, sigmask);
#endif
}

/* epoll_wait(2) into events[0..maxevents), then out[2i] = data.fd and
 * out[2i + 1] = events of the i-th result.  out holds out_len integers; if
 * that is fewer than 2 * maxevents, nothing is waited for: -1/EINVAL.
 * data.fd is stored as its bits, so that reading it back as an int gives it
 * sign and all.  Returns the count, or -1 with errno as epoll_wait left it. */
static int glibc_epoll_wait_packed(int epfd, struct epoll_event *events, int maxevents, int timeout,
                                   unsigned int *out, size_t out_len)
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
