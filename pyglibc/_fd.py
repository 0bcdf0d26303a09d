"""The base of every pyglibc object that owns a file descriptor.

The descriptor is closed exactly once, whether by ``close()``, by leaving a
``with`` block or by the finalizer; after that every use raises ValueError,
as the standard library's file objects do.  An object is never copied nor
pickled (TypeError, as for ``select.epoll``): a copy would be a second owner
of the descriptor.
"""

import _thread
import operator
import os
from typing import Any, Callable, NoReturn, SupportsIndex, TypeVar

import glibc

# Taking the descriptor out of an object must be atomic, or two threads
# closing at once could both close it (the second perhaps someone else's).
# threading.Lock is this lock; importing threading for it cost PyPy 8 ms.
_closing = _thread.allocate_lock()

_Self = TypeVar("_Self", bound="FdObject")


def _new_lock_in_child() -> None:
    # Had another thread held the lock when the process forked, the child's
    # copy would stay locked for ever, and every close() there would hang.
    global _closing
    _closing = _thread.allocate_lock()


os.register_at_fork(after_in_child=_new_lock_in_child)


def int_arg(value: Any, where: str, name: str) -> int:
    """``value`` as an int (anything with __index__), or TypeError naming where and what."""
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError("%s: %s must be an int, not %s"
                        % (where, name, type(value).__name__)) from None


def public_name(cls: type) -> str:
    """A class's public name: 'pyglibc.timerfd' for pyglibc._timerfd's, 'pyglibc.aio.Event'."""
    module = ".".join(part for part in cls.__module__.split(".") if not part.startswith("_"))
    return "%s.%s" % (module or cls.__module__, cls.__qualname__)


class NotCopyable:
    """Refuses copy.copy, copy.deepcopy and pickle: each goes through __reduce_ex__.

    A copy of an object that owns a descriptor would own it too: whichever
    closed first (or was collected first) would leave the other acting on
    whatever file got the number next, and an unpickled one would name a
    descriptor of another process.
    """

    __slots__ = ()

    def __reduce_ex__(self, protocol: SupportsIndex) -> NoReturn:
        raise TypeError("cannot pickle %r object: it owns a file descriptor, which a copy "
                        "would close a second time" % public_name(type(self)))

    def __reduce__(self) -> NoReturn:
        self.__reduce_ex__(0)


class FdObject(NotCopyable):
    """Owns the file descriptor ``fd``; subclasses name themselves in ``_kind``."""

    _kind = "file descriptor"
    _fd = -1  # so that a failed __init__ leaves nothing for __del__ to close

    def __init__(self, fd: int) -> None:
        self._fd = fd

    @property
    def closed(self) -> bool:
        """True once the descriptor is closed."""
        return self._fd < 0

    def fileno(self) -> int:
        """The file descriptor (ValueError once closed)."""
        fd = self._fd
        if fd < 0:
            raise ValueError("I/O operation on closed %s" % self._kind)
        return fd

    def close(self) -> None:
        """Close the descriptor; closing again does nothing."""
        with _closing:
            fd, self._fd = self._fd, -1
        if fd >= 0:
            glibc.close(fd)

    def __enter__(self: _Self) -> _Self:
        self.fileno()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # close(2) itself, bound when the class is made: a finalizer that runs while the
    # interpreter exits finds imports refused and, in a cycle, module globals gone, so it
    # looks nothing up.  No lock either: no other thread can hold an object being
    # finalized.  The result is ignored: a finalizer must not raise, and an fd that is
    # already bad has nothing left to close.
    def __del__(self, _close: Callable[[int], int] = glibc.lib.close) -> None:
        fd = self._fd
        if fd >= 0:
            self._fd = -1
            _close(fd)

    def __repr__(self) -> str:
        state = "closed" if self._fd < 0 else "fd=%d" % self._fd
        return "<%s.%s %s>" % (type(self).__module__.split(".")[0], type(self).__name__, state)
