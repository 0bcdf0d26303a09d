/* POSIX timer helpers: the timer_* system calls without glibc's records
 * (which a wrong timer_t or SIGEV_THREAD would make it crash on), and the
 * sigevent field that glibc spells as a macro into an unnamed union. */
#ifndef GLIBC_TIMER_H
#define GLIBC_TIMER_H

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* The timer_* calls go straight to the kernel, and timer_t holds the
 * kernel's timer id, as glibc 2.34 and later keep it.  Before 2.34, glibc's
 * timer_t pointed at a record of its own, which every call read: a timer_t
 * that was not one would have crashed the process.  The kernel checks its
 * ids itself; one that no int holds cannot be one (glibc's SIGEV_THREAD
 * timers set the top bit).  On 64-bit architectures the kernel's struct
 * itimerspec and struct sigevent are glibc's. */
static int glibc_timer_id(timer_t timerid, int *id)
{
    if ((intptr_t)timerid < 0 || (intptr_t)timerid > INT_MAX) {
        errno = EINVAL;
        return -1;
    }
    *id = (int)(intptr_t)timerid;
    return 0;
}

/* SIGEV_THREAD asks glibc to call sigev_notify_function in a new thread;
 * these bindings cannot set that field, and a NULL one would be called.
 * With no sigevent, SIGALRM with a NULL sigev_value, as glibc sends. */
static int glibc_timer_create(clockid_t clockid, struct sigevent *sevp, timer_t *timerid)
{
    struct sigevent alarm;
    int id;

    if (sevp == NULL) {
        memset(&alarm, 0, sizeof alarm);
        alarm.sigev_notify = SIGEV_SIGNAL;
        alarm.sigev_signo = SIGALRM;
        sevp = &alarm;
    }
    if (sevp->sigev_notify == SIGEV_THREAD) {
        errno = EINVAL;
        return -1;
    }
    if (syscall(SYS_timer_create, clockid, sevp, &id) == -1)
        return -1;
    *timerid = (timer_t)(intptr_t)id;
    return 0;
}

static int glibc_timer_settime(timer_t timerid, int flags, const struct itimerspec *new_value,
                               struct itimerspec *old_value)
{
    int id;

    if (glibc_timer_id(timerid, &id) == -1)
        return -1;
    return (int)syscall(SYS_timer_settime, id, flags, new_value, old_value);
}

static int glibc_timer_gettime(timer_t timerid, struct itimerspec *curr_value)
{
    int id;

    if (glibc_timer_id(timerid, &id) == -1)
        return -1;
    return (int)syscall(SYS_timer_gettime, id, curr_value);
}

static int glibc_timer_getoverrun(timer_t timerid)
{
    int id;

    if (glibc_timer_id(timerid, &id) == -1)
        return -1;
    return (int)syscall(SYS_timer_getoverrun, id);
}

static int glibc_timer_delete(timer_t timerid)
{
    int id;

    if (glibc_timer_id(timerid, &id) == -1)
        return -1;
    return (int)syscall(SYS_timer_delete, id);
}

/* glibc 2.41 names the field sigev_notify_thread_id; 2.36 only has the
 * union member behind it. */
static int glibc_sigevent_set_thread_id(struct sigevent *sevp, int tid)
{
#ifdef sigev_notify_thread_id
    sevp->sigev_notify_thread_id = tid;
#else
    sevp->_sigev_un._tid = tid;
#endif
    return 0;
}

#endif
