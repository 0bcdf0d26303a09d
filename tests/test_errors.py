"""The one error path: failures become OSError(errno, "function: reason from the table"),
and bad arguments are refused before C runs, naming the function.
"""

import errno
import os

import kernelkit
import pytest

import glibc
import glibc.families
from glibc import (
    CLOCK_MONOTONIC,
    EFD_CLOEXEC,
    EFD_NONBLOCK,
    EPOLL_CTL_ADD,
    SIG_BLOCK,
    ffi,
    sigset_t,
)

ENTRIES = {f.name: f for fam in glibc.families.load() for f in fam.functions}


# -- errno becomes OSError with the table's reason --------------------------------------------

# fd -1 is never open: each of these fails with EBADF before doing anything.
EBADF_CALLS = {
    "close": lambda: glibc.close(-1),
    "dup": lambda: glibc.dup(-1),
    "dup2": lambda: glibc.dup2(-1, 100),
    "dup3": lambda: glibc.dup3(-1, 100, 0),
    "read": lambda: glibc.read(-1, bytearray(8)),
    "eventfd_read": lambda: glibc.eventfd_read(-1, glibc.eventfd_t()),
    "eventfd_write": lambda: glibc.eventfd_write(-1, 1),
    "timerfd_gettime": lambda: glibc.timerfd_gettime(-1, glibc.itimerspec()),
    "timerfd_settime": lambda: glibc.timerfd_settime(-1, 0, glibc.itimerspec(), None),
    "epoll_ctl": lambda: glibc.epoll_ctl(-1, EPOLL_CTL_ADD, 0, glibc.epoll_event()),
    "epoll_wait": lambda: glibc.epoll_wait(-1, glibc.epoll_event.array(1), 1, 0),
    "epoll_pwait": lambda: glibc.epoll_pwait(-1, glibc.epoll_event.array(1), 1, 0, None),
    "signalfd": lambda: glibc.signalfd(-2, sigset_t(), 0),
}


@pytest.mark.parametrize("name", sorted(EBADF_CALLS))
def test_a_bad_fd_is_ebadf_with_the_reason_from_the_table(name):
    with pytest.raises(OSError) as info:
        EBADF_CALLS[name]()
    reason = ENTRIES[name].errors["EBADF"]
    assert type(info.value) is OSError  # EBADF has no subclass of its own
    assert info.value.errno == errno.EBADF
    assert info.value.strerror == "%s: %s" % (name, reason)
    assert name in str(info.value) and reason in str(info.value)


UNKNOWN_FLAG = 0x4000_0000

EINVAL_CALLS = {
    "eventfd": lambda: glibc.eventfd(0, UNKNOWN_FLAG),
    "epoll_create": lambda: glibc.epoll_create(0),
    "epoll_create1": lambda: glibc.epoll_create1(UNKNOWN_FLAG),
    "timerfd_create": lambda: glibc.timerfd_create(CLOCK_MONOTONIC, UNKNOWN_FLAG),
    "signalfd": lambda: glibc.signalfd(-1, sigset_t(), UNKNOWN_FLAG),
    "pipe2": lambda: glibc.pipe2(ffi.new("int[2]"), UNKNOWN_FLAG),
    "sigaddset": lambda: glibc.sigaddset(sigset_t(), 0),
    "sigdelset": lambda: glibc.sigdelset(sigset_t(), -1),
    "sigismember": lambda: glibc.sigismember(sigset_t(), glibc.NSIG),
    "sigprocmask": lambda: glibc.sigprocmask(-1, sigset_t(), None),
    "pthread_sigmask": lambda: glibc.pthread_sigmask(-1, sigset_t(), None),
    "clock_gettime": lambda: glibc.clock_gettime(1000, glibc.timespec()),
    "clock_getres": lambda: glibc.clock_getres(1000, None),
    "prctl": lambda: glibc.prctl(0x7FFF_FFFF),
}


# The calls above whose only EINVAL is a flag they do not know.  qemu-user
# hands the kernel the flags it knows one by one, so there the call succeeds.
ONLY_BY_FLAG = {"epoll_create1", "pipe2", "timerfd_create"}


@pytest.mark.parametrize("name", sorted(EINVAL_CALLS))
def test_einval_carries_the_reason_from_the_table(name, raises_errno):
    if name in ONLY_BY_FLAG and kernelkit.emulator():
        pytest.skip("%s drops flags it does not know before the kernel sees them"
                    % kernelkit.emulator())
    with raises_errno(name, "EINVAL"):
        EINVAL_CALLS[name]()


def test_eagain_is_blocking_io_error(fds, raises_errno):
    efd = fds(glibc.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK))
    with raises_errno("eventfd_read", "EAGAIN") as info:
        glibc.eventfd_read(efd, glibc.eventfd_t())
    assert isinstance(info.value, BlockingIOError)
    assert issubclass(type(info.value), OSError)


def test_an_errno_the_table_does_not_list_falls_back_to_strerror(fds):
    # eventfd_read(3) is read(2) underneath; on a directory that is EISDIR,
    # which eventfd_read's table (rightly) does not expect.
    assert "EISDIR" not in ENTRIES["eventfd_read"].errors
    directory = fds(os.open("/", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC))
    with pytest.raises(IsADirectoryError) as info:
        glibc.eventfd_read(directory, glibc.eventfd_t())
    assert info.value.strerror == "eventfd_read: " + os.strerror(errno.EISDIR)


def test_every_reason_names_a_real_errno():
    for entry in ENTRIES.values():
        for name in entry.errors:
            assert isinstance(getattr(errno, name, None), int), (entry.name, name)


# -- wrong types: TypeError naming the function, before C runs ----------------------------------

TYPE_ERRORS = [
    # None where C dereferences the pointer
    ("sigemptyset", lambda: glibc.sigemptyset(None)),
    ("clock_gettime", lambda: glibc.clock_gettime(CLOCK_MONOTONIC, None)),
    ("read", lambda: glibc.read(0, None)),
    # a str where C wants an int
    ("close", lambda: glibc.close("0")),
    ("sigaddset", lambda: glibc.sigaddset(sigset_t(), "10")),
    ("eventfd", lambda: glibc.eventfd("1", 0)),
    ("epoll_wait", lambda: glibc.epoll_wait(-1, glibc.epoll_event.array(1), "1", 0)),
    # a cdata of another type
    ("sigaddset", lambda: glibc.sigaddset(glibc.timespec(), 10)),
    ("sigprocmask", lambda: glibc.sigprocmask(SIG_BLOCK, glibc.timespec(), None)),
    ("epoll_wait", lambda: glibc.epoll_wait(-1, sigset_t(), 1, 0)),
    ("eventfd_read", lambda: glibc.eventfd_read(-1, ffi.new("int *"))),
    # a Python list or a struct value where C wants a pointer
    ("pipe", lambda: glibc.pipe([0, 0])),
    ("sigismember", lambda: glibc.sigismember(sigset_t()[0], 1)),
    # read-only memory where C writes
    ("read", lambda: glibc.read(0, b"read-only")),
]


@pytest.mark.parametrize("name, call", TYPE_ERRORS, ids=[n for n, _ in TYPE_ERRORS])
def test_a_wrong_type_is_a_type_error_naming_the_function(name, call):
    with pytest.raises(TypeError) as info:
        call()
    assert str(info.value).startswith(name + ": ")


@pytest.mark.parametrize("call, argument", [
    (lambda: glibc.close("0"), "fd"),
    (lambda: glibc.sigaddset(sigset_t(), 1.0), "signum"),
    (lambda: glibc.epoll_wait(-1, glibc.epoll_event.array(1), 1, "0"), "timeout"),
    # A dict for a union passed by value, naming a field it lacks: cffi's KeyError
    # (found by tests/test_fuzz.py) becomes a TypeError before C runs.
    (lambda: glibc.sigqueue(os.getpid(), 0, {"no_such_field": 1}), "value"),
])
def test_a_wrong_scalar_type_names_the_argument(call, argument):
    with pytest.raises(TypeError, match=": %s: " % argument):
        call()


OVERFLOWS = [
    ("sigaddset", lambda: glibc.sigaddset(sigset_t(), 2**40)),
    ("eventfd", lambda: glibc.eventfd(-1, 0)),
    ("eventfd_write", lambda: glibc.eventfd_write(-1, 2**64)),
    ("read", lambda: glibc.read(-1, bytearray(1), -1)),
    ("close", lambda: glibc.close(2**31)),
]


@pytest.mark.parametrize("name, call", OVERFLOWS, ids=[n for n, _ in OVERFLOWS])
def test_an_int_out_of_range_is_an_overflow_error(name, call):
    # Had the call reached C, fd -1 would have been EBADF.
    with pytest.raises(OverflowError) as info:
        call()
    assert str(info.value).startswith(name + ": ")


NULLS = [
    ("sigemptyset", lambda: glibc.sigemptyset(ffi.NULL)),
    ("sigismember", lambda: glibc.sigismember(ffi.cast("sigset_t *", 0), 1)),
    ("clock_gettime", lambda: glibc.clock_gettime(CLOCK_MONOTONIC, ffi.NULL)),
    ("read", lambda: glibc.read(-1, ffi.NULL, 0)),
    ("pipe", lambda: glibc.pipe(ffi.NULL)),
    ("epoll_wait", lambda: glibc.epoll_wait(-1, ffi.NULL, 1, 0)),
]


@pytest.mark.parametrize("name, call", NULLS, ids=[n for n, _ in NULLS])
def test_null_where_c_dereferences_is_a_value_error(name, call):
    with pytest.raises(ValueError) as info:
        call()
    assert str(info.value).startswith(name + ": ")


def test_none_and_null_are_accepted_where_the_man_page_allows_null():
    old = sigset_t()
    assert glibc.sigprocmask(SIG_BLOCK, None, old) == 0
    assert glibc.sigprocmask(SIG_BLOCK, ffi.NULL, ffi.NULL) == 0
    assert glibc.pthread_sigmask(SIG_BLOCK, None, None) == 0


def test_a_void_pointer_of_unknown_size_is_refused():
    with pytest.raises(TypeError, match="read: buf"):
        glibc.read(-1, ffi.cast("void *", 0x1000), 1)


def test_a_type_filled_from_a_dict_naming_a_field_it_lacks_is_a_type_error():
    # cffi says KeyError; every other wrong argument is a TypeError.
    with pytest.raises(TypeError, match="^struct timespec has no field 'tv_msec'$"):
        glibc.timespec({"tv_msec": 1})
    with pytest.raises(TypeError, match="^struct timespec has no field 'tv_msec'$"):
        glibc.timespec.array([{"tv_msec": 1}])
