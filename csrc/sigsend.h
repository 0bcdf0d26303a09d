/* Sending a signal with a whole siginfo_t: glibc has no wrapper for these
 * two system calls, so they go through syscall(2) where the headers know
 * their numbers, and fail with ENOSYS where they do not. */
#ifndef GLIBC_SIGSEND_H
#define GLIBC_SIGSEND_H

#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

static int glibc_rt_sigqueueinfo(pid_t tgid, int sig, siginfo_t *info)
{
#ifdef SYS_rt_sigqueueinfo
    return (int)syscall(SYS_rt_sigqueueinfo, tgid, sig, info);
#else
    (void)tgid;
    (void)sig;
    (void)info;
    errno = ENOSYS;
    return -1;
#endif
}

static int glibc_rt_tgsigqueueinfo(pid_t tgid, pid_t tid, int sig, siginfo_t *info)
{
#ifdef SYS_rt_tgsigqueueinfo
    return (int)syscall(SYS_rt_tgsigqueueinfo, tgid, tid, sig, info);
#else
    (void)tgid;
    (void)tid;
    (void)sig;
    (void)info;
    errno = ENOSYS;
    return -1;
#endif
}

#endif
