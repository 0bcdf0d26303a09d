"""clock_gettime(2), clock_getres(2), clock_settime(2), compared with the time module."""

import time

import pytest

import glibc
from glibc import clock_getres, clock_gettime, clock_settime, ffi, timespec

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
