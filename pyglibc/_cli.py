"""``python -m pyglibc run [OPTIONS] -- CMD [ARG ...]``: ``pyglibc.supervise`` from the shell."""

import argparse
import json
import signal
import sys

from pyglibc import _supervise

_DESCRIPTION = """\
Run CMD as a child subreaper: every process CMD leaves behind is reparented
to the supervisor, which reaps it and records its name and how it ended.
When CMD ends, whatever it left still running gets SIGTERM, then SIGKILL
--linger seconds later, so nothing outlives the supervisor.  CMD's stdout
and stderr are its own unless --prefix captures them; it gets no file
descriptor of the supervisor's, no blocked signal, and the default action
for the signals the supervisor manages."""

_EPILOG = """\
exit status:
  CMD's own exit status; 128+N if signal N killed it; 124 if it timed out
  (whatever killed it then); 125 if the supervisor itself failed; 126 if CMD
  could not be executed; 127 if it was not found.

signals:
  SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2 and SIGWINCH sent to the
  supervisor are passed on to CMD (with --group, to its process group).  A
  terminal's ^C, ^\\, resize or hang-up, which the kernel sends to the whole
  foreground process group, already reaches CMD when it shares that group,
  and is not sent twice.  Once CMD has ended, a SIGHUP, SIGINT, SIGQUIT or
  SIGTERM cuts the --linger short: what is left gets SIGKILL at once.

--json FILE holds one object:
  argv         the command, a list of strings
  pid          CMD's pid, null if it could not start
  exit_status  what this command exits with (above)
  returncode   CMD's exit status, -N if signal N killed it, null if it never ran
  timed_out    true if --timeout expired
  error        why CMD could not start (one line), else null
  started      when the supervisor started, in seconds since the Epoch
  duration     seconds from start to the last process reaped
  forwarded    [{"at": seconds, "signal": "SIGTERM"}, ...] signals passed on
  processes    one object per process reaped, in the order reaped:
    pid, name (its comm, null if unknown), command (true for CMD itself,
    false for a process it left behind), exitcode (null if a signal killed
    it), signal (its name, or null), core_dumped, started and reaped
    (seconds from the supervisor's start; started to 0.01 s, null if
    unknown), signalled (the last signal the supervisor sent it, or null)

examples:
  python -m pyglibc run --summary -- sh -c 'sleep 300 & echo started a daemon'
  python -m pyglibc run --timeout 60 --prefix --json result.json -- make test
"""

# The options that take a value: the first word that is not an option or the
# value of one starts CMD, so "--" is only needed before a CMD starting with "-".
_VALUED = ("--timeout", "--kill-after", "--linger", "--out-prefix", "--err-prefix", "--json")


def _seconds(positive):
    def parse(text):
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError("not a number of seconds: %r" % text) from None
        if not value < float("inf") or value < 0 or (positive and value == 0):
            raise argparse.ArgumentTypeError(
                "%s must be %s" % (text, "more than 0" if positive else "0 or more"))
        return value
    return parse


def _parsers():
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
                          "later if it has not ended; the exit status is then 124")
    run.add_argument("--kill-after", type=_seconds(False), metavar="SECONDS",
                     default=_supervise.KILL_AFTER,
                     help="seconds from the timeout's SIGTERM to SIGKILL; 0 sends both at "
                          "once (default: %(default)s)")
    run.add_argument("--linger", type=_seconds(False), metavar="SECONDS",
                     default=_supervise.LINGER,
                     help="once CMD has ended, the processes it left get SIGTERM, and SIGKILL "
                          "this many seconds later (default: %(default)s)")
    run.add_argument("--group", action="store_true",
                     help="start CMD in a process group of its own and send signals to the "
                          "whole group (CMD then is not in the terminal's foreground group, "
                          "so it cannot read from the terminal)")
    run.add_argument("--prefix", action="store_true",
                     help="capture CMD's stdout and stderr and write each line to ours after "
                          "a prefix, '[out] ' or '[err] '; bytes are passed as they come, and "
                          "a last line without a newline gets one")
    run.add_argument("--out-prefix", metavar="TEXT",
                     help="the prefix of stdout lines (implies --prefix)")
    run.add_argument("--err-prefix", metavar="TEXT",
                     help="the prefix of stderr lines (implies --prefix)")
    run.add_argument("--summary", action="store_true",
                     help="at the end, print a table of every process reaped on stderr")
    run.add_argument("--json", metavar="FILE",
                     help="at the end, write the result to FILE as JSON (- for stdout; the "
                          "keys are listed below)")
    return top, run


def _split(words):
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


def main(argv=None):
    """Run ``python -m pyglibc`` with argv (default: sys.argv[1:]); return the exit status."""
    words = sys.argv[1:] if argv is None else list(argv)
    top, parser = _parsers()
    if words[:1] != ["run"]:
        top.parse_args(words)  # --help, or an error that names the tools
        return 2
    options, command = _split(words[1:])
    args = parser.parse_args(options)
    if not command:
        parser.error("no command given: put it after --, as in "
                     "python -m pyglibc run -- sleep 1")
    prefix = None
    if args.prefix or args.out_prefix is not None or args.err_prefix is not None:
        out, err = (p.decode() for p in _supervise.PREFIX)
        prefix = (out if args.out_prefix is None else args.out_prefix,
                  err if args.err_prefix is None else args.err_prefix)
    report = None
    if args.json is not None:
        try:
            report = sys.stdout if args.json == "-" else open(args.json, "w")
        except OSError as exc:
            parser.error("--json: cannot write %s: %s" % (args.json, exc.strerror))
    try:
        # An ignored SIGCHLD, inherited through exec, would let the kernel reap CMD.
        if signal.getsignal(signal.SIGCHLD) == signal.SIG_IGN:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        try:
            result = _supervise.supervise(
                command, timeout=args.timeout, kill_after=args.kill_after,
                linger=args.linger, group=args.group, prefix=prefix)
        except RuntimeError as exc:
            print("%s: %s" % (parser.prog, exc), file=sys.stderr)
            return 125
        except OSError as exc:  # out of descriptors, say: "pipe2: ..." without "[Errno 24]"
            where = ": %s" % exc.filename if exc.filename else ""
            print("%s: %s%s" % (parser.prog, exc.strerror or exc, where), file=sys.stderr)
            return 125
        if result.error is not None:
            print("%s: %s" % (parser.prog, result.error), file=sys.stderr)
        if args.summary:
            sys.stderr.write(result.summary())
        if report is not None:
            json.dump(result.as_dict(), report, indent=2)
            report.write("\n")
    finally:
        if report is not None and report is not sys.stdout:
            report.close()
    return result.exit_status
