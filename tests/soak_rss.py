"""A million calls of each hot function leave the resident set flat (nox -s soak).

Not collected by a plain ``pytest tests`` (the name does not start with
``test_``): ``python -m pytest tests/soak_rss.py`` runs it, with
GLIBC_SOAK_CALLS calls per function (default 1,000,000; about a second
each on CPython).  Each function is first called a tenth as many times, so
that caches, free lists and the JIT settle, then /proc/self/statm is read
before and after a million, again until one grows it by less than SLACK or
SETTLE have not: a leak of even a few bytes per call would show as megabytes
each time, a garbage collector's heap that settles does not.  The error
path (an OSError made and dropped per call) is soaked too.
"""

import errno
import os
import resource

import pytest

import glibc
import pyglibc
import pyglibc.select

CALLS = int(os.environ.get("GLIBC_SOAK_CALLS", "1000000"))
PAGE = resource.getpagesize()
# What the resident set may grow by: 2 bytes a call (2 MB for a million).
SLACK = max(2 * CALLS, 256 * 1024)
# How many millions a heap may take to settle: a leak grows it as much each time,
# while PyPy's grew by 240 MB in its first million eventfd calls, 4 MB in the
# second, 1 MB in the third and then by nothing.
SETTLE = 5


def resident():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def _clock_gettime():
    ts = glibc.timespec()
    return lambda: glibc.clock_gettime(glibc.CLOCK_MONOTONIC, ts), lambda: None


def _eventfd():
    efd = glibc.eventfd(0, glibc.EFD_CLOEXEC | glibc.EFD_NONBLOCK)
    value = glibc.eventfd_t()

    def call():
        glibc.eventfd_write(efd, 1)
        glibc.eventfd_read(efd, value)

    return call, lambda: os.close(efd)


def _sigismember():
    mask = glibc.sigset_t()
    glibc.sigaddset(mask, 10)
    return lambda: glibc.sigismember(mask, 10), lambda: None


def _epoll_poll():
    r, w = os.pipe()
    os.write(w, b"x")
    ep = pyglibc.select.epoll()
    ep.register(r, glibc.EPOLLIN)

    def close():
        ep.close()
        os.close(r)
        os.close(w)

    return lambda: ep.poll(0), close


def _read():
    fd = os.open("/dev/zero", os.O_RDONLY | os.O_CLOEXEC)
    buf = bytearray(64)
    return lambda: glibc.read(fd, buf), lambda: os.close(fd)


def _an_error():
    def call():
        try:
            glibc.close(-1)
        except OSError as exc:
            assert exc.errno == errno.EBADF

    return call, lambda: None


def _pyglibc_eventfd():
    efd = pyglibc.eventfd(0, glibc.EFD_NONBLOCK)

    def call():
        efd.write(1)
        efd.read()

    return call, efd.close


HOT = {"clock_gettime": _clock_gettime, "eventfd_write+eventfd_read": _eventfd,
       "sigismember": _sigismember, "pyglibc.select.epoll.poll": _epoll_poll, "read": _read,
       "close(-1) raising EBADF": _an_error, "pyglibc.eventfd write+read": _pyglibc_eventfd}


def grown(call):
    """What the last of up to SETTLE millions of calls grew the resident set by: the first
    that grows it by less than SLACK ends the measure."""
    for _ in range(CALLS // 10):
        call()
    for _ in range(SETTLE):
        before = resident()
        for _ in range(CALLS):
            call()
        growth = resident() - before
        if growth < SLACK:
            break
    return growth


@pytest.mark.parametrize("name", sorted(HOT))
def test_a_million_calls_leave_the_resident_set_flat(name):
    call, cleanup = HOT[name]()
    try:
        growth = grown(call)
    finally:
        cleanup()
    assert growth < SLACK, "%s: %d calls grew the resident set by %d KiB" % (
        name, CALLS, growth // 1024)


def test_the_measure_sees_a_leak_of_eight_bytes_a_call():
    kept = []
    leaky = kept.append  # one pointer (8 bytes) more per call
    assert grown(lambda: leaky(None)) > SLACK
