"""Run a command and leave no process behind: ``pyglibc.supervise(["make", "test"])``.

The supervisor is a child subreaper (prctl(2) PR_SET_CHILD_SUBREAPER), so
every process the command leaves behind is reparented to it instead of to
init.  One epoll loop waits on three kinds of descriptor and nothing else,
with no polling and no sleeps:

* a signalfd(2) reporting SIGCHLD and the signals to forward (blocked in the
  calling thread, so that they queue for the descriptor);
* a timerfd(2), made when a deadline first comes up: the --timeout, the
  --kill-after that follows it, or the --linger once the command has ended;
* with ``prefix``, the read ends of the pipes that carry the command's
  stdout and stderr.

On each SIGCHLD every child that has exited is reaped (signals coalesce, so
one SIGCHLD may stand for many), and recorded with the command name it had:
where os.waitid exists (not on PyPy 3.9) a waitid(WEXITED|WNOWAIT) peeks at
the zombie, /proc/<pid>/stat gives its name, and only then is it reaped;
elsewhere the zombies are found among the children /proc lists first.
When the command has been reaped, the processes still alive under the
supervisor (found by walking /proc/<pid>/task/<tid>/children down from
its own pid) get SIGTERM and SIGCONT, and after ``linger`` seconds
SIGKILL; the supervisor returns when it has no child left.

As an init (``init=True``, and by default when it is PID 1, as in a
container) it blocks and forwards every signal it can catch, not only the
usual seven: a PID 1 has no default action for a signal it has no handler
for, so a blocked signal read from the signalfd is the only way one
reaches the command.  Only SIGKILL and SIGSTOP (which cannot be caught),
SIGCHLD (the supervisor's own) and the hardware faults SIGSEGV, SIGBUS,
SIGILL and SIGFPE (which would hide a crash of the supervisor itself) are
not forwarded.  With ``pidns=True`` the command runs under a forked copy
of the supervisor that is PID 1 of a new PID namespace, with a mount
namespace and a /proc of its own: when that init ends, the kernel kills
whatever is left in the namespace, so nothing can outlive it.

Startup is part of the job (the goal: ``python -m pyglibc run -- true``
within 1.5 times ``python -c pass``): the module imports only what every
run needs, and reaches the few system calls it makes on each start through
pyglibc._rawcalls rather than the glibc namespace, whose first use reads
every binding table.  ``signal`` (for the names of signals), ``json`` and
the glibc namespace (for --pidns) are imported when first needed.

Limits, all the kernel's: a process is signalled by pid after the walk of
/proc, so one that dies and whose pid is reused in between (by its own
parent's reaping, the supervisor's children cannot be) would get the
signal instead; what CMD has another service start (systemd-run, at, a
D-Bus activation) is not its descendant and is left alone (except under
``pidns``); and with ``prefix``, a write to a stdout that nobody reads
blocks the loop, timeout included, until it is read, as it would block any
filter.
"""

from __future__ import annotations

import _thread
import collections
import errno
import os
import select
import time

from pyglibc import _rawcalls

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs a millisecond at startup: only the checker reads it
    import signal
    import signal as _signal  # typeshed has no _signal: signal without its enums, the same calls
    from typing import (
        Any,
        Callable,
        Dict,
        FrozenSet,
        Iterable,
        Iterator,
        List,
        Mapping,
        NamedTuple,
        NoReturn,
        Optional,
        Sequence,
        Tuple,
        Union,
    )

    Log = Callable[[str, str], None]
    Signal = Union[signal.Signals, int]
    Fd = Union[int, Any]  # a descriptor, or an object with fileno()
else:
    import _signal

__all__ = ["FORWARDED", "KILL_AFTER", "LINGER", "PREFIX", "Reaped", "Supervision", "supervise"]

_SIGCHLD = _signal.SIGCHLD
_SIGKILL = _signal.SIGKILL
_SIGTERM = _signal.SIGTERM
_SIGCONT = _signal.SIGCONT
_SIGSTOP = _signal.SIGSTOP

# FORWARDED as numbers; the public FORWARDED (signal.Signals members) is made on first use.
_FORWARDED = (_signal.SIGHUP, _signal.SIGINT, _signal.SIGQUIT, _signal.SIGUSR1,
              _signal.SIGUSR2, _SIGTERM, _signal.SIGWINCH)

KILL_AFTER = 2.0
"""Seconds from the timeout's SIGTERM to SIGKILL, unless ``kill_after`` says otherwise."""

LINGER = 2.0
"""Seconds the processes left behind by the command get between SIGTERM and SIGKILL."""

PREFIX = (b"[out] ", b"[err] ")
"""What ``prefix=True`` puts before each line of the command's stdout and stderr."""

# Signals that end a linger at once: the user wants the supervisor gone now.
_HURRY = frozenset((_signal.SIGHUP, _signal.SIGINT, _signal.SIGQUIT, _SIGTERM))
# Never forwarded, even by an init: the uncatchable two, and the faults, which a
# blocked mask would turn from the supervisor's crash report into a silent kill.
_UNCATCHABLE = frozenset((_SIGKILL, _SIGSTOP))
_FAULTS = frozenset((_signal.SIGSEGV, _signal.SIGBUS, _signal.SIGILL, _signal.SIGFPE))
# Job control signals: what dumb-init rewrites to SIGSTOP for a command in its own
# session, whose process group is orphaned and would not be stopped by them.
_JOB_CONTROL = (_signal.SIGTSTP, _signal.SIGTTIN, _signal.SIGTTOU)
# CMD gets these at SIG_DFL besides the managed ones: the two that Python ignores
# at startup (an ignored disposition survives exec), as subprocess's restore_signals does.
_PYTHON_IGNORES = frozenset((_signal.SIGPIPE, _signal.SIGXFSZ))

# A line longer than this is cut in pieces, each with its prefix, so that a
# command printing without newlines cannot make the supervisor's memory grow.
_LINE_MAX = 65536
_CHUNK = 65536

_CLK_TCK = os.sysconf("SC_CLK_TCK")
_waitid = getattr(os, "waitid", None)          # missing on PyPy 3.9
_posix_spawn = getattr(os, "posix_spawn", None)  # missing on PyPy 3.9


if TYPE_CHECKING:
    FORWARDED: Tuple[signal.Signals, ...] = ()
    """The signals the supervisor passes on to the command (or its process group)."""


def __getattr__(name: str) -> Any:
    # FORWARDED is made on first use: the signal module's enums cost a millisecond.
    if name == "FORWARDED":
        import signal

        value = tuple(signal.Signals(signum) for signum in _FORWARDED)
        globals()[name] = value
        return value
    raise AttributeError("module %r has no attribute %r" % (__name__, name))


def _signal_or_int(number: int) -> Signal:
    import signal

    try:
        return signal.Signals(number)
    except ValueError:  # a real-time signal has no name in the enum
        return number


def _signal_name(number: Optional[int]) -> Optional[str]:
    if number is None:
        return None
    import signal

    named = _signal_or_int(number)
    return named.name if isinstance(named, signal.Signals) else "SIG%d" % named


def _signal_from_name(name: Optional[str]) -> Optional[Signal]:
    """The inverse of _signal_name, for records read back from JSON."""
    if name is None:
        return None
    if name[3:].isdigit():
        return int(name[3:])
    import signal

    return signal.Signals[name]


def catchable_signals() -> FrozenSet[int]:
    """The signals an init forwards: every valid one but SIGKILL, SIGSTOP and the faults."""
    return frozenset(_signal.valid_signals()) - _UNCATCHABLE - _FAULTS


# -- what the supervisor reports -------------------------------------------------------------

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
else:
    _ReapedFields = collections.namedtuple(
        "Reaped", "pid name command exitcode signal core_dumped started reaped signalled")


class Reaped(_ReapedFields):
    """One process the supervisor waited for.

    ``pid``; ``name``: its command name (comm, at most 15 bytes, read from
    /proc/<pid>/stat while it was a zombie; None if it could not be read);
    ``command``: True for the command itself, False for a process it left
    behind (an orphan reparented to the supervisor); ``exitcode``: its exit
    status, or None if a signal killed it; ``signal``: that signal (a
    ``signal.Signals``) or None; ``core_dumped``; ``started`` and ``reaped``:
    seconds from the start of ``supervise()`` (``started`` comes from
    /proc/<pid>/stat, to the kernel's clock tick, 0.01 s; None if unknown);
    ``signalled``: the last signal the supervisor itself sent it (on
    timeout, or to clean up), None if none.  Under ``pidns`` the pids are
    those of the namespace (the command is 2, its init 1).
    """

    __slots__ = ()

    @property
    def status(self) -> str:
        """How it ended, in a word: 'exit 0', 'SIGTERM', 'SIGSEGV (core dumped)'."""
        if self.signal is None:
            return "exit %d" % (self.exitcode or 0)
        return "%s%s" % (_signal_name(self.signal), " (core dumped)" if self.core_dumped else "")

    def as_dict(self) -> Dict[str, Any]:
        """The record as JSON-ready values, signals by name (see ``Supervision.as_dict``)."""
        return {"pid": self.pid, "name": self.name, "command": self.command,
                "exitcode": self.exitcode, "signal": _signal_name(self.signal),
                "core_dumped": self.core_dumped, "started": self.started,
                "reaped": self.reaped, "signalled": _signal_name(self.signalled)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Reaped:
        """The record ``as_dict`` gave, signals as ``signal.Signals`` again."""
        return cls(data["pid"], data["name"], data["command"], data["exitcode"],
                   _signal_from_name(data["signal"]), data["core_dumped"], data["started"],
                   data["reaped"], _signal_from_name(data["signalled"]))


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
    ``processes``: a ``Reaped`` record for every process reaped, in the
    order reaped; ``forwarded``: ``(seconds, signal)`` for each signal
    passed on to the command, as sent (after ``rewrite``).
    """

    def __init__(self, argv: Sequence[str]) -> None:
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
        self.processes: List[Reaped] = []
        self.forwarded: List[Tuple[float, Signal]] = []

    @property
    def command(self) -> Optional[Reaped]:
        """The ``Reaped`` record of the command, None if it never ran."""
        for process in self.processes:
            if process.command:
                return process
        return None

    @property
    def orphans(self) -> List[Reaped]:
        """The records of the processes the command left behind."""
        return [process for process in self.processes if not process.command]

    def as_dict(self) -> Dict[str, Any]:
        """Everything as JSON-ready values; ``python -m pyglibc run --json`` writes this.

        Keys: argv (list of str), pid (int or null), exit_status (int),
        returncode (int or null), timed_out (bool), error (str or null),
        init (bool), pidns (bool), started (Unix time), duration (seconds),
        forwarded (list of {"at": seconds, "signal": name}), processes
        (list of {"pid", "name", "command", "exitcode", "signal",
        "core_dumped", "started", "reaped", "signalled"}, signals by name
        such as "SIGTERM", times in seconds from the start).
        """
        return {"argv": list(self.argv), "pid": self.pid, "exit_status": self.exit_status,
                "returncode": self.returncode, "timed_out": self.timed_out,
                "error": self.error, "init": self.init, "pidns": self.pidns,
                "started": self.started, "duration": self.duration,
                "forwarded": [{"at": at, "signal": _signal_name(signum)}
                              for at, signum in self.forwarded],
                "processes": [process.as_dict() for process in self.processes]}

    def _load(self, data: Mapping[str, Any]) -> None:
        """Take over what ``as_dict`` gave (the report of a supervisor in a namespace)."""
        for key in ("pid", "exit_status", "returncode", "timed_out", "error"):
            setattr(self, key, data[key])
        self.forwarded = [(item["at"], _signal_from_name(item["signal"]) or 0)
                          for item in data["forwarded"]]
        self.processes = [Reaped.from_dict(item) for item in data["processes"]]

    def summary(self) -> str:
        """A table for people: one line per process reaped, after a line on the command."""
        if self.error is not None:
            head = self.error
        else:
            command = self.command
            head = "%s: %s%s after %.3f s" % (
                _shell_words(self.argv), "timed out, " if self.timed_out else "",
                command.status if command else "not reaped", self.duration)
        lines = [head + "; exit status %d" % self.exit_status,
                 "%8s  %-15s  %-7s  %7s  %7s  %s" % ("PID", "NAME", "ROLE", "STARTED", "REAPED",
                                                    "STATUS")]
        for p in self.processes:
            status = p.status
            if p.signalled is not None:
                status += " (sent %s)" % _signal_name(p.signalled)
            lines.append("%8d  %-15s  %-7s  %7s  %6.3fs  %s" % (
                p.pid, p.name if p.name is not None else "?",
                "command" if p.command else "orphan",
                "?" if p.started is None else "%.2fs" % p.started, p.reaped, status))
        return "\n".join(lines) + "\n"

    def __repr__(self) -> str:
        return "<pyglibc.supervise result %s exit_status=%r processes=%d%s>" % (
            self.argv, self.exit_status, len(self.processes),
            " timed out" if self.timed_out else "")


def _shell_words(argv: Sequence[str], width: int = 72) -> str:
    """argv as a shell would take it, control characters escaped, cut to width."""
    import shlex

    words = []
    for word in argv:
        if word.isprintable():
            words.append(shlex.quote(word))
        else:  # bash's $'...', so that the line stays one line
            escaped = word.encode("unicode_escape").decode("ascii").replace("'", "\\'")
            words.append("$'%s'" % escaped)
    line = " ".join(words)
    return line if len(line) <= width else line[:width - 3] + "..."


# -- /proc -------------------------------------------------------------------------------------

class _Stat:
    """What /proc/<pid>/stat says of a process (a class, cheaper to make than a namedtuple)."""

    __slots__ = ("name", "state", "ppid", "start")

    def __init__(self, name: str, state: str, ppid: int, start: int) -> None:
        self.name, self.state, self.ppid, self.start = name, state, ppid, start


def _stat(pid: int) -> Optional[_Stat]:
    """Name, state, parent and start time (clock ticks after boot) of pid; None if it is gone.

    A zombie's stat is still there until it is reaped, which is why the
    name of an exited process can be read at all.
    """
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            data = f.read()
    except OSError:  # gone (ENOENT, ESRCH): nothing to report
        return None
    # "pid (comm) state ppid ... starttime ...": comm may hold ')' and spaces.
    head, _, tail = data.rpartition(b")")
    fields = tail.split()
    return _Stat(os.fsdecode(head.partition(b"(")[2]), fields[0].decode(), int(fields[1]),
                 int(fields[19]))


def _proc_is_ours() -> bool:
    """Whether /proc shows this process's PID namespace (its pids are ours).

    Not so when /proc is missing, or mounted for another namespace, as
    under ``unshare --pid --fork`` without --mount-proc: /proc/self then
    names this process by another pid, and every pid /proc shows would be
    the wrong process's.
    """
    try:
        return os.readlink("/proc/self") == str(os.getpid())
    except OSError:
        return False


def _children(pid: int) -> List[int]:
    """The children of pid, zombies included (/proc/<pid>/task/<tid>/children, proc(5)).

    Each thread lists the children it forked, and a reparented orphan is
    listed by one of the threads, so every thread's list is read.
    """
    found: List[int] = []
    try:
        threads = os.listdir("/proc/%d/task" % pid)
    except OSError:  # gone meanwhile
        return found
    for tid in threads:
        try:
            with open("/proc/%d/task/%s/children" % (pid, tid), "rb") as f:
                found.extend(int(child) for child in f.read().split())
        except OSError:  # the thread or the process ended meanwhile
            pass
    return found


def _descendants(root: int) -> List[int]:
    """The pids under root, at any depth, root excluded: parents before their children."""
    found: List[int] = []
    queue = [root]
    while queue:
        for child in _children(queue.pop()):
            found.append(child)
            queue.append(child)
    return found


def _threads_not_blocking(signals: Iterable[int]) -> List[int]:
    """Native ids of the other threads of this process whose mask lacks one of signals."""
    try:
        threads = os.listdir("/proc/self/task")
    except OSError:  # no /proc: nothing can be checked
        return []
    if len(threads) == 1:
        return []
    me = _thread.get_native_id()
    wanted = 0
    for signum in signals:
        wanted |= 1 << (signum - 1)
    found = []
    for entry in threads:
        if int(entry) == me:
            continue
        try:
            with open("/proc/self/task/%s/status" % entry) as f:
                blocked = [line for line in f if line.startswith("SigBlk:")]
        except OSError:  # the thread ended meanwhile
            continue
        if blocked and int(blocked[0].split()[1], 16) & wanted != wanted:
            found.append(int(entry))
    return found


# -- starting the command ----------------------------------------------------------------------


class _StartError(Exception):
    """The command could not be started: the exit status to give and a one-line reason."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _find(name: bytes, env: Mapping[str, str]) -> bytes:
    """The file execvp(3) would run for name, searched in env's PATH (not ours, like subprocess).

    _StartError(127) if there is none, _StartError(126) if the only
    candidates are not executable files.
    """
    if b"/" in name:
        candidates = [name]
    else:
        candidates = [os.path.join(os.fsencode(d) or b".", name)
                      for d in os.get_exec_path(env)]
    denied = None
    for path in candidates:
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
        if denied is None and os.path.exists(path):
            denied = path
    shown = os.fsdecode(name)
    if denied is not None:
        reason = "is a directory" if os.path.isdir(denied) else "permission denied"
        raise _StartError(126, "%s: %s" % (os.fsdecode(denied), reason))
    if b"/" in name:
        raise _StartError(127, "%s: no such file or directory" % shown)
    raise _StartError(127, "%s: command not found" % shown)


def _spawn_error(path: bytes, exc: OSError) -> _StartError:
    """The _StartError for an exec that failed with OSError exc."""
    status = 127 if exc.errno == errno.ENOENT else 126
    reason = os.strerror(exc.errno) if exc.errno else str(exc)
    if exc.errno == errno.ENOENT:  # the file was there: its interpreter (#!) is not
        reason += " (a missing #! interpreter?)"
    return _StartError(status, "%s: %s" % (os.fsdecode(path), reason[:1].lower() + reason[1:]))


def _inheritable_fds() -> List[int]:
    """This process's descriptors above 2 that an exec would pass on (no FD_CLOEXEC)."""
    try:
        entries = [int(entry) for entry in os.listdir("/proc/self/fd")]
    except OSError:  # no /proc: try every descriptor the limit allows
        entries = list(range(3, min(os.sysconf("SC_OPEN_MAX"), 65536)))
    found = []
    for fd in entries:
        if fd > 2:
            try:
                if os.get_inheritable(fd):
                    found.append(fd)
            except OSError:  # not open (the descriptor listdir read the directory with)
                pass
    return found


def _spawn(path: bytes, argv: List[bytes], env: Mapping[str, str], fds: Sequence[int],
           settings: _Settings) -> int:
    """Start path with fds as its 0, 1, 2 and nothing else, as posix_spawn(3) would.

    Its signal mask is empty and the signals the supervisor manages, with
    SIGPIPE and SIGXFSZ, at SIG_DFL; descriptors above 2 that the caller
    left inheritable are closed in it, as subprocess's close_fds=True does.
    """
    closing = _inheritable_fds()
    defaults = sorted(settings.managed | _PYTHON_IGNORES)
    if _posix_spawn is not None:
        # The dup2s come first, as a source may be among the descriptors closed.
        actions: List[Tuple[int, ...]] = [(os.POSIX_SPAWN_DUP2, src, dst)
                                          for dst, src in enumerate(fds) if src != dst]
        actions += [(os.POSIX_SPAWN_CLOSE, fd) for fd in closing]
        extra: Dict[str, Any] = {}
        if settings.setsid:
            extra["setsid"] = True
        elif settings.group:
            extra["setpgroup"] = 0
        pid: int = _posix_spawn(path, argv, env, file_actions=actions, setsigmask=(),
                                setsigdef=defaults, **extra)
        return pid
    return _fork_exec(path, argv, env, fds, settings, closing, defaults)


def _fork_exec(path: bytes, argv: List[bytes], env: Mapping[str, str], fds: Sequence[int],
               settings: _Settings, closing: List[int], defaults: List[int]) -> int:
    """posix_spawn done by hand, for PyPy 3.9 which lacks os.posix_spawn.

    The child reports a failed exec through a close-on-exec pipe, as
    subprocess does: end of file means the exec happened.
    """
    report_r, report_w = os.pipe2(os.O_CLOEXEC)
    try:
        pid = os.fork()
        if pid == 0:  # the child: nothing but system calls until exec or _exit
            number = 0
            try:
                if settings.setsid:
                    os.setsid()
                elif settings.group:
                    os.setpgid(0, 0)
                for dst, src in enumerate(fds):
                    if src != dst:
                        os.dup2(src, dst)
                for fd in closing:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
                for signum in defaults:
                    _signal.signal(signum, _signal.SIG_DFL)
                _signal.pthread_sigmask(_signal.SIG_SETMASK, ())
                os.execve(path, argv, env)
            except OSError as exc:
                number = exc.errno or 0
            finally:
                try:
                    os.write(report_w, b"%d" % number)
                finally:
                    os._exit(127)
        os.close(report_w)
        report_w = -1
        report = b""
        while True:
            chunk = os.read(report_r, 64)
            if not chunk:
                break
            report += chunk
    finally:
        os.close(report_r)
        if report_w >= 0:
            os.close(report_w)
    if report:
        os.waitpid(pid, 0)
        number = int(report)
        raise OSError(number, os.strerror(number) if number else "the child could not exec")
    return pid


# -- arguments ---------------------------------------------------------------------------------


def _seconds(value: Any, name: str, positive: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        import numbers

        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError("supervise: %s must be a number of seconds, not %s"
                            % (name, type(value).__name__))
    seconds = float(value)
    if not seconds < float("inf") or seconds < 0 or (positive and seconds == 0):
        raise ValueError("supervise: %s must be a %s number of seconds, not %r"
                         % (name, "positive" if positive else "finite, non-negative", seconds))
    return seconds


def _fd(value: Fd, name: str) -> int:
    fd = value.fileno() if hasattr(value, "fileno") else value
    if isinstance(fd, bool) or not isinstance(fd, int):
        raise TypeError("supervise: %s must be a file descriptor or have fileno(), not %s"
                        % (name, type(value).__name__))
    if fd < 0:
        raise ValueError("supervise: %s must be a file descriptor (>= 0), not %d" % (name, fd))
    return fd


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


class _Settings:
    """Everything one supervision was asked for, checked."""

    def __init__(self, timeout: Optional[float], kill_after: float, linger: float, group: bool,
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


# -- the loop ----------------------------------------------------------------------------------


class _Stream:
    """One captured output: lines read from a pipe, written with a prefix to another fd."""

    def __init__(self, fd: int, prefix: bytes, out: int) -> None:
        self.fd, self.prefix, self.out = fd, prefix, out
        self.partial = b""

    def feed(self, data: bytes) -> None:
        lines = (self.partial + data).split(b"\n")
        self.partial = lines.pop()
        while len(self.partial) > _LINE_MAX:
            lines.append(self.partial[:_LINE_MAX])
            self.partial = self.partial[_LINE_MAX:]
        if lines:
            prefix = self.prefix
            _write_all(self.out, prefix + (b"\n" + prefix).join(lines) + b"\n")

    def flush(self) -> None:
        """At end of file: a last line without its newline is written with one added."""
        if self.partial:
            partial, self.partial = self.partial, b""
            _write_all(self.out, self.prefix + partial + b"\n")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            view = view[os.write(fd, view):]
        except BlockingIOError:  # our stdout is non-blocking: wait until it takes more
            poller = select.poll()
            poller.register(fd, select.POLLOUT)
            poller.poll()


class _Run:
    """One supervision: the descriptors, the state of the command and the records."""

    def __init__(self, argv: List[bytes], result: Supervision, settings: _Settings) -> None:
        self.argv, self.result, self.settings = argv, result, settings
        self.me = os.getpid()
        # Without a /proc of our own (a PID 1 under unshare --pid --fork, without
        # --mount-proc), names are unknown and an init cleans up with kill(-1).
        self.proc = _proc_is_ours()
        self.pid = 0
        self.command_done = False
        self.childless = False
        self.killing = False  # after the linger: SIGKILL whatever is found alive
        self.signalled: Dict[int, int] = {}
        self.signalled_all: Optional[int] = None  # what kill(-1) last sent
        self.alarm_action: Optional[Callable[[], None]] = None
        self.streams: Dict[int, _Stream] = {}
        self.handlers: Dict[int, Callable[[], None]] = {}
        self.timer = -1
        self.t0 = time.monotonic()
        self.boot0 = time.clock_gettime(time.CLOCK_BOOTTIME)

    def now(self) -> float:
        return round(time.monotonic() - self.t0, 6)

    def log(self, event: str, message: str) -> None:
        if self.settings.log is not None:
            self.settings.log(event, message)

    # run() starts the command and waits until no child is left; close() closes
    # what it opened (the caller's signalfd excepted).
    def run(self, sfd: int) -> None:
        self.reader = _rawcalls.SignalReader(sfd)
        self.epoll = select.epoll()
        self.watch(sfd, self.on_signals)
        try:
            self.start()
        except _StartError as exc:
            self.result.error = str(exc)
            self.result.exit_status = exc.status
            return
        if self.settings.log is not None:
            self.log("start", "started %s as pid %d" % (_shell_words(self.result.argv), self.pid))
        if self.settings.timeout is not None:
            self.set_alarm(self.settings.timeout, self.timed_out)
        handlers = self.handlers
        while not (self.command_done and self.childless):
            for fd, _ in self.epoll.poll():
                handler = handlers.get(fd)
                if handler is not None:  # not one an earlier handler of this round closed
                    handler()
        for stream in list(self.streams.values()):  # every writer is gone: read to the end
            while stream.fd in self.streams:
                self.on_output(stream)

    def close(self) -> None:
        for fd in self.streams:
            os.close(fd)
        self.streams.clear()
        if self.timer >= 0:
            os.close(self.timer)
        if hasattr(self, "epoll"):
            self.epoll.close()

    def watch(self, fd: int, handler: Callable[[], None]) -> None:
        self.handlers[fd] = handler
        self.epoll.register(fd, select.EPOLLIN)

    def unwatch(self, fd: int) -> None:
        del self.handlers[fd]
        self.epoll.unregister(fd)

    def start(self) -> None:
        settings = self.settings
        path = _find(self.argv[0], settings.env)
        child_fds = list(settings.fds)
        opened = []
        try:
            if settings.prefixes is not None:
                for n, (prefix, out) in enumerate(zip(settings.prefixes, settings.fds[1:]), 1):
                    r, w = os.pipe2(os.O_CLOEXEC)
                    opened.append(w)
                    self.streams[r] = stream = _Stream(r, prefix, out)
                    self.watch(r, lambda s=stream: self.on_output(s))  # type: ignore[misc]
                    os.set_blocking(r, False)
                    child_fds[n] = w
            # A source among 0-2 that is not its own target could be overwritten by an
            # earlier dup2 (stdout=2, stderr=1): the child gets a copy above 2 instead.
            for n, src in enumerate(child_fds):
                if src <= 2 and src != n:
                    child_fds[n] = _dup_above_2(src)
                    opened.append(child_fds[n])
            try:
                self.pid = _spawn(path, self.argv, settings.env, child_fds, settings)
            except OSError as exc:
                raise _spawn_error(path, exc) from None
        finally:
            for fd in opened:
                os.close(fd)
        self.result.pid = self.pid

    # -- events
    def on_signals(self) -> None:
        reap = False
        for signum, code, sender in self.reader.read():
            if signum == _SIGCHLD:
                reap = True
            elif sender == self.me and code in (_rawcalls.SI_USER, _rawcalls.SI_TKILL):
                # Our own: the SIGPIPE or SIGXFSZ of a write of ours, which an
                # init blocks (and so reads) with every other signal.
                continue
            else:
                self.on_forwarded(signum, code)
        if reap:
            self.reap()

    def on_forwarded(self, signum: int, code: int) -> None:
        if not self.command_done:
            # A positive si_code means the kernel sent it: a terminal's ^C, ^\, resize
            # or hang-up goes to the whole foreground process group, which holds the
            # command too unless it has its own group; a second copy would be one too many.
            if code > 0 and not self.settings.group_signals:
                return
            sent = self.settings.rewrite.get(signum, signum)
            if sent == 0:
                self.log("forward", "%s not forwarded (rewritten to 0)" % _signal_name(signum))
                return
            self.send_command(sent)
            self.result.forwarded.append((self.now(), _signal_or_int(sent)))
            self.log("forward", "%s forwarded to %s %d%s" % (
                _signal_name(sent), "process group" if self.settings.group_signals else "pid",
                self.pid, "" if sent == signum else " (received %s)" % _signal_name(signum)))
        elif signum in _HURRY and not self.killing:
            self.set_alarm(None)
            self.kill_all()

    def on_alarm(self) -> None:
        try:
            os.read(self.timer, 8)
        except BlockingIOError:  # re-armed since epoll saw it expire
            return
        action, self.alarm_action = self.alarm_action, None
        if action is not None:
            action()

    def on_output(self, stream: _Stream) -> None:
        try:
            data = os.read(stream.fd, _CHUNK)
        except BlockingIOError:
            if not self.childless:
                return
            data = b""  # no writer left in the tree: whoever else holds it, we are done
        try:
            if data:
                stream.feed(data)
                return
            stream.flush()
        except BrokenPipeError:
            pass  # nobody reads our side: closing the pipe lets the command see it too
        del self.streams[stream.fd]
        self.unwatch(stream.fd)
        os.close(stream.fd)

    # -- deadlines
    def set_alarm(self, seconds: Optional[float],
                  action: Optional[Callable[[], None]] = None) -> None:
        """Arm the timer to call action after seconds (None: disarm); 0 calls it now."""
        self.alarm_action = None
        if self.timer >= 0:
            _rawcalls.timerfd_arm(self.timer, 0)
        if action is None or seconds is None:
            return
        if seconds == 0:
            action()
            return
        if self.timer < 0:
            self.timer = _rawcalls.timerfd()
            self.watch(self.timer, self.on_alarm)
        self.alarm_action = action
        _rawcalls.timerfd_arm(self.timer, seconds)

    def timed_out(self) -> None:
        self.result.timed_out = True
        self.log("timeout", "timed out after %g s: SIGTERM to pid %d" % (
            self.settings.timeout or 0, self.pid))
        self.send_command(_SIGTERM, record=True)
        self.send_command(_SIGCONT)
        self.set_alarm(self.settings.kill_after, self.kill_command)

    def kill_command(self) -> None:
        self.log("timeout", "pid %d still there %g s after SIGTERM: SIGKILL" % (
            self.pid, self.settings.kill_after))
        self.send_command(_SIGKILL, record=True)

    def send_command(self, signum: int, record: bool = False) -> None:
        if record:
            self.signalled[self.pid] = signum
        try:
            if self.settings.group_signals:
                os.killpg(self.pid, signum)
            else:
                os.kill(self.pid, signum)
        except ProcessLookupError:
            pass

    # -- reaping
    def reap(self) -> None:
        """Reap every child that has exited, reading its name first; note when none is left."""
        if _waitid is not None:
            exited = self.exited_waitid()
        elif self.proc:
            exited = self.exited_scan()
        else:
            exited = self.exited_blind()
        for pid, stat, status in exited:
            self.record(pid, stat, status)
        if self.killing and not self.childless:
            self.signal_all(_SIGKILL)  # a straggler forked before the last round

    def exited_waitid(self) -> Iterator[Tuple[int, Optional[_Stat], int]]:
        """(pid, stat, status) of the children that have exited, peeked at with WNOWAIT."""
        assert _waitid is not None
        while True:
            try:
                info = _waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
            except ChildProcessError:
                self.childless = True
                return
            if info is None:
                return
            stat = _stat(info.si_pid) if self.proc else None
            pid, status = os.waitpid(info.si_pid, os.WNOHANG)
            if not pid:  # not waitable after all: the next SIGCHLD will tell
                return
            yield pid, stat, status

    def exited_scan(self) -> Iterator[Tuple[int, Optional[_Stat], int]]:
        """The same from /proc, without waitid: the zombies among the children /proc lists.

        No waitpid(-1) here, which could reap a child that died since the
        scan, before its name was read.  A zombie stays listed until it is
        reaped, so a scan that shows no child means that none is left.
        """
        while True:
            children = _children(self.me)
            if not children:
                self.childless = True
                return
            reaped = False
            for pid in children:
                stat = _stat(pid)
                if stat is not None and stat.state == "Z":
                    pid, status = os.waitpid(pid, os.WNOHANG)
                    if pid:
                        reaped = True
                        yield pid, stat, status
            if not reaped:
                return

    def exited_blind(self) -> Iterator[Tuple[int, Optional[_Stat], int]]:
        """Without waitid nor a /proc of our own: waitpid(-1), and no names."""
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                self.childless = True
                return
            if not pid:
                return
            yield pid, None, status

    def record(self, pid: int, stat: Optional[_Stat], status: int) -> None:
        started = None
        if stat is not None:
            started = round(max(0.0, stat.start / _CLK_TCK - self.boot0), 2)
        exitcode: Optional[int]
        signum: Optional[Signal]
        if os.WIFSIGNALED(status):
            exitcode, signum = None, _signal_or_int(os.WTERMSIG(status))
        else:
            exitcode, signum = os.WEXITSTATUS(status), None
        sent = self.signalled.get(pid, None if pid == self.pid else self.signalled_all)
        process = Reaped(pid, stat.name if stat else None, pid == self.pid, exitcode, signum,
                         bool(os.WCOREDUMP(status)), started, self.now(),
                         None if sent is None else _signal_or_int(sent))
        self.result.processes.append(process)
        if pid == self.pid:
            self.command_ended(process)
        else:
            self.log("reap", "reaped orphan %d (%s): %s" % (pid, process.name or "?",
                                                            process.status))

    def command_ended(self, process: Reaped) -> None:
        self.command_done = True
        result = self.result
        if process.signal is None:
            result.returncode = result.exit_status = process.exitcode or 0
        else:
            result.returncode = -process.signal
            result.exit_status = 128 + process.signal
        if result.timed_out:
            result.exit_status = 124
        elif result.exit_status in self.settings.zero_status:
            result.exit_status = 0
        self.log("exit", "pid %d ended: %s; exit status %d" % (
            process.pid, process.status, result.exit_status))
        self.set_alarm(None)
        if self.signal_all(_SIGTERM):
            self.set_alarm(self.settings.linger, self.kill_all)

    def kill_all(self) -> None:
        self.killing = True
        self.signal_all(_SIGKILL)

    def signal_all(self, signum: int) -> List[int]:
        """Send signum to every living process under the supervisor; return their pids.

        Without a /proc of our own, an init sends it to every process of its
        namespace at once (kill(-1)), and returns [-1] if there was one.
        """
        if not self.proc:
            if self.me != 1:
                return []
            try:
                os.kill(-1, signum)
                if signum == _SIGTERM:
                    os.kill(-1, _SIGCONT)
            except ProcessLookupError:
                return []
            self.signalled_all = signum
            self.log("signal", "sent %s to every process left" % _signal_name(signum))
            return [-1]
        alive = []
        for pid in _descendants(self.me):
            stat = _stat(pid)
            if stat is not None and stat.state not in ("Z", "X"):
                alive.append(pid)
        for pid in alive:
            self.signalled[pid] = signum
            try:
                os.kill(pid, signum)
                if signum == _SIGTERM:  # a stopped process would not act on it
                    os.kill(pid, _SIGCONT)
            except ProcessLookupError:
                pass
        if alive:
            self.log("signal", "sent %s to what is left: %s" % (
                _signal_name(signum), ", ".join(map(str, alive))))
        return alive

    def abort(self) -> None:
        """After an error in the loop: SIGKILL the whole tree and reap it, so nothing is left."""
        while True:
            self.signal_all(_SIGKILL)
            try:
                os.waitpid(-1, 0)
            except ChildProcessError:
                return


def _dup_above_2(fd: int) -> int:
    """A close-on-exec copy of fd numbered 3 or more (PyPy's fcntl has no F_DUPFD_CLOEXEC)."""
    low = []
    try:
        copy = os.dup(fd)
        while copy <= 2:  # one of 0-2 was closed: keep it taken while we look further
            low.append(copy)
            copy = os.dup(fd)
    finally:
        for taken in low:
            os.close(taken)
    return copy


def _drain(reader: _rawcalls.SignalReader) -> None:
    """Take the managed signals still pending, so that unblocking them does not act on them."""
    while reader.read():
        pass


class _Blocked:
    """The managed signals blocked in this thread, a signalfd for them, and back as before."""

    def __init__(self, signals: FrozenSet[int]) -> None:
        self.signals = signals

    def __enter__(self) -> int:
        self.before = _signal.pthread_sigmask(_signal.SIG_BLOCK, self.signals)
        try:
            self.fd = _rawcalls.signalfd(self.signals)
        except BaseException:
            _signal.pthread_sigmask(_signal.SIG_SETMASK, self.before)
            raise
        return self.fd

    def __exit__(self, *exc_info: Any) -> None:
        try:
            _drain(_rawcalls.SignalReader(self.fd))
            os.close(self.fd)
        finally:
            _signal.pthread_sigmask(_signal.SIG_SETMASK, self.before)


# -- in a PID namespace of its own --------------------------------------------------------------


def _in_pid_namespace(words: List[bytes], result: Supervision, settings: _Settings,
                      parent: int) -> None:
    """The command under a forked init that is PID 1 of a new PID namespace.

    unshare(CLONE_NEWPID) puts the caller's next child, not the caller, in
    the new namespace: that child becomes its PID 1.  The caller goes back
    to its own namespace for its later children (setns), forwards the
    signals it gets to that init, and reads the init's report (the
    ``as_dict`` of its supervision, as JSON) from a pipe.  The init dies
    with the caller (PR_SET_PDEATHSIG, SIGKILL), and the kernel kills
    what is left in a namespace whose init has ended.
    """
    import glibc

    try:
        ns = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
    except OSError as exc:
        result.error = "--pidns: cannot open /proc/self/ns/pid: %s" % exc.strerror
        return
    with _Blocked(settings.managed) as sfd:
        _with_pdeathsig(settings, parent)
        try:
            glibc.unshare(glibc.CLONE_NEWPID)
        except OSError as exc:
            os.close(ns)
            result.error = "--pidns: cannot make a PID namespace: %s" % exc.strerror
            return
        pipes: List[int] = []
        try:
            pipes += os.pipe2(os.O_CLOEXEC)
            pipes += os.pipe2(os.O_CLOEXEC)
            report_r, report_w, alive_r, alive_w = pipes
            pid = os.fork()
            if pid == 0:
                _namespace_init(words, settings, report_w, alive_r, (sfd, ns, report_r, alive_w))
        except BaseException:
            for fd in pipes:
                os.close(fd)
            raise
        finally:  # our own later children in our own namespace again
            try:
                glibc.setns(ns, glibc.CLONE_NEWPID)
            finally:
                os.close(ns)
        os.close(report_w)
        os.close(alive_r)
        try:
            report, status = _wait_for_init(pid, sfd, report_r)
        finally:
            os.close(report_r)
            os.close(alive_w)
    if "result" in report:
        result._load(report["result"])
    elif "error" in report:
        result.error = report["error"]
    else:
        result.error = "--pidns: the namespace's init (pid %d) ended without a report: %s" % (
            pid, _signal_name(os.WTERMSIG(status)) if os.WIFSIGNALED(status)
            else "exit %d" % os.WEXITSTATUS(status))


def _wait_for_init(pid: int, sfd: int, report_r: int) -> Tuple[Dict[str, Any], int]:
    """Forward signals to the init pid and read its report until it has ended and been reaped."""
    import json

    reader = _rawcalls.SignalReader(sfd)
    me = os.getpid()
    status: Optional[int] = None
    data = b""
    with select.epoll() as epoll:
        epoll.register(sfd, select.EPOLLIN)
        epoll.register(report_r, select.EPOLLIN)
        reading = True
        while reading or status is None:
            for fd, _ in epoll.poll():
                if fd == report_r:
                    chunk = os.read(report_r, _CHUNK)
                    data += chunk
                    if not chunk:
                        epoll.unregister(report_r)
                        reading = False
                    continue
                for signum, code, sender in reader.read():
                    if signum == _SIGCHLD:
                        status = _reap_all(pid, status)
                    # The init shares our process group, so a terminal's signals
                    # (a positive si_code) reach it already; ours are our own.
                    elif code <= 0 and sender != me:
                        try:
                            os.kill(pid, signum)
                        except ProcessLookupError:
                            pass
    assert status is not None
    try:
        return json.loads(data.decode()) if data else {}, status
    except ValueError:
        return {"error": "--pidns: the namespace's init sent an unreadable report"}, status


def _reap_all(init: int, status: Optional[int]) -> Optional[int]:
    """Reap every child that has exited (ours is only the init, unless we are a PID 1)."""
    while True:
        try:
            pid, wait_status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return status
        if not pid:
            return status
        if pid == init:
            status = wait_status


def _namespace_supervise(words: List[bytes], settings: _Settings) -> Dict[str, Any]:
    """In the new PID namespace: a mount namespace and a /proc of its own, then supervise."""
    import glibc

    try:
        glibc.unshare(glibc.CLONE_NEWNS)
        # Private: the /proc mounted below must not spread to the parent namespace.
        glibc.mount(None, "/", None, glibc.MS_REC | glibc.MS_PRIVATE)
        glibc.mount("proc", "/proc", "proc", glibc.MS_NOSUID | glibc.MS_NODEV | glibc.MS_NOEXEC)
    except OSError as exc:
        return {"error": "--pidns: cannot give the namespace its own /proc: %s" % exc.strerror}
    result = Supervision([os.fsdecode(word) for word in words])
    _supervise(words, result, settings.in_namespace())
    return {"result": result.as_dict()}


def _namespace_init(words: List[bytes], settings: _Settings, report_w: int, alive_r: int,
                    inherited: Sequence[int]) -> NoReturn:
    """The forked child, PID 1 of the new namespace: supervise there, report, exit."""
    import json

    status = 125
    report: Dict[str, Any] = {}
    try:
        for fd in inherited:
            os.close(fd)
        _rawcalls.set_pdeathsig(_SIGKILL)
        # Our parent may have ended before that took effect: its pipe tells, and
        # then there is nobody to report to.
        if not select.select([alive_r], [], [], 0)[0]:
            report = _namespace_supervise(words, settings)
            if "result" in report:
                status = report["result"]["exit_status"]
    except BaseException as exc:
        report = {"error": "--pidns: the namespace's init failed: %s: %s"
                           % (type(exc).__name__, exc)}
    finally:
        try:
            data = json.dumps(report).encode()
            while data:
                data = data[os.write(report_w, data):]
        finally:
            os._exit(status)


# -- the API -----------------------------------------------------------------------------------


def supervise(argv: Iterable[Union[str, bytes, os.PathLike[Any]]], *,
              timeout: Optional[float] = None, kill_after: float = KILL_AFTER,
              linger: float = LINGER, group: bool = False, setsid: bool = False,
              prefix: Union[None, bool, Tuple[Union[str, bytes], Union[str, bytes]]] = None,
              stdin: Fd = 0, stdout: Fd = 1, stderr: Fd = 2,
              env: Optional[Mapping[str, str]] = None, init: Optional[bool] = None,
              pidns: bool = False, rewrite: Optional[Mapping[int, Optional[int]]] = None,
              pdeathsig: Optional[int] = None, zero_status: Iterable[int] = (),
              log: Optional[Log] = None) -> Supervision:
    """Run argv as a child subreaper would, and return a ``Supervision`` once no process is left.

    ``argv``: the command and its arguments (str, bytes or path-like), the
    program searched in the PATH of ``env`` (default: os.environ) like
    execvp(3).  The command starts with stdin, stdout and stderr (file
    descriptors or objects with fileno()) as its 0, 1, 2 and no other file
    descriptor (as with subprocess's close_fds=True); with no signal
    blocked, and SIGPIPE, SIGXFSZ, SIGCHLD and the signals forwarded at
    their default action.

    Signals: SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2 and SIGWINCH
    (``FORWARDED``) are passed on to the command; with ``init`` (default:
    True when this process is PID 1) every signal but SIGKILL, SIGSTOP,
    SIGCHLD, SIGSEGV, SIGBUS, SIGILL and SIGFPE.  ``group``: the command
    gets a process group of its own (setpgid), and forwarded signals, the
    timeout's SIGTERM and SIGKILL go to the group; ``setsid``: a session
    of its own (setsid), signals to its group, and SIGTSTP, SIGTTIN and
    SIGTTOU forwarded as SIGSTOP (as dumb-init does: the group is orphaned,
    and would not stop on them).  ``rewrite``: {signal: signal} sends the
    second when the first comes (0 or None: not at all), and adds the
    first to those forwarded.  ``pdeathsig``: the signal this process gets
    when its parent ends (prctl PR_SET_PDEATHSIG; sent at once if the
    parent has ended already), forwarded like the others unless it is
    SIGKILL.

    ``prefix``: None to let the command write to stdout and stderr itself;
    True or a pair of prefixes (bytes or str) to capture both through pipes
    and write each line, bytes as they came, to stdout or stderr after its
    prefix (True: PREFIX); a last line without a newline gets one.
    ``timeout``: seconds after which the command gets SIGTERM, then
    SIGKILL ``kill_after`` seconds later if it has not ended (0: at once).
    Once the command has ended, the processes it left get SIGTERM, and
    SIGKILL ``linger`` seconds later; a SIGINT, SIGTERM, SIGHUP or SIGQUIT
    received during the linger ends it at once.  ``zero_status``: exit
    statuses of the command (128+N for signal N included) that give an
    exit_status of 0.

    ``pidns``: run the command under an init that is PID 1 of a new PID
    namespace with its own mount namespace and /proc (this process is
    forked for it: call it from a single-threaded process); everything
    left in the namespace dies with that init.  A namespace that cannot be
    made is no exception: ``error`` says why, exit_status is 125.

    ``log``: called as ``log(event, message)`` as things happen; events:
    "start", "forward", "timeout", "exit" (the command's end), "reap" (an
    orphan reaped), "signal" (what is left signalled).

    A command that cannot be started is no exception: the result has
    ``error`` and an exit_status of 127 (not found) or 126 (not executable).
    RuntimeError if the process has children already (they would be reaped
    as if they were the command's), if SIGCHLD is ignored (the kernel would
    reap them itself), if another thread does not block the signals
    managed (a signal sent to the process could be delivered to it instead
    of the signalfd), or if /proc is another PID namespace's (only a PID 1
    can do without it).  Any thread may call supervise(); Python's own
    threads start unblocked, so start yours inside ``with
    pyglibc.pthread_sigmask(...)`` if they run meanwhile.

    Everything is put back before it returns: the thread's signal mask, the
    subreaper flag, the parent-death signal, and no file descriptor left
    open.
    """
    if isinstance(argv, (str, bytes)) or not hasattr(argv, "__iter__"):
        raise TypeError("supervise: argv must be a list of strings, not %s"
                        % type(argv).__name__)
    words = [os.fsencode(word) for word in argv]
    if not words or not words[0]:
        raise ValueError("supervise: argv must hold a command")
    settings = _Settings(
        None if timeout is None else _seconds(timeout, "timeout", positive=True),
        _seconds(kill_after, "kill_after", positive=False),
        _seconds(linger, "linger", positive=False), bool(group), bool(setsid),
        _prefixes(prefix), (_fd(stdin, "stdin"), _fd(stdout, "stdout"), _fd(stderr, "stderr")),
        os.environ if env is None else env, os.getpid() == 1 if init is None else bool(init),
        bool(pidns), _rewrites(rewrite),
        None if pdeathsig is None else _signal_number(pdeathsig, "pdeathsig"),
        _statuses(zero_status), log)
    result = Supervision([os.fsdecode(word) for word in words])
    _supervise(words, result, settings)
    return result


def _supervise(words: List[bytes], result: Supervision, settings: _Settings) -> None:
    """supervise() once the arguments are checked: result is filled in."""
    _check_process(settings)
    result.init, result.pidns = settings.init or settings.pidns, settings.pidns
    parent = os.getppid()
    start = time.monotonic()
    previous_deathsig = None
    if settings.pdeathsig is not None:
        previous_deathsig = _rawcalls.pdeathsig()
    try:
        if settings.pidns:
            _in_pid_namespace(words, result, settings, parent)
        else:
            _here(words, result, settings, parent)
    finally:
        if previous_deathsig is not None:
            _rawcalls.set_pdeathsig(previous_deathsig)
    result.duration = round(time.monotonic() - start, 6)


def _with_pdeathsig(settings: _Settings, parent: int) -> None:
    """Ask for the parent-death signal; if the parent is gone already, send it now.

    The signal is blocked (unless it is SIGKILL), so it waits for the loop.
    """
    if settings.pdeathsig is not None:
        _rawcalls.set_pdeathsig(settings.pdeathsig)
        if os.getppid() != parent:
            os.kill(os.getpid(), settings.pdeathsig)


def _here(words: List[bytes], result: Supervision, settings: _Settings, parent: int) -> None:
    run = _Run(words, result, settings)
    was_subreaper = _rawcalls.subreaper()
    if not was_subreaper:
        _rawcalls.set_subreaper(True)
    try:
        with _Blocked(settings.managed) as sfd:
            _with_pdeathsig(settings, parent)
            try:
                run.run(sfd)
            except BaseException:
                run.abort()
                raise
            finally:
                run.close()
    finally:
        if not was_subreaper:
            _rawcalls.set_subreaper(False)


def _check_process(settings: _Settings) -> None:
    me = os.getpid()
    proc = _proc_is_ours()
    if not proc and me != 1 and not settings.pidns:
        raise RuntimeError("supervise: /proc is not this process's PID namespace's (pid %d "
                           "here), so the processes under it cannot be found; mount a /proc "
                           "for it (unshare --mount-proc) or use pidns" % me)
    # Without /proc (only an init may do without), children are not looked for.
    children = sorted(_children(me)) if proc else []
    if children:
        raise RuntimeError("supervise: this process has children already (pid %s): they would "
                           "be reaped as if the command had left them"
                           % ", ".join(map(str, children)))
    if _signal.getsignal(_SIGCHLD) == _signal.SIG_IGN:
        raise RuntimeError("supervise: SIGCHLD is ignored (SIG_IGN), so the kernel reaps the "
                           "children and their exit statuses are lost; set it to SIG_DFL first")
    threads = _threads_not_blocking(settings.managed)
    if threads:
        raise RuntimeError("supervise: thread(s) %s of this process do not block the signals "
                           "the supervisor manages (SIGCHLD and those it forwards), so a signal "
                           "sent to the process could go to them instead of the supervisor; "
                           "block them there first (pyglibc.pthread_sigmask)"
                           % ", ".join(map(str, threads)))
