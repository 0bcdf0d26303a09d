/* POSIX timer helpers: the timer_* calls with the two cases where glibc
 * itself would crash turned into EINVAL, and the sigevent field that glibc
 * spells as a macro into an unnamed union. */
#ifndef GLIBC_TIMER_H
#define GLIBC_TIMER_H

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>

/* glibc marks the timers it made for SIGEV_THREAD by setting the top bit of
 * timer_t and reads its own record at the rest; the kernel's timer ids are
 * never negative.  Since glibc_timer_create refuses SIGEV_THREAD, a timer_t
 * with the top bit set cannot be one of ours: refuse it before glibc reads
 * memory at it. */
static int glibc_bad_timer(timer_t timerid)
{
    if ((intptr_t)timerid < 0) {
        errno = EINVAL;
        return 1;
    }
    return 0;
}

/* SIGEV_THREAD asks glibc to call sigev_notify_function in a new thread;
 * these bindings cannot set that field, and a NULL one would be called. */
static int glibc_timer_create(clockid_t clockid, struct sigevent *sevp, timer_t *timerid)
{
    if (sevp != NULL && sevp->sigev_notify == SIGEV_THREAD) {
        errno = EINVAL;
        return -1;
    }
    return timer_create(clockid, sevp, timerid);
}

static int glibc_timer_settime(timer_t timerid, int flags, const struct itimerspec *new_value,
                               struct itimerspec *old_value)
{
    if (glibc_bad_timer(timerid))
        return -1;
    return timer_settime(timerid, flags, new_value, old_value);
}

static int glibc_timer_gettime(timer_t timerid, struct itimerspec *curr_value)
{
    if (glibc_bad_timer(timerid))
        return -1;
    return timer_gettime(timerid, curr_value);
}

static int glibc_timer_getoverrun(timer_t timerid)
{
    if (glibc_bad_timer(timerid))
        return -1;
    return timer_getoverrun(timerid);
}

static int glibc_timer_delete(timer_t timerid)
{
    if (glibc_bad_timer(timerid))
        return -1;
    return timer_delete(timerid);
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
