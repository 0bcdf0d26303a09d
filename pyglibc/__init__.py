"""Pythonic objects over the glibc bindings.

``pyglibc.select`` and ``pyglibc.selectors`` are drop-in replacements for the
standard library modules of the same names.  The objects below own their
file descriptors (created close-on-exec, closed exactly once) and are
imported on first use, so ``import pyglibc`` costs next to nothing.
"""

import importlib
import sys as _sys

# typing costs a millisecond at startup, which `python -m pyglibc run` has
# no room for (its startup goal): only type checkers import it.
TYPE_CHECKING = False

if not _sys.platform.startswith("linux"):
    raise ImportError("pyglibc: these objects are for Linux only, not %r" % _sys.platform)

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
    "supervise": "pyglibc._supervisor",
    "Supervision": "pyglibc._supervisor",
    "Reaped": "pyglibc._supervisor",
    "Usage": "pyglibc._supervisor",
}

__all__ = sorted(_HOMES)

if TYPE_CHECKING:
    from typing import Any

    # What __getattr__ below imports on first use, for type checkers; a name
    # of _HOMES missing here is Any to them (tests/test_typing.py lists those).
    from pyglibc._capabilities import (
        Capability as Capability,
        capabilities as capabilities,
        set_capabilities as set_capabilities,
    )
    from pyglibc._eventfd import eventfd as eventfd
    from pyglibc._inotify import inotify as inotify
    from pyglibc._pidfd import pidfd as pidfd
    from pyglibc._pipe import pipe as pipe, pipe2 as pipe2
    from pyglibc._prctl import prctl as prctl
    from pyglibc._sigmask import pthread_sigmask as pthread_sigmask, sigprocmask as sigprocmask
    from pyglibc._signalfd import signalfd as signalfd
    from pyglibc._signals import (
        siginfo as siginfo,
        signals as signals,
        sigqueue as sigqueue,
        sigwait as sigwait,
    )
    from pyglibc._subreaper import subreaper as subreaper
    from pyglibc._supervisor import (
        Reaped as Reaped,
        Supervision as Supervision,
        Usage as Usage,
        supervise as supervise,
    )
    from pyglibc._timerfd import timerfd as timerfd


def __getattr__(name: str) -> "Any":
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError("module 'pyglibc' has no attribute %r" % name)
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
