"""What one supervision is asked for: the arguments of supervise() checked into a _Settings.

Each check raises TypeError or ValueError naming supervise() and the
argument, before anything is started.
"""

from __future__ import annotations

import os

from pyglibc._supervisor.signals import (
    _FORWARDED,
    _JOB_CONTROL,
    _SIGCHLD,
    _SIGSTOP,
    _UNCATCHABLE,
    _signal_name,
    catchable_signals,
)

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs a millisecond at startup: only the checker reads it
    import signal as _signal  # typeshed has no _signal: signal without its enums, the same calls
    from typing import Any, Callable, Dict, FrozenSet, Iterable, Mapping, Optional, Tuple, Union

    Log = Callable[[str, str], None]
    Fd = Union[int, Any]  # a descriptor, or an object with fileno()
    Limit = Optional[int]  # a resource limit; None: none (RLIM_INFINITY)
else:
    import _signal

KILL_AFTER = 2.0
"""Seconds from the timeout's SIGTERM to SIGKILL, unless ``kill_after`` says otherwise."""

LINGER = 2.0
"""Seconds the processes left behind by the command get between SIGTERM and SIGKILL."""

ORPHAN_CHECK = 0.25
"""Seconds between two looks for strays, with ``kill_orphans``.

Linux tells a subreaper nothing when a process is reparented to it: with
``kill_orphans``, its children are read from /proc this often (and at each
SIGCHLD) while the command runs.
"""

PREFIX = (b"[out] ", b"[err] ")
"""What ``prefix=True`` puts before each line of the command's stdout and stderr."""


_FOREVER = 2.0 ** 31
"""Seconds (68 years) from which a duration means no limit at all, as inf does.

A timer cannot hold every longer one (time_t overflows at 2**63 s, at 2**31
where it has 32 bits), and no deadline that far off is meant as one.
"""


def _seconds(value: Any, name: str, positive: bool) -> Optional[float]:
    """value as seconds, or None for no limit (inf, _FOREVER or more)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        import numbers

        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError("supervise: %s must be a number of seconds, not %s"
                            % (name, type(value).__name__))
    try:
        seconds = float(value)
    except OverflowError:  # an int past the largest float
        seconds = float("inf") if value > 0 else float("-inf")
    if not (seconds > 0 if positive else seconds >= 0):  # NaN is neither
        raise ValueError("supervise: %s must be a %s number of seconds or inf, not %r"
                         % (name, "positive" if positive else "non-negative", seconds))
    return None if seconds >= _FOREVER else seconds


def _count(value: Any, name: str, kind: str, at_least: str, given: Any = None) -> int:
    """value, an int (not a bool) of 0 or more; else TypeError saying it must be kind (naming
    the type of given, value by default) or ValueError saying it must be at_least."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("supervise: %s must be %s, not %s"
                        % (name, kind, type(value if given is None else given).__name__))
    if value < 0:
        raise ValueError("supervise: %s must be %s, not %d" % (name, at_least, value))
    return int(value)


def _fd(value: Fd, name: str) -> int:
    fd = value.fileno() if hasattr(value, "fileno") else value
    return _count(fd, name, "a file descriptor or have fileno()", "a file descriptor (>= 0)",
                  value)


def _closed_fd(count: int, inherited: bool = False) -> Optional[int]:
    """The first of the count descriptors from 3 on that is not open, None if all are.

    inherited: one that is close-on-exec counts as not open too: it cannot
    have come through the exec that started this process, so it is its own.
    """
    for fd in range(3, 3 + count):
        try:
            if os.get_inheritable(fd) or not inherited:
                continue
        except OSError:  # EBADF
            pass
        return fd
    return None


def _preserved(value: Any) -> int:
    count = _count(value, "preserve_fds", "a number of descriptors", "0 or more")
    closed = _closed_fd(count)
    if closed is not None:
        raise ValueError("supervise: preserve_fds=%d: descriptor %d is not open" % (count, closed))
    return count


def _socket_activation(env: Mapping[str, str], inherited: bool = False) -> Optional[int]:
    """How many descriptors from 3 on socket activation hands this process, as sd_listen_fds(3)
    reads LISTEN_PID and LISTEN_FDS; None if LISTEN_PID does not name this process.

    The variables are then another process's, passed on as they are, and so
    is anything LISTEN_PID does not read as a pid.  Named, a LISTEN_FDS that
    is not a count, or that counts a descriptor not open, is a RuntimeError
    (sd_listen_fds fails on both); a missing one counts none.  inherited: as
    for _closed_fd.
    """
    named = env.get("LISTEN_PID", "")
    if not (named.isascii() and named.isdigit() and int(named) == os.getpid()):
        return None
    text = env.get("LISTEN_FDS", "0")
    if not (text.isascii() and text.isdigit()):
        raise RuntimeError("supervise: LISTEN_FDS=%s: not a number of descriptors (LISTEN_PID "
                           "is this process)" % text)
    closed = _closed_fd(int(text), inherited)
    if closed is not None:
        raise RuntimeError("supervise: LISTEN_FDS=%s: descriptor %d is not open (LISTEN_PID is "
                           "this process)" % (text, closed))
    return int(text)


def _prefixes(prefix: Any) -> Optional[Tuple[bytes, bytes]]:
    if prefix is None or prefix is False:
        return None
    if prefix is True:
        return PREFIX
    if isinstance(prefix, (str, bytes)):
        raise TypeError("supervise: prefix must be None, True or a pair (stdout prefix, "
                        "stderr prefix), not %r" % (prefix,))
    try:
        out, err = prefix
    except (TypeError, ValueError):
        raise TypeError("supervise: prefix must be None, True or a pair (stdout prefix, "
                        "stderr prefix), not %r" % (prefix,)) from None
    return (out.encode() if isinstance(out, str) else bytes(out),
            err.encode() if isinstance(err, str) else bytes(err))


def _signal_number(value: Any, name: str, zero: bool = False) -> int:
    """A signal number from an int (or signal.Signals); 0 too where zero allows it."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("supervise: %s must be a signal number, not %s"
                        % (name, type(value).__name__))
    number = int(value)
    if (zero and number == 0) or number in _signal.valid_signals():
        return number
    raise ValueError("supervise: %s: %d is not a signal number" % (name, number))


def _rewrites(rewrite: Any) -> Dict[int, int]:
    if rewrite is None:
        return {}
    if not hasattr(rewrite, "items"):
        raise TypeError("supervise: rewrite must be a mapping {signal: signal or 0}, not %s"
                        % type(rewrite).__name__)
    out = {}
    for source, target in rewrite.items():
        number = _signal_number(source, "rewrite")
        if number in _UNCATCHABLE or number == _SIGCHLD:
            raise ValueError("supervise: rewrite: %s cannot be rewritten (%s)" % (
                _signal_name(number), "the supervisor reaps on it" if number == _SIGCHLD
                else "it cannot be caught"))
        out[number] = 0 if target is None else _signal_number(target, "rewrite", zero=True)
    return out


def _statuses(values: Iterable[Any]) -> FrozenSet[int]:
    out = set()
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError("supervise: zero_status must hold exit statuses (int), not %s"
                            % type(value).__name__)
        if not 0 <= value <= 255:
            raise ValueError("supervise: zero_status: %d is not an exit status (0-255)" % value)
        out.add(value)
    return frozenset(out)


UNLIMITED = ("unlimited", "infinity")


def _rlimits(value: Any) -> Dict[str, Tuple[Limit, Limit]]:
    """{NAME: (soft, hard)} from a mapping {name or number: limit or (soft, hard)}.

    A name is a resource's, with or without RLIMIT_, in any case (CPU,
    rlimit_nofile), or its RLIMIT_* number (resource.RLIMIT_CPU); a limit
    is an int of 0 or more, or None, "unlimited" or resource.RLIM_INFINITY
    (-1) for no limit; one limit alone is both soft and hard, as docker's
    --ulimit and prlimit(1) take it.
    """
    from pyglibc._rawcalls import RLIMITS

    if value is None:
        return {}
    if not hasattr(value, "items"):
        raise TypeError("supervise: rlimits must be a mapping {resource: limit or (soft, hard)}, "
                        "not %s" % type(value).__name__)
    names = dict((number, name) for name, number in RLIMITS.items())
    out = {}
    for key, limits in value.items():
        if isinstance(key, str):
            found = rlimit_name(key)
            if found is None:
                raise ValueError("supervise: rlimits: %r is not a resource (%s)"
                                 % (key, ", ".join(sorted(RLIMITS))))
            name = found
        elif isinstance(key, int) and not isinstance(key, bool):
            if key not in names:
                raise ValueError("supervise: rlimits: %d is not an RLIMIT_* number" % key)
            name = names[key]
        else:
            raise TypeError("supervise: rlimits: a resource is a name or an RLIMIT_* number, "
                            "not %s" % type(key).__name__)
        if isinstance(limits, tuple):
            if len(limits) != 2:
                raise ValueError("supervise: rlimits: RLIMIT_%s: (soft, hard), not %d limits"
                                 % (name, len(limits)))
            soft, hard = (_limit(limit, name) for limit in limits)
        else:
            soft = hard = _limit(limits, name)
        if soft_above_hard(soft, hard):
            raise ValueError("supervise: rlimits: RLIMIT_%s: the soft limit %s is above the "
                             "hard limit %s" % (name, "unlimited" if soft is None else soft, hard))
        out[name] = (soft, hard)
    return out


def rlimit_name(text: str) -> Optional[str]:
    """The resource text names (CPU, rlimit_nofile: with or without RLIMIT_, in any case) as
    a key of _rawcalls.RLIMITS, or None if it names none."""
    from pyglibc._rawcalls import RLIMITS

    name = text.strip().upper()
    name = name[len("RLIMIT_"):] if name.startswith("RLIMIT_") else name
    return name if name in RLIMITS else None


def soft_above_hard(soft: Limit, hard: Limit) -> bool:
    """Whether the soft limit is above the hard one (None: unlimited): setrlimit(2)'s EINVAL."""
    return hard is not None and (soft is None or soft > hard)


def _limit(value: Any, name: str) -> Limit:
    if value is None or (isinstance(value, str) and value.lower() in UNLIMITED):
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("supervise: rlimits: RLIMIT_%s: a limit is an int or None (unlimited), "
                        "not %s" % (name, type(value).__name__))
    if value == -1:  # resource.RLIM_INFINITY
        return None
    if value < 0:
        raise ValueError("supervise: rlimits: RLIMIT_%s: %d is not a limit (0 or more)"
                         % (name, value))
    return int(value)


def _cgroup_limits(memory_max: Any, pids_max: Any, cpu_max: Any) -> Dict[str, str]:
    """The files of the cgroup's limits and what to write to them (cgroup-v2.rst)."""
    limits = {}
    if memory_max is not None:
        limits["memory.max"] = "%d" % _count(memory_max, "memory_max", "a number of bytes",
                                             "a number of bytes (>= 0)")
    if pids_max is not None:
        limits["pids.max"] = "%d" % _count(pids_max, "pids_max", "a number of processes",
                                           "a number of processes (>= 0)")
    if cpu_max is not None:
        if isinstance(cpu_max, bool) or not isinstance(cpu_max, (int, float)):
            raise TypeError("supervise: cpu_max must be a number of CPUs, not %s"
                            % type(cpu_max).__name__)
        if not 0 < cpu_max < float("inf"):  # NaN neither
            raise ValueError("supervise: cpu_max must be a positive number of CPUs, not %r"
                             % cpu_max)
        # cpus periods' worth of CPU time in each period of 100 ms; the kernel's least is 1 ms.
        limits["cpu.max"] = "%d 100000" % max(1000, round(cpu_max * 100000))
    return limits


def _records(value: Any) -> int:
    return _count(value, "records", "an int", "a number of records (>= 0)")


class _Settings:
    """Everything one supervision was asked for, checked."""

    # The descriptors from 3 on that the command gets as they are (supervise()
    # sets them); listen_pid: its LISTEN_PID is set to its own pid, as socket
    # activation hands them on.
    preserve_fds = 0
    listen_pid = False
    kill_orphans = False
    # With cgroup: the limits of its cgroup, {file: value}; None without.
    cgroup: Optional[Dict[str, str]] = None
    # The command's resource limits, {NAME: (soft, hard)}, set between fork and exec.
    rlimits: Dict[str, Tuple[Limit, Limit]] = {}

    # timeout, kill_after, linger: seconds, None for no limit.
    def __init__(self, timeout: Optional[float], kill_after: Optional[float],
                 linger: Optional[float], group: bool,
                 setsid: bool, prefixes: Optional[Tuple[bytes, bytes]],
                 fds: Tuple[int, int, int], env: Mapping[str, str], init: bool, pidns: bool,
                 rewrite: Dict[int, int], pdeathsig: Optional[int],
                 zero_status: FrozenSet[int], log: Optional[Log]) -> None:
        self.timeout, self.kill_after, self.linger = timeout, kill_after, linger
        self.group, self.setsid, self.prefixes, self.fds = group, setsid, prefixes, fds
        self.env, self.init, self.pidns = env, init, pidns
        self.pdeathsig, self.zero_status, self.log = pdeathsig, zero_status, log
        managed = set(catchable_signals() if init else _FORWARDED)
        managed.update(rewrite)
        if pdeathsig is not None and pdeathsig not in _UNCATCHABLE:
            managed.add(pdeathsig)
        if setsid:  # dumb-init's defaults, for those forwarded and not rewritten otherwise
            rewrite = dict([(signum, _SIGSTOP) for signum in _JOB_CONTROL] + list(rewrite.items()))
        self.rewrite = rewrite
        managed.add(_SIGCHLD)
        self.managed: FrozenSet[int] = frozenset(managed)

    @property
    def group_signals(self) -> bool:
        """Whether signals go to the command's process group rather than to it alone."""
        return self.group or self.setsid

    def in_namespace(self) -> _Settings:
        """These settings for the init of the PID namespace: an init, in the namespace."""
        inner = _Settings.__new__(_Settings)
        inner.__dict__.update(self.__dict__)
        inner.init, inner.pidns, inner.pdeathsig = True, False, None
        managed = set(catchable_signals()) | self.managed
        inner.managed = frozenset(managed)
        return inner
