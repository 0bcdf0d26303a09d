"""The standard library's ``select.epoll``, over glibc: ``pyglibc.select.epoll``.

A drop-in replacement: the same constructor, methods, results and, for
every misuse, the same exception type, errno and message (and warning) as
the running interpreter's ``select.epoll``: CPython 3.9 to 3.13 differ in a
few messages and conversions, PyPy in more, and each is copied.  What is
not copied:

* the TypeError for a wrong number of arguments or an unknown keyword is
  worded by Python, not by Argument Clinic;
* a maxevents beyond what epoll_wait(2) takes is EINVAL at once, where
  CPython first asks for the memory (a MemoryError if it is not there);
* PyPy's ``select.epoll`` where it misbehaves: here ``poll(None)`` waits
  for ever (PyPy's raises TypeError), a timeout or fd that C cannot hold
  is an OverflowError (PyPy's truncates it), a NaN timeout a ValueError,
  a negative data.fd comes back negative (PyPy's adds 2**32), and
  ``copy.copy``, ``copy.deepcopy`` and pickle's protocols 2 and up are a
  TypeError worded as CPython's (PyPy's make a new, empty epoll instance).

Every ``EPOLL*`` constant that this system's headers define is here, taken
from the ``glibc`` namespace (so from the compiler), with ``error`` (OSError)
as in the standard library.

Closing while another thread polls: the standard library reads the
descriptor, then waits on it, so a descriptor closed and reused in between
would be waited on (or, in ``register``, changed) by mistake.  Here every
call that uses the descriptor is known while it runs; ``close()`` marks
the object closed at once (``closed`` is True, every new call raises
ValueError) and the descriptor itself is closed by whichever of close() and
the last call in flight comes last.  A poll already waiting keeps waiting,
as it does in the kernel when the standard library closes under it.
"""

import _thread
import errno
import math
import operator
import os
import struct
import sys
import time
import warnings
import weakref
from types import FrameType
from typing import TYPE_CHECKING, Any, Callable, NoReturn, Optional, Protocol, TypeVar, Union

import glibc
from glibc._functions import run_signal_handlers as _run_handlers
from pyglibc._fd import FdObject

__all__ = ["epoll", "error"]


class _HasFileno(Protocol):
    def fileno(self) -> int: ...


# What select.epoll takes as a file descriptor.
FileDescriptorLike = Union[int, _HasFileno]
_Epoll = TypeVar("_Epoll", bound="epoll")
# The buffers of one poll: (maxevents, the struct array, and on CPython the flat
# array, a memoryview of its bytes and its length).
_Buffers = tuple[int, Any, Any]

error = OSError

# Every EPOLL* name of the glibc namespace: the event bits, EPOLL_CLOEXEC, the
# EPOLL_CTL_* operations, and the optional ones only where the headers have them.
for _name in glibc.__all__:
    if _name.startswith("EPOLL"):
        globals()[_name] = getattr(glibc, _name)
        __all__.append(_name)
del _name

if TYPE_CHECKING:
    # What the loop above puts here, for type checkers (EPOLLEXCLUSIVE and EPOLLWAKEUP
    # only where the headers define them; tests/test_typing.py keeps the list whole).
    from glibc import (
        EPOLL_CLOEXEC as EPOLL_CLOEXEC,
        EPOLL_CTL_ADD as EPOLL_CTL_ADD,
        EPOLL_CTL_DEL as EPOLL_CTL_DEL,
        EPOLL_CTL_MOD as EPOLL_CTL_MOD,
        EPOLLERR as EPOLLERR,
        EPOLLET as EPOLLET,
        EPOLLEXCLUSIVE as EPOLLEXCLUSIVE,
        EPOLLHUP as EPOLLHUP,
        EPOLLIN as EPOLLIN,
        EPOLLMSG as EPOLLMSG,
        EPOLLONESHOT as EPOLLONESHOT,
        EPOLLOUT as EPOLLOUT,
        EPOLLPRI as EPOLLPRI,
        EPOLLRDBAND as EPOLLRDBAND,
        EPOLLRDHUP as EPOLLRDHUP,
        EPOLLRDNORM as EPOLLRDNORM,
        EPOLLWAKEUP as EPOLLWAKEUP,
        EPOLLWRBAND as EPOLLWRBAND,
        EPOLLWRNORM as EPOLLWRNORM,
    )

_ffi, _lib = glibc.ffi, glibc.lib
_CTL_ADD, _CTL_MOD, _CTL_DEL = glibc.EPOLL_CTL_ADD, glibc.EPOLL_CTL_MOD, glibc.EPOLL_CTL_DEL
_CLOEXEC = glibc.EPOLL_CLOEXEC
_DEFAULT_EVENTS = glibc.EPOLLIN | glibc.EPOLLPRI | glibc.EPOLLOUT
# maxevents=-1, and the sizehint the standard library puts in its place.
_DEFAULT_MAXEVENTS = glibc.FD_SETSIZE - 1
# epoll_wait(2) refuses more: its array may not exceed INT_MAX bytes.
_KERNEL_MAXEVENTS = (2**31 - 1) // _ffi.sizeof("struct epoll_event")
_INT_MIN, _INT_MAX, _UINT_MAX = -2**31, 2**31 - 1, 2**32 - 1
_NS_MIN, _NS_LIMIT = -2**63, 2**63  # what a C int64 of nanoseconds holds
_PYPY = sys.implementation.name == "pypy"
_VERSION = sys.version_info[:2]

# Not zeroed: a large maxevents reserves memory that only the kernel's
# writes touch, as the standard library's malloc does.
_alloc = _ffi.new_allocator(should_clear_after_alloc=False)
_monotonic_ns = time.monotonic_ns
_ceil = math.ceil
_EINTR = errno.EINTR


def _oserror(number: int) -> OSError:
    """The standard library's OSError for errno ``number``: strerror's words, no function name."""
    if number == 0:
        return OSError(0, "Error")  # what CPython says when errno is not set
    return OSError(number, os.strerror(number))


def _warn(message: str, category: type[Warning]) -> None:
    """Warn as C code does: at the first caller outside this module."""
    level = 1
    frame: Optional[FrameType] = sys._getframe(0)
    while frame is not None and frame.f_globals is globals():
        level, frame = level + 1, frame.f_back
    warnings.warn(message, category, stacklevel=level)


def _tp_name(obj: object) -> str:
    """The name C messages give a type: 'str', 'decimal.Decimal', or a class's own name."""
    cls = type(obj)
    if cls.__flags__ & (1 << 9) or cls.__module__ == "builtins":  # Py_TPFLAGS_HEAPTYPE
        return cls.__name__
    return "%s.%s" % (cls.__module__, cls.__qualname__)


# -- integer arguments, converted as each interpreter's C does ---------------------------------

def _int_or_index(value: Any) -> int:
    """PyLong_AsLong's view of a non-int: __index__, or on 3.9 __int__ with a DeprecationWarning."""
    if _VERSION >= (3, 10) or hasattr(type(value), "__index__"):
        return operator.index(value)
    if not hasattr(type(value), "__int__"):
        raise TypeError("an integer is required (got type %s)" % _tp_name(value))
    result = type(value).__int__(value)  # the warning only follows a conversion that worked
    if not isinstance(result, int):
        raise TypeError("__int__ returned non-int (type %s)" % _tp_name(result))
    _warn("an integer is required (got type %s).  Implicit conversion to integers using "
          "__int__ is deprecated, and may be removed in a future version of Python."
          % _tp_name(value), DeprecationWarning)
    return int.__int__(result)


def _integer(value: Any) -> int:
    """An integer argument as a Python int, with the interpreter's TypeError."""
    if value.__class__ is int:
        return value
    if isinstance(value, int):
        return int.__int__(value)  # C reads an int subclass's value, not its methods
    if _PYPY:
        if not isinstance(value, float):
            if hasattr(type(value), "__index__"):
                return operator.index(value)
            if hasattr(type(value), "__int__"):
                return int(value)
        raise TypeError("expected integer, got %s object" % type(value).__name__)
    if _VERSION < (3, 10) and isinstance(value, float):
        raise TypeError("integer argument expected, got float")
    return _int_or_index(value)


def _c_int(value: Any) -> int:
    """A C ``int`` argument (fromfd's fd; on CPython sizehint, flags and maxevents too)."""
    number = _integer(value)
    if _PYPY:
        _pypy_int(number)
        if not _INT_MIN <= number <= _INT_MAX:
            raise OverflowError("expected a 32-bit integer")
    elif not _INT_MIN <= number <= _INT_MAX:
        raise OverflowError("Python int too large to convert to C int")
    return number


def _pypy_int(value: Any) -> int:
    """PyPy's machine-word integer argument (its sizehint, flags and maxevents)."""
    number = _integer(value)
    if not -2**63 <= number < 2**63:
        raise OverflowError("int too large to convert to int")
    return number


_int_arg = _pypy_int if _PYPY else _c_int


def _eventmask(value: Any) -> int:
    """An unsigned int taken modulo 2**32, as Argument Clinic's bitwise 'I' does."""
    return (_pypy_int(value) if _PYPY else _integer(value)) & 0xFFFFFFFF


def _fileno(obj: Any) -> int:
    """PyObject_AsFileDescriptor: an int, or what obj.fileno() returns, >= 0."""
    if isinstance(obj, int):
        if _VERSION >= (3, 13) and not _PYPY and isinstance(obj, bool):
            _warn("bool is used as a file descriptor", RuntimeWarning)
        fd = obj if obj.__class__ is int else int.__int__(obj)
    else:
        try:
            method = obj.fileno
        except AttributeError:
            raise TypeError("argument must be an int, or have a fileno() method.") from None
        fd = method()
        if not isinstance(fd, int):
            raise TypeError("fileno() returned a non-integer")
        fd = int.__int__(fd)
    if not _INT_MIN <= fd <= _INT_MAX:
        _c_int(fd)  # raises the interpreter's OverflowError
    if fd < 0:
        raise ValueError("file descriptor cannot be a negative integer (%d)" % fd)
    return fd


# -- the timeout of poll() ------------------------------------------------------------------------

def _too_large(seconds: Union[int, float]) -> str:
    """The words of the interpreter's own OverflowError for a timeout of seconds.

    They change between releases, patch releases included (3.11.2 and
    3.11.7 word a float's apart), so they are asked of the running
    interpreter: a free lock's acquire() converts its timeout as epoll.poll
    does, and returns at once whatever the timeout.
    """
    try:
        _thread.allocate_lock().acquire(True, seconds)
    except OverflowError as exc:
        return str(exc)
    return "timestamp too large to convert to C _PyTime_t"


_INT_TOO_LARGE = _too_large(10**30)
_FLOAT_TOO_LARGE = _too_large(1e300)


def _seconds_to_ns(timeout: Any) -> int:
    """CPython's _PyTime_FromSecondsObject, rounding away from zero: seconds -> int ns."""
    if isinstance(timeout, float):
        if timeout != timeout:
            raise ValueError("Invalid value NaN (not a number)")
        exact = timeout * 1e9
        if not _NS_MIN <= exact < _NS_LIMIT:
            raise OverflowError(_FLOAT_TOO_LARGE)
        return math.ceil(exact) if exact >= 0 else math.floor(exact)
    if not isinstance(timeout, int):
        try:
            timeout = _int_or_index(timeout)
        except TypeError:
            raise TypeError("timeout must be an integer or None") from None
    ns: int = timeout * 1000000000
    if not _NS_MIN <= ns < _NS_LIMIT:
        raise OverflowError(_INT_TOO_LARGE)
    return ns


def _pypy_seconds(timeout: Any) -> float:
    """PyPy's float argument: an int, a float, or what __float__ returns."""
    if isinstance(timeout, float):
        return timeout
    if isinstance(timeout, int):
        return float(timeout)
    to_float = getattr(type(timeout), "__float__", None)
    if to_float is None:
        raise TypeError("must be real number, not %s" % type(timeout).__name__)
    seconds: float = to_float(timeout)
    return seconds


def _ms(ns: int) -> int:
    """Whole milliseconds for epoll_wait(2), rounded up so as to wait at least ns."""
    ms = -(-ns // 1000000)
    if not _INT_MIN <= ms <= _INT_MAX:
        raise OverflowError("timeout is too large")
    return ms if ms >= 0 else -1


def _timeout(timeout: Any) -> tuple[int, int]:
    """(ms for epoll_wait, the timeout in ns or -1 for none) of a timeout in seconds."""
    if timeout is None:
        return -1, -1
    if _PYPY:
        return _pypy_timeout(_pypy_seconds(timeout))
    ns = _seconds_to_ns(timeout)
    return _ms(ns), ns


def _pypy_timeout(seconds: float) -> tuple[int, int]:
    """PyPy's rounding up to ms of a float of seconds, and C's range checks that it lacks."""
    if seconds != seconds:
        raise ValueError("Invalid value NaN (not a number)")
    if seconds < 0:
        return -1, -1
    ms = seconds * 1000.0 + 0.999
    if ms >= _INT_MAX + 1:
        raise OverflowError("timeout is too large")
    return int(ms), int(seconds * 1e9)


# -- the messages that differ ---------------------------------------------------------------------

if _PYPY:
    _KIND = "epoll fd"
    _NEGATIVE_SIZEHINT = "sizehint must be positive or -1"
    _BAD_MAXEVENTS = "maxevents must be greater than 0, not %d"
else:
    _KIND = "epoll object"
    _NEGATIVE_SIZEHINT = "negative sizehint"
    _BAD_MAXEVENTS = "maxevents must be greater than 0, got %d"
_CLOSED = "I/O operation on closed " + _KIND


def _closed_error() -> ValueError:
    return ValueError(_CLOSED)


def _buffers(maxevents: int) -> _Buffers:
    """What one call needs: (maxevents, the struct epoll_event array, and on CPython
    a memoryview of its bytes, where the C helper packs the results in place)."""
    events = _alloc("struct epoll_event[]", maxevents)
    return maxevents, events, None if _PYPY else memoryview(_ffi.buffer(events))


# Measured (benchmarks/run.py poll): on CPython, the C helper that packs the
# results in place and one struct.iter_unpack() over them, which makes the
# (fd, events) tuples itself, beat reading the structs from Python and beat
# zip() over a memoryview; one result ready (an event loop's usual case) is
# unpacked alone, without the iterator and the slice of the memoryview.
# On PyPy the JIT makes the plain loop over the structs the fastest.  "iI":
# data.fd is signed, events unsigned, as the standard library gives them.
# The wrappers that return errno with a failure (below 0, as _ERRNO_BASE +
# errno): errno read after the call could be a signal handler's by then.
_wait_packed = _lib.glibc_errno_glibc_epoll_wait_packed
_wait = _lib.glibc_errno_epoll_wait
_epoll_ctl = _lib.glibc_errno_epoll_ctl
_ERRNO_BASE = _lib.GLIBC_ERRNO_BASE
_new = _ffi.new
_EVENT = _ffi.typeof("struct epoll_event *")
_pairs = struct.Struct("iI").iter_unpack
_first = struct.Struct("iI").unpack_from


class epoll(FdObject):
    """select.epoll(sizehint=-1, flags=0): an epoll(7) instance, as the standard library's.

    ``int epoll_create1(int flags)`` with EPOLL_CLOEXEC, always: sizehint
    must be positive or -1 and is otherwise unused, flags must be 0 or
    EPOLL_CLOEXEC (on PyPy, as its own does, flags go to the kernel, which
    checks them).  See epoll_create1(2).
    """

    _kind = _KIND
    _held: list[int] = []  # [fd] until the descriptor is closed: see "in use" below

    _made: list[None]
    _pool: list[_Buffers]

    def __new__(cls: type[_Epoll], sizehint: int = -1, flags: int = 0) -> _Epoll:
        sizehint, flags = _int_arg(sizehint), _int_arg(flags)
        if sizehint != -1 and sizehint <= 0:
            raise ValueError(_NEGATIVE_SIZEHINT)
        if _PYPY:
            # PyPy hands flags, cut to a C int, to epoll_create1(2).
            flags = ((flags | _CLOEXEC) + 2**31) % 2**32 - 2**31
        elif flags and flags != _CLOEXEC:
            raise OSError("invalid flags")  # the standard library's: no errno
        else:
            flags = _CLOEXEC
        fd = _lib.glibc_errno_epoll_create1(flags)
        if fd < 0:
            raise _oserror(fd - _ERRNO_BASE)
        return cls._own(fd)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Everything happens in __new__, as in the standard library (no second descriptor)."""

    @classmethod
    def _own(cls: type[_Epoll], fd: int) -> _Epoll:
        self = object.__new__(cls)
        FdObject.__init__(self, fd)
        self._held = [fd] if fd >= 0 else []
        self._pool = []  # the buffers that no call holds right now
        self._made = []  # one item per set of buffers made: in the pool, or held by a call
        _objects.add(self)
        return self

    if _PYPY:
        @classmethod
        def fromfd(cls: type[_Epoll], fd: int) -> _Epoll:
            """Wrap the epoll descriptor fd, which the object then owns (a negative fd: closed)."""
            fd = _c_int(fd)
            return cls._own(fd if fd >= 0 else -1)
    else:
        @classmethod
        def fromfd(cls: type[_Epoll], fd: int, /) -> _Epoll:  # type: ignore[misc]
            """Wrap the epoll descriptor fd, which the object then owns.

            As in CPython, -1 makes a new epoll instance and another
            negative fd is OSError.
            """
            fd = _c_int(fd)
            if fd == -1:
                return cls()
            if fd < 0:
                raise _oserror(0)
            return cls._own(fd)

    # -- the descriptor in use ---------------------------------------------------------------
    #
    # Each call that uses the descriptor (poll() and _ctl()) first takes a
    # set of buffers out of _pool (or makes one, counted in _made), then
    # reads _fd, and puts the buffers back when done; close() sets _fd to
    # -1, then compares the two lengths.  list.pop and list.append are
    # atomic, so whatever the interleaving (with another thread, or with a
    # signal handler that closes the object), a call that read a descriptor
    # >= 0 still holds its buffers when close() looks, or it sees -1 itself.
    # The descriptor is closed by the last to see both "closed" and "every
    # set of buffers back in the pool", and _held.pop() lets exactly one of
    # them close it.  Each concurrent poll needs buffers of its own anyway:
    # holding them marks the call in flight at no extra cost (measured: a
    # list of users beside the pool cost poll() with one fd ready 10%).
    # In a forked child, the calls that other threads had in flight will
    # never return: there, _forget_other_threads counts only the buffers in
    # the pool as made (a call of the forking thread itself, if a signal
    # handler forked, puts its buffers back all the same).

    def _more(self, maxevents: int) -> _Buffers:
        """A new set of buffers, for a call that found the pool empty."""
        self._made.append(None)
        return _buffers(maxevents)

    def _release(self) -> None:
        """Close the descriptor of a closed object once no call uses it."""
        # The pool first: a call that takes buffers after this read sees -1.
        if len(self._pool) < len(self._made):
            return
        try:
            fd = self._held.pop()
        except IndexError:
            return  # closed already
        self._pool = []
        _lib.close(fd)  # EINTR closes all the same; EBADF (fromfd of a bad fd) is ignored

    def close(self) -> None:
        """Close the epoll descriptor; again does nothing (nor raises, as the standard library's).

        If another thread is in poll() or register() on it, the descriptor is
        closed when that call returns, and until then its number is not reused.
        """
        self._fd = -1
        self._release()

    def __del__(self, _close: Callable[[int], int] = _lib.close) -> None:
        # No call is in flight: each holds a reference to the object.  close
        # is bound early, as module globals may be gone at interpreter exit.
        while self._held:
            _close(self._held.pop())

    # A copy would be a second owner of the descriptor.  The standard library's
    # words: pickle's protocols 0 and 1 (copyreg) name the class alone, the
    # others, and copy, which asks for protocol 4, name its module too.
    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        raise TypeError("cannot pickle %r object"
                        % ("epoll" if operator.index(protocol) < 2 else "select.epoll"))

    def __reduce__(self) -> NoReturn:
        raise TypeError("cannot pickle 'epoll' object")

    if _PYPY:
        def __exit__(self, *exc_info: object) -> None:
            self.close()
    else:
        def __exit__(self, exc_type: object = None, exc_value: object = None,  # type: ignore[misc]
                     exc_tb: object = None, /) -> None:
            self.close()

    # -- epoll_ctl(2) ------------------------------------------------------------------------
    #
    # An object as fd (register(open(path))) may be the only reference to its
    # file.  Dropped once fileno() has answered, the file would be closed
    # before epoll_ctl(2) ran: EBADF where the standard library (whose C keeps
    # its argument for the call) says EPERM, and in a threaded program the
    # number could be another file's by then, which would be registered
    # instead.  So the name fd keeps the object until the call returns.

    def _ctl(self, op: int, fd: int, eventmask: int) -> None:
        """epoll_ctl(2) with fd and eventmask converted, as the standard library calls it."""
        event: Any = _new(_EVENT)
        event.events = eventmask
        event.data.fd = fd
        pool = self._pool  # in use: see above
        try:
            buffers = pool.pop()
        except IndexError:
            buffers = self._more(1)
        try:
            epfd = self._fd
            if epfd < 0:
                raise _closed_error()
            failed = _epoll_ctl(epfd, op, fd, event)
            if failed < 0:
                raise _oserror(failed - _ERRNO_BASE)
        finally:
            pool.append(buffers)
            if self._fd < 0:
                self._release()

    def _ctl_arguments(self, fd: Any, eventmask: Any) -> tuple[int, int]:
        """fd and eventmask converted, and errors raised, in the order of the interpreter's
        select.epoll (for what is not a plain int fd and an unsigned 32-bit mask)."""
        if _PYPY:
            eventmask = _eventmask(eventmask)
            if self._fd < 0:
                raise _closed_error()
            return _fileno(fd), eventmask
        return _fileno(fd), _eventmask(eventmask)

    def register(self, fd: FileDescriptorLike, eventmask: int = _DEFAULT_EVENTS) -> None:
        """Watch fd (an int, or an object with fileno()) for eventmask.

        ``epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &event)``, event.data.fd being fd
        and the mask taken modulo 2**32; FileExistsError if fd is watched
        already.  See epoll_ctl(2).
        """
        if not (fd.__class__ is int and eventmask.__class__ is int
                and 0 <= fd <= _INT_MAX and 0 <= eventmask <= _UINT_MAX):
            # fd stays bound until epoll_ctl has run: see "an object as fd" above.
            number, eventmask = self._ctl_arguments(fd, eventmask)
            self._ctl(_CTL_ADD, number, eventmask)
            return
        self._ctl(_CTL_ADD, fd, eventmask)

    def modify(self, fd: FileDescriptorLike, eventmask: int) -> None:
        """Watch fd for eventmask instead; FileNotFoundError if it is not watched.

        ``epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &event)``.  See epoll_ctl(2).
        """
        if not (fd.__class__ is int and eventmask.__class__ is int
                and 0 <= fd <= _INT_MAX and 0 <= eventmask <= _UINT_MAX):
            number, eventmask = self._ctl_arguments(fd, eventmask)  # fd kept: an object as fd
            self._ctl(_CTL_MOD, number, eventmask)
            return
        self._ctl(_CTL_MOD, fd, eventmask)

    def unregister(self, fd: FileDescriptorLike) -> None:
        """Stop watching fd; FileNotFoundError if it is not watched.

        ``epoll_ctl(epfd, EPOLL_CTL_DEL, fd, &event)``.  See epoll_ctl(2).
        """
        if not (fd.__class__ is int and 0 <= fd <= _INT_MAX):
            if _PYPY and self._fd < 0:
                raise _closed_error()
            self._ctl(_CTL_DEL, _fileno(fd), 0)  # fd kept: an object as fd
            return
        self._ctl(_CTL_DEL, fd, 0)

    # -- epoll_wait(2) -----------------------------------------------------------------------

    def poll(self, timeout: Optional[float] = None,
             maxevents: int = -1) -> list[tuple[int, int]]:
        """Wait for events: a list of (fd, events) pairs, at most maxevents of them.

        ``int epoll_wait(int epfd, struct epoll_event *events, int maxevents,
        int timeout)``, the GIL released while it waits.  timeout is in
        seconds (int or float), rounded up to whole milliseconds; None or a
        negative one waits until an event.  maxevents -1 means FD_SETSIZE-1.
        A signal whose Python handler returns does not end the wait early: it
        goes on for what is left of the timeout (PEP 475).  See epoll_wait(2).
        """
        # The usual arguments take the short path; _arguments() does the rest
        # (and every error) in the order of the interpreter's select.epoll.
        if maxevents.__class__ is int and (maxevents == -1 or 0 < maxevents <= _KERNEL_MAXEVENTS):
            if timeout is None:
                ms = ns = -1
            elif timeout.__class__ is int and -2147483 <= timeout <= 2147483:
                if timeout < 0:  # selectors' select(None): as None, and as any negative timeout
                    ms = ns = -1
                else:
                    ms, ns = timeout * 1000, timeout * 1000000000  # whole seconds: exact
            elif timeout.__class__ is float and 0.0 <= timeout <= 2147483.0:
                if _PYPY:
                    ms, ns = int(timeout * 1000.0 + 0.999), int(timeout * 1e9)
                else:
                    ns = _ceil(timeout * 1e9)
                    ms = -(-ns // 1000000)
            else:
                ms, ns, maxevents = self._arguments(timeout, maxevents)
            if maxevents == -1:
                maxevents = _DEFAULT_MAXEVENTS
        else:
            ms, ns, maxevents = self._arguments(timeout, maxevents)

        # In use (see above): the buffers taken out of the pool say so.
        pool = self._pool
        try:
            buffers = pool.pop()  # atomic, where "if pool: pool.pop()" would race
        except IndexError:
            buffers = self._more(maxevents)
        else:
            if buffers[0] < maxevents:
                buffers = _buffers(min(max(maxevents, 2 * buffers[0]), _KERNEL_MAXEVENTS))
        try:
            epfd = self._fd
            if epfd < 0:
                raise _closed_error()
            events = buffers[1]
            # The deadline of a retry after a signal counts from here (0 and -1 have none).
            start = _monotonic_ns() if ms > 0 else 0
            if _PYPY:
                n = _wait(epfd, events, maxevents, ms)
                if n < 0:
                    n = _retry(n, _wait, epfd, events, maxevents, ms, ns, start)
                return [(events[i].data.fd, events[i].events) for i in range(n)]
            n = _wait_packed(epfd, events, maxevents, ms)
            if n < 0:
                n = _retry(n, _wait_packed, epfd, events, maxevents, ms, ns, start)
            if n == 1:
                return [_first(buffers[2])]
            return list(_pairs(buffers[2][:8 * n])) if n else []
        finally:
            pool.append(buffers)
            if self._fd < 0:
                self._release()

    def _arguments(self, timeout: Any, maxevents: Any) -> tuple[int, int, int]:
        """(ms, ns, maxevents) of poll(), with every check in the order of the
        interpreter's select.epoll."""
        if _PYPY:
            # PyPy converts both arguments, then checks the object, then the values.
            seconds = -1.0 if timeout is None else _pypy_seconds(timeout)
            maxevents = _pypy_int(maxevents)
            if self._fd < 0:
                raise _closed_error()
            ms, ns = _pypy_timeout(seconds)
        else:
            maxevents = _c_int(maxevents)
            if self._fd < 0:
                raise _closed_error()
            ms, ns = _timeout(timeout)
        if maxevents == -1:
            maxevents = _DEFAULT_MAXEVENTS
        elif maxevents < 1:
            raise ValueError(_BAD_MAXEVENTS % maxevents)
        elif maxevents > _KERNEL_MAXEVENTS:
            raise _oserror(errno.EINVAL)  # as epoll_wait(2) would, without reserving the memory
        return ms, ns, maxevents


_objects: "weakref.WeakSet[epoll]" = weakref.WeakSet()  # for _forget_other_threads


def _forget_other_threads() -> None:
    """After fork, in the child: no call in flight holds a descriptor any more.

    Without this, an object that another thread of the parent was polling
    when the fork came would never close its descriptor in the child (its
    close() would wait for a poll that is not there).  Nothing is added to
    the calls themselves: the hot path stays as measured.
    """
    for ep in list(_objects):
        if len(ep._pool) < len(ep._made):
            ep._made = [None] * len(ep._pool)
            if ep._fd < 0:
                ep._release()


os.register_at_fork(after_in_child=_forget_other_threads)


def _retry(failed: int, wait: Callable[..., int], epfd: int, events: Any, maxevents: int,
           ms: int, ns: int, start: int) -> int:
    """epoll_wait returned failed: raise, or after EINTR wait for what is left of the timeout.

    PEP 475, as the interpreter's select.epoll does it: its signal handlers
    run first (an exception from one ends poll() with that exception); on
    CPython a timeout already over returns [] at once, on PyPy the retry
    then waits 0 ms.
    """
    while True:
        number = failed - _ERRNO_BASE
        if number != _EINTR:
            raise _oserror(number)
        _run_handlers()
        if ns >= 0:
            left = start + ns - _monotonic_ns() if ns > 0 else -1
            if _PYPY:
                ms = int(max(left, 0) / 1e9 * 1000.0 + 0.999)
            elif left < 0:
                return 0
            else:
                ms = -(-left // 1000000)
        failed = wait(epfd, events, maxevents, ms)
        if failed >= 0:
            return failed
