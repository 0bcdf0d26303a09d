"""``python -m pyglibc run [OPTIONS] -- CMD [ARG ...]``: ``pyglibc.supervise`` from the shell.

``run -- CMD`` with no option (and no PYGLIBC_RUN_ variable) goes straight
to the supervisor: argparse, and the ``re`` it imports, cost more than the
rest of the start (the supervisor's startup goal), so they are imported only to
read options, print help or report a usage error.
"""

from __future__ import annotations

import os
import sys

from pyglibc import _supervisor
from pyglibc._backlog import _HELD, Backlog
from pyglibc._supervisor.settings import _closed_fd, _socket_activation
from pyglibc._supervisor.signals import command_line_signals

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

    from pyglibc._supervisor import Reaped

PROG = "python -m pyglibc run"

# The environment variables, as tini has them (TINI_KILL_PROCESS_GROUP, TINI_VERBOSITY).
ENV_GROUP = "PYGLIBC_RUN_GROUP"
ENV_VERBOSITY = "PYGLIBC_RUN_VERBOSITY"

# What -v/-q/PYGLIBC_RUN_VERBOSITY choose: each event is shown from its level up.
# At 1, the default, only the warnings of --warn-orphans.
_LEVELS = {"start": 2, "exit": 2, "timeout": 2, "signal": 2, "cgroup": 2, "forward": 3,
           "reap": 3}

_DESCRIPTION = """\
Run CMD as a child subreaper: every process CMD leaves behind is reparented
to the supervisor, which reaps it and records its name and how it ended.
When CMD ends, whatever it left still running gets SIGTERM, then SIGKILL
--linger seconds later, so nothing outlives the supervisor.  The children
it has when it starts (a shell's "job & exec python -m pyglibc run -- CMD")
are orphans like those CMD leaves (refused with --pidns).  CMD's stdout
and stderr are its own unless --prefix captures them; it gets no file
descriptor of the supervisor's, no blocked signal, and the signals the
supervisor started with ignored (under nohup) still ignored, but SIGPIPE
and SIGXFSZ at their default action.

It forwards every signal it can catch but SIGTSTP, SIGTTIN and SIGTTOU,
which stop it along with CMD as a shell's job control expects.  As PID 1
(in a container), or with --init, the supervisor is an init: it forwards
those too, and reaps every orphan of the namespace.  With --pidns, CMD runs
under such an init in a PID namespace of its own, which the kernel empties
when that init ends."""

_EPILOG = """\
exit status:
  CMD's own exit status (0 if it is one of --zero-status); 128+N if signal
  N killed it; 124 if it timed out (whatever killed it then); 125 if the
  supervisor itself failed (no process could be made for CMD, say), or
  --pidns could not make its namespace (not root, say); 126 if CMD could not
  be executed; 127 if it was not found.
  The last three come with one line on stderr.

signals:
  Every signal sent to the supervisor is passed on to CMD (with --group or
  --setsid, to its process group) but SIGKILL, SIGSTOP, SIGCHLD, the faults
  SIGSEGV, SIGBUS, SIGILL, SIGFPE and, unless it is an init, SIGTSTP, SIGTTIN
  and SIGTTOU (they stop it).  A terminal's ^C, ^\\ or resize, which the
  kernel sends to the whole foreground process group, already reaches CMD
  when it is still in that group, and is not sent twice; the terminal's
  hang-up, sent to the session leader alone, is passed on.  A signal that
  comes while the supervisor starts is passed on once CMD has started.
  Once CMD has ended, a SIGHUP, SIGINT, SIGQUIT or SIGTERM cuts the --linger
  short: what is left gets SIGKILL at once.  A SIGNAL is a name (TERM,
  SIGTERM, RTMIN+1) or a number.

environment:
  PYGLIBC_RUN_GROUP=1      as --group (tini's TINI_KILL_PROCESS_GROUP); 0 or
                           empty: not
  PYGLIBC_RUN_VERBOSITY=N  the verbosity before -v and -q (tini's
                           TINI_VERBOSITY): 0 errors only, 1 warnings (the
                           default), 2 what happens, 3 every signal and reap
  LISTEN_PID, LISTEN_FDS   socket activation (sd_listen_fds(3)): when
                           LISTEN_PID is the supervisor's pid, CMD gets the
                           LISTEN_FDS descriptors from 3 on, and LISTEN_PID
                           is CMD's pid; another's pid is left as it is
  The supervisor is always a subreaper (tini's -s and TINI_SUBREAPER).

--json FILE gets one JSON object a line (JSON Lines), each written whole as
it happens: a reader (tail -f) sees it at once, and a supervisor killed
leaves every line before it intact.
  {"process": {...}}  as each process is reaped, CMD included:
    pid, name (its comm, null if unknown), command (true for CMD itself,
    false for an orphan: one CMD left behind, or a child the supervisor
    had when it started), role ("command"; "orphan", one CMD left behind;
    "stray", one that --kill-orphans signalled while CMD ran; "adopted", a
    child the supervisor had when it started), exitcode (null if a signal killed
    it), signal (its name, or null), core_dumped, started and reaped
    (seconds from the supervisor's start; started to 0.01 s, null if
    unknown), signalled (the last signal the supervisor sent it, or null),
    usage (what it cost, from wait4(2): user and system, seconds of CPU;
    max_rss, its largest resident set in KiB; minor_faults, major_faults;
    voluntary_switches, involuntary_switches; a process's own, with those
    of the children it waited for itself), limit (the --rlimit that ended
    it, RLIMIT_CPU or RLIMIT_FSIZE, or null)
  {"result": {...}}   the last line, once no process is left:
    argv         the command, a list of strings
    pid          CMD's pid, null if it could not start
    exit_status  what this command exits with (above)
    returncode   CMD's exit status, -N if signal N killed it, null if it
                 never ran
    timed_out    true if --timeout expired
    error        why CMD could not start (one line), else null
    init         true if CMD ran under an init (PID 1, --init, --pidns)
    pidns        true if CMD ran in a PID namespace of its own (the pids
                 are then the namespace's)
    started      when the supervisor started, in seconds since the Epoch
    duration     seconds from start to the last process reaped
    forwarded    [{"at": seconds, "signal": "SIGTERM"}, ...] the last 1000
                 signals passed on to CMD
    signals_forwarded  how many signals were passed on to CMD
    processes_reaped  how many processes were reaped, CMD included
    cgroup       with --cgroup, what CMD's cgroup said once empty: path,
                 entered_by (CLONE_INTO_CGROUP, or cgroup.procs before
                 Linux 5.7), cpu
                 (its cpu.stat: usage_usec, user_usec, system_usec, ...),
                 memory_peak (bytes) and pids_peak (null without that
                 controller), removed; else null
    usage        what they all cost, the keys of a process's usage: times
                 and counts summed, max_rss the largest (what
                 getrusage(RUSAGE_CHILDREN) says for the supervisor)
  FILE is truncated first, a report per run (--json - >> FILE appends).  A
  line that cannot be written is dropped, and those after it, with one
  message: CMD runs on, and the exit status is its own.

examples:
  python -m pyglibc run --summary -- sh -c 'sleep 300 & echo started a daemon'
  python -m pyglibc run --timeout 60 --prefix --json result.json -- make test
  python -m pyglibc run --pidns --rewrite TERM:QUIT -- nginx -g 'daemon off;'
"""

# The options that take a value: the first word that is not an option or the
# value of one starts CMD, so "--" is only needed before a CMD starting with "-".
_VALUED = ("--timeout", "--kill-after", "--linger", "--out-prefix", "--err-prefix", "--json",
           "--rewrite", "--pdeathsig", "--zero-status", "--preserve-fds", "--rlimit",
           "--memory-max", "--pids-max", "--cpu-max")


class _Args:
    """The options, as argparse's namespace has them, for a run with none given."""

    timeout: Optional[float] = None
    kill_after = _supervisor.KILL_AFTER
    linger = _supervisor.LINGER
    group = False
    setsid = False
    single_child = False
    init = False
    pidns = False
    prefix = False
    out_prefix: Optional[str] = None
    err_prefix: Optional[str] = None
    summary = False
    json: Optional[str] = None
    rewrite: List[Tuple[int, int]] = []
    pdeathsig: Optional[int] = None
    zero_status: List[int] = []
    preserve_fds = 0
    kill_orphans = False
    cgroup = False
    memory_max: Optional[int] = None
    pids_max: Optional[int] = None
    cpu_max: Optional[float] = None
    rlimit: List[Tuple[str, Tuple[Optional[int], Optional[int]]]] = []
    warn_orphans = False
    verbose = 0
    quiet = False


def _seconds(positive: bool) -> Callable[[str], float]:
    import argparse

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if value != value:
            raise argparse.ArgumentTypeError("not a number of seconds: %r" % text)
        if value < 0 or (positive and value == 0):
            raise argparse.ArgumentTypeError(
                "%s must be %s" % (text, "more than 0" if positive else "0 or more"))
        return value
    return parse


def signal_number(text: str, zero: bool = False) -> int:
    """The signal that text names: TERM, SIGTERM, sigterm, 15, RTMIN+2, RTMAX-1 (0 if zero)."""
    import argparse
    import signal

    word = text.strip().upper()
    if word.isdigit():
        number = int(word)
        if (zero and number == 0) or number in signal.valid_signals():
            return number
        raise argparse.ArgumentTypeError("%s is not a signal number" % text)
    if not word.startswith("SIG"):
        word = "SIG" + word
    for base, sign in (("SIGRTMIN", "+"), ("SIGRTMAX", "-")):
        if word.startswith(base + sign) and word[len(base) + 1:].isdigit():
            offset = int(word[len(base) + 1:])
            number = getattr(signal, base) + (offset if sign == "+" else -offset)
            if signal.SIGRTMIN <= number <= signal.SIGRTMAX:
                return int(number)
    try:
        return int(signal.Signals[word])
    except KeyError:
        raise argparse.ArgumentTypeError("not a signal: %r" % text) from None


def _rewrite(text: str) -> Tuple[int, int]:
    import argparse
    import signal

    source, colon, target = text.partition(":")
    if not colon:
        raise argparse.ArgumentTypeError("%r is not SIGNAL:SIGNAL (TERM:QUIT, USR1:0)" % text)
    number = signal_number(source)
    if number in (signal.SIGKILL, signal.SIGSTOP, signal.SIGCHLD):
        raise argparse.ArgumentTypeError("%s cannot be rewritten" % source)
    return number, signal_number(target, zero=True) if target.lower() != "ignore" else 0


def _status(text: str) -> int:
    import argparse

    if not text.isdigit() or int(text) > 255:
        raise argparse.ArgumentTypeError("%r is not an exit status (0-255)" % text)
    return int(text)


def _count(noun: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        import argparse

        if not (text.isascii() and text.isdigit()):
            raise argparse.ArgumentTypeError("%r is not a number of %s (0 or more)"
                                             % (text, noun))
        return int(text)
    return parse


def _rlimit(text: str) -> Tuple[str, Tuple[Optional[int], Optional[int]]]:
    """NAME=SOFT[:HARD] as (NAME, (soft, hard)), None for unlimited; SOFT alone is both."""
    import argparse

    from pyglibc._rawcalls import RLIMITS
    from pyglibc._supervisor.settings import UNLIMITED, rlimit_name, soft_above_hard

    word, equals, value = text.partition("=")
    name = rlimit_name(word)
    if not equals or name is None:
        raise argparse.ArgumentTypeError("%r is not NAME=SOFT[:HARD] with NAME one of %s"
                                         % (text, ", ".join(sorted(RLIMITS))))
    words = value.split(":")
    if len(words) not in (1, 2):
        raise argparse.ArgumentTypeError("%r is not NAME=SOFT[:HARD]" % text)
    limits: List[Optional[int]] = []
    for word in words:
        word = word.strip().lower()
        if word in UNLIMITED:
            limits.append(None)
        elif word.isascii() and word.isdigit():
            limits.append(int(word))
        else:
            raise argparse.ArgumentTypeError("%r: %r is not a limit (a number or unlimited)"
                                             % (text, word))
    soft, hard = limits[0], limits[-1]
    if soft_above_hard(soft, hard):
        raise argparse.ArgumentTypeError("%r: the soft limit is above the hard limit" % text)
    return name, (soft, hard)


def _size(text: str) -> int:
    """A number of bytes, with K, M, G or T for powers of 1024 (as memory.max takes them)."""
    import argparse

    word = text.strip().upper()
    power = "KMGT".find(word[-1:]) + 1 if word[-1:] in ("K", "M", "G", "T") else 0
    digits = word[:-1] if power else word
    if not (digits.isascii() and digits.isdigit()):
        raise argparse.ArgumentTypeError("%r is not a size (bytes, or with K, M, G, T)" % text)
    return int(digits) << (10 * power)


def _cpus(text: str) -> float:
    import argparse

    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError("%r is not a number of CPUs (more than 0)" % text)
    return value


def _parsers() -> Tuple[argparse.ArgumentParser, argparse.ArgumentParser]:
    import argparse

    top = argparse.ArgumentParser(
        prog="python -m pyglibc", allow_abbrev=False,
        description="Command-line tools of pyglibc.")
    commands = top.add_subparsers(dest="tool", metavar="TOOL")
    commands.required = True
    run = commands.add_parser(
        "run", allow_abbrev=False, formatter_class=argparse.RawDescriptionHelpFormatter,
        usage="%(prog)s [OPTIONS] -- CMD [ARG ...]", epilog=_EPILOG,
        help="run a command and leave no process behind",
        description=_DESCRIPTION)
    run.add_argument("command", nargs="*", metavar="CMD [ARG ...]",
                     help="the command and its arguments (after --, which may be left out "
                          "when CMD does not start with -)")
    run.add_argument("--timeout", type=_seconds(True), metavar="SECONDS",
                     help="send CMD SIGTERM after SECONDS, and SIGKILL --kill-after seconds "
                          "later if it has not ended; the exit status is then 124 (inf, or 2**31 "
                          "or more, as for the two below: no limit)")
    run.add_argument("--kill-after", type=_seconds(False), metavar="SECONDS",
                     default=_supervisor.KILL_AFTER,
                     help="seconds from the timeout's SIGTERM to SIGKILL; 0 sends both at "
                          "once; inf: no SIGKILL (default: %(default)s)")
    run.add_argument("--linger", type=_seconds(False), metavar="SECONDS",
                     default=_supervisor.LINGER,
                     help="once CMD has ended, the processes it left get SIGTERM, and SIGKILL "
                          "this many seconds later; inf: no SIGKILL (default: %(default)s)")
    run.add_argument("--group", action="store_true",
                     help="start CMD in a process group of its own and send signals to the "
                          "whole group; if the supervisor is in the foreground of its "
                          "controlling terminal, CMD's group is made the foreground group, so "
                          "that CMD can read the terminal, until CMD ends; tini's -g")
    run.add_argument("--setsid", action="store_true",
                     help="start CMD in a session of its own and send signals to its process "
                          "group; SIGTSTP, SIGTTIN and SIGTTOU are passed on as SIGSTOP "
                          "(unless --rewrite says otherwise); dumb-init's default")
    run.add_argument("--single-child", action="store_true",
                     help="send signals to CMD alone, not its process group (the default; "
                          "overrides --group, --setsid and PYGLIBC_RUN_GROUP); dumb-init's -c")
    run.add_argument("--init", action="store_true",
                     help="act as an init: forward SIGTSTP, SIGTTIN and SIGTTOU too, rather "
                          "than stop along with CMD (automatic when the supervisor is PID 1)")
    run.add_argument("--pidns", action="store_true",
                     help="run CMD under an init that is PID 1 of a new PID namespace, with "
                          "a mount namespace and a /proc of its own, so that nothing CMD "
                          "starts can outlive it (needs CAP_SYS_ADMIN; 125 if refused)")
    run.add_argument("--rewrite", type=_rewrite, action="append", default=[],
                     metavar="SIGNAL:SIGNAL",
                     help="pass the first signal on as the second (TERM:QUIT, 15:3), or not "
                          "at all if the second is 0 (USR1:0); the first is then forwarded "
                          "even if it is not one of those always forwarded; repeatable; "
                          "dumb-init's -r")
    run.add_argument("--pdeathsig", type=signal_number, metavar="SIGNAL",
                     help="have the supervisor get SIGNAL when its parent ends "
                          "(PR_SET_PDEATHSIG), and forward it like any other; tini's -p")
    run.add_argument("--zero-status", type=_status, action="append", default=[],
                     metavar="STATUS",
                     help="exit 0 when CMD's exit status (128+N for signal N) is STATUS; "
                          "repeatable; tini's -e")
    run.add_argument("--preserve-fds", type=_count("descriptors"), default=0, metavar="N",
                     help="pass CMD the N descriptors from 3 on that the supervisor was given, "
                          "as they are (otherwise it gets only 0, 1 and 2); podman's and "
                          "runc's --preserve-fds")
    run.add_argument("--kill-orphans", action="store_true",
                     help="while CMD still runs, send SIGTERM to each process reparented to "
                          "the supervisor (a worker's child, left when the worker died), and "
                          "SIGKILL --linger seconds later; they are checked for every %g s "
                          "(nothing tells a subreaper of them) and listed as strays"
                          % _supervisor.ORPHAN_CHECK)
    run.add_argument("--cgroup", action="store_true",
                     help="run CMD in a cgroup v2 of its own, under the supervisor's in the "
                          "unified hierarchy, entered before it execs: what is left after "
                          "--linger is killed at once (cgroup.kill), so that nothing escapes "
                          "by forking, the cgroup's cpu.stat, memory.peak and pids.peak are "
                          "reported (--summary, --json), and it is removed; 125 if none can "
                          "be made")
    run.add_argument("--memory-max", type=_size, metavar="SIZE",
                     help="with --cgroup (implied): its memory.max, bytes or with K, M, G, "
                          "T; 125 if the memory controller cannot be had for it")
    run.add_argument("--pids-max", type=_count("processes"), metavar="N",
                     help="with --cgroup (implied): its pids.max, the most processes and "
                          "threads in it at once")
    run.add_argument("--cpu-max", type=_cpus, metavar="CPUS",
                     help="with --cgroup (implied): its cpu.max, as CPUs (1.5: 150 ms of CPU "
                          "each 100 ms)")
    run.add_argument("--rlimit", type=_rlimit, action="append", default=[],
                     metavar="NAME=SOFT[:HARD]",
                     help="set a resource limit for CMD, between fork and exec, never on the "
                          "supervisor: NAME is CPU, AS, DATA, NOFILE, NPROC, CORE, FSIZE, STACK "
                          "or another of getrlimit(2)'s, with or without RLIMIT_; a limit is a "
                          "number (seconds, bytes, a count) or unlimited; SOFT alone sets both, "
                          "as docker's --ulimit does; repeatable.  A process a limit ends is "
                          "marked so in --summary and --json (SIGXCPU: RLIMIT_CPU)")
    run.add_argument("--warn-orphans", action="store_true",
                     help="print a line on stderr for each orphan reaped; tini's -w")
    run.add_argument("-v", "--verbose", action="count", default=0,
                     help="say more on stderr: -v what happens (start, end, timeout, what is "
                          "left signalled), -vv also every signal forwarded and process reaped")
    run.add_argument("-q", "--quiet", action="store_true",
                     help="say nothing on stderr but errors (verbosity 0)")
    run.add_argument("--prefix", action="store_true",
                     help="capture CMD's stdout and stderr and write each line to ours after "
                          "a prefix, '[out] ' or '[err] '; bytes are passed as they come, and "
                          "a last line without a newline gets one")
    run.add_argument("--out-prefix", metavar="TEXT",
                     help="the prefix of stdout lines (implies --prefix)")
    run.add_argument("--err-prefix", metavar="TEXT",
                     help="the prefix of stderr lines (implies --prefix)")
    run.add_argument("--summary", action="store_true",
                     help="at the end, print on stderr a table of the processes reaped (the "
                          "last %d, and how many there were)" % _supervisor.RECORDS)
    run.add_argument("--json", metavar="FILE",
                     help="write a line of JSON to FILE as each process is reaped, and one "
                          "on the result at the end (- for stdout; the keys are listed below)")
    return top, run


def _split(words: List[str]) -> Tuple[List[str], List[str]]:
    """(the supervisor's options, CMD and its arguments)."""
    i = 0
    while i < len(words):
        word = words[i]
        if word == "--":
            return words[:i], words[i + 1:]
        if not word.startswith("-") or word == "-":
            return words[:i], words[i:]
        i += 2 if word in _VALUED else 1
    return words, []


def _verbosity(parser: argparse.ArgumentParser, args: Any) -> int:
    text = os.environ.get(ENV_VERBOSITY)
    level = 1
    if text is not None and text.strip():
        if not text.strip().isdigit():
            parser.error("%s=%s: not a verbosity (0, 1, 2, 3)" % (ENV_VERBOSITY, text))
        level = int(text)
    return 0 if args.quiet else level + args.verbose


def _logger(verbosity: int, warn_orphans: bool) -> Optional[Callable[[str, str], None]]:
    levels = dict(_LEVELS)
    if warn_orphans:
        levels["reap"] = 1
    if verbosity < min(levels.values()):
        return None

    def log(event: str, message: str) -> None:
        if levels.get(event, 3) <= verbosity:
            _say("%s: %s\n" % (PROG, message))
    return log


# What _say has written to stderr, until _said().  (A type comment: PyPy 3.9 refuses an
# annotated name that a function declares global.)
_stderr = None  # type: Optional[Backlog]


def _say(text: str) -> None:
    """Write text on stderr, or drop it if stderr takes nothing (a full disk, a reader gone).

    As tini does: what the supervisor says is never worth CMD's run, its exit
    status or the --json report.  The bytes go to the descriptor, not
    through sys.stderr's buffer: failed there, they would fail again at each
    flush, the interpreter's last one included (which makes the exit status
    120).  A reader that falls behind does not make the supervisor wait
    (see _backlog) until _said().
    """
    global _stderr
    if _stderr is None:
        try:
            _stderr = Backlog(sys.stderr.fileno())
        except (AttributeError, ValueError, OSError):  # no stderr at all
            return
    _stderr.write(text.encode(sys.stderr.encoding or "utf-8", "backslashreplace"))


def _said() -> None:
    """Wait until stderr's reader has what was said, and say how many messages were dropped."""
    global _stderr
    if _stderr is None:
        return
    backlog, _stderr = _stderr, None
    if backlog.finish() is None and backlog.dropped:
        _write_or_drop(backlog.fd, ("%s: %d messages dropped: stderr's reader fell %d bytes "
                                    "behind\n" % (PROG, backlog.dropped, _HELD)).encode())


def _write_or_drop(fd: int, data: bytes) -> None:
    try:
        while data:
            data = data[os.write(fd, data):]
    except OSError:
        pass


class _JsonLines:
    """--json FILE: one object a line, each written to the descriptor at once.

    Nothing waits in a buffer of ours: a reader sees each line as it
    happens (unless it falls behind: see _backlog), and a supervisor
    killed (SIGKILL) leaves every line it wrote whole.  A line that cannot
    be written is dropped with those after it, one message said, as for
    what the supervisor says on stderr: the report is never worth CMD's
    run nor its exit status.
    """

    def __init__(self, name: str, fd: int) -> None:
        import json

        self.name, self.fd, self.dumps = name, fd, json.dumps
        self.backlog = Backlog(fd)
        self.failed = False

    def write(self, item: Dict[str, Any]) -> None:
        # The result line is never dropped for a reader that fell behind: it says how it ended.
        self.check(self.backlog.write((self.dumps(item) + "\n").encode(), keep="result" in item))

    def check(self, error: Optional[OSError]) -> None:
        if error is not None and not self.failed:  # a reader gone (--json - | head), a disk full
            self.failed = True
            _say("%s: --json: cannot write %s: %s\n" % (PROG, self.name, error.strerror))

    def finish(self) -> None:
        """Wait until the reader has every line; say if some were lost."""
        self.check(self.backlog.finish())
        if self.backlog.dropped and not self.failed:
            _say("%s: --json: %d lines dropped: the reader of %s fell %d bytes behind\n"
                 % (PROG, self.backlog.dropped, self.name, _HELD))

    def process(self, process: Reaped) -> None:
        self.write({"process": process.as_dict()})


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run ``python -m pyglibc`` with argv (default: sys.argv[1:]); return the exit status."""
    try:
        return _main(sys.argv[1:] if argv is None else list(argv))
    finally:
        _said()


def _main(words: List[str]) -> int:
    if words[:1] == ["run"]:
        options, command = _split(words[1:])
        if command and not options and ENV_GROUP not in os.environ \
                and ENV_VERBOSITY not in os.environ:
            return _execute(_Args(), command, None, 1)
    top, parser = _parsers()
    if words[:1] != ["run"]:
        top.parse_args(words)  # --help, or an error that names the tools
        return 2
    options, command = _split(words[1:])
    args = parser.parse_args(options)
    if not command:
        parser.error("no command given: put it after --, as in "
                     "python -m pyglibc run -- sleep 1")
    group = os.environ.get(ENV_GROUP, "").strip() not in ("", "0")
    args.group = not args.single_child and (args.group or group)
    args.setsid = not args.single_child and args.setsid
    return _execute(args, command, parser, _verbosity(parser, args))


def _hold_closed_std_fds() -> None:
    """Put a close-on-exec /dev/null in each of 0, 1, 2 that is closed.

    Else the supervisor's own descriptors (its signalfd first) would take
    those numbers: CMD would find one there as its stdout, and --prefix
    write into it.  Close-on-exec, it leaves CMD the descriptor closed, as
    it was given.
    """
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:  # EBADF: open(2) gives the lowest free number, this one
            os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)


def _execute(args: Any, command: List[str], parser: Optional[argparse.ArgumentParser],
             verbosity: int) -> int:
    if not command[0]:  # as execvp("") fails, with one line
        print("%s: '': command not found" % PROG, file=sys.stderr)
        return 127
    # Checked before --json opens its file, which could take a number missing.
    closed = _closed_fd(args.preserve_fds, inherited=True)
    if closed is not None:
        assert parser is not None
        parser.error("argument --preserve-fds: %d: descriptor %d is not open"
                     % (args.preserve_fds, closed))
    try:
        _socket_activation(os.environ, inherited=True)
    except RuntimeError as exc:
        _say("%s: %s\n" % (PROG, exc))
        return 125
    _hold_closed_std_fds()
    prefix = None
    if args.prefix or args.out_prefix is not None or args.err_prefix is not None:
        out, err = _supervisor.PREFIX
        # Bytes as given: the shell passes them undecoded, fsencode gives them back.
        prefix = (out if args.out_prefix is None else os.fsencode(args.out_prefix),
                  err if args.err_prefix is None else os.fsencode(args.err_prefix))
    report = None
    if args.json is not None:
        try:
            fd = 1 if args.json == "-" else os.open(
                args.json, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
        except OSError as exc:
            assert parser is not None
            parser.error("--json: cannot write %s: %s" % (args.json, exc.strerror))
        report = _JsonLines(args.json, fd)
    try:
        # An ignored SIGCHLD, inherited through exec, would let the kernel reap CMD.
        if TYPE_CHECKING:
            import signal as _signal
        else:
            import _signal
        if _signal.getsignal(_signal.SIGCHLD) == _signal.SIG_IGN:
            _signal.signal(_signal.SIGCHLD, _signal.SIG_DFL)
        # Whatever would end the supervisor (and leave CMD running unreaped) is passed
        # on, as tini and dumb-init do: a signal rewritten to itself is forwarded as it came.
        rewrite = dict((signum, signum) for signum in command_line_signals())
        rewrite.update(args.rewrite)
        try:
            result = _supervisor.supervise(
                command, timeout=args.timeout, kill_after=args.kill_after,
                linger=args.linger, group=args.group, setsid=args.setsid, prefix=prefix,
                preserve_fds=args.preserve_fds,
                init=True if args.init else None, pidns=args.pidns,
                rewrite=rewrite, pdeathsig=args.pdeathsig,
                zero_status=args.zero_status,
                log=_logger(verbosity, args.warn_orphans), adopt=True,
                rlimits=dict(args.rlimit), kill_orphans=args.kill_orphans,
                cgroup=args.cgroup, memory_max=args.memory_max, pids_max=args.pids_max,
                cpu_max=args.cpu_max,
                # Records are kept for the summary alone: --json has each as it comes.
                records=_supervisor.RECORDS if args.summary else 0,
                on_reap=None if report is None else report.process)
        except RuntimeError as exc:
            _say("%s: %s\n" % (PROG, exc))
            return 125
        except OSError as exc:  # out of descriptors, say: "pipe2: ..." without "[Errno 24]"
            where = ": %s" % exc.filename if exc.filename else ""
            _say("%s: %s%s\n" % (PROG, exc.strerror or exc, where))
            return 125
        if result.error is not None:
            _say("%s: %s\n" % (PROG, result.error))
        if args.summary:
            _say(result.summary())
        if report is not None:
            end = result.as_dict()
            del end["processes"]  # each had its line
            report.write({"result": end})
    finally:
        if report is not None:
            report.finish()
            if report.fd != 1:
                os.close(report.fd)
    return result.exit_status
