"""Real child processes for the tests, each one reaped.

``Child()`` forks a process that sleeps in read(2) on a pipe until the test
says how to end: ``exit(code)`` writes the exit code, closing the pipe
(``release()``) makes it exit 0.  It runs nothing but that read and
``os._exit``, so it is safe to fork from a process with threads.
``reap()`` (the fixtures call it) closes the pipe and waits for the
child unless a test already did: the suite leaves no zombie behind.

``in_child(function, *args)`` runs function in a forked child and returns
what it returned, or raises what it raised (both pickled through a pipe):
for calls that would change the test process for good (wait for *any*
child, unshare, setns, no_new_privs, a dropped capability, a lowered hard
limit).  ``sleeper`` is the pid of a child that waits until the test ends.

PYTEST_DONT_REWRITE: it is imported as a module before pytest loads it as a plugin
(``pytest_plugins = ["children"]`` gives the test files its fixture).
"""

import os
import pickle
import signal

import pytest


class Child:
    # The write ends of every child's pipe: each new child closes those of
    # the others, or one would hold another's pipe open and keep it reading.
    _writers = set()

    def __init__(self):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child
            code = 70
            try:
                for fd in self._writers | {w}:
                    os.close(fd)
                data = os.read(r, 16)
                code = int(data) if data else 0
            finally:
                os._exit(code)
        os.close(r)
        self.pid = pid
        self._w = w
        self._writers.add(w)
        self.reaped = False

    def exit(self, code):
        """Make the child exit with ``code``."""
        os.write(self._w, b"%d" % code)
        self.release()

    def release(self):
        """Close our end of the pipe: a child still reading exits 0."""
        if self._w >= 0:
            self._writers.discard(self._w)
            os.close(self._w)
            self._w = -1

    def reap(self):
        """End and wait for the child, unless that was done; return its wait status or None."""
        self.release()
        if self.reaped:
            return None
        self.reaped = True
        try:
            return os.waitpid(self.pid, 0)[1]
        except ChildProcessError:  # the test reaped it through a call the kit cannot see
            return None

    def alive(self):
        """True while the child has not ended (a zombie has ended)."""
        try:
            with open("/proc/%d/stat" % self.pid) as f:
                return f.read().rsplit(")", 1)[1].split()[0] != "Z"
        except FileNotFoundError:
            return False


class ChildDied(Exception):
    """The child ended without reporting (killed by a signal, say)."""


def _report(w, function, args):
    try:
        outcome = (True, function(*args))
    except BaseException as exc:  # everything goes back to the parent
        outcome = (False, exc)
    try:
        data = pickle.dumps(outcome)
    except Exception as exc:
        data = pickle.dumps((False, RuntimeError("unpicklable outcome %r: %r" % (outcome, exc))))
    with os.fdopen(w, "wb") as f:
        f.write(data)


def in_child(function, *args):
    """Run ``function(*args)`` in a forked child; return what it returned, raise what it raised."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            _report(w, function, args)
        finally:
            os._exit(0)
    os.close(w)
    try:
        with os.fdopen(r, "rb") as f:
            data = f.read()
    finally:
        _, status = os.waitpid(pid, 0)
    if not data:
        raise ChildDied("the child reported nothing; wait status %#x%s" % (
            status, " (%s)" % signal.Signals(os.WTERMSIG(status)).name
            if os.WIFSIGNALED(status) else ""))
    ok, value = pickle.loads(data)
    if not ok:
        raise value
    return value


@pytest.fixture
def spawn():
    """``child = spawn()``: a new Child; every one is reaped when the test ends."""
    made = []

    def make():
        made.append(Child())
        return made[-1]

    yield make
    for child in made:
        child.reap()


@pytest.fixture
def sleeper(spawn):
    """The pid of a child process that waits until the test ends."""
    return spawn().pid
