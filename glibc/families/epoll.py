"""<sys/epoll.h>: I/O event notification (epoll(7))."""

from typing import Any, Dict, Optional

from glibc._spec import Family, Function, Type, names
from glibc.families._reasons import BAD_POINTER, INTERRUPTED, NEW_FD

_CREATE = dict(
    NEW_FD,
    EMFILE="this process is at its open file limit, or the user is at "
           "/proc/sys/fs/epoll/max_user_instances",
)

_WAIT = dict(
    BAD_POINTER,
    **INTERRUPTED,
    EBADF="epfd is not a valid file descriptor",
    EINVAL="epfd is not an epoll file descriptor, or maxevents is not positive",
)


def _wait(proto: str, man: str, errors: Dict[str, str] = _WAIT,
          sizes: Optional[Dict[str, str]] = None, **extra: Any) -> Function:
    return Function(proto, man=man, errors=errors, sizes=dict(sizes or {}, events="maxevents"),
                    timeout="timeout", blocking=True, **extra)


_SELECT_EPOLL = "select.epoll.poll"


FAMILY = Family(
    "epoll",
    headers=["<sys/epoll.h>"],
    doc="readiness notification for many file descriptors",
    types=[
        Type("epoll_data_t",
             "typedef union epoll_data { void *ptr; int fd; uint32_t u32; uint64_t u64; }"
             " epoll_data_t;",
             man="epoll_ctl(2)"),
        Type("epoll_event", "struct epoll_event { uint32_t events; epoll_data_t data; ...; };",
             man="epoll_ctl(2)"),
    ],
    constants=names("""
        EPOLL_CLOEXEC EPOLL_CTL_ADD EPOLL_CTL_DEL EPOLL_CTL_MOD
        EPOLLIN EPOLLPRI EPOLLOUT EPOLLERR EPOLLHUP EPOLLRDNORM EPOLLRDBAND
        EPOLLWRNORM EPOLLWRBAND EPOLLMSG EPOLLRDHUP EPOLLONESHOT EPOLLET
    """),
    optional=names("EPOLLEXCLUSIVE EPOLLWAKEUP"),
    functions=[
        Function("int epoll_create(int size);", man="epoll_create(2)",
                 errors=dict(_CREATE, EINVAL="size is not positive"), stdlib="select.epoll",
                 doc="Create an epoll instance (size is only checked to be positive)."),
        Function("int epoll_create1(int flags);", man="epoll_create1(2)",
                 errors=dict(_CREATE, EINVAL="flags holds a bit other than EPOLL_CLOEXEC"),
                 stdlib="select.epoll",
                 doc="Create an epoll instance."),
        Function(
            "int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event);",
            man="epoll_ctl(2)", nullable=("event",), stdlib="select.epoll.register",
            errors=dict(
                BAD_POINTER,
                EBADF="epfd or fd is not a valid file descriptor",
                EEXIST="op is EPOLL_CTL_ADD and fd is already in this epoll instance",
                EINVAL="epfd is not an epoll instance, fd is epfd itself, op is unknown, "
                       "or EPOLLEXCLUSIVE is used where it is not allowed",
                ELOOP="adding this epoll instance would make a cycle of epoll instances, "
                      "or nest them more than 5 deep",
                ENOENT="op is EPOLL_CTL_MOD or EPOLL_CTL_DEL and fd is not in this epoll instance",
                ENOMEM="the kernel lacked the memory for this operation",
                ENOSPC="the user is at /proc/sys/fs/epoll/max_user_watches",
                EPERM="fd does not support epoll (a regular file or a directory, say)",
            ),
            doc="Add (EPOLL_CTL_ADD), change (EPOLL_CTL_MOD) or remove (EPOLL_CTL_DEL) fd; "
                "event may be None for EPOLL_CTL_DEL.",
        ),
        _wait("int epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout);",
              "epoll_wait(2)", stdlib=_SELECT_EPOLL,
              doc="Wait up to timeout ms (-1: forever) and fill events; return how many."),
        _wait("int epoll_pwait(int epfd, struct epoll_event *events, int maxevents, int timeout, "
              "const sigset_t *sigmask);",
              "epoll_pwait(2)", nullable=("sigmask",), stdlib=None,
              doc="epoll_wait with sigmask as the thread's signal mask while it waits."),
        # Reached through syscall() in csrc/epoll.h: see there why.
        _wait("int epoll_pwait2(int epfd, struct epoll_event *events, int maxevents, "
              "const struct timespec *timeout, const sigset_t *sigmask);",
              "epoll_pwait2(2)", nullable=("timeout", "sigmask"), stdlib=None,
              cdef="int glibc_epoll_pwait2(int epfd, struct epoll_event *events, int maxevents, "
                   "const struct timespec *timeout, const sigset_t *sigmask);",
              symbol="glibc_epoll_pwait2",
              errors=dict(_WAIT, EINVAL=_WAIT["EINVAL"] + ", or timeout holds a negative time "
                          "or a tv_nsec outside 0..999999999"),
              linux="5.11", glibc="2.35",
              doc="epoll_pwait with a timeout to the nanosecond (None: wait forever)."),
        # Shim helper (csrc/epoll.h): pyglibc.select.epoll.poll() reads the
        # results as one flat array of integers instead of struct by struct.
        _wait("int glibc_epoll_wait_packed(int epfd, struct epoll_event *events, int maxevents, "
              "int timeout);",
              "epoll_wait(2)", public=False, stdlib=_SELECT_EPOLL,
              doc="epoll_wait, then the results packed in place: the first 2n unsigned ints "
                  "of events hold the data.fd (its bits) and the events of result 0, 1, ..."),
    ],
    source='#include "epoll.h"',
)
