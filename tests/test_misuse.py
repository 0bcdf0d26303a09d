"""Too little memory for C is refused before the call, with a message naming the minimum;
the objects answer hostile arguments with the right kind of exception.

Every pointer parameter of every public entry of the tables, one at a
time: an array one element short of what the prototype asks for (``int
pipefd[2]`` asks for 2, ``sigset_t *`` for 1), and a count larger than the
buffer it counts.  The other arguments are well-formed, so the short one
is what the call refuses.  Each call runs in a forked child (children.py's
``in_child``): had a check been missing, C would have run with them.

Then every constructor and method of the objects that takes arguments (and
the prctl and subreaper attributes) gets hostile values from hypothesis:
only TypeError, OverflowError, ValueError or OSError may come out.
"""

import contextlib
import datetime
import decimal
import fractions
import os
import re
import signal

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import glibc
import glibc.families
import pyglibc
import pyglibc.select
from children import in_child

try:
    import numpy
except ImportError:  # not on every interpreter the suite runs on
    numpy = None

ffi = glibc.ffi
HERE = os.path.dirname(os.path.abspath(__file__))
ENTRIES = {f.name: f for fam in glibc.families.load() for f in fam.functions if f.public}
PATHS = ("pathname", "oldpath", "newpath", "name")


def well_formed(param):
    """An argument that passes the wrapper's checks for param."""
    if not param.is_pointer:
        ctype = param.ctype.replace("const ", "")
        if ctype == "timer_t":
            return ffi.cast("timer_t", 0)
        if ctype == "union sigval":
            return {"sival_int": 0}
        return 0
    if param.pointee == "char" and param.name in PATHS:
        return "x"
    if param.is_buffer:
        return bytearray(64)
    return ffi.new("%s[%d]" % (param.pointee, max(param.min_count, 2)))


def _cases(counted):
    out = []
    for name, entry in sorted(ENTRIES.items()):
        counts = set(entry.sizes) | set(entry.sizes.values())
        for i, param in enumerate(entry.params):
            if param.is_pointer and (param.name in entry.sizes) == counted and (
                    counted or (not param.is_buffer and param.name not in counts)):
                out.append(pytest.param(name, i, id="%s-%s" % (name, param.name)))
    return out


def call_with(name, i, value, count=None):
    """glibc.name with well-formed arguments but ``value`` at i (and ``count`` for its count)."""
    entry = ENTRIES[name]
    args = [well_formed(p) for p in entry.params]
    args[i] = value
    if count is not None:
        args[[p.name for p in entry.params].index(entry.sizes[entry.params[i].name])] = count
    try:
        getattr(glibc, name)(*args)
    except ValueError as exc:
        return str(exc)
    return None


@pytest.mark.parametrize("name, i", _cases(counted=False))
def test_an_array_one_element_short_is_a_value_error_naming_the_minimum(name, i):
    param = ENTRIES[name].params[i]
    short = param.min_count - 1
    message = in_child(call_with, name, i, ffi.new("%s[%d]" % (param.pointee, short)))
    assert message is not None, "%s accepted %d elements for %s" % (name, short, param.name)
    found = re.match(r"%s: %s must have room for (\d+) .*\bnot %d$" % (name, param.name, short),
                     message)
    # capget/capset ask for as many as their header's version needs: at least this.
    assert found and int(found.group(1)) >= param.min_count, message


# -- counts: any integer kind, checked as the int C gets ----------------------------------------

class _Lying(int):
    """An int whose comparisons and conversions all claim a count of 0."""

    def __lt__(self, other):
        return True

    def __le__(self, other):
        return True

    def __gt__(self, other):
        return False

    def __ge__(self, other):
        return False

    def __index__(self):
        return 0

    def __int__(self):
        return 0


class _Index:
    """Not an int, but an integer by __index__ (as numpy's and gmpy's are)."""

    def __init__(self, value):
        self.value = value

    def __index__(self):
        return self.value


# kind -> how a count of n is spelled in it.  Each is an integer to Python
# (operator.index takes it), so it is checked as the int it stands for.
ACCEPTED = {
    "int": int,
    "int-subclass": _Lying,
    "__index__": _Index,
    "bool": lambda n: bool(n),
}
if numpy is not None:
    ACCEPTED.update({"numpy.int64": numpy.int64, "numpy.uint64": numpy.uint64,
                     "numpy.int32": numpy.int32, "numpy.int16": numpy.int16})
# Not integers, though cffi would take the first two by __int__ (truncating
# Decimal("1.5")): TypeError, as os.read(fd, Decimal(3)) says.
REFUSED = {"Decimal": decimal.Decimal, "Fraction": fractions.Fraction, "float": float,
           "str": str}
# Values no buffer has room for, whatever it holds.
OUT_OF_RANGE = {"-1": -1, "-2**63-1": -(2**63) - 1, "2**31": 2**31, "2**63": 2**63,
                "2**64": 2**64, "2**100": 2**100}


def _count_cases():
    """(entry, pointer) for every pointer of every entry that declares its count (sizes=)."""
    return [pytest.param(name, pointer, id="%s-%s" % (name, pointer))
            for name, entry in sorted(ENTRIES.items())
            for pointer in sorted(entry.sizes)]


def _counted(name, pointer, items):
    """The pointer argument with ``items`` elements, and how much it has in its count's unit."""
    entry = ENTRIES[name]
    param = next(p for p in entry.params if p.name == pointer)
    unit = entry.units.get(entry.sizes[pointer], "bytes" if param.is_buffer else "elements")
    if param.is_buffer:
        return bytearray(items), items, unit
    value = ffi.new("%s[%d]" % (param.pointee, items))
    have = {"elements": items, "bytes": ffi.sizeof(value),
            "bits": 8 * ffi.sizeof(value)}[unit]
    return value, have, unit


def _no_wait(entry):
    """Well-formed arguments, but /dev/null for descriptors, and an alarm: without its
    check, a call in the child fails or dies, and does not wait on the test's stdin."""
    signal.alarm(10)
    null = os.open(os.devnull, os.O_RDWR)
    return [null if not p.is_pointer and p.name.endswith("fd") else well_formed(p)
            for p in entry.params]


def call_counted(name, pointer, items, count):
    """glibc.name with ``items`` elements at ``pointer`` and ``count`` as its count.

    The other pointers that share the count get more, so that the check
    that refuses is this pointer's.
    """
    entry = ENTRIES[name]
    args = _no_wait(entry)
    count_name = entry.sizes[pointer]
    for i, p in enumerate(entry.params):
        if p.name == pointer:
            args[i] = _counted(name, pointer, items)[0]
        elif p.name == count_name:
            args[i] = count
        elif entry.sizes.get(p.name) == count_name:
            args[i] = _counted(name, p.name, 8 * max(items, 2))[0]
    getattr(glibc, name)(*args)


def _c_range(entry, count_name):
    ctype = next(p.ctype for p in entry.params if p.name == count_name)
    bits = 8 * ffi.sizeof(ctype)
    if int(ffi.cast(ctype, -1)) < 0:
        return -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    return 0, (1 << bits) - 1


@pytest.mark.parametrize("kind", sorted(ACCEPTED))
@pytest.mark.parametrize("name, pointer", _count_cases())
def test_a_count_past_the_end_of_its_buffer_is_a_value_error_in_any_integer_kind(
        name, pointer, kind):
    """int subclasses, __index__ objects, numpy ints and bool are counts too: checked
    as the int C would get (the subclass lies in every comparison and conversion)."""
    entry = ENTRIES[name]
    count = entry.sizes[pointer]
    items = 0 if kind == "bool" else 2  # True counts 1: past an empty buffer
    _, have, unit = _counted(name, pointer, items)
    with pytest.raises(ValueError) as info:
        in_child(call_counted, name, pointer, items, ACCEPTED[kind](have + 1))
    assert str(info.value) == "%s: %s has %d %s, fewer than %s %d" % (
        name, pointer, have, unit, count, have + 1)


@pytest.mark.parametrize("kind", sorted(REFUSED))
@pytest.mark.parametrize("name, pointer", _count_cases())
def test_a_count_that_is_not_an_integer_is_a_type_error(name, pointer, kind):
    count = ENTRIES[name].sizes[pointer]
    with pytest.raises(TypeError, match="^%s: %s: " % (name, count)):
        in_child(call_counted, name, pointer, 2, REFUSED[kind](1))


@pytest.mark.parametrize("kind", sorted(OUT_OF_RANGE))
@pytest.mark.parametrize("name, pointer", _count_cases())
def test_a_negative_or_huge_count_is_refused_before_c_runs(name, pointer, kind):
    """OverflowError where the count's C type cannot hold it (cffi's and the
    stdlib's word), ValueError where it can but no buffer has room for it."""
    entry = ENTRIES[name]
    count = entry.sizes[pointer]
    value = OUT_OF_RANGE[kind]
    low, high = _c_range(entry, count)
    if not low <= value <= high:
        expected, message = OverflowError, "^%s: %s: " % (name, count)
    elif value < 0:
        expected, message = ValueError, "^%s: %s must not be negative" % (name, count)
    else:  # the first of the pointers that share the count says so
        expected, message = ValueError, r"^%s: \w+ has \d+ \w+, fewer than %s %d$" % (
            name, count, value)
    with pytest.raises(expected, match=message):
        in_child(call_counted, name, pointer, 2, value)


def _read_three(count):
    r, w = os.pipe()
    try:
        os.write(w, b"abcdef")
        buf = bytearray(8)
        n = glibc.read(r, buf, count)
        return n, bytes(buf[:n])
    finally:
        os.close(r)
        os.close(w)


@pytest.mark.parametrize("kind", sorted(set(ACCEPTED) - {"bool", "int-subclass"}))
def test_an_integer_of_any_kind_reaches_c_as_its_index_value(kind):
    assert _read_three(ACCEPTED[kind](3)) == (3, b"abc")


def test_an_int_subclass_reaches_c_as_the_int_it_is():
    """Whatever its __int__ and __index__ say: cffi reads an int's own value."""
    assert _read_three(_Lying(3)) == (3, b"abc")


# -- memory C writes: a cdata over a read-only buffer is refused ---------------------------------

def _written_cases():
    """(entry, i) for every pointer parameter that C writes through (not const)."""
    return [pytest.param(name, i, id="%s-%s" % (name, param.name))
            for name, entry in sorted(ENTRIES.items())
            for i, param in enumerate(entry.params)
            if param.is_pointer and not param.const and param.name not in PATHS]


def _over_bytes(param, declared):
    """A cdata of param's type, big enough, made by ffi.from_buffer of a bytes object."""
    items = max(param.min_count, 2)
    if param.is_buffer:
        return ffi.from_buffer(bytes(64))
    if declared == "pointer":
        return ffi.from_buffer("%s *" % param.pointee, bytes(ffi.sizeof(param.pointee) * items))
    return ffi.from_buffer("%s[]" % param.pointee, bytes(ffi.sizeof(param.pointee) * items))


def _call_over_bytes(name, i, declared):
    entry = ENTRIES[name]
    param = entry.params[i]
    args = _no_wait(entry)
    args[i] = _over_bytes(param, declared)
    before = bytes(ffi.buffer(args[i]))
    try:
        getattr(glibc, name)(*args)
    finally:
        # Had C written, the bytes object would have changed under Python.
        assert bytes(ffi.buffer(args[i])) == before


# Where a 'T *' of one element is refused as too short before its memory is looked at.
SHORT_AS_A_POINTER = {"capget": "datap must hold 2 structs for version 0"}


@pytest.mark.parametrize("declared", ["array", "pointer"])
@pytest.mark.parametrize("name, i", _written_cases())
def test_a_cdata_over_read_only_memory_is_a_type_error_where_c_writes(name, i, declared):
    param = ENTRIES[name].params[i]
    if declared == "pointer" and param.is_buffer:
        pytest.skip("a buffer parameter takes char[] cdata; the pointer form is the same check")
    if declared == "pointer" and name in SHORT_AS_A_POINTER:
        pytest.skip(SHORT_AS_A_POINTER[name])
    with pytest.raises(TypeError, match="^%s: %s .*read-only" % (name, param.name)):
        in_child(_call_over_bytes, name, i, declared)


def test_fcntl_refuses_a_lock_over_read_only_memory_for_a_command_that_writes():
    lock = ffi.from_buffer("struct flock[]", bytes(ffi.sizeof("struct flock")))
    with pytest.raises(TypeError, match="^fcntl: arg of F_GETLK .*read-only"):
        in_child(glibc.fcntl, 0, glibc.F_GETLK, lock)


def test_prctl_refuses_read_only_memory_where_the_kernel_writes():
    name = ffi.from_buffer(bytes(16))
    with pytest.raises(TypeError, match="^prctl: arg2 .*read-only"):
        in_child(glibc.prctl, glibc.PR_GET_NAME, name)


# -- integers that a convert hook reads before C does --------------------------------------------

def test_fd_set_refuses_an_fd_past_the_set_in_any_integer_kind():
    for fd in (decimal.Decimal(10**6), _Index(10**6), _Lying(10**6)):
        with pytest.raises((ValueError, TypeError), match="^FD_SET: fd"):
            in_child(glibc.FD_SET, fd, glibc.fd_set())


def test_fcntl_reads_the_command_as_the_int_c_gets():
    """F_GETLK given as Decimal or __index__ still needs a struct flock: an int there
    would be an address the kernel writes to."""
    for cmd in (decimal.Decimal(glibc.F_GETLK), _Index(glibc.F_GETLK)):
        with pytest.raises(TypeError, match="^fcntl: "):
            in_child(glibc.fcntl, 0, cmd, 4096)


def test_prctl_reads_the_option_as_the_int_c_gets():
    """PR_GET_NAME given as Decimal or __index__ still needs a buffer of 16 bytes."""
    for option in (decimal.Decimal(glibc.PR_GET_NAME), _Index(glibc.PR_GET_NAME)):
        with pytest.raises(TypeError, match="^prctl: "):
            in_child(glibc.prctl, option, 4096)


def test_vmsplice_reads_fd_as_the_int_c_gets():
    """The fd decides whether the kernel writes into iov: a pipe's read end with
    Decimal or __index__ as its number must still refuse a read-only buffer."""
    def splice_into_bytes(make):
        r, w = os.pipe()
        try:
            os.write(w, b"x" * 9)
            data = b"immutable"
            glibc.vmsplice(make(r), [data])
            return data
        finally:
            os.close(r)
            os.close(w)
    for make in (decimal.Decimal, _Index):
        with pytest.raises(TypeError, match=r"^vmsplice: (fd: |iov\[0\] must be a writable)"):
            in_child(splice_into_bytes, make)


# -- the objects: hostile arguments give the four kinds of exception --------------------------

hostile = st.one_of(
    st.sampled_from([-1, 0, 1, 2, 64, 65, 2**31 - 1, 2**31, 2**32, 2**63, 2**64, -(2**63) - 1,
                     2**100, True, None, 1.5, -0.5, float("nan"), float("inf"), "1", b"1", [],
                     [1, 2], [0], [65], [2**40], ["x"], {1}, object(), datetime.timedelta(-1),
                     datetime.timedelta(1)]),
    st.integers(-(2**70), 2**70))
ALLOWED = (TypeError, OverflowError, ValueError, OSError)


def _made(obj):
    """Close what a call made, whatever it is."""
    if isinstance(obj, tuple):
        for fd in obj:
            os.close(fd)
    elif hasattr(obj, "close"):
        obj.close()


@contextlib.contextmanager
def _thread_state_kept():
    """prctl and subreaper attributes set by a call are put back."""
    saved = (pyglibc.prctl.name, pyglibc.prctl.pdeathsig, pyglibc.prctl.timerslack,
             pyglibc.subreaper.enabled)
    try:
        yield
    finally:
        pyglibc.prctl.name, pyglibc.prctl.pdeathsig = saved[:2]
        pyglibc.prctl.timerslack, pyglibc.subreaper.enabled = saved[2:]


def _with(make, use):
    def call(a, b):
        obj = make()
        try:
            return use(obj, a, b)
        finally:
            obj.close()
    return call


def _ready_epoll():
    r, w = os.pipe()
    os.write(w, b"x")
    ep = pyglibc.select.epoll()
    ep.register(r, glibc.EPOLLIN)
    original = ep.close

    def close():
        original()
        os.close(r)
        os.close(w)

    ep.close = close
    return ep


# Each makes an object with hostile arguments, or uses one: nothing here can
# wait (the epoll has a byte ready; the pidfd is this process's, no child).
OBJECT_CALLS = {
    "signalfd": lambda a, b: _made(pyglibc.signalfd(a, b)),
    "eventfd": lambda a, b: _made(pyglibc.eventfd(a, b, bool(b))),
    "timerfd": lambda a, b: _made(pyglibc.timerfd(a, b)),
    "inotify": lambda a, b: _made(pyglibc.inotify(a)),
    "pidfd": lambda a, b: _made(pyglibc.pidfd(a, b)),
    "pipe2": lambda a, b: _made(pyglibc.pipe2(a)),
    "pthread_sigmask": lambda a, b: pyglibc.pthread_sigmask(a, b),
    "sigprocmask": lambda a, b: pyglibc.sigprocmask(a, b),
    "capabilities": lambda a, b: pyglibc.capabilities(a),
    "select.epoll": lambda a, b: _made(pyglibc.select.epoll(a, b)),
    "eventfd.write": _with(lambda: pyglibc.eventfd(0, glibc.EFD_NONBLOCK),
                           lambda o, a, b: o.write(a)),
    "timerfd.settime": _with(pyglibc.timerfd, lambda o, a, b: o.settime(a, b)),
    "signalfd.read": _with(lambda: pyglibc.signalfd([signal.SIGUSR1], glibc.SFD_NONBLOCK),
                           lambda o, a, b: o.read(a)),
    "signalfd.update": _with(lambda: pyglibc.signalfd([]), lambda o, a, b: o.update(a)),
    "inotify.rm_watch": _with(pyglibc.inotify, lambda o, a, b: o.rm_watch(a)),
    "inotify.add_watch": _with(pyglibc.inotify, lambda o, a, b: o.add_watch(HERE, a)),
    "pidfd.wait": _with(lambda: pyglibc.pidfd(os.getpid()),
                        lambda o, a, b: o.wait(a | glibc.WNOHANG if isinstance(a, int) else a)),
    "pidfd.getfd": _with(lambda: pyglibc.pidfd(os.getpid()), lambda o, a, b: _made((o.getfd(a),))),
    "epoll.register": _with(_ready_epoll, lambda o, a, b: o.register(a, b)),
    "epoll.poll": _with(_ready_epoll, lambda o, a, b: o.poll(a, b)),
    "signals.read": _with(lambda: pyglibc.signals(signal.SIGUSR1), lambda o, a, b: o.read(a)),
    "signals.wait": _with(lambda: pyglibc.signals(signal.SIGUSR1), lambda o, a, b: o.wait(0, a)),
    "sigwait": lambda a, b: pyglibc.sigwait(a, 0),
    "prctl.name": lambda a, b: setattr(pyglibc.prctl, "name", a),
    "prctl.pdeathsig": lambda a, b: setattr(pyglibc.prctl, "pdeathsig", a),
    "prctl.timerslack": lambda a, b: setattr(pyglibc.prctl, "timerslack", a),
    "subreaper.enabled": lambda a, b: setattr(pyglibc.subreaper, "enabled", a),
}


@pytest.mark.parametrize("name", sorted(OBJECT_CALLS))
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(a=hostile, b=hostile)
def test_objects_answer_hostile_arguments_with_the_right_exception(name, a, b):
    with _thread_state_kept():
        try:
            OBJECT_CALLS[name](a, b)
        except ALLOWED:
            pass


def _good_then_read_only_then_good():
    ts = ffi.new("struct timespec *")
    glibc.clock_gettime(glibc.CLOCK_MONOTONIC, ts)
    frozen = bytes(ffi.sizeof("struct timespec"))
    view = ffi.from_buffer("struct timespec *", frozen)
    try:
        glibc.clock_gettime(glibc.CLOCK_MONOTONIC, view)
    except TypeError as exc:
        refused = str(exc)
    else:
        refused = None
    glibc.clock_gettime(glibc.CLOCK_MONOTONIC, ts)
    return refused, frozen == bytes(len(frozen))


def test_a_read_only_view_is_refused_after_a_writable_cdata_passed():
    # On PyPy the wrapper remembers the cdata that last passed its check.
    refused, untouched = in_child(_good_then_read_only_then_good)
    assert refused is not None and "read-only" in refused
    assert untouched


def test_none_where_null_is_allowed_is_null_on_the_first_call_too():
    # sigtimedwait's info may be NULL: the first call of a fresh wrapper must
    # not take None for a cdata that passed before.
    def first_call():
        mask = glibc.sigset_t()
        glibc.sigemptyset(mask)
        glibc.sigaddset(mask, signal.SIGUSR2)
        zero = glibc.timespec()
        try:
            glibc.sigtimedwait(mask, None, zero)
        except BlockingIOError:
            return "timed out"
    assert in_child(first_call) == "timed out"
