"""The system calls the supervisor makes on every start, straight through the compiled module.

The names of the ``glibc`` namespace are made from the binding tables, and
the first one asked for reads all the tables: some 5 ms, half of a bare
interpreter's start, which the supervisor's startup goal
(``python -m pyglibc run -- true`` within 1.5 times ``python -c pass``) has
no room for.  So these few calls go to ``glibc._glibc.lib`` directly, with
arguments the supervisor made itself; only a failure reads the tables, to
raise the OSError, reason and all, that ``glibc.<name>`` would raise.
"""

from __future__ import annotations

import errno
import importlib

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs a millisecond at startup: only the checker reads it
    from typing import Any, Iterable, List, Optional, Tuple

# The compiled module itself, not glibc._namespace.compiled(), which would import
# the glibc.families package too; that one only says how to build it if it is missing.
_compiled: Any
try:
    _compiled = importlib.import_module("glibc._glibc")
except ImportError:
    import glibc._namespace

    namespace: Any = glibc._namespace
    namespace.compiled()
    raise
_ffi: Any = _compiled.ffi
_lib: Any = _compiled.lib

# waitid(2)'s, which PyPy 3.9's os lacks as it lacks waitid.
P_ALL: int = _lib.P_ALL
P_PID: int = _lib.P_PID
WEXITED: int = _lib.WEXITED
WSTOPPED: int = _lib.WSTOPPED
WNOWAIT: int = _lib.WNOWAIT
WNOHANG: int = _lib.WNOHANG

# si_code of a signal sent by kill(2) and tkill(2)/tgkill(2).
SI_USER: int = _lib.SI_USER
SI_TKILL: int = _lib.SI_TKILL

# signalfd(2) reports at most this many signals per read; more wait for the next.
_BATCH = 16


# The wrappers of the shim that return errno with a failure: a result below 0
# is _ERRNO_BASE + errno.  errno read after the call could be a signal
# handler's (csrc/glibc_shim.h).
_ERRNO_BASE: int = _lib.GLIBC_ERRNO_BASE


def error(function: str, failed: int) -> OSError:
    """The OSError for ``function`` (a glibc name) that returned ``failed``."""
    number = failed - _ERRNO_BASE
    import glibc._errors
    import glibc._namespace

    errors: Any = glibc._errors
    namespace: Any = glibc._namespace
    entry = namespace.entry(function)
    exc: OSError = errors.oserror(function, errors.reasons_by_number(entry.errors), number)
    return exc


def _sigset(signals: Iterable[int]) -> Any:
    mask = _ffi.new("sigset_t *")
    _lib.sigemptyset(mask)
    for signum in signals:
        failed = _lib.glibc_errno_sigaddset(mask, signum)
        if failed < 0:
            raise error("sigaddset", failed)
    return mask


def signalfd(signals: Iterable[int]) -> int:
    """A new non-blocking, close-on-exec signalfd(2) for signals (block them first)."""
    fd: int = _lib.glibc_errno_signalfd(-1, _sigset(signals), _lib.SFD_NONBLOCK | _lib.SFD_CLOEXEC)
    if fd < 0:
        raise error("signalfd", fd)
    return fd


class SignalReader:
    """Reads a signalfd: ``(ssi_signo, ssi_code, ssi_pid)`` of each signal pending."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._records = _ffi.new("struct signalfd_siginfo[]", _BATCH)
        self._bytes = _ffi.sizeof(self._records)
        self._size = _ffi.sizeof("struct signalfd_siginfo")

    def read(self) -> List[Tuple[int, int, int]]:
        """The signals taken by one read(2); an empty list when none is pending."""
        got: int = _lib.glibc_errno_read(self.fd, self._records, self._bytes)
        if got < 0:
            if got - _ERRNO_BASE == errno.EAGAIN:
                return []
            raise error("read", got)
        records = self._records
        return [(records[i].ssi_signo, records[i].ssi_code, records[i].ssi_pid)
                for i in range(got // self._size)]


def timerfd() -> int:
    """A new non-blocking, close-on-exec timerfd(2) on CLOCK_MONOTONIC, disarmed."""
    fd: int = _lib.glibc_errno_timerfd_create(_lib.CLOCK_MONOTONIC,
                                              _lib.TFD_NONBLOCK | _lib.TFD_CLOEXEC)
    if fd < 0:
        raise error("timerfd_create", fd)
    return fd


def timerfd_arm(fd: int, seconds: float, interval: float = 0.0) -> None:
    """Make the timer fd expire seconds from now, then every interval (0: once); 0 disarms it."""
    when = _ffi.new("struct itimerspec *")
    for field, value in ((when.it_value, seconds), (when.it_interval, interval)):
        whole = int(value)
        nanoseconds = int(round((value - whole) * 1e9))
        if value > 0 and whole == 0 and nanoseconds == 0:
            nanoseconds = 1  # a zero would disarm a timer meant to expire
        field.tv_sec, field.tv_nsec = whole, min(nanoseconds, 999999999)
    failed = _lib.glibc_errno_timerfd_settime(fd, 0, when, _ffi.NULL)
    if failed < 0:
        raise error("timerfd_settime", failed)


def _prctl(option: int, arg2: int) -> int:
    result: int = _lib.glibc_errno_prctl(option, arg2, 0, 0, 0)
    if result < 0:
        raise error("prctl", result)
    return result


def subreaper() -> bool:
    """Whether this process is a child subreaper (PR_GET_CHILD_SUBREAPER)."""
    value = _ffi.new("int *")
    _prctl(_lib.PR_GET_CHILD_SUBREAPER, int(_ffi.cast("uintptr_t", value)))
    return bool(value[0])


def set_subreaper(on: bool) -> None:
    _prctl(_lib.PR_SET_CHILD_SUBREAPER, int(on))


def pdeathsig() -> int:
    """The signal this process gets when its parent ends (PR_GET_PDEATHSIG), 0 for none."""
    value = _ffi.new("int *")
    _prctl(_lib.PR_GET_PDEATHSIG, int(_ffi.cast("uintptr_t", value)))
    return int(value[0])


def set_pdeathsig(signum: int) -> None:
    _prctl(_lib.PR_SET_PDEATHSIG, signum)


class Waited:
    """What waitid(2) filled in: si_pid, si_status, si_code (``os.waitid_result``'s names)."""

    __slots__ = ("si_pid", "si_status", "si_code")

    def __init__(self, info: Any) -> None:
        self.si_pid: int = info.si_pid
        self.si_status: int = info.si_status
        self.si_code: int = info.si_code


def waitid(idtype: int, ident: int, options: int) -> Optional[Waited]:
    """os.waitid where the interpreter has none (PyPy 3.9): None if WNOHANG found no change.

    No descriptor is needed, as reading /proc for the children would: a
    supervisor with every descriptor under its limit taken still reaps.
    """
    info = _ffi.new("siginfo_t *")
    while True:
        failed = _lib.glibc_errno_waitid(idtype, ident, info, options)
        if failed >= 0:
            return Waited(info) if info.si_pid else None
        number = failed - _ERRNO_BASE
        if number == errno.ECHILD:  # no child left, as expected: no tables read for it
            raise ChildProcessError(number, "waitid: no child left")
        if number != errno.EINTR:
            raise error("waitid", failed)


def take_pending(signum: int) -> None:
    """Take signum off the pending signals, if it is there (blocked), and act on nothing.

    sigtimedwait(2) with no wait, which PyPy 3.9's signal module lacks.
    """
    _lib.glibc_errno_sigtimedwait(_sigset((signum,)), _ffi.NULL, _ffi.new("struct timespec *"))


# The resource limits by name (without RLIMIT_), as getrlimit(2) lists them; a name
# the headers lack is left out.
RLIMITS = dict((name, getattr(_lib, "RLIMIT_" + name)) for name in (
    "AS", "CORE", "CPU", "DATA", "FSIZE", "LOCKS", "MEMLOCK", "MSGQUEUE", "NICE", "NOFILE",
    "NPROC", "RSS", "RTPRIO", "RTTIME", "SIGPENDING", "STACK") if hasattr(_lib, "RLIMIT_" + name))
RLIM_INFINITY: int = _lib.RLIM_INFINITY


def rlimit(resource: int) -> Tuple[int, int]:
    """getrlimit(resource): (soft, hard), RLIM_INFINITY for no limit."""
    limits = _ffi.new("struct rlimit *")
    failed = _lib.glibc_errno_getrlimit(resource, limits)
    if failed < 0:
        raise error("getrlimit", failed)
    return int(limits.rlim_cur), int(limits.rlim_max)


def set_rlimit(resource: int, soft: int, hard: int) -> None:
    """setrlimit(resource, soft, hard); RLIM_INFINITY for no limit."""
    failed = _lib.glibc_errno_setrlimit(resource, _ffi.new("struct rlimit *", (soft, hard)))
    if failed < 0:
        raise error("setrlimit", failed)


def setrlimit_errno(resource: int, soft: int, hard: int) -> int:
    """setrlimit(resource, soft, hard) in a forked child: its errno, 0 if it succeeded.

    No OSError: making one reads the binding tables, an import that a child
    forked from a threaded process must not start.
    """
    failed = _lib.glibc_errno_setrlimit(resource, _ffi.new("struct rlimit *", (soft, hard)))
    return failed - _ERRNO_BASE if failed < 0 else 0


def fork_into_cgroup(cgroup: int) -> int:
    """fork(2) whose child starts in the cgroup v2 that the directory descriptor cgroup is
    (clone3 with CLONE_INTO_CGROUP): the child's pid, 0 in the child.

    Only for a single-threaded process: glibc's and Python's fork hooks do
    not run, so the child must do nothing but system calls until exec or
    _exit.  ENOSYS, E2BIG or EINVAL: the kernel predates Linux 5.7, or a
    seccomp filter refuses clone3 (some answer EPERM).
    """
    pid: int = _lib.glibc_errno_glibc_fork_into_cgroup(cgroup)
    if pid >= 0:
        return pid
    import glibc._errors
    import glibc.families.sched

    errors: Any = glibc._errors
    entry = next(f for f in glibc.families.sched.FAMILY.functions
                 if f.name == "glibc_fork_into_cgroup")
    exc: OSError = errors.oserror("clone3", errors.reasons_by_number(entry.errors),
                                  pid - _ERRNO_BASE)
    raise exc


def nofile() -> Tuple[int, int]:
    """RLIMIT_NOFILE, (soft, hard): one more than the highest descriptor open(2) may make."""
    return rlimit(_lib.RLIMIT_NOFILE)


def set_nofile(soft: int, hard: int) -> None:
    set_rlimit(_lib.RLIMIT_NOFILE, soft, hard)
