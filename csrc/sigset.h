/* Signal-set helpers: turn one Python call per signal into one C call. */
#ifndef GLIBC_SIGSET_H
#define GLIBC_SIGSET_H

#include <errno.h>
#include <signal.h>
#include <stddef.h>

/* pthread_sigmask(3) made with sigprocmask(2), which on Linux changes the
 * mask of the calling thread alone too: glibc 2.32 moved pthread_sigmask
 * into libc under a new symbol version, which a build on newer headers
 * would then need.  The error number is returned, as pthread_sigmask does. */
static int glibc_pthread_sigmask(int how, const sigset_t *set, sigset_t *oldset)
{
    return sigprocmask(how, set, oldset) == -1 ? errno : 0;
}

/* Make *set hold exactly signals[0..count). -1/EINVAL on a bad signal. */
static int glibc_sigset_fill(sigset_t *set, const int *signals, size_t count)
{
    size_t i;

    if (sigemptyset(set) == -1)
        return -1;
    for (i = 0; i < count; i++)
        if (sigaddset(set, signals[i]) == -1)
            return -1;
    return 0;
}

/* Write the members of *set, lowest first, into out[0..capacity).
 * Returns how many; -1/ERANGE when out is too small. */
static int glibc_sigset_members(const sigset_t *set, int *out, size_t capacity)
{
    size_t n = 0;
    int signo;

    for (signo = 1; signo < NSIG; signo++) {
        if (sigismember(set, signo) != 1)
            continue;
        if (n == capacity) {
            errno = ERANGE;
            return -1;
        }
        out[n++] = signo;
    }
    return (int)n;
}

/* sigisemptyset(3), looking at every signal.  glibc 2.36's version reads
 * the set's 64-bit word through an int, so a set holding only signals
 * 33-64 looks empty to it.  (Only the words up to NSIG are the set's:
 * sigemptyset leaves the rest of a sigset_t as it was.) */
static int glibc_sigisemptyset(const sigset_t *set)
{
    int signo;

    for (signo = 1; signo < NSIG; signo++)
        if (sigismember(set, signo) == 1)
            return 0;
    return 1;
}

/* sigwait(3) that gives EINTR back.  glibc's own retries sigtimedwait
 * after EINTR, so a Python handler for another signal would never run
 * (nor could what it raises end the wait) until a signal of set came;
 * the wrapper retries instead, after the handlers ran (PEP 475). */
static int glibc_sigwait(const sigset_t *set, int *sig)
{
    int signo = sigtimedwait(set, NULL, NULL);

    if (signo < 0)
        return errno;
    *sig = signo;
    return 0;
}

#endif
