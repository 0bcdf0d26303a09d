"""The binding tables: one module per header family.

The order matters: a family may use types declared by an earlier one
(timerfd_settime takes the ``struct itimerspec`` that time declares).
"""

import importlib

from glibc._spec import Family

ORDER = (
    "signal",
    "signalfd",
    "time",
    "timerfd",
    "eventfd",
    "epoll",
    "unistd",
    "fcntl",
    "prctl",
    "wait",
    "pidfd",
    "capability",
    "resource",
    "sched",
    "personality",
    "splice",
    "memfd",
    "fs",
    "poll",
    "inotify",
    "mount",
)


def load() -> list[Family]:
    """Import every family module and return their ``FAMILY`` objects in order."""
    return [importlib.import_module("glibc.families." + name).FAMILY for name in ORDER]
