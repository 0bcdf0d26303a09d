"""The old package's demos run unchanged against ours.

python-glibc 0.6.1's sdist is downloaded with pip at test time (its demos are
not ours to ship), the two demos that use the pythonic objects are taken out
of it, and each runs in a child interpreter that imports our ``glibc`` and
``pyglibc``.  Only the demo files are extracted, so the old package can never
be imported by mistake.  A failed download fails these tests: they are the
compatibility check, and skipping would hide that it did not run.
"""

import os
import signal
import subprocess
import sys
import tarfile
import time

import kernelkit
import pytest

import glibc
import pyglibc
from supervise_kit import child_env  # our glibc and pyglibc first on the path

OLD = "glibc==0.6.1"
DEMOS = ("pythonic-signalfd-demo.py", "EpollSelector-demo.py")
TIMEOUT = 60


@pytest.fixture(scope="session")
def old_demos(tmp_path_factory):
    """demo name -> path of the extracted demo, or the reason the download failed."""
    sdist_dir = tmp_path_factory.mktemp("old-sdist")
    demo_dir = tmp_path_factory.mktemp("old-demos")
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
               OLD, "-d", str(sdist_dir)]
    try:
        done = subprocess.run(command, cwd=str(sdist_dir), env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return "%s failed: %s" % (" ".join(command), exc)
    sdists = sorted(sdist_dir.glob("glibc-0.6.1.tar.gz"))
    if done.returncode != 0 or not sdists:
        return "%s failed (exit status %d):\n%s" % (
            " ".join(command), done.returncode, done.stdout.decode(errors="replace"))
    found = {}
    with tarfile.open(str(sdists[0])) as sdist:
        for member in sdist.getmembers():
            name = member.name.rsplit("/", 1)[-1]
            if member.isfile() and name in DEMOS and member.name.rsplit("/", 2)[-2] == "demos":
                path = demo_dir / name
                path.write_bytes(sdist.extractfile(member).read())
                found[name] = str(path)
    missing = sorted(set(DEMOS) - set(found))
    if missing:
        return "%s holds no demos/%s" % (sdists[0].name, ", demos/".join(missing))
    return found


@pytest.fixture
def demo(old_demos):
    """``demo(name)``: the path of one demo, or a failed test if the download failed."""

    def path(name):
        if isinstance(old_demos, str):
            pytest.fail("cannot get the old package's demos: " + old_demos, pytrace=False)
        return old_demos[name]

    return path


def start(path, *args):
    return subprocess.Popen([sys.executable, path] + list(args), cwd=os.path.dirname(path),
                            env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finish(proc):
    """(exit status, stdout, stderr) of proc, killed if it outlives TIMEOUT."""
    try:
        out, err = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail("the demo did not end within %d s:\nstdout: %r\nstderr: %r"
                    % (TIMEOUT, out, err))
    return proc.returncode, out.decode(), err.decode()


def proc_status(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            if key == field:
                return value.strip()
    raise AssertionError("/proc/%d/status has no %s" % (pid, field))


def wait_until(proc, condition, what):
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            rc, out, err = finish(proc)
            pytest.fail("the demo ended (status %d) before %s:\nstdout: %s\nstderr: %s"
                        % (rc, what, out, err))
        if condition():
            return
        time.sleep(0.005)
    pytest.fail("the demo did not get to %s within %d s" % (what, TIMEOUT))


def blocks(pid, *signals):
    """True once every one of signals is blocked in the demo's (main thread's) mask."""
    mask = int(proc_status(pid, "SigBlk"), 16)
    return all(mask & (1 << (signum - 1)) for signum in signals)


def test_the_demos_import_our_packages_not_the_old_ones(demo):
    path = demo("pythonic-signalfd-demo.py")
    probe = "import glibc, pyglibc; print(glibc.__file__); print(pyglibc.__file__)"
    out = subprocess.run([sys.executable, "-c", probe], cwd=os.path.dirname(path),
                         env=child_env(), stdout=subprocess.PIPE, check=True,
                         timeout=TIMEOUT).stdout.decode().split()
    assert out == [os.path.abspath(glibc.__file__), os.path.abspath(pyglibc.__file__)]


# The demo blocks SIGINT and SIGQUIT, makes a signalfd for them, reads once
# and reports each signal of that read; SIGQUIT ends it early.  A signal sent
# once both are blocked waits, pending, for the signalfd, however late it is made.
@pytest.mark.parametrize("sent, report", [
    ([signal.SIGINT], "Got SIGINT\n"),
    ([signal.SIGQUIT], "Got SIGQUIT\n"),
], ids=["SIGINT", "SIGQUIT"])
def test_pythonic_signalfd_demo_reports_the_signal_it_gets(demo, sent, report):
    proc = start(demo("pythonic-signalfd-demo.py"))
    try:
        wait_until(proc, lambda: blocks(proc.pid, signal.SIGINT, signal.SIGQUIT),
                   "block SIGINT and SIGQUIT")
        for signum in sent:
            os.kill(proc.pid, signum)
        assert finish(proc) == (0, report, "")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


@kernelkit.not_emulated("delivers the signals the demo blocked once it is stopped and "
                        "continued")
def test_pythonic_signalfd_demo_reads_both_signals_in_one_read(demo):
    # Both must be pending before the demo reads, so it is stopped while they are sent.
    proc = start(demo("pythonic-signalfd-demo.py"))
    try:
        wait_until(proc, lambda: blocks(proc.pid, signal.SIGINT, signal.SIGQUIT),
                   "block SIGINT and SIGQUIT")
        os.kill(proc.pid, signal.SIGSTOP)
        wait_until(proc, lambda: proc_status(proc.pid, "State").startswith("T"), "stop")
        os.kill(proc.pid, signal.SIGQUIT)
        os.kill(proc.pid, signal.SIGINT)
        os.kill(proc.pid, signal.SIGCONT)
        assert finish(proc) == (0, "Got SIGINT\nGot SIGQUIT\n", "")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


UNTIL_THE_PIPES_ARE_CLOSED = """
import os, time
pipes = {os.readlink("/proc/self/fd/1"), os.readlink("/proc/self/fd/2")}
os.write(1, b"to-stdout\\n")
os.write(2, b"to-stderr\\n")
os.close(1)
os.close(2)
fds = "/proc/%d/fd" % os.getppid()

def still_open():
    for fd in os.listdir(fds):
        try:
            if os.readlink(os.path.join(fds, fd)) in pipes:
                return True
        except FileNotFoundError:
            pass
    return False

while still_open():
    time.sleep(0.005)
os._exit(3)
"""


# Not our gap: the demo's first line imports os.waitid, which PyPy 3.9's os lacks.
@pytest.mark.skipif(not hasattr(os, "waitid"), reason="the demo imports os.waitid, "
                    "which this interpreter's os module does not have")
def test_epollselector_demo_runs_a_program_and_reaps_it(demo):
    # The demo forks and execs the program, reads its stdout and stderr pipes
    # and a signalfd for SIGCHLD through an EpollSelector, and waits for it.
    # When SIGCHLD comes in the same select() as a pipe's end-of-file, the demo
    # closes the pipe on SIGCHLD and then reads it for the event already in
    # hand: EBADF.  That order is the kernel's to choose (CI saw it once), so
    # the program ends its output and exits only once the demo has closed both
    # pipes.
    program = [sys.executable, "-c", UNTIL_THE_PIPES_ARE_CLOSED]
    rc, out, err = finish(start(demo("EpollSelector-demo.py"), *program))
    assert (rc, err) == (0, ""), out
    assert "Data: b'to-stdout\\n'" in out
    assert "Data: b'to-stderr\\n'" in out
    assert "Got SIGCHLD" in out
    assert "child exited normally" in out
    assert "si_status: 3" in out  # waitid(2)'s exit status (the demo's "exit code" line is not)
