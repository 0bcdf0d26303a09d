"""Signals without handlers: ``sigwait()`` takes one, ``signals`` reads them from a descriptor.

    with pyglibc.signals(signal.SIGINT, signal.SIGTERM) as sigs:
        for info in sigs:                  # waits for the next one
            print(info.si_signo, info.si_pid)

Both give ``siginfo`` records: the fields of siginfo_t that the signal's
si_code says were filled in, and None for the others (a kill(2) has a
sender but no exit status; a child's exit has both).
"""

import operator
import threading
from typing import Any, Callable, Iterable, Iterator, NamedTuple, Optional, TypeVar, Union

import glibc
from pyglibc._fd import NotCopyable, int_arg as _int_arg
from pyglibc._sigmask import pthread_sigmask
from pyglibc._signalfd import signalfd
from pyglibc._sigset import members, sigset
from pyglibc._timeout import (
    deadline as _deadline,
    nanoseconds as _nanoseconds,
    wait_readable as _wait_readable,
)

_ffi = glibc.ffi

# -- decoding: which union member si_code selects ------------------------------------------------

# What the kernel fills in for each layout of <asm-generic/siginfo.h>
# (besides si_signo, si_errno and si_code, always there).
_KILL = ("pid", "uid")
_RT = ("pid", "uid", "value", "ptr")
_TIMER = ("timerid", "overrun", "value", "ptr")
_CHILD = ("pid", "uid", "status", "utime", "stime")
_FAULT = ("addr",)
_MEMORY_ERROR = ("addr", "addr_lsb")
_POLL = ("band", "fd")
_SYS = ("call_addr", "syscall", "arch")

_FIELDS = ("signo", "code", "errno", "pid", "uid", "status", "utime", "stime", "value", "ptr",
           "timerid", "overrun", "addr", "addr_lsb", "band", "fd", "call_addr", "syscall", "arch")


class siginfo(NamedTuple):
    """One signal taken by ``sigwait()`` or read from a ``signals`` object.

The names are siginfo_t's (those of signal.sigtimedwait's result, and
more); fields that the signal's si_code does not fill in are None:

* si_pid, si_uid: who sent it (kill, sigqueue, a child's change of state);
* si_value, si_ptr: sigqueue(3)'s value, as the int and as the whole
  pointer-sized number (also for SI_TIMER);
* si_status, si_utime, si_stime: SIGCHLD's exit code or signal and the
  child's CPU time in clock ticks;
* si_timerid, si_overrun: POSIX timers (SI_TIMER);
* si_addr (si_addr_lsb for memory errors): SIGSEGV, SIGBUS, SIGILL,
  SIGFPE, SIGTRAP made by the kernel;
* si_band, si_fd: SIGIO/SIGPOLL, or the signal F_SETSIG chose;
* si_call_addr, si_syscall, si_arch: SIGSYS from seccomp.
    """

    si_signo: int
    si_code: int
    si_errno: int
    si_pid: Optional[int]
    si_uid: Optional[int]
    si_status: Optional[int]
    si_utime: Optional[int]
    si_stime: Optional[int]
    si_value: Optional[int]
    si_ptr: Optional[int]
    si_timerid: Optional[int]
    si_overrun: Optional[int]
    si_addr: Optional[int]
    si_addr_lsb: Optional[int]
    si_band: Optional[int]
    si_fd: Optional[int]
    si_call_addr: Optional[int]
    si_syscall: Optional[int]
    si_arch: Optional[int]


assert siginfo._fields == tuple("si_" + name for name in _FIELDS)
_NOTHING: dict[str, Any] = dict.fromkeys(siginfo._fields)


def _layout(signo: int, code: int) -> tuple[str, ...]:
    """The fields ``(signo, code)`` fills in, by the rule the kernel copies siginfo with."""
    if glibc.SI_USER < code < glibc.SI_KERNEL:
        # The kernel's own reasons: their meaning depends on the signal.
        if signo in _FAULT_SIGNALS:
            if signo == glibc.SIGBUS and code in _MEMORY_ERRORS:
                return _MEMORY_ERROR
            return _FAULT
        if signo == glibc.SIGCHLD:
            return _CHILD
        if signo == glibc.SIGSYS:
            return _SYS
        if signo == glibc.SIGPOLL or code <= glibc.POLL_HUP:
            return _POLL
        return _KILL
    if code == glibc.SI_TIMER:
        return _TIMER
    if code == glibc.SI_SIGIO:
        return _POLL
    if code < 0 and code != glibc.SI_TKILL:  # tgkill(2) sends no value
        return _RT
    return _KILL


_FAULT_SIGNALS = frozenset((glibc.SIGSEGV, glibc.SIGBUS, glibc.SIGILL, glibc.SIGFPE,
                            glibc.SIGTRAP))
_MEMORY_ERRORS = frozenset((glibc.BUS_MCEERR_AR, glibc.BUS_MCEERR_AO))


def _address(pointer: Any) -> int:
    return int(_ffi.cast("uintptr_t", pointer))


# field -> how to read it from a siginfo_t, and from a signalfd_siginfo record
_Getters = dict[str, Callable[[Any], Any]]
_FROM_SIGINFO: _Getters = {name: operator.attrgetter("si_" + name) for name in _FIELDS}
_FROM_SIGINFO.update(
    value=operator.attrgetter("si_int"),
    ptr=lambda info: _address(info.si_ptr),
    addr=lambda info: _address(info.si_addr),
    call_addr=lambda info: _address(info.si_call_addr),
)
_FROM_SIGNALFD: _Getters = {name: operator.attrgetter("ssi_" + name) for name in _FIELDS}
_FROM_SIGNALFD.update(value=operator.attrgetter("ssi_int"),
                      timerid=operator.attrgetter("ssi_tid"))


def _decode(record: Any, signo: int, code: int, errno: int,
            getters: _Getters) -> siginfo:
    fields = dict(_NOTHING, si_signo=signo, si_code=code, si_errno=errno)
    for name in _layout(signo, code):
        fields["si_" + name] = getters[name](record)
    return siginfo(**fields)


def from_siginfo_t(info: Any) -> siginfo:
    """The ``siginfo`` record of a filled-in ``glibc.siginfo_t``."""
    return _decode(info, info.si_signo, info.si_code, info.si_errno, _FROM_SIGINFO)


def from_signalfd(record: Any) -> siginfo:
    """The ``siginfo`` record of a signalfd_siginfo (a C struct or pyglibc's named tuple)."""
    return _decode(record, record.ssi_signo, record.ssi_code, record.ssi_errno, _FROM_SIGNALFD)


# -- sigwait -------------------------------------------------------------------------------------

_NS = 1_000_000_000


def sigwait(signals: Iterable[int],
            timeout: Optional[Union[int, float]] = None) -> Optional[siginfo]:
    """Wait for one of ``signals`` to be pending, take it and return its ``siginfo``.

    sigwaitinfo(2), or sigtimedwait(2) when ``timeout`` (seconds) is given:
    None comes back if no signal came in time.  Block the signals first
    (``pyglibc.pthread_sigmask``, or a ``signals`` object): one that is not
    blocked is handled the usual way whenever it comes outside the wait.
    A Python handler of another signal that runs meanwhile does not end the
    wait, which goes on with what is left of ``timeout`` (PEP 475); what the
    handler raises comes out.  glibc reports tgkill(2)'s SI_TKILL as SI_USER.
    """
    _, mask = sigset(signals, "sigwait")
    ns = None if timeout is None else _nanoseconds(timeout, "sigwait")
    info = glibc.siginfo_t()
    if ns is None:
        glibc.sigwaitinfo(mask, info)
        return from_siginfo_t(info)
    try:
        limit = glibc.timespec(divmod(ns, _NS))
    except OverflowError:
        raise OverflowError("sigwait: timeout is too large") from None
    try:
        glibc.sigtimedwait(mask, info, limit)
    except BlockingIOError:
        return None
    return from_siginfo_t(info)


def sigqueue(pid: int, signum: int, value: int = 0) -> None:
    """Send ``signum`` with the int ``value`` to process ``pid`` (sigqueue(3)).

    The receiver's siginfo has si_code SI_QUEUE and si_value ``value``, and
    real-time signals queue one instance per call where standard ones merge.
    """
    pid = _int_arg(pid, "sigqueue", "pid")
    signum = _int_arg(signum, "sigqueue", "signum")
    value = _int_arg(value, "sigqueue", "value")
    union = glibc.sigval()  # zeroed: a dict would leave the rest of the union undefined
    try:
        union.sival_int = value
    except OverflowError:
        raise OverflowError("sigqueue: value must fit in a C int, not %d" % value) from None
    glibc.sigqueue(pid, signum, union[0])


_Signals = TypeVar("_Signals", bound="signals")

# -- signals -------------------------------------------------------------------------------------


class signals(NotCopyable):
    """Block ``signums`` in the calling thread and read them from a signalfd(2).

    ``signals(SIGINT, SIGTERM)`` blocks the signals at once and owns a
    close-on-exec, non-blocking signalfd that reports them; ``close()`` (or
    leaving the ``with`` block) closes it and puts back the mask it found,
    so a signal blocked before stays blocked.

    * ``read()`` takes what is pending now, without waiting;
    * ``wait(timeout)`` waits for at least one;
    * iterating waits for and yields one signal at a time, for ever;
    * ``fileno()`` makes it ready for a selector (readable: a signal waits).

    What is still pending at the end is not lost: once the old mask is
    back, those signals are delivered the usual way (their Python handler
    runs, or their default action, such as SIGTERM ending the process).
    Call ``read()`` before the end to take them instead.

    The mask belongs to the thread: close the object in the thread that
    made it (RuntimeError otherwise), and block the signals before starting
    other threads (they inherit the mask), or a signal sent to the process
    may go to a thread that does not block it.  An object dropped without
    ``close()`` has its descriptor closed by the finalizer, but the mask
    stays as it is: a finalizer may run in any thread, at any time.
    """

    __slots__ = ("_signals", "_mask", "_sfd", "_thread", "__weakref__")

    def __init__(self, *signums: int) -> None:
        chosen, _ = sigset(signums, "signals")
        mask = pthread_sigmask(chosen)
        mask.block()
        try:
            sfd = signalfd(chosen, glibc.SFD_NONBLOCK)
        except BaseException:
            mask.unblock()
            raise
        self._signals, self._mask, self._sfd = chosen, mask, sfd
        self._thread = threading.get_ident()

    @property
    def signals(self) -> frozenset[int]:
        """The frozenset of signals blocked and read."""
        return self._signals

    @property
    def closed(self) -> bool:
        """True once ``close()`` has run."""
        return self._sfd.closed

    def fileno(self) -> int:
        """The signalfd's descriptor (ValueError once closed)."""
        return self._sfd.fileno()

    def close(self) -> None:
        """Close the signalfd and restore the signal mask; closing again does nothing.

        Signals still pending and no longer blocked are delivered now.
        RuntimeError if another thread made the object (the descriptor is
        closed all the same, the mask of the thread that made it is not
        restored).
        """
        if self._sfd.closed:
            return
        try:
            if threading.get_ident() != self._thread:
                raise RuntimeError("signals.close: the signals were blocked by another thread, "
                                   "whose signal mask this thread cannot restore")
            self._mask.unblock()
        finally:
            self._sfd.close()

    def __enter__(self: _Signals) -> _Signals:
        self.fileno()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def read(self, maxsignals: Optional[int] = None) -> list[siginfo]:
        """Take the pending signals (up to ``maxsignals``) without waiting: a list of ``siginfo``.

        ``[]`` when none is pending.  ``maxsignals`` defaults to the number
        of signals watched; several instances of a real-time signal are
        taken in the order they were sent.
        """
        return [from_signalfd(record) for record in self._sfd.read(maxsignals)]

    def wait(self, timeout: Optional[Union[int, float]] = None,
             maxsignals: Optional[int] = None) -> list[siginfo]:
        """Wait up to ``timeout`` seconds (None: for ever) for a signal; return ``read()``'s list.

        ``[]`` if the time ran out.  A Python handler that runs meanwhile
        does not end the wait (PEP 475).
        """
        fd = self.fileno()
        if maxsignals is not None:
            # Checked now, not only once a signal comes: a wait that times out
            # must not let a bad argument pass unseen.
            count = _int_arg(maxsignals, "signals.wait", "maxsignals")
            if count < 1:
                raise ValueError("signals.wait: maxsignals must be at least 1, not %d" % count)
        until = _deadline(None if timeout is None else _nanoseconds(timeout, "signals.wait"))
        while _wait_readable(fd, until):
            got = self.read(maxsignals)
            if got:
                return got
            # Another reader took it first: wait again, with what is left.
        return []

    def pending(self) -> frozenset[int]:
        """The watched signals pending now (a frozenset), leaving them pending."""
        self.fileno()
        now = glibc.sigset_t()
        glibc.sigpending(now)
        return members(now) & self._signals

    def __iter__(self) -> Iterator[siginfo]:
        return self

    def __next__(self) -> siginfo:
        return self.wait(maxsignals=1)[0]

    def __repr__(self) -> str:
        state = "closed" if self.closed else "fd=%d" % self._sfd.fileno()
        return "<pyglibc.signals %s signals=%s>" % (state, sorted(int(s) for s in self._signals))

