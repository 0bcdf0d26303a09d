"""Block signals for a stretch of code: ``with pthread_sigmask([SIGCHLD]): ...``.

The signal mask belongs to a thread, so an object blocks and restores the
mask of the thread that calls it.  ``block()`` keeps the mask it replaced and
``unblock()`` puts exactly that mask back, so objects (or one object) used in
nested ``with`` blocks undo each other's changes in reverse order, and a
signal that was blocked before is still blocked after.  What ``block()``
keeps is kept for the calling thread alone: one object may be used by
several threads at once (a ``with`` block in each), each getting its own
mask back.
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

    __slots__ = ("_signals", "_mask", "_setmask", "_threads")
    _name: ClassVar[str] = ""

    @staticmethod
    def _change(how: int, set: Any, oldset: Any) -> int:
        raise NotImplementedError

    def __init__(self, signals: Optional[Iterable[int]] = None, setmask: bool = False) -> None:
        self._signals, self._mask = sigset(signals, self._name)
        self._setmask = bool(setmask)
        # Each thread's own stack of the masks its block() calls replaced: a
        # stack shared by threads would give one thread's mask to another.
        self._threads = threading.local()

    def _saved(self) -> list[Any]:
        """The masks that the calling thread's block() calls replaced, innermost last."""
        try:
            saved: list[Any] = self._threads.saved
        except AttributeError:
            saved = self._threads.saved = []
        return saved

    @property
    def signals(self) -> frozenset[int]:
        """The signals this object blocks (with ``setmask=True``: the whole mask it sets).

        Assigning a new set while the object is active in the calling thread
        changes that thread's mask at once: with SIG_BLOCK, the new signals
        are blocked and the ones taken away are unblocked unless they were
        blocked before ``block()``; with ``setmask=True``, the mask becomes
        the new set.  Other threads in which it is active keep their masks
        (no thread can change another's) until their ``unblock()``.
        """
        return self._signals

    @signals.setter
    def signals(self, signals: Optional[Iterable[int]]) -> None:
        new, mask = sigset(signals, "%s.signals" % self._name)
        saved = self._saved()
        if saved:
            if self._setmask:
                self._change(_SIG_SETMASK, mask, None)
            else:
                self._change(_SIG_BLOCK, mask, None)
                before = members(saved[-1])
                dropped = self._signals - new - before
                if dropped:
                    self._change(_SIG_UNBLOCK, sigset(dropped, self._name)[1], None)
        self._signals, self._mask = new, mask

    @property
    def is_active(self) -> bool:
        """True between the calling thread's ``block()`` and its matching ``unblock()``."""
        return bool(self._saved())

    @property
    def setmask(self) -> bool:
        """True if ``block()`` replaces the whole mask (SIG_SETMASK) instead of adding to it."""
        return self._setmask

    def block(self) -> None:
        """Block the signals (SIG_BLOCK), or make them the whole mask (``setmask=True``).

        The mask this replaces is kept for ``unblock()``.  Calling block()
        again before unblock() nests: each unblock() undoes one block() of
        the same thread.
        """
        old = glibc.sigset_t()
        self._change(_SIG_SETMASK if self._setmask else _SIG_BLOCK, self._mask, old)
        self._saved().append(old)

    def unblock(self) -> None:
        """Put back the mask that the calling thread's matching ``block()`` replaced.

        A thread that has no block() of its own to undo changes nothing:
        the masks that other threads' block() replaced are theirs to restore.
        """
        saved = self._saved()
        if not saved:
            return
        self._change(_SIG_SETMASK, saved[-1], None)
        saved.pop()

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
            " active" if self._saved() else "")


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
