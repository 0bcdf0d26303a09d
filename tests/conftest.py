"""Fixtures shared by the behaviour tests: real kernel objects, and a process left as found.

Every test, whoever wrote it, is checked by ``_leaves_no_trace``: no file
descriptor leaked, no child process left running or unreaped, no thread
left running, and the thread's signal mask and the signal handlers are what
they were before.  The
other fixtures do the cleaning up so that a test need not: ``fds`` closes
what a test opened, ``signal_mask`` and ``on_signal`` put the mask and the
handlers back, ``helper`` runs a second thread that acts while the main
thread waits in a system call.
"""

import contextlib
import errno
import os
import signal
import threading
import time

import pytest
import timeouts
from timeouts import pytest_runtest_logfinish, pytest_runtest_teardown, pytest_timeout_set_timer  # noqa: F401 (hooks)

import glibc
import glibc.families


# Every program a test starts gets SIGHUP, SIGINT and SIGQUIT at their default action,
# whoever started the run: a shell starts a background job with SIGINT and SIGQUIT
# ignored, nohup ignores SIGHUP, an ignored signal stays ignored through exec, and the
# supervisor rightly keeps it so for its command; a test that sends one would wait in
# vain.  Handled here instead (a handler is reset at exec), they still do nothing to
# the run itself, as the one who ignored them meant.  What was ignored is read from
# /proc: PyPy's getsignal says SIG_DFL for a signal it found ignored at startup.
def _as_ignored(signum, frame):
    pass


with open("/proc/self/status") as _status:
    _ignored = int(next(line for line in _status if line.startswith("SigIgn:")).split()[1], 16)
for _signum in (signal.SIGHUP, signal.SIGINT, signal.SIGQUIT):
    if _ignored & 1 << (_signum - 1):
        signal.signal(_signum, _as_ignored)

# -- system calls newer than Linux 4.18 ---------------------------------------------


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "needs_kernel(*names): skip where the kernel lacks these system calls")


def pytest_runtest_setup(item):
    for mark in item.iter_markers("needs_kernel"):
        import kernelkit  # here: tests/test_guard.py runs this conftest on its own

        for name in mark.args:
            reason = kernelkit.lacks(name)
            if reason is not None:
                pytest.skip(reason)


# -- the guard every test runs under --------------------------------------------

THREAD_EXIT = 2.0  # seconds a thread that has ended may take to leave /proc/self/task


def _open_fds():
    """fd -> what it refers to, for every open fd of this process."""
    fds = {}
    for name in os.listdir("/proc/self/fd"):
        try:
            fds[int(name)] = os.readlink("/proc/self/fd/" + name)
        except FileNotFoundError:
            pass  # the fd listdir used to read the directory, closed by now
    return fds


def _handlers():
    return {signum: signal.getsignal(signum) for signum in signal.valid_signals() - timeouts.OWNED}


def _mask():
    return signal.pthread_sigmask(signal.SIG_BLOCK, [])


def _children():
    """The pids of this process's children, running or not yet reaped."""
    pids = set()
    for tid in os.listdir("/proc/self/task"):
        try:
            with open("/proc/self/task/%s/children" % tid) as f:
                pids.update(int(pid) for pid in f.read().split())
        except FileNotFoundError:
            pass  # a thread that ended meanwhile
    return pids


def _threads():
    """The thread ids of this process, as the kernel lists them."""
    return set(os.listdir("/proc/self/task"))


def _threads_left(before):
    """The threads not in before that are still there, given a moment to leave: one that has
    returned from join() may not have left the kernel's list yet."""
    deadline = time.monotonic() + THREAD_EXIT
    while True:
        left = _threads() - before
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.001)


def _reap(pids):
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)


@pytest.fixture(autouse=True)
def _leaves_no_trace():
    fds, mask, handlers, children = _open_fds(), _mask(), _handlers(), _children()
    threads = _threads()
    yield
    leaked = {fd: target for fd, target in _open_fds().items() if fds.get(fd) != target}
    orphans = _children() - children
    running = _threads_left(threads)
    changed = {signum for signum, handler in _handlers().items() if handlers[signum] != handler}
    now = _mask()
    # Put things back first, so that one faulty test does not fail the next ones too.
    for fd in leaked:
        os.close(fd)
    for signum in changed:
        signal.signal(signum, handlers[signum])
    signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    _reap(orphans)
    assert not orphans, \
        "the test left these child processes running or unreaped: %r" % sorted(orphans)
    assert not leaked, "the test left these file descriptors open: %r" % leaked
    assert not changed, "the test changed the handlers of %r" % sorted(changed)
    assert not running, "the test left threads running (tids %s): a later test that forks, " \
        "or supervises in this process, would meet them" % ", ".join(sorted(running))
    assert now == mask, "the test changed the signal mask from %r to %r" % (mask, now)


# -- file descriptors ---------------------------------------------------------------


class FdSet:
    """The fds a test opened: ``fd = fds(glibc.eventfd(0, 0))``; all closed at the end."""

    def __init__(self):
        self._open = []

    def __call__(self, *fds):
        self._open.extend(fds)
        return fds[0] if len(fds) == 1 else fds

    def pipe(self):
        """A new pipe (stdlib-made, close-on-exec): (read end, write end)."""
        return self(*os.pipe())

    def forget(self, fd):
        """The test closed fd itself."""
        self._open.remove(fd)

    def close_all(self):
        while self._open:
            os.close(self._open.pop())


@pytest.fixture
def fds():
    owned = FdSet()
    yield owned
    owned.close_all()


# -- signals --------------------------------------------------------------------------


def _sigset(*signals):
    new = glibc.sigset_t()
    glibc.sigemptyset(new)
    for signum in signals:
        glibc.sigaddset(new, signum)
    return new


@pytest.fixture
def signal_mask():
    """The calling thread's mask is restored at the end; ``signal_mask(SIGUSR1, ...)`` blocks.

    A signal the test blocked and left pending is taken off first (sigwait),
    or unblocking it would run its default action and end the whole run.
    """
    before = _mask()

    def block(*signals):
        signal.pthread_sigmask(signal.SIG_BLOCK, signals)

    yield block
    for signum in _mask() - before:
        _drain(signum)
    signal.pthread_sigmask(signal.SIG_SETMASK, before)


def _drain(signum):
    """Take every pending instance of the blocked signum, without waiting.

    Not sigwait: a pending bit can stand for nothing left to take (Linux
    drops the queued signal of a POSIX timer deleted meanwhile, when it is
    dequeued), and sigwait would then wait for ever.
    """
    wanted = _sigset(signum)
    now = glibc.timespec()
    while True:
        try:
            glibc.sigtimedwait(wanted, None, now)
        except BlockingIOError:
            return


@pytest.fixture
def on_signal():
    """``on_signal(SIGUSR1, handler)`` installs a Python handler until the test ends."""
    saved = {}

    def install(signum, handler):
        saved.setdefault(signum, signal.getsignal(signum))
        signal.signal(signum, handler)

    yield install
    for signum, handler in saved.items():
        signal.signal(signum, handler)


@pytest.fixture
def sigset():
    """``sigset(SIGUSR1, SIGUSR2)``: a new sigset_t holding exactly those signals."""

    return _sigset


# -- blocking calls -----------------------------------------------------------------------


# Seconds for a test that waits on another thread or process: a hang there is
# found sooner than by the run's own limit (pyproject.toml's timeout).
WATCHDOG = 20


def pytest_collection_modifyitems(items):
    for item in items:
        if "watchdog" in item.fixturenames and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(WATCHDOG))


@pytest.fixture
def watchdog():
    """A test that may block fails after WATCHDOG seconds, by name and with its stack.

    pytest-timeout's SIGALRM does it (the marker is added at collection), and
    the run goes on with the next test.  No thread watches: with one, every
    fork in the test would be the fork of a multi-threaded process.
    """
    yield


class Helper:
    """A second thread that acts while the main thread waits in a system call.

    ``helper.start(script)`` runs script in the thread; the script calls
    ``helper.wait_blocked("read")`` to be sure the main thread is inside the
    call before it signals, so that the signal interrupts the call and is not
    handled before it.  An exception in the script fails the test.
    """

    def __init__(self):
        self.main_ident = threading.main_thread().ident
        self._main_tid = threading.main_thread().native_id
        self._threads = []
        self._errors = []
        self._test_over = threading.Event()

    def start(self, script):
        def run():
            try:
                script()
            except BaseException as exc:  # reported by join()
                self._errors.append(exc)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        self._threads.append(thread)

    def wait_blocked(self, syscall, within=10.0):
        """Return once the main thread sleeps in syscall (waiting.py says how that is seen)."""
        import waiting  # here, as kernelkit above

        waiting.wait_until_in(self._main_tid, syscall, within, give_up=self._test_over)

    def is_blocked(self, syscall):
        import waiting

        return waiting.sleeps_in(self._main_tid) in waiting.SLEEPS_IN[syscall]

    def signal_main(self, signum=signal.SIGUSR1):
        signal.pthread_kill(self.main_ident, signum)

    def interrupt_then(self, syscall, action, on_signal):
        """PEP 475's case: a handler that returns must not end the call.

        Installs a SIGUSR1 handler that only records it ran, signals the main
        thread inside syscall, waits until it is back in syscall after the
        handler, then runs action (which should let the call complete).
        Returns the Event the handler sets.
        """
        handled = threading.Event()
        on_signal(signal.SIGUSR1, lambda signum, frame: handled.set())

        def script():
            self.wait_blocked(syscall)
            self.signal_main(signal.SIGUSR1)
            assert handled.wait(10)
            self.wait_blocked(syscall)  # back in the call after the handler
            action()

        self.start(script)
        return handled

    def interrupt(self, syscall, signum=signal.SIGUSR1):
        """Send signum to the main thread once it sleeps in syscall."""

        def script():
            self.wait_blocked(syscall)
            self.signal_main(signum)

        self.start(script)

    def join(self):
        self._test_over.set()  # a script still waiting for the main thread gives up
        for thread in self._threads:
            thread.join()
        if self._errors:
            raise self._errors[0]


@pytest.fixture
def helper(watchdog, on_signal, fds):
    # Asking for on_signal and fds here makes the helper thread end before the
    # handlers are put back and the fds closed, whatever order a test names them in.
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("Python runs signal handlers in the main thread only")
    second = Helper()
    yield second
    second.join()


@pytest.fixture
def handler_raising():
    """``handler, raised = handler_raising(Error)``: a signal handler that raises a
    new Error each time, and the list of what it raised."""

    def make(error):
        raised = []

        def handler(signum, frame):
            raised.append(error("from the handler"))
            raise raised[-1]

        return handler, raised

    return make


# -- errors ----------------------------------------------------------------------------------

ENTRIES = {f.name: f for fam in glibc.families.load() for f in fam.functions}


@pytest.fixture
def raises_errno():
    """``with raises_errno("close", "EBADF"): glibc.close(-1)`` expects exactly
    OSError(EBADF, "close: <the reason the table gives for EBADF>")."""

    @contextlib.contextmanager
    def expect(function, name):
        number = getattr(errno, name)
        with pytest.raises(OSError) as info:
            yield info
        assert info.value.errno == number, info.value
        assert info.value.strerror == "%s: %s" % (function, ENTRIES[function].errors[name])
        assert str(info.value) == "[Errno %d] %s: %s" % (number, function,
                                                        ENTRIES[function].errors[name])

    return expect
