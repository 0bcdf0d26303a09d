"""The same scenarios against tini, dumb-init and ``python -m pyglibc run``: the comparison table.

Each test runs once per init program (``[tini]``, ``[dumb-init]``,
``[pyglibc]``), so ``pytest -v tests/test_init_compare.py`` prints the table
row by row.  A program that is not installed is skipped with the reason
(CI installs both from Debian's packages).  Where tini or dumb-init does
not do what the scenario asks, because it lacks the option or behaves
otherwise, the test still runs it and is marked ``xfail(strict=True)``
with the reason: it must fail, on an assertion (a broken harness is no
expected difference), so an expected difference that goes away shows up as
XPASS and fails the run.  Our own rows never xfail.

Every program runs as a black box: a child process with a command that
tells the test what it saw on its stdout.  tini gets -s (a subreaper, as
ours always is) except where the scenario is about PID 1; the PID 1 rows
run each program under ``unshare --pid --fork --mount-proc``.  Signals are
sent once the command has said it is ready, never after a sleep; the one
bounded wait is the orphan's, which polls /proc until its new parent has
reaped it (there is no event for that).  Whatever tini or dumb-init leave
running is killed at the end of the test, if its pid still names it.
"""

import errno
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import kernelkit
import pytest
import timeouts

from supervise_kit import LAUNCH, child_env, waiting_for_signals

TIMEOUT = 20
# The commands' own interpreter: stdlib only, so without site (a third of a start).
PYTHON = [sys.executable, "-I", "-S"]
SIGUSR1, SIGUSR2, SIGTERM = signal.SIGUSR1, signal.SIGUSR2, signal.SIGTERM


class Init:
    """One init program: how to run a command under it with the options of a scenario."""

    def __init__(self, name, base, options, env=None):
        self.name = name
        self.base = base
        self.options = options  # scenario option -> extra arguments (or an environment)
        self.env = env or {}

    def installed(self):
        return shutil.which(self.base[0]) is not None

    def lacks(self, option):
        return option not in self.options

    def argv(self, command, options=()):
        """(argv, environment) for command under this init, with the options it has."""
        argv, env = list(self.base), dict(child_env(), **self.env)
        for option in options:
            extra = self.options.get(option)
            if isinstance(extra, dict):
                env.update(extra)
            elif extra is not None:
                argv += extra
        return argv + ["--"] + list(command), env


INITS = {
    "tini": Init("tini", ["tini", "-s"], {
        "group": ["-g"], "single-child": [], "pdeathsig": ["-p", "SIGTERM"],
        "zero-status": ["-e", "3"], "warn-orphans": ["-w"], "verbose": ["-v"],
        "group-env": {"TINI_KILL_PROCESS_GROUP": "1"}, "verbose-env": {"TINI_VERBOSITY": "2"},
        "quiet": {"TINI_VERBOSITY": "0"}, "prefix": [], "preserve-fds": []}),
    "dumb-init": Init("dumb-init", ["dumb-init"], {
        "group": [], "group-env": {}, "setsid": [], "single-child": ["-c"],
        "single-child-env": {"DUMB_INIT_SETSID": "0"}, "rewrite": ["-r", "15:12"],
        "ignore": ["-r", "10:0"], "verbose": ["-v"], "verbose-env": {"DUMB_INIT_DEBUG": "1"},
        "quiet": [], "prefix": [], "preserve-fds": []}),
    "pyglibc": Init("pyglibc", [sys.executable, "-m", "pyglibc", "run"], {
        "group": ["--group"], "setsid": ["--setsid"], "single-child": [],
        "single-child-env": ["--single-child"], "rewrite": ["--rewrite", "TERM:USR2"],
        "ignore": ["--rewrite", "USR1:0"], "pdeathsig": ["--pdeathsig", "TERM"],
        "zero-status": ["--zero-status", "3"], "warn-orphans": ["--warn-orphans"],
        "verbose": ["-v"], "group-env": {"PYGLIBC_RUN_GROUP": "1"},
        "verbose-env": {"PYGLIBC_RUN_VERBOSITY": "2"}, "quiet": ["-q"], "pidns": ["--pidns"],
        "prefix": ["--prefix"], "preserve-fds": ["--preserve-fds", "1"]}),
}

# What tini and dumb-init do otherwise, scenario by scenario (besides the options they lack).
DIFFERENCES = {
    ("missing", "dumb-init"): "dumb-init exits 2 when the command cannot be executed",
    ("orphans", "dumb-init"): "dumb-init is not a subreaper unless it is PID 1",
    ("nohup", "dumb-init"): "dumb-init gives the command every signal at its default action, "
                            "SIGHUP too under nohup",
    ("nothing-left", "tini"): "tini exits with the command and leaves its children running",
    ("nothing-left-daemon", "tini"): "tini exits with the command and leaves its children "
                                     "running",
    ("nothing-left-daemon", "dumb-init"): "dumb-init signals the command's session only: a "
                                          "daemon that left it keeps running",
    ("socket-activation", "tini"): "tini leaves LISTEN_PID naming itself, so the command's "
                                   "sd_listen_fds(3) takes no socket",
    ("socket-activation", "dumb-init"): "dumb-init leaves LISTEN_PID naming itself, so the "
                                        "command's sd_listen_fds(3) takes no socket",
    ("terminal-back", "tini"): "tini does not take the terminal back from the command's "
                               "group; it hangs up when tini ends",
    ("terminal-back", "dumb-init"): "dumb-init gives the terminal to the command's session, "
                                    "which takes it along when it ends",
    ("terminal-background", "tini"): "tini makes its command's group the foreground group "
                                     "even when it is not in the foreground itself",
    ("nothing-left-early-child", "tini"): "tini exits with the command and leaves its "
                                          "children running",
    ("nothing-left-early-child", "dumb-init"): "dumb-init signals the command's session only, "
                                               "which its own earlier child is not in",
}

OPTION_NAMES = {"rewrite": "signal rewriting", "ignore": "signal ignoring",
                "pdeathsig": "parent-death signal", "zero-status": "exit status remapping",
                "warn-orphans": "warning on each orphan reaped", "pidns": "PID namespace",
                "setsid": "setsid mode (tini's -g makes a process group, not a session)",
                "single-child-env": "single-child switch",
                "quiet": "quiet switch"}


def inits(scenario, *options):
    """The parameters of one scenario: each init, xfail where it differs, skipped if missing."""
    params = []
    for name, init in INITS.items():
        marks = []
        if not init.installed():
            marks.append(pytest.mark.skip(reason="%s is not installed (apt-get install %s)"
                                                 % (name, name)))
        lacking = [option for option in options if init.lacks(option)]
        reason = DIFFERENCES.get((scenario, name))
        if lacking:
            reason = "%s has no %s" % (name, " nor ".join(OPTION_NAMES.get(option, option)
                                                        for option in lacking))
        if reason is not None:
            assert name != "pyglibc", "ours must do it all"
            marks.append(pytest.mark.xfail(strict=True, raises=AssertionError, reason=reason))
        params.append(pytest.param(init, id=name, marks=marks))
    return pytest.mark.parametrize("init", params)


class Leftovers:
    """``leftovers.append(pid)``: a process the test started, SIGKILLed at its end if still there.

    A pid the test learns may name a process already gone, and by the end of
    the test another one: only a process that started during the test is
    taken, and only while its start time is the one seen then is it signalled.
    """

    def __init__(self):
        self.since = timeouts.now()
        self.seen = []

    def append(self, pid):
        start = timeouts.start_time(pid)
        if start is not None and start >= self.since:
            self.seen.append((pid, start))

    def extend(self, pids):
        for pid in pids:
            self.append(pid)

    def kill(self):
        for pid, start in self.seen:
            timeouts.send(pid, start, signal.SIGKILL)


@pytest.fixture
def leftovers():
    taken = Leftovers()
    yield taken
    taken.kill()


def run(init, command, *options, cwd=None, prefix=(), stderr=None):
    """Run command under init to the end: a CompletedProcess with stdout and stderr as bytes.

    The outputs go through files, not pipes: a process the init leaves running
    would hold a pipe open, and reading it to its end would wait for that.
    stderr: a file object to give the init as its stderr instead (then b"").
    """
    argv, env = init.argv(command, options)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        status = subprocess.run(list(prefix) + argv, env=env, cwd=cwd, stdout=out,
                                stderr=err if stderr is None else stderr,
                                timeout=TIMEOUT).returncode
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(argv, status, out.read(), err.read())


class Lines:
    """Lines read from a pipe as they come, each within a deadline (no buffering to fool select)."""

    def __init__(self, pipe):
        self.fd = pipe.fileno()
        self.data = b""

    def line(self, within=TIMEOUT):
        """The next line, b"" at the end of the pipe or if none came within the deadline."""
        while b"\n" not in self.data:
            ready, _, _ = select.select([self.fd], [], [], within)
            chunk = os.read(self.fd, 4096) if ready else b""
            if not chunk:
                return b""
            self.data += chunk
        line, _, self.data = self.data.partition(b"\n")
        return line + b"\n"


class Started:
    """An init running a command: its stdout read line by line, signals sent to the init.

    Its pipes are closed, not read to their end: what tini or dumb-init leave
    running may hold them open.
    """

    def __init__(self, init, command, options=(), prefix=()):
        argv, env = init.argv(command, options)
        self.process = subprocess.Popen(list(prefix) + argv, env=env, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL)
        self.stdout = Lines(self.process.stdout)

    def line(self, within=TIMEOUT):
        return self.stdout.line(within)

    def signal(self, signum):
        self.process.send_signal(signum)

    def wait(self):
        return self.process.wait(timeout=TIMEOUT)

    def end(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()


class OnTerminal(Started):
    """An init that leads a session of its own, with a pseudo-terminal as its controlling
    terminal and stdin: as under script(1), tmux, ssh -t or docker run -t."""

    def __init__(self, init, command, options=()):
        argv, env = init.argv(command, options)
        self.master, slave = os.openpty()
        try:
            # setsid(1) execs it, a session leader, with stdin as its controlling terminal.
            self.process = subprocess.Popen(["setsid", "--ctty"] + argv, env=env, stdin=slave,
                                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        finally:
            os.close(slave)
        self.stdout = Lines(self.process.stdout)

    def type(self, data):
        os.write(self.master, data)

    def hang_up(self):
        """Close the terminal: the kernel sends SIGHUP to the leader of its session."""
        os.close(self.master)
        self.master = -1

    def end(self):
        super().end()
        if self.master >= 0:
            os.close(self.master)


@pytest.fixture
def started():
    """``started(init, command, options=(), terminal=False)``: a Started or, with terminal,
    an OnTerminal, ended at the end of the test."""
    made = []

    def start(*args, terminal=False, **kwargs):
        made.append((OnTerminal if terminal else Started)(*args, **kwargs))
        return made[-1]

    yield start
    for one in made:
        one.end()


def traps(**statuses):
    """A Python command that exits with the status given for each signal (by name), or 0 after
    writing "got NAME" if the status is None, or writes it and goes on if the status is
    "go on"; it says "ready <pid>" once its handlers are in."""
    return PYTHON + ["-c", TRAPS, repr(statuses)]


TRAPS = r"""
import ast, os, signal, sys
def exit_on(name, status):
    def handler(*args):
        if status is None or status == "go on":
            os.write(1, b"got %s\n" % name.encode())
        if status != "go on":
            os._exit(status or 0)
    return handler
for name, status in ast.literal_eval(sys.argv[1]).items():
    signal.signal(getattr(signal, name), exit_on(name, status))
""" + waiting_for_signals(r'b"ready %d\n" % os.getpid()')


# -- exit status -------------------------------------------------------------------------------


@inits("exit")
def test_exit_status_is_the_commands(init):
    assert run(init, ["sh", "-c", "exit 3"]).returncode == 3


@inits("signal")
def test_death_by_signal_n_is_128_plus_n(init):
    assert run(init, ["sh", "-c", "kill -KILL $$"]).returncode == 128 + signal.SIGKILL


@inits("missing")
def test_a_missing_command_is_127_and_one_line(init):
    done = run(init, ["no-such-command-here"])
    assert done.returncode == 127
    assert done.stdout == b"" and done.stderr.count(b"\n") == 1
    assert b"no-such-command-here" in done.stderr


def spawned_as_by_a_thread(init):
    """Skip ours under an emulator: its own thread makes the supervisor a threaded process,
    which starts CMD with posix_spawn; under emulation that loses exec errors, and it
    leaves glibc's signals 32 and 33 ignored."""
    if init.name == "pyglibc" and kernelkit.emulator():
        pytest.skip("%s runs a thread of its own in each process" % kernelkit.emulator())


@inits("no-shebang")
def test_a_script_without_a_shebang_runs_with_sh(init, tmp_path):
    spawned_as_by_a_thread(init)
    # execvp(3) gives a file the kernel cannot execute (ENOEXEC) to /bin/sh.
    script = tmp_path / "script"
    script.write_text("echo ran with $# arguments\n")
    script.chmod(0o755)
    done = run(init, [str(script), "a", "b"])
    assert (done.returncode, done.stdout) == (0, b"ran with 2 arguments\n")


# -- signals -----------------------------------------------------------------------------------

@inits("sigterm")
def test_sigterm_is_forwarded_and_the_commands_status_returned(init, started):
    process = started(init, traps(SIGTERM=42))
    assert process.line().startswith(b"ready ")
    process.signal(SIGTERM)
    assert process.wait() == 42


# Run a command with every signal at its default action, whatever the test
# itself inherited, and say on stderr which are ignored still: glibc's internal
# two (32 and 33) cannot be reset, and are ignored if this interpreter was started
# by posix_spawn (as 3.13's subprocess starts it).
DEFAULT_SIGNALS = PYTHON + ["-c", r"""
import os, signal, sys
for signum in signal.valid_signals() - {signal.SIGKILL, signal.SIGSTOP}:
    signal.signal(signum, signal.SIG_DFL)
with open("/proc/self/status") as f:
    sys.stderr.write("".join(line for line in f if line.startswith("SigIgn:")))
sys.stderr.flush()
os.execvp(sys.argv[1], sys.argv[1:])
"""]
IGNORED_SIGNALS = ["grep", "SigIgn", "/proc/self/status"]


def ignored_given_and_kept(init, *prefix):
    """(the signals ignored when the init started, those ignored in its command) as masks."""
    done = run(init, IGNORED_SIGNALS, prefix=DEFAULT_SIGNALS + list(prefix))
    given, kept = (int(line.split()[1], 16) for output in (done.stderr, done.stdout)
                   for line in output.splitlines() if line.startswith(b"SigIgn:"))
    return given, kept


@inits("no-signal-ignored")
def test_the_command_starts_with_no_signal_ignored_but_those_the_init_was_given(init):
    spawned_as_by_a_thread(init)
    given, kept = ignored_given_and_kept(init)
    assert kept == given


@inits("nohup")
def test_under_nohup_the_command_keeps_sighup_ignored(init):
    spawned_as_by_a_thread(init)
    given, kept = ignored_given_and_kept(init, "nohup")
    assert kept == given | 1 << (signal.SIGHUP - 1)


@inits("sigalrm")
def test_sigalrm_is_forwarded(init, started):
    # Its default action would end the init, and leave the command running unreaped.
    process = started(init, traps(SIGALRM=14))
    assert process.line().startswith(b"ready ")
    process.signal(signal.SIGALRM)
    assert process.wait() == 14


needs_setsid = pytest.mark.skipif(shutil.which("setsid") is None,
                                  reason="needs setsid(1) from util-linux, to give a terminal")


@needs_setsid
@inits("hangup")
def test_a_terminal_hangup_reaches_the_command(init, started):
    # The kernel sends it to the session leader alone, here the init.
    process = started(init, traps(SIGHUP=None), terminal=True)
    assert process.line().startswith(b"ready ")
    process.hang_up()
    assert process.line() == b"got SIGHUP\n"
    assert process.wait() == 0


# traps(), in a session of its own if it can make one (it cannot if it leads one already).
LEAVES_THE_SESSION = PYTHON + ["-c", "import os\ntry:\n    os.setsid()\nexcept OSError:\n"
                                     "    pass\n" + TRAPS]


@needs_setsid
@inits("ctrl-c-setsid")
def test_a_terminals_ctrl_c_reaches_a_command_that_left_the_session(init, started):
    # The kernel sends ^C to the terminal's foreground process group, which the
    # command has left: only the init gets it.
    process = started(init, LEAVES_THE_SESSION + [repr(dict(SIGINT=None))], terminal=True)
    assert process.line().startswith(b"ready ")
    process.type(b"\x03")
    assert process.line() == b"got SIGINT\n"
    assert process.wait() == 0


# Says whether its group is the terminal's foreground group.
SAYS_IF_FOREGROUND = r"""
import os, sys
try:
    front = os.tcgetpgrp(0) == os.getpgrp()
except OSError:  # no controlling terminal
    front = False
os.write(1, b"foreground\n" if front else b"background\n")
"""
# The same, then in the foreground it reads a line from the terminal, which a background
# group could not do without stopping (SIGTTIN).
READS_THE_TERMINAL = PYTHON + ["-c", SAYS_IF_FOREGROUND + r"""
if front:
    os.write(1, b"read " + sys.stdin.buffer.readline())
"""]


@needs_setsid
@inits("terminal", "group")
def test_in_group_mode_the_command_gets_the_terminal(init, started):
    # tini's -g signals the group that tini always makes; dumb-init's is a session.
    process = started(init, READS_THE_TERMINAL, ("group",), terminal=True)
    assert process.line() == b"foreground\n"
    process.type(b"typed\n")
    assert process.line() == b"read typed\n"
    assert process.wait() == 0


# Leaves a child in its group that says whose group has the terminal once the command
# has ended: when the init signals it, when the terminal hangs up on it (its session's
# leader ended), or when the init is gone.
WHO_HAS_THE_TERMINAL_AFTER = PYTHON + ["-c", r"""
import os, signal, time
command, init = os.getpid(), os.getppid()
r, w = os.pipe()
if os.fork() == 0:
    def answer(*args):
        try:
            front = os.tcgetpgrp(0)
        except OSError:  # the terminal left with the command's session
            front = None
        os.write(1, b"the init's\n" if front == os.getpgid(init) else
                 b"the command's\n" if front == command else b"nobody's\n")
        os._exit(0)
    signal.signal(signal.SIGTERM, answer)
    signal.signal(signal.SIGHUP, answer)
    os.close(w)
    while os.getppid() in (command, init):
        time.sleep(0.001)
    answer()
os.close(w)
os.read(r, 1)  # the end of file: its handler is in
"""]


@needs_setsid
@inits("terminal-back", "group")
def test_in_group_mode_the_terminal_comes_back_to_the_init_when_the_command_ends(init,
                                                                               started):
    process = started(init, WHO_HAS_THE_TERMINAL_AFTER, ("group",), terminal=True)
    assert process.line() == b"the init's\n"
    assert process.wait() == 0


# In the background of a shell with job control (as after "init ... &"): the shell's
# foreground group keeps the terminal.
IN_THE_BACKGROUND = ["setsid", "--ctty", "sh", "-m", "-c",
                     '"$@" & wait; [ "$(cut -d" " -f8 /proc/$$/stat)" = $$ ] && '
                     'echo "the shell keeps the terminal" || echo "the terminal was taken"',
                     "sh"]


@needs_setsid
@inits("terminal-background", "group")
def test_in_group_mode_an_init_in_the_background_leaves_the_terminal_alone(init):
    master, slave = os.openpty()
    try:
        argv, env = init.argv(PYTHON + ["-c", SAYS_IF_FOREGROUND], ("group",))
        done = subprocess.run(IN_THE_BACKGROUND + argv, env=env, stdin=slave,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              timeout=TIMEOUT)
    finally:
        os.close(master)
        os.close(slave)
    assert done.stdout == b"background\nthe shell keeps the terminal\n"


# The test sends the init SIGUSR1, then SIGUSR2.  The command ignores SIGUSR1, and
# on SIGUSR2 asks its child (with a SIGUSR2 of its own) whether a SIGUSR1 reached it.
# In group mode the init has sent the child its SIGUSR1 before it sends anyone the
# SIGUSR2.  The child keeps SIGUSR1 blocked and looks for it among its pending
# signals, so the answer depends neither on the order in which the interpreter
# runs handlers nor on the mask the child started with.
GROUP_PROBE = r"""
import os, signal
r, w = os.pipe()
child = os.fork()
if child == 0:
    signal.pthread_sigmask(signal.SIG_SETMASK, [signal.SIGUSR1])
    def answer(*a):
        got = signal.SIGUSR1 in signal.sigpending()
        os.write(1, b"child got USR1\n" if got else b"child did not get USR1\n")
        os._exit(0)
    signal.signal(signal.SIGUSR2, answer)
    # Woken through the wakeup fd, not by signal.pause(), which sleeps through a signal
    # that comes between the interpreter's check for handlers and the pause itself.
    wake, woken = os.pipe()
    os.set_blocking(woken, False)
    signal.set_wakeup_fd(woken)
    os.write(w, b"x")
    while True:
        os.read(wake, 64)
os.read(r, 1)
def ask(*a):
    os.kill(child, signal.SIGUSR2)  # a zombie already, if it answered the init's
    os.waitpid(child, 0)
    os._exit(0)
signal.signal(signal.SIGUSR1, signal.SIG_IGN)
signal.signal(signal.SIGUSR2, ask)
""" + waiting_for_signals(r'b"ready\n"')


def probe_group(init, started, *options):
    process = started(init, PYTHON + ["-c", GROUP_PROBE], options)
    assert process.line() == b"ready\n"
    process.signal(SIGUSR1)
    process.signal(SIGUSR2)
    answer = process.line()
    assert process.wait() == 0
    return answer


@inits("group", "group")
def test_group_mode_signals_the_whole_process_group(init, started):
    assert probe_group(init, started, "group") == b"child got USR1\n"


@inits("group-env", "group-env")
def test_group_mode_from_the_environment(init, started):
    assert probe_group(init, started, "group-env") == b"child got USR1\n"


@inits("setsid", "setsid")
def test_setsid_mode_gives_the_command_a_session_and_signals_its_group(init, started):
    done = run(init, PYTHON + ["-c", "import os; print(os.getsid(0) == os.getpid())"], "setsid")
    assert done.stdout == b"True\n"
    assert probe_group(init, started, "setsid") == b"child got USR1\n"


@inits("single-child", "single-child")
def test_single_child_mode_signals_the_command_alone(init, started):
    assert probe_group(init, started, "single-child") == b"child did not get USR1\n"


@inits("single-child-env", "single-child-env")
def test_single_child_mode_overrides_group_from_the_environment(init, started):
    # dumb-init: DUMB_INIT_SETSID=0; ours: --single-child over PYGLIBC_RUN_GROUP=1.
    assert probe_group(init, started, "group-env", "single-child-env") == \
        b"child did not get USR1\n"


REWRITE = dict(SIGUSR2=12, SIGTERM=15, SIGUSR1=10)


@inits("rewrite", "rewrite")
def test_a_rewritten_signal_is_forwarded_as_the_other(init, started):
    process = started(init, traps(**REWRITE), ("rewrite",))
    assert process.line().startswith(b"ready ")
    process.signal(SIGTERM)  # rewritten to SIGUSR2
    assert process.wait() == 12


@inits("ignore", "ignore")
def test_a_signal_rewritten_to_0_is_not_forwarded(init, started):
    process = started(init, traps(SIGUSR1="go on", SIGUSR2="go on", SIGTERM=15), ("ignore",))
    assert process.line().startswith(b"ready ")
    process.signal(SIGUSR1)  # dropped
    # An init forwards the lower-numbered of two pending signals first, so the command
    # has had the SIGUSR1, if it was forwarded, when its SIGUSR2 comes: the interpreter
    # runs both handlers before its next line.
    process.signal(SIGUSR2)
    seen = [process.line()]
    while seen[-1] not in (b"got SIGUSR2\n", b""):
        seen.append(process.line())
    process.signal(SIGTERM)
    assert process.wait() == 15
    assert b"got SIGUSR1\n" not in seen + [process.line()]


# The init runs under a parent that ends when its stdin closes, leaving the init behind.
PARENT = r"""
import os, subprocess, sys
init = subprocess.Popen(sys.argv[1:])
os.write(2, b"init %d\n" % init.pid)
sys.stdin.read()
os._exit(0)
"""


@inits("pdeathsig", "pdeathsig")
def test_the_parent_death_signal_is_forwarded(init, leftovers):
    argv, env = init.argv(traps(SIGTERM=None), ("pdeathsig",))
    parent = subprocess.Popen(PYTHON + ["-c", PARENT] + argv, env=env,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    try:
        leftovers.append(int(Lines(parent.stderr).line().split()[1]))
        out = Lines(parent.stdout)
        ready = out.line()
        leftovers.append(int(ready.split()[1]))
        parent.stdin.close()  # the parent ends: the init gets its parent-death signal
        assert parent.wait(timeout=TIMEOUT) == 0
        assert out.line(within=0.5) == b"got SIGTERM\n"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        for pipe in (parent.stdin, parent.stdout, parent.stderr):
            pipe.close()


@inits("zero-status", "zero-status")
def test_an_exit_status_remapped_to_0(init):
    assert run(init, ["sh", "-c", "exit 3"], "zero-status").returncode == 0
    assert run(init, ["sh", "-c", "exit 4"], "zero-status").returncode == 4


# -- orphans -----------------------------------------------------------------------------------

# A grandchild orphaned while the command runs: who adopts it (its parent must be
# the command's parent, the init), and is it reaped once it exits?
ORPHAN = r"""
import os, sys, time
hold_r, hold_w = os.pipe()
pid_r, pid_w = os.pipe()
middle = os.fork()
if middle == 0:
    orphan = os.fork()
    if orphan == 0:
        os.close(hold_w)
        os.read(hold_r, 1)
        os._exit(0)
    os.write(pid_w, b"%d" % orphan)
    os._exit(0)
os.close(hold_r)
os.close(pid_w)
os.waitpid(middle, 0)
orphan = int(os.read(pid_r, 32))
with open("/proc/%d/stat" % orphan) as f:
    adopter = int(f.read().rsplit(")", 1)[1].split()[1])
if adopter != os.getppid():
    print("adopted by %d, not by the init %d" % (adopter, os.getppid()))
    sys.exit(0)
os.close(hold_w)  # the orphan exits: a zombie until the init reaps it
deadline = time.monotonic() + 5
while os.path.exists("/proc/%d" % orphan) and time.monotonic() < deadline:
    time.sleep(0.001)
print("adopted and reaped" if not os.path.exists("/proc/%d" % orphan) else "left a zombie")
"""

UNSHARE = ["unshare", "--pid", "--fork", "--mount-proc"]
needs_unshare = pytest.mark.skipif(shutil.which("unshare") is None or os.geteuid() != 0,
                                   reason="needs unshare(1) from util-linux, and root")


@inits("orphans")
def test_orphans_are_adopted_and_reaped_while_the_command_runs(init):
    done = run(init, PYTHON + ["-c", ORPHAN])
    assert (done.returncode, done.stdout) == (0, b"adopted and reaped\n")


@needs_unshare
@inits("orphans-pid1")
def test_as_pid_1_of_a_namespace_orphans_are_adopted_and_reaped(init):
    done = run(init, PYTHON + ["-c", ORPHAN], prefix=UNSHARE)
    assert (done.returncode, done.stdout) == (0, b"adopted and reaped\n")


# The init is exec'd by a shell that has started a child already, as an entrypoint
# script that runs "cmd & exec init -- app" does: that child is the init's own.
EARLY_CHILD = ["sh", "-c", 'sleep "$0" & EARLY=$!; export EARLY; exec "$@"']

# The command waits until the child its init had from the start has exited and been reaped.
WAIT_FOR_EARLY = PYTHON + ["-c", r"""
import os, sys, time
early = int(os.environ["EARLY"])
deadline = time.monotonic() + 10
while os.path.exists("/proc/%d" % early) and time.monotonic() < deadline:
    time.sleep(0.001)
print("left a zombie" if os.path.exists("/proc/%d" % early) else "reaped")
sys.exit(3)
"""]


@inits("early-child")
def test_a_child_the_init_had_when_it_started_is_reaped(init):
    done = run(init, WAIT_FOR_EARLY, prefix=EARLY_CHILD + ["0.2"])
    assert (done.returncode, done.stdout) == (3, b"reaped\n"), done.stderr


@needs_unshare
@inits("early-child-pid1")
def test_as_pid_1_of_a_namespace_a_child_it_had_when_it_started_is_reaped(init):
    done = run(init, WAIT_FOR_EARLY, prefix=UNSHARE + EARLY_CHILD + ["0.2"])
    assert (done.returncode, done.stdout) == (3, b"reaped\n"), done.stderr


@inits("warn-orphans", "warn-orphans")
def test_each_orphan_reaped_is_reported(init):
    # cat reads until the orphan has exited, so it is reaped before the command ends.
    done = run(init, ["sh", "-c", "(sh -c 'echo $$' &) | cat"], "warn-orphans")
    orphan = done.stdout.strip()
    assert done.returncode == 0 and orphan.isdigit()
    lines = [line for line in done.stderr.splitlines() if orphan in line]
    assert len(lines) == 1, done.stderr


# -- nothing left behind -----------------------------------------------------------------------


def still_running(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def ended_within(pid, seconds):
    """True if pid ends within seconds (a pidfd says when), False if it is still running."""
    import glibc

    try:
        # PyPy 3.9 has no os.pidfd_open.
        fd = os.pidfd_open(pid) if hasattr(os, "pidfd_open") else glibc.pidfd_open(pid, 0)
    except ProcessLookupError:
        return True
    except OSError as exc:
        if exc.errno not in (errno.ENOSYS, errno.EPERM):
            raise
        # Linux < 5.3: /proc says, looked at every 10 ms.
        deadline = time.monotonic() + seconds
        while still_running(pid):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True
    try:
        return bool(select.select([fd], [], [], seconds)[0])
    finally:
        os.close(fd)


@inits("nothing-left")
def test_nothing_is_left_running_after_the_command(init, leftovers):
    done = run(init, ["sh", "-c", "sleep 30 & echo $!"])
    pid = int(done.stdout)
    leftovers.append(pid)
    assert done.returncode == 0
    assert ended_within(pid, 0.5)


@inits("nothing-left-daemon")
def test_not_even_a_daemon_is_left_running(init, leftovers):
    done = run(init, LAUNCH + ["sleep", "0"])
    pid = int(done.stdout.split()[1])
    leftovers.append(pid)
    assert done.returncode == 0
    assert ended_within(pid, 0.5)


@inits("nothing-left-early-child")
def test_a_child_the_init_had_when_it_started_is_not_left_running(init, leftovers):
    done = run(init, ["sh", "-c", 'echo "$EARLY"'], prefix=EARLY_CHILD + ["30"])
    pid = int(done.stdout)
    leftovers.append(pid)
    assert done.returncode == 0
    assert ended_within(pid, 0.5)


def running_with_argv(argv):
    """The pids of the processes, anywhere on the host, that run exactly argv."""
    wanted = b"\0".join(os.fsencode(word) for word in argv) + b"\0"
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open("/proc/%s/cmdline" % entry, "rb") as f:
                if f.read() == wanted:
                    found.append(int(entry))
        except (OSError, ValueError):  # not a process, or gone
            pass
    return found


@needs_unshare
@inits("nothing-left-pid1")
def test_as_pid_1_of_a_namespace_nothing_is_left(init, leftovers):
    # The kernel kills what is left in a PID namespace whose init ends, and has
    # reaped it all by the time that init's parent (unshare) sees it end.
    daemon = ["sleep", "30.%06d" % os.getpid()]  # an argv no other test runs
    done = run(init, ["sh", "-c", 'setsid "$@" & echo started', "sh"] + daemon,
               prefix=UNSHARE)
    left = running_with_argv(daemon)
    leftovers.extend(left)
    assert (done.returncode, done.stdout, left) == (0, b"started\n", [])


@needs_unshare
@inits("pidns", "pidns")
def test_an_own_pid_namespace_leaves_nothing_even_when_the_init_is_killed(init, started,
                                                                         leftovers):
    process = started(init, ["sh", "-c", "sleep 30 & echo $!; echo ready; wait"], ("pidns",))
    inner = int(process.line())
    assert process.line() == b"ready\n"
    # The sleep, by the pid the host sees: /proc/<pid>/status lists its pid in each namespace.
    host = [pid for pid in descendants(process.process.pid) if ns_pids(pid)[-1:] == [inner]]
    leftovers.extend(host)
    assert len(host) == 1
    process.process.kill()  # SIGKILL: no cleanup by the supervisor itself
    process.wait()
    assert ended_within(host[0], 0.5)


def ns_pids(pid):
    """The pids of pid from this PID namespace down to its own (NSpid, proc(5))."""
    try:
        with open("/proc/%d/status" % pid) as f:
            return [int(n) for line in f if line.startswith("NSpid:") for n in line.split()[1:]]
    except FileNotFoundError:
        return []


def descendants(pid):
    found, queue = [], [pid]
    while queue:
        parent = queue.pop()
        for tid in os.listdir("/proc/%d/task" % parent):
            try:
                with open("/proc/%d/task/%s/children" % (parent, tid)) as f:
                    children = [int(child) for child in f.read().split()]
            except FileNotFoundError:
                continue
            found += children
            queue += children
    return found


# -- what the init says ------------------------------------------------------------------------


def command_pid_mentioned(done, tmp_path):
    pid = (tmp_path / "pid").read_text().strip()
    return pid.encode() in done.stdout + done.stderr


PID_TO_FILE = ["sh", "-c", "echo $$ > pid"]


@inits("verbose", "verbose")
def test_verbose_mode_names_the_command_it_started(init, tmp_path):
    done = run(init, PID_TO_FILE, "verbose", cwd=str(tmp_path))
    assert done.returncode == 0 and command_pid_mentioned(done, tmp_path)


@inits("verbose-env", "verbose-env")
def test_verbosity_from_the_environment(init, tmp_path):
    done = run(init, PID_TO_FILE, "verbose-env", cwd=str(tmp_path))
    assert done.returncode == 0 and command_pid_mentioned(done, tmp_path)


@inits("quiet", "quiet")
def test_quiet_mode_says_nothing(init, tmp_path):
    done = run(init, ["sh", "-c", "(sh -c 'exit 0' &) | cat; exit 1"], "quiet", "warn-orphans",
               cwd=str(tmp_path))
    assert (done.returncode, done.stdout, done.stderr) == (1, b"", b"")


@inits("full-stderr", "verbose")
def test_a_full_stderr_drops_what_the_init_says_and_the_command_runs_on(init):
    with open("/dev/full", "wb") as full:
        done = run(init, ["sh", "-c", "echo done; exit 3"], "verbose", stderr=full)
    assert done.returncode == 3 and b"done\n" in done.stdout


# -- output ------------------------------------------------------------------------------------

# Writes to stdout without end; on SIGTERM, makes the file argv[1] and exits 42.
FLOOD = r"""
import os, signal, sys
def done(*args):
    open(sys.argv[1], "w").close()
    os._exit(42)
signal.signal(signal.SIGTERM, done)
os.write(1, b"ready %d\n" % os.getpid())
line = b"y" * 4095 + b"\n"
while True:
    os.write(1, line)
"""


def wait_until_held_up(pid):
    """Until pid waits for room in the pipe it writes to, and still does a moment later."""
    from waiting import SLEEPS_IN

    def waits():
        try:
            with open("/proc/%d/wchan" % pid) as f:
                return f.read().strip().partition(".")[0] in SLEEPS_IN["write"]
        except FileNotFoundError:
            return False

    deadline = time.monotonic() + TIMEOUT
    while not (waits() and time.sleep(0.05) is None and waits()):
        assert time.monotonic() < deadline, "the command was never held up"
        time.sleep(0.01)


# tini and dumb-init have no output of their own to carry: the command writes to their
# stdout itself ("prefix" adds nothing to their arguments), and only the command waits.
@inits("stalled-reader", "prefix")
def test_a_stalled_reader_of_the_output_holds_up_no_signal(init, started, tmp_path):
    marker = tmp_path / "got SIGTERM"
    process = started(init, PYTHON + ["-c", FLOOD, str(marker)], ("prefix",))
    command = int(process.line().split()[-1])
    wait_until_held_up(command)  # ours: since its 1 MiB of output waits for our reader
    process.signal(SIGTERM)
    deadline = time.monotonic() + TIMEOUT
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert marker.exists(), "the SIGTERM never reached the command"
    while os.read(process.stdout.fd, 65536):
        pass
    assert process.wait() == 42


# -- inherited descriptors ---------------------------------------------------------------------

# Starts the init (the rest of argv) with its 3 a socket holding "ping", as a service
# manager hands one on; with "--listen", LISTEN_PID and LISTEN_FDS give it to the init,
# as systemd's socket activation does (the pid is the init's: exec keeps it).
WITH_A_SOCKET = PYTHON + ["-c", r"""
import os, socket, sys
ours, theirs = socket.socketpair()
assert ours.fileno() == 3
os.set_inheritable(3, True)
theirs.sendall(b"ping")
theirs.close()
words = sys.argv[1:]
if words[0] == "--listen":
    os.environ.update(LISTEN_PID=str(os.getpid()), LISTEN_FDS="1")
    words = words[1:]
os.execvp(words[0], words)
"""]
# What the command read from its 3, and whether LISTEN_PID (if any) names it, as
# sd_listen_fds(3) asks.
READS_3 = PYTHON + ["-c", "import os, socket; print(socket.socket(fileno=3).recv(4), "
                          "os.environ.get('LISTEN_PID', str(os.getpid())) == str(os.getpid()))"]


@inits("preserve-fds", "preserve-fds")
def test_an_inherited_descriptor_is_handed_on(init):
    done = run(init, READS_3, "preserve-fds", prefix=WITH_A_SOCKET)
    assert (done.returncode, done.stdout) == (0, b"b'ping' True\n")


@inits("socket-activation")
def test_socket_activation_hands_the_socket_on_with_listen_pid_the_commands(init):
    done = run(init, READS_3, prefix=WITH_A_SOCKET + ["--listen"])
    assert (done.returncode, done.stdout) == (0, b"b'ping' True\n")
