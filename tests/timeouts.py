"""A test that runs over its time ends with every process it started.

pytest-timeout (pyproject.toml's ``timeout``, method "signal") fails such a
test from a SIGALRM handler in the main thread, wherever the test waits, and
the run goes on with the next test.  Just before, this plugin stops and then
kills the processes the test started, children and their descendants alike:
the test's own cleanup (``proc.communicate()``, a ``with`` block) would
otherwise wait on them, and a daemon among them would outlive the run.
pytest-timeout stops timing a test once it has failed, so a teardown that
waits after a failure would wait for ever: its teardown then gets a time of
its own, as long, which ends it the same way, as an error in that teardown.
A process is signalled only while its start time is the one seen when it
was found, so a pid that has been reused is left alone.
"""

import contextlib
import os
import signal

import pytest

ROUNDS = 100  # of stopping newcomers: a process forks at most this deep while being stopped

# The signals whose handler pytest-timeout sets for the current test and takes
# back (SIG_DFL) as soon as the test fails, before its teardown: the changes
# are not the test's doing.
OWNED = set()

_BEFORE = pytest.StashKey()  # an item's: (descendants() before it, pytest-timeout's settings)


def _stat(pid):
    """The fields of /proc/PID/stat after the name (state first), or None once it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None


def start_time(pid):
    """The start time of pid (clock ticks after boot), or None once it is gone."""
    stat = _stat(pid)
    return None if stat is None else int(stat[19])


def now():
    """The clock of start times (ticks after boot), read now, rounded down."""
    with open("/proc/uptime") as f:
        return int(float(f.read().split()[0]) * os.sysconf("SC_CLK_TCK")) - 1


def running(pid, start):
    """True while the process that started at start is there and not a zombie."""
    stat = _stat(pid)
    return stat is not None and int(stat[19]) == start and stat[0] not in "ZX"


def _children(pid):
    found = set()
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except (FileNotFoundError, ProcessLookupError):
        return found
    for tid in tids:
        try:
            with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
                found.update(int(child) for child in f.read().split())
        except (FileNotFoundError, ProcessLookupError):
            pass  # a thread or process that ended meanwhile
    return found


def descendants():
    """{pid: start time} of every process below this one."""
    found = {}
    todo = [os.getpid()]
    while todo:
        for pid in _children(todo.pop()):
            start = start_time(pid)
            if start is not None and found.get(pid) != start:
                found[pid] = start
                todo.append(pid)
    return found


def send(pid, start, signum):
    """signum to pid, if it is still the process that started at start."""
    if start_time(pid) == start:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)


def end_new(before):
    """SIGKILL every process below this one that is not in before; their pids.

    Each is stopped first, and the tree looked at again, until no newcomer
    shows: a stopped process cannot fork another behind the kill.
    """
    stopped = {}
    for _ in range(ROUNDS):
        new = {pid: start for pid, start in descendants().items()
               if start not in (before.get(pid), stopped.get(pid))}
        if not new:
            break
        for pid, start in new.items():
            send(pid, start, signal.SIGSTOP)
        stopped.update(new)
    for pid, start in stopped.items():
        send(pid, start, signal.SIGKILL)
    return sorted(stopped)


@pytest.hookimpl(hookwrapper=True, optionalhook=True)
def pytest_timeout_set_timer(item, settings):
    before = descendants()
    item.stash[_BEFORE] = before, settings
    yield
    expire = signal.getsignal(signal.SIGALRM)
    if settings.method != "signal" or not callable(expire):
        return
    OWNED.add(signal.SIGALRM)

    def end_then_expire(signum, frame):
        _ended_line(item, settings.timeout, end_new(before))
        expire(signum, frame)

    signal.signal(signal.SIGALRM, end_then_expire)


def _ended_line(item, seconds, ended, what=""):
    reporter = item.config.pluginmanager.get_plugin("terminalreporter")
    if ended and reporter is not None:  # a line of its own, after pytest -v's test name
        reporter.write_line("%s%s: over %g s; killed what it started: %s"
                            % (item.nodeid, what, seconds, " ".join(map(str, ended))))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item):
    before, settings = item.stash.get(_BEFORE, (None, None))
    if before is None or settings.method != "signal" or not settings.timeout \
            or signal.getitimer(signal.ITIMER_REAL)[0] > 0:  # still timed by pytest-timeout
        yield
        return

    def over(signum, frame):
        _ended_line(item, settings.timeout, end_new(before), " (teardown)")
        pytest.fail("Timeout (>%gs) in teardown" % settings.timeout, pytrace=False)

    OWNED.add(signal.SIGALRM)
    previous = signal.signal(signal.SIGALRM, over)
    signal.setitimer(signal.ITIMER_REAL, settings.timeout)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def pytest_runtest_logfinish():
    OWNED.clear()
