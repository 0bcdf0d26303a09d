"""pyglibc.eventfd: a 64-bit counter behind a file descriptor (eventfd(2))."""

import os
import selectors
import signal

import pytest

from glibc import EFD_NONBLOCK, EFD_SEMAPHORE
from pyglibc import eventfd

COUNTER_MAX = 2**64 - 2  # eventfd(2)


@pytest.fixture
def efd():
    with eventfd(0, EFD_NONBLOCK) as e:
        yield e


def test_read_takes_the_whole_counter():
    with eventfd(5, EFD_NONBLOCK) as e:
        assert e.read() == 5
        with pytest.raises(BlockingIOError):
            e.read()


def test_write_adds_to_the_counter(efd):
    efd.write(3)
    efd.write(4)
    assert efd.read() == 7


def test_write_of_0_adds_nothing(efd):
    efd.write(0)
    with pytest.raises(BlockingIOError):
        efd.read()


@pytest.mark.parametrize("make", [lambda: eventfd(3, EFD_NONBLOCK, semaphore=True),
                                  lambda: eventfd(3, EFD_NONBLOCK | EFD_SEMAPHORE)],
                         ids=["semaphore=True", "EFD_SEMAPHORE"])
def test_a_semaphore_takes_one_at_a_time(make):
    with make() as e:
        assert e.semaphore
        assert [e.read(), e.read(), e.read()] == [1, 1, 1]
        with pytest.raises(BlockingIOError):
            e.read()


def test_not_a_semaphore_by_default(efd):
    assert not efd.semaphore


def test_flags_choose_blocking_and_close_on_exec_is_always_there():
    with eventfd() as e:
        assert os.get_blocking(e.fileno()) and not os.get_inheritable(e.fileno())
    with eventfd(flags=EFD_NONBLOCK) as e:
        assert not os.get_blocking(e.fileno()) and not os.get_inheritable(e.fileno())


def test_the_counter_holds_up_to_its_maximum_and_then_would_block(efd):
    efd.write(COUNTER_MAX)
    with pytest.raises(BlockingIOError):
        efd.write(1)
    assert efd.read() == COUNTER_MAX


@pytest.mark.parametrize("n", [-1, 2**64, 2**100])
def test_a_write_no_uint64_can_hold_is_an_overflow_error(efd, n):
    with pytest.raises(OverflowError, match=r"^eventfd.write: n must be in 0..2\*\*64-2"):
        efd.write(n)


def test_a_write_of_all_ones_is_a_value_error(efd):
    with pytest.raises(ValueError, match=r"^eventfd.write: .*2\*\*64-1"):
        efd.write(2**64 - 1)


@pytest.mark.parametrize("n", ["1", 1.0, None])
def test_a_write_of_no_int_is_a_type_error(efd, n):
    with pytest.raises(TypeError, match=r"^eventfd.write: n must be an int"):
        efd.write(n)


@pytest.mark.parametrize("initval", [-1, 2**32])
def test_an_initval_out_of_unsigned_int_is_an_overflow_error(initval):
    with pytest.raises(OverflowError, match=r"^eventfd: initval"):
        eventfd(initval)


def test_the_largest_initval():
    with eventfd(2**32 - 1, EFD_NONBLOCK) as e:
        assert e.read() == 2**32 - 1


def test_an_initval_of_the_wrong_type_is_a_type_error():
    with pytest.raises(TypeError, match=r"^eventfd: initval must be an int, not str"):
        eventfd("1")


def test_an_unknown_flag_is_einval(raises_errno):
    with raises_errno("eventfd", "EINVAL"):
        eventfd(0, 1 << 20)


# -- waiting ------------------------------------------------------------------------------------


def test_a_selector_sees_it_readable_once_written(efd):
    with selectors.DefaultSelector() as sel:
        sel.register(efd, selectors.EVENT_READ, "counter")
        assert sel.select(0) == []
        efd.write(1)
        [(key, events)] = sel.select(0)
        assert key.fileobj is efd and key.data == "counter" and events == selectors.EVENT_READ


def test_a_blocking_read_waits_for_a_write_from_another_thread(helper):
    with eventfd() as e:
        def script():
            helper.wait_blocked("read")
            e.write(42)

        helper.start(script)
        assert e.read() == 42


def test_a_handler_that_returns_does_not_end_the_read(on_signal, helper):
    with eventfd() as e:
        handled = helper.interrupt_then("read", lambda: e.write(7), on_signal)
        assert e.read() == 7
    assert handled.is_set()


def test_a_handler_that_raises_ends_the_read(on_signal, helper, handler_raising):
    handler, raised = handler_raising(ZeroDivisionError)
    on_signal(signal.SIGUSR1, handler)
    helper.interrupt("read")
    with eventfd() as e, pytest.raises(ZeroDivisionError) as info:
        e.read()
    assert info.value is raised[0]


@pytest.mark.skipif(not hasattr(os, "eventfd"), reason="os.eventfd is Python >= 3.10")
def test_the_same_counter_as_the_stdlib_sees(efd):
    efd.write(11)
    assert os.eventfd_read(efd.fileno()) == 11
    os.eventfd_write(efd.fileno(), 12)
    assert efd.read() == 12
