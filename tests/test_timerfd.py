"""timerfd_create(2), timerfd_settime(2), timerfd_gettime(2): timers read from an fd."""

import os
import time

import pytest

import glibc
from glibc import (
    CLOCK_MONOTONIC,
    TFD_CLOEXEC,
    TFD_NONBLOCK,
    TFD_TIMER_ABSTIME,
    clock_gettime,
    eventfd_t,
    itimerspec,
    timerfd_create,
    timerfd_gettime,
    timerfd_settime,
    timespec,
)

MS = 1_000_000  # nanoseconds


def expirations(fd):
    """read(2) on a timerfd: how many times it expired since the last read."""
    buf = bytearray(8)
    assert glibc.read(fd, buf) == 8
    return int.from_bytes(buf, "little")


def seconds(ts):
    return ts.tv_sec + ts.tv_nsec / 1e9


@pytest.fixture
def tfd(fds):
    return fds(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC))


def test_timerfd_create_cloexec(tfd):
    assert not os.get_inheritable(tfd)


def test_an_interval_timer_expires_and_counts(tfd, watchdog):
    spec = itimerspec()
    spec.it_value.tv_nsec = 1 * MS
    spec.it_interval.tv_nsec = 1 * MS
    assert timerfd_settime(tfd, 0, spec, None) == 0
    assert expirations(tfd) >= 1  # waits for the first one
    time.sleep(0.02)
    assert expirations(tfd) >= 10  # every missed expiration is counted


def test_the_count_can_be_read_into_an_eventfd_t(tfd, watchdog):
    spec = itimerspec()
    spec.it_value.tv_nsec = 1 * MS
    timerfd_settime(tfd, 0, spec, None)
    count = eventfd_t()
    assert glibc.read(tfd, count) == 8
    assert count[0] == 1


def test_a_disarmed_timer_does_not_expire(fds):
    tfd = fds(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK))
    with pytest.raises(BlockingIOError):
        expirations(tfd)


def test_timerfd_gettime_shows_the_time_left(tfd):
    spec = itimerspec()
    spec.it_value.tv_sec = 10
    spec.it_interval.tv_sec = 3
    timerfd_settime(tfd, 0, spec, None)

    now = itimerspec()
    assert timerfd_gettime(tfd, now) == 0
    assert 9 < seconds(now.it_value) <= 10
    assert (now.it_interval.tv_sec, now.it_interval.tv_nsec) == (3, 0)


def test_timerfd_settime_gives_back_the_old_setting(tfd):
    spec = itimerspec()
    spec.it_value.tv_sec = 10
    timerfd_settime(tfd, 0, spec, None)

    old = itimerspec()
    assert timerfd_settime(tfd, 0, itimerspec(), old) == 0  # zero it_value disarms
    assert 9 < seconds(old.it_value) <= 10
    now = itimerspec()
    timerfd_gettime(tfd, now)
    assert seconds(now.it_value) == 0


def test_tfd_timer_abstime_expires_at_a_time_of_the_clock(tfd, watchdog):
    now = timespec()
    clock_gettime(CLOCK_MONOTONIC, now)
    deadline = now.tv_sec * 10**9 + now.tv_nsec + 20 * MS
    spec = itimerspec()
    spec.it_value.tv_sec, spec.it_value.tv_nsec = divmod(deadline, 10**9)
    assert timerfd_settime(tfd, TFD_TIMER_ABSTIME, spec, None) == 0
    assert expirations(tfd) == 1
    assert time.clock_gettime_ns(time.CLOCK_MONOTONIC) >= deadline


def test_tfd_timer_abstime_in_the_past_expires_at_once(tfd, watchdog):
    spec = itimerspec()
    spec.it_value.tv_sec = 0
    spec.it_value.tv_nsec = 1  # the clock's first nanosecond: long gone
    timerfd_settime(tfd, TFD_TIMER_ABSTIME, spec, None)
    assert expirations(tfd) == 1


@pytest.mark.parametrize("tv_nsec", [-1, 10**9])
def test_a_tv_nsec_out_of_range_is_einval(tv_nsec, tfd, raises_errno):
    spec = itimerspec()
    spec.it_value.tv_nsec = tv_nsec
    with raises_errno("timerfd_settime", "EINVAL"):
        timerfd_settime(tfd, 0, spec, None)


def test_reading_into_less_than_eight_bytes_is_einval(tfd, raises_errno):
    with raises_errno("read", "EINVAL"):
        glibc.read(tfd, bytearray(4))


def test_timerfd_gettime_of_a_pipe_is_einval(fds, raises_errno):
    r, _ = fds.pipe()
    with raises_errno("timerfd_gettime", "EINVAL"):
        timerfd_gettime(r, itimerspec())


def test_timerfd_create_of_an_unknown_clock_is_einval(raises_errno):
    with raises_errno("timerfd_create", "EINVAL"):
        timerfd_create(1000, TFD_CLOEXEC)
