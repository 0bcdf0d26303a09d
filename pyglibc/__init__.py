"""Pythonic objects over the glibc bindings.

``pyglibc.select`` and ``pyglibc.selectors`` are drop-in replacements for the
standard library modules of the same names.  The objects below own their
file descriptors (created close-on-exec, closed exactly once) and are
imported on first use, so ``import pyglibc`` costs next to nothing.
"""

import importlib
from typing import Any

_HOMES = {
    "signalfd": "pyglibc._signalfd",
    "pthread_sigmask": "pyglibc._sigmask",
    "sigprocmask": "pyglibc._sigmask",
    "pipe": "pyglibc._pipe",
    "pipe2": "pyglibc._pipe",
    "subreaper": "pyglibc._subreaper",
    "eventfd": "pyglibc._eventfd",
    "timerfd": "pyglibc._timerfd",
    "pidfd": "pyglibc._pidfd",
    "prctl": "pyglibc._prctl",
    "Capability": "pyglibc._capabilities",
    "capabilities": "pyglibc._capabilities",
    "set_capabilities": "pyglibc._capabilities",
    "inotify": "pyglibc._inotify",
    "signals": "pyglibc._signals",
    "sigwait": "pyglibc._signals",
    "siginfo": "pyglibc._signals",
    "sigqueue": "pyglibc._signals",
    "supervise": "pyglibc._supervise",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError("module 'pyglibc' has no attribute %r" % name)
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
