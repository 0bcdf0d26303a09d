"""<time.h>, <sys/time.h>: clocks, sleeps and POSIX timers (clock_gettime(2), timer_create(2))."""

from typing import Any, Dict, Tuple

from glibc._spec import Args, Family, Function, Resume, Type, names
from glibc.families._reasons import BAD_POINTER, INTERRUPTED

_BAD_CLOCK = dict(BAD_POINTER, EINVAL="clockid is not a clock this system knows")

_BAD_TIMER = {"EINVAL": "timerid is not a timer this process created and has not deleted"}

_BAD_SLEEP = "a tv_nsec of the request is outside 0..999999999, or its tv_sec is negative"


def _substitute_remain(ffi: Any, lib: Any, args: Args) -> Tuple[Args, Any]:
    """Give the sleep somewhere to write the time left when the caller gave None:
    a retry after EINTR needs it (see _sleep_again)."""
    *head, remain = args
    if remain is None or (isinstance(remain, ffi.CData) and remain == ffi.NULL):
        remain = ffi.new("struct timespec *")
    return (*head, remain), None


def _sleep_again(ffi: Any, lib: Any, args: Args) -> Args:
    """PEP 475 for a relative sleep: sleep again for what the kernel says is left,
    measured on the sleep's own clock (a CPU-time clock, say)."""
    *head, request, remain = args
    return (*head, ffi.new("struct timespec *", remain[0]), remain)


def _clock_sleep_again(ffi: Any, lib: Any, args: Args) -> Args:
    """As _sleep_again; but an absolute sleep (TIMER_ABSTIME) is retried as it
    was: its end does not move, and the kernel leaves remain alone."""
    if args[1] & lib.TIMER_ABSTIME:
        return args
    return _sleep_again(ffi, lib, args)


def _sleep(proto: str, man: str, resume: Resume, errors: Dict[str, str],
           **extra: Any) -> Function:
    # None for the time left (the default) is replaced by a struct of our own.
    left = proto.rstrip(" );").split()[-1].lstrip("*")
    return Function(proto, man=man, errors=errors, convert=_substitute_remain, resume=resume,
                    defaults={left: None}, blocking=True, stdlib="time.sleep", **extra)


FAMILY = Family(
    "time",
    headers=["<time.h>", "<sys/time.h>", "<signal.h>"],
    doc="clocks, sleeps, interval timers and POSIX per-process timers",
    types=[
        Type("time_t", "typedef int... time_t;", man="time(2)"),
        Type("suseconds_t", "typedef int... suseconds_t;", man="gettimeofday(2)"),
        Type("clockid_t", "typedef int... clockid_t;", man="clock_gettime(2)"),
        Type("timespec", "struct timespec { time_t tv_sec; long tv_nsec; ...; };",
             man="timespec(3type)"),
        Type("timeval", "struct timeval { time_t tv_sec; suseconds_t tv_usec; ...; };",
             man="timeval(3type)"),
        Type("itimerspec",
             "struct itimerspec { struct timespec it_interval; struct timespec it_value; ...; };",
             man="itimerspec(3type)"),
        Type("itimerval",
             "struct itimerval { struct timeval it_interval; struct timeval it_value; ...; };",
             man="getitimer(2)"),
        # glibc makes it a void *; pass the value timer_create stored (tid[0]).
        Type("timer_t", "typedef void *timer_t;", man="timer_t(3type)"),
        # The thread id of SIGEV_THREAD_ID is a macro into a union in glibc,
        # set through the shim helper glibc_sigevent_set_thread_id.
        Type("sigevent",
             "struct sigevent { union sigval sigev_value; int sigev_signo; int sigev_notify;"
             " ...; };",
             man="sigevent(3type)"),
    ],
    constants=names("""
        CLOCK_REALTIME CLOCK_MONOTONIC CLOCK_PROCESS_CPUTIME_ID CLOCK_THREAD_CPUTIME_ID
        CLOCK_MONOTONIC_RAW CLOCK_REALTIME_COARSE CLOCK_MONOTONIC_COARSE CLOCK_BOOTTIME
        CLOCK_REALTIME_ALARM CLOCK_BOOTTIME_ALARM
        TIMER_ABSTIME CLOCKS_PER_SEC TIME_UTC
        ITIMER_REAL ITIMER_VIRTUAL ITIMER_PROF
    """),
    optional=names("CLOCK_TAI"),
    functions=[
        Function("int clock_getres(clockid_t clockid, struct timespec *res);",
                 man="clock_getres(2)", nullable=("res",), errors=_BAD_CLOCK,
                 stdlib="time.clock_getres",
                 doc="Store the resolution of clockid in res (None: only check clockid)."),
        Function("int clock_gettime(clockid_t clockid, struct timespec *tp);",
                 man="clock_gettime(2)", errors=_BAD_CLOCK, stdlib="time.clock_gettime_ns",
                 doc="Store the current time of clockid in tp."),
        Function(
            "int clock_settime(clockid_t clockid, const struct timespec *tp);",
            man="clock_settime(2)", stdlib="time.clock_settime_ns",
            errors=dict(
                BAD_POINTER,
                EINVAL="clockid is unknown or cannot be set, tp holds a negative or "
                       "out-of-range time, or it would put CLOCK_REALTIME before CLOCK_MONOTONIC",
                EPERM="the caller may not set this clock (it needs CAP_SYS_TIME)",
                EACCES="the caller may not write to the dynamic clock device",
            ),
            doc="Set clockid to tp.",
            hazard="others",
        ),
        Function(
            "int clock_getcpuclockid(pid_t pid, clockid_t *clockid);",
            man="clock_getcpuclockid(3)", convention="errnum",
            errors=dict(
                BAD_POINTER,
                ESRCH="no process has this pid",
                EPERM="the caller may not read the CPU-time clock of that process",
                ENOSYS="the kernel cannot give the CPU-time clock of another process",
            ),
            doc="Store in clockid the clock that counts the CPU time of process pid "
                "(0: the caller); clock_gettime and clock_nanosleep take it.",
        ),
        _sleep(
            "int clock_nanosleep(clockid_t clockid, int flags, const struct timespec *request, "
            "struct timespec *remain);",
            "clock_nanosleep(2)", _clock_sleep_again, convention="errnum",
            errors=dict(
                BAD_POINTER,
                **INTERRUPTED,
                EINVAL="clockid is unknown or CLOCK_THREAD_CPUTIME_ID, or " + _BAD_SLEEP,
                ENOTSUP="the kernel cannot sleep on this clock (CLOCK_MONOTONIC_RAW, a "
                        "*_COARSE clock, or an *_ALARM clock on a machine without a "
                        "real-time clock device)",
            ),
            doc="Sleep for request on clockid, or with TIMER_ABSTIME until clockid reads "
                "request; remain (may be None) gets the time left if a signal ends a relative "
                "sleep.  A signal whose Python handler returns does not end the sleep: "
                "a relative one goes on for the time left on its own clock, an absolute "
                "one until the same time.",
        ),
        _sleep(
            "int nanosleep(const struct timespec *req, struct timespec *rem);",
            "nanosleep(2)", _sleep_again,
            errors=dict(BAD_POINTER, **INTERRUPTED, EINVAL=_BAD_SLEEP.replace("request", "req")),
            doc="Sleep for req (on CLOCK_REALTIME, which clock changes do not shorten); rem "
                "(may be None) gets the time left if a signal ends the sleep.  "
                "A signal whose Python handler returns does not end the sleep: it goes on "
                "for the time left.",
        ),
        Function(
            "int getitimer(int which, struct itimerval *curr_value);",
            man="getitimer(2)", stdlib="signal.getitimer",
            errors=dict(BAD_POINTER,
                        EINVAL="which is not ITIMER_REAL, ITIMER_VIRTUAL or ITIMER_PROF"),
            doc="Store the time left and the interval of the interval timer which.",
        ),
        Function(
            "int setitimer(int which, const struct itimerval *new_value, "
            "struct itimerval *old_value);",
            man="setitimer(2)", stdlib="signal.setitimer", nullable=("old_value",),
            errors=dict(BAD_POINTER,
                        EINVAL="which is not ITIMER_REAL, ITIMER_VIRTUAL or ITIMER_PROF, or a "
                               "tv_usec of new_value is outside 0..999999"),
            doc="Arm (a zero it_value: disarm) the interval timer which; old_value gets the "
                "previous setting.  It signals SIGALRM, SIGVTALRM or SIGPROF.",
            hazard=("exits", "process"),
        ),
        # The timer_* calls go through csrc/timer.h: glibc would run a NULL
        # function for SIGEV_THREAD (no way to give one here) and read memory
        # at a timer_t with its top bit set (its own encoding of such timers).
        Function(
            "int timer_create(clockid_t clockid, struct sigevent *sevp, timer_t *timerid);",
            man="timer_create(2)", nullable=("sevp",),
            cdef="int glibc_timer_create(clockid_t clockid, struct sigevent *sevp, "
                 "timer_t *timerid);",
            symbol="glibc_timer_create",
            errors=dict(
                BAD_POINTER,
                EAGAIN="the kernel could not allocate the timer for now",
                EINVAL="clockid is unknown, or sevp holds an unknown sigev_notify, a bad "
                       "sigev_signo, a thread id outside this process, or SIGEV_THREAD "
                       "(a function to run, which these bindings cannot pass)",
                ENOMEM="the kernel lacked the memory for the timer",
                ENOTSUP="the kernel has no timers on this clock (CLOCK_MONOTONIC_RAW, a "
                        "*_COARSE clock, or an *_ALARM clock on a machine without a "
                        "real-time clock device)",
                EPERM="an *_ALARM clock needs the CAP_WAKE_ALARM capability",
            ),
            doc="Create a disarmed timer on clockid and store its id in timerid; sevp "
                "says how it notifies (None: SIGALRM, with the timer id as the value).",
            hazard="process",
        ),
        Function(
            "int timer_settime(timer_t timerid, int flags, const struct itimerspec *new_value, "
            "struct itimerspec *old_value);",
            man="timer_settime(2)", nullable=("old_value",),
            cdef="int glibc_timer_settime(timer_t timerid, int flags, "
                 "const struct itimerspec *new_value, struct itimerspec *old_value);",
            symbol="glibc_timer_settime",
            errors=dict(
                BAD_POINTER,
                EINVAL=_BAD_TIMER["EINVAL"] + ", or new_value holds a negative time or a "
                       "tv_nsec outside 0..999999999",
            ),
            doc="Arm (a zero it_value: disarm) the timer, relative or with TIMER_ABSTIME "
                "absolute; old_value gets the previous setting.",
            hazard=("exits", "process"),
        ),
        Function(
            "int timer_gettime(timer_t timerid, struct itimerspec *curr_value);",
            man="timer_gettime(2)",
            cdef="int glibc_timer_gettime(timer_t timerid, struct itimerspec *curr_value);",
            symbol="glibc_timer_gettime",
            errors=dict(BAD_POINTER, **_BAD_TIMER),
            doc="Store the time left until the next expiration and the interval in curr_value.",
        ),
        Function(
            "int timer_getoverrun(timer_t timerid);", man="timer_getoverrun(2)",
            cdef="int glibc_timer_getoverrun(timer_t timerid);", symbol="glibc_timer_getoverrun",
            errors=_BAD_TIMER,
            doc="Return how many more times the timer expired while its last signal waited "
                "to be delivered.",
        ),
        Function(
            "int timer_delete(timer_t timerid);", man="timer_delete(2)",
            cdef="int glibc_timer_delete(timer_t timerid);", symbol="glibc_timer_delete",
            errors=_BAD_TIMER,
            doc="Disarm and delete the timer.",
        ),
        # sigev_notify_thread_id is a macro into an unnamed union in glibc.
        Function(
            "int glibc_sigevent_set_thread_id(struct sigevent *sevp, int tid);",
            man="sigevent(3type)", convention="never", public=False,
            doc="Set sevp's sigev_notify_thread_id (with SIGEV_THREAD_ID: the thread, by "
                "its gettid() id, that the timer signals).",
        ),
    ],
    source='#include "timer.h"',
)
