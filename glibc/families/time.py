"""<time.h>: clocks and the time types (clock_gettime(2))."""

from glibc._spec import Family, Function, Type, names
from glibc.families._reasons import BAD_POINTER

_BAD_CLOCK = dict(BAD_POINTER, EINVAL="clockid is not a clock this system knows")

FAMILY = Family(
    "time",
    headers=["<time.h>", "<sys/time.h>"],
    doc="clocks, struct timespec and struct timeval",
    types=[
        Type("time_t", "typedef int... time_t;", man="time(2)"),
        Type("suseconds_t", "typedef int... suseconds_t;", man="gettimeofday(2)"),
        Type("clockid_t", "typedef int... clockid_t;", man="clock_gettime(2)"),
        Type("timespec", "struct timespec { time_t tv_sec; long tv_nsec; ...; };",
             man="timespec(3type)"),
        Type("timeval", "struct timeval { time_t tv_sec; suseconds_t tv_usec; ...; };",
             man="timeval(3type)"),
    ],
    constants=names("""
        CLOCK_REALTIME CLOCK_MONOTONIC CLOCK_PROCESS_CPUTIME_ID CLOCK_THREAD_CPUTIME_ID
        CLOCK_MONOTONIC_RAW CLOCK_REALTIME_COARSE CLOCK_MONOTONIC_COARSE CLOCK_BOOTTIME
        CLOCK_REALTIME_ALARM CLOCK_BOOTTIME_ALARM
    """),
    optional=names("CLOCK_TAI"),
    functions=[
        Function("int clock_getres(clockid_t clockid, struct timespec *res);",
                 man="clock_getres(2)", nullable=("res",), errors=_BAD_CLOCK,
                 doc="Store the resolution of clockid in res (None: only check clockid)."),
        Function("int clock_gettime(clockid_t clockid, struct timespec *tp);",
                 man="clock_gettime(2)", errors=_BAD_CLOCK,
                 doc="Store the current time of clockid in tp."),
        Function(
            "int clock_settime(clockid_t clockid, const struct timespec *tp);",
            man="clock_settime(2)",
            errors=dict(
                BAD_POINTER,
                EINVAL="clockid is unknown or cannot be set, tp holds a negative or "
                       "out-of-range time, or it would put CLOCK_REALTIME before CLOCK_MONOTONIC",
                EPERM="the caller may not set this clock (it needs CAP_SYS_TIME)",
                EACCES="the caller may not write to the dynamic clock device",
            ),
            doc="Set clockid to tp.",
        ),
    ],
)
