"""epoll(7): epoll_create1(2), epoll_ctl(2), epoll_wait(2), epoll_pwait(2), epoll_pwait2(2)."""

import errno
import os
import signal
import struct
import threading
import time

import pytest

import glibc
from glibc import (
    EPOLL_CLOEXEC,
    EPOLL_CTL_ADD,
    EPOLL_CTL_DEL,
    EPOLL_CTL_MOD,
    EPOLLIN,
    EPOLLOUT,
    epoll_create,
    epoll_create1,
    epoll_ctl,
    epoll_event,
    epoll_pwait,
    epoll_pwait2,
    epoll_wait,
    sigset_t,
    timespec,
)
from interrupts import signalled_during, within_the_first_wait


def interest(events, fd):
    event = epoll_event()
    event.events = events
    event.data.fd = fd
    return event


def ready(epfd, timeout=0):
    """[(fd, events)] that epoll_wait reports within timeout ms."""
    events = epoll_event.array(8)
    n = epoll_wait(epfd, events, 8, timeout)
    return [(events[i].data.fd, events[i].events) for i in range(n)]


@pytest.fixture
def epfd(fds):
    return fds(epoll_create1(EPOLL_CLOEXEC))


def test_epoll_create1_cloexec(epfd):
    assert not os.get_inheritable(epfd)


def test_epoll_create_with_a_positive_size(fds):
    assert os.get_inheritable(fds(epoll_create(1)))


def test_epoll_wait_reports_a_pipe_that_became_readable(epfd, fds):
    r, w = fds.pipe()
    assert epoll_ctl(epfd, EPOLL_CTL_ADD, r, interest(EPOLLIN, r)) == 0
    assert ready(epfd) == []

    os.write(w, b"x")
    events = epoll_event.array(8)
    assert epoll_wait(epfd, events, 8, 0) == 1
    assert events[0].data.fd == r
    assert events[0].events == EPOLLIN


def test_epoll_wait_returns_the_data_it_was_given(epfd, fds):
    r, w = fds.pipe()
    event = epoll_event()
    event.events = EPOLLIN
    event.data.u64 = 0x1234_5678_9ABC_DEF0
    epoll_ctl(epfd, EPOLL_CTL_ADD, r, event)
    os.write(w, b"x")
    events = epoll_event.array(2)
    assert epoll_wait(epfd, events, 2, 0) == 1
    assert events[0].data.u64 == 0x1234_5678_9ABC_DEF0


def test_epoll_wait_may_take_fewer_events_than_the_array_holds(epfd, fds):
    for _ in range(3):
        r, w = fds.pipe()
        epoll_ctl(epfd, EPOLL_CTL_ADD, w, interest(EPOLLOUT, w))
    events = epoll_event.array(8)
    assert epoll_wait(epfd, events, 2, 0) == 2
    assert epoll_wait(epfd, events, 8, 0) == 3


def test_epoll_ctl_mod_changes_the_events_and_del_removes_the_fd(epfd, fds):
    r, w = fds.pipe()
    epoll_ctl(epfd, EPOLL_CTL_ADD, w, interest(EPOLLIN, w))
    assert ready(epfd) == []  # the write end never becomes readable

    assert epoll_ctl(epfd, EPOLL_CTL_MOD, w, interest(EPOLLOUT, w)) == 0
    assert ready(epfd) == [(w, EPOLLOUT)]

    assert epoll_ctl(epfd, EPOLL_CTL_DEL, w, None) == 0
    assert ready(epfd) == []


def test_epoll_wait_times_out_with_zero_events(epfd, fds):
    r, _ = fds.pipe()
    epoll_ctl(epfd, EPOLL_CTL_ADD, r, interest(EPOLLIN, r))
    start = time.monotonic()
    assert ready(epfd, timeout=20) == []
    assert time.monotonic() - start >= 0.019


def test_epoll_pwait_without_a_sigmask_is_epoll_wait(epfd, fds):
    r, w = fds.pipe()
    epoll_ctl(epfd, EPOLL_CTL_ADD, r, interest(EPOLLIN, r))
    os.write(w, b"x")
    events = epoll_event.array(4)
    assert epoll_pwait(epfd, events, 4, 0, None) == 1
    assert events[0].data.fd == r


class Delivered(Exception):
    pass


def test_epoll_pwait_waits_with_its_sigmask(epfd, signal_mask, on_signal, sigset):
    # The man page's use: keep SIGUSR1 blocked except while waiting, so that
    # its arrival cannot slip in between a check and the wait.
    def handler(signum, frame):
        raise Delivered

    on_signal(signal.SIGUSR1, handler)
    signal_mask(signal.SIGUSR1)
    signal.pthread_kill(threading.get_ident(), signal.SIGUSR1)  # now pending

    events = epoll_event.array(4)
    assert epoll_pwait(epfd, events, 4, 0, None) == 0  # still blocked
    assert signal.SIGUSR1 in signal.sigpending()
    with pytest.raises(Delivered):
        epoll_pwait(epfd, events, 4, 1000, sigset())  # unblocked while it waits
    assert signal.SIGUSR1 not in signal.sigpending()
    assert signal.SIGUSR1 in signal.pthread_sigmask(signal.SIG_BLOCK, [])


def test_epoll_wait_after_a_handler_keeps_the_whole_timeout_not_more(epfd, fds, on_signal, helper):
    # PEP 475: the wait is retried with what is left of the timeout.
    r, _ = fds.pipe()
    epoll_ctl(epfd, EPOLL_CTL_ADD, r, interest(EPOLLIN, r))
    handled = threading.Event()
    on_signal(signal.SIGUSR1, lambda signum, frame: handled.set())

    def script():
        helper.wait_blocked("epoll_wait")
        time.sleep(0.1)
        assert helper.is_blocked("epoll_wait")
        helper.signal_main(signal.SIGUSR1)

    helper.start(script)
    start = time.monotonic()
    assert epoll_wait(epfd, epoll_event.array(4), 4, 600) == 0
    elapsed = time.monotonic() - start
    assert handled.is_set()
    # Starting over after the signal (sent 0.12 s in, at the earliest) would
    # take at least 0.72 s; the long timeout leaves a slow machine room to
    # send the signal before the wait ends.
    assert 0.6 <= elapsed < 0.7


# -- epoll_pwait2(2): a struct timespec timeout ------------------------------------------------


def duration(ns):
    ts = timespec()
    ts.tv_sec, ts.tv_nsec = divmod(ns, 10**9)
    return ts


@pytest.mark.needs_kernel("epoll_pwait2")
def test_epoll_pwait2_reports_a_ready_fd_and_none_waits_without_limit(epfd, fds):
    r, w = fds.pipe()
    epoll_ctl(epfd, EPOLL_CTL_ADD, r, interest(EPOLLIN, r))
    events = epoll_event.array(4)
    assert epoll_pwait2(epfd, events, 4, duration(0), None) == 0
    os.write(w, b"x")
    assert epoll_pwait2(epfd, events, 4, None, None) == 1
    assert (events[0].data.fd, events[0].events) == (r, EPOLLIN)


@pytest.mark.needs_kernel("epoll_pwait2")
def test_epoll_pwait2_times_out_below_the_millisecond(epfd, fds):
    r, _ = fds.pipe()
    epoll_ctl(epfd, EPOLL_CTL_ADD, r, interest(EPOLLIN, r))
    start = time.monotonic_ns()
    assert epoll_pwait2(epfd, epoll_event.array(1), 1, duration(300_000), None) == 0
    assert time.monotonic_ns() - start >= 300_000  # 0.3 ms, which epoll_wait cannot say


@pytest.mark.needs_kernel("epoll_pwait2")
def test_epoll_pwait2_waits_with_its_sigmask(epfd, signal_mask, on_signal, sigset):
    def handler(signum, frame):
        raise Delivered

    on_signal(signal.SIGUSR1, handler)
    signal_mask(signal.SIGUSR1)
    signal.pthread_kill(threading.get_ident(), signal.SIGUSR1)
    events = epoll_event.array(4)
    assert epoll_pwait2(epfd, events, 4, duration(0), None) == 0  # still blocked
    with pytest.raises(Delivered):
        epoll_pwait2(epfd, events, 4, duration(10**9), sigset())
    assert signal.SIGUSR1 not in signal.sigpending()


@pytest.mark.needs_kernel("epoll_pwait2")
def test_epoll_pwait2_after_a_handler_waits_only_for_the_time_left(epfd, fds, on_signal, helper):
    r, _ = fds.pipe()
    epoll_ctl(epfd, EPOLL_CTL_ADD, r, interest(EPOLLIN, r))
    timeout = duration(300_000_000)
    seen = signalled_during(helper, on_signal, "epoll_pwait2")
    start = time.monotonic()
    assert epoll_pwait2(epfd, epoll_event.array(1), 1, timeout, None) == 0
    assert within_the_first_wait(start, time.monotonic(), 0.3, seen)
    assert (timeout.tv_sec, timeout.tv_nsec) == (0, 300_000_000)  # the caller's is left alone


@pytest.mark.needs_kernel("epoll_pwait2")
@pytest.mark.parametrize("sec, nsec", [(-1, 0), (0, 10**9)])
def test_an_epoll_pwait2_timeout_out_of_range_is_einval(sec, nsec, epfd, raises_errno):
    bad = timespec()
    bad.tv_sec, bad.tv_nsec = sec, nsec
    with raises_errno("epoll_pwait2", "EINVAL"):
        epoll_pwait2(epfd, epoll_event.array(1), 1, bad, None)


@pytest.mark.needs_kernel("epoll_pwait2")
def test_epoll_pwait2_on_a_pipe_is_einval_and_on_a_closed_fd_ebadf(fds, raises_errno):
    r, _ = fds.pipe()
    with raises_errno("epoll_pwait2", "EINVAL"):
        epoll_pwait2(r, epoll_event.array(1), 1, None, None)
    gone = os.dup(r)
    os.close(gone)
    with raises_errno("epoll_pwait2", "EBADF"):
        epoll_pwait2(gone, epoll_event.array(1), 1, None, None)


def test_epoll_pwait2_maxevents_beyond_the_array_is_refused_before_the_call():
    with pytest.raises(ValueError, match="epoll_pwait2: events has 2 elements"):
        epoll_pwait2(-1, epoll_event.array(2), 3, None, None)


# -- errors -----------------------------------------------------------------------------


def test_adding_an_fd_twice_is_file_exists_error(epfd, fds, raises_errno):
    r, _ = fds.pipe()
    epoll_ctl(epfd, EPOLL_CTL_ADD, r, interest(EPOLLIN, r))
    with raises_errno("epoll_ctl", "EEXIST") as info:
        epoll_ctl(epfd, EPOLL_CTL_ADD, r, interest(EPOLLIN, r))
    assert isinstance(info.value, FileExistsError)


@pytest.mark.parametrize("op", [EPOLL_CTL_MOD, EPOLL_CTL_DEL])
def test_changing_an_fd_not_added_is_file_not_found_error(op, epfd, fds, raises_errno):
    r, _ = fds.pipe()
    with raises_errno("epoll_ctl", "ENOENT") as info:
        epoll_ctl(epfd, op, r, interest(EPOLLIN, r))
    assert isinstance(info.value, FileNotFoundError)


def test_adding_a_closed_fd_is_ebadf(epfd, fds, raises_errno):
    r, _ = fds.pipe()
    closed = os.dup(r)
    os.close(closed)
    with raises_errno("epoll_ctl", "EBADF"):
        epoll_ctl(epfd, EPOLL_CTL_ADD, closed, interest(EPOLLIN, closed))


def test_adding_a_regular_file_is_eperm(epfd, fds, raises_errno, tmp_path):
    path = tmp_path / "regular"
    path.write_bytes(b"always ready")
    f = fds(os.open(str(path), os.O_RDONLY | os.O_CLOEXEC))
    with raises_errno("epoll_ctl", "EPERM") as info:
        epoll_ctl(epfd, EPOLL_CTL_ADD, f, interest(EPOLLIN, f))
    assert isinstance(info.value, PermissionError)


def test_adding_epfd_to_itself_is_einval(epfd, raises_errno):
    with raises_errno("epoll_ctl", "EINVAL"):
        epoll_ctl(epfd, EPOLL_CTL_ADD, epfd, interest(EPOLLIN, epfd))


def test_epoll_wait_on_a_pipe_is_einval(fds, raises_errno):
    r, _ = fds.pipe()
    with raises_errno("epoll_wait", "EINVAL"):
        epoll_wait(r, epoll_event.array(1), 1, 0)


def test_epoll_wait_needs_a_positive_maxevents(epfd, raises_errno):
    with raises_errno("epoll_wait", "EINVAL"):
        epoll_wait(epfd, epoll_event.array(1), 0, 0)


def test_maxevents_beyond_the_array_is_refused_before_the_call():
    # With epfd -1 the kernel would say EBADF: a ValueError shows C was not reached.
    with pytest.raises(ValueError, match="epoll_wait: events has 2 elements"):
        epoll_wait(-1, epoll_event.array(2), 3, 0)
    with pytest.raises(ValueError, match="epoll_pwait: events has 1 elements"):
        epoll_pwait(-1, epoll_event(), 2, 0, None)


def test_epoll_create1_with_an_unknown_flag_is_einval(raises_errno):
    with raises_errno("epoll_create1", "EINVAL"):
        epoll_create1(~EPOLL_CLOEXEC & 0xFFFF)


def test_epoll_ctl_wants_an_epoll_event_not_another_struct(epfd, fds):
    r, _ = fds.pipe()
    with pytest.raises(TypeError, match="epoll_ctl: event"):
        epoll_ctl(epfd, EPOLL_CTL_ADD, r, sigset_t())
    with pytest.raises(FileNotFoundError):  # nothing was added
        epoll_ctl(epfd, EPOLL_CTL_DEL, r, None)


# -- the shim helper behind pyglibc.select.epoll.poll (reached through glibc.lib) --


def test_the_packed_wait_flattens_fd_and_events_in_place(epfd, fds):
    ffi, lib = glibc.ffi, glibc.lib
    r, w = fds.pipe()
    epoll_ctl(epfd, EPOLL_CTL_ADD, r, interest(EPOLLIN, r))
    epoll_ctl(epfd, EPOLL_CTL_ADD, w, interest(EPOLLOUT, w))
    os.write(w, b"x")
    events = epoll_event.array(4)
    n = lib.glibc_epoll_wait_packed(epfd, events, 4, 0)
    assert n == 2
    flat = list(ffi.cast("unsigned int *", events)[0:4])
    assert sorted(zip(flat[0::2], flat[1::2])) == sorted([(r, EPOLLIN), (w, EPOLLOUT)])


def test_the_packed_wait_keeps_the_order_and_the_sign_of_data_fd(epfd, fds):
    # Each pair overwrites the struct it came from and part of the next one:
    # many results, in the kernel's order, show that none is read after
    # being overwritten; a negative data.fd comes back as its bits.
    ffi, lib = glibc.ffi, glibc.lib
    ends = [fds.pipe() for _ in range(40)]
    for i, (r, w) in enumerate(ends):
        os.write(w, b"x")
        epoll_ctl(epfd, EPOLL_CTL_ADD, r, interest(EPOLLIN, -1 - i if i % 2 else r))
    events = epoll_event.array(40)
    assert epoll_wait(epfd, events, 40, 0) == 40
    expected = [(events[i].data.fd, events[i].events) for i in range(40)]
    assert sorted(fd for fd, _ in expected) == sorted(
        -1 - i if i % 2 else r for i, (r, _) in enumerate(ends))
    assert lib.glibc_epoll_wait_packed(epfd, events, 40, 0) == 40
    assert list(struct.iter_unpack("iI", ffi.buffer(events, 8 * 40))) == expected


def test_the_packed_wait_fails_as_epoll_wait_does(fds):
    # glibc.lib has no Python-side checks: the C helper returns -1 with errno.
    ffi, lib = glibc.ffi, glibc.lib
    r, _ = fds.pipe()
    assert lib.glibc_epoll_wait_packed(r, epoll_event.array(4), 4, 0) == -1
    assert ffi.errno == errno.EINVAL  # r is not an epoll descriptor
