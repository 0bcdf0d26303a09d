"""A timer whose expirations are read from a file descriptor: ``tfd.settime(0.5, 0.5)``."""

import datetime
import math
import numbers
from typing import Any, Union

import glibc
from pyglibc._fd import FdObject, int_arg as _int_arg

_TFD_CLOEXEC = glibc.TFD_CLOEXEC
_TFD_TIMER_ABSTIME = glibc.TFD_TIMER_ABSTIME
_itimerspec = glibc.itimerspec
_new = glibc.ffi.new
_read = glibc.read

_NS = 10**9
_TIME_T_MAX = 2 ** (8 * glibc.time_t.size - 1) - 1

# A duration in seconds (or, with absolute=True, a time on the timer's clock).
Seconds = Union[int, float, numbers.Real, datetime.timedelta]


def _nearest(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded to the nearest int, ties to even, in integers."""
    q, r = divmod(numerator, denominator)
    if 2 * r > denominator or (2 * r == denominator and q & 1):
        q += 1
    return q


def _nanoseconds(value: Seconds, where: str) -> int:
    """A duration in seconds (int, float, Fraction, ...) or a timedelta, as exact integer ns.

    A float is taken at its exact binary value and rounded to the nearest
    nanosecond, so 0.1 is 100000000 ns, not one more or one less; a
    timedelta is exact.  A positive value below 0.5 ns becomes 1 ns, so that
    it arms the timer instead of disarming it.
    """
    if isinstance(value, datetime.timedelta):
        ns = (value // datetime.timedelta(microseconds=1)) * 1000
    elif isinstance(value, int):
        ns = value * _NS
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("%s must be a finite number of seconds, not %r" % (where, value))
        numerator, denominator = value.as_integer_ratio()
        ns = _nearest(numerator * _NS, denominator)
    elif isinstance(value, numbers.Rational):
        ns = _nearest(int(value.numerator) * _NS, int(value.denominator))
    elif isinstance(value, numbers.Real):
        return _nanoseconds(float(value), where)
    else:
        raise TypeError("%s must be seconds (int or float) or a datetime.timedelta, not %s"
                        % (where, type(value).__name__))
    if ns < 0:
        raise ValueError("%s must not be negative, not %r" % (where, value))
    if ns == 0 and value:
        ns = 1
    if ns // _NS > _TIME_T_MAX:
        raise OverflowError("%s: %r seconds do not fit time_t" % (where, value))
    return ns


def _set(spec: Any, ns: int) -> None:
    spec.tv_sec, spec.tv_nsec = divmod(ns, _NS)


def _seconds(spec: Any) -> float:
    seconds: float = spec.tv_sec + spec.tv_nsec / 1e9
    return seconds


class timerfd(FdObject):
    """timerfd_create(2): ``int timerfd_create(int clockid, int flags)``, as an object.

    ``timerfd(clockid=CLOCK_MONOTONIC, flags=0)``: any clock timerfd_create
    accepts (CLOCK_REALTIME, CLOCK_BOOTTIME, the ``*_ALARM`` clocks with
    CAP_WAKE_ALARM); ``flags`` may hold TFD_NONBLOCK, and TFD_CLOEXEC is
    always added.  The timer starts disarmed; ``settime()`` arms it.  It has
    ``fileno()``, so a selector can watch it: readable once it has expired.
    """

    _kind = "timerfd"

    def __init__(self, clockid: int = glibc.CLOCK_MONOTONIC, flags: int = 0) -> None:
        clockid = _int_arg(clockid, "timerfd", "clockid")
        flags = _int_arg(flags, "timerfd", "flags")
        super().__init__(glibc.timerfd_create(clockid, flags | _TFD_CLOEXEC))
        self._clockid = clockid

    @property
    def clockid(self) -> int:
        """The clock the timer counts on."""
        return self._clockid

    def settime(self, value: Seconds, interval: Seconds = 0,
                absolute: bool = False) -> tuple[float, float]:
        """timerfd_settime(2): arm the timer; return the previous ``(value, interval)``.

        The first expiration is ``value`` seconds from now, or, with
        ``absolute=True`` (TFD_TIMER_ABSTIME), when the clock reads
        ``value``; then one every ``interval`` seconds (0: once).  Each is an
        int, a float or a datetime.timedelta, never negative; ``value`` 0
        disarms the timer.  The previous setting comes back as floats, the
        time left first (0.0 if it was disarmed).
        """
        fd = self.fileno()
        new = _itimerspec()
        _set(new.it_value, _nanoseconds(value, "timerfd.settime: value"))
        _set(new.it_interval, _nanoseconds(interval, "timerfd.settime: interval"))
        old = _itimerspec()
        glibc.timerfd_settime(fd, _TFD_TIMER_ABSTIME if absolute else 0, new, old)
        return _seconds(old.it_value), _seconds(old.it_interval)

    def gettime(self) -> tuple[float, float]:
        """timerfd_gettime(2): ``(seconds until the next expiration, interval)`` as floats.

        (0.0, 0.0) for a disarmed timer; the time left is relative even when
        the timer was armed with ``absolute=True``.
        """
        current = _itimerspec()
        glibc.timerfd_gettime(self.fileno(), current)
        return _seconds(current.it_value), _seconds(current.it_interval)

    def read(self) -> int:
        """read(2) of the 8-byte count: how many times the timer expired since the last read.

        Before the first expiration a blocking descriptor waits (a signal
        whose Python handler returns does not end the wait, PEP 475) and a
        non-blocking one raises BlockingIOError.
        """
        count = _new("uint64_t *")
        _read(self.fileno(), count)
        expirations: int = count[0]
        return expirations

    def __repr__(self) -> str:
        if self.closed:
            return "<pyglibc.timerfd closed>"
        return "<pyglibc.timerfd fd=%d clockid=%d>" % (self._fd, self._clockid)
