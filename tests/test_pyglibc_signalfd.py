"""pyglibc.signalfd: signals read from a file descriptor (signalfd(2))."""

import os
import signal
import threading

import pytest

import glibc
from glibc import SFD_CLOEXEC, SFD_NONBLOCK
from pyglibc import pthread_sigmask, signalfd
from pyglibc._signalfd import signalfd_siginfo

SIGUSR1, SIGUSR2 = signal.SIGUSR1, signal.SIGUSR2
SI_USER = 0  # <asm-generic/siginfo.h>: sent by kill(2)


def kill_process(signum):
    os.kill(os.getpid(), signum)


@pytest.fixture
def blocked(signal_mask):
    """SIGUSR1 and SIGUSR2 blocked for the test (and pending ones taken off after)."""
    signal_mask(SIGUSR1, SIGUSR2)


@pytest.fixture
def sfd(blocked):
    with signalfd([SIGUSR1, SIGUSR2], SFD_NONBLOCK) as s:
        yield s


def test_a_blocked_signal_is_read_with_who_sent_it(sfd):
    kill_process(SIGUSR1)
    [info] = sfd.read()
    assert isinstance(info, signalfd_siginfo)
    assert info.ssi_signo == SIGUSR1
    assert info.ssi_code == SI_USER
    assert info.ssi_pid == os.getpid()
    assert info.ssi_uid == os.getuid()


def test_records_have_every_field_of_the_c_struct(sfd):
    kill_process(SIGUSR2)
    [info] = sfd.read()
    assert info._fields == glibc.signalfd_siginfo.fields
    assert info._asdict()["ssi_signo"] == SIGUSR2


def test_one_read_takes_several_signals_lowest_first(sfd):
    kill_process(SIGUSR2)
    kill_process(SIGUSR1)
    assert [info.ssi_signo for info in sfd.read()] == [SIGUSR1, SIGUSR2]
    assert sfd.read() == []


def test_maxsignals_limits_one_read(sfd):
    kill_process(SIGUSR1)
    kill_process(SIGUSR2)
    assert [info.ssi_signo for info in sfd.read(1)] == [SIGUSR1]
    assert [info.ssi_signo for info in sfd.read(1)] == [SIGUSR2]


def test_a_record_stays_valid_after_the_next_read(sfd):
    kill_process(SIGUSR1)
    first = sfd.read()
    kill_process(SIGUSR2)
    second = sfd.read()
    assert first[0].ssi_signo == SIGUSR1
    assert second[0].ssi_signo == SIGUSR2


def test_non_blocking_with_nothing_pending_is_an_empty_list(sfd):
    assert sfd.read() == []
    assert sfd.read(16) == []


@pytest.mark.parametrize("maxsignals", [0, -1])
def test_maxsignals_below_one_is_a_value_error(sfd, maxsignals):
    with pytest.raises(ValueError, match=r"^signalfd.read: maxsignals must be at least 1"):
        sfd.read(maxsignals)


@pytest.mark.parametrize("maxsignals", [2**31 - 1, 2**62])
def test_a_huge_maxsignals_reads_what_is_pending_without_a_huge_buffer(sfd, maxsignals):
    # Found by tests/test_misuse.py: the buffer was maxsignals records (MemoryError).
    kill_process(SIGUSR1)
    assert [i.ssi_signo for i in sfd.read(maxsignals)] == [SIGUSR1]


def test_maxsignals_of_the_wrong_type_is_a_type_error(sfd):
    with pytest.raises(TypeError, match=r"^signalfd.read: maxsignals must be an int, not str"):
        sfd.read("2")


def test_with_no_signals_read_still_takes_one_at_a_time(blocked):
    with signalfd(flags=SFD_NONBLOCK) as s:
        assert s.signals == frozenset()
        s.signals = [SIGUSR1]
        kill_process(SIGUSR1)
        assert [i.ssi_signo for i in s.read()] == [SIGUSR1]


def test_the_descriptor_is_close_on_exec_and_blocking_by_default():
    with signalfd([SIGUSR1]) as s:
        assert not os.get_inheritable(s.fileno())
        assert os.get_blocking(s.fileno())
    with signalfd([SIGUSR1], SFD_CLOEXEC | SFD_NONBLOCK) as s:
        assert not os.get_inheritable(s.fileno())
        assert not os.get_blocking(s.fileno())


# -- the set of signals ----------------------------------------------------------------


def test_setting_signals_applies_at_once(sfd):
    sfd.signals = [SIGUSR2]
    assert sfd.signals == frozenset([SIGUSR2])
    kill_process(SIGUSR1)
    kill_process(SIGUSR2)
    assert [i.ssi_signo for i in sfd.read()] == [SIGUSR2]  # SIGUSR1 stays pending


def test_update_none_watches_nothing(sfd):
    sfd.update(None)
    assert sfd.signals == frozenset()
    kill_process(SIGUSR1)
    assert sfd.read() == []


def test_signals_accepts_any_iterable_and_keeps_a_frozenset(blocked):
    with signalfd(iter([SIGUSR1, SIGUSR1])) as s:
        assert s.signals == frozenset([SIGUSR1])
        s.update(sig for sig in (SIGUSR2,))
        assert s.signals == frozenset([SIGUSR2])


@pytest.mark.parametrize("signum", [0, 32, 65])
def test_an_invalid_signal_is_a_value_error(signum):
    with pytest.raises(ValueError, match=r"^signalfd: %d is not a valid signal number" % signum):
        signalfd([signum])


def test_update_with_an_invalid_signal_keeps_the_old_set(sfd):
    with pytest.raises(ValueError, match=r"^signalfd.update: 0 "):
        sfd.update([0])
    assert sfd.signals == frozenset([SIGUSR1, SIGUSR2])


def test_signals_and_flags_of_the_wrong_type_are_type_errors():
    with pytest.raises(TypeError, match=r"^signalfd: signals must be an iterable"):
        signalfd(SIGUSR1)
    with pytest.raises(TypeError, match=r"^signalfd: flags must be an int, not str"):
        signalfd([SIGUSR1], "0")


def test_an_unknown_flag_is_einval(raises_errno):
    with raises_errno("signalfd", "EINVAL"):
        signalfd([SIGUSR1], 1 << 20)


# -- fromfd -------------------------------------------------------------------------------


def test_fromfd_owns_the_descriptor_it_is_given(blocked, sigset, fds):
    raw = fds(glibc.signalfd(-1, sigset(SIGUSR1), SFD_CLOEXEC | SFD_NONBLOCK))
    s = signalfd.fromfd(raw, [SIGUSR1])
    assert s.fileno() == raw and s.signals == frozenset([SIGUSR1])
    kill_process(SIGUSR1)
    assert [i.ssi_signo for i in s.read()] == [SIGUSR1]
    s.close()
    fds.forget(raw)
    with pytest.raises(OSError):
        os.fstat(raw)


def test_fromfd_of_a_negative_fd_is_a_value_error():
    with pytest.raises(ValueError, match=r"^signalfd.fromfd: fd must be"):
        signalfd.fromfd(-1, [SIGUSR1])


def test_fromfd_of_something_else_than_a_signalfd_fails_on_update(fds):
    r, w = fds.pipe()
    s = signalfd.fromfd(os.dup(r), [])
    with s, pytest.raises(OSError) as info:
        s.update([SIGUSR1])
    assert info.value.errno == 22  # EINVAL: not a signalfd


# -- blocking reads --------------------------------------------------------------------------


def test_a_blocking_read_waits_for_the_signal(blocked, helper):
    def script():
        helper.wait_blocked("read")
        helper.signal_main(SIGUSR1)

    with signalfd([SIGUSR1]) as s:
        helper.start(script)
        assert [i.ssi_signo for i in s.read()] == [SIGUSR1]


def test_a_handler_that_returns_does_not_end_the_read(signal_mask, on_signal, helper):
    # PEP 475: SIGUSR2 is not blocked, its Python handler runs, and the read goes on.
    signal_mask(SIGUSR1)
    handled = threading.Event()
    on_signal(SIGUSR2, lambda signum, frame: handled.set())

    def script():
        helper.wait_blocked("read")
        helper.signal_main(SIGUSR2)
        assert handled.wait(10)
        helper.wait_blocked("read")
        helper.signal_main(SIGUSR1)

    with signalfd([SIGUSR1]) as s:
        helper.start(script)
        assert [i.ssi_signo for i in s.read()] == [SIGUSR1]
    assert handled.is_set()


def test_a_handler_that_raises_ends_the_read_with_its_exception(
        signal_mask, on_signal, helper, handler_raising):
    signal_mask(SIGUSR1)
    handler, raised = handler_raising(ZeroDivisionError)
    on_signal(SIGUSR2, handler)
    helper.interrupt("read", SIGUSR2)
    with signalfd([SIGUSR1]) as s, pytest.raises(ZeroDivisionError) as info:
        s.read()
    assert info.value is raised[0]


# -- the old package's way of using it ------------------------------------------------------


def test_inside_pthread_sigmask_as_the_old_demo_does(watchdog):
    with pthread_sigmask([SIGUSR1, SIGUSR2]):
        with signalfd([SIGUSR1, SIGUSR2]) as sfd:
            kill_process(SIGUSR2)
            assert [i.ssi_signo for i in sfd.read()] == [SIGUSR2]


def test_repr_shows_the_fd_and_the_signals():
    s = signalfd([SIGUSR2, SIGUSR1])
    assert repr(s) == "<pyglibc.signalfd fd=%d signals=[10, 12]>" % s.fileno()
    s.close()
    assert repr(s) == "<pyglibc.signalfd closed>"
