"""Block signals for a stretch of code: ``with pthread_sigmask([SIGCHLD]): ...``.

The signal mask belongs to a thread, so an object blocks and restores the
mask of the thread that calls it.  ``block()`` keeps the mask it replaced and
``unblock()`` puts exactly that mask back, so objects (or one object) used in
nested ``with`` blocks undo each other's changes in reverse order, and a
signal that was blocked before is still blocked after.
"""

import threading
from typing import Any, ClassVar, Iterable, Optional, TypeVar

import glibc
from pyglibc._sigset import members, sigset

_SIG_BLOCK = glibc.SIG_BLOCK
_SIG_UNBLOCK = glibc.SIG_UNBLOCK
_SIG_SETMASK = glibc.SIG_SETMASK

_Self = TypeVar("_Self", bound="_SignalMask")


class _SignalMask:
    """What pthread_sigmask and sigprocmask share; ``_change`` is the C call."""

    __slots__ = ("_signals", "_mask", "_setmask", "_saved")
    _name: ClassVar[str] = ""

    @staticmethod
    def _change(how: int, set: Any, oldset: Any) -> int:
        raise NotImplementedError

    def __init__(self, signals: Optional[Iterable[int]] = None, setmask: bool = False) -> None:
        self._signals, self._mask = sigset(signals, self._name)
        self._setmask = bool(setmask)
        # (the mask block() replaced, the thread it belongs to), innermost last
        self._saved: list[tuple[Any, int]] = []

    @property
    def signals(self) -> frozenset[int]:
        """The signals this object blocks (with ``setmask=True``: the whole mask it sets).

        Assigning a new set while the object is active changes the mask at
        once: with SIG_BLOCK, the new signals are blocked and the ones taken
        away are unblocked unless they were blocked before ``block()``; with
        ``setmask=True``, the mask becomes the new set.
        """
        return self._signals

    @signals.setter
    def signals(self, signals: Optional[Iterable[int]]) -> None:
        new, mask = sigset(signals, "%s.signals" % self._name)
        if self._saved:
            self._check_thread("signals")
            if self._setmask:
                self._change(_SIG_SETMASK, mask, None)
            else:
                self._change(_SIG_BLOCK, mask, None)
                before = members(self._saved[-1][0])
                dropped = self._signals - new - before
                if dropped:
                    self._change(_SIG_UNBLOCK, sigset(dropped, self._name)[1], None)
        self._signals, self._mask = new, mask

    @property
    def is_active(self) -> bool:
        """True between ``block()`` and the matching ``unblock()``."""
        return bool(self._saved)

    @property
    def setmask(self) -> bool:
        """True if ``block()`` replaces the whole mask (SIG_SETMASK) instead of adding to it."""
        return self._setmask

    def block(self) -> None:
        """Block the signals (SIG_BLOCK), or make them the whole mask (``setmask=True``).

        The mask this replaces is kept for ``unblock()``.  Calling block()
        again before unblock() nests: each unblock() undoes one block().
        """
        old = glibc.sigset_t()
        self._change(_SIG_SETMASK if self._setmask else _SIG_BLOCK, self._mask, old)
        self._saved.append((old, threading.get_ident()))

    def unblock(self) -> None:
        """Put back the mask that the matching ``block()`` replaced; without one, do nothing.

        RuntimeError if the block() was made by another thread: its mask is
        not this thread's to restore.
        """
        if not self._saved:
            return
        self._check_thread("unblock")
        self._change(_SIG_SETMASK, self._saved[-1][0], None)
        self._saved.pop()

    def _check_thread(self, method: str) -> None:
        if self._saved[-1][1] != threading.get_ident():
            raise RuntimeError("%s.%s: block() was called by another thread, whose signal "
                               "mask this thread cannot restore" % (self._name, method))

    @classmethod
    def get(cls) -> frozenset[int]:
        """The calling thread's signal mask, as a frozenset of signal numbers.

        The C call with how=SIG_BLOCK and set=NULL, which only reads the mask.

        Every signal the mask holds is listed, the ones glibc reserves for
        itself (32 and 33) included, should the mask hold them.
        """
        current = glibc.sigset_t()
        cls._change(_SIG_BLOCK, None, current)
        return members(current)

    def __enter__(self: _Self) -> _Self:
        self.block()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.unblock()

    def __repr__(self) -> str:
        return "<pyglibc.%s signals=%s %s%s>" % (
            self._name, sorted(int(s) for s in self._signals),
            "SIG_SETMASK" if self._setmask else "SIG_BLOCK",
            " active" if self._saved else "")


class pthread_sigmask(_SignalMask):
    """pthread_sigmask(3): block ``signals`` in the calling thread while active.

    ``pthread_sigmask(signals=None, setmask=False)`` changes nothing until
    ``block()`` or ``with``.  ``block()`` calls
    ``int pthread_sigmask(int how, const sigset_t *set, sigset_t *oldset)``
    with SIG_BLOCK (or SIG_SETMASK when ``setmask`` is true) and keeps the old
    mask; ``unblock()`` and leaving the ``with`` block restore it exactly.
    A signal number that is not a valid one is a ValueError.
    """

    __slots__ = ()
    _name = "pthread_sigmask"
    _change = staticmethod(glibc.pthread_sigmask)


class sigprocmask(_SignalMask):
    """sigprocmask(2): what ``pthread_sigmask`` does, through the other call.

    ``int sigprocmask(int how, const sigset_t *set, sigset_t *oldset)``; POSIX
    leaves it unspecified in a threaded process, and on Linux it changes the
    mask of the calling thread just as pthread_sigmask(3) does.
    """

    __slots__ = ()
    _name = "sigprocmask"
    _change = staticmethod(glibc.sigprocmask)
