"""Signals read from a file descriptor: ``with signalfd([SIGINT]) as sfd: sfd.read()``."""

import collections
import operator
from typing import Any, Iterable, Optional

import glibc
from pyglibc._fd import FdObject, int_arg as _int_arg
from pyglibc._sigset import sigset

_SFD_CLOEXEC = glibc.SFD_CLOEXEC
_siginfo = glibc.signalfd_siginfo
_SIZE = _siginfo.size
_MOST = 4096  # records one read() takes at most (512 KiB of buffer)
_read = glibc.read

# Its fields are the table's (glibc/families/signalfd.py): Any to a type checker.
signalfd_siginfo = collections.namedtuple(  # type: ignore[misc]
    "signalfd_siginfo", _siginfo.fields)
signalfd_siginfo.__doc__ = (
    "One signal as signalfd(2) reports it: the fields of struct signalfd_siginfo "
    "(ssi_signo, ssi_pid, ssi_uid, ssi_status, ...), copied out of the read buffer.")

# One C struct -> one record, fields read in a single call.
_fields_of = operator.attrgetter(*_siginfo.fields)
_make = signalfd_siginfo._make


class signalfd(FdObject):
    """signalfd(2): a file descriptor that reports the signals in ``signals``.

    ``int signalfd(int fd, const sigset_t *mask, int flags)``, with fd=-1 to
    create it.  ``flags`` may hold SFD_NONBLOCK; SFD_CLOEXEC is always added.
    Block the signals first (``pyglibc.pthread_sigmask``), or they are
    delivered the usual way and never reach the descriptor.
    """

    _kind = "signalfd"

    def __init__(self, signals: Optional[Iterable[int]] = None, flags: int = 0) -> None:
        flags = _int_arg(flags, "signalfd", "flags")
        self._signals, mask = sigset(signals, "signalfd")
        super().__init__(glibc.signalfd(-1, mask, flags | _SFD_CLOEXEC))

    @classmethod
    def fromfd(cls, fd: int, signals: Optional[Iterable[int]]) -> "signalfd":
        """A signalfd object owning ``fd``, an existing signalfd watching ``signals``.

        The object closes fd when it is closed.  ``signals`` is only
        recorded; call ``update()`` to apply a set to fd.
        """
        fd = _int_arg(fd, "signalfd.fromfd", "fd")
        if fd < 0:
            raise ValueError("signalfd.fromfd: fd must be a file descriptor (>= 0), not %d" % fd)
        chosen, _ = sigset(signals, "signalfd.fromfd")
        self = cls.__new__(cls)
        FdObject.__init__(self, fd)
        self._signals = chosen
        return self

    @property
    def signals(self) -> frozenset[int]:
        """The frozenset of signals the descriptor reports; assigning calls ``update()``."""
        return self._signals

    @signals.setter
    def signals(self, signals: Optional[Iterable[int]]) -> None:
        self.update(signals)

    def update(self, signals: Optional[Iterable[int]]) -> None:
        """Watch ``signals`` (None: none) from now on: signalfd(2) on the same fd, flags 0."""
        fd = self.fileno()
        chosen, mask = sigset(signals, "signalfd.update")
        glibc.signalfd(fd, mask, 0)
        self._signals = chosen

    def read(self, maxsignals: Optional[int] = None) -> list[Any]:
        """Take up to ``maxsignals`` pending signals with one read(2) and return their records.

        ``maxsignals`` defaults to the number of signals watched (at least 1);
        one read takes 4096 at most.
        The records are ``signalfd_siginfo`` named tuples, copies that later
        reads leave alone.  A blocking descriptor waits for a signal (and a
        Python handler that runs meanwhile does not end the wait, PEP 475); a
        non-blocking one with nothing pending returns ``[]`` instead of raising
        BlockingIOError: the old package documented that (and its demos rely
        on it) though its code let EAGAIN through.
        """
        fd = self.fileno()
        if maxsignals is None:
            count = max(1, len(self._signals))
        else:
            count = _int_arg(maxsignals, "signalfd.read", "maxsignals")
            if count < 1:
                raise ValueError("signalfd.read: maxsignals must be at least 1, not %d" % count)
            # The buffer has room for maxsignals records, but never more than
            # _MOST: maxsignals=2**31 would ask for 256 GiB (MemoryError), where
            # a read returns "up to" that many anyway; read again for the rest.
            count = min(count, _MOST)
        buf = _siginfo.array(count)
        try:
            got = _read(fd, buf)
        except BlockingIOError:
            return []
        return [_make(_fields_of(buf[i])) for i in range(got // _SIZE)]

    def __repr__(self) -> str:
        if self.closed:
            return "<pyglibc.signalfd closed>"
        return "<pyglibc.signalfd fd=%d signals=%s>" % (
            self._fd, sorted(int(s) for s in self._signals))
