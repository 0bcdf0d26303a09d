"""python -m pyglibc run: the supervisor as a command, run in a child interpreter.

The child imports the glibc and pyglibc under test (supervise_kit.child_env)
and runs in a directory of its own, so that the source tree is not imported
by accident when the installed package is tested.  Signals are sent once the
command has said it is ready, never after a fixed sleep.
"""

import fcntl
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import time

import kernelkit
import pytest
import timeouts

import glibc
from children import in_child
from pyglibc import _cli, _supervisor
from pyglibc._supervisor import Reaped, Supervision, Usage
from supervise_kit import (
    LAUNCH,
    PYTHON_COMM,
    child_env,
    gone,
    term_ignored,
    waiting_for_signals,
)

RUN = [sys.executable, "-m", "pyglibc", "run"]
PROG = b"python -m pyglibc run: "
TIMEOUT = 30
root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (CAP_SYS_ADMIN)")


def json_lines(text):
    """A --json report, one object a line: (the process records, the result)."""
    objects = [json.loads(line) for line in text.splitlines()]
    assert all(list(item) == ["process"] for item in objects[:-1])
    assert list(objects[-1]) == ["result"]
    return [item["process"] for item in objects[:-1]], objects[-1]["result"]


def json_report(path):
    with open(str(path)) as f:
        return json_lines(f.read())


@pytest.fixture
def cli(tmp_path):
    """``cli(*args)``: run the supervisor to the end; a CompletedProcess with bytes."""

    def run(*args, **options):
        return subprocess.run(RUN + list(args), cwd=str(tmp_path), env=child_env(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT,
                              **options)

    return run


@pytest.fixture
def cli_under(tmp_path):
    """``cli_under(prefix, *args)``: the same, started by the command prefix execs at its end."""

    def run(prefix, *args):
        return subprocess.run(list(prefix) + RUN + list(args), cwd=str(tmp_path),
                              env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=TIMEOUT)

    return run


@pytest.fixture
def main(tmp_path, monkeypatch, capfd, watchdog):
    """``main(*args)``: (exit status, stdout, stderr) of the command run in this process.

    The quick way to test what does not need a new interpreter: the options,
    the messages, the files written.  It runs in tmp_path.
    """
    monkeypatch.chdir(tmp_path)

    def run(*args):
        try:
            status = _cli.main(["run"] + list(args))
        except SystemExit as exc:  # argparse's usage errors
            status = exc.code
        out, err = capfd.readouterr()
        return status, out.encode(), err.encode()

    return run


@pytest.fixture
def started(tmp_path):
    """``started(*args)``: the supervisor as a Popen with pipes, killed and reaped at the end."""
    running = []

    def start(*args, job=False):
        # job: in a process group of its own, as a shell starts a job.
        process = subprocess.Popen(RUN + list(args), cwd=str(tmp_path), env=child_env(),
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   preexec_fn=os.setpgrp if job else None)
        running.append(process)
        return process

    before = timeouts.descendants()
    yield start
    # The supervisors and what they ran, while they still run it: a command orphaned by
    # its supervisor's end would be out of reach, and hold the supervisor's pipes open.
    timeouts.end_new(before)
    for process in running:
        try:
            process.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:  # a command that had left before
            process.stdout.close()
            process.stderr.close()
            process.wait()


# -- help and usage --------------------------------------------------------------------------


def test_help_documents_every_option_and_every_json_key(cli):
    done = cli("--help")
    assert done.returncode == 0 and done.stderr == b""
    text = done.stdout.decode()
    assert text.startswith("usage: python -m pyglibc run [OPTIONS] -- CMD [ARG ...]\n")
    _, parser = _cli._parsers()
    options = [action for action in parser._actions if action.option_strings]
    assert len(options) == 27
    for action in options:
        assert action.help
        for option in action.option_strings:
            assert re.search(r"^  .*%s\b" % re.escape(option), text, re.M), option
    keys = set(Supervision("x").as_dict()) - {"processes"} | set(Reaped._fields) | set(
        Usage._fields)
    for key in keys | {"process", "result"}:
        assert re.search(r"\b%s\b" % key, text.split("--json FILE gets")[1]), key
    for word in ("124", "125", "126", "127", "128+N", "PYGLIBC_RUN_GROUP",
                 "PYGLIBC_RUN_VERBOSITY", "LISTEN_PID", "LISTEN_FDS"):
        assert word in text


def test_python_m_pyglibc_names_its_tools(tmp_path, capsys):
    done = subprocess.run([sys.executable, "-m", "pyglibc", "--help"], cwd=str(tmp_path),
                          env=child_env(), stdout=subprocess.PIPE, timeout=TIMEOUT)
    assert done.returncode == 0
    assert re.search(rb"^    run +run a command and leave no process behind$", done.stdout, re.M)
    with pytest.raises(SystemExit) as info:
        _cli.main([])
    assert info.value.code == 2 and "required: TOOL" in capsys.readouterr().err


def test_a_usage_error_exits_2_with_one_message_and_no_traceback(cli):
    done = cli("--timeout", "0", "--", "true")
    assert (done.returncode, done.stdout) == (2, b"")
    assert done.stderr.splitlines()[-1] == (b"python -m pyglibc run: error: "
                                            b"argument --timeout: 0 must be more than 0")


@pytest.mark.parametrize("args, message", [
    ([], "no command given: put it after --"),
    (["--timeout", "soon", "true"], "argument --timeout: not a number of seconds: 'soon'"),
    (["--linger", "-1", "true"], "argument --linger: -1 must be 0 or more"),
    (["--linger=-inf", "true"], "argument --linger: -inf must be 0 or more"),
    (["--kill-after", "nan", "true"], "argument --kill-after: not a number of seconds: 'nan'"),
    (["--timeout", "NaN", "true"], "argument --timeout: not a number of seconds: 'NaN'"),
    (["--no-such-option", "true"], "unrecognized arguments: --no-such-option"),
    (["--time", "1", "true"], "unrecognized arguments: --time"),  # no abbreviations
    (["--rewrite", "TERM", "true"], "argument --rewrite: 'TERM' is not SIGNAL:SIGNAL"),
    (["--rewrite", "KILL:TERM", "true"], "argument --rewrite: KILL cannot be rewritten"),
    (["--rewrite", "TERM:NOPE", "true"], "argument --rewrite: not a signal: 'NOPE'"),
    (["--pdeathsig", "99", "true"], "argument --pdeathsig: 99 is not a signal number"),
    (["--pdeathsig", "0", "true"], "argument --pdeathsig: 0 is not a signal number"),
    (["--zero-status", "256", "true"], "argument --zero-status: '256' is not an exit status"),
    (["--preserve-fds", "-1", "true"],
     "argument --preserve-fds: '-1' is not a number of descriptors (0 or more)"),
    (["--preserve-fds", "two", "true"],
     "argument --preserve-fds: 'two' is not a number of descriptors (0 or more)"),
])
def test_usage_errors_run_nothing(main, args, message):
    status, out, err = main(*args)
    assert (status, out) == (2, b"")
    assert message.encode() in err


def test_a_bad_verbosity_in_the_environment_is_a_usage_error(main, monkeypatch):
    monkeypatch.setenv("PYGLIBC_RUN_VERBOSITY", "loud")
    status, out, err = main("--", "true")
    assert (status, out) == (2, b"")
    assert b"PYGLIBC_RUN_VERBOSITY=loud: not a verbosity (0, 1, 2, 3)" in err


@pytest.mark.parametrize("text, number", [
    ("TERM", signal.SIGTERM), ("sigterm", signal.SIGTERM), ("SIGUSR1", signal.SIGUSR1),
    ("15", 15), ("RTMIN+2", signal.SIGRTMIN + 2), ("rtmax-1", signal.SIGRTMAX - 1),
    ("RTMIN", signal.SIGRTMIN),
])
def test_signals_are_named_as_kill_names_them(text, number):
    assert _cli.signal_number(text) == number


def test_the_double_dash_is_needed_only_before_a_dash(main):
    assert main("--timeout", "5", "sh", "-c", "exit 3")[0] == 3
    assert main("--", "-x") == (127, b"", PROG + b"-x: command not found\n")


# -- exit status -----------------------------------------------------------------------------


@pytest.mark.parametrize("script, status", [("exit 7", 7), ("kill -TERM $$", 128 + 15)])
def test_the_exit_status_is_the_commands(cli, script, status):
    assert cli("--", "sh", "-c", script).returncode == status


@pytest.mark.parametrize("command, shown", [("no-such-command-here", b"no-such-command-here"),
                                            ("", b"''")], ids=["missing", "empty"])
def test_a_command_not_found_is_127_and_one_line(cli, command, shown):
    done = cli("--", command, "--flag")
    assert (done.returncode, done.stdout) == (127, b"")
    assert done.stderr == PROG + shown + b": command not found\n"


def test_a_command_that_cannot_be_executed_is_126_and_one_line(main, tmp_path):
    script = tmp_path / "script"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o600)
    assert main("--", str(script)) == (126, b"", PROG + str(script).encode()
                                       + b": permission denied\n")


# Under qemu-user each process has a thread of the emulator's: CMD is started with
# posix_spawn, whose child runs in a copy of the parent's memory, so its exec error is lost.
spawn_errors = kernelkit.not_emulated("runs a thread in each process: CMD is started with "
                                      "posix_spawn, whose exec errors it loses")


@spawn_errors
def test_a_script_without_a_shebang_runs_with_sh(main, tmp_path):
    # As execvp(3) does with a file the kernel cannot execute (ENOEXEC).
    script = tmp_path / "script"
    script.write_text('echo "$0 ran with $# arguments"\n')
    script.chmod(0o700)
    assert main("--", str(script), "a") == (0, str(script).encode() + b" ran with 1 arguments\n",
                                            b"")


# Starts two children, then execs argv[1:]: exec keeps a process's children, so the
# supervisor starts with children it did not make, as after "cmd & exec python -m ..." in
# an entrypoint script.  One has ended by then or soon after; cat runs until its stdin,
# the test's pipe, is closed.
EXEC_WITH_CHILDREN = [sys.executable, "-I", "-S", "-c", r"""
import os, subprocess, sys
ended = subprocess.Popen(["sh", "-c", "exit 5"])  # kept: a Popen dropped may be reaped
running = subprocess.Popen(["cat"], stdout=subprocess.DEVNULL)
os.execvp(sys.argv[1], sys.argv[1:])
"""]


def run_with_children(tmp_path, prefix, *args):
    """(exit status, the --json result with its process records as "processes", or None,
    stderr) of the supervisor under EXEC_WITH_CHILDREN, itself under the command prefix."""
    process = subprocess.Popen(list(prefix) + EXEC_WITH_CHILDREN + RUN + ["--json", "-"]
                               + list(args), cwd=str(tmp_path), env=child_env(),
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    with process:
        try:
            status = process.wait(timeout=TIMEOUT)
        finally:
            process.stdin.close()  # the cat ends, if it was left running
            if process.poll() is None:
                process.kill()
        out, err = process.stdout.read(), process.stderr.read()
    if not out:
        return status, None, err
    processes, result = json_lines(out.decode())
    return status, dict(result, processes=processes), err


def early_children(result):
    """{name: (exitcode, signal, signalled)} of the orphans, checked for pids not the command's."""
    orphans = [p for p in result["processes"] if not p["command"]]
    assert result["pid"] not in [p["pid"] for p in orphans]
    return {p["name"]: (p["exitcode"], p["signal"], p["signalled"]) for p in orphans}


def test_children_it_had_when_it_started_are_orphans_not_the_command(tmp_path):
    status, result, err = run_with_children(tmp_path, (), "--warn-orphans", "--",
                                            "sh", "-c", "exit 3")
    assert status == 3, err
    assert [(p["pid"], p["exitcode"]) for p in result["processes"] if p["command"]] == [
        (result["pid"], 3)]
    assert early_children(result) == {"sh": (5, None, None),
                                      "cat": (None, "SIGTERM", "SIGTERM")}
    assert err.count(PROG + b"reaped orphan") == 2, err


def test_a_supervisor_that_cannot_supervise_is_125(tmp_path):
    # A namespace made for CMD would not hold the children it had already.
    status, result, err = run_with_children(tmp_path, (), "--pidns", "--", "true")
    assert (status, result) == (125, None)
    assert err.startswith(PROG + b"supervise: this process has children already")
    assert b"PID namespace" in err and err.count(b"\n") == 1


# -- timeout, linger -------------------------------------------------------------------------


def test_a_timeout_gives_124_and_the_summary_says_so(main):
    status, _, err = main("--timeout", "0.1", "--summary", "--", "sleep", "10")
    assert status == 124
    lines = err.decode().splitlines()
    assert re.match(r"sleep 10: timed out, SIGTERM after 0\.1\d\d s; exit status 124$", lines[0])
    assert lines[2].split()[1:3] == ["sleep", "command"]
    assert lines[2].endswith("SIGTERM (sent SIGTERM)")


@pytest.mark.parametrize("seconds", ["inf", "1e308", "1e999"])
def test_durations_beyond_any_timer_mean_no_limit(main, seconds):
    """--timeout: none; --kill-after: no SIGKILL after the SIGTERM; --linger: SIGTERM and
    no SIGKILL."""
    status, _, err = main("--timeout", seconds, "--linger", seconds, "--summary", "--",
                          "sh", "-c", "sleep 30 & sleep 0.3; exit 3")
    assert status == 3
    orphan = err.decode().splitlines()[-2].split()
    assert orphan[2] == "orphan" and orphan[-3:] == ["SIGTERM", "(sent", "SIGTERM)"]
    with term_ignored():
        status, _, err = main("--timeout", "0.1", "--kill-after", seconds, "--summary", "--",
                              "sleep", "1")
    assert status == 124
    assert err.decode().splitlines()[2].endswith(" exit 0 (sent SIGTERM)")


def test_the_summary_shows_the_daemon_reaped(main):
    status, out, err = main("--summary", "--", *LAUNCH, "sleep", "0")
    assert status == 0
    daemon = int(out.split()[1])
    rows = [line.split() for line in err.decode().splitlines()[2:-1]]
    assert [row[:3] for row in rows] == [[rows[0][0], PYTHON_COMM, "command"],
                                         [str(daemon), "sleep", "orphan"]]
    assert gone(daemon)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP,
                                    signal.SIGQUIT], ids=lambda signum: signum.name)
def test_a_signal_to_stop_during_the_linger_kills_what_is_left_at_once(started, signum):
    """SIGTERM, ^C, ^\\ or a hang-up once the command has ended: whoever sends it wants the
    supervisor gone, so what is left gets SIGKILL now, not at the end of the linger."""
    supervisor = started("--linger", "30", "--", *LAUNCH, "report", "3")
    daemon = int(supervisor.stdout.readline().split()[1])
    assert supervisor.stdout.readline() == b"term\n"  # the command has ended: linger is on
    supervisor.send_signal(signum)
    assert supervisor.wait(timeout=10) == 3
    assert gone(daemon)


# -- signals -----------------------------------------------------------------------------------

def test_every_managed_signal_is_forwarded_and_listed_in_the_json(started, tmp_path):
    names = [signum.name[3:] for signum in _supervisor.FORWARDED if signum != signal.SIGTERM]
    script = "".join("trap 'echo %s' %s; " % (name, name) for name in names) + (
        "trap 'echo TERM; exit 3' TERM; echo ready; while :; do sleep 10 & wait; done")
    # --linger: a sleep that sh has forked but not yet exec'd runs sh's trap on SIGTERM,
    # which does not end it; it then needs the SIGKILL.
    supervisor = started("--json", "result.json", "--linger", "0.2", "--", "sh", "-c", script)
    assert supervisor.stdout.readline() == b"ready\n"
    for name in names + ["TERM"]:
        supervisor.send_signal(getattr(signal, "SIG" + name))
        assert supervisor.stdout.readline() == name.encode() + b"\n"
    assert supervisor.wait(timeout=TIMEOUT) == 3
    _, result = json_report(tmp_path / "result.json")
    assert [item["signal"] for item in result["forwarded"]] == ["SIG" + n for n in names + ["TERM"]]


# A command that exits with status 7 on the signal numbered argv[1], once it has said
# "ready"; without it, with 0 after a while (it may be an orphan that nobody ends).
EXIT_7_ON = r"""
import os, signal, sys, time
signal.signal(int(sys.argv[1]), lambda *args: os._exit(7))
os.write(1, b"ready\n")
time.sleep(%d)
""" % TIMEOUT


@pytest.mark.parametrize("options", [[], pytest.param(["--pidns"], marks=root)],
                         ids=["", "pidns"])
@pytest.mark.parametrize("signum", [signal.SIGALRM, signal.SIGPWR, signal.SIGVTALRM,
                                    signal.SIGPROF, signal.SIGXCPU, signal.SIGRTMIN + 1],
                         ids=lambda signum: _supervisor.signals._signal_name(signum))
def test_a_signal_that_would_end_the_supervisor_is_forwarded(started, options, signum):
    # Not one of the seven, yet its default action would end the supervisor and leave
    # the command running unreaped (with --pidns: killed without a chance to clean up).
    supervisor = started(*options + ["--", sys.executable, "-c", EXIT_7_ON, str(int(signum))])
    assert supervisor.stdout.readline() == b"ready\n"
    supervisor.send_signal(signum)
    assert supervisor.wait(timeout=TIMEOUT) == 7


def test_a_job_control_stop_stops_the_supervisor_as_a_shells_job_expects(started, watchdog):
    # A shell's ^Z stops its foreground job once every process of it has stopped:
    # SIGTSTP, SIGTTIN and SIGTTOU are the only catchable signals left unblocked.
    # The supervisor leads a process group of its own, as a shell's job does: the
    # kernel discards a SIGTSTP sent to an orphaned group, which the test's may be.
    supervisor = started("-v", "--", "sh", "-c", "trap 'exit 3' TERM; echo ready; "
                                                 "while :; do sleep 1 & wait; done", job=True)
    assert supervisor.stdout.readline() == b"ready\n"
    # Said once the start is over: while it starts the command, posix_spawn blocks every signal.
    assert b": started sh -c" in supervisor.stderr.readline()
    with open("/proc/%d/status" % supervisor.pid) as f:
        blocked = int(dict(line.split(":", 1) for line in f)["SigBlk"], 16)
    stops = (signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU)
    assert blocked == sum(1 << (signum - 1) for signum in _supervisor.catchable_signals()
                          if signum not in stops)
    supervisor.send_signal(signal.SIGTSTP)
    assert os.WIFSTOPPED(os.waitpid(supervisor.pid, os.WUNTRACED)[1])
    supervisor.send_signal(signal.SIGCONT)
    supervisor.send_signal(signal.SIGTERM)
    assert supervisor.wait(timeout=TIMEOUT) == 3


def test_with_group_the_whole_group_gets_the_signal(started):
    supervisor = started("--group", "--", "sh", "-c",
                         "sleep 10 & trap '' USR1; echo ready; wait $!")
    assert supervisor.stdout.readline() == b"ready\n"
    supervisor.send_signal(signal.SIGUSR1)
    assert supervisor.wait(timeout=TIMEOUT) == 128 + signal.SIGUSR1  # sh's exit, from wait


INTERRUPTED = r"""
import os, signal
seen = []
def interrupted(*args):
    seen.append(1)
    os.write(1, b"INT\n")
def report(*args):
    os.write(1, b"SIGINT x%d\n" % len(seen))
    os._exit(0)
signal.signal(signal.SIGINT, interrupted)
signal.signal(signal.SIGUSR1, report)
""" + waiting_for_signals(r'b"ready\n"')


def read_until(fd, wanted, within=TIMEOUT):
    """Bytes read from the terminal's master side until wanted has come."""
    seen = b""
    deadline = time.monotonic() + within
    while wanted not in seen:
        left = deadline - time.monotonic()
        assert left > 0 and select.select([fd], [], [], left)[0], seen
        seen += os.read(fd, 1024)
    return seen


@pytest.mark.skipif(not shutil.which("setsid"), reason="no setsid(1) to give a terminal")
def test_a_terminals_ctrl_c_reaches_the_command_once(tmp_path):
    # ^C on a terminal goes to its whole foreground process group, which holds
    # the command too: the supervisor must not send it a second one.
    master, slave = os.openpty()
    try:
        supervisor = subprocess.Popen(["setsid", "--ctty"] + RUN + ["--", sys.executable, "-c",
                                                                   INTERRUPTED],
                                      stdin=slave, stdout=slave, stderr=subprocess.PIPE,
                                      cwd=str(tmp_path), env=child_env())
        os.close(slave)
        slave = -1
        try:
            read_until(master, b"ready")
            os.write(master, b"\x03")
            read_until(master, b"INT")
            supervisor.send_signal(signal.SIGUSR1)
            assert b"SIGINT x1" in read_until(master, b"SIGINT x")
            assert supervisor.wait(timeout=TIMEOUT) == 0
        finally:
            if supervisor.poll() is None:
                supervisor.kill()
            supervisor.communicate()
    finally:
        os.close(master)
        if slave >= 0:
            os.close(slave)



CONTINUED_ON_THE_TERMINAL = r"""
import os, signal, sys
def continued(*args):
    front = os.tcgetpgrp(0) == os.getpgrp()
    os.write(1, b"continued in the %s\n" % (b"foreground" if front else b"background"))
signal.signal(signal.SIGCONT, continued)
os.write(1, b"ready\n")
os.write(1, b"read " + sys.stdin.buffer.readline())
sys.exit(5)
"""


def _stop_of(pid, within):
    """The signal that stopped child pid (reported by waitpid WUNTRACED), or None if it
    has not stopped within that many seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        waited, status = os.waitpid(pid, os.WUNTRACED | os.WNOHANG)
        if waited:
            return os.WSTOPSIG(status) if os.WIFSTOPPED(status) else None
        time.sleep(0.01)
    return None


def _shell_stops_and_continues_its_job(master, slave, argv):
    """In a forked child, play an interactive shell on the pseudo-terminal: lead a session with
    the slave as its controlling terminal, run argv as the foreground job (a process group of
    its own, given the terminal), type ^Z, then ``fg`` it and type a line.  (The signal the job
    stopped with, whether its group had the terminal back then, the job's output, its exit
    status.)  Every wait is bounded: the job is killed if it did not stop."""
    import fcntl
    import termios

    os.setsid()
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
    within = 10  # seconds for each step: the watchdog's 20 would leave this child waited for
    # A shell ignores SIGTTOU, to move the terminal from group to group as jobs come and go.
    signal.signal(signal.SIGTTOU, signal.SIG_IGN)

    def in_the_foreground():
        os.setpgrp()
        os.tcsetpgrp(slave, os.getpgrp())
        signal.signal(signal.SIGTTOU, signal.SIG_DFL)

    r, w = os.pipe()
    job = subprocess.Popen(argv, env=child_env(), stdin=slave, stdout=w, stderr=w,
                           preexec_fn=in_the_foreground)
    os.close(w)
    try:
        out = read_until(r, b"ready\n", within)
        os.write(master, b"\x1a")  # ^Z: SIGTSTP to the terminal's foreground group
        stop = _stop_of(job.pid, within)
        if stop is None:
            return None, None, out, None
        front = os.tcgetpgrp(slave) == job.pid
        os.tcsetpgrp(slave, job.pid)  # fg
        os.killpg(job.pid, signal.SIGCONT)
        out += read_until(r, b"continued", within)
        os.write(master, b"typed\n")
        out += read_until(r, b"read typed\n", within)
        return stop, front, out, job.wait(timeout=within)
    finally:
        if job.poll() is None:
            job.kill()
            job.wait()
        os.close(r)


def test_a_commands_stop_on_the_terminal_stops_the_supervisor_as_a_shells_job():
    """With --group in the foreground of a shell's terminal, ^Z stops the command's group:
    the supervisor takes the terminal back and stops with the same signal, so the shell sees
    its job stopped; continued in the foreground (fg), it gives the terminal to the command's
    group again before the command's group is continued."""
    master, slave = os.openpty()
    try:
        argv = RUN + ["--group", "--", sys.executable, "-c", CONTINUED_ON_THE_TERMINAL]
        assert in_child(_shell_stops_and_continues_its_job, master, slave, argv) == (
            signal.SIGTSTP, True,
            b"ready\ncontinued in the foreground\nread typed\n", 5)
    finally:
        os.close(master)
        os.close(slave)

# -- output ------------------------------------------------------------------------------------


def test_prefix_marks_each_line_with_its_stream(main):
    assert main("--prefix", "--", "sh", "-c", "echo a; echo b >&2; echo c; printf d >&2") == (
        0, b"[out] a\n[out] c\n", b"[err] b\n[err] d\n")


def test_out_prefix_and_err_prefix_choose_the_text(main):
    assert main("--out-prefix", "O: ", "--err-prefix", "", "--", "sh", "-c",
                "echo a; echo b >&2") == (0, b"O: a\n", b"b\n")


def test_a_line_of_several_mib_comes_out_whole_after_its_prefix(cli):
    """Through a pipe, so that what waits for the reader (1 MiB at most) is used too."""
    size = 5 << 20
    done = cli("--prefix", "--", "sh", "-c",
               "echo a; head -c %d /dev/zero | tr '\\0' b; echo; echo c" % size)
    assert (done.returncode, done.stdout) == (0, b"[out] a\n[out] " + b"b" * size
                                              + b"\n[out] c\n")


def test_a_prefix_that_is_not_utf8_is_written_as_given(cli):
    done = cli("--out-prefix", b"\xff> ", "--", "echo", "a")
    assert (done.returncode, done.stdout) == (0, b"\xff> a\n")


def test_with_stdout_closed_the_command_gets_it_closed_and_prefix_writes_nothing(cli_under):
    # The supervisor's own descriptors (its signalfd first) must not take fd 1.
    closed = ["sh", "-c", 'exec "$@" >&-', "sh"]
    done = cli_under(closed, "--", "sh", "-c", "[ -e /proc/self/fd/1 ] || echo closed >&2")
    assert (done.returncode, done.stderr) == (0, b"closed\n")
    done = cli_under(closed, "--prefix", "--", "sh", "-c", "echo out; echo err >&2")
    assert (done.returncode, done.stderr) == (0, b"[err] err\n")


LIST_FDS = ("import os; print(sorted(int(n) for n in os.listdir('/proc/self/fd') "
            "if os.path.exists('/proc/self/fd/' + n)))")


def test_the_command_gets_only_descriptors_0_1_2(cli, fds):
    # An fd the supervisor inherits, and its own (--json is open while CMD runs).
    r, w = fds.pipe()
    done = cli("--prefix", "--json", "out.json", "--", sys.executable, "-c", LIST_FDS,
               pass_fds=(w,))
    assert done.stdout == b"[out] [0, 1, 2]\n"


# Starts the supervisor (the rest of argv) with the descriptors given as its 3, 4, ...
# and nothing else above 2, as a service manager hands them on; with "--listen", it
# also names itself in LISTEN_PID (its pid is the supervisor's: exec keeps it).
WITH_FDS = [sys.executable, "-I", "-S", "-c", """
import fcntl, os, sys
listen = sys.argv[1] == "--listen"
words = sys.argv[2:] if listen else sys.argv[1:]
given = [int(fd) for fd in words[0].split(",")]
high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 100) for fd in given]
for fd in given:
    os.close(fd)
for target, fd in enumerate(high, 3):
    os.dup2(fd, target)
    os.close(fd)
if listen:
    os.environ["LISTEN_PID"] = str(os.getpid())
os.execv(words[1], words[1:])
"""]


def under_fds(given, *args, listen=False, env=()):
    """Run the supervisor with args, given (descriptors of ours) as its 3, 4, ... ."""
    prefix = WITH_FDS + (["--listen"] if listen else []) + [",".join(map(str, given))]
    return subprocess.run(prefix + RUN + list(args), env=dict(child_env(), **dict(env)),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT,
                          pass_fds=given)


# CMD answers through its 3 (a socket) what it read there, in capitals, and says
# through its 4 (a pipe) that it was there.
THROUGH_3_AND_4 = ("import os, socket; s = socket.socket(fileno=3); "
                   "s.sendall(s.recv(5).upper()); os.write(4, b'here')")


def test_preserve_fds_hands_on_3_and_4_unchanged(fds):
    """--preserve-fds 2: CMD reads and writes through the supervisor's 3 and 4, which
    none of the supervisor's own descriptors (its signalfd, epoll, pipes, --json) took."""
    ours, theirs = socket.socketpair()
    with ours, theirs:
        r, w = fds.pipe()
        ours.sendall(b"hello")
        done = under_fds([theirs.fileno(), w], "--preserve-fds", "2", "--prefix",
                         "--json", os.devnull, "--", sys.executable, "-c",
                         THROUGH_3_AND_4 + "; " + LIST_FDS.replace("import os; ", ""))
        assert (done.returncode, done.stdout, done.stderr) == (0, b"[out] [0, 1, 2, 3, 4]\n", b"")
        assert ours.recv(5) == b"HELLO"
        assert os.read(r, 4) == b"here"


def test_without_preserve_fds_the_command_gets_none_of_them(fds):
    r, w = fds.pipe()
    done = under_fds([r, w], "--", sys.executable, "-c", LIST_FDS)
    assert (done.returncode, done.stdout, done.stderr) == (0, b"[0, 1, 2]\n", b"")


def test_preserve_fds_beyond_those_open_is_a_usage_error(fds):
    r, w = fds.pipe()
    done = under_fds([r, w], "--preserve-fds", "3", "--", "true")
    assert (done.returncode, done.stdout) == (2, b"")
    assert done.stderr.splitlines()[-1] == (b"python -m pyglibc run: error: "
                                            b"argument --preserve-fds: 3: descriptor 5 is not open")


# What a socket-activated CMD sees, as sd_listen_fds(3) reads it, then a line sent
# to the first connection on its 3.
ACTIVATED = ("import os, socket; "
             "print(os.environ['LISTEN_PID'] == str(os.getpid()), os.environ['LISTEN_FDS'], "
             "os.environ.get('LISTEN_FDNAMES')); "
             "print(sorted(int(n) for n in os.listdir('/proc/self/fd') "
             "if os.path.exists('/proc/self/fd/' + n))); "
             "socket.socket(fileno=3).accept()[0].sendall(b'accepted')")


def test_socket_activation_hands_the_sockets_on_with_listen_pid_the_commands():
    """LISTEN_PID naming the supervisor: its LISTEN_FDS descriptors go to CMD, whose
    LISTEN_PID names CMD, so that CMD's own sd_listen_fds(3) takes them."""
    with socket.socket(socket.AF_UNIX) as listener, socket.socket(socket.AF_UNIX) as client:
        # An abstract address the kernel picks (unix(7), autobind): a path under the
        # test's temporary directory can be longer than sun_path holds.
        listener.bind("")
        listener.listen()
        client.connect(listener.getsockname())  # waits in the backlog for CMD's accept
        done = under_fds([listener.fileno()], "--", sys.executable, "-c", ACTIVATED,
                         listen=True, env={"LISTEN_FDS": "1", "LISTEN_FDNAMES": "web"})
        assert (done.returncode, done.stderr) == (0, b"")
        assert done.stdout == b"True 1 web\n[0, 1, 2, 3]\n"
        assert client.recv(8) == b"accepted"


def test_listen_pid_of_another_process_is_left_alone(fds):
    r, w = fds.pipe()
    done = under_fds([r], "--", sys.executable, "-c",
                     "import os; print(os.environ['LISTEN_PID'], os.environ['LISTEN_FDS']); "
                     + LIST_FDS.replace("import os; ", ""),
                     env={"LISTEN_PID": "1", "LISTEN_FDS": "1"})
    assert (done.returncode, done.stdout, done.stderr) == (0, b"1 1\n[0, 1, 2]\n", b"")


@pytest.mark.parametrize("count, message", [
    ("two", b"LISTEN_FDS=two: not a number of descriptors"),
    ("", b"LISTEN_FDS=: not a number of descriptors"),
    ("-1", b"LISTEN_FDS=-1: not a number of descriptors"),
    ("2", b"LISTEN_FDS=2: descriptor 4 is not open"),
])
def test_bad_socket_activation_variables_are_125_and_one_line(fds, count, message):
    r, w = fds.pipe()
    done = under_fds([r], "--", "true", listen=True, env={"LISTEN_FDS": count})
    assert (done.returncode, done.stdout) == (125, b"")
    assert done.stderr == PROG + b"supervise: " + message + b" (LISTEN_PID is this process)\n"


# The supervisor starts with a descriptor at or above its RLIMIT_NOFILE, as one
# left open by a parent whose limit was higher: at 32, posix_spawn's file
# actions refuse to close it; at 5, /proc/self/fd cannot even be opened to list it.
# "hard" lowers the hard limit too, as the shell's ulimit -n does: at 5 that
# leaves the supervisor (a signalfd and an epoll) no room for a pipe.
ABOVE_LIMIT = [sys.executable, "-I", "-S", "-c", """
import os, resource, sys
os.dup2(os.open(os.devnull, os.O_RDONLY), 40)
limit = int(sys.argv[1])
hard = limit if sys.argv[2] == "hard" else resource.getrlimit(resource.RLIMIT_NOFILE)[1]
resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))
os.execv(sys.argv[3], sys.argv[3:])
"""]


@pytest.mark.parametrize("limit, which", [(32, "soft"), (5, "soft"), (32, "hard"), (5, "hard")])
def test_a_descriptor_above_the_limit_is_not_passed_on(cli_under, limit, which):
    done = cli_under(ABOVE_LIMIT + [str(limit), which], "--", sys.executable, "-I", "-S", "-c",
                     LIST_FDS)
    assert (done.returncode, done.stdout, done.stderr) == (0, b"[0, 1, 2]\n", b"")


def test_with_no_room_for_a_pipe_an_exec_error_is_said_as_ever(cli_under, tmp_path):
    """At a hard limit of 5 the child tells a failed exec through shared memory, not a pipe:
    the same status and message, once it has ended."""
    script = tmp_path / "script"
    script.write_text("#!/no/such/interpreter\n")
    script.chmod(0o755)
    done = cli_under(ABOVE_LIMIT + ["5", "hard"], "--", str(script))
    assert (done.returncode, done.stdout) == (127, b"")
    assert done.stderr == PROG + b"%s: no such file or directory (a missing #! interpreter?)\n" % (
        bytes(script))


# dash moves the script it reads to descriptor 10: the limit is 12, and the supervisor
# inherits 3 to 8 open, which leaves it 9 and 10 (its signalfd and epoll), no pipe.
FILLED_TO_THE_LIMIT = [sys.executable, "-I", "-S", "-c", """
import os, resource, sys
for fd in range(3, 9):
    os.dup2(0, fd)
resource.setrlimit(resource.RLIMIT_NOFILE, (12, 12))
os.execv(sys.argv[1], sys.argv[1:])
"""]


@spawn_errors
def test_with_no_room_for_a_pipe_a_script_without_hashbang_is_run_by_sh(cli_under, tmp_path):
    script = tmp_path / "script"
    script.write_text("echo ran by sh $#\n")
    script.chmod(0o755)
    done = cli_under(FILLED_TO_THE_LIMIT, "--", str(script), "one", "two")
    assert (done.returncode, done.stdout, done.stderr) == (0, b"ran by sh 2\n", b"")


def test_prefixed_output_that_cannot_be_written_closes_that_pipe_alone(tmp_path):
    """A full disk on stdout: the command's stdout pipe is closed (it sees a broken pipe,
    as it would see its own write fail), its stderr still comes through, its status stands."""
    with open("/dev/full", "wb") as full:
        done = subprocess.run(RUN + ["--prefix", "--", "sh", "-c",
                                     "echo out; echo err >&2; exit 3"],
                              cwd=str(tmp_path), env=child_env(), stdout=full,
                              stderr=subprocess.PIPE, timeout=TIMEOUT)
    assert (done.returncode, done.stderr) == (3, b"[err] err\n")


# -- --rlimit and what the tree cost -----------------------------------------------------------


def test_rlimit_sets_the_commands_limits_alone(main):
    status, out, _ = main("--rlimit", "NOFILE=64:128", "--rlimit", "rlimit_core=unlimited",
                          "--rlimit", "cpu=100", "--", "sh", "-c",
                          "ulimit -Sn; ulimit -Hn; ulimit -c; ulimit -St; ulimit -Ht")
    assert (status, out.split()) == (0, [b"64", b"128", b"unlimited", b"100", b"100"])


@pytest.mark.parametrize("word, message", [
    ("CPUS=1", "'CPUS=1' is not NAME=SOFT[:HARD] with NAME one of AS, CORE, CPU, "),
    ("CPU", "'CPU' is not NAME=SOFT[:HARD] with NAME one of "),
    ("CPU=2:1", "'CPU=2:1': the soft limit is above the hard limit"),
    ("CPU=unlimited:1", "'CPU=unlimited:1': the soft limit is above the hard limit"),
    ("CPU=1:2:3", "'CPU=1:2:3' is not NAME=SOFT[:HARD]"),
    ("CPU=-1", "'CPU=-1': '-1' is not a limit (a number or unlimited)"),
    ("CPU=", "'CPU=': '' is not a limit (a number or unlimited)"),
])
def test_an_rlimit_that_is_not_one_is_a_usage_error(main, word, message):
    status, _, err = main("--rlimit", word, "--", "true")
    assert status == 2
    assert err.decode().splitlines()[-1].startswith(
        "python -m pyglibc run: error: argument --rlimit: " + message)


def test_a_limit_that_cannot_be_given_is_125_and_said(main):
    with open("/proc/sys/fs/nr_open") as f:
        too_many = int(f.read()) + 1
    status, _, err = main("--rlimit", "NOFILE=%d" % too_many, "--", "true")
    assert status == 125
    assert err.decode().startswith(PROG.decode() + "%s: cannot set RLIMIT_NOFILE to %d:%d: "
                                   "operation not permitted" % (shutil.which("true"), too_many,
                                                                too_many))


def test_with_no_room_for_a_pipe_a_limit_refused_is_said_as_ever(cli_under):
    """The shared page that stands for the report pipe tells which step failed too."""
    with open("/proc/sys/fs/nr_open") as f:
        too_many = int(f.read()) + 1
    done = cli_under(ABOVE_LIMIT + ["5", "hard"], "--rlimit", "NOFILE=%d" % too_many, "--",
                     "true")
    assert (done.returncode, done.stdout) == (125, b"")
    assert done.stderr.startswith(PROG + b"%s: cannot set RLIMIT_NOFILE to %d:%d: " % (
        os.fsencode(shutil.which("true")), too_many, too_many))


def test_the_summary_and_the_json_say_what_each_process_and_the_tree_cost(main, tmp_path):
    status, _, err = main("--summary", "--json", "cost.json", "--rlimit", "CPU=1:30", "--",
                          "sh", "-c", "(: &); exec %s -c 'while True: pass'" % sys.executable)
    assert status == 128 + signal.SIGXCPU
    lines = err.decode().splitlines()
    assert lines[1].split()[5:7] == ["CPU", "MAXRSS"]
    command = lines[-2].split()
    assert command[2] == "command" and command[-2:] == ["SIGXCPU", "(RLIMIT_CPU)"]
    assert 0.3 <= float(command[5].rstrip("s")) < 1.5 and command[6].endswith("M")
    processes, result = json_report(tmp_path / "cost.json")
    assert [p["limit"] for p in processes] == [None, "RLIMIT_CPU"]
    assert all(sorted(p["usage"]) == sorted(Usage._fields) for p in processes)
    total = Usage(**processes[0]["usage"]).joined(Usage(**processes[1]["usage"]))
    assert result["usage"] == total.as_dict()
    assert lines[-1] == ("2 processes in all: CPU %.2fs (user %.2fs, system %.2fs), largest "
                         "MAXRSS %.1fM, %d major faults" % (
                             total.cpu, total.user, total.system, total.max_rss / 1024,
                             total.major_faults))


def test_kill_orphans_ends_a_stray_while_cmd_runs_and_the_json_says_so(main, tmp_path):
    status, _, err = main("--kill-orphans", "-v", "--json", "strays.json", "--", "sh", "-c",
                          "(sleep 30 &); sleep 3")
    assert status == 0
    (stray, command), _ = json_report(tmp_path / "strays.json")
    assert (stray["role"], stray["signal"], command["role"]) == ("stray", "SIGTERM", "command")
    assert "sent SIGTERM to pid %d, left while the command runs" % stray["pid"] in err.decode()


def _cgroup_v2():
    from test_pyglibc_accounting import CGROUP, NO_CGROUP

    if CGROUP is None:
        pytest.skip("no writable cgroup v2: %s" % NO_CGROUP)
    return CGROUP


def test_cgroup_reports_its_cpu_stat_in_the_summary_and_the_json(main, tmp_path):
    parent = _cgroup_v2()
    status, _, err = main("--cgroup", "--summary", "--json", "cg.json", "--", "sh", "-c",
                          "grep -c pyglibc-run- /proc/self/cgroup")
    assert status == 0
    _, result = json_report(tmp_path / "cg.json")
    cgroup = result["cgroup"]
    assert os.path.dirname(cgroup["path"]) == parent and cgroup["removed"] is True
    assert sorted(cgroup) == ["cpu", "entered_by", "memory_peak", "path", "pids_peak",
                              "removed"]
    assert "usage_usec" in cgroup["cpu"]
    assert err.decode().splitlines()[-1].startswith("cgroup %s: CPU " % cgroup["path"])


@pytest.mark.parametrize("option, word, message", [
    ("--memory-max", "1X", "'1X' is not a size (bytes, or with K, M, G, T)"),
    ("--memory-max", "-1", "'-1' is not a size"),
    ("--pids-max", "ten", "'ten' is not a number of processes (0 or more)"),
    ("--cpu-max", "0", "'0' is not a number of CPUs (more than 0)"),
    ("--cpu-max", "nan", "'nan' is not a number of CPUs"),
])
def test_a_cgroup_limit_that_is_not_one_is_a_usage_error(main, option, word, message):
    status, _, err = main(option, word, "--", "true")
    assert status == 2
    assert err.decode().splitlines()[-1].startswith(
        "python -m pyglibc run: error: argument %s: %s" % (option, message))


def test_memory_max_takes_sizes_as_memory_max_does():
    assert [_cli._size(word) for word in ("512", "4k", "512M", "2G", "1T")] == [
        512, 4096, 512 << 20, 2 << 30, 1 << 40]


# -- --json ------------------------------------------------------------------------------------


def test_json_records_the_command_and_the_daemon(main, tmp_path):
    status, out, _ = main("--json", "result.json", "--", *LAUNCH, "sleep", "4")
    assert status == 4
    daemon = int(out.split()[1])
    (command, orphan), result = json_report(tmp_path / "result.json")
    assert (result["exit_status"], result["returncode"], result["timed_out"]) == (4, 4, False)
    assert result["argv"] == LAUNCH + ["sleep", "4"] and result["error"] is None
    assert result["processes_reaped"] == 2
    assert (command["pid"], command["command"], command["exitcode"]) == (result["pid"], True, 4)
    assert (orphan["pid"], orphan["name"], orphan["command"]) == (daemon, "sleep", False)
    assert (orphan["signal"], orphan["signalled"], orphan["exitcode"]) == ("SIGTERM", "SIGTERM",
                                                                           None)


def test_json_of_a_command_not_found_has_the_error(main, tmp_path):
    assert main("--json", "result.json", "--", "no-such-command-here")[0] == 127
    processes, result = json_report(tmp_path / "result.json")
    assert (result["pid"], processes, result["returncode"]) == (None, [], None)
    assert result["error"] == "no-such-command-here: command not found"


def test_json_to_stdout(main):
    status, out, _ = main("--json", "-", "--", "sh", "-c", "exit 5")
    assert status == 5 and json_lines(out.decode())[1]["exit_status"] == 5


def test_a_json_report_is_a_line_per_process_as_it_is_reaped_then_the_result(main, tmp_path):
    """Each line is written as it happens: here CMD reads the report while it runs."""
    status, out, _ = main("--json", "result.json", "--", "sh", "-c",
                          "(sh -c 'exit 6' &); (sh -c 'exit 5' &); "
                          "i=0; while [ $(wc -l < result.json) -lt 2 ] && [ $i -lt 500 ]; "
                          "do sleep 0.01; i=$((i + 1)); done; "
                          "cat result.json; exit 2")
    assert status == 2
    seen = json_lines(out.decode() + '{"result": {}}\n')[0]
    assert sorted((p["command"], p["exitcode"]) for p in seen) == [(False, 5), (False, 6)]
    processes, result = json_report(tmp_path / "result.json")
    assert processes[:2] == seen and (processes[2]["command"], processes[2]["exitcode"]) == (
        True, 2)
    assert (result["exit_status"], result["processes_reaped"]) == (2, 3)


# Enough orphans that many end together and their SIGCHLDs coalesce into one.
MANY = 500


def test_each_of_many_short_lived_orphans_has_one_line_and_none_is_left(cli, tmp_path):
    """500 double-forked orphans that print their pid and exit: each has its line in the
    report, one only, and none is left a zombie once the supervisor has exited.  cat
    reads until the last orphan has closed its stdout: CMD ends after them all."""
    done = cli("--json", "report.json", "--", "sh", "-c",
               "for i in $(seq %d); do (sh -c 'echo $$' &); done | cat" % MANY)
    assert done.returncode == 0
    pids = [int(word) for word in done.stdout.split()]
    assert len(set(pids)) == MANY
    processes, result = json_report(tmp_path / "report.json")
    assert sorted(p["pid"] for p in processes if not p["command"]) == sorted(pids)
    assert result["processes_reaped"] == MANY + 1
    assert all(gone(pid) for pid in pids)


def test_many_orphans_that_ignore_sigterm_all_get_sigkill_after_the_linger(cli, tmp_path):
    """500 orphans that would sleep for a minute: none outlives the linger, and the
    supervisor is done well before the cli fixture gives up on it."""
    done = cli("--linger", "0.5", "--json", "report.json", "--", "sh", "-c",
               "trap '' TERM; for i in $(seq %d); do (sleep 60 &); done" % MANY)
    assert done.returncode == 0
    processes, result = json_report(tmp_path / "report.json")
    orphans = [p for p in processes if not p["command"]]
    assert len({p["pid"] for p in orphans}) == len(orphans) == MANY
    assert {(p["name"], p["signal"], p["signalled"]) for p in orphans} == {
        ("sleep", "SIGKILL", "SIGKILL")}
    assert all(gone(p["pid"]) for p in orphans)


def test_a_json_file_is_made_anew_for_each_run(main, tmp_path):
    (tmp_path / "result.json").write_text("an earlier run\n")
    assert main("--json", "result.json", "--", "true")[0] == 0
    assert len(json_report(tmp_path / "result.json")[0]) == 1


def test_a_sigkilled_supervisor_leaves_every_line_written_whole(tmp_path):
    """What the --json file holds when the supervisor is killed mid-run: a complete line
    for each process reaped so far, nothing cut."""
    report = tmp_path / "result.json"
    supervisor = subprocess.Popen(
        RUN + ["--json", "result.json", "--", "sh", "-c", ORPHANS % 20 + "; read line"],
        cwd=str(tmp_path), env=child_env(), stdin=subprocess.PIPE)
    try:
        deadline = time.monotonic() + TIMEOUT
        while (not report.exists() or report.read_text().count("\n") < 20) \
                and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        supervisor.kill()
        supervisor.stdin.close()  # CMD's read ends, and CMD with it
        supervisor.wait()
    text = report.read_text()
    assert text.endswith("\n")
    lines = [json.loads(line) for line in text.splitlines()]
    assert len(lines) >= 20 and all(list(line) == ["process"] for line in lines)
    assert [line["process"]["exitcode"] for line in lines] == [0] * len(lines)


def test_a_json_report_that_cannot_be_written_is_dropped_and_the_command_runs_on(main,
                                                                                tmp_path):
    """The first line fails while CMD runs (an orphan was reaped): CMD runs to its end and
    the exit status is its own, with one line on stderr, as for what the supervisor says."""
    assert main("--json", "/dev/full", "--", "sh", "-c",
                "(sh -c 'exit 5' &); sleep 0.2; touch ran; exit 3") == (
        3, b"", PROG + b"--json: cannot write /dev/full: No space left on device\n")
    assert (tmp_path / "ran").exists()


def test_a_json_report_to_a_stdout_nobody_reads_is_dropped_with_one_line(tmp_path):
    r, w = os.pipe()
    os.close(r)
    try:
        done = subprocess.run(RUN + ["--json", "-", "--", "true"], cwd=str(tmp_path),
                              env=child_env(), stdout=w, stderr=subprocess.PIPE, timeout=TIMEOUT)
    finally:
        os.close(w)
    assert (done.returncode, done.stderr) == (0, PROG + b"--json: cannot write -: Broken pipe\n")


def test_a_json_file_that_cannot_be_written_stops_before_the_command(main, tmp_path):
    status, _, err = main("--json", str(tmp_path / "no" / "such.json"), "--", "touch", "ran")
    assert status == 2
    assert b"--json: cannot write" in err
    assert not (tmp_path / "ran").exists()


# -- what it says ------------------------------------------------------------------------------

ORPHAN_EXITS = ["sh", "-c", "(sh -c 'exit 5' &) | cat; exit 2"]
# sh -c ORPHANS % n leaves n orphans, each a background ":" whose subshell has already ended.
ORPHANS = "i=0; while [ $i -lt %d ]; do (: &); i=$((i + 1)); done"


@pytest.fixture
def results(monkeypatch):
    """The Supervision of each run of ``main``, as supervise() returned it."""
    kept = []
    supervise = _supervisor.supervise

    def keeping(*args, **options):
        kept.append(supervise(*args, **options))
        return kept[-1]

    monkeypatch.setattr(_supervisor, "supervise", keeping)
    return kept


def test_without_json_or_summary_no_record_is_kept(main, results):
    """What a long-lived init keeps does not grow with the orphans it reaps."""
    assert main("--", "sh", "-c", ORPHANS % 2000 + "; exit 3") == (3, b"", b"")
    assert (results[0].processes, results[0].processes_reaped) == ([], 2001)


def test_with_json_alone_no_record_is_kept_either(main, results, tmp_path):
    assert main("--json", "result.json", "--", "sh", "-c", ORPHANS % 50)[0] == 0
    assert (results[0].processes, results[0].processes_reaped) == ([], 51)
    assert len(json_report(tmp_path / "result.json")[0]) == 51


def test_summary_lists_the_last_records_and_counts_every_process(main, results):
    status, _, err = main("--summary", "--", "sh", "-c", ORPHANS % (_supervisor.RECORDS + 10))
    lines = err.decode().splitlines()
    assert status == 0 and len(results[0].processes) == _supervisor.RECORDS
    assert lines[0].endswith("; %d processes reaped, the last %d listed"
                             % (_supervisor.RECORDS + 11, _supervisor.RECORDS))
    assert ": exit 0 after " in lines[0] and len(lines) == 2 + _supervisor.RECORDS + 1


def test_by_default_it_says_nothing_but_errors(main):
    assert main("--", *ORPHAN_EXITS) == (2, b"", b"")


def test_verbose_says_what_happens_and_very_verbose_every_reap(main):
    _, _, err = main("-v", "--", *ORPHAN_EXITS)
    lines = err.decode().splitlines()
    # The orphan closes its end of the pipe as it exits, before it is a zombie:
    # under load the supervisor may still find it alive then, and says so.
    assert len(lines) == 2 or (
        len(lines) == 3
        and re.match(r"python -m pyglibc run: sent SIGTERM to what is left: \d+$", lines[2]))
    assert re.match(r"python -m pyglibc run: started sh -c .* as pid \d+$", lines[0])
    assert re.match(r"python -m pyglibc run: pid \d+ ended: exit 2; exit status 2$", lines[1])
    _, _, err = main("-vv", "--", *ORPHAN_EXITS)
    assert re.search(rb"^python -m pyglibc run: reaped orphan \d+ \(sh\): exit 5$", err, re.M)


def test_warn_orphans_reports_each_orphan_reaped_and_quiet_silences_it(main):
    status, _, err = main("--warn-orphans", "--", *ORPHAN_EXITS)
    assert status == 2
    assert re.match(rb"python -m pyglibc run: reaped orphan \d+ \(sh\): exit 5\n$", err)
    assert main("--warn-orphans", "-q", "--", *ORPHAN_EXITS) == (2, b"", b"")


# An orphan that names itself (prctl PR_SET_NAME, here through /proc/self/comm) with a
# newline, a terminal escape and a byte that is not UTF-8, then exits 5.
FORGER_NAME = b"a\nb\x1b[31m\xff"
FORGER = ["sh", "-c", '("$0" -c "$1" &) | cat; exit 2', sys.executable,
          "import os; os.write(os.open('/proc/self/comm', os.O_WRONLY), %r); os._exit(5)"
          % FORGER_NAME]


def test_a_process_name_is_escaped_in_what_the_supervisor_says(cli, tmp_path):
    """The name a process gave itself is written as bash's $'...' on stderr (one line per
    event, no control byte), and as the str os.fsdecode gives in --json."""
    done = cli("--warn-orphans", "--summary", "--json", "result.json", "--", *FORGER)
    assert done.returncode == 2
    escaped = re.escape(b"$'a\\nb\\x1b[31m\\xff'")
    assert re.match(rb"python -m pyglibc run: reaped orphan \d+ \(%s\): exit 5\n" % escaped,
                    done.stderr)
    assert re.search(rb"\n +\d+  %s +orphan  " % escaped, done.stderr)
    assert b"\x1b" not in done.stderr and b"\xff" not in done.stderr
    assert len(done.stderr.splitlines()) == 1 + 2 + 2 + 1  # the orphan; head, 2 rows, totals
    with open(str(tmp_path / "result.json"), encoding="ascii") as f:
        orphan, = [p for p in json_lines(f.read())[0] if not p["command"]]
    assert os.fsencode(orphan["name"]) == FORGER_NAME


@pytest.fixture(params=["full disk", "pipe nobody reads"])
def unwritable(request):
    """A descriptor every write to fails: /dev/full (ENOSPC), or a pipe without reader (EPIPE)."""
    if request.param == "full disk":
        fd = os.open("/dev/full", os.O_WRONLY | os.O_CLOEXEC)
    else:
        r, fd = os.pipe2(os.O_CLOEXEC)
        os.close(r)
    yield fd
    os.close(fd)


def test_diagnostics_that_cannot_be_written_are_dropped_and_the_command_runs_on(
        tmp_path, unwritable):
    """-v, --warn-orphans and --summary on an unwritable stderr: the command runs to its end,
    the exit status is its own and the --json file is written in full, as with a stderr."""
    done = subprocess.run(RUN + ["-v", "--warn-orphans", "--summary", "--json", "result.json",
                                 "--", "sh", "-c", "(sh -c 'exit 5' &) | cat; echo done; exit 2"],
                          cwd=str(tmp_path), env=child_env(), stdout=subprocess.PIPE,
                          stderr=unwritable, timeout=TIMEOUT)
    assert (done.returncode, done.stdout) == (2, b"done\n")
    processes, result = json_report(tmp_path / "result.json")
    assert result["exit_status"] == 2
    assert sorted((p["command"], p["exitcode"]) for p in processes) == [(False, 5), (True, 2)]


# Orphans as fast as sh can make them, each one a line of --warn-orphans and of --json,
# until the timeout's SIGTERM, which the command marks with a file.  At most 1500: their
# --json lines (some 450 bytes each) stay under what the backlog holds (1 MiB), past which
# it would drop them.
PAGE = os.sysconf("SC_PAGE_SIZE")
ORPHANS_UNTIL_TERM = ["sh", "-c", "trap 'touch termed; exit 0' TERM; i=0; "
                      "while [ $i -lt 1500 ]; do (true &); i=$((i + 1)); done; "
                      "while :; do sleep 0.1; done"]


@pytest.mark.parametrize("where", ["stderr", "--json -"])
def test_a_reader_that_falls_behind_holds_up_neither_the_loop_nor_a_line(tmp_path, where):
    """Nobody reads the pipe of the supervisor's messages (or of its --json lines) until
    the command has had the timeout's SIGTERM: the loop went on meanwhile, and then
    every line comes, whole and in order."""
    options = ["--warn-orphans"] if where == "stderr" else ["--json", "-"]
    r, w = os.pipe2(os.O_CLOEXEC)
    fcntl.fcntl(w, glibc.F_SETPIPE_SZ, PAGE)  # its least: filled soon, however slow the machine
    with os.fdopen(r, "rb") as reader:
        supervisor = subprocess.Popen(
            RUN + options + ["--timeout", "1", "--"] + ORPHANS_UNTIL_TERM, cwd=str(tmp_path),
            env=child_env(), stdout=w if where != "stderr" else subprocess.DEVNULL,
            stderr=w if where == "stderr" else subprocess.DEVNULL)
        os.close(w)
        try:
            deadline = time.monotonic() + TIMEOUT
            while not (tmp_path / "termed").exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            termed = (tmp_path / "termed").exists()
        finally:
            said = reader.read()  # lets a supervisor that waited for it go on, fixed or not
            status = supervisor.wait(TIMEOUT)
    assert termed, "the timeout never came"
    assert status == 124
    assert len(said) > PAGE
    lines = said.decode().splitlines()
    if where == "stderr":
        assert all(line.startswith("python -m pyglibc run: ") for line in lines)
    else:
        processes, result = json_lines(said.decode())
        assert (result["exit_status"], result["processes_reaped"]) == (124, len(processes))

def test_verbosity_from_the_environment(main, monkeypatch):
    monkeypatch.setenv("PYGLIBC_RUN_VERBOSITY", "2")
    assert main("--", "true")[2].count(b"\n") == 2
    assert main("-q", "--", "true")[2] == b""


LEADER = ["sh", "-c", "[ $(cut -d' ' -f5 /proc/$$/stat) = $$ ] && echo leader || echo member"]


def test_group_from_the_environment_and_single_child_over_it(main, monkeypatch):
    assert main("--", *LEADER)[1] == b"member\n"
    monkeypatch.setenv("PYGLIBC_RUN_GROUP", "1")
    assert main("--", *LEADER)[1] == b"leader\n"
    assert main("--single-child", "--", *LEADER)[1] == b"member\n"
    monkeypatch.setenv("PYGLIBC_RUN_GROUP", "0")
    assert main("--", *LEADER)[1] == b"member\n"


def test_setsid_makes_the_command_a_session_leader(main):
    assert main("--setsid", "--", "sh", "-c", "[ $(cut -d' ' -f6 /proc/$$/stat) = $$ ] && "
                "echo session leader") == (0, b"session leader\n", b"")


def test_zero_status_is_repeatable(main):
    assert main("--zero-status", "3", "--zero-status", "143", "--", "sh", "-c",
                "kill $$")[0] == 0


# -- as PID 1, and in a namespace of its own ---------------------------------------------------

UNSHARE = ["unshare", "--pid", "--fork"]
# unshare(1) before util-linux 2.37 (Debian 11's) ignores SIGTERM in the child it forks,
# and what the supervisor starts with ignored it keeps ignored for what it runs.
TERM_AT_DEFAULT = ["env", "--default-signal=TERM"]
needs_unshare = pytest.mark.skipif(shutil.which("unshare") is None or os.geteuid() != 0,
                                   reason="needs unshare(1) from util-linux, and root")
# Tests that know which pids a new namespace hands out.
counts_pids = kernelkit.not_emulated(
    "starts a thread in each process it runs: the thread takes a pid of the namespace")


@needs_unshare
def test_as_pid_1_it_is_an_init_of_its_own_accord(tmp_path):
    done = subprocess.run(UNSHARE + ["--mount-proc"] + RUN + [
        "--json", "-", "--", "sh", "-c", "trap 'exit 14' ALRM; kill -ALRM 1; "
        "while :; do sleep 1 & wait; done"], cwd=str(tmp_path), env=child_env(),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
    result = json_lines(done.stdout.decode())[1]
    assert (done.returncode, result["init"], result["pidns"]) == (14, True, False)
    assert [item["signal"] for item in result["forwarded"]] == ["SIGALRM"]


@needs_unshare
@counts_pids
def test_as_pid_1_without_a_proc_of_its_own_it_still_cleans_up(tmp_path):
    # /proc is the host's: names are unknown, and what is left gets kill(-1).
    done = subprocess.run(UNSHARE + TERM_AT_DEFAULT + RUN + [
                                           "--json", "-", "--", "sh", "-c",
                                           "(sleep 30 &); exit 4"],
                          cwd=str(tmp_path), env=child_env(), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=TIMEOUT)
    processes = json_lines(done.stdout.decode())[0]
    assert done.returncode == 4
    assert [(p["name"], p["signal"], p["signalled"]) for p in processes] == [
        (None, None, None), (None, "SIGTERM", "SIGTERM")]


@needs_unshare
def test_as_pid_1_the_children_it_had_when_it_started_are_orphans(tmp_path):
    # A container's entrypoint script that starts a helper, then execs the init.
    status, result, err = run_with_children(
        tmp_path, UNSHARE + ["--mount-proc"] + TERM_AT_DEFAULT, "--", "sh", "-c", "exit 3")
    assert status == 3, err
    assert result["init"]
    assert early_children(result) == {"sh": (5, None, None),
                                      "cat": (None, "SIGTERM", "SIGTERM")}


@needs_unshare
@counts_pids
def test_not_pid_1_and_with_another_namespaces_proc_it_refuses(tmp_path):
    done = subprocess.run(UNSHARE + ["sh", "-c", '"$@"; echo $?', "sh"] + RUN + ["true"],
                          cwd=str(tmp_path), env=child_env(), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=TIMEOUT)
    assert done.stdout == b"125\n"
    assert done.stderr.startswith(PROG + b"supervise: /proc is not this process's PID "
                                         b"namespace's (pid 2 here)")
    assert done.stderr.count(b"\n") == 1


@needs_unshare
@counts_pids
def test_pidns_forwards_signals_to_the_command_through_its_init(started, tmp_path):
    supervisor = started("--pidns", "--json", "out.json", "--", "sh", "-c",
                         "trap 'exit 42' TERM; echo ready $$; while :; do sleep 1 & wait; done")
    assert supervisor.stdout.readline() == b"ready 2\n"
    supervisor.send_signal(signal.SIGTERM)
    assert supervisor.wait(timeout=TIMEOUT) == 42
    processes, result = json_report(tmp_path / "out.json")
    assert (result["pid"], result["pidns"], result["exit_status"]) == (2, True, 42)
    assert [p["pid"] for p in processes if p["command"]] == [2]
    assert [item["signal"] for item in result["forwarded"]] == ["SIGTERM"]


# -- startup -----------------------------------------------------------------------------------

# python -m pyglibc run -- sleep 30, as runpy runs it, interrupted (by another process,
# as a terminal would) while it imports the supervisor, the bulk of its start.
INTERRUPTED_IN_AN_IMPORT = r"""
import os, runpy, subprocess, sys

class InterruptTheImport:
    def find_spec(self, name, path=None, target=None):
        if name == "pyglibc._cli":
            sys.meta_path.remove(self)
            subprocess.run([sys.executable, "-c", "import os, sys; os.kill(int(sys.argv[1]), 2)",
                            str(os.getpid())], check=True)
        return None

sys.meta_path.insert(0, InterruptTheImport())
runpy.run_module("pyglibc", run_name="__main__", alter_sys=True)
"""


def test_a_signal_during_the_start_is_passed_on_once_the_command_has_started(tmp_path):
    # No KeyboardInterrupt, no death of its default action: the signal waits.
    done = subprocess.run([sys.executable, "-c", INTERRUPTED_IN_AN_IMPORT, "run", "--json", "-",
                           "--", "sleep", "30"], cwd=str(tmp_path), env=child_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
    assert (done.returncode, done.stderr) == (128 + signal.SIGINT, b"")
    forwarded = json_lines(done.stdout.decode())[1]["forwarded"]
    assert [item["signal"] for item in forwarded] == ["SIGINT"]


# What run -- CMD must not import: each costs a millisecond or more of a start that
# should stay within 1.5 times a bare interpreter's (benchmarks/run_startup.py).
HEAVY = ("argparse", "json", "typing", "enum", "signal", "re", "selectors", "glibc._spec",
         "glibc._functions", "glibc.families.signal", "pyglibc.selectors", "threading")

IMPORTS = """
import sys
before = set(sys.modules)
from pyglibc import _cli
status = _cli.main(["run", "--", "true"])
print(" ".join(sorted(set(sys.modules) - before)))
sys.exit(status)
"""


def test_run_without_options_imports_nothing_heavy(tmp_path):
    env = {k: v for k, v in child_env().items() if not k.startswith("PYGLIBC_RUN_")}
    done = subprocess.run([sys.executable, "-c", IMPORTS], cwd=str(tmp_path), env=env,
                          stdout=subprocess.PIPE, timeout=TIMEOUT)
    assert done.returncode == 0
    imported = set(done.stdout.decode().split())
    assert "pyglibc._supervisor" in imported
    assert imported.isdisjoint(HEAVY), sorted(imported & set(HEAVY))


@pytest.mark.skipif(shutil.which("setpriv") is None or os.geteuid() != 0,
                    reason="needs setpriv(1) from util-linux, and root")
def test_pidns_refused_is_125_and_one_line(tmp_path):
    # Without CAP_SYS_ADMIN in its bounding set, root execs the supervisor without it.
    done = subprocess.run(["setpriv", "--bounding-set=-sys_admin", "--inh-caps=-sys_admin"]
                          + RUN + ["--pidns", "--", "touch", "ran"], cwd=str(tmp_path),
                          env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=TIMEOUT)
    assert (done.returncode, done.stdout) == (125, b"")
    assert done.stderr == (PROG + b"--pidns: cannot make a PID namespace: unshare: the caller "
                           b"lacks the privilege (CAP_SYS_ADMIN for most namespaces), or a new "
                           b"user namespace is refused to it\n")
    assert not (tmp_path / "ran").exists()
