"""What every pyglibc object that owns a descriptor promises: signalfd, eventfd, timerfd.

Created close-on-exec whatever the flags, closed exactly once (close(),
``with``, the finalizer), ValueError once closed, a finalizer that never
raises, and argument errors that name the class.
"""

import gc
import os
import signal
import sys

import pytest

from pyglibc import eventfd, signalfd, timerfd

# name -> (make one with flags=0, calls that need the descriptor)
OBJECTS = {
    "signalfd": (lambda: signalfd([signal.SIGUSR1], 0),
                 [lambda o: o.read(), lambda o: o.update([signal.SIGUSR2]),
                  lambda o: setattr(o, "signals", [])]),
    "eventfd": (lambda: eventfd(0, 0),
                [lambda o: o.read(), lambda o: o.write(1)]),
    "timerfd": (lambda: timerfd(flags=0),
                [lambda o: o.read(), lambda o: o.settime(1), lambda o: o.gettime()]),
}


@pytest.fixture(params=sorted(OBJECTS))
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
    assert repr(obj).startswith("<pyglibc.%s fd=%d" % (kind, obj.fileno()))
    obj.close()
    assert repr(obj) == "<pyglibc.%s closed>" % kind


@pytest.mark.parametrize("flags", ["1", 1.0, None])
def test_flags_of_the_wrong_type_are_a_type_error_naming_the_class(kind, flags):
    make_with_flags = {"signalfd": lambda: signalfd([], flags),
                       "eventfd": lambda: eventfd(0, flags),
                       "timerfd": lambda: timerfd(flags=flags)}[kind]
    with pytest.raises(TypeError, match=r"^%s: flags must be an int" % kind):
        make_with_flags()
