"""clock_gettime(2), clock_getres(2), clock_settime(2), compared with the time module;
clock_nanosleep(2) and nanosleep(2) on every clock; clock_getcpuclockid(3);
getitimer(2) and setitimer(2)."""

import errno
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

import glibc
from glibc import (
    clock_getcpuclockid,
    clock_getres,
    clock_gettime,
    clock_nanosleep,
    clock_settime,
    clockid_t,
    ffi,
    getitimer,
    itimerval,
    nanosleep,
    setitimer,
    timespec,
)
from interrupts import signalled_during, within_the_first_wait

CLOCKS = ["CLOCK_REALTIME", "CLOCK_MONOTONIC", "CLOCK_BOOTTIME"]

# No clock has this id; small negative ids are the CPU-time clocks of
# processes and threads, so a large positive one is the safe choice.
NO_SUCH_CLOCK = 1000


def nanoseconds(ts):
    return ts.tv_sec * 10**9 + ts.tv_nsec


@pytest.mark.parametrize("name", CLOCKS)
def test_clock_gettime_agrees_with_the_time_module(name):
    clock = getattr(glibc, name)
    assert clock == getattr(time, name)
    ts = timespec()
    before = time.clock_gettime_ns(clock)
    assert clock_gettime(clock, ts) == 0
    after = time.clock_gettime_ns(clock)
    assert before <= nanoseconds(ts) <= after
    assert 0 <= ts.tv_nsec < 10**9


@pytest.mark.parametrize("name", CLOCKS)
def test_clock_getres_agrees_with_the_time_module(name):
    clock = getattr(glibc, name)
    res = timespec()
    assert clock_getres(clock, res) == 0
    assert nanoseconds(res) == round(time.clock_getres(clock) * 1e9)


def test_clock_getres_with_none_only_checks_the_clock(raises_errno):
    assert clock_getres(glibc.CLOCK_MONOTONIC, None) == 0
    assert clock_getres(glibc.CLOCK_MONOTONIC, ffi.NULL) == 0
    with raises_errno("clock_getres", "EINVAL"):
        clock_getres(NO_SUCH_CLOCK, None)


def test_the_monotonic_clock_does_not_go_back():
    first, second = timespec(), timespec()
    clock_gettime(glibc.CLOCK_MONOTONIC, first)
    clock_gettime(glibc.CLOCK_MONOTONIC, second)
    assert nanoseconds(first) <= nanoseconds(second)


@pytest.mark.parametrize("call", [clock_gettime, clock_getres])
def test_an_unknown_clock_is_einval(call, raises_errno):
    with raises_errno(call.__name__, "EINVAL"):
        call(NO_SUCH_CLOCK, timespec())


def test_clock_settime_of_the_monotonic_clock_is_einval(raises_errno):
    # The tests run as root, so the realtime clock is never the one tried:
    # CLOCK_MONOTONIC cannot be set by anyone.
    now = timespec()
    clock_gettime(glibc.CLOCK_MONOTONIC, now)
    with raises_errno("clock_settime", "EINVAL"):
        clock_settime(glibc.CLOCK_MONOTONIC, now)


def test_clock_gettime_needs_somewhere_to_store_the_time():
    with pytest.raises(TypeError, match="clock_gettime: tp must not be None"):
        clock_gettime(glibc.CLOCK_MONOTONIC, None)


# -- clock_nanosleep(2), nanosleep(2) ----------------------------------------------------------

MS = 1_000_000  # nanoseconds


def duration(ns):
    ts = timespec()
    ts.tv_sec, ts.tv_nsec = divmod(ns, 10**9)
    return ts


def now_plus(clock, ns):
    """An absolute time: ns from now on clock."""
    return duration(time.clock_gettime_ns(clock) + ns)


SLEEPING_CLOCKS = ["CLOCK_REALTIME", "CLOCK_MONOTONIC", "CLOCK_BOOTTIME", "CLOCK_TAI"]


@pytest.mark.parametrize("name", SLEEPING_CLOCKS)
def test_clock_nanosleep_sleeps_for_the_request(name):
    clock = getattr(glibc, name, None)
    if clock is None:
        pytest.skip("these headers have no %s" % name)
    start = time.monotonic_ns()
    assert clock_nanosleep(clock, 0, duration(3 * MS), None) == 0
    assert time.monotonic_ns() - start >= 3 * MS


@pytest.mark.parametrize("name", ["CLOCK_REALTIME", "CLOCK_MONOTONIC", "CLOCK_BOOTTIME"])
def test_clock_nanosleep_timer_abstime_sleeps_until_the_clock_reads_it(name):
    clock = getattr(glibc, name)
    deadline = now_plus(clock, 3 * MS)
    assert clock_nanosleep(clock, glibc.TIMER_ABSTIME, deadline, None) == 0
    assert time.clock_gettime_ns(clock) >= nanoseconds(deadline)


def test_an_absolute_time_already_past_returns_at_once():
    start = time.monotonic()
    assert clock_nanosleep(glibc.CLOCK_MONOTONIC, glibc.TIMER_ABSTIME, duration(1), None) == 0
    assert time.monotonic() - start < 0.5


def test_a_sleep_on_a_cpu_time_clock_lasts_until_the_process_used_that_much_cpu():
    # Another thread burns CPU while this one sleeps on the process's CPU clock.
    cpu = clockid_t()
    assert clock_getcpuclockid(0, cpu) == 0
    done = threading.Event()
    burner = threading.Thread(target=lambda: [None for _ in iter(done.is_set, True)])
    before = time.clock_gettime_ns(cpu[0])
    burner.start()
    try:
        assert clock_nanosleep(cpu[0], 0, duration(20 * MS), None) == 0
        assert time.clock_gettime_ns(cpu[0]) - before >= 20 * MS
    finally:
        done.set()
        burner.join()


@pytest.mark.parametrize("name", ["CLOCK_REALTIME_ALARM", "CLOCK_BOOTTIME_ALARM"])
def test_an_alarm_clock_sleeps_or_says_there_is_no_rtc(name, raises_errno):
    # The *_ALARM clocks need a real-time clock device, which a container
    # or a virtual machine may lack: then the kernel says ENOTSUP.
    clock = getattr(glibc, name)
    start = time.monotonic_ns()
    try:
        clock_nanosleep(clock, 0, duration(2 * MS), None)
    except OSError:
        with raises_errno("clock_nanosleep", "ENOTSUP"):
            clock_nanosleep(clock, 0, duration(2 * MS), None)
    else:
        assert time.monotonic_ns() - start >= 2 * MS


def test_nanosleep_sleeps_for_the_request():
    start = time.monotonic_ns()
    assert nanosleep(duration(3 * MS), None) == 0
    assert time.monotonic_ns() - start >= 3 * MS


def test_the_time_left_may_be_left_out_or_null():
    assert nanosleep(duration(1)) == 0
    assert nanosleep(duration(1), ffi.NULL) == 0
    assert clock_nanosleep(glibc.CLOCK_MONOTONIC, 0, duration(1)) == 0
    assert clock_nanosleep(glibc.CLOCK_MONOTONIC, 0, duration(1), ffi.NULL) == 0


@pytest.mark.parametrize("name", ["CLOCK_MONOTONIC_RAW", "CLOCK_MONOTONIC_COARSE",
                                  "CLOCK_REALTIME_COARSE"])
def test_a_clock_the_kernel_cannot_sleep_on_is_enotsup(name, raises_errno):
    with raises_errno("clock_nanosleep", "ENOTSUP") as info:
        clock_nanosleep(getattr(glibc, name), 0, duration(MS), None)
    assert info.value.errno == errno.ENOTSUP


@pytest.mark.parametrize("clock", [glibc.CLOCK_THREAD_CPUTIME_ID, NO_SUCH_CLOCK])
def test_clock_nanosleep_on_the_thread_cpu_clock_or_an_unknown_one_is_einval(clock, raises_errno):
    with raises_errno("clock_nanosleep", "EINVAL"):
        clock_nanosleep(clock, 0, duration(MS), None)


@pytest.mark.parametrize("sec, nsec", [(0, 10**9), (0, -1), (-1, 0)])
def test_a_bad_request_is_einval(sec, nsec, raises_errno):
    bad = timespec()
    bad.tv_sec, bad.tv_nsec = sec, nsec
    with raises_errno("clock_nanosleep", "EINVAL"):
        clock_nanosleep(glibc.CLOCK_MONOTONIC, 0, bad, None)
    with raises_errno("nanosleep", "EINVAL"):
        nanosleep(bad, None)


# PEP 475: a signal whose handler returns does not end the sleep, nor start it over.

def test_a_relative_clock_nanosleep_goes_on_for_the_time_left(on_signal, helper):
    seen = signalled_during(helper, on_signal, "clock_nanosleep")
    start = time.monotonic()
    assert clock_nanosleep(glibc.CLOCK_MONOTONIC, 0, duration(300 * MS), None) == 0
    assert within_the_first_wait(start, time.monotonic(), 0.3, seen)


def test_an_absolute_clock_nanosleep_goes_on_until_the_same_time(on_signal, helper):
    seen = signalled_during(helper, on_signal, "clock_nanosleep")
    start = time.monotonic()
    deadline = now_plus(glibc.CLOCK_MONOTONIC, 300 * MS)
    assert clock_nanosleep(glibc.CLOCK_MONOTONIC, glibc.TIMER_ABSTIME, deadline, None) == 0
    assert time.clock_gettime_ns(glibc.CLOCK_MONOTONIC) >= nanoseconds(deadline)
    assert within_the_first_wait(start, time.monotonic(), 0.3, seen)


def test_nanosleep_goes_on_for_the_time_left(on_signal, helper):
    seen = signalled_during(helper, on_signal, "clock_nanosleep")  # glibc's nanosleep calls it
    start = time.monotonic()
    assert nanosleep(duration(300 * MS), None) == 0
    assert within_the_first_wait(start, time.monotonic(), 0.3, seen)


class Delivered(Exception):
    pass


@pytest.mark.parametrize("sleep", [
    lambda request, left: clock_nanosleep(glibc.CLOCK_MONOTONIC, 0, request, left),
    lambda request, left: nanosleep(request, left),
], ids=["clock_nanosleep", "nanosleep"])
def test_a_handler_that_raises_ends_the_sleep_and_remain_holds_the_time_left(
        sleep, on_signal, helper, handler_raising):
    handler, raised = handler_raising(Delivered)
    on_signal(signal.SIGUSR1, handler)
    helper.interrupt("clock_nanosleep")
    left = timespec()
    with pytest.raises(Delivered):
        sleep(duration(10 * 10**9), left)
    assert 9 < nanoseconds(left) / 1e9 < 10


# -- clock_getcpuclockid(3) ----------------------------------------------------------------------


def test_clock_getcpuclockid_of_this_process_reads_its_cpu_time():
    cpu = clockid_t()
    assert clock_getcpuclockid(0, cpu) == 0
    ts = timespec()
    assert clock_gettime(cpu[0], ts) == 0
    assert abs(nanoseconds(ts) / 1e9 - time.process_time()) < 0.1


def test_clock_getcpuclockid_of_another_process():
    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"],
                             stdin=subprocess.PIPE)
    try:
        theirs, ours = clockid_t(), clockid_t()
        clock_getcpuclockid(child.pid, theirs)
        clock_getcpuclockid(os.getpid(), ours)
        assert theirs[0] != ours[0]
        assert clock_gettime(theirs[0], timespec()) == 0
    finally:
        child.stdin.close()
        child.wait()


def test_clock_getcpuclockid_of_no_process_is_esrch(raises_errno):
    with open("/proc/sys/kernel/pid_max") as f:
        beyond = int(f.read())  # pids are below pid_max
    with raises_errno("clock_getcpuclockid", "ESRCH") as info:
        clock_getcpuclockid(beyond, clockid_t())
    assert isinstance(info.value, ProcessLookupError)


# -- getitimer(2), setitimer(2) -------------------------------------------------------------------


@pytest.fixture
def itimer_real():
    yield glibc.ITIMER_REAL
    signal.setitimer(signal.ITIMER_REAL, 0)  # never let SIGALRM end the run


def interval_timer(value_s, interval_s=0):
    new = itimerval()
    new.it_value.tv_sec = value_s
    new.it_interval.tv_sec = interval_s
    return new


def test_setitimer_arms_what_getitimer_and_the_signal_module_read(itimer_real):
    assert glibc.ITIMER_REAL == signal.ITIMER_REAL
    assert setitimer(itimer_real, interval_timer(100, 5), None) == 0
    now = itimerval()
    assert getitimer(itimer_real, now) == 0
    assert 99 < now.it_value.tv_sec + now.it_value.tv_usec / 1e6 <= 100
    assert (now.it_interval.tv_sec, now.it_interval.tv_usec) == (5, 0)
    value, interval = signal.getitimer(signal.ITIMER_REAL)
    assert 99 < value <= 100 and interval == 5


def test_setitimer_gives_back_the_old_setting_and_zero_disarms(itimer_real):
    setitimer(itimer_real, interval_timer(100), None)
    old = itimerval()
    assert setitimer(itimer_real, itimerval(), old) == 0
    assert 99 < old.it_value.tv_sec + old.it_value.tv_usec / 1e6 <= 100
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


@pytest.mark.parametrize("call, name", [
    (lambda: getitimer(99, itimerval()), "getitimer"),
    (lambda: setitimer(99, itimerval(), None), "setitimer"),
])
def test_an_unknown_interval_timer_is_einval(call, name, raises_errno):
    with raises_errno(name, "EINVAL"):
        call()


def test_a_tv_usec_out_of_range_is_einval(itimer_real, raises_errno):
    bad = interval_timer(100)
    bad.it_value.tv_usec = 10**6
    with raises_errno("setitimer", "EINVAL"):
        setitimer(itimer_real, bad, None)
