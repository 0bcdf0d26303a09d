"""What the tests of ``pyglibc.supervise`` and ``python -m pyglibc run`` share.

``LAUNCH + [mode, status]`` is a command that daemonises a grandchild the
usual way (fork, setsid, fork, the middle process exits) and exits with
status once the daemon is ready, after printing ``daemon <pid>``.  The
daemon is then an orphan, reparented to the nearest subreaper.  Modes:

* ``sleep``: the daemon runs ``sleep 30``;
* ``ignore``: the same with SIGTERM ignored (SIG_IGN survives the exec);
* ``report``: the daemon stays Python and prints ``term`` on SIGTERM.

"Ready" means exec'd (or, for ``report``, with its handler installed): the
launcher waits for the end of file on a close-on-exec pipe, so its name and
its reaction to SIGTERM are known when the launcher exits.  Every daemon
has an alarm(30) that outlives exec: nothing a failed test leaves behind
runs for long.

Fixtures: ``run(argv, **options)`` supervises with stdout and stderr going
to ``files`` (two files read back as bytes), with the subreaper flag off
at the start (``not_a_subreaper``).

PYTEST_DONT_REWRITE: it is imported as a module before pytest loads it as a plugin
(``pytest_plugins = ["supervise_kit"]`` gives the test files its fixtures).
"""

import contextlib
import os
import signal
import sys

import pytest

import glibc
import pyglibc
from pyglibc import subreaper, supervise

DAEMON = r"""
import os, signal, sys
mode, status = sys.argv[1], int(sys.argv[2])
r, w = os.pipe()  # both ends close-on-exec (PEP 446)
child = os.fork()
if child == 0:
    os.setsid()
    if os.fork() == 0:
        os.close(r)
        signal.alarm(30)
        os.write(w, b"%d" % os.getpid())
        if mode == "ignore":
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if mode == "report":
            signal.signal(signal.SIGTERM, lambda *args: os.write(1, b"term\n"))
            os.close(w)
            # Woken through the wakeup fd, not by signal.pause(), which sleeps through a signal
            # that comes between the interpreter's check for handlers and the pause itself.
            wake, woken = os.pipe()
            os.set_blocking(woken, False)
            signal.set_wakeup_fd(woken)
            while True:
                os.read(wake, 64)
        os.execvp("sleep", ["sleep", "30"])
    os._exit(0)
os.close(w)
os.waitpid(child, 0)
pid = b""
while True:
    chunk = os.read(r, 32)
    if not chunk:
        break
    pid += chunk
os.write(1, b"daemon " + pid + b"\n")
sys.exit(status)
"""

LAUNCH = [sys.executable, "-c", DAEMON]

# The command name of a Python child: the kernel takes it from the file exec'd.
PYTHON_COMM = os.path.basename(sys.executable)[:15]


def gone(pid):
    """True once pid is neither running nor a zombie waiting for someone."""
    return not os.path.exists("/proc/%d" % pid)


@contextlib.contextmanager
def term_ignored():
    """SIGTERM ignored here meanwhile, so that a command started then ignores it from its first
    instruction (an ignored signal stays so through exec).  A shell's trap '' TERM comes too
    late for a timeout of 0.1 s where the shell starts slowly (under qemu-user, a loaded
    machine): the SIGTERM finds it at its default action."""
    previous = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def child_env():
    """The environment of a child interpreter that imports the glibc and pyglibc we test."""
    roots = []
    for package in (glibc, pyglibc):
        root = os.path.dirname(os.path.dirname(os.path.abspath(package.__file__)))
        if root not in roots:
            roots.append(root)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONPATH"] = os.pathsep.join(roots)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def waiting_for_signals(said):
    """The end of a test program that has os and signal imported and its handlers set:
    it writes the bytes the expression ``said`` gives, then runs its handlers for ever.

    Woken through the wakeup fd, not by signal.pause(), which sleeps through a
    signal that comes between the interpreter's check for handlers and the pause.
    """
    return ("wake, woken = os.pipe()\n"
            "os.set_blocking(woken, False)\n"
            "signal.set_wakeup_fd(woken)\n"
            "os.write(1, %s)\n"
            "while True:\n"
            "    os.read(wake, 64)\n" % said)


COSTLY = r"""
import os, sys, time
mib, burn = int(sys.argv[1]), float(sys.argv[2])
# A child that fills mib MiB and is waited for: its cost is the command's.
child = os.fork()
if child == 0:
    block = b"x" * (mib << 20)
    os._exit(0)
os.waitpid(child, 0)
# A grandchild that burns burn seconds of CPU, left behind: its cost is its own.
r, w = os.pipe()
middle = os.fork()
if middle == 0:
    if os.fork() == 0:
        os.close(r)
        end = time.process_time() + burn
        while time.process_time() < end:
            pass
        os._exit(0)
    os._exit(0)
os.waitpid(middle, 0)
os.close(w)
os.read(r, 1)  # the end of file: the orphan is done
"""

# COSTLY + [MiB, seconds]: a command that waits for a child filling MiB of memory,
# then leaves an orphan that burns seconds of CPU, and ends when that orphan is done.
COSTLY = [sys.executable, "-c", COSTLY]


@pytest.fixture
def not_a_subreaper():
    """The test starts with the subreaper flag off, and it is put back as it was."""
    before = subreaper.enabled
    subreaper.enabled = False
    yield
    subreaper.enabled = before


class Files:
    """Two files for a command's stdout and stderr, read back as bytes."""

    def __init__(self, directory):
        self.paths = [str(directory / "out"), str(directory / "err")]
        self.out, self.err = (os.open(p, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o600)
                              for p in self.paths)

    def read(self):
        found = []
        for path in self.paths:
            with open(path, "rb") as f:
                found.append(f.read())
        return tuple(found)

    def close(self):
        os.close(self.out)
        os.close(self.err)


@pytest.fixture
def files(tmp_path):
    made = Files(tmp_path)
    yield made
    made.close()


@pytest.fixture
def run(not_a_subreaper, files, watchdog):
    """``run(argv, **options)``: supervise with stdout and stderr going to ``files``."""

    def call(argv, **options):
        options.setdefault("stdout", files.out)
        options.setdefault("stderr", files.err)
        return supervise(argv, **options)

    return call
