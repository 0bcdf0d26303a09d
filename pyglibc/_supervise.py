"""Run a command and leave no process behind: ``pyglibc.supervise(["make", "test"])``.

The supervisor is a child subreaper (prctl(2) PR_SET_CHILD_SUBREAPER), so
every process the command leaves behind is reparented to it instead of to
init.  One EpollSelector loop waits on three kinds of descriptor and nothing
else, with no polling and no sleeps:

* a signalfd(2) reporting SIGCHLD and the signals to forward (blocked in the
  calling thread, so that they queue for the descriptor);
* a timerfd(2), armed for whatever deadline comes next: the --timeout, the
  --kill-after that follows it, or the --linger once the command has ended;
* with ``prefix``, the read ends of the pipes that carry the command's
  stdout and stderr.

On each SIGCHLD every child that has exited is reaped (signals coalesce, so
one SIGCHLD may stand for many), and recorded with the command name it had:
where os.waitid exists (not on PyPy 3.9) a waitid(WEXITED|WNOWAIT) peeks at
the zombie, /proc/<pid>/stat gives its name, and only then is it reaped;
elsewhere the zombies are found in /proc first.  When the command has been
reaped, the processes still alive under the supervisor (found by walking
/proc from its pid) get SIGTERM and SIGCONT, and after ``linger`` seconds
SIGKILL; the supervisor returns when it has no child left.

Limits, all the kernel's: a process is signalled by pid after the walk of
/proc, so one that dies and whose pid is reused in between (by its own
parent's reaping, the supervisor's children cannot be) would get the
signal instead; what CMD has another service start (systemd-run, at, a
D-Bus activation) is not its descendant and is left alone; and with
``prefix``, a write to a stdout that nobody reads blocks the loop, timeout
included, until it is read, as it would block any filter.
"""

import collections
import errno
import math
import numbers
import os
import select
import shlex
import signal
import threading
import time

import glibc
from pyglibc._pipe import pipe2
from pyglibc._sigmask import pthread_sigmask
from pyglibc._signalfd import signalfd
from pyglibc._subreaper import subreaper
from pyglibc._timerfd import timerfd
from pyglibc.selectors import EVENT_READ, EpollSelector

__all__ = ["FORWARDED", "KILL_AFTER", "LINGER", "PREFIX", "Reaped", "Supervision", "supervise"]

FORWARDED = (signal.SIGHUP, signal.SIGINT, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2,
             signal.SIGTERM, signal.SIGWINCH)
"""The signals the supervisor passes on to the command (or its process group)."""

KILL_AFTER = 2.0
"""Seconds from the timeout's SIGTERM to SIGKILL, unless ``kill_after`` says otherwise."""

LINGER = 2.0
"""Seconds the processes left behind by the command get between SIGTERM and SIGKILL."""

PREFIX = (b"[out] ", b"[err] ")
"""What ``prefix=True`` puts before each line of the command's stdout and stderr."""

# Signals that end a linger at once: the user wants the supervisor gone now.
_HURRY = frozenset((signal.SIGHUP, signal.SIGINT, signal.SIGQUIT, signal.SIGTERM))
_MANAGED = frozenset(FORWARDED) | {signal.SIGCHLD}
# CMD gets these at SIG_DFL: the managed ones, and the two that Python ignores at
# startup (an ignored disposition survives exec), as subprocess's restore_signals does.
_DEFAULT_IN_CMD = tuple(sorted(_MANAGED | {signal.SIGPIPE, signal.SIGXFSZ}))

# A line longer than this is cut in pieces, each with its prefix, so that a
# command printing without newlines cannot make the supervisor's memory grow.
_LINE_MAX = 65536
_CHUNK = 65536

_CLK_TCK = os.sysconf("SC_CLK_TCK")
_waitid = getattr(os, "waitid", None)          # missing on PyPy 3.9
_posix_spawn = getattr(os, "posix_spawn", None)  # missing on PyPy 3.9


def _signal_or_int(number):
    try:
        return signal.Signals(number)
    except ValueError:  # a real-time signal has no name in the enum
        return number


def _signal_name(number):
    if number is None:
        return None
    number = _signal_or_int(number)
    return number.name if isinstance(number, signal.Signals) else "SIG%d" % number


# -- what the supervisor reports -------------------------------------------------------------


class Reaped(collections.namedtuple(
        "Reaped", "pid name command exitcode signal core_dumped started reaped signalled")):
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
    timeout, or to clean up), None if none.
    """

    __slots__ = ()

    @property
    def status(self):
        """How it ended, in a word: 'exit 0', 'SIGTERM', 'SIGSEGV (core dumped)'."""
        if self.signal is None:
            return "exit %d" % self.exitcode
        return _signal_name(self.signal) + (" (core dumped)" if self.core_dumped else "")

    def as_dict(self):
        """The record as JSON-ready values, signals by name (see ``Supervision.as_dict``)."""
        return {"pid": self.pid, "name": self.name, "command": self.command,
                "exitcode": self.exitcode, "signal": _signal_name(self.signal),
                "core_dumped": self.core_dumped, "started": self.started,
                "reaped": self.reaped, "signalled": _signal_name(self.signalled)}


class Supervision:
    """What ``supervise()`` returns: how the command ended and every process reaped.

    ``argv``: the command, as str; ``pid``: its pid (None if it could not
    start); ``exit_status``: what ``python -m pyglibc run`` exits with (the
    command's exit status, 128+N if signal N killed it, 124 if it timed out,
    126 if it could not be executed, 127 if it was not found);
    ``returncode``: as subprocess has it (-N for signal N; None if it never
    ran); ``timed_out``; ``error``: why it could not start, one line, else
    None; ``started``: time.time() at the start; ``duration`` in seconds;
    ``processes``: a ``Reaped`` record for every process reaped, in the
    order reaped; ``forwarded``: ``(seconds, signal)`` for each signal passed
    on to the command.
    """

    def __init__(self, argv):
        self.argv = argv
        self.pid = None
        self.exit_status = None
        self.returncode = None
        self.timed_out = False
        self.error = None
        self.started = time.time()
        self.duration = None
        self.processes = []
        self.forwarded = []

    @property
    def command(self):
        """The ``Reaped`` record of the command, None if it never ran."""
        for process in self.processes:
            if process.command:
                return process
        return None

    @property
    def orphans(self):
        """The records of the processes the command left behind."""
        return [process for process in self.processes if not process.command]

    def as_dict(self):
        """Everything as JSON-ready values; ``python -m pyglibc run --json`` writes this.

        Keys: argv (list of str), pid (int or null), exit_status (int),
        returncode (int or null), timed_out (bool), error (str or null),
        started (Unix time), duration (seconds), forwarded (list of
        {"at": seconds, "signal": name}), processes (list of {"pid",
        "name", "command", "exitcode", "signal", "core_dumped", "started",
        "reaped", "signalled"}, signals by name such as "SIGTERM", times in
        seconds from the start).
        """
        return {"argv": list(self.argv), "pid": self.pid, "exit_status": self.exit_status,
                "returncode": self.returncode, "timed_out": self.timed_out,
                "error": self.error, "started": self.started, "duration": self.duration,
                "forwarded": [{"at": at, "signal": _signal_name(signum)}
                              for at, signum in self.forwarded],
                "processes": [process.as_dict() for process in self.processes]}

    def summary(self):
        """A table for people: one line per process reaped, after a line on the command."""
        if self.error is not None:
            head = self.error
        else:
            head = "%s: %s%s after %.3f s" % (
                _shell_words(self.argv), "timed out, " if self.timed_out else "",
                self.command.status if self.command else "not reaped", self.duration)
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

    def __repr__(self):
        return "<pyglibc.supervise result %s exit_status=%r processes=%d%s>" % (
            self.argv, self.exit_status, len(self.processes),
            " timed out" if self.timed_out else "")


def _shell_words(argv, width=72):
    """argv as a shell would take it, control characters escaped, cut to width."""
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

_Stat = collections.namedtuple("_Stat", "name state ppid start")


def _stat(pid):
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


def _processes():
    """pid -> _Stat for every process /proc shows."""
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(int(entry))
            if stat is not None:
                table[int(entry)] = stat
    return table


def _descendants(table, root):
    """The pids of table under root, at any depth, root excluded."""
    children = collections.defaultdict(list)
    for pid, stat in table.items():
        children[stat.ppid].append(pid)
    found, queue = [], [root]
    while queue:
        for child in children.pop(queue.pop(), ()):
            found.append(child)
            queue.append(child)
    return found


def _threads_not_blocking(signals):
    """Native ids of the other threads of this process whose mask lacks one of signals."""
    me = threading.get_native_id()
    wanted = 0
    for signum in signals:
        wanted |= 1 << (signum - 1)
    found = []
    for entry in os.listdir("/proc/self/task"):
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

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def _find(name, env):
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


def _spawn_error(path, exc):
    """The _StartError for an exec that failed with OSError exc."""
    status = 127 if exc.errno == errno.ENOENT else 126
    reason = os.strerror(exc.errno) if exc.errno else str(exc)
    if exc.errno == errno.ENOENT:  # the file was there: its interpreter (#!) is not
        reason += " (a missing #! interpreter?)"
    return _StartError(status, "%s: %s" % (os.fsdecode(path), reason[:1].lower() + reason[1:]))


def _inheritable_fds():
    """This process's descriptors above 2 that an exec would pass on (no FD_CLOEXEC)."""
    found = []
    for entry in os.listdir("/proc/self/fd"):
        fd = int(entry)
        if fd > 2:
            try:
                if os.get_inheritable(fd):
                    found.append(fd)
            except OSError:  # the descriptor listdir read the directory with, closed now
                pass
    return found


def _spawn(path, argv, env, fds, group):
    """Start path with fds as its 0, 1, 2 and nothing else, as posix_spawn(3) would.

    Its signal mask is empty and the _DEFAULT_IN_CMD signals are at SIG_DFL;
    descriptors above 2 that the caller left inheritable are closed in it,
    as subprocess's close_fds=True does.
    """
    closing = _inheritable_fds()
    if _posix_spawn is not None:
        # The dup2s come first, as a source may be among the descriptors closed.
        actions = [(os.POSIX_SPAWN_DUP2, src, dst) for dst, src in enumerate(fds) if src != dst]
        actions += [(os.POSIX_SPAWN_CLOSE, fd) for fd in closing]
        extra = {"setpgroup": 0} if group else {}
        return _posix_spawn(path, argv, env, file_actions=actions, setsigmask=(),
                            setsigdef=_DEFAULT_IN_CMD, **extra)
    return _fork_exec(path, argv, env, fds, group, closing)


def _fork_exec(path, argv, env, fds, group, closing):
    """posix_spawn done by hand, for PyPy 3.9 which lacks os.posix_spawn.

    The child reports a failed exec through a close-on-exec pipe, as
    subprocess does: end of file means the exec happened.
    """
    report_r, report_w = pipe2()
    try:
        pid = os.fork()
        if pid == 0:  # the child: nothing but system calls until exec or _exit
            number = 0
            try:
                if group:
                    os.setpgid(0, 0)
                for dst, src in enumerate(fds):
                    if src != dst:
                        os.dup2(src, dst)
                for fd in closing:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
                for signum in _DEFAULT_IN_CMD:
                    signal.signal(signum, signal.SIG_DFL)
                glibc.pthread_sigmask(glibc.SIG_SETMASK, _empty_sigset(), None)
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


def _empty_sigset():
    empty = glibc.sigset_t()
    glibc.sigemptyset(empty)
    return empty


# -- arguments ---------------------------------------------------------------------------------


def _seconds(value, name, positive):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError("supervise: %s must be a number of seconds, not %s"
                        % (name, type(value).__name__))
    value = float(value)
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        raise ValueError("supervise: %s must be a %s number of seconds, not %r"
                         % (name, "positive" if positive else "finite, non-negative", value))
    return value


def _fd(value, name):
    fd = value.fileno() if hasattr(value, "fileno") else value
    if isinstance(fd, bool) or not isinstance(fd, int):
        raise TypeError("supervise: %s must be a file descriptor or have fileno(), not %s"
                        % (name, type(value).__name__))
    if fd < 0:
        raise ValueError("supervise: %s must be a file descriptor (>= 0), not %d" % (name, fd))
    return fd


def _prefixes(prefix):
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
    return tuple(p.encode() if isinstance(p, str) else bytes(p) for p in (out, err))


# -- the loop ----------------------------------------------------------------------------------


class _Stream:
    """One captured output: lines read from a pipe, written with a prefix to another fd."""

    def __init__(self, fd, prefix, out):
        self.fd, self.prefix, self.out = fd, prefix, out
        self.partial = b""

    def feed(self, data):
        lines = (self.partial + data).split(b"\n")
        self.partial = lines.pop()
        while len(self.partial) > _LINE_MAX:
            lines.append(self.partial[:_LINE_MAX])
            self.partial = self.partial[_LINE_MAX:]
        if lines:
            prefix = self.prefix
            _write_all(self.out, prefix + (b"\n" + prefix).join(lines) + b"\n")

    def flush(self):
        """At end of file: a last line without its newline is written with one added."""
        if self.partial:
            partial, self.partial = self.partial, b""
            _write_all(self.out, self.prefix + partial + b"\n")


def _write_all(fd, data):
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

    def __init__(self, argv, result, timeout, kill_after, linger, group, prefixes, fds, env):
        self.argv, self.result = argv, result
        self.timeout, self.kill_after, self.linger = timeout, kill_after, linger
        self.group, self.prefixes, self.fds, self.env = group, prefixes, fds, env
        self.me = os.getpid()
        self.pid = None
        self.command_done = False
        self.childless = False
        self.killing = False  # after the linger: SIGKILL whatever is found alive
        self.signalled = {}
        self.alarm_action = None
        self.streams = {}
        self.t0 = time.monotonic()
        self.boot0 = time.clock_gettime(time.CLOCK_BOOTTIME)

    def now(self):
        return round(time.monotonic() - self.t0, 6)

    # The descriptors are opened by supervise() (so that an ExitStack closes
    # them); run() starts the command and waits until no child is left.
    def run(self, sfd, timer, selector):
        self.sfd, self.timer, self.selector = sfd, timer, selector
        selector.register(sfd, EVENT_READ, self.on_signals)
        selector.register(timer, EVENT_READ, self.on_alarm)
        try:
            self.start()
        except _StartError as exc:
            self.result.error = str(exc)
            self.result.exit_status = exc.status
            return
        if self.timeout is not None:
            self.set_alarm(self.timeout, self.timed_out)
        while not (self.command_done and self.childless):
            for key, _ in selector.select():
                key.data()
        for stream in list(self.streams.values()):  # every writer is gone: read to the end
            while stream.fd in self.streams:
                self.on_output(stream)

    def start(self):
        path = _find(self.argv[0], self.env)
        child_fds = list(self.fds)
        opened = []
        try:
            if self.prefixes is not None:
                for n, (prefix, out) in enumerate(zip(self.prefixes, self.fds[1:]), 1):
                    r, w = pipe2()
                    opened.append(w)
                    self.streams[r] = stream = _Stream(r, prefix, out)
                    self.selector.register(r, EVENT_READ, lambda s=stream: self.on_output(s))
                    os.set_blocking(r, False)
                    child_fds[n] = w
            # A source among 0-2 that is not its own target could be overwritten by an
            # earlier dup2 (stdout=2, stderr=1): the child gets a copy above 2 instead.
            for n, src in enumerate(child_fds):
                if src <= 2 and src != n:
                    child_fds[n] = _dup_above_2(src)
                    opened.append(child_fds[n])
            try:
                self.pid = _spawn(path, self.argv, self.env, child_fds, self.group)
            except OSError as exc:
                raise _spawn_error(path, exc) from None
        finally:
            for fd in opened:
                os.close(fd)
        self.result.pid = self.pid

    # -- events
    def on_signals(self):
        reap = False
        for info in self.sfd.read():
            if info.ssi_signo == signal.SIGCHLD:
                reap = True
            else:
                self.on_forwarded(info)
        if reap:
            self.reap()

    def on_forwarded(self, info):
        signum = info.ssi_signo
        if not self.command_done:
            # A positive si_code means the kernel sent it: a terminal's ^C, ^\, resize
            # or hang-up goes to the whole foreground process group, which holds the
            # command too unless it has its own group; a second copy would be one too many.
            if info.ssi_code > 0 and not self.group:
                return
            self.send_command(signum)
            self.result.forwarded.append((self.now(), _signal_or_int(signum)))
        elif signum in _HURRY and not self.killing:
            self.set_alarm(None)
            self.kill_all()

    def on_alarm(self):
        try:
            self.timer.read()
        except BlockingIOError:  # re-armed since epoll saw it expire
            return
        action, self.alarm_action = self.alarm_action, None
        if action is not None:
            action()

    def on_output(self, stream):
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
        self.selector.unregister(stream.fd)
        os.close(stream.fd)

    # -- deadlines
    def set_alarm(self, seconds, action=None):
        """Arm the timer to call action after seconds (None: disarm); 0 calls it now."""
        self.alarm_action = None
        self.timer.settime(0)
        if action is None:
            return
        if seconds == 0:
            action()
        else:
            self.alarm_action = action
            self.timer.settime(seconds)

    def timed_out(self):
        self.result.timed_out = True
        self.send_command(signal.SIGTERM, record=True)
        self.send_command(signal.SIGCONT)
        self.set_alarm(self.kill_after, lambda: self.send_command(signal.SIGKILL, record=True))

    def send_command(self, signum, record=False):
        if record:
            self.signalled[self.pid] = signum
        try:
            if self.group:
                os.killpg(self.pid, signum)
            else:
                os.kill(self.pid, signum)
        except ProcessLookupError:
            pass

    # -- reaping
    def reap(self):
        """Reap every child that has exited, reading its name first; note when none is left."""
        for pid, stat, status in (self.exited_waitid() if _waitid else self.exited_scan()):
            self.record(pid, stat, status)
        if self.killing and not self.childless:
            self.signal_all(signal.SIGKILL)  # a straggler forked before the last round

    def exited_waitid(self):
        """(pid, stat, status) of the children that have exited, peeked at with WNOWAIT."""
        while True:
            try:
                info = _waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
            except ChildProcessError:
                self.childless = True
                return
            if info is None:
                return
            stat = _stat(info.si_pid)
            pid, status = os.waitpid(info.si_pid, os.WNOHANG)
            if not pid:  # not waitable after all: the next SIGCHLD will tell
                return
            yield pid, stat, status

    def exited_scan(self):
        """The same from /proc, without waitid: the zombies among the children /proc shows.

        No waitpid(-1) here, which could reap a child that died since the
        scan, before its name was read.  A zombie stays in /proc until it is
        reaped, so a scan that shows no child means that none is left.
        """
        while True:
            children = [(pid, stat) for pid, stat in _processes().items()
                        if stat.ppid == self.me]
            if not children:
                self.childless = True
                return
            reaped = False
            for pid, stat in children:
                if stat.state == "Z":
                    pid, status = os.waitpid(pid, os.WNOHANG)
                    if pid:
                        reaped = True
                        yield pid, stat, status
            if not reaped:
                return

    def record(self, pid, stat, status):
        started = None
        if stat is not None:
            started = round(max(0.0, stat.start / _CLK_TCK - self.boot0), 2)
        if os.WIFSIGNALED(status):
            exitcode, signum = None, _signal_or_int(os.WTERMSIG(status))
        else:
            exitcode, signum = os.WEXITSTATUS(status), None
        process = Reaped(pid, stat.name if stat else None, pid == self.pid, exitcode, signum,
                         bool(os.WCOREDUMP(status)), started, self.now(),
                         _signal_or_int(self.signalled[pid]) if pid in self.signalled else None)
        self.result.processes.append(process)
        if pid == self.pid:
            self.command_ended(process)

    def command_ended(self, process):
        self.command_done = True
        result = self.result
        if process.signal is None:
            result.returncode = result.exit_status = process.exitcode
        else:
            result.returncode = -process.signal
            result.exit_status = 128 + process.signal
        if result.timed_out:
            result.exit_status = 124
        self.set_alarm(None)
        if self.signal_all(signal.SIGTERM):
            self.set_alarm(self.linger, self.kill_all)

    def kill_all(self):
        self.killing = True
        self.signal_all(signal.SIGKILL)

    def signal_all(self, signum):
        """Send signum to every living process under the supervisor; return their pids."""
        table = _processes()
        alive = [pid for pid in _descendants(table, self.me) if table[pid].state not in ("Z", "X")]
        for pid in alive:
            self.signalled[pid] = signum
            try:
                os.kill(pid, signum)
                if signum == signal.SIGTERM:  # a stopped process would not act on it
                    os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
        return alive

    def abort(self):
        """After an error in the loop: SIGKILL the whole tree and reap it, so nothing is left."""
        while True:
            self.signal_all(signal.SIGKILL)
            try:
                os.waitpid(-1, 0)
            except ChildProcessError:
                return


def _dup_above_2(fd):
    """A close-on-exec copy of fd numbered 3 or more (PyPy's fcntl has no F_DUPFD_CLOEXEC)."""
    low = []
    try:
        copy = os.dup(fd)
        while copy <= 2:  # one of 0-2 was closed: keep it taken while we look further
            low.append(copy)
            copy = os.dup(fd)
    finally:
        for fd in low:
            os.close(fd)
    return copy


def _drain(sfd):
    """Take the managed signals still pending, so that unblocking them does not act on them."""
    while sfd.read():
        pass


# -- the API -----------------------------------------------------------------------------------


def supervise(argv, *, timeout=None, kill_after=KILL_AFTER, linger=LINGER, group=False,
              prefix=None, stdin=0, stdout=1, stderr=2, env=None):
    """Run argv as a child subreaper would, and return a ``Supervision`` once no process is left.

    ``argv``: the command and its arguments (str, bytes or path-like), the
    program searched in the PATH of ``env`` (default: os.environ) like
    execvp(3).  The command starts with stdin, stdout and stderr (file
    descriptors or objects with fileno()) as its 0, 1, 2 and no other file
    descriptor (as with subprocess's close_fds=True); with no signal
    blocked, and SIGPIPE, SIGXFSZ, SIGCHLD and the signals in FORWARDED at
    their default action.

    ``group``: the command gets a process group of its own (setpgid), and
    forwarded signals, the timeout's SIGTERM and SIGKILL go to the group.
    ``prefix``: None to let the command write to stdout and stderr itself;
    True or a pair of prefixes (bytes or str) to capture both through pipes
    and write each line, bytes as they came, to stdout or stderr after its
    prefix (True: PREFIX); a last line without a newline gets one.
    ``timeout``: seconds after which the command gets SIGTERM, then
    SIGKILL ``kill_after`` seconds later if it has not ended (0: at once).
    Once the command has ended, the processes it left get SIGTERM, and
    SIGKILL ``linger`` seconds later; a forwarded SIGINT, SIGTERM, SIGHUP or
    SIGQUIT during the linger ends it at once.

    A command that cannot be started is no exception: the result has
    ``error`` and an exit_status of 127 (not found) or 126 (not executable).
    RuntimeError if the process has children already (they would be reaped
    as if they were the command's), if SIGCHLD is ignored (the kernel would
    reap them itself), or if another thread does not block SIGCHLD and the
    FORWARDED signals (a signal sent to the process could be delivered to
    it instead of the signalfd).  Any thread may call supervise(); Python's
    own threads start unblocked, so start yours inside ``with
    pyglibc.pthread_sigmask(...)`` if they run meanwhile.

    Everything is put back before it returns: the thread's signal mask, the
    subreaper flag, and no file descriptor left open.
    """
    if isinstance(argv, (str, bytes)) or not hasattr(argv, "__iter__"):
        raise TypeError("supervise: argv must be a list of strings, not %s"
                        % type(argv).__name__)
    words = [os.fsencode(word) for word in argv]
    if not words or not words[0]:
        raise ValueError("supervise: argv must hold a command")
    if timeout is not None:
        timeout = _seconds(timeout, "timeout", positive=True)
    kill_after = _seconds(kill_after, "kill_after", positive=False)
    linger = _seconds(linger, "linger", positive=False)
    fds = (_fd(stdin, "stdin"), _fd(stdout, "stdout"), _fd(stderr, "stderr"))
    prefixes = _prefixes(prefix)
    if env is None:
        env = os.environ
    _check_process()

    result = Supervision([os.fsdecode(word) for word in words])
    run = _Run(words, result, timeout, kill_after, linger, bool(group), prefixes, fds, env)
    with subreaper, pthread_sigmask(_MANAGED):
        with signalfd(_MANAGED, glibc.SFD_NONBLOCK) as sfd:
            try:
                with timerfd(glibc.CLOCK_MONOTONIC, glibc.TFD_NONBLOCK) as timer, \
                        EpollSelector() as selector:
                    try:
                        run.run(sfd, timer, selector)
                    except BaseException:
                        run.abort()
                        raise
                    finally:
                        for fd in run.streams:
                            os.close(fd)
            finally:
                _drain(sfd)
    result.duration = run.now()
    return result


def _check_process():
    me = os.getpid()
    children = sorted(pid for pid, stat in _processes().items() if stat.ppid == me)
    if children:
        raise RuntimeError("supervise: this process has children already (pid %s): they would "
                           "be reaped as if the command had left them"
                           % ", ".join(map(str, children)))
    if signal.getsignal(signal.SIGCHLD) == signal.SIG_IGN:
        raise RuntimeError("supervise: SIGCHLD is ignored (SIG_IGN), so the kernel reaps the "
                           "children and their exit statuses are lost; set it to SIG_DFL first")
    threads = _threads_not_blocking(_MANAGED)
    if threads:
        raise RuntimeError("supervise: thread(s) %s of this process do not block SIGCHLD and the "
                           "forwarded signals, so a signal sent to the process could go to them "
                           "instead of the supervisor; block them there first "
                           "(pyglibc.pthread_sigmask)" % ", ".join(map(str, threads)))
