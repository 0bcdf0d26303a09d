"""Typed prctl(2) attributes: ``pyglibc.prctl.name = "worker"``, ``prctl.pdeathsig = SIGTERM``.

Each attribute is a property that asks the kernel on every read, so the
object never goes stale when ``glibc.prctl`` changes something directly.
Some attributes belong to the calling thread (name, pdeathsig, timerslack,
no_new_privs), others to the whole process (dumpable, child_subreaper):
each docstring says which.
"""

import os
import signal
from typing import Any, Optional, Union

import glibc
from pyglibc._fd import int_arg
from pyglibc._subreaper import subreaper as _subreaper

_prctl = glibc.prctl
_new = glibc.ffi.new
_PR_GET_NAME = glibc.PR_GET_NAME
_PR_SET_NAME = glibc.PR_SET_NAME
_PR_GET_PDEATHSIG = glibc.PR_GET_PDEATHSIG
_PR_SET_PDEATHSIG = glibc.PR_SET_PDEATHSIG
_PR_GET_NO_NEW_PRIVS = glibc.PR_GET_NO_NEW_PRIVS
_PR_SET_NO_NEW_PRIVS = glibc.PR_SET_NO_NEW_PRIVS
_PR_GET_DUMPABLE = glibc.PR_GET_DUMPABLE
_PR_SET_DUMPABLE = glibc.PR_SET_DUMPABLE
_PR_GET_TIMERSLACK = glibc.PR_GET_TIMERSLACK
_PR_SET_TIMERSLACK = glibc.PR_SET_TIMERSLACK

# prctl(2): a thread name is at most 16 bytes with its NUL (the kernel's
# TASK_COMM_LEN, which no user-space header defines).
_NAME_SIZE = 16
# PR_GET_TIMERSLACK comes back as prctl's int result, so a larger slack
# could not be read back.
_INT_MAX = 2 ** (8 * glibc.ffi.sizeof("int") - 1) - 1


def _bool_arg(value: Any, where: str) -> bool:
    if not isinstance(value, int):  # bool is an int
        raise TypeError("%s must be a bool, not %s" % (where, type(value).__name__))
    return bool(value)


class _Prctl:
    """``pyglibc.prctl``: the common prctl(2) options as typed properties.

    ``int prctl(int option, unsigned long arg2, ...)`` with PR_GET_NAME and
    PR_SET_NAME (``name``), PR_GET/SET_PDEATHSIG (``pdeathsig``),
    PR_GET/SET_NO_NEW_PRIVS (``no_new_privs``), PR_GET/SET_DUMPABLE
    (``dumpable``), PR_GET/SET_TIMERSLACK (``timerslack``) and
    PR_GET/SET_CHILD_SUBREAPER (``child_subreaper``, the same flag as
    ``pyglibc.subreaper``).  ``glibc.prctl`` does all the others.
    """

    __slots__ = ()

    @property
    def name(self) -> str:
        """The calling thread's name (str, at most 15 bytes once encoded), as ps and /proc show it.

        Setting a longer name is a ValueError, not the kernel's silent cut;
        str is encoded with the filesystem encoding, bytes pass as they are.
        """
        buf = bytearray(_NAME_SIZE)
        _prctl(_PR_GET_NAME, buf)
        return os.fsdecode(bytes(buf).split(b"\0", 1)[0])

    @name.setter
    def name(self, value: Union[str, bytes]) -> None:
        if isinstance(value, str):
            data = os.fsencode(value)
        elif isinstance(value, bytes):
            data = value
        else:
            raise TypeError("prctl.name must be str or bytes, not %s" % type(value).__name__)
        if b"\0" in data:
            raise ValueError("prctl.name: a thread name cannot hold a NUL character")
        if len(data) >= _NAME_SIZE:
            raise ValueError("prctl.name: %r is %d bytes; a thread name holds at most %d"
                             % (value, len(data), _NAME_SIZE - 1))
        _prctl(_PR_SET_NAME, data)

    @property
    def pdeathsig(self) -> Optional[Union[signal.Signals, int]]:
        """The signal this process gets when its parent (the thread that forked it) ends, or None.

        A ``signal.Signals`` member (a plain int for a real-time signal
        without a name).  Set it to a signal, or to None or 0 to clear it;
        fork(2) clears it in the child, and so does an execve(2) that
        changes credentials.
        """
        value = _new("int *")
        _prctl(_PR_GET_PDEATHSIG, value)
        signo: int = value[0]
        if not signo:
            return None
        try:
            return signal.Signals(signo)
        except ValueError:
            return signo

    @pdeathsig.setter
    def pdeathsig(self, value: Optional[int]) -> None:
        signo = 0 if value is None else int_arg(value, "prctl.pdeathsig", "the signal")
        if signo and signo not in signal.valid_signals():
            raise ValueError("prctl.pdeathsig: %d is not a valid signal number" % signo)
        _prctl(_PR_SET_PDEATHSIG, signo)

    @property
    def no_new_privs(self) -> bool:
        """Whether execve(2) may no longer grant privileges (set-user-ID, file capabilities).

        A thread attribute that children and execve(2) inherit and that can
        never be unset: setting it True is for good (the kernel's rule), and
        setting it False once it is True is a ValueError (False while it is
        False does nothing).
        """
        return bool(_prctl(_PR_GET_NO_NEW_PRIVS))

    @no_new_privs.setter
    def no_new_privs(self, value: bool) -> None:
        if _bool_arg(value, "prctl.no_new_privs"):
            _prctl(_PR_SET_NO_NEW_PRIVS, 1)
        elif self.no_new_privs:
            raise ValueError("prctl.no_new_privs: once set, no_new_privs cannot be unset")

    @property
    def dumpable(self) -> bool:
        """Whether this process may dump core and be attached to by ptrace(2) as its user.

        A process attribute; the kernel clears it on an execve(2) of a
        set-user-ID program, among others (prctl(2)).  True reads back for
        the root-only mode 2 (suid_dumpable) as well.
        """
        return bool(_prctl(_PR_GET_DUMPABLE))

    @dumpable.setter
    def dumpable(self, value: bool) -> None:
        # PR_SET_DUMPABLE takes 0 (SUID_DUMP_DISABLE) or 1 (SUID_DUMP_USER);
        # no user-space header names them.
        _prctl(_PR_SET_DUMPABLE, 1 if _bool_arg(value, "prctl.dumpable") else 0)

    @property
    def timerslack(self) -> int:
        """The calling thread's timer slack in ns: how late poll, select and sleeps may wake.

        Setting 0 puts back the default, the value the thread inherited when
        it was created.  At most 2**31-1: prctl returns the slack as an int.
        """
        return _prctl(_PR_GET_TIMERSLACK)

    @timerslack.setter
    def timerslack(self, value: int) -> None:
        ns = int_arg(value, "prctl.timerslack", "the slack")
        if not 0 <= ns <= _INT_MAX:
            raise ValueError("prctl.timerslack must be in 0..%d nanoseconds, not %d"
                             % (_INT_MAX, ns))
        _prctl(_PR_SET_TIMERSLACK, ns)

    @property
    def child_subreaper(self) -> bool:
        """Whether this process adopts its orphaned descendants: ``pyglibc.subreaper.enabled``."""
        return _subreaper.enabled

    @child_subreaper.setter
    def child_subreaper(self, value: bool) -> None:
        _subreaper.enabled = value

    def __repr__(self) -> str:
        return "<pyglibc.prctl name=%r pdeathsig=%r no_new_privs=%r dumpable=%r timerslack=%r>" % (
            self.name, self.pdeathsig, self.no_new_privs, self.dumpable, self.timerslack)


prctl = _Prctl()
