"""pyglibc.timerfd: timers whose expirations are read from a descriptor (timerfd_create(2))."""

import datetime
import fractions
import signal
import time

import pytest
from hypothesis import given, settings, strategies as st

import glibc
from glibc import CLOCK_BOOTTIME, CLOCK_MONOTONIC, CLOCK_REALTIME, TFD_NONBLOCK
from pyglibc import timerfd

NS = 10**9


def kernel_setting(tfd):
    """(it_value, it_interval) as the kernel holds them, each as (tv_sec, tv_nsec)."""
    spec = glibc.itimerspec()
    glibc.timerfd_gettime(tfd.fileno(), spec)
    return ((spec.it_value.tv_sec, spec.it_value.tv_nsec),
            (spec.it_interval.tv_sec, spec.it_interval.tv_nsec))


@pytest.fixture
def tfd():
    with timerfd(flags=TFD_NONBLOCK) as t:
        yield t


def test_a_new_timer_is_disarmed(tfd):
    assert tfd.gettime() == (0.0, 0.0)
    with pytest.raises(BlockingIOError):
        tfd.read()


def test_the_default_clock_is_monotonic(tfd):
    assert tfd.clockid == CLOCK_MONOTONIC


def test_a_one_shot_timer_expires_once(watchdog):
    with timerfd() as t:
        t.settime(0.005)
        assert t.read() == 1  # waits for it
        assert t.gettime() == (0.0, 0.0)


def test_an_interval_timer_counts_every_expiration(tfd, watchdog):
    tfd.settime(0.001, 0.001)
    time.sleep(0.05)
    assert tfd.read() >= 10


def test_settime_gives_back_the_previous_setting_as_floats(tfd):
    assert tfd.settime(10, 2.5) == (0.0, 0.0)
    left, interval = tfd.settime(20)
    assert isinstance(left, float) and isinstance(interval, float)
    assert 9 < left <= 10 and interval == 2.5


def test_gettime_shows_the_time_left_and_the_interval(tfd):
    tfd.settime(datetime.timedelta(seconds=30), datetime.timedelta(milliseconds=250))
    left, interval = tfd.gettime()
    assert 29 < left <= 30 and interval == 0.25


def test_a_value_of_0_disarms(tfd):
    tfd.settime(10, 1)
    tfd.settime(0)
    assert tfd.gettime() == (0.0, 0.0)


def test_a_value_of_0_disarms_whatever_the_interval(tfd):
    tfd.settime(0, 0.001)
    assert tfd.gettime()[0] == 0.0  # the kernel keeps the interval, unused
    time.sleep(0.01)
    with pytest.raises(BlockingIOError):
        tfd.read()


def test_absolute_expires_when_the_clock_reads_the_value(watchdog):
    with timerfd(CLOCK_MONOTONIC) as t:
        target = time.clock_gettime(time.CLOCK_MONOTONIC) + 0.02
        t.settime(target, absolute=True)
        assert t.read() == 1
        assert time.clock_gettime(time.CLOCK_MONOTONIC) >= target


def test_absolute_in_the_past_expires_at_once(watchdog):
    with timerfd(CLOCK_REALTIME) as t:
        t.settime(time.time() - 60, absolute=True)
        assert t.read() == 1


@pytest.mark.parametrize("clock", [CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME])
def test_any_clock_a_timer_may_use(clock):
    with timerfd(clock, TFD_NONBLOCK) as t:
        assert t.clockid == clock
        t.settime(100)
        assert 99 < t.gettime()[0] <= 100


def test_a_clock_no_timer_can_use_is_einval(raises_errno):
    with raises_errno("timerfd_create", "EINVAL"):
        timerfd(glibc.CLOCK_PROCESS_CPUTIME_ID)


# -- seconds to struct timespec, exactly -------------------------------------------------------


@pytest.mark.parametrize("seconds, expected", [
    (0.1, (0, 100000000)),
    (0.3, (0, 300000000)),
    (1.000000001, (1, 1)),
    (2.675, (2, 675000000)),
    (0.9999999999, (1, 0)),  # rounds up into the next second
    (3, (3, 0)),
    (1e-10, (0, 1)),  # positive, so it must arm: 1 ns
    (fractions.Fraction(1, 3), (0, 333333333)),
    (datetime.timedelta(days=1, microseconds=7), (86400, 7000)),
    (datetime.timedelta(microseconds=1), (0, 1000)),
])
def test_seconds_become_the_nearest_nanosecond(tfd, seconds, expected):
    tfd.settime(1000, interval=seconds)
    assert kernel_setting(tfd)[1] == expected


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=10**15))
def test_a_float_of_n_nanoseconds_is_n_nanoseconds(n):
    # n / 10**9 is the float nearest to n ns; below 2**52 ns it has room for every ns.
    with timerfd(flags=TFD_NONBLOCK) as t:
        t.settime(1000, interval=n / NS)
        assert kernel_setting(t)[1] == divmod(n, NS)


@settings(max_examples=100, deadline=None)
@given(st.timedeltas(min_value=datetime.timedelta(microseconds=1),
                     max_value=datetime.timedelta(days=10**5)))
def test_a_timedelta_is_exact(delta):
    with timerfd(flags=TFD_NONBLOCK) as t:
        t.settime(1000, interval=delta)
        whole = delta.days * 86400 + delta.seconds
        assert kernel_setting(t)[1] == (whole, delta.microseconds * 1000)


@pytest.mark.parametrize("value", [-1, -0.5, datetime.timedelta(seconds=-1)])
def test_a_negative_time_is_a_value_error(tfd, value):
    with pytest.raises(ValueError, match=r"^timerfd.settime: value must not be negative"):
        tfd.settime(value)
    with pytest.raises(ValueError, match=r"^timerfd.settime: interval must not be negative"):
        tfd.settime(1, value)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_a_time_that_is_no_number_is_a_value_error(tfd, value):
    with pytest.raises(ValueError, match=r"^timerfd.settime: value must be a finite number"):
        tfd.settime(value)


@pytest.mark.parametrize("value", ["1", None, [1]])
def test_a_time_of_the_wrong_type_is_a_type_error(tfd, value):
    with pytest.raises(TypeError, match=r"^timerfd.settime: value must be seconds"):
        tfd.settime(value)


def test_a_time_too_large_for_time_t_is_an_overflow_error(tfd):
    with pytest.raises(OverflowError, match=r"^timerfd.settime: value"):
        tfd.settime(2**70)


def test_a_clockid_of_the_wrong_type_is_a_type_error():
    with pytest.raises(TypeError, match=r"^timerfd: clockid must be an int, not str"):
        timerfd("CLOCK_MONOTONIC")


# -- waiting ---------------------------------------------------------------------------------------


def test_a_handler_that_returns_does_not_end_the_read(on_signal, helper):
    with timerfd() as t:
        handled = helper.interrupt_then("read", lambda: t.settime(0.001), on_signal)
        assert t.read() == 1
    assert handled.is_set()


def test_a_handler_that_raises_ends_the_read(on_signal, helper, handler_raising):
    handler, raised = handler_raising(ZeroDivisionError)
    on_signal(signal.SIGUSR1, handler)
    helper.interrupt("read")
    with timerfd() as t, pytest.raises(ZeroDivisionError) as info:
        t.read()
    assert info.value is raised[0]
