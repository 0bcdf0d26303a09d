"""What a supervision reports: a Reaped record per process, and the Supervision that holds them."""

from __future__ import annotations

import collections
import os
import time

from pyglibc._supervisor.signals import _signal_from_name, _signal_name

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs a millisecond at startup: only the checker reads it
    from typing import Any, Callable, Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple

    from pyglibc._supervisor.signals import Signal

RECORDS = 1000
"""How many ``Reaped`` records ``Supervision.processes`` keeps by default: the last ones.

A record kept takes some 260 bytes, and an init may reap millions of processes.
"""

FORWARDS_KEPT = 1000
"""How many of the signals passed on to the command ``Supervision.forwarded`` keeps: the last."""


if TYPE_CHECKING:
    class _UsageFields(NamedTuple):
        user: float
        system: float
        max_rss: int
        minor_faults: int
        major_faults: int
        voluntary_switches: int
        involuntary_switches: int
else:
    _UsageFields = collections.namedtuple(
        "Usage", "user system max_rss minor_faults major_faults voluntary_switches "
                 "involuntary_switches")


class Usage(_UsageFields):
    """What processes cost, as wait4(2) reports it in a struct rusage (getrusage(2)).

    ``user`` and ``system``: seconds of CPU in user and kernel mode;
    ``max_rss``: the largest resident set, in KiB (ru_maxrss);
    ``minor_faults`` and ``major_faults``: page faults served without and
    with I/O (ru_minflt, ru_majflt); ``voluntary_switches`` and
    ``involuntary_switches``: context switches on waiting and on being
    preempted (ru_nvcsw, ru_nivcsw).

    A process's own counts include those of the children it waited for
    itself, as the kernel adds them at each wait; an orphan's are its own,
    since its parent did not wait for it.  So the sum over every process the
    supervisor reaped is what the whole tree cost, and what
    getrusage(RUSAGE_CHILDREN) counts for the supervisor; over many
    processes, ``max_rss`` is the largest of theirs, not a sum, as there.
    """

    __slots__ = ()

    @property
    def cpu(self) -> float:
        """user + system: seconds of CPU in all."""
        return self.user + self.system

    def joined(self, other: Usage) -> Usage:
        """This and other together: times and counts summed, the larger max_rss."""
        return Usage(round(self.user + other.user, 6), round(self.system + other.system, 6),
                     max(self.max_rss, other.max_rss), self.minor_faults + other.minor_faults,
                     self.major_faults + other.major_faults,
                     self.voluntary_switches + other.voluntary_switches,
                     self.involuntary_switches + other.involuntary_switches)

    def as_dict(self) -> Dict[str, Any]:
        return dict(zip(self._fields, self))

    @classmethod
    def from_rusage(cls, usage: Any) -> Usage:
        """From a resource.struct_rusage (what os.wait4 gives)."""
        return cls(usage.ru_utime, usage.ru_stime, usage.ru_maxrss, usage.ru_minflt,
                   usage.ru_majflt, usage.ru_nvcsw, usage.ru_nivcsw)


NO_USAGE = Usage(0.0, 0.0, 0, 0, 0, 0, 0)
"""The ``Usage`` of no process at all: what the totals start from."""


if TYPE_CHECKING:
    class _ReapedFields(NamedTuple):
        pid: int
        name: Optional[str]
        command: bool
        exitcode: Optional[int]
        signal: Optional[Signal]
        core_dumped: bool
        started: Optional[float]
        reaped: float
        signalled: Optional[Signal]
        usage: Optional[Usage]
        limit: Optional[str]
        role: Optional[str]
else:
    _ReapedFields = collections.namedtuple(
        "Reaped", "pid name command exitcode signal core_dumped started reaped signalled usage "
                  "limit role", defaults=(None, None, None))


class Reaped(_ReapedFields):
    """One process the supervisor waited for.

    ``pid``; ``name``: its command name (comm, at most 15 bytes, read from
    /proc/<pid>/stat while it was a zombie, as os.fsdecode gives it: the
    process chose it, any byte but NUL; None if it could not be read);
    ``command``: True for the command itself, False for a process it left
    behind (an orphan reparented to the supervisor); ``exitcode``: its exit
    status, or None if a signal killed it; ``signal``: that signal (a
    ``signal.Signals``) or None; ``core_dumped``; ``started`` and ``reaped``:
    seconds from the start of ``supervise()`` (``started`` comes from
    /proc/<pid>/stat, to the kernel's clock tick, 0.01 s; None if unknown);
    ``signalled``: the last signal the supervisor itself sent it (on
    timeout, or to clean up), None if none; ``usage``: what it cost, a
    ``Usage`` (its own CPU, memory, faults and context switches, with those
    of the children it waited for itself), None if unknown; ``limit``: the
    resource limit that ended it, as ``RLIMIT_CPU`` (SIGXCPU, or the
    SIGKILL of the hard limit once its CPU time reached it),
    ``RLIMIT_FSIZE`` (SIGXFSZ) or, with ``memory_max``, ``memory.max``
    (a SIGKILL of the cgroup's OOM killer, counted in its
    memory.events), else None; ``role``: "command"; "orphan",
    one the command left (reaped while it ran, or cleaned up once it
    ended); "stray", an orphan that ``kill_orphans`` signalled while the
    command still ran; "adopted", a child this process had before the
    command started (``adopt``).  Under ``pidns`` the pids are those of
    the namespace (the command is 2, its init 1).
    """

    __slots__ = ()

    @property
    def status(self) -> str:
        """How it ended, in a word: 'exit 0', 'SIGTERM', 'SIGSEGV (core dumped)'."""
        if self.signal is None:
            return "exit %d" % (self.exitcode or 0)
        return "%s%s%s" % (_signal_name(self.signal), " (core dumped)" if self.core_dumped else "",
                           "" if self.limit is None else " (%s)" % self.limit)

    def as_dict(self) -> Dict[str, Any]:
        """The record as JSON-ready values, signals by name (see ``Supervision.as_dict``)."""
        return {"pid": self.pid, "name": self.name, "command": self.command,
                "exitcode": self.exitcode, "signal": _signal_name(self.signal),
                "core_dumped": self.core_dumped, "started": self.started,
                "reaped": self.reaped, "signalled": _signal_name(self.signalled),
                "usage": None if self.usage is None else self.usage.as_dict(),
                "limit": self.limit, "role": self.role}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Reaped:
        """The record ``as_dict`` gave, signals as ``signal.Signals`` again."""
        return cls(data["pid"], data["name"], data["command"], data["exitcode"],
                   _signal_from_name(data["signal"]), data["core_dumped"], data["started"],
                   data["reaped"], _signal_from_name(data["signalled"]),
                   None if data.get("usage") is None else Usage(**data["usage"]),
                   data.get("limit"), data.get("role"))


class Supervision:
    """What ``supervise()`` returns: how the command ended and every process reaped.

    ``argv``: the command, as str; ``pid``: its pid (None if it could not
    start); ``exit_status``: what ``python -m pyglibc run`` exits with (the
    command's exit status, 128+N if signal N killed it, 0 if that status is
    one of ``zero_status``, 124 if it timed out, 125 if a PID namespace
    could not be made, 126 if it could not be executed, 127 if it was not
    found); ``returncode``: as subprocess has it (-N for signal N; None if
    it never ran); ``timed_out``; ``error``: why it could not start, one
    line, else None; ``init``: whether the command ran under an init (which
    forwards every signal it can catch); ``pidns``: whether it ran in a PID
    namespace of its own (its pids are then the namespace's);
    ``started``: time.time() at the start; ``duration`` in seconds;
    ``command``: the ``Reaped`` record of the command, None if it never
    ran; ``processes``: the ``Reaped`` records of the last ``records``
    processes reaped (supervise()'s argument), in the order reaped;
    ``processes_reaped``: how many were, the command included;
    ``forwarded``: ``(seconds, signal)`` for each of the last
    ``FORWARDS_KEPT`` signals passed on to the command, as sent (after
    ``rewrite``); ``signals_forwarded``: how many were; ``usage``: what
    every process reaped cost together, a ``Usage`` (the largest
    ``max_rss``; the same as getrusage(RUSAGE_CHILDREN) counts for the
    supervisor's part, the records dropped past ``records`` included);
    ``cgroup``: with ``cgroup``, what its cgroup said once empty, else
    None: {"path", "entered_by" ("CLONE_INTO_CGROUP": the command was
    made in it; "cgroup.procs": it moved itself in before its exec, where
    the kernel predates Linux 5.7 or this process has threads), "cpu"
    (its cpu.stat as a dict: usage_usec, user_usec, system_usec, ...),
    "memory_peak" (bytes) and "pids_peak"
    (None where that controller is not enabled), "removed" (bool)}.
    """

    def __init__(self, argv: Sequence[str], records: int = RECORDS,
                 on_reap: Optional[Callable[[Reaped], None]] = None) -> None:
        self.argv = list(argv)
        self.pid: Optional[int] = None
        self.exit_status: int = 125
        self.returncode: Optional[int] = None
        self.timed_out = False
        self.error: Optional[str] = None
        self.init = False
        self.pidns = False
        self.started = time.time()
        self.duration: float = 0.0
        self.command: Optional[Reaped] = None
        self.processes: List[Reaped] = []
        self.processes_reaped = 0
        self.forwarded: List[Tuple[float, Signal]] = []
        self.signals_forwarded = 0
        self.usage = NO_USAGE
        self.cgroup: Optional[Dict[str, Any]] = None
        self._records, self._on_reap = records, on_reap

    @property
    def orphans(self) -> List[Reaped]:
        """The records kept (see ``processes``) of the processes the command left behind."""
        return [process for process in self.processes if not process.command]

    def _add(self, process: Reaped) -> None:
        """Count a process reaped, keep its record if there is room, pass it to on_reap."""
        self.processes_reaped += 1
        if process.usage is not None:
            self.usage = self.usage.joined(process.usage)
        if process.command:
            self.command = process
        if self._records:
            self.processes.append(process)
            if len(self.processes) > self._records:
                del self.processes[0]  # a move of 8 bytes a record kept: cheap at the default
        if self._on_reap is not None:
            self._on_reap(process)

    def _forward(self, at: float, signum: Signal) -> None:
        """Count a signal passed on to the command at ``at`` seconds; keep it, the oldest out."""
        self.signals_forwarded += 1
        self.forwarded.append((at, signum))
        if len(self.forwarded) > FORWARDS_KEPT:
            del self.forwarded[0]

    def as_dict(self) -> Dict[str, Any]:
        """Everything as JSON-ready values; ``python -m pyglibc run --json`` ends with this.

        Keys: argv (list of str), pid (int or null), exit_status (int),
        returncode (int or null), timed_out (bool), error (str or null),
        init (bool), pidns (bool), started (Unix time), duration (seconds),
        forwarded (list of {"at": seconds, "signal": name}, the last kept),
        signals_forwarded (int), processes_reaped (int), cgroup (as above, or
        null), usage (the totals,
        ``Usage`` as a dict: {"user", "system", "max_rss", "minor_faults",
        "major_faults", "voluntary_switches", "involuntary_switches"}),
        processes (the records kept, each as ``Reaped.as_dict`` gives it:
        {"pid", "name", "command", "exitcode", "signal", "core_dumped",
        "started", "reaped", "signalled", "usage", "limit", "role"}, signals by name
        such as "SIGTERM", times in seconds from the start).
        """
        return {"argv": list(self.argv), "pid": self.pid, "exit_status": self.exit_status,
                "returncode": self.returncode, "timed_out": self.timed_out,
                "error": self.error, "init": self.init, "pidns": self.pidns,
                "started": self.started, "duration": self.duration,
                "forwarded": [{"at": at, "signal": _signal_name(signum)}
                              for at, signum in self.forwarded],
                "signals_forwarded": self.signals_forwarded,
                "processes_reaped": self.processes_reaped,
                "usage": self.usage.as_dict(), "cgroup": self.cgroup,
                "processes": [process.as_dict() for process in self.processes]}

    def _load(self, data: Mapping[str, Any]) -> None:
        """Take over what ``as_dict`` gave (the report of a supervisor in a namespace).

        Not the records: they came through ``_add`` as they were reaped.
        """
        for key in ("pid", "exit_status", "returncode", "timed_out", "error", "signals_forwarded",
                    "cgroup"):
            setattr(self, key, data[key])
        self.forwarded = [(item["at"], _signal_from_name(item["signal"]) or 0)
                          for item in data["forwarded"]]

    def summary(self) -> str:
        """A table for people: a line on the command, then one per record kept."""
        if self.error is not None:
            head = self.error
        else:
            command = self.command
            head = "%s: %s%s after %.3f s" % (
                _shell_words(self.argv), "timed out, " if self.timed_out else "",
                command.status if command else "not reaped", self.duration)
        head += "; exit status %d" % self.exit_status
        if len(self.processes) < self.processes_reaped:
            head += "; %d processes reaped, %s listed" % (
                self.processes_reaped,
                "the last %d" % len(self.processes) if self.processes else "none")
        lines = [head,
                 "%8s  %-15s  %-7s  %7s  %7s  %7s  %7s  %s" % (
                     "PID", "NAME", "ROLE", "STARTED", "REAPED", "CPU", "MAXRSS", "STATUS")]
        for p in self.processes:
            status = p.status
            if p.signalled is not None:
                status += " (sent %s)" % _signal_name(p.signalled)
            lines.append("%8d  %-15s  %-7s  %7s  %6.3fs  %7s  %7s  %s" % (
                p.pid, "?" if p.name is None else _shell_word(p.name),
                p.role or ("command" if p.command else "orphan"),
                "?" if p.started is None else "%.2fs" % p.started, p.reaped,
                "?" if p.usage is None else "%.2fs" % p.usage.cpu,
                "?" if p.usage is None else _kib(p.usage.max_rss), status))
        usage = self.usage
        if self.processes_reaped:
            lines.append("%d process%s in all: CPU %.2fs (user %.2fs, system %.2fs), largest "
                         "MAXRSS %s, %d major faults" % (
                             self.processes_reaped, "" if self.processes_reaped == 1 else "es",
                             usage.cpu, usage.user, usage.system, _kib(usage.max_rss),
                             usage.major_faults))
        if self.cgroup is not None:
            lines.append(_cgroup_line(self.cgroup))
        return "\n".join(lines) + "\n"

    def __repr__(self) -> str:
        return "<pyglibc.supervise result %s exit_status=%r processes=%d%s>" % (
            self.argv, self.exit_status, self.processes_reaped,
            " timed out" if self.timed_out else "")


def _cgroup_line(cgroup: Mapping[str, Any]) -> str:
    """What the command's cgroup said, in a line."""
    words = []
    cpu = cgroup.get("cpu") or {}
    if "usage_usec" in cpu:
        words.append("CPU %.2fs (user %.2fs, system %.2fs)" % (
            cpu["usage_usec"] / 1e6, cpu.get("user_usec", 0) / 1e6,
            cpu.get("system_usec", 0) / 1e6))
    if cgroup.get("memory_peak") is not None:
        words.append("memory peak %s" % _kib(cgroup["memory_peak"] // 1024))
    if cgroup.get("pids_peak") is not None:
        words.append("pids peak %d" % cgroup["pids_peak"])
    if cpu.get("nr_throttled"):
        words.append("throttled %d times" % cpu["nr_throttled"])
    return "cgroup %s: %s%s" % (cgroup["path"], ", ".join(words) or "nothing to say",
                                "" if cgroup.get("removed", True) else " (not removed)")


def _kib(size: int) -> str:
    """A size in KiB, for people: 980K, 45.6M, 2.1G."""
    if size < 1024:
        return "%dK" % size
    if size < 1024 * 1024:
        return "%.1fM" % (size / 1024)
    return "%.1fG" % (size / (1024 * 1024))


def _shell_words(argv: Sequence[str], width: int = 72) -> str:
    """argv as a shell would take it, control characters escaped, cut to width."""
    line = " ".join(_shell_word(word) for word in argv)
    return line if len(line) <= width else line[:width - 3] + "..."


def _shell_word(word: str) -> str:
    """word as a shell would take it: quoted if need be, as bash's $'...' if not printable.

    So that a line stays one line, whatever a command line or a process's
    name (which it chooses itself) holds.  A byte that was not UTF-8 (which
    os.fsdecode turned into a lone surrogate) is written \\xNN, as it was.
    """
    import shlex

    if word.isprintable():
        return shlex.quote(word)
    escaped = os.fsencode(word).decode("latin-1").encode("unicode_escape").decode("ascii")
    return "$'%s'" % escaped.replace("'", "\\'")
