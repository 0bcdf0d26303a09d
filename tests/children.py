"""Real child processes for the wait, pidfd and sched tests, each one reaped.

``Child()`` forks a process that sleeps in read(2) on a pipe until the test
says how to end: ``exit(code)`` writes the exit code, closing the pipe
(``release()``) makes it exit 0.  It runs nothing but that read and
``os._exit``, so it is safe to fork from a process with threads.
``reap()`` (the fixtures call it) closes the pipe and waits for the
child unless a test already did: the suite leaves no zombie behind.

``in_child(function)`` runs function in a forked child and returns what it
returned (anything pickle can carry), or raises AssertionError with the
child's traceback: for calls that would change the test process itself
(wait for *any* child, unshare, setns).

PYTEST_DONT_REWRITE: it is imported as a module before pytest loads it as a plugin
(``pytest_plugins = ["children"]`` gives the test files its fixture).
"""

import os
import pickle
import traceback

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


def in_child(function, *args):
    """Run ``function(*args)`` in a forked child; return its result or raise its error."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            try:
                out = (True, function(*args))
            except BaseException:
                out = (False, traceback.format_exc())
            data = pickle.dumps(out)
            while data:
                data = data[os.write(w, data):]
        finally:
            os._exit(0)
    os.close(w)
    try:
        chunks = []
        while True:
            chunk = os.read(r, 65536)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(r)
        os.waitpid(pid, 0)
    ok, value = pickle.loads(b"".join(chunks))
    if not ok:
        raise AssertionError("in the child:\n" + value)
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
