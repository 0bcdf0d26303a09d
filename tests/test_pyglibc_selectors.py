"""pyglibc.selectors.EpollSelector beside the standard library's selectors.EpollSelector.

Each scenario runs twice, once on each selector, with new kernel objects
each time, and both runs must record the same outcomes: equal results, or
the same exception type, errno and message.  The objects of a run sit at
the same descriptor numbers in both runs (``Kit``), so the messages and
reprs that name them compare equal too.  Then the test checks what the
standard library does, so a reader sees the behaviour that is copied.

Where the kernel's view matters (the timeout and maxevents epoll_wait(2)
gets, EINTR), a second thread reads /proc while the main thread waits in
epoll_wait(2) (tests/waiting.py).

At the end a Hypothesis state machine drives both selectors over the same
sockets, the standard library's as the model.
"""

import copy
import errno
import gc
import math
import operator
import os
import pickle
import select
import selectors
import signal
import socket
import sys
import threading
import time

import pytest
import waiting
from hypothesis import settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

import pyglibc.select
import pyglibc.selectors
from fdkit import FdKit, OwnsFd
from pyglibc.selectors import EVENT_READ, EVENT_WRITE

RW = EVENT_READ | EVENT_WRITE
STDLIB, OURS = selectors.EpollSelector, pyglibc.selectors.EpollSelector


# -- running a scenario on both selectors ------------------------------------------------------

# The kit's descriptors start here, far above what pytest and the selector use.
FIRST_FD = 400


class Kit(FdKit):
    """The kernel objects of one run, at the same descriptor numbers in every run."""

    def __init__(self):
        super().__init__(FIRST_FD, advance=False)

    def socketpair(self):
        pair = super().socketpair()
        for s in pair:
            s.setblocking(False)
        return pair

    def pipe_files(self):
        """(read end, write end) as unbuffered file objects."""
        r, w = self.pipe()
        self._owned.remove(r)
        self._owned.remove(w)
        files = [open(r, "rb", buffering=0), open(w, "wb", buffering=0)]
        self._owned += files
        return files

    def dup(self, fd):
        new = self._high(os.dup(fd))
        self._owned.append(new)
        return new


def describe(value):
    """What a result says, without the identity of the objects in it (they differ per run)."""
    if isinstance(value, selectors.SelectorKey):
        return value._replace(fileobj=repr(value.fileobj))
    if isinstance(value, list):
        items = [describe(item) for item in value]
        if all(isinstance(item, tuple) and isinstance(item[0], selectors.SelectorKey)
               for item in items):
            items.sort(key=lambda item: item[0].fd)  # select(): the kernel's order may vary
        return items
    if isinstance(value, tuple):
        return tuple(describe(item) for item in value)
    return value


def returned(value):
    return ("returned", value)


def raised(kind, message, number=None):
    return ("raised", kind, message, number)


def failure(exc):
    return raised(type(exc), str(exc), getattr(exc, "errno", None))


def outcome(call, *args):
    """("returned", what the call returned) or ("raised", type, message, errno)."""
    try:
        return returned(describe(call(*args)))
    except Exception as exc:
        return failure(exc)


class Trial:
    """One run of a scenario: ``trial.sel`` the selector, ``trial.kit``, and ``trial.log``.

    ``trial(call, *args)`` calls and logs the outcome, and returns what the
    call returned (None when it raised).
    """

    def __init__(self, cls):
        self.cls = cls
        self.kit = Kit()
        self.log = []
        self.sel = cls()

    def __call__(self, call, *args):
        try:
            result = call(*args)
        except Exception as exc:
            self.log.append(failure(exc))
            return None
        self.log.append(returned(describe(result)))
        return result

    def note(self, value):
        self.log.append(describe(value))


def same_on_both(scenario):
    """Run scenario(trial) on the standard library's selector, then on ours; return the
    log they share."""
    logs = []
    for cls in (STDLIB, OURS):
        trial = Trial(cls)
        try:
            scenario(trial)
        finally:
            trial.sel.close()
            trial.kit.close_all()
        logs.append(trial.log)
    stdlib, ours = logs
    assert ours == stdlib
    return stdlib


# -- what the module is --------------------------------------------------------------------


def test_the_module_re_exports_the_standard_librarys_objects():
    assert pyglibc.selectors.DefaultSelector is OURS
    assert pyglibc.selectors.SelectorKey is selectors.SelectorKey
    assert pyglibc.selectors.BaseSelector is selectors.BaseSelector
    assert (EVENT_READ, EVENT_WRITE) == (selectors.EVENT_READ, selectors.EVENT_WRITE) == (1, 2)
    assert sorted(pyglibc.selectors.__all__) == sorted(
        ["BaseSelector", "DefaultSelector", "EVENT_READ", "EVENT_WRITE", "EpollSelector",
         "SelectorKey"])


def test_an_epoll_selector_is_a_standard_library_selector_driving_our_epoll():
    with OURS() as sel:
        assert isinstance(sel, selectors.BaseSelector)
        assert isinstance(sel, selectors.EpollSelector)
        assert type(sel._selector) is pyglibc.select.epoll


def test_the_selector_fd_is_a_close_on_exec_epoll_instance():
    def scenario(t):
        fd = t.sel.fileno()
        t.note((os.readlink("/proc/self/fd/%d" % fd), os.get_inheritable(fd)))

    assert same_on_both(scenario) == [("anon_inode:[eventpoll]", False)]


# -- register, modify, unregister -----------------------------------------------------------


def test_register_returns_a_key_for_a_socket_and_for_its_fd():
    def scenario(t):
        a, b = t.kit.socketpair()
        t(t.sel.register, a, EVENT_READ, "data")
        t(t.sel.register, b.fileno(), RW)

    a, b = FIRST_FD, FIRST_FD + 1
    log = same_on_both(scenario)
    key = log[0][1]
    assert key.fileobj.startswith("<socket.socket fd=%d, " % a)
    assert key[1:] == (a, EVENT_READ, "data")
    assert log[1] == returned(selectors.SelectorKey(repr(b), b, RW, None))


def test_register_takes_pipe_ends_as_ints_and_as_file_objects():
    def scenario(t):
        r, w = t.kit.pipe()
        rfile, wfile = t.kit.pipe_files()
        for fileobj, events in ((r, EVENT_READ), (w, EVENT_WRITE), (rfile, EVENT_READ),
                                (wfile, EVENT_WRITE)):
            t(t.sel.register, fileobj, events)
        t(t.sel.select, 0)

    log = same_on_both(scenario)
    assert [entry[0] for entry in log] == ["returned"] * 5
    # The two write ends are ready to write; the read ends have nothing to read.
    assert [(key.fd, events) for key, events in log[-1][1]] == [
        (FIRST_FD + 1, EVENT_WRITE), (FIRST_FD + 3, EVENT_WRITE)]


class NoFileno:
    def __repr__(self):
        return "<NoFileno>"


class Fileno:
    def __init__(self, value):
        self.value = value

    def fileno(self):
        if isinstance(self.value, Exception):
            raise self.value
        return self.value

    def __repr__(self):
        return "<Fileno %r>" % (self.value,)


@pytest.mark.parametrize("fileobj, expected", [
    (-1, raised(ValueError, "Invalid file descriptor: -1")),
    (Fileno(-3), raised(ValueError, "Invalid file descriptor: -3")),
    (NoFileno(), raised(ValueError, "Invalid file object: <NoFileno>")),
    ("3", raised(ValueError, "Invalid file object: '3'")),
    (None, raised(ValueError, "Invalid file object: None")),
    (3.0, raised(ValueError, "Invalid file object: 3.0")),
    (Fileno("x"), raised(ValueError, "Invalid file object: <Fileno 'x'>")),
    (Fileno(ValueError("closed")), raised(ValueError, "Invalid file object: "
                                                      "<Fileno ValueError('closed')>")),
    (Fileno(OSError(errno.EIO, "not ours")), raised(OSError, "[Errno 5] not ours", errno.EIO)),
], ids=repr)
def test_register_refuses_what_is_not_a_file_descriptor(fileobj, expected):
    def scenario(t):
        t(t.sel.register, fileobj, EVENT_READ)
        t.note(len(t.sel.get_map()))

    assert same_on_both(scenario) == [expected, 0]


def test_register_of_a_descriptor_epoll_refuses_raises_the_oserror_and_keeps_nothing():
    def scenario(t):
        r, w = t.kit.pipe()
        t.kit.close(w)
        t(t.sel.register, w, EVENT_WRITE)  # closed: EBADF
        regular = t.kit.regular_file()
        t(t.sel.register, regular, EVENT_READ)  # EPERM
        t(t.sel.register, t.sel.fileno(), EVENT_READ)  # itself: EINVAL
        t.note(len(t.sel.get_map()))
        t(t.sel.register, regular, EVENT_READ)  # nothing was kept: EPERM again, not KeyError

    log = same_on_both(scenario)
    assert log == [
        raised(OSError, "[Errno 9] Bad file descriptor", errno.EBADF),
        raised(PermissionError, "[Errno 1] Operation not permitted", errno.EPERM),
        raised(OSError, "[Errno 22] Invalid argument", errno.EINVAL),
        0,
        raised(PermissionError, "[Errno 1] Operation not permitted", errno.EPERM),
    ]


def test_a_file_object_made_in_the_call_lives_until_epoll_ctl_has_run():
    """``register(open(path))``: the key holds the object while the epoll object
    registers its number, so the number is still the object's (EPERM for a regular file,
    not EBADF)."""
    def scenario(t):
        t(lambda: t.sel.register(OwnsFd(os.open(__file__, os.O_RDONLY | os.O_CLOEXEC)),
                                 EVENT_READ))
        gc.collect()  # PyPy collects it only now

    assert same_on_both(scenario) == [
        raised(PermissionError, "[Errno 1] Operation not permitted", errno.EPERM)]


def test_register_of_an_fd_too_large_for_c_int():
    def scenario(t):
        t(t.sel.register, 2**31, EVENT_READ)
        t(t.sel.register, 2**64, EVENT_READ)
        t.note(len(t.sel.get_map()))

    log = same_on_both(scenario)
    assert [entry[1] for entry in log[:2]] == [OverflowError, OverflowError]
    assert log[2] == 0


@pytest.mark.parametrize("events", [0, 4, RW | 4, -1, 1 << 40])
def test_register_refuses_events_outside_read_and_write(events):
    def scenario(t):
        a, _ = t.kit.socketpair()
        t(t.sel.register, a, events)

    assert same_on_both(scenario) == [raised(ValueError, "Invalid events: %r" % events)]


def test_register_of_non_integer_events():
    def scenario(t):
        a, _ = t.kit.socketpair()
        t(t.sel.register, a, 1.0)
        t(t.sel.register, a, None)

    log = same_on_both(scenario)
    assert [entry[1] for entry in log] == [TypeError, ValueError]


def test_register_twice_is_a_keyerror_whether_by_object_or_by_fd():
    def scenario(t):
        a, _ = t.kit.socketpair()
        t(t.sel.register, a, EVENT_READ)
        t(t.sel.register, a, EVENT_WRITE)
        t(t.sel.register, a.fileno(), EVENT_WRITE)

    log = same_on_both(scenario)
    assert log[1] == raised(KeyError, "'%s (FD %d) is already registered'" % (
        log[0][1].fileobj, FIRST_FD))
    assert log[2] == raised(KeyError, "'%d (FD %d) is already registered'" % (FIRST_FD, FIRST_FD))


def test_unregister_returns_the_key_and_unknown_objects_are_keyerrors():
    def scenario(t):
        a, b = t.kit.socketpair()
        t(t.sel.register, a, EVENT_READ, 7)
        t(t.sel.unregister, a.fileno())
        t(t.sel.unregister, a)
        t(t.sel.unregister, b)
        t(t.sel.unregister, NoFileno())
        t(t.sel.unregister, -2)

    log = same_on_both(scenario)
    assert log[1] == log[0]
    assert log[2] == raised(KeyError, "'%s is not registered'" % log[0][1].fileobj)
    assert log[3][1] is KeyError
    assert log[4:] == [raised(ValueError, "Invalid file object: <NoFileno>"),
                       raised(ValueError, "Invalid file descriptor: -2")]


def test_unregister_of_a_socket_closed_since_is_tolerated():
    def scenario(t):
        a, b = t.kit.socketpair()
        key = t(t.sel.register, a, EVENT_READ)
        t(t.sel.register, b.fileno(), EVENT_READ)
        t.kit.close(a)  # a.fileno() is -1 now: the map is searched for the object
        t.kit.close(b)  # epoll_ctl(EPOLL_CTL_DEL) fails with EBADF: ignored
        t.note(t.sel.unregister(a) is key)
        t(t.sel.unregister, FIRST_FD + 1)
        t.note(len(t.sel.get_map()))

    log = same_on_both(scenario)
    assert log[2:] == [True, returned(selectors.SelectorKey(
        str(FIRST_FD + 1), FIRST_FD + 1, EVENT_READ, None)), 0]


def test_modify_changes_events_and_data():
    def scenario(t):
        a, b = t.kit.socketpair()
        t(t.sel.register, a, EVENT_READ, "old")
        t(t.sel.modify, a, EVENT_WRITE, "new")
        t(t.sel.select, 0)
        t(t.sel.modify, a.fileno(), RW)  # data back to None
        b.send(b"x")
        t(t.sel.select, 0)
        t(t.sel.get_key, a)

    log = same_on_both(scenario)
    fileobj = log[0][1].fileobj
    assert log[1:] == [
        returned(selectors.SelectorKey(fileobj, FIRST_FD, EVENT_WRITE, "new")),
        returned([(selectors.SelectorKey(fileobj, FIRST_FD, EVENT_WRITE, "new"), EVENT_WRITE)]),
        returned(selectors.SelectorKey(fileobj, FIRST_FD, RW, None)),
        returned([(selectors.SelectorKey(fileobj, FIRST_FD, RW, None), RW)]),
        returned(selectors.SelectorKey(fileobj, FIRST_FD, RW, None)),
    ]


def test_modify_of_data_alone_replaces_the_key_and_same_everything_keeps_it():
    def scenario(t):
        a, _ = t.kit.socketpair()
        first = t.sel.register(a, EVENT_READ, "one")
        second = t.sel.modify(a, EVENT_READ, "two")
        third = t.sel.modify(a, EVENT_READ, "two")
        t.note((second is first, third is second, t.sel.get_key(a) is third, second.data))

    assert same_on_both(scenario) == [(False, True, True, "two")]


def test_modify_takes_any_events_unlike_register():
    # The standard library checks events in register() but not in modify():
    # 0 and 4 reach epoll as "no events" and are kept in the key.
    def scenario(t):
        a, _ = t.kit.socketpair()
        t(t.sel.register, a, EVENT_WRITE)
        t(t.sel.modify, a, 0)
        t(t.sel.select, 0)
        t(t.sel.modify, a, 4)
        t(t.sel.modify, a, EVENT_WRITE)
        t(t.sel.select, 0)

    log = same_on_both(scenario)
    assert [(key.events if key else None) for _, key in log[1:2] + log[3:5]] == [0, 4, EVENT_WRITE]
    assert log[2] == returned([])
    assert [events for _, events in log[5][1]] == [EVENT_WRITE]


def test_modify_of_unknown_or_invalid_objects():
    def scenario(t):
        a, b = t.kit.socketpair()
        t(t.sel.modify, a, EVENT_READ)
        t(t.sel.modify, NoFileno(), EVENT_READ)
        t(t.sel.modify, -1, EVENT_READ)

    log = same_on_both(scenario)
    assert log[0][1] is KeyError
    assert log[1:] == [raised(ValueError, "Invalid file object: <NoFileno>"),
                       raised(ValueError, "Invalid file descriptor: -1")]


def test_modify_of_an_fd_closed_since_raises_and_forgets_the_key():
    def scenario(t):
        r, w = t.kit.pipe()
        t(t.sel.register, r, EVENT_READ)
        t.kit.close(r)
        t(t.sel.modify, r, RW)
        t.note(len(t.sel.get_map()))
        t(t.sel.unregister, r)

    log = same_on_both(scenario)
    assert log[1:] == [raised(OSError, "[Errno 9] Bad file descriptor", errno.EBADF), 0,
                       raised(KeyError, "'%d is not registered'" % FIRST_FD)]


# -- get_key and get_map -------------------------------------------------------------------


def test_get_key_by_object_or_fd():
    def scenario(t):
        a, b = t.kit.socketpair()
        t(t.sel.register, a, EVENT_READ)
        t(t.sel.get_key, a)
        t(t.sel.get_key, a.fileno())
        t(t.sel.get_key, b)
        t(t.sel.get_key, NoFileno())

    log = same_on_both(scenario)
    assert log[1] == log[2] == log[0]
    assert log[3] == raised(KeyError, "'%s is not registered'" % log[0][1].fileobj.replace(
        "fd=%d" % FIRST_FD, "fd=%d" % (FIRST_FD + 1)))
    assert log[4] == raised(ValueError, "Invalid file object: <NoFileno>")


def test_get_map_is_a_live_read_only_mapping_from_fds_and_objects_to_keys():
    def scenario(t):
        a, b = t.kit.socketpair()
        mapping = t.sel.get_map()
        t.note(t.sel.get_map() is mapping)
        t(t.sel.register, a, EVENT_READ)
        t(t.sel.register, b.fileno(), EVENT_WRITE)
        t.note((len(mapping), sorted(mapping), a in mapping, b in mapping,
                FIRST_FD + 1 in mapping, 12345 in mapping))
        t.note((sorted(mapping.keys()), describe(list(mapping.values())),
                describe(sorted(mapping.items()))))
        t(mapping.__getitem__, a)
        t(mapping.__getitem__, 12345)
        t(mapping.get, 12345, "default")
        t(mapping.get, a)
        t(mapping.__getitem__, NoFileno())
        t(mapping.__contains__, NoFileno())
        t(operator.setitem, mapping, a, None)
        t(t.sel.unregister, a)
        t.note((len(mapping), list(mapping)))

    log = same_on_both(scenario)
    assert log[0] is True
    assert log[3] == (2, [FIRST_FD, FIRST_FD + 1], True, True, True, False)
    assert log[6] == raised(KeyError, "'12345 is not registered'")
    assert log[7] == returned("default")
    assert log[9][:2] == ("raised", ValueError)
    assert log[11][:2] == ("raised", TypeError)
    assert log[-1] == (1, [FIRST_FD + 1])


# -- select ----------------------------------------------------------------------------------


def test_select_reports_what_is_ready_masked_by_what_was_asked():
    def scenario(t):
        a, b = t.kit.socketpair()
        c, d = t.kit.socketpair()
        t(t.sel.register, a, RW, "a")
        t(t.sel.register, b, EVENT_READ, "b")
        t(t.sel.register, c, EVENT_WRITE, "c")
        t(t.sel.select, 0)  # a and c writable
        b.send(b"x")
        d.send(b"y")
        t(t.sel.select, 0)  # a readable and writable, c writable only (not asked to read)
        a.recv(1)
        t(t.sel.select, 0)

    log = same_on_both(scenario)

    def brief(entry):
        return sorted((key.data, events) for key, events in entry[1])

    assert brief(log[3]) == [("a", EVENT_WRITE), ("c", EVENT_WRITE)]
    assert brief(log[4]) == [("a", RW), ("c", EVENT_WRITE)]
    assert brief(log[5]) == [("a", EVENT_WRITE), ("c", EVENT_WRITE)]


def test_select_maps_hangup_and_error_to_both_events_before_masking():
    # A pipe's read end after the writer closed gets EPOLLHUP; its write end
    # after the reader closed gets EPOLLERR.  Neither is EPOLLIN or EPOLLOUT,
    # so the selector counts each as read *and* write, then keeps what the key asked.
    def scenario(t):
        r1, w1 = t.kit.pipe()
        r2, w2 = t.kit.pipe()
        t(t.sel.register, r1, EVENT_READ, "hup")
        t(t.sel.register, w2, EVENT_READ, "err, asked to read")
        t(t.sel.register, t.kit.dup(r1), EVENT_WRITE, "hup, asked to write")
        t.kit.close(w1)
        t.kit.close(r2)
        t(t.sel.select, 0)

    log = same_on_both(scenario)
    assert sorted((key.data, events) for key, events in log[-1][1]) == [
        ("err, asked to read", EVENT_READ), ("hup", EVENT_READ),
        ("hup, asked to write", EVENT_WRITE)]


@pytest.mark.parametrize("timeout", [0, 0.0, -1, -0.5, -math.inf])
def test_select_does_not_wait_when_timeout_is_not_positive(timeout):
    def scenario(t):
        a, b = t.kit.socketpair()
        t(t.sel.register, a, EVENT_READ)
        start = time.monotonic()
        t(t.sel.select, timeout)
        t.note(time.monotonic() - start < 0.5)

    assert same_on_both(scenario)[1:] == [returned([]), True]


def test_select_waits_at_least_a_small_timeout():
    def scenario(t):
        a, b = t.kit.socketpair()
        t(t.sel.register, a, EVENT_READ)
        for timeout in (0.05, 1e-4):
            start = time.monotonic()
            t(t.sel.select, timeout)
            t.note(time.monotonic() - start >= timeout)

    assert same_on_both(scenario)[1:] == [returned([]), True, returned([]), True]


def test_select_refuses_a_timeout_that_is_not_a_number():
    def scenario(t):
        t(t.sel.select, "1")
        t(t.sel.select, 1j)

    log = same_on_both(scenario)
    assert [entry[1] for entry in log] == [TypeError, TypeError]


def test_select_with_nothing_registered_returns_after_the_timeout():
    def scenario(t):
        t(t.sel.select, 0)
        t(t.sel.select, 0.01)

    assert same_on_both(scenario) == [returned([]), returned([])]


def epoll_wait_arguments():
    """(maxevents, timeout in ms) of the epoll_wait(2) the main thread sleeps in, once it does."""
    return waiting.epoll_wait_arguments(threading.main_thread().native_id)


@pytest.mark.parametrize("timeout", [None, 2.5, 1.2345, 1.0001, 1.009, 3.0, 10**6])
def test_epoll_wait_gets_the_same_timeout_and_maxevents(helper, timeout):
    """The timeout rounds up to whole ms; maxevents is the number of registered fds."""

    def scenario(t):
        a, b = t.kit.socketpair()
        for _ in range(2):
            t.sel.register(t.kit.socketpair()[0], EVENT_READ)
        t.sel.register(a, EVENT_READ, "wake")
        seen = []

        def script():
            seen.append(epoll_wait_arguments())
            b.send(b"x")

        helper.start(script)
        t(t.sel.select, timeout)
        t.note(seen)

    log = same_on_both(scenario)
    assert [key.data for key, _ in log[0][1]] == ["wake"]
    maxevents, ms = log[1][0]
    assert maxevents == 3
    assert ms == -1 if timeout is None else math.ceil(timeout * 1000) <= ms <= math.ceil(
        timeout * 1000) + 1


def test_an_fd_closed_while_its_file_stays_open_is_reported_by_epoll_and_skipped(helper):
    """epoll watches the open file, not the fd number: after the fd is closed and
    unregistered (EBADF ignored), a dup keeps the file registered, epoll keeps
    reporting it under the old number, and select() skips the unknown fd.  With
    nothing registered, maxevents is 1."""

    def scenario(t):
        a, b = t.kit.socketpair()
        t(t.sel.register, a.fileno(), EVENT_READ)
        t.kit.dup(a.fileno())
        t.kit.close(a)
        t(t.sel.unregister, FIRST_FD)
        seen = []

        def script():
            seen.append(epoll_wait_arguments())
            b.send(b"x")

        helper.start(script)
        t(t.sel.select, None)
        t.note(seen)
        t.note(t.sel._selector.poll(0))  # what the kernel reports, under the selector

    log = same_on_both(scenario)
    assert log[2:] == [returned([]), [(1, -1)], [(FIRST_FD, select.EPOLLIN)]]


# -- signals ---------------------------------------------------------------------------------


def test_a_signal_whose_handler_returns_does_not_end_select_early(helper, on_signal):
    """PEP 475: epoll.poll() retries after the handler and the wait keeps its deadline,
    so select() returns [] only when the timeout is over (its ``except InterruptedError``
    is not reached)."""

    def scenario(t):
        calls = []
        on_signal(signal.SIGUSR1, lambda signum, frame: calls.append(signum))
        a, b = t.kit.socketpair()
        t(t.sel.register, a, EVENT_READ)

        def script():
            helper.wait_blocked("epoll_wait")
            helper.signal_main()

        helper.start(script)
        start = time.monotonic()
        t(t.sel.select, 0.5)
        t.note((calls, time.monotonic() - start >= 0.5))

    assert same_on_both(scenario)[1:] == [returned([]), ([signal.SIGUSR1], True)]


def test_a_signal_whose_handler_returns_then_a_ready_fd(helper, on_signal):
    def scenario(t):
        calls = []
        on_signal(signal.SIGUSR1, lambda signum, frame: calls.append(signum))
        a, b = t.kit.socketpair()
        t(t.sel.register, a, EVENT_READ, "a")

        def script():
            helper.wait_blocked("epoll_wait")
            helper.signal_main()
            helper.wait_blocked("epoll_wait")  # back in epoll_wait, or not yet out of it: alike
            b.send(b"x")

        helper.start(script)
        t(t.sel.select, None)
        t.note(calls)

    log = same_on_both(scenario)
    assert [(key.data, events) for key, events in log[1][1]] == [("a", EVENT_READ)]
    assert log[2] == [signal.SIGUSR1]


@pytest.mark.parametrize("error", [ZeroDivisionError, InterruptedError])
def test_a_handler_that_raises(helper, on_signal, error):
    """The handler's exception comes out of select(), except InterruptedError,
    which select() turns into an empty list."""

    def handler(signum, frame):
        raise error("from the handler")

    def scenario(t):
        on_signal(signal.SIGUSR1, handler)
        a, b = t.kit.socketpair()
        t(t.sel.register, a, EVENT_READ)

        def script():
            helper.wait_blocked("epoll_wait")
            helper.signal_main()

        helper.start(script)
        t(t.sel.select, 10)
        b.send(b"x")
        t(t.sel.select, 0)  # still usable

    log = same_on_both(scenario)
    expected = returned([]) if error is InterruptedError else raised(error, "from the handler")
    assert log[1] == expected
    assert [events for _, events in log[2][1]] == [EVENT_READ]


# -- closing ---------------------------------------------------------------------------------


def _closed_message():
    epoll = select.epoll()
    epoll.close()
    try:
        epoll.fileno()
    except ValueError as exc:
        return str(exc)


# The running interpreter's words: "... closed epoll object" (CPython), "... epoll fd" (PyPy).
CLOSED = _closed_message()


def test_after_close_every_operation_behaves_as_the_standard_librarys():
    def scenario(t):
        a, b = t.kit.socketpair()
        t(t.sel.register, a, EVENT_READ)
        mapping = t.sel.get_map()
        t(t.sel.close)
        t(t.sel.close)
        t.note((t.sel.get_map(), len(mapping)))
        for call, args in [(t.sel.fileno, ()), (t.sel.select, (0,)), (t.sel.select, (None,)),
                           (t.sel.register, (b, EVENT_READ)), (t.sel.register, (-1, EVENT_READ)),
                           (t.sel.modify, (a, EVENT_WRITE)), (t.sel.unregister, (a,)),
                           (t.sel.get_key, (a,))]:
            t(call, *args)
        t.note(t.sel.__enter__() is t.sel)
        t.note(len(t.sel._fd_to_key))

    log = same_on_both(scenario)
    closed = raised(ValueError, CLOSED)
    assert log[1:] == [
        returned(None), returned(None), (None, 0),
        closed, closed, closed,
        closed, raised(ValueError, "Invalid file descriptor: -1"),
        raised(KeyError, "'%s is not registered'" % log[0][1].fileobj),
        raised(KeyError, "'%s is not registered'" % log[0][1].fileobj),
        raised(RuntimeError, "Selector is closed"),
        True,  # __enter__ does not check
        0,
    ]


def test_the_with_statement_closes_the_selector():
    def scenario(t):
        with t.cls() as sel:
            t.note(sel.fileno() >= 0)
        t(sel.fileno)
        t(sel.get_map)

    assert same_on_both(scenario) == [
        True, raised(ValueError, CLOSED), returned(None)]


PYPY = sys.implementation.name == "pypy"


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_a_deep_copy_or_a_pickle_is_refused_by_the_epoll_object_inside(how):
    """Either would make a second owner of the selector's epoll descriptor.  (PyPy's own
    select.epoll makes a new, empty instance instead; ours refuses there too.)"""
    duplicate = copy.deepcopy if how == "deepcopy" else pickle.dumps

    def scenario(t):
        r, w = t.kit.pipe()
        t.sel.register(w, EVENT_WRITE)
        t(duplicate, t.sel)
        t(t.sel.select, 0)

    if PYPY:
        trial = Trial(OURS)
        try:
            scenario(trial)
        finally:
            trial.sel.close()
            trial.kit.close_all()
        log = trial.log
    else:
        log = same_on_both(scenario)
    assert log[0] == raised(TypeError, "cannot pickle 'select.epoll' object")
    assert log[1][0] == "returned" and [events for _, events in log[1][1]] == [EVENT_WRITE]


def test_a_shallow_copy_shares_the_epoll_object_as_the_standard_librarys_does():
    """One epoll object, so still one owner: closing either selector closes it for both."""
    def scenario(t):
        twin = copy.copy(t.sel)
        t.note(twin._selector is t.sel._selector)
        twin.close()
        t(t.sel.select, 0)

    log = same_on_both(scenario)
    assert log[0] is True and log[1][:2] == ("raised", ValueError)


# -- a model check -----------------------------------------------------------------------------

POOL = 3  # socketpairs; each end registers as the socket or as its fd number


class SelectorModel(RuleBasedStateMachine):
    """Ours and the standard library's selector, side by side over the same sockets."""

    def __init__(self):
        super().__init__()
        self.pairs = []
        self.model = STDLIB()
        self.ours = OURS()
        for _ in range(POOL):
            self.pairs.append(self._new_pair())

    @staticmethod
    def _new_pair():
        pair = socket.socketpair()
        for s in pair:
            s.setblocking(False)
        return pair

    def teardown(self):
        self.model.close()
        self.ours.close()
        for pair in self.pairs:
            for s in pair:
                s.close()

    def both(self, method, *args):
        expected, got = (outcome(getattr(sel, method), *args) for sel in (self.model, self.ours))
        assert got == expected, (method, args)

    def fileobj(self, which, end, as_fd):
        sock = self.pairs[which][end]
        return sock.fileno() if as_fd else sock

    target = dict(which=st.integers(0, POOL - 1), end=st.integers(0, 1), as_fd=st.booleans())
    events = st.one_of(st.sampled_from([EVENT_READ, EVENT_WRITE, RW]), st.integers(-1, 8))
    data = st.sampled_from([None, 0, "x", ("t", 1)])

    @rule(**target, events=events, data=data)
    def register(self, which, end, as_fd, events, data):
        self.both("register", self.fileobj(which, end, as_fd), events, data)

    @rule(**target, events=events, data=data)
    def modify(self, which, end, as_fd, events, data):
        self.both("modify", self.fileobj(which, end, as_fd), events, data)

    @rule(**target)
    def unregister(self, which, end, as_fd):
        self.both("unregister", self.fileobj(which, end, as_fd))

    @rule(**target)
    def get_key(self, which, end, as_fd):
        self.both("get_key", self.fileobj(which, end, as_fd))

    @rule(fileobj=st.sampled_from([-1, -100, NoFileno(), Fileno(-5), Fileno("x"), 2**40]),
          method=st.sampled_from(["register", "modify", "unregister", "get_key"]))
    def invalid_object(self, fileobj, method):
        args = (fileobj, EVENT_READ) if method in ("register", "modify") else (fileobj,)
        self.both(method, *args)

    @rule(timeout=st.sampled_from([0, 0.0, -1, 1e-4]))
    def select(self, timeout):
        self.both("select", timeout)

    @rule(which=st.integers(0, POOL - 1), end=st.integers(0, 1))
    def send(self, which, end):
        try:
            self.pairs[which][end].send(b"x")
        except OSError:  # full, or shut down
            pass

    @rule(which=st.integers(0, POOL - 1), end=st.integers(0, 1))
    def drain(self, which, end):
        try:
            while self.pairs[which][end].recv(65536):
                pass
        except OSError:  # nothing left, or closed
            pass

    @rule(which=st.integers(0, POOL - 1), end=st.integers(0, 1))
    def fill(self, which, end):
        """Send until the buffers are full: the end is no longer writable."""
        try:
            while True:
                self.pairs[which][end].send(b"x" * 65536)
        except OSError:
            pass

    @rule(which=st.integers(0, POOL - 1), end=st.integers(0, 1))
    def shutdown(self, which, end):
        try:
            self.pairs[which][end].shutdown(socket.SHUT_WR)
        except OSError:
            pass

    @rule(which=st.integers(0, POOL - 1), end=st.integers(0, 1))
    def close_end(self, which, end):
        """Close one end, registered or not: the other end gets EPOLLHUP, which
        nobody asked for, and the closed socket's fileno() is -1 from now on."""
        self.pairs[which][end].close()

    @rule(which=st.integers(0, POOL - 1))
    def replace(self, which):
        """Close a pair, registered or not, and open another (likely at the same fds)."""
        for s in self.pairs[which]:
            s.close()
        self.pairs[which] = self._new_pair()

    @precondition(lambda self: self.ours.get_map() is not None)
    @rule()
    def close(self):
        self.both("close")

    @invariant()
    def same_map(self):
        maps = [sel.get_map() for sel in (self.model, self.ours)]
        if maps[0] is None:
            assert maps[1] is None
        else:
            assert dict(maps[1]) == dict(maps[0])


SelectorModel.TestCase.settings = settings(
    max_examples=60, stateful_step_count=30, deadline=None, database=None)
TestSelectorModel = SelectorModel.TestCase
