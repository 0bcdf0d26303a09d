"""errno belongs to the call that failed, whatever a signal handler does afterwards.

The interpreter runs Python signal handlers as soon as a C call returns,
before the next line of the caller.  A handler that makes a failing C call
of its own (a SIGCHLD handler that reaps until ECHILD, one that drains a
non-blocking pipe until EAGAIN) changes errno, so a wrapper that read errno
after the call returned would raise the handler's error instead of retrying
the EINTR its own call got (PEP 475).  Each test here interrupts a blocking
call with a signal whose handler fails a C call, and expects the call to go
on as if the handler had only returned.
"""

import errno
import os
import signal
import time

import pytest

import glibc
import pyglibc.select

WAIT = 0.6  # seconds: the waits with a timeout; the signal comes 0.1 s in


@pytest.fixture
def failing_handler(on_signal):
    """SIGUSR1 runs a handler that reaps a pid that is not a child: ChildProcessError.

    Returns the list of errors the handler's own call raised (one per signal).
    """
    seen = []
    status = glibc.ffi.new("int *")

    def reap(signum, frame):
        try:
            glibc.waitpid(os.getpid(), status, glibc.WNOHANG)
        except ChildProcessError as exc:
            seen.append(exc.errno)

    on_signal(signal.SIGUSR1, reap)
    return seen


def signal_inside(helper, syscall, then=None):
    def script():
        helper.wait_blocked(syscall)
        time.sleep(0.1)
        helper.signal_main(signal.SIGUSR1)
        if then is not None:
            time.sleep(0.1)
            then()
    helper.start(script)


def test_read_goes_on_after_a_handler_whose_own_call_failed(failing_handler, helper, fds):
    r, w = fds.pipe()
    signal_inside(helper, "read", then=lambda: os.write(w, b"after"))
    buf = bytearray(16)
    assert glibc.read(r, buf) == 5
    assert bytes(buf[:5]) == b"after"
    assert failing_handler == [errno.ECHILD]


def test_epoll_wait_keeps_its_timeout_after_a_handler_whose_own_call_failed(
        failing_handler, helper, fds):
    epfd = fds(glibc.epoll_create1(glibc.EPOLL_CLOEXEC))
    events = glibc.ffi.new("struct epoll_event[4]")
    signal_inside(helper, "epoll_wait")
    start = time.monotonic()
    assert glibc.epoll_wait(epfd, events, 4, int(WAIT * 1000)) == 0
    assert time.monotonic() - start >= WAIT
    assert failing_handler == [errno.ECHILD]


def test_ppoll_keeps_its_timespec_after_a_handler_whose_own_call_failed(
        failing_handler, helper):
    timeout = glibc.ffi.new("struct timespec *", (0, int(WAIT * 1e9)))
    signal_inside(helper, "ppoll")
    start = time.monotonic()
    assert glibc.ppoll(glibc.ffi.NULL, 0, timeout, glibc.ffi.NULL) == 0
    assert time.monotonic() - start >= WAIT
    assert failing_handler == [errno.ECHILD]


def test_the_epoll_drop_in_returns_nothing_after_its_timeout_as_the_stdlib_does(
        failing_handler, helper):
    with pyglibc.select.epoll() as ep:
        signal_inside(helper, "epoll_wait")
        start = time.monotonic()
        assert ep.poll(WAIT) == []
        assert time.monotonic() - start >= WAIT
    assert failing_handler == [errno.ECHILD]


def test_pause_still_returns_minus_one_after_a_handler_whose_own_call_failed(
        failing_handler, helper):
    signal_inside(helper, "pause")
    assert glibc.pause() == -1
    assert failing_handler == [errno.ECHILD]


def _reads_ffi_errno(path):
    """(line, text) of each line at path that reads cffi's errno, in code or in
    the source of the wrappers glibc/_functions.py generates; comments aside."""
    with open(path) as f:
        return [(number, line.strip()) for number, line in enumerate(f, 1)
                if "ffi.errno" in line and not line.lstrip().startswith("#")]


@pytest.mark.parametrize("package", [glibc, pyglibc])
def test_no_module_reads_errno_after_the_call_returned(package):
    # cffi's ffi.errno is saved after every C call, a signal handler's too.
    root = os.path.dirname(package.__file__)
    found = {}
    for folder, _, files in os.walk(root):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                found.update({"%s:%d" % (path, line): text
                              for line, text in _reads_ffi_errno(path)})
    assert found == {}
