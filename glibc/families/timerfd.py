"""<sys/timerfd.h>: timers that notify through a file descriptor (timerfd_create(2))."""

from glibc._spec import Family, Function, names
from glibc.families._reasons import ANON_INODE, BAD_POINTER

_BAD_TIMERFD = dict(
    BAD_POINTER,
    EBADF="fd is not a valid file descriptor",
    EINVAL="fd is not a timerfd file descriptor",
)

FAMILY = Family(
    "timerfd",
    headers=["<sys/timerfd.h>"],
    doc="timers whose expirations are counted by a file descriptor",
    constants=names("TFD_TIMER_ABSTIME TFD_CLOEXEC TFD_NONBLOCK"),
    optional=names("TFD_TIMER_CANCEL_ON_SET"),
    functions=[
        Function(
            "int timerfd_create(int clockid, int flags);",
            man="timerfd_create(2)", stdlib="os.timerfd_create (3.13)",
            errors=dict(
                ANON_INODE,
                EINVAL="clockid is not a clock a timer can use, or flags holds an unknown bit",
                EPERM="an *_ALARM clock needs the CAP_WAKE_ALARM capability",
            ),
            doc="Create a timer on clockid; read(2) on it returns the expirations.",
        ),
        Function(
            "int timerfd_settime(int fd, int flags, const struct itimerspec *new_value, "
            "struct itimerspec *old_value);",
            man="timerfd_settime(2)", stdlib="os.timerfd_settime (3.13)", nullable=("old_value",),
            errors=dict(
                _BAD_TIMERFD,
                EINVAL="fd is not a timerfd, flags holds an unknown bit, or a tv_nsec "
                       "of new_value is outside 0..999999999",
                ECANCELED="the realtime clock was set while TFD_TIMER_CANCEL_ON_SET was in force",
            ),
            doc="Arm (or, with a zero it_value, disarm) the timer; old_value gets the previous "
                "setting.",
        ),
        Function("int timerfd_gettime(int fd, struct itimerspec *curr_value);",
                 man="timerfd_gettime(2)", stdlib="os.timerfd_gettime (3.13)", errors=_BAD_TIMERFD,
                 doc="Store the time left and the interval of the timer in curr_value."),
    ],
)
