"""<poll.h>, <sys/select.h>: waiting on fds, with a signal mask (poll(2), ppoll(2), pselect(2))."""

from typing import Any, Tuple

from glibc._arguments import index_of
from glibc._spec import Args, Convert, Family, Function, Type, names
from glibc.families._reasons import BAD_POINTER, INTERRUPTED

_POLL = dict(
    BAD_POINTER,
    **INTERRUPTED,
    EINVAL="nfds is above this process's RLIMIT_NOFILE limit",
    ENOMEM="the kernel lacked the memory for its copy of the fds",
)

_BAD_TIMESPEC = "holds a negative time or a tv_nsec outside 0..999999999"


def _fd_in_set(name: str) -> Convert:
    """FD_SET and its kin reach the bit of fd in a fixed-size fd_set: an fd
    outside 0..FD_SETSIZE-1 would be past it (and an abort in glibc's checks)."""
    def check(ffi: Any, lib: Any, args: Args) -> Tuple[Args, Any]:
        fd = index_of(name, "fd", args[0])
        if not 0 <= fd < lib.FD_SETSIZE:
            raise ValueError("%s: fd must be in 0..FD_SETSIZE-1 (%d), not %d: an fd_set has "
                             "no bit for it" % (name, lib.FD_SETSIZE - 1, fd))
        return (fd,) + tuple(args[1:]), None
    return check


def _fd_macro(proto: str, doc: str) -> Function:
    """The FD_* macros of select(2): each is a shim function glibc_<name> in csrc/fdset.h."""
    name = proto.split("(")[0].split()[-1]
    symbol = "glibc_" + name
    return Function(
        proto, man="select(2)", convention="never", cdef=proto.replace(name + "(", symbol + "("),
        symbol=symbol, convert=None if name == "FD_ZERO" else _fd_in_set(name),
        doc=doc + "  An fd outside 0..FD_SETSIZE-1 is a ValueError, not a write past the set.",
    )


FAMILY = Family(
    "poll",
    headers=["<poll.h>", "<sys/select.h>"],
    doc="poll and select, with a signal mask and a timespec timeout",
    types=[
        Type("pollfd", "struct pollfd { int fd; short events; short revents; ...; };",
             man="poll(2)"),
        Type("nfds_t", "typedef int... nfds_t;", man="poll(2)"),
        Type("fd_set", "typedef struct { ...; } fd_set;", man="select(2)"),
    ],
    constants=names("""
        POLLIN POLLPRI POLLOUT POLLERR POLLHUP POLLNVAL
        POLLRDNORM POLLRDBAND POLLWRNORM POLLWRBAND POLLMSG POLLRDHUP
        NFDBITS
    """),
    optional=names("POLLREMOVE"),
    functions=[
        Function(
            "int poll(struct pollfd *fds, nfds_t nfds, int timeout);",
            man="poll(2)", sizes={"fds": "nfds"}, nullable=("fds",), timeout="timeout",
            blocking=True, errors=_POLL, stdlib="select.poll",
            doc="Wait up to timeout ms (negative: forever) until one of fds has an event "
                "of its events; fill in revents and return how many have one (0: timed out).",
        ),
        Function(
            "int ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *tmo_p, "
            "const sigset_t *sigmask);",
            man="ppoll(2)", sizes={"fds": "nfds"}, nullable=("fds", "tmo_p", "sigmask"),
            timeout="tmo_p", blocking=True,
            errors=dict(_POLL, EINVAL=_POLL["EINVAL"] + ", or tmo_p " + _BAD_TIMESPEC),
            doc="poll with a timeout to the nanosecond (None: forever) and sigmask as the "
                "thread's signal mask while it waits.",
        ),
        Function(
            "int pselect(int nfds, fd_set *readfds, fd_set *writefds, fd_set *exceptfds, "
            "const struct timespec *timeout, const sigset_t *sigmask);",
            man="pselect(2)", nullable=("readfds", "writefds", "exceptfds", "timeout", "sigmask"),
            timeout="timeout", blocking=True,
            # pselect reads nfds bits of each set and writes them back.
            sizes=dict.fromkeys(("readfds", "writefds", "exceptfds"), "nfds"),
            units={"nfds": "bits"},
            stdlib="select.select",
            errors=dict(
                BAD_POINTER,
                **INTERRUPTED,
                EBADF="one of the sets holds an fd that is not open",
                EINVAL="nfds is negative or above this process's RLIMIT_NOFILE limit, or "
                       "timeout " + _BAD_TIMESPEC,
                ENOMEM="the kernel lacked the memory for its copy of the sets",
            ),
            doc="Wait until an fd below nfds in readfds, writefds or exceptfds is ready, "
                "timeout at most (None: forever), with sigmask as the thread's signal mask "
                "meanwhile; the sets keep only the ready fds.  nfds may not exceed the bits "
                "of a set (ValueError).",
        ),
        # fd_set is a bit array behind macros (csrc/fdset.h).
        _fd_macro("void FD_CLR(int fd, fd_set *set);", "Remove fd from set."),
        _fd_macro("int FD_ISSET(int fd, fd_set *set);", "Return 1 if fd is in set, 0 if not."),
        _fd_macro("void FD_SET(int fd, fd_set *set);", "Add fd to set."),
        _fd_macro("void FD_ZERO(fd_set *set);", "Make set empty."),
    ],
    source='#include "fdset.h"',
)
