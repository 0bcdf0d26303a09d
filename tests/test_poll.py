"""poll(2), ppoll(2), pselect(2) and the FD_* macros of select(2), on pipes."""

import os
import resource
import select
import signal
import threading
import time

import kernelkit
import pytest
from hypothesis import given, settings, strategies as st

import glibc
from glibc import (
    FD_CLR,
    FD_ISSET,
    FD_SET,
    FD_SETSIZE,
    FD_ZERO,
    POLLHUP,
    POLLIN,
    POLLNVAL,
    POLLOUT,
    fd_set,
    poll,
    pollfd,
    ppoll,
    pselect,
    timespec,
)
from interrupts import signalled_during, within_the_first_wait

MS = 1_000_000  # nanoseconds


def watching(*pairs):
    """A struct pollfd array: one (fd, events) per element."""
    fds = pollfd.array(len(pairs))
    for entry, (fd, events) in zip(fds, pairs):
        entry.fd, entry.events = fd, events
    return fds


def duration(ns):
    ts = timespec()
    ts.tv_sec, ts.tv_nsec = divmod(ns, 10**9)
    return ts


def fdset(*fds):
    new = fd_set()
    FD_ZERO(new)
    for fd in fds:
        FD_SET(fd, new)
    return new


def members(s, below):
    return [fd for fd in range(below) if FD_ISSET(fd, s)]


class Delivered(Exception):
    pass


@pytest.fixture
def pending_usr1(on_signal, signal_mask):
    """SIGUSR1 blocked and pending, with a handler that raises Delivered."""
    def handler(signum, frame):
        raise Delivered

    on_signal(signal.SIGUSR1, handler)
    signal_mask(signal.SIGUSR1)
    signal.pthread_kill(threading.get_ident(), signal.SIGUSR1)


# -- poll(2), ppoll(2) ----------------------------------------------------------------------------


def test_poll_reports_which_fds_are_ready(fds):
    r, w = fds.pipe()
    ready = watching((r, POLLIN), (w, POLLOUT))
    assert poll(ready, 2, 0) == 1  # the write end only
    assert (ready[0].revents, ready[1].revents) == (0, POLLOUT)
    os.write(w, b"x")
    assert poll(ready, 2, 0) == 2
    assert ready[0].revents == POLLIN


def test_poll_reports_a_closed_fd_as_pollnval_and_a_closed_writer_as_pollhup(fds):
    r, w = fds.pipe()
    gone = os.dup(r)
    os.close(gone)
    os.close(w)
    fds.forget(w)
    ready = watching((gone, POLLIN), (r, POLLIN))
    assert poll(ready, 2, 0) == 2
    assert ready[0].revents == POLLNVAL
    assert ready[1].revents & POLLHUP


def test_poll_may_look_at_fewer_fds_than_the_array_holds(fds):
    r, w = fds.pipe()
    ready = watching((w, POLLOUT), (w, POLLOUT))
    assert poll(ready, 1, 0) == 1
    assert ready[1].revents == 0


def test_poll_times_out_and_with_no_fds_only_sleeps():
    start = time.monotonic()
    assert poll(None, 0, 20) == 0
    assert time.monotonic() - start >= 0.019


def test_poll_agrees_with_select_poll(fds):
    r, w = fds.pipe()
    os.write(w, b"x")
    theirs = select.poll()
    theirs.register(r, select.POLLIN)
    theirs.register(w, select.POLLOUT)
    ready = watching((r, POLLIN), (w, POLLOUT))
    poll(ready, 2, 0)
    assert sorted(theirs.poll(0)) == sorted((e.fd, e.revents) for e in ready)


def test_ppoll_times_out_to_the_nanosecond_and_none_means_no_limit(fds):
    r, w = fds.pipe()
    ready = watching((r, POLLIN))
    start = time.monotonic()
    assert ppoll(ready, 1, duration(20 * MS), None) == 0
    assert time.monotonic() - start >= 0.019
    os.write(w, b"x")
    assert ppoll(ready, 1, None, None) == 1


def test_ppoll_waits_with_its_sigmask(fds, pending_usr1, sigset):
    r, _ = fds.pipe()
    ready = watching((r, POLLIN))
    assert ppoll(ready, 1, duration(0), None) == 0  # still blocked: stays pending
    with pytest.raises(Delivered):
        ppoll(ready, 1, duration(10**9), sigset())  # unblocked while it waits
    assert signal.SIGUSR1 not in signal.sigpending()


@pytest.mark.parametrize("name", ["poll", "ppoll"])
def test_a_signal_neither_ends_the_wait_nor_starts_its_timeout_over(name, fds, on_signal, helper):
    r, _ = fds.pipe()
    ready = watching((r, POLLIN))
    seen = signalled_during(helper, on_signal, name)
    start = time.monotonic()
    if name == "poll":
        assert poll(ready, 1, 300) == 0
    else:
        assert ppoll(ready, 1, duration(300 * MS), None) == 0
    assert within_the_first_wait(start, time.monotonic(), 0.3, seen)


def test_nfds_beyond_the_array_is_refused_before_the_call():
    with pytest.raises(ValueError, match="poll: fds has 1 elements"):
        poll(pollfd.array(1), 2, 0)
    with pytest.raises(ValueError, match="ppoll: fds has 2 elements"):
        ppoll(pollfd.array(2), 3, None, None)


def test_nfds_above_rlimit_nofile_is_einval(raises_errno):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (64, hard))
    try:
        with raises_errno("poll", "EINVAL"):
            poll(pollfd.array(65), 65, 0)
        with raises_errno("ppoll", "EINVAL"):
            ppoll(pollfd.array(65), 65, None, None)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_negative_ppoll_timeout_is_einval(raises_errno):
    with raises_errno("ppoll", "EINVAL"):
        ppoll(None, 0, duration(-1), None)


# -- pselect(2) and the FD_* macros ----------------------------------------------------------------


def test_fd_set_clr_isset_zero():
    s = fdset(0, 5, FD_SETSIZE - 1)
    assert members(s, FD_SETSIZE) == [0, 5, FD_SETSIZE - 1]
    assert FD_ISSET(5, s) == 1 and FD_ISSET(6, s) == 0
    assert FD_CLR(5, s) is None  # void in C
    assert members(s, FD_SETSIZE) == [0, FD_SETSIZE - 1]
    assert FD_ZERO(s) is None
    assert members(s, FD_SETSIZE) == []


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, FD_SETSIZE - 1)), max_size=40))
def test_an_fd_set_holds_what_a_python_set_would(operations):
    s, model = fdset(), set()
    for add, fd in operations:
        if add:
            FD_SET(fd, s)
            model.add(fd)
        else:
            FD_CLR(fd, s)
            model.discard(fd)
    assert members(s, FD_SETSIZE) == sorted(model)


@pytest.mark.parametrize("macro", [FD_SET, FD_CLR, FD_ISSET], ids=lambda m: m.__name__)
@pytest.mark.parametrize("fd", [-1, FD_SETSIZE, 10**6])
def test_an_fd_outside_the_set_is_a_value_error_not_a_write_past_it(macro, fd):
    s = fd_set()
    with pytest.raises(ValueError, match=r"%s: fd must be in 0\.\.FD_SETSIZE-1" % macro.__name__):
        macro(fd, s)
    assert bytes(glibc.ffi.buffer(s)) == bytes(fd_set.size)


def test_the_c_helpers_ignore_an_fd_outside_the_set_too():
    # glibc.lib has no Python-side checks: the helpers themselves keep to the set.
    ffi, lib = glibc.ffi, glibc.lib
    s = fd_set()
    glibc.lib.glibc_FD_SET(FD_SETSIZE, s)
    glibc.lib.glibc_FD_CLR(-1, s)
    assert bytes(ffi.buffer(s)) == bytes(fd_set.size)
    FD_SET(0, s)
    assert lib.glibc_FD_ISSET(FD_SETSIZE, s) == 0 and lib.glibc_FD_ISSET(-FD_SETSIZE, s) == 0


def test_pselect_leaves_only_the_ready_fds_in_the_sets(fds):
    r, w = fds.pipe()
    readable, writable = fdset(r), fdset(r, w)
    assert pselect(max(r, w) + 1, readable, writable, None, duration(0), None) == 1
    assert members(readable, w + 1) == []
    assert members(writable, w + 1) == [w]

    os.write(w, b"x")
    readable = fdset(r)
    assert pselect(r + 1, readable, None, None, None, None) == 1
    assert FD_ISSET(r, readable)


def test_pselect_agrees_with_select_select(fds):
    r1, w1 = fds.pipe()
    r2, w2 = fds.pipe()
    os.write(w2, b"x")
    readable, writable = fdset(r1, r2), fdset(w1)
    top = max(r1, r2, w1, w2) + 1
    pselect(top, readable, writable, None, duration(0), None)
    theirs = select.select([r1, r2], [w1], [], 0)
    assert (members(readable, top), members(writable, top)) == (theirs[0], theirs[1])


def test_pselect_times_out_with_empty_sets(fds):
    r, _ = fds.pipe()
    readable = fdset(r)
    start = time.monotonic()
    assert pselect(r + 1, readable, None, None, duration(20 * MS), None) == 0
    assert time.monotonic() - start >= 0.019
    assert members(readable, r + 1) == []


def test_pselect_waits_with_its_sigmask(fds, pending_usr1, sigset):
    r, _ = fds.pipe()
    with pytest.raises(Delivered):
        pselect(r + 1, fdset(r), None, None, duration(10**9), sigset())
    assert signal.SIGUSR1 not in signal.sigpending()


def test_pselect_keeps_the_sets_and_the_time_left_across_a_signal(fds, on_signal, helper):
    r, w = fds.pipe()
    readable = fdset(r)
    seen = signalled_during(helper, on_signal, "pselect6")
    start = time.monotonic()
    assert pselect(r + 1, readable, None, None, duration(300 * MS), None) == 0
    assert within_the_first_wait(start, time.monotonic(), 0.3, seen)


def test_nfds_beyond_a_set_is_refused_before_the_call():
    with pytest.raises(ValueError, match="^pselect: writefds has 1024 bits, fewer than nfds 1025$"):
        pselect(FD_SETSIZE + 1, None, fd_set(), None, None, None)
    # An array of sets has room for more.
    if kernelkit.emulator():
        # qemu-user copies the sets into an fd_set of its own: more than
        # FD_SETSIZE bits overrun it, and the emulator dies.
        pytest.skip("%s holds at most FD_SETSIZE fds in a set" % kernelkit.emulator())
    assert pselect(FD_SETSIZE + 1, None, None, fd_set.array(2), duration(0), None) == 0


def test_pselect_of_a_closed_fd_is_ebadf(fds, raises_errno):
    r, _ = fds.pipe()
    gone = os.dup(r)
    os.close(gone)
    with raises_errno("pselect", "EBADF"):
        pselect(gone + 1, fdset(gone), None, None, duration(0), None)


def test_a_negative_timeout_is_einval(raises_errno):
    with raises_errno("pselect", "EINVAL"):
        pselect(0, None, None, None, duration(-1), None)


def test_a_negative_nfds_is_refused_before_the_call():
    # The kernel would say EINVAL; no count of fds is negative, with or without sets.
    with pytest.raises(ValueError, match="^pselect: nfds must not be negative, not -1$"):
        pselect(-1, None, None, None, duration(0), None)
