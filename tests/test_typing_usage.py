"""glibc and pyglibc used as a typed program would use them.

pytest runs these like any test; ``mypy --strict`` checks this file in the
lint session (noxfile.py), so a stub that stops describing what works here,
or a signature that drifts from the tables, fails there.  Every value is
annotated with the type the stubs promise.
"""

import errno
import os
import pathlib
import signal
from typing import Any, Final, Optional

import glibc
import pyglibc
import pyglibc.select
from glibc import (
    EFD_CLOEXEC,
    O_CLOEXEC,
    O_NONBLOCK,
    SIG_BLOCK,
    SIG_SETMASK,
    close,
    eventfd,
    eventfd_read,
    eventfd_t,
    pipe2,
    pthread_sigmask,
    read,
    sigaddset,
    sigismember,
    sigset_t,
    timespec,
)
from glibc._types import CType

ONE: Final[int] = 1


def test_constants_are_ints() -> None:
    flags: int = O_CLOEXEC | O_NONBLOCK
    assert flags & O_CLOEXEC
    assert isinstance(glibc.EPOLLIN, int)


def test_types_are_ctypes_with_typed_attributes() -> None:
    assert isinstance(sigset_t, CType)
    size: int = sigset_t.size
    fields: tuple[str, ...] = timespec.fields
    name: str = timespec.cname
    assert size == glibc.ffi.sizeof("sigset_t")
    assert fields[:2] == ("tv_sec", "tv_nsec") and name == "struct timespec"
    t = timespec()
    t.tv_sec = 3  # cdata fields are attributes made at run time
    seconds: int = t.tv_sec
    assert seconds == 3
    assert len(glibc.epoll_event.array(4)) == 4


def test_functions_take_and_return_what_the_stubs_say() -> None:
    ends = glibc.ffi.new("int[2]")
    result: int = pipe2(ends, O_CLOEXEC | O_NONBLOCK)
    assert result == 0
    try:
        os.write(ends[1], b"typed")
        buf = bytearray(8)
        got: int = read(ends[0], buf)  # the count may be left out: the buffer's size
        assert bytes(buf[:got]) == b"typed"
        try:
            read(ends[0], buf, None)
        except BlockingIOError as exc:
            assert exc.errno == errno.EAGAIN
    finally:
        close(ends[0])
        close(ends[1])


def test_none_passes_null_where_the_stubs_say_optional() -> None:
    mask = sigset_t()
    sigaddset(mask, signal.SIGUSR1)
    old = sigset_t()
    pthread_sigmask(SIG_BLOCK, None, old)  # None: only read the mask
    member: int = sigismember(mask, signal.SIGUSR1)
    assert member == 1
    pthread_sigmask(SIG_SETMASK, old, None)


def test_integer_typedefs_by_pointer_and_by_value() -> None:
    fd = eventfd(0, EFD_CLOEXEC)
    try:
        glibc.eventfd_write(fd, 41 + ONE)  # eventfd_t by value is an int
        value = eventfd_t()
        eventfd_read(fd, value)
        counter: int = value[0]
        assert counter == 42
    finally:
        close(fd)


def test_paths_take_str_and_pathlike() -> None:
    for name in ("typed", b"typed", pathlib.PurePath("typed")):
        close(glibc.memfd_create(name, glibc.MFD_CLOEXEC))
    cpus = glibc.cpu_set_t()
    glibc.CPU_SET(0, cpus)
    glibc.CPU_ZERO(cpus)  # a "void" function: typed as returning None
    assert glibc.CPU_COUNT(cpus) == 0


def test_char_pointer_results_are_cdata() -> None:
    name: Any = glibc.sigabbrev_np(signal.SIGTERM)
    assert glibc.ffi.string(name) == b"TERM"


def test_pyglibc_objects_are_typed() -> None:
    with pyglibc.eventfd(0, semaphore=True) as efd:
        efd.write(2)
        taken: int = efd.read()
        assert taken == 1
    with pyglibc.timerfd() as tfd:
        previous: tuple[float, float] = tfd.settime(0)
        assert previous == (0.0, 0.0)
    r, w = pyglibc.pipe2(O_NONBLOCK)
    with pyglibc.select.epoll() as ep:
        ep.register(r, pyglibc.select.EPOLLIN)
        events: list[tuple[int, int]] = ep.poll(0)
        assert events == []
    os.close(r)
    os.close(w)
    blocked: frozenset[int] = pyglibc.pthread_sigmask.get()
    assert signal.SIGUSR1 not in blocked
    found: Optional[pyglibc.siginfo] = pyglibc.sigwait([], timeout=0)
    assert found is None
    caps = pyglibc.capabilities()
    effective: frozenset[Any] = caps.effective
    assert effective <= caps.permitted
    assert pyglibc.Capability.SYS_ADMIN == glibc.CAP_SYS_ADMIN
    assert isinstance(pyglibc.prctl.name, str)
