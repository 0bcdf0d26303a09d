"""What every pyglibc object that owns a descriptor promises: signalfd, eventfd, timerfd,
pidfd, inotify (and signals, which owns a signalfd, and the objects of pyglibc.aio).

Created close-on-exec whatever the flags, closed exactly once (close(),
``with``, the finalizer), ValueError once closed, a finalizer that never
raises, argument errors that name the class, and no copies: a copy would be
a second owner of the descriptor.
"""

import copy
import gc
import os
import pickle
import re
import signal
import subprocess
import sys
import threading

import kernelkit
import pytest

import glibc
from pyglibc import aio, eventfd, inotify, pidfd, signalfd, signals, timerfd

# name -> (make one with flags=0, calls that need the descriptor)
OBJECTS = {
    "signalfd": (lambda: signalfd([signal.SIGUSR1], 0),
                 [lambda o: o.read(), lambda o: o.update([signal.SIGUSR2]),
                  lambda o: setattr(o, "signals", [])]),
    "eventfd": (lambda: eventfd(0, 0),
                [lambda o: o.read(), lambda o: o.write(1)]),
    "timerfd": (lambda: timerfd(flags=0),
                [lambda o: o.read(), lambda o: o.settime(1), lambda o: o.gettime()]),
    # This process's own: a pidfd needs no child to be opened.
    "pidfd": (lambda: pidfd(os.getpid()),
              [lambda o: o.send_signal(0), lambda o: o.poll(), lambda o: o.wait(),
               lambda o: o.getfd(0)]),
    "inotify": (lambda: inotify(0),
                [lambda o: o.read(), lambda o: o.add_watch(".", inotify.Mask.CREATE),
                 lambda o: o.rm_watch(1), lambda o: next(iter(o))]),
}


@pytest.fixture(params=kernelkit.params(sorted(OBJECTS), {"pidfd": ["pidfd_open"]}))
def kind(request):
    return request.param


def make(kind):
    return OBJECTS[kind][0]()


def fd_is_open(fd):
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def test_created_close_on_exec_even_with_flags_0(kind):
    with make(kind) as obj:
        assert not os.get_inheritable(obj.fileno())
        assert os.get_blocking(obj.fileno())


def test_close_closes_the_descriptor_once(kind):
    obj = make(kind)
    fd = obj.fileno()
    assert not obj.closed
    obj.close()
    assert obj.closed
    assert not fd_is_open(fd)
    obj.close()  # harmless


def test_with_returns_the_object_and_closes_it(kind):
    with make(kind) as obj:
        assert type(obj).__name__ == kind
        fd = obj.fileno()
    assert obj.closed and not fd_is_open(fd)


def test_every_use_after_close_is_a_value_error(kind):
    obj = make(kind)
    obj.close()
    with pytest.raises(ValueError, match="closed"):
        obj.fileno()
    with pytest.raises(ValueError, match="closed"):
        obj.__enter__()
    for use in OBJECTS[kind][1]:
        with pytest.raises(ValueError, match="closed %s" % kind):
            use(obj)


def test_the_finalizer_closes_a_forgotten_descriptor(kind):
    obj = make(kind)
    fd = obj.fileno()
    del obj
    gc.collect()
    assert not fd_is_open(fd)


def test_the_finalizer_never_raises(kind, monkeypatch):
    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    obj = make(kind)
    os.close(obj.fileno())  # behind its back: close(2) will say EBADF
    del obj
    gc.collect()
    assert unraisable == []


def test_repr_names_the_class_and_the_state(kind):
    obj = make(kind)
    fd = obj.fileno()
    assert re.match(r"<pyglibc\.%s (pid=\d+ )?fd=%d\b" % (kind, fd), repr(obj)), repr(obj)
    obj.close()
    assert re.fullmatch(r"<pyglibc\.%s (pid=\d+ )?closed>" % kind, repr(obj)), repr(obj)


@pytest.mark.parametrize("flags", ["1", 1.0, None])
def test_flags_of_the_wrong_type_are_a_type_error_naming_the_class(kind, flags):
    make_with_flags = {"signalfd": lambda: signalfd([], flags),
                       "eventfd": lambda: eventfd(0, flags),
                       "timerfd": lambda: timerfd(flags=flags),
                       "pidfd": lambda: pidfd(os.getpid(), flags),
                       "inotify": lambda: inotify(flags)}[kind]
    with pytest.raises(TypeError, match=r"^%s: flags must be an int" % kind):
        make_with_flags()


def test_closing_from_many_threads_at_once_closes_the_descriptor_once(kind):
    # A second close(2) of the number would raise EBADF, or close a newer descriptor.
    for _ in range(20):
        obj = make(kind)
        start = threading.Barrier(4)
        errors = []

        def close():
            start.wait()
            try:
                obj.close()
            except Exception as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=close) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == [] and obj.closed


def test_signals_closes_once_and_its_finalizer_never_raises(signal_mask, monkeypatch):
    signal_mask()  # a signals object dropped unclosed leaves its mask: put back at the end
    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    sigs = signals(signal.SIGUSR1)
    fd = sigs.fileno()
    sigs.close()
    sigs.close()
    assert not fd_is_open(fd)
    sigs = signals(signal.SIGUSR1)
    os.close(sigs.fileno())  # behind its back
    del sigs
    gc.collect()
    assert unraisable == []


@pytest.mark.parametrize("read", [lambda o: o.read(0), lambda o: o.wait(0, maxsignals=0)])
def test_signals_reading_no_signal_is_a_value_error_naming_the_minimum(read):
    with signals(signal.SIGUSR1) as sigs:
        with pytest.raises(ValueError, match="maxsignals must be at least 1, not 0"):
            read(sigs)


# -- no copies ---------------------------------------------------------------------------------

# Every public class that owns a descriptor, by the name its errors give it, and how to make
# one (pyglibc.select.epoll and the selectors: tests/test_pyglibc_select*.py, beside the
# standard library's).
OWNERS = {"pyglibc." + kind: make for kind, (make, _) in OBJECTS.items()}
OWNERS.update({
    "pyglibc.signals": lambda: signals(signal.SIGUSR1),
    "pyglibc.aio.signals": lambda: aio.signals(signal.SIGUSR1),
    "pyglibc.aio.ticker": lambda: aio.ticker(60),
    "pyglibc.aio.Process": lambda: aio.Process(os.getpid()),
    "pyglibc.aio.inotify_watch": lambda: aio.inotify_watch(".", inotify.Mask.CREATE),
    "pyglibc.aio.Event": aio.Event,
})

# Every way to duplicate an object.
COPIES = {"copy.copy": copy.copy, "copy.deepcopy": copy.deepcopy,
          "__reduce__()": lambda obj: obj.__reduce__()}
COPIES.update(("pickle.dumps(protocol=%d)" % protocol,
               lambda obj, protocol=protocol: pickle.dumps(obj, protocol))
              for protocol in range(pickle.HIGHEST_PROTOCOL + 1))


@pytest.mark.parametrize("how", sorted(COPIES))
@pytest.mark.parametrize("name", kernelkit.params(sorted(OWNERS), {
    "pyglibc.pidfd": ["pidfd_open"], "pyglibc.aio.Process": ["pidfd_open"]}))
def test_copying_or_pickling_is_a_type_error_and_the_object_stays_whole(name, how):
    # A copy that closed its descriptor, or was unpickled elsewhere, would leave the
    # original acting on whatever file got the number next.
    with OWNERS[name]() as obj:
        fd = obj.fileno()
        with pytest.raises(TypeError, match=r"^cannot pickle '%s' object: " % re.escape(name)):
            COPIES[how](obj)
        assert obj.fileno() == fd and fd_is_open(fd)
    assert obj.closed and not fd_is_open(fd)


# -- finalized at interpreter exit -------------------------------------------------------------

# Every public class that owns a descriptor, as the source that makes one.
MADE_BY = {
    "signalfd": "pyglibc.signalfd([signal.SIGUSR1])",
    "eventfd": "pyglibc.eventfd()",
    "timerfd": "pyglibc.timerfd()",
    "pidfd": "pyglibc.pidfd(os.getpid())",
    "inotify": "pyglibc.inotify()",
    "signals": "pyglibc.signals(signal.SIGUSR1)",
    "select.epoll": "pyglibc.select.epoll()",
    "selectors.EpollSelector": "pyglibc.selectors.EpollSelector()",
    "aio.signals": "pyglibc.aio.signals(signal.SIGUSR1)",
    "aio.ticker": "pyglibc.aio.ticker(60)",
    "aio.Process": "pyglibc.aio.Process(os.getpid())",
    "aio.inotify_watch": "pyglibc.aio.inotify_watch('.', pyglibc.inotify.Mask.CREATE)",
    "aio.Event": "pyglibc.aio.Event()",
}

# A module that a program imports, which never closes what it made: the object is finalized
# while the interpreter tears itself down, when imports no longer work and, for one in a
# cycle, after the modules' globals are gone.  One object per run: the first finalizer to
# run could otherwise leave behind what the later ones need.
HOLDER = """
import os
import signal

import pyglibc
import pyglibc.aio
import pyglibc.select
import pyglibc.selectors


class Cycle:
    def __init__(self, obj):
        self.me, self.obj = self, obj


{shape}
"""
SHAPES = {"in a global": "HELD = {make}",
          "in a cycle held by a global": "CYCLE = Cycle({make})",
          "in a cycle left to the collector": "Cycle({make})"}


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("name", kernelkit.params(sorted(MADE_BY), {
    "pidfd": ["pidfd_open"], "aio.Process": ["pidfd_open"]}))
def test_an_object_finalized_at_interpreter_exit_closes_without_a_word(name, shape, tmp_path):
    source = HOLDER.format(shape=SHAPES[shape].format(make=MADE_BY[name]))
    (tmp_path / "holder.py").write_text(source)
    root = os.path.dirname(os.path.dirname(glibc.__file__))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), root]))
    done = subprocess.run([sys.executable, "-c", "import holder"], cwd=str(tmp_path), env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
