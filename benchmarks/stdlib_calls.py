"""The standard library's side of the per-call benchmarks, shared by cases.py and old.py.

Standard library only: old.py runs with python-glibc 0.6.1, and nothing of
ours, on sys.path.  ``STDLIB[name]`` is the statement timed for benchmark
``name`` and what the table calls it; ``names(efd)`` the locals it uses.
"""

from __future__ import annotations

import os
import signal
import struct
import time
from typing import Any, Dict, Tuple

if hasattr(os, "eventfd_write"):  # 3.10+
    _EVENTFD = ("eventfd_write(efd, 1); eventfd_read(efd)", "os.eventfd_write + os.eventfd_read")
else:  # 3.9, PyPy 3.9: what os.eventfd_write/read do, by hand
    _EVENTFD = ("write(efd, one); read(efd, 8)", "os.write + os.read of 8 bytes")

# name -> (statement, label); the per-call benchmarks, in the order of the tables.
STDLIB: Dict[str, Tuple[str, str]] = {
    "clock_gettime": ("py_clock_gettime(CLOCK_MONOTONIC)", "time.clock_gettime"),
    "eventfd": _EVENTFD,
    "sigismember": ("SIGUSR1 in pyset", "SIGUSR1 in a set (the stdlib has no sigset_t)"),
    "dup_close": ("os_close(os_dup(0))", "os.dup + os.close"),
}

TITLES = {
    "clock_gettime": "clock_gettime(CLOCK_MONOTONIC)",
    "eventfd": "eventfd write+read",
    "sigismember": "sigismember",
    "dup_close": "dup+close",
}


def names(efd: int) -> Dict[str, Any]:
    """The locals of the STDLIB statements; efd is an eventfd (counter 0, blocking)."""
    return dict(
        efd=efd,
        CLOCK_MONOTONIC=time.CLOCK_MONOTONIC,
        SIGUSR1=signal.SIGUSR1,
        pyset={signal.SIGUSR1},
        py_clock_gettime=time.clock_gettime,
        one=struct.pack("=Q", 1),
        write=os.write,
        read=os.read,
        eventfd_write=getattr(os, "eventfd_write", None),
        eventfd_read=getattr(os, "eventfd_read", None),
        os_dup=os.dup,
        os_close=os.close,
    )


def check(efd: int) -> None:
    """Each STDLIB statement gives the right result."""
    space = names(efd)
    if hasattr(os, "eventfd_write"):
        os.eventfd_write(efd, 1)
        got = os.eventfd_read(efd)
    else:
        os.write(efd, space["one"])
        got = struct.unpack("=Q", os.read(efd, 8))[0]
    if got != 1:
        raise AssertionError("eventfd write+read: got %r, expected 1" % got)
    if abs(time.clock_gettime(time.CLOCK_MONOTONIC) - time.monotonic()) > 1:
        raise AssertionError("time.clock_gettime(CLOCK_MONOTONIC) is not time.monotonic()")
    if eval(STDLIB["sigismember"][0], space) is not True:
        raise AssertionError("SIGUSR1 in {SIGUSR1} is not True")
