"""eventfd(2) and eventfd_read/eventfd_write(3): a counter behind a file descriptor."""

import errno
import os
import threading

import pytest
from hypothesis import given, settings, strategies as st

from glibc import (
    EFD_CLOEXEC,
    EFD_NONBLOCK,
    EFD_SEMAPHORE,
    eventfd,
    eventfd_read,
    eventfd_t,
    eventfd_write,
)

# eventfd(2): the counter holds at most 2**64 - 2.
COUNTER_MAX = 2**64 - 2


def take(fd):
    value = eventfd_t()
    assert eventfd_read(fd, value) == 0
    return value[0]


def test_eventfd_cloexec(fds):
    efd = fds(eventfd(0, EFD_CLOEXEC))
    assert not os.get_inheritable(efd)
    assert os.get_blocking(efd)


def test_eventfd_read_takes_the_whole_count_then_would_block(fds):
    efd = fds(eventfd(3, EFD_CLOEXEC | EFD_NONBLOCK))
    assert take(efd) == 3
    with pytest.raises(BlockingIOError) as info:
        take(efd)
    assert info.value.errno == errno.EAGAIN


def test_efd_semaphore_reads_one_at_a_time(fds):
    efd = fds(eventfd(3, EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE))
    assert [take(efd), take(efd), take(efd)] == [1, 1, 1]
    with pytest.raises(BlockingIOError):
        take(efd)


def test_eventfd_write_adds_to_the_counter(fds):
    efd = fds(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK))
    assert eventfd_write(efd, 5) == 0
    assert eventfd_write(efd, 2) == 0
    assert take(efd) == 7


def test_the_counter_is_eight_bytes_any_reader_sees(fds):
    efd = fds(eventfd(0, EFD_CLOEXEC))
    eventfd_write(efd, 0x0102030405060708)
    assert os.read(efd, 8) == (0x0102030405060708).to_bytes(8, "little")
    assert eventfd_t.size == 8


def test_a_blocked_eventfd_read_wakes_up_on_a_write(fds, watchdog):
    efd = fds(eventfd(0, EFD_CLOEXEC))
    writer = threading.Timer(0.02, eventfd_write, (efd, 42))
    writer.start()
    try:
        assert take(efd) == 42
    finally:
        writer.join()


def test_eventfd_read_is_retried_after_a_handler_that_returns(fds, on_signal, helper):
    # PEP 475, as for read(2), which eventfd_read(3) calls.
    efd = fds(eventfd(0, EFD_CLOEXEC))

    handled = helper.interrupt_then("read", lambda: eventfd_write(efd, 9), on_signal)
    assert take(efd) == 9
    assert handled.is_set()


def test_eventfd_write_that_would_pass_the_maximum_would_block(fds):
    efd = fds(eventfd(1, EFD_CLOEXEC | EFD_NONBLOCK))
    with pytest.raises(BlockingIOError):
        eventfd_write(efd, COUNTER_MAX)
    eventfd_write(efd, COUNTER_MAX - 1)
    assert take(efd) == COUNTER_MAX


def test_eventfd_write_of_all_ones_is_einval(fds, raises_errno):
    efd = fds(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK))
    with raises_errno("eventfd_write", "EINVAL"):
        eventfd_write(efd, 2**64 - 1)


@settings(max_examples=50, deadline=None, database=None)
@given(st.lists(st.integers(1, 2**32), min_size=1, max_size=8))
def test_reads_give_back_the_sum_of_the_writes(values):
    efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)
    try:
        for value in values:
            eventfd_write(efd, value)
        assert take(efd) == sum(values)
    finally:
        os.close(efd)


@settings(max_examples=30, deadline=None, database=None)
@given(st.integers(0, 20), st.integers(0, 20))
def test_semaphore_reads_count_down_one_by_one(initval, added):
    efd = eventfd(initval, EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE)
    try:
        if added:
            eventfd_write(efd, added)
        for _ in range(initval + added):
            assert take(efd) == 1
        with pytest.raises(BlockingIOError):
            take(efd)
    finally:
        os.close(efd)
