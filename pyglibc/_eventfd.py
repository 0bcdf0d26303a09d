"""A 64-bit event counter behind a file descriptor: ``efd.write(1)`` wakes ``efd.read()``."""


import glibc
from pyglibc._fd import FdObject, int_arg as _int_arg

_EFD_CLOEXEC = glibc.EFD_CLOEXEC
_EFD_SEMAPHORE = glibc.EFD_SEMAPHORE
_eventfd_t = glibc.eventfd_t
_eventfd_read = glibc.eventfd_read
_eventfd_write = glibc.eventfd_write

_UINT_MAX = 2**32 - 1
# eventfd(2): the counter stops one below this, and a write of it is EINVAL.
_COUNTER_LIMIT = 2**64 - 1


class eventfd(FdObject):
    """eventfd(2): ``int eventfd(unsigned int initval, int flags)``, as an object.

    ``eventfd(initval=0, flags=0, semaphore=False)``: the counter starts at
    initval (0 .. 2**32-1).  ``flags`` takes EFD_NONBLOCK (and EFD_SEMAPHORE,
    which ``semaphore=True`` also adds), as ``signalfd`` and ``timerfd`` take
    their flags; EFD_CLOEXEC is always added.  It has ``fileno()``, so a
    selector can watch it: readable while the counter is not 0.
    """

    _kind = "eventfd"

    def __init__(self, initval: int = 0, flags: int = 0, semaphore: bool = False) -> None:
        initval = _int_arg(initval, "eventfd", "initval")
        flags = _int_arg(flags, "eventfd", "flags")
        if not 0 <= initval <= _UINT_MAX:
            raise OverflowError("eventfd: initval must be in 0..2**32-1, not %d" % initval)
        if semaphore:
            flags |= _EFD_SEMAPHORE
        super().__init__(glibc.eventfd(initval, flags | _EFD_CLOEXEC))
        self._semaphore = bool(flags & _EFD_SEMAPHORE)

    @property
    def semaphore(self) -> bool:
        """True if ``read()`` takes 1 from the counter instead of all of it (EFD_SEMAPHORE)."""
        return self._semaphore

    def read(self) -> int:
        """eventfd_read(3): take the counter (1 with EFD_SEMAPHORE) and return it as an int.

        While the counter is 0, a blocking descriptor waits (a signal whose
        Python handler returns does not end the wait, PEP 475) and a
        non-blocking one raises BlockingIOError.
        """
        value = _eventfd_t()
        _eventfd_read(self.fileno(), value)
        counter: int = value[0]
        return counter

    def write(self, n: int) -> None:
        """eventfd_write(3): add ``n`` to the counter.

        n must be in 0 .. 2**64-2: a negative n or one of 2**64 or more is an
        OverflowError (an unsigned 64-bit integer cannot hold it) and
        2**64-1, which the kernel refuses, a ValueError.  Waits (or, if
        non-blocking, raises BlockingIOError) while the sum would exceed
        2**64-2.
        """
        fd = self.fileno()
        n = _int_arg(n, "eventfd.write", "n")
        if not 0 <= n <= _COUNTER_LIMIT:
            raise OverflowError("eventfd.write: n must be in 0..2**64-2, not %d" % n)
        if n == _COUNTER_LIMIT:
            raise ValueError("eventfd.write: n must be in 0..2**64-2; eventfd(2) refuses 2**64-1")
        _eventfd_write(fd, n)
