"""pyglibc.supervise: run a command under a child subreaper and leave no process behind.

Real commands only: sh, sleep, and Python children that daemonise a
grandchild (supervise_kit.LAUNCH).  Each test is bounded by the watchdog or
by supervise's own timeout, and the autouse guard of conftest.py checks that
supervise() gives back the signal mask, the handlers and every descriptor.
"""

import errno
import json
import os
import platform
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time

import kernelkit
import pytest
from hypothesis import given, strategies as st

import glibc
import pyglibc
from capkit import drop
from children import in_child
from pyglibc import _supervisor, pthread_sigmask, subreaper, supervise
from pyglibc._supervisor import Reaped, Supervision, output, pidns, proc, reaping, records
from pyglibc._supervisor.output import _LINE_MAX
from pyglibc._supervisor.settings import _Settings
from supervise_kit import LAUNCH, PYTHON_COMM, child_env, gone, term_ignored

SIGTERM, SIGKILL, SIGUSR1 = signal.SIGTERM, signal.SIGKILL, signal.SIGUSR1
MANAGED = set(_supervisor.FORWARDED) | {signal.SIGCHLD}
root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (CAP_SYS_ADMIN)")
TIMEOUT = 10  # seconds a test waits for what must come, at most
pytest_plugins = ["supervise_kit"]  # the run, files and not_a_subreaper fixtures


# Under qemu-user: posix_spawn's child runs in a copy of the parent's memory, so
# an exec error never reaches the parent; and each process has a thread of the
# emulator's, which blocks no signal (an init refuses that) and takes a pid.
spawn_errors = kernelkit.not_emulated("loses the error of an exec that posix_spawn made")
threads_of_its_own = kernelkit.not_emulated(
    "runs a thread in each process, which blocks no signal and takes a pid")


def daemon_pid(out):
    line = [word for word in out.splitlines() if word.startswith(b"daemon ")]
    return int(line[0].split()[1])


# -- the tree is reaped ----------------------------------------------------------------------


def test_a_daemonised_grandchild_is_reaped_and_reported(run, files):
    result = run(LAUNCH + ["sleep", "3"], linger=5)
    daemon = daemon_pid(files.read()[0])
    assert (result.exit_status, result.returncode, result.timed_out) == (3, 3, False)
    command, orphan = result.processes
    assert command == result.command and result.orphans == [orphan]
    assert (command.pid, command.name, command.command) == (result.pid, PYTHON_COMM, True)
    assert (command.exitcode, command.signal, command.signalled) == (3, None, None)
    # Alive when the command ended: SIGTERM at once, and its name read before reaping.
    assert (orphan.pid, orphan.name, orphan.command) == (daemon, "sleep", False)
    assert (orphan.exitcode, orphan.signal, orphan.signalled) == (None, SIGTERM, SIGTERM)
    assert orphan.reaped >= command.reaped and orphan.reaped < 5
    assert gone(daemon)


def test_an_orphan_that_ignores_sigterm_gets_sigkill_after_the_linger(run, files):
    result = run(LAUNCH + ["ignore", "0"], linger=0.1)
    command, orphan = result.processes
    assert orphan.pid == daemon_pid(files.read()[0])
    assert (orphan.signal, orphan.signalled) == (SIGKILL, SIGKILL)
    assert orphan.reaped - command.reaped >= 0.1
    assert result.exit_status == 0
    assert gone(orphan.pid)


def test_an_orphan_the_sigterm_round_missed_still_gets_sigkill_after_the_linger(
        run, monkeypatch):
    """The walk down /proc can miss a process reparented meanwhile (its parent's list read
    once it had left it, ours before it came): the linger runs all the same, though the
    SIGTERM round found nobody, and its SIGKILL finds the process.  Missed here on purpose."""
    walks = []

    def missing_at_first(root):
        walks.append(root)
        return [] if len(walks) == 1 else real_descendants(root)

    real_descendants = reaping._descendants
    monkeypatch.setattr(reaping, "_descendants", missing_at_first)
    result = run(["sh", "-c", "sleep 10 & exit 0"], linger=0.1)
    [orphan] = result.orphans
    assert (orphan.signal, orphan.signalled) == (SIGKILL, SIGKILL)


def test_what_an_orphan_forks_while_it_is_killed_is_killed_too(run):
    """A shell loop that ignores SIGTERM and forks on and on: a child it forks after the
    kill round read its children, and before the SIGKILL reached it, is in no round.
    Each SIGCHLD after the linger SIGKILLs what has come since: nothing ends on its own."""
    result = run(["sh", "-c", "trap '' TERM; (while :; do sleep 30 & done) & exit 0"],
                 linger=0.2)
    assert len(result.orphans) > 1
    assert {(p.signal, p.signalled) for p in result.orphans} == {(SIGKILL, SIGKILL)}
    assert all(gone(p.pid) for p in result.orphans)


# An orphan whose first thread ends (pthread_exit) while another runs on: /proc shows that
# thread's state, Z, for the whole process.  The other thread ends it with 7 after 10 s.
MAIN_THREAD_GONE = """
import ctypes, os, threading, time
threading.Thread(target=lambda: (time.sleep(10), os._exit(7))).start()
ctypes.CDLL(None).pthread_exit(None)
"""


def test_an_orphan_whose_first_thread_has_ended_gets_sigterm(run):
    """It is alive, not a zombie: the cleanup's SIGTERM ends it."""
    result = run(["sh", "-c", '"$0" -c "$1" & '
                  'until [ "$(cut -d" " -f3 /proc/$!/stat)" = Z ]; do sleep 0.01; done',
                  sys.executable, MAIN_THREAD_GONE], linger=30)
    [orphan] = result.orphans
    assert (orphan.signal, orphan.signalled) == (SIGTERM, SIGTERM)


def test_an_orphan_that_ends_by_itself_keeps_its_own_status(run):
    # The subshell puts `sh -c 'exit 5'` in the background and exits; cat reads
    # until that orphan has closed its stdout, so the command ends after it.  The
    # kernel closes the files of a process that exits before it makes it a zombie,
    # so the cleanup may still find it running, and signal it: in vain.
    result = run(["sh", "-c", "(sh -c 'exit 5' &) | cat"])
    assert result.exit_status == 0
    [orphan] = result.orphans
    assert (orphan.name, orphan.exitcode, orphan.signal) == ("sh", 5, None)
    assert orphan.signalled in (None, SIGTERM)


def test_no_child_is_left_afterwards(run):
    result = run(["sh", "-c", "sleep 30 & sleep 30 & (sleep 30 &); exit 0"], linger=1)
    assert [p.signal for p in result.orphans] == [SIGTERM] * 3
    assert all(gone(p.pid) for p in result.processes)
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


# An orphan with a child of its own.  The command forks the orphan-to-be, which forks
# a child that prints "grandchild <pid>", then "term" and exits 0 on SIGTERM; the
# command exits once that child is ready (the end of file on a pipe both have closed).
ORPHAN_WITH_A_CHILD = r"""
import os, signal
r, w = os.pipe()
if os.fork() == 0:
    if os.fork() == 0:
        signal.alarm(30)
        signal.signal(signal.SIGTERM, lambda *args: (os.write(1, b"term\n"), os._exit(0)))
        os.write(1, b"grandchild %d\n" % os.getpid())
        os.close(w)
        # Woken through the wakeup fd, not by signal.pause(), which sleeps through a signal
        # that comes between the interpreter's check for handlers and the pause itself.
        wake, woken = os.pipe()
        os.set_blocking(woken, False)
        signal.set_wakeup_fd(woken)
        while True:
            os.read(wake, 64)
    os.close(w)
    os.wait()
    os._exit(0)
os.close(w)
os.read(r, 1)
"""


def test_the_children_of_an_orphan_get_sigterm_too(run, files):
    """The SIGTERM round goes down the whole tree, not only to the supervisor's own
    children: the orphan's child gets SIGTERM with it, not SIGKILL after the linger."""
    # Its handler's "term" is the proof: whether the orphan reaps it (os.wait) or dies
    # first and leaves it to the supervisor, and so whether it is recorded, is a race.
    result = run([sys.executable, "-c", ORPHAN_WITH_A_CHILD], linger=TIMEOUT)
    out = files.read()[0]
    assert out.startswith(b"grandchild ") and out.endswith(b"\nterm\n")
    assert result.exit_status == 0
    assert gone(int(out.split()[1]))


def test_times_are_seconds_from_the_start(run):
    before = time.time()
    result = run(["sleep", "0.05"])
    command = result.command
    assert before <= result.started <= before + 1
    assert 0 <= command.started <= command.reaped <= result.duration < 5
    assert command.reaped >= 0.05


# -- exit status -----------------------------------------------------------------------------


@pytest.mark.parametrize("argv, exit_status, returncode", [
    (["true"], 0, 0),
    (["sh", "-c", "exit 7"], 7, 7),
    (["sh", "-c", "exit 255"], 255, 255),
    (["sh", "-c", "kill -KILL $$"], 128 + 9, -9),
    (["sh", "-c", "kill -USR2 $$"], 128 + signal.SIGUSR2, -signal.SIGUSR2),
])
def test_the_exit_status_is_the_commands_or_128_plus_its_signal(run, argv, exit_status,
                                                               returncode):
    result = run(argv)
    assert (result.exit_status, result.returncode) == (exit_status, returncode)
    assert result.command.status == ("exit %d" % returncode if returncode >= 0
                                     else signal.Signals(-returncode).name)


# -- timeout -----------------------------------------------------------------------------------


def test_a_timeout_sends_sigterm_and_gives_124(run):
    result = run(["sleep", "10"], timeout=0.1)
    assert (result.exit_status, result.returncode, result.timed_out) == (124, -SIGTERM, True)
    assert (result.command.signal, result.command.signalled) == (SIGTERM, SIGTERM)
    assert 0.1 <= result.command.reaped < 5


def test_a_command_that_ignores_sigterm_gets_sigkill_kill_after_later(run):
    # sh and its sleep both ignore SIGTERM; sh gets SIGKILL, then its orphan (linger=0).
    with term_ignored():
        result = run(["sh", "-c", "sleep 10"], timeout=0.1, kill_after=0.1, linger=0)
    assert (result.exit_status, result.timed_out) == (124, True)
    assert (result.command.signal, result.command.signalled) == (SIGKILL, SIGKILL)
    assert result.command.reaped >= 0.2
    assert [(p.name, p.signal) for p in result.orphans] == [("sleep", SIGKILL)]


def test_kill_after_0_sends_sigkill_with_sigterm(run):
    with term_ignored():
        result = run(["sleep", "10"], timeout=0.1, kill_after=0)
    assert (result.exit_status, result.command.signal) == (124, SIGKILL)


def test_a_command_that_ends_first_is_not_timed_out(run):
    result = run(["true"], timeout=5)
    assert (result.exit_status, result.timed_out) == (0, False)


# Beyond what a timer holds (time_t overflows past 2**63 s), or more than an int makes a
# float of: every such duration means no limit, as inf does.
BEYOND_ANY_TIMER = [float("inf"), 1e308, pytest.param(10 ** 400, id="10**400")]


@pytest.mark.parametrize("seconds", BEYOND_ANY_TIMER)
def test_a_timeout_beyond_any_timer_is_no_timeout(run, seconds):
    result = run(["sh", "-c", "sleep 0.3; exit 3"], timeout=seconds)
    assert (result.exit_status, result.timed_out) == (3, False)


@pytest.mark.parametrize("seconds", BEYOND_ANY_TIMER)
def test_a_kill_after_beyond_any_timer_never_sends_sigkill(run, seconds):
    # The command ignores the timeout's SIGTERM, and ends by itself a second later.
    with term_ignored():
        result = run(["sleep", "1"], timeout=0.1, kill_after=seconds)
    assert (result.exit_status, result.timed_out) == (124, True)
    assert (result.command.exitcode, result.command.signalled) == (0, SIGTERM)


@pytest.mark.parametrize("seconds", BEYOND_ANY_TIMER)
def test_a_linger_beyond_any_timer_still_sends_sigterm_and_never_sigkill(run, seconds):
    result = run(["sh", "-c", "sleep 30 & exit 3"], linger=seconds)
    assert result.exit_status == 3
    assert [(p.signal, p.signalled) for p in result.orphans] == [(SIGTERM, SIGTERM)]


# -- signals -----------------------------------------------------------------------------------


def test_a_signal_sent_to_the_supervisor_is_forwarded_to_the_command(run):
    # $PPID is the supervisor: this process.
    result = run(["sh", "-c", "trap 'exit 42' USR1; sleep 10 & kill -USR1 $PPID; wait"])
    assert result.exit_status == 42
    assert [signum for _, signum in result.forwarded] == [SIGUSR1]
    assert [p.signal for p in result.orphans] == [SIGTERM]  # sleep, or sh before its exec


def test_forwarded_keeps_the_last_signals_and_counts_them_all(run, monkeypatch):
    """An init forwards for as long as it runs: the list is bounded, the count exact."""
    monkeypatch.setattr(records, "FORWARDS_KEPT", 3)
    # Each USR1 the command sends comes back to it; it stops once it has had 5.
    result = run(["sh", "-c", "n=0; trap 'n=$((n + 1))' USR1; "
                              "while [ $n -lt 5 ]; do kill -USR1 $PPID; sleep .02; done"])
    assert result.exit_status == 0
    assert result.signals_forwarded >= 5
    assert [signum for _, signum in result.forwarded] == [SIGUSR1] * 3
    times = [at for at, _ in result.forwarded]
    assert times == sorted(times)
    assert result.as_dict()["signals_forwarded"] == result.signals_forwarded

def test_with_group_the_signal_goes_to_the_whole_process_group(run):
    # sh ignores USR1 but its sleep does not: only a signal to the group ends it.
    result = run(["sh", "-c", "sleep 10 & trap '' USR1; kill -USR1 $PPID; wait $!"],
                 group=True, timeout=5)
    assert result.timed_out is False
    assert result.returncode == 128 + SIGUSR1  # sh's own exit: wait gave sleep's status
    assert [signum for _, signum in result.forwarded] == [SIGUSR1]


def test_with_group_the_command_leads_its_own_process_group(run, files):
    result = run(["sh", "-c", "cut -d' ' -f5 /proc/$$/stat"], group=True)
    assert int(files.read()[0]) == result.pid != os.getpgrp()


# Says whether its own group is the terminal's foreground group, and if so reads a line
# from the terminal (a background group's read would stop it with SIGTTIN).
READS_THE_TERMINAL = r"""
import os, sys
front = os.getpgrp() == os.getpid() and os.tcgetpgrp(0) == os.getpgrp()
os.write(1, b"foreground\n" if front else b"background\n")
if front:
    os.write(1, b"read " + sys.stdin.buffer.readline())
"""


def _supervise_on_a_terminal(slave, argv):
    """In a forked child: lead a session with the pseudo-terminal slave as its controlling
    terminal (setsid, TIOCSCTTY), supervise argv with group=True and the terminal as stdin;
    (exit status, output, whether our own group has the terminal again)."""
    import fcntl
    import termios

    os.setsid()
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
    r, w = os.pipe()
    result = supervise(argv, group=True, stdin=slave, stdout=w, stderr=w)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        out = f.read()
    return result.exit_status, out, os.tcgetpgrp(slave) == os.getpgrp()


def test_with_group_the_terminals_foreground_is_the_commands_while_it_runs(run):
    """In the foreground of a terminal, the command's group is made the foreground group,
    and the terminal comes back to the caller's group when it ends."""
    master, slave = os.openpty()
    try:
        os.write(master, b"typed\n")  # waits in the terminal until read
        reads = [sys.executable, "-I", "-S", "-c", READS_THE_TERMINAL]
        assert in_child(_supervise_on_a_terminal, slave, reads) == (
            0, b"foreground\nread typed\n", True)
    finally:
        os.close(master)
        os.close(slave)


def test_without_group_the_command_shares_our_process_group(run, files):
    run(["sh", "-c", "cut -d' ' -f5 /proc/$$/stat"])
    assert int(files.read()[0]) == os.getpgrp()


def test_the_command_starts_with_no_signal_blocked_and_those_ignored_still_ignored(
        run, files, signal_mask, on_signal):
    """As execvp(3) would run it, but for SIGPIPE and SIGXFSZ: Python ignores those itself."""
    signal_mask(signal.SIGUSR2)
    on_signal(signal.SIGHUP, signal.SIG_IGN)  # what nohup(1) does
    run(["grep", "^Sig", "/proc/self/status"])
    status = dict(line.split(b":") for line in files.read()[0].splitlines())
    assert int(status[b"SigBlk"], 16) == 0
    ignored = int(status[b"SigIgn"], 16)
    assert ignored & 1 << (signal.SIGHUP - 1)
    for signum in MANAGED - {signal.SIGHUP} | {signal.SIGPIPE, signal.SIGXFSZ}:
        assert not ignored & 1 << (signum - 1), signal.Signals(signum).name

# -- output ------------------------------------------------------------------------------------


def test_prefix_keeps_each_streams_lines_in_order(run, files):
    script = "i=0; while [ $i -lt 300 ]; do echo o$i; echo e$i >&2; i=$((i+1)); done"
    run(["sh", "-c", script], prefix=True)
    out, err = files.read()
    assert out == b"".join(b"[out] o%d\n" % i for i in range(300))
    assert err == b"".join(b"[err] e%d\n" % i for i in range(300))


def test_prefix_passes_bytes_and_ends_a_last_partial_line(run, files):
    run(["sh", "-c", r"printf 'a\n\377\376\000b\n\nno newline'; printf 'x' >&2"],
        prefix=("> ", b"! "))
    assert files.read() == (b"> a\n> \xff\xfe\x00b\n> \n> no newline\n", b"! x\n")


@pytest.mark.parametrize("size", [_LINE_MAX + 10, 5 << 20])
def test_a_line_of_any_length_is_one_line_after_one_prefix(run, files, size):
    """A line longer than the supervisor holds (64 KiB, past which it is written as it comes,
    or the 1 MiB that waits for a reader) keeps its bytes and its one prefix, as does a last
    line without a newline, which gets one."""
    run(["sh", "-c", "head -c %d /dev/zero | tr '\\0' a; echo; echo b; head -c %d /dev/zero"
         % (size, size)], prefix=True)
    zeros = b"\0" * size
    assert files.read()[0] == b"[out] " + b"a" * size + b"\n[out] b\n[out] " + zeros + b"\n"


@given(st.lists(st.binary(max_size=12).map(lambda b: b.replace(b"\0", b"\n")), max_size=8))
def test_prefixed_output_is_the_input_with_a_prefix_before_each_line(pieces):
    """However the pipe cuts what comes, past the held limit (here 5 bytes) or not: the model is
    the prefix before each line, and a newline after a last line that lacks one."""
    text = b"".join(pieces)
    if text and not text.endswith(b"\n"):
        text += b"\n"
    model = b"".join(b"P: " + line + b"\n" for line in text.split(b"\n")[:-1])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(output, "_LINE_MAX", 5)
        stream = output._Stream(-1, b"P: ", -1, watched=True)
        assert b"".join(stream.lines(piece) for piece in pieces) + stream.last() == model


def test_prefix_reads_until_the_last_orphan_is_gone(run, files):
    # The daemon keeps the pipe open after the command ends, and writes on SIGTERM.
    run(LAUNCH + ["report", "0"], prefix=True, linger=0.3)
    out, _ = files.read()
    assert out.splitlines()[1:] == [b"[out] term"]


def test_without_prefix_the_command_writes_to_our_descriptors_itself(run, files):
    run(["sh", "-c", "echo out; echo err >&2; ls -l /proc/$$/fd/1"])
    out, err = files.read()
    assert out.startswith(b"out\n") and out.rstrip().endswith(files.paths[0].encode())
    assert err == b"err\n"


def test_when_nobody_reads_our_stdout_the_command_gets_sigpipe(run, fds):
    r, w = fds.pipe()
    os.close(r)
    fds.forget(r)
    result = run(["yes"], prefix=True, stdout=w, timeout=10)
    assert (result.command.signal, result.timed_out) == (signal.SIGPIPE, False)


def test_a_stalled_reader_of_the_output_does_not_hold_up_the_timeout(run, fds):
    """Our side of prefix is read only once the timeout has fired, which it does all
    the same: the loop does not wait for the reader (signals: test_init_compare)."""
    r, w = fds.pipe()
    fired = threading.Event()
    seen = []

    def reader():
        seen.append(fired.wait(TIMEOUT))  # a loop stuck in a write would never fire it
        while os.read(r, 65536):
            pass

    with pthread_sigmask(MANAGED):  # the thread starts with them blocked, like this one
        thread = threading.Thread(target=reader)
        thread.start()
    try:
        result = run(["yes"], prefix=True, stdout=w, timeout=0.5, kill_after=0.5,
                     log=lambda event, message: event == "timeout" and fired.set())
    finally:
        fired.set()
        os.close(w)
        fds.forget(w)
        thread.join()
    assert seen == [True]
    assert (result.exit_status, result.timed_out, result.command.signal) == (124, True, SIGTERM)


# -- descriptors -------------------------------------------------------------------------------

LIST_FDS = ("import os; print(sorted(int(n) for n in os.listdir('/proc/self/fd') "
            "if os.path.exists('/proc/self/fd/' + n)))")


@pytest.mark.parametrize("prefix", [None, True])
def test_the_command_gets_only_descriptors_0_1_2(run, files, fds, prefix):
    r, w = fds.pipe()
    os.set_inheritable(w, True)  # an exec would pass it on: supervise closes it
    run([sys.executable, "-c", LIST_FDS], prefix=prefix)
    listed = files.read()[0]
    assert listed == (b"[out] " if prefix else b"") + b"[0, 1, 2]\n"


def test_stdin_is_given_to_the_command(run, files, fds):
    r, w = fds.pipe()
    os.write(w, b"from stdin\n")
    os.close(w)
    fds.forget(w)
    run(["cat"], stdin=r)
    assert files.read()[0] == b"from stdin\n"


def test_swapped_stdout_and_stderr_reach_each_other(run, capfd):
    # Each source is the other's target: neither dup2 may overwrite the other's source.
    run(["sh", "-c", "echo to-out; echo to-err >&2"], stdout=2, stderr=1)
    assert capfd.readouterr() == ("to-err\n", "to-out\n")


# -- the caller's state comes back ------------------------------------------------------------


def kernel_mask():
    return pthread_sigmask.get()


def test_the_mask_the_subreaper_flag_and_the_descriptors_come_back(run, signal_mask):
    signal_mask(SIGUSR1)
    before = kernel_mask(), sorted(os.listdir("/proc/self/fd"))
    result = run(["sh", "-c", "trap 'exit 0' USR1; kill -USR1 $PPID; sleep 10 & wait"],
                 timeout=5)
    assert result.exit_status == 0
    assert (kernel_mask(), sorted(os.listdir("/proc/self/fd"))) == before
    assert subreaper.enabled is False
    # The USR1 went to the command, not to our pending set.
    assert SIGUSR1 not in signal.sigpending()


def test_a_subreaper_flag_that_was_on_stays_on(run):
    subreaper.enabled = True
    run(["true"])
    assert subreaper.enabled is True


def test_a_command_that_cannot_start_changes_nothing_either(run):
    result = run(["no-such-command-here"])
    assert (result.exit_status, result.pid, result.processes) == (127, None, [])
    assert subreaper.enabled is False and signal.SIGCHLD not in kernel_mask()


def test_an_error_in_the_loop_kills_and_reaps_the_tree_before_it_raises(run, tmp_path):
    # Our side of --prefix writes to a descriptor opened read-only: EBADF.
    read_only = os.open(str(tmp_path / "ro"), os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC)
    try:
        with pytest.raises(OSError) as info:
            run(["sh", "-c", "sleep 30 & echo $!; wait"], prefix=True, stdout=read_only)
    finally:
        os.close(read_only)
    assert info.value.errno == errno.EBADF
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)
    assert subreaper.enabled is False


# -- commands that cannot start -----------------------------------------------------------------


def test_a_command_not_found_is_127_with_a_reason(run):
    result = run(["no-such-command-here", "x"])
    assert (result.exit_status, result.returncode) == (127, None)
    assert result.error == "no-such-command-here: command not found"


def test_a_path_that_does_not_exist_is_127(run, tmp_path):
    missing = str(tmp_path / "missing")
    result = run([missing])
    assert (result.exit_status, result.error) == (127, missing + ": no such file or directory")


def test_a_file_that_is_not_executable_is_126(run, tmp_path):
    script = tmp_path / "script"
    script.write_text("#!/bin/sh\nexit 0\n")
    script.chmod(0o644)
    result = run([str(script)])
    assert (result.exit_status, result.error) == (126, str(script) + ": permission denied")


def test_a_directory_is_126(run, tmp_path):
    result = run([str(tmp_path)])
    assert (result.exit_status, result.error) == (126, str(tmp_path) + ": is a directory")


@spawn_errors
def test_a_missing_interpreter_is_127(run, tmp_path):
    script = tmp_path / "script"
    script.write_text("#!/no/such/interpreter\n")
    script.chmod(0o755)
    result = run([str(script)])
    assert result.exit_status == 127
    assert result.error.startswith(str(script) + ": no such file or directory")


def _supervise_as_a_user_at_its_process_limit(threaded):
    # A second thread (made with every signal blocked, so that supervise accepts
    # it) makes the supervisor use posix_spawn; a single-threaded one forks.
    done = threading.Event()
    thread = threading.Thread(target=done.wait)
    if threaded:
        before = signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())
        thread.start()
        signal.pthread_sigmask(signal.SIG_SETMASK, before)
    try:
        # From root, with every capability gone with the user ID: the limit holds.
        os.setgroups([])
        os.setresgid(65534, 65534, 65534)
        os.setresuid(65534, 65534, 65534)
        resource.setrlimit(resource.RLIMIT_NPROC, (1, 1))
        return supervise(["true"])
    finally:
        done.set()
        if threaded:
            thread.join()


@root
@pytest.mark.parametrize("threaded", [False, pytest.param(True, marks=pytest.mark.skipif(
    tuple(map(int, platform.libc_ver()[1].split(".")[:2] or (0, 0))) < (2, 34),
    reason="glibc before 2.34 reports posix_spawn's failure to make the process as EPERM, "
           "as it would an exec refused"))], ids=["fork", "posix_spawn"])
def test_a_process_that_cannot_be_made_is_125_not_the_commands_fault(threaded):
    """fork or clone failing is the supervisor's failure, not a command that cannot run."""
    result = in_child(_supervise_as_a_user_at_its_process_limit, threaded)
    assert (result.exit_status, result.pid) == (125, None)
    assert result.error == ("cannot start a process for %s: resource temporarily unavailable"
                            % shutil.which("true"))


def test_the_path_searched_is_the_one_of_env(run, tmp_path):
    tool = tmp_path / "only-here"
    tool.write_text("#!/bin/sh\nexit 9\n")
    tool.chmod(0o755)
    assert run(["only-here"]).exit_status == 127
    env = dict(os.environ, PATH=str(tmp_path) + os.pathsep + os.environ.get("PATH", ""))
    assert run(["only-here"], env=env).exit_status == 9


# -- what supervise refuses ---------------------------------------------------------------------


def _open_but_children(path, *args, **kwargs):
    if path.endswith("/children"):
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), path)
    return open(path, *args, **kwargs)


@pytest.fixture(params=["children listed", "children not listed"])
def children_files(request, monkeypatch):
    """/proc as it is, then as a kernel built without CONFIG_PROC_CHILDREN has it: no
    /proc/<pid>/task/<tid>/children; the supervisor reads /proc through proc.py."""
    if request.param == "children not listed":
        monkeypatch.setattr(proc, "open", _open_but_children, raising=False)


def _supervise_within(seconds, argv, options):
    signal.alarm(seconds)  # a hang ends the child, and in_child says so
    try:
        return supervise(argv, **options)
    finally:
        signal.alarm(0)


@pytest.mark.parametrize("waitid", [True, False], ids=["waitid", "no waitid"])
def test_with_or_without_children_files_every_orphan_is_found(children_files, not_a_subreaper,
                                                               monkeypatch, waitid):
    """Without them, a child is a process whose /proc/<pid>/stat names the supervisor as its
    parent: the command (reaped by the scan of its children where os.waitid is missing) and
    what it left, which gets SIGTERM."""
    if not waitid:
        monkeypatch.setattr(reaping, "_waitid", None)
    # In a child, as a hang would never end: alarm(20) bounds it, and in_child says so.
    result = in_child(_supervise_within, 20, ["sh", "-c", "sleep 10 & exit 3"], {"linger": 30})
    [orphan] = result.orphans
    assert (result.exit_status, orphan.signal, orphan.signalled) == (3, SIGTERM, SIGTERM)


def test_it_refuses_to_take_children_it_did_not_start(run, children_files):
    # Their exit statuses belong to whoever started them (other.wait() below).
    other = subprocess.Popen(["sleep", "10"])
    try:
        with pytest.raises(RuntimeError, match=r"has children already \(pid %d\): .* "
                                               r"pass adopt=True" % other.pid):
            run(["true"])
    finally:
        other.kill()
        other.wait()


def test_adopt_takes_the_children_it_had_as_orphans_never_as_the_command(run):
    """With adopt=True a child started before is reaped and signalled as an orphan."""
    other = subprocess.Popen(["sleep", "10"])
    events = []
    try:
        result = run(["sh", "-c", "exit 3"], adopt=True,
                     log=lambda event, message: events.append((event, message)))
    finally:
        if other.poll() is None:  # reaped by supervise (ECHILD), or left by a failed run
            other.kill()
            other.wait()
    assert (result.exit_status, result.command.name) == (3, "sh")
    assert result.pid != other.pid
    assert [(p.pid, p.name, p.signal, p.signalled) for p in result.orphans] == [
        (other.pid, "sleep", SIGTERM, SIGTERM)]
    assert events[0] == ("start", "took pid %d, children this process had already, for "
                                  "orphans" % other.pid)


def test_adopt_reaps_at_once_a_child_that_had_exited_before_it_started(run):
    """A child that ended before supervise() blocked SIGCHLD left no signal to read:
    its zombie is reaped as the command starts, not at the next SIGCHLD."""
    other = subprocess.Popen(["true"])
    try:
        # A zombie, not reaped (PyPy 3.9 has no os.waitid).
        glibc.waitid(glibc.P_PID, other.pid, glibc.siginfo_t(), glibc.WEXITED | glibc.WNOWAIT)
        # The command outlives the zombie only if something reaps it meanwhile.
        result = run(["sh", "-c", "for i in $(seq %d); do [ -e /proc/%d ] || exit 0; sleep .1; "
                                  "done; exit 1" % (TIMEOUT * 10, other.pid)], adopt=True)
    finally:
        if not gone(other.pid):  # left by a failed run
            other.wait()
    assert result.exit_status == 0
    assert [(p.pid, p.exitcode, p.signalled) for p in result.orphans] == [(other.pid, 0, None)]


def test_adopt_is_refused_with_pidns(run):
    # The command's namespace would not hold them: they could outlive it.
    other = subprocess.Popen(["sleep", "10"])
    try:
        with pytest.raises(RuntimeError, match=r"has children already \(pid %d\): .*PID "
                                               r"namespace" % other.pid):
            run(["true"], adopt=True, pidns=True)
    finally:
        other.kill()
        other.wait()


def test_it_refuses_when_sigchld_is_ignored(run, on_signal):
    on_signal(signal.SIGCHLD, signal.SIG_IGN)
    with pytest.raises(RuntimeError, match="SIGCHLD is ignored"):
        run(["true"])


def test_it_refuses_while_a_thread_could_take_the_signals(run):
    done = threading.Event()
    thread = threading.Thread(target=done.wait)
    thread.start()
    try:
        with pytest.raises(RuntimeError, match=r"thread\(s\) %d of this process do not block"
                           % thread.native_id):
            run(["true"])
    finally:
        done.set()
        thread.join()


def test_threads_that_block_the_signals_are_fine_and_any_thread_may_supervise(run):
    results = []
    with pthread_sigmask(MANAGED):  # the thread starts with them blocked, like this one
        thread = threading.Thread(target=lambda: results.append(run(["sh", "-c", "exit 4"])))
        thread.start()
        thread.join()
        assert [r.exit_status for r in results] == [4]


@pytest.mark.parametrize("argv, error, message", [
    ("ls", TypeError, "argv must be a list of strings, not str"),
    (b"ls", TypeError, "argv must be a list of strings, not bytes"),
    (3, TypeError, "argv must be a list of strings, not int"),
    ([], ValueError, "argv must hold a command"),
    ([""], ValueError, "argv must hold a command"),
])
def test_argv_must_be_a_list_with_a_command(argv, error, message):
    with pytest.raises(error, match="^supervise: " + message):
        supervise(argv)


@pytest.mark.parametrize("options, error, message", [
    ({"timeout": 0}, ValueError, "timeout must be a positive number of seconds or inf, "
                                 "not 0.0"),
    ({"timeout": float("nan")}, ValueError, "timeout must be a positive number of seconds or "
                                            "inf, not nan"),
    ({"timeout": -float("inf")}, ValueError, "timeout must be a positive number"),
    ({"timeout": "1"}, TypeError, "timeout must be a number of seconds, not str"),
    ({"linger": -1}, ValueError, "linger must be a non-negative number of seconds or inf, "
                                 "not -1.0"),
    ({"linger": float("nan")}, ValueError, "linger must be a non-negative number of seconds"),
    ({"kill_after": float("nan")}, ValueError, "kill_after must be a non-negative number of "
                                               "seconds or inf, not nan"),
    ({"kill_after": -10 ** 400}, ValueError, "kill_after must be a non-negative number"),
    ({"kill_after": True}, TypeError, "kill_after must be a number of seconds, not bool"),
    ({"stdout": -1}, ValueError, r"stdout must be a file descriptor \(>= 0\), not -1"),
    ({"stdin": "0"}, TypeError, "stdin must be a file descriptor or have fileno"),
    ({"prefix": "[x]"}, TypeError, "prefix must be None, True or a pair"),
    ({"preserve_fds": -1}, ValueError, "preserve_fds must be 0 or more, not -1"),
    ({"preserve_fds": "2"}, TypeError, "preserve_fds must be a number of descriptors, not str"),
    ({"preserve_fds": 10 ** 6}, ValueError, r"preserve_fds=1000000: descriptor \d+ is not open"),
])
def test_options_are_checked_before_anything_starts(options, error, message):
    with pytest.raises(error, match="^supervise: " + message):
        supervise(["true"], **options)


# -- the result --------------------------------------------------------------------------------


def test_as_dict_is_json_with_signals_by_name(run):
    result = run(LAUNCH + ["sleep", "1"], linger=5)
    data = json.loads(json.dumps(result.as_dict()))
    assert sorted(data) == ["argv", "cgroup", "duration", "error", "exit_status", "forwarded",
                            "init", "pid", "pidns", "processes", "processes_reaped",
                            "returncode", "signals_forwarded", "started", "timed_out", "usage"]
    assert (data["init"], data["pidns"]) == (False, False)
    assert data["argv"] == LAUNCH + ["sleep", "1"]
    assert (data["exit_status"], data["returncode"], data["error"]) == (1, 1, None)
    command, orphan = data["processes"]
    assert sorted(command) == sorted(Reaped._fields)
    assert (command["command"], command["exitcode"], command["signal"]) == (True, 1, None)
    assert (orphan["name"], orphan["signal"], orphan["signalled"]) == ("sleep", "SIGTERM",
                                                                       "SIGTERM")


def test_summary_has_a_line_per_process(run):
    result = run(LAUNCH + ["sleep", "2"], linger=5)
    lines = result.summary().splitlines()
    assert lines[0].endswith("exit 2 after %.3f s; exit status 2" % result.duration)
    assert lines[1].split() == ["PID", "NAME", "ROLE", "STARTED", "REAPED", "CPU", "MAXRSS",
                                "STATUS"]
    assert lines[2].split()[:3] == [str(result.pid), PYTHON_COMM, "command"]
    assert lines[3].split()[1:3] == ["sleep", "orphan"]
    assert lines[3].endswith("SIGTERM (sent SIGTERM)")
    assert lines[4].startswith("2 processes in all: CPU %.2fs (user %.2fs, system %.2fs)" % (
        result.usage.cpu, result.usage.user, result.usage.system))
    assert repr(result).endswith("exit_status=2 processes=2>")


# sh -c ORPHANS % n leaves n orphans, each a background ":" whose subshell has already ended.
ORPHANS = "i=0; while [ $i -lt %d ]; do (: &); i=$((i + 1)); done"


def test_records_0_keeps_no_record_however_many_orphans_are_reaped(run):
    """With records=0 the result holds no record but the command's: what a long-lived init
    keeps does not grow with the orphans it reaps; the count stays exact."""
    result = run(["sh", "-c", ORPHANS % 2000 + "; exit 3"], records=0)
    assert (result.exit_status, result.processes, result.orphans) == (3, [], [])
    assert result.processes_reaped == 2001
    assert (result.command.pid, result.command.exitcode) == (result.pid, 3)


def test_by_default_the_last_records_are_kept_and_every_one_is_counted(run):
    seen = []
    result = run(["sh", "-c", ORPHANS % (_supervisor.RECORDS + 200)], on_reap=seen.append)
    assert len(seen) == result.processes_reaped == _supervisor.RECORDS + 201
    assert result.processes == seen[-_supervisor.RECORDS:]
    assert result.command in seen and result.command.command
    assert repr(result).endswith("processes=%d>" % (_supervisor.RECORDS + 201))


def test_on_reap_is_called_as_each_process_is_reaped(run):
    seen = []
    result = run(["sh", "-c", ORPHANS % 5], records=2, on_reap=seen.append)
    assert len(seen) == result.processes_reaped == 6
    assert [p.command for p in seen].count(True) == 1 and result.processes == seen[-2:]
    assert all(isinstance(p, Reaped) for p in seen)
    assert seen == sorted(seen, key=lambda p: p.reaped)


def refuse(process):
    raise KeyError(process.pid)


def test_an_error_from_on_reap_kills_and_reaps_the_tree_before_it_raises(run):
    with pytest.raises(KeyError):
        run(["sh", "-c", "(: &); sleep 30 & wait"], on_reap=refuse)
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def test_summary_counts_every_process_and_shows_those_kept(run):
    result = run(["sh", "-c", ORPHANS % 5], records=2)
    lines = result.summary().splitlines()
    assert lines[0].endswith("; exit status 0; 6 processes reaped, the last 2 listed")
    assert len(lines) == 5 and lines[-1].startswith("6 processes in all: ")


@pytest.mark.parametrize("records, error, message", [
    (-1, ValueError, r"records must be a number of records \(>= 0\), not -1"),
    (1.5, TypeError, "records must be an int, not float"),
    (True, TypeError, "records must be an int, not bool"),
])
def test_records_is_checked_before_anything_starts(records, error, message):
    with pytest.raises(error, match="^supervise: " + message):
        supervise(["true"], records=records)


def test_a_result_is_a_supervision():
    assert isinstance(supervise(["true"]), Supervision)
    assert pyglibc.supervise is supervise


def test_what_supervise_returns_is_named_in_pyglibc_too():
    """Its classes and functions, not its constants (the defaults of supervise's arguments)."""
    from pyglibc import Reaped as reaped, Supervision as supervision

    assert (reaped, supervision) == (Reaped, Supervision)
    assert {name for name in _supervisor.__all__ if not name.isupper()} <= set(pyglibc.__all__)


# -- the PyPy 3.9 paths: no os.posix_spawn, no os.waitid -----------------------------------------


@pytest.fixture
def without_posix_spawn_and_waitid(monkeypatch, not_a_subreaper):
    monkeypatch.setattr("pyglibc._supervisor.start._posix_spawn", None)
    monkeypatch.setattr("pyglibc._supervisor.reaping._waitid", None)


def test_fork_and_proc_scan_reap_and_name_a_daemon(without_posix_spawn_and_waitid, files):
    result = supervise(LAUNCH + ["ignore", "6"], stdout=files.out, linger=0.1, timeout=10)
    daemon = daemon_pid(files.read()[0])
    assert result.exit_status == 6
    assert [(p.pid, p.name, p.signal) for p in result.orphans] == [(daemon, "sleep", SIGKILL)]
    assert result.command.name == PYTHON_COMM


def test_fork_path_gives_only_0_1_2_and_a_clean_mask(without_posix_spawn_and_waitid, files, fds,
                                                     signal_mask):
    signal_mask(signal.SIGUSR2)
    os.set_inheritable(fds.pipe()[1], True)
    supervise(["sh", "-c", "ls /proc/self/fd; grep SigBlk /proc/self/status"],
              stdout=files.out, timeout=10, group=True)
    lines = files.read()[0].split()
    assert lines[:4] == [b"0", b"1", b"2", b"3"]  # 3: the directory ls reads
    assert lines[4:] == [b"SigBlk:", b"0000000000000000"]


def test_fork_path_reports_exec_errors(without_posix_spawn_and_waitid, tmp_path):
    script = tmp_path / "script"
    script.write_text("#!/no/such/interpreter\n")
    script.chmod(0o755)
    result = supervise([str(script)], timeout=10)
    assert result.exit_status == 127 and "no such file or directory" in result.error
    script.write_bytes(b"\x7fELF not really")
    assert supervise([str(script)], timeout=10).error == str(script) + ": exec format error"
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


@spawn_errors
def test_posix_spawn_reports_exec_format_errors(run, tmp_path):
    script = tmp_path / "script"
    script.write_bytes(b"\x7fELF not really")
    script.chmod(0o755)
    result = run([str(script)])
    assert (result.exit_status, result.error) == (126, str(script) + ": exec format error")



# In a fresh interpreter, whose 3 and 4 are a socket pair (close-on-exec, as Python
# makes them; 4 then made inheritable): supervise() with preserve_fds=2, with a second
# thread (so posix_spawn starts CMD) or without (fork), and LISTEN_PID naming the
# supervisor or not.  CMD says what it sees, and talks to itself from 3 to 4.
HANDED_ON = """
import os, signal, socket, sys, threading
from pyglibc import supervise
a, b = socket.socketpair()
assert (a.fileno(), b.fileno()) == (3, 4)
os.set_inheritable(4, True)
threaded, listen = sys.argv[1] == "threaded", sys.argv[2] == "listen"
env = dict(os.environ, LISTEN_PID=str(os.getpid()) if listen else "1", LISTEN_FDS="2")
done = threading.Event()
if threaded:
    before = signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())
    thread = threading.Thread(target=done.wait)
    thread.start()
    signal.pthread_sigmask(signal.SIG_SETMASK, before)
try:
    status = supervise([sys.executable, "-c", sys.argv[3]], preserve_fds=2, env=env).exit_status
finally:
    done.set()
print(os.get_inheritable(3), os.get_inheritable(4), status)
"""
SEES = ("import os, socket; "
        "print(os.environ['LISTEN_PID'] == str(os.getpid()), sorted(int(n) for n in "
        "os.listdir('/proc/self/fd') if os.path.exists('/proc/self/fd/' + n))); "
        "socket.socket(fileno=3).sendall(b'ping'); print(socket.socket(fileno=4).recv(4))")


@pytest.mark.parametrize("start", ["fork", "threaded"])
@pytest.mark.parametrize("listen", ["listen", "another"])
def test_preserve_fds_hands_on_descriptors_close_on_exec_or_not(start, listen, tmp_path):
    """The command gets 3 and 4 whatever their close-on-exec flag here, which stays as
    it was; with LISTEN_PID naming the supervisor, the command's names the command."""
    done = subprocess.run([sys.executable, "-c", HANDED_ON, start, listen, SEES],
                          env=child_env(), cwd=str(tmp_path), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=30)
    assert (done.returncode, done.stderr) == (0, b"")
    assert done.stdout == b"%s [0, 1, 2, 3, 4]\nb'ping'\nFalse True 0\n" % (
        b"True" if listen == "listen" else b"False")


# -- as an init --------------------------------------------------------------------------------


@threads_of_its_own
def test_an_init_forwards_every_signal_it_can_catch(run):
    # SIGALRM is not one of the seven: only an init passes it on.
    script = "trap 'exit 14' ALRM; kill -ALRM $PPID; while :; do sleep 1 & wait; done"
    result = run(["sh", "-c", script], init=True, timeout=5)
    assert (result.exit_status, result.init) == (14, True)
    assert [signum for _, signum in result.forwarded] == [signal.SIGALRM]
    # Without init, SIGALRM is not even blocked: it would end this process, so it is
    # only checked that it is not among those managed.
    assert signal.SIGALRM not in _Settings(
        None, 0, 0, False, False, None, (0, 1, 2), {}, False, False, {}, None,
        frozenset(), None).managed


def test_what_an_init_does_not_forward():
    catchable = _supervisor.catchable_signals()
    assert not catchable & {signal.SIGKILL, signal.SIGSTOP, signal.SIGSEGV, signal.SIGBUS,
                            signal.SIGILL, signal.SIGFPE}
    assert {signal.SIGALRM, signal.SIGTSTP, signal.SIGCONT, signal.SIGRTMIN,
            signal.SIGRTMAX} <= catchable


@threads_of_its_own
def test_an_init_does_not_forward_the_sigpipe_of_its_own_writes(run, fds):
    # Our write to a pipe nobody reads raises SIGPIPE in us, blocked by an init like
    # every other signal: it must not reach the command (which gets its own).
    r, w = fds.pipe()
    os.close(r)
    fds.forget(r)
    result = run(["yes"], prefix=True, stdout=w, timeout=10, init=True)
    assert (result.command.signal, result.forwarded) == (signal.SIGPIPE, [])


# -- tini's and dumb-init's options ------------------------------------------------------------

WAIT_FOREVER = "while :; do sleep 1 & wait; done"


def test_rewrite_sends_another_signal(run):
    script = "trap 'exit 12' USR2; kill -TERM $PPID; " + WAIT_FOREVER
    result = run(["sh", "-c", script], rewrite={SIGTERM: signal.SIGUSR2}, timeout=5)
    assert result.exit_status == 12
    assert [signum for _, signum in result.forwarded] == [signal.SIGUSR2]


def test_rewrite_to_0_drops_the_signal(run):
    script = "trap 'exit 10' USR1; trap 'exit 15' TERM; kill -USR1 $PPID; kill -TERM $PPID; "
    result = run(["sh", "-c", script + WAIT_FOREVER], rewrite={SIGUSR1: 0}, timeout=5)
    assert result.exit_status == 15
    assert [signum for _, signum in result.forwarded] == [SIGTERM]


def test_a_rewritten_signal_is_forwarded_even_if_it_is_not_one_of_the_seven(run):
    script = "trap 'exit 12' USR2; kill -ALRM $PPID; " + WAIT_FOREVER
    result = run(["sh", "-c", script], rewrite={signal.SIGALRM: signal.SIGUSR2}, timeout=5)
    assert result.exit_status == 12


@threads_of_its_own
def test_setsid_gives_the_command_a_session_and_stops_it_on_sigtstp(run, files):
    # dumb-init's rewrite: the command's process group is orphaned, and a SIGTSTP
    # would not stop it; so it gets SIGSTOP.  The timeout then ends it (SIGCONT too).
    script = "cut -d' ' -f6 /proc/$$/stat; kill -TSTP $PPID; " + WAIT_FOREVER
    result = run(["sh", "-c", script], setsid=True, init=True, timeout=0.5, kill_after=0)
    assert int(files.read()[0]) == result.pid
    assert [signum for _, signum in result.forwarded] == [signal.SIGSTOP]
    assert result.exit_status == 124


def test_zero_status_remaps_the_commands_status_to_0(run):
    result = run(["sh", "-c", "exit 3"], zero_status=[3, 4])
    assert (result.exit_status, result.returncode) == (0, 3)
    assert run(["sh", "-c", "kill -TERM $$"], zero_status=[143]).exit_status == 0
    assert run(["sh", "-c", "exit 5"], zero_status=[3]).exit_status == 5
    assert run(["sleep", "5"], zero_status=[124, 143], timeout=0.1).exit_status == 124


def test_pdeathsig_is_set_while_it_runs_and_put_back(run, files):
    before = pyglibc.prctl.pdeathsig
    run(["sh", "-c", "grep -c . /proc/$PPID/status"], pdeathsig=signal.SIGUSR2)
    assert pyglibc.prctl.pdeathsig == before
    assert int(files.read()[0]) > 0


@pytest.fixture
def parent_gone_meanwhile(monkeypatch):
    """supervise() sees its parent end between its first look at it and the prctl: as the
    kernel would not, it sends itself the parent-death signal."""
    real = _supervisor._with_pdeathsig

    def with_pdeathsig(settings, parent):
        real(settings, -1)  # -1: a parent that cannot be ours any more

    monkeypatch.setattr(_supervisor, "_with_pdeathsig", with_pdeathsig)
    monkeypatch.setattr(pidns, "_with_pdeathsig", with_pdeathsig)


def test_a_pdeathsig_sent_when_the_parent_is_gone_reaches_the_command(run, parent_gone_meanwhile):
    result = run(["sleep", "30"], pdeathsig=signal.SIGUSR1, timeout=10)
    assert (result.exit_status, result.command.signal) == (128 + SIGUSR1, SIGUSR1)
    assert [signum for _, signum in result.forwarded] == [SIGUSR1]


def test_log_reports_what_happens(run):
    events = []
    run(["sh", "-c", "trap 'exit 3' USR1; sleep 30 & kill -USR1 $PPID; " + WAIT_FOREVER],
        log=lambda event, message: events.append((event, message)), timeout=5)
    kinds = [event for event, _ in events]
    assert kinds[:3] == ["start", "forward", "exit"]
    assert "signal" in kinds and "reap" in kinds
    assert events[1][1].startswith("SIGUSR1 forwarded to pid ")
    assert events[2][1].endswith(": exit 3; exit status 3")


class LogRaised(Exception):
    pass


@pytest.mark.parametrize("failing", [("start", "forward", "exit", "reap", "signal"), ("signal",)])
def test_a_log_that_raises_ends_the_run_with_every_process_killed_and_reaped(run, failing):
    """The callback's first exception reaches the caller, after SIGKILL to the command and to
    what it left, each of them reaped: no zombie, no process left under the caller.  So even
    when it raises again at the "signal" of that SIGKILL."""
    def log(event, message):
        if event in failing:
            raise LogRaised(event)

    with pytest.raises(LogRaised) as raised:
        run(["sh", "-c", "sleep 30 & exec sleep 30"], log=log, timeout=0.1, linger=30)
    assert raised.value.args == failing[:1]
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


@pytest.mark.parametrize("options, error, message", [
    ({"rewrite": {signal.SIGKILL: 1}}, ValueError, "rewrite: SIGKILL cannot be rewritten"),
    ({"rewrite": {signal.SIGCHLD: 1}}, ValueError, "rewrite: SIGCHLD cannot be rewritten"),
    ({"rewrite": {SIGTERM: 99}}, ValueError, "rewrite: 99 is not a signal number"),
    ({"rewrite": [(SIGTERM, 1)]}, TypeError, "rewrite must be a mapping"),
    ({"rewrite": {"TERM": 1}}, TypeError, "rewrite must be a signal number, not str"),
    ({"pdeathsig": 0}, ValueError, "pdeathsig: 0 is not a signal number"),
    ({"zero_status": [256]}, ValueError, r"zero_status: 256 is not an exit status \(0-255\)"),
    ({"zero_status": ["3"]}, TypeError, r"zero_status must hold exit statuses \(int\)"),
])
def test_the_new_options_are_checked_before_anything_starts(options, error, message):
    with pytest.raises(error, match="^supervise: " + message):
        supervise(["true"], **options)


# -- in a PID namespace of its own -------------------------------------------------------------


@pytest.fixture
def run_forking(not_a_subreaper, files):
    """``run`` with supervise's own 10 s limit on the command."""

    def call(argv, **options):
        options.setdefault("stdout", files.out)
        options.setdefault("stderr", files.err)
        options.setdefault("timeout", 10)
        return supervise(argv, **options)

    return call


@root
@threads_of_its_own
def test_pidns_runs_the_command_as_pid_2_of_a_namespace_with_its_own_proc(run_forking, files):
    result = run_forking(["sh", "-c", 'echo $$ $PPID; ls /proc | grep -c "^[0-9]"; exec "$@"',
                          "sh"] + LAUNCH + ["sleep", "6"], pidns=True)
    assert (result.exit_status, result.pid, result.pidns, result.init) == (6, 2, True, True)
    out = files.read()[0].split()
    assert out[:2] == [b"2", b"1"] and int(out[2]) <= 4  # init, sh, ls, grep
    command, orphan = result.processes
    assert (command.pid, command.name) == (2, PYTHON_COMM)
    assert (orphan.pid, orphan.name, orphan.signal) == (int(out[-1]), "sleep", SIGTERM)
    # This process: back in its own namespace for its children, and with nothing left.
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)
    assert subprocess.run(["sh", "-c", "echo $$"], stdout=subprocess.PIPE).stdout.strip() \
        != b"2"


@root
def test_pidns_passes_a_pdeathsig_sent_when_the_parent_is_gone_to_its_init(
        run_forking, parent_gone_meanwhile):
    result = run_forking(["sleep", "30"], pidns=True, pdeathsig=signal.SIGUSR1)
    assert (result.exit_status, result.command.signal) == (128 + SIGUSR1, SIGUSR1)


@root
def test_pidns_keeps_the_timeout_and_the_errors(run_forking):
    timed = run_forking(["sleep", "10"], pidns=True, timeout=0.1)
    assert (timed.exit_status, timed.timed_out, timed.command.signal) == (124, True, SIGTERM)
    missing = run_forking(["no-such-command-here"], pidns=True)
    assert (missing.exit_status, missing.error) == (127, "no-such-command-here: command not "
                                                         "found")


def _pidns_without_cap_sys_admin():
    drop(glibc.CAP_SYS_ADMIN)
    return supervise(["true"], pidns=True)


def test_pidns_not_permitted_is_125_with_the_reason():
    result = in_child(_pidns_without_cap_sys_admin)
    assert (result.exit_status, result.pid) == (125, None)
    assert result.error == ("--pidns: cannot make a PID namespace: unshare: the caller lacks "
                            "the privilege (CAP_SYS_ADMIN for most namespaces), or a new user "
                            "namespace is refused to it")


@root
@threads_of_its_own
def test_pidns_passes_each_record_on_as_it_is_reaped(run_forking):
    seen = []
    result = run_forking(["sh", "-c", ORPHANS % 5 + "; exit 4"], pidns=True, records=3,
                         on_reap=seen.append)
    assert len(seen) == result.processes_reaped == 6 and result.processes == seen[-3:]
    assert (result.exit_status, result.command.pid, result.command.exitcode) == (4, 2, 4)
    assert all(isinstance(p, Reaped) for p in seen)


@root
@threads_of_its_own
def test_pidns_an_error_from_on_reap_kills_the_namespace_before_it_raises(run_forking, files):
    with pytest.raises(KeyError):
        run_forking(["sh", "-c", "sleep 30 & echo $!; (: &); wait"], pidns=True,
                    on_reap=refuse)
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)
