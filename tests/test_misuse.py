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


@pytest.mark.parametrize("name, i", _cases(counted=True))
def test_a_count_past_the_end_of_its_buffer_is_a_value_error(name, i):
    param = ENTRIES[name].params[i]
    if param.is_buffer:
        value, unit = bytearray(2), "bytes"
    else:
        value, unit = ffi.new("%s[2]" % param.pointee), "elements"
    message = in_child(call_with, name, i, value, 3)
    assert message == "%s: %s has 2 %s, fewer than the count 3" % (name, param.name, unit)


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
