"""Timeouts in seconds, as every wait of pyglibc takes them: ``sigwait``, ``signals.wait``,
``pidfd.wait``.

One rule for all, the standard library's where it has one: None or inf waits
without limit, NaN is a ValueError (as in select.select, time.sleep and
signal.sigtimedwait), and a finite timeout waits that long, however long
(the standard library's C functions stop at what a C integer of nanoseconds
holds, some 292 years, with an OverflowError).  sigwait alone hands the
timeout to the kernel, in a timespec: beyond 2**63 seconds it is an
OverflowError there, as in signal.sigtimedwait.
"""

import math
import select
import time
from typing import Optional, Union

_NS = 1_000_000_000
_POLL_MAX_MS = 2**31 - 1  # poll(2) takes an int of milliseconds: 24.8 days


def nanoseconds(timeout: Union[int, float], where: str) -> Optional[int]:
    """``timeout`` seconds (an int or a float, >= 0) as whole nanoseconds, rounded up;
    None for inf.  ``where`` names the function in the errors."""
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError("%s: timeout must be a number of seconds or None, not %s"
                        % (where, type(timeout).__name__))
    if timeout != timeout:
        raise ValueError("%s: timeout must be a number of seconds, not nan" % where)
    if timeout < 0:
        raise ValueError("%s: timeout must be non-negative, not %r" % (where, timeout))
    if isinstance(timeout, float):
        if math.isinf(timeout):
            return None
        if timeout >= 2.0**53:  # a whole number, whose product with 1e9 a float cannot hold
            return int(timeout) * _NS
        return math.ceil(timeout * _NS)
    return timeout * _NS


def deadline(ns: Optional[int]) -> Optional[int]:
    """The time.monotonic_ns() at which a wait of ns nanoseconds ends (None: never)."""
    return None if ns is None else time.monotonic_ns() + ns


def wait_readable(fd: int, until: Optional[int]) -> bool:
    """poll(2) until ``fd`` is readable (True) or time.monotonic_ns() reaches ``until`` (False).

    ``until`` None waits without limit.  A wait longer than poll(2) can take
    is made of several; a signal whose Python handler returns does not end it
    (PEP 475: select.poll goes on with what is left).
    """
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    while True:
        if until is None:
            ms = None
        else:
            left = until - time.monotonic_ns()
            ms = min(_POLL_MAX_MS, max(0, -(-left // 1_000_000)))
        if poller.poll(ms):
            return True
        if until is not None and time.monotonic_ns() >= until:
            return False
