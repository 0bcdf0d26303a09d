"""Waiting for signals: sigpending(2), sigsuspend(2), sigwaitinfo/sigtimedwait(2), sigwait(3).

Every signal here is sent to the main thread itself (tgkill to our own
tid), so no other thread can take it; Python runs handlers in the main
thread only, so a helper thread sends the signals that must interrupt a
wait (conftest's ``helper``).
"""

import errno
import os
import signal
import threading
import time

import pytest

import glibc
from glibc import (
    SI_USER,
    ffi,
    getpid,
    gettid,
    siginfo_t,
    sigpending,
    sigset_t,
    sigsuspend,
    sigtimedwait,
    sigwait,
    sigwaitinfo,
    tgkill,
    timespec,
)

SIGUSR1, SIGUSR2 = signal.SIGUSR1, signal.SIGUSR2


def members(mask):
    return {signum for signum in signal.valid_signals() if glibc.sigismember(mask, signum)}


def to_me(signum):
    """Send signum to the calling thread only."""
    tgkill(getpid(), gettid(), signum)


def bad_address(ctype):
    # Page zero is never mapped (vm.mmap_min_addr): the kernel answers EFAULT.
    return ffi.cast(ctype + " *", 8)


def seconds(value):
    return timespec({"tv_sec": int(value), "tv_nsec": round((value % 1) * 1e9)})


# -- sigpending(2) ---------------------------------------------------------------------------


def test_sigpending_sees_a_blocked_signal_until_it_is_taken(signal_mask, sigset):
    signal_mask(SIGUSR1)
    pending = sigset_t()
    assert sigpending(pending) == 0
    assert SIGUSR1 not in members(pending)

    to_me(SIGUSR1)
    assert sigpending(pending) == 0
    assert SIGUSR1 in members(pending)
    assert members(pending) == signal.sigpending()

    assert sigwaitinfo(sigset(SIGUSR1), None) == SIGUSR1
    sigpending(pending)
    assert SIGUSR1 not in members(pending)


def test_sigpending_into_unmapped_memory_is_efault(raises_errno):
    with raises_errno("sigpending", "EFAULT"):
        sigpending(bad_address("sigset_t"))


# -- sigsuspend(2) ----------------------------------------------------------------------------


def test_sigsuspend_lets_a_blocked_pending_signal_in_and_puts_the_mask_back(
        signal_mask, sigset, on_signal):
    # The man page's race-free wait: block, check, then sigsuspend with the
    # signal unblocked; a signal that came in between is not lost.
    calls = []
    on_signal(SIGUSR1, lambda signum, frame: calls.append(signum))
    signal_mask(SIGUSR1)
    to_me(SIGUSR1)
    assert calls == []

    assert sigsuspend(sigset()) == -1  # EINTR is how it returns, not an error
    assert calls == [SIGUSR1]
    assert SIGUSR1 in signal.pthread_sigmask(signal.SIG_BLOCK, [])
    assert SIGUSR1 not in signal.sigpending()


def test_sigsuspend_sleeps_until_another_thread_signals(signal_mask, sigset, on_signal, helper):
    calls = []
    on_signal(SIGUSR2, lambda signum, frame: calls.append(signum))
    signal_mask(SIGUSR2)

    def script():
        helper.wait_blocked("rt_sigsuspend")
        helper.signal_main(SIGUSR2)

    helper.start(script)
    assert sigsuspend(sigset()) == -1
    assert calls == [SIGUSR2]


def test_sigsuspend_keeps_out_the_signals_of_its_mask(signal_mask, sigset, on_signal, helper):
    # SIGUSR1 stays blocked during the wait: only SIGUSR2 ends it.
    calls = []
    on_signal(SIGUSR1, lambda signum, frame: calls.append(signum))
    on_signal(SIGUSR2, lambda signum, frame: calls.append(signum))
    signal_mask(SIGUSR1, SIGUSR2)

    def script():
        helper.wait_blocked("rt_sigsuspend")
        helper.signal_main(SIGUSR1)
        time.sleep(0.05)
        assert helper.is_blocked("rt_sigsuspend")
        helper.signal_main(SIGUSR2)

    helper.start(script)
    assert sigsuspend(sigset(SIGUSR1)) == -1
    assert calls == [SIGUSR2]
    assert SIGUSR1 in signal.sigpending()  # the fixture takes it off


class Interrupted(Exception):
    pass


def test_what_the_handler_raises_comes_out_of_sigsuspend(signal_mask, sigset, on_signal,
                                                         handler_raising):
    handler, raised = handler_raising(Interrupted)
    on_signal(SIGUSR1, handler)
    signal_mask(SIGUSR1)
    to_me(SIGUSR1)
    with pytest.raises(Interrupted) as info:
        sigsuspend(sigset())
    assert info.value is raised[0]
    assert SIGUSR1 in signal.pthread_sigmask(signal.SIG_BLOCK, [])


def test_sigsuspend_on_unmapped_memory_is_efault(raises_errno):
    with raises_errno("sigsuspend", "EFAULT"):
        sigsuspend(bad_address("sigset_t"))


# -- sigwaitinfo(2) ------------------------------------------------------------------------------


def test_sigwaitinfo_takes_the_signal_and_describes_the_sender(signal_mask, sigset):
    signal_mask(SIGUSR1)
    to_me(SIGUSR1)
    info = siginfo_t()
    assert sigwaitinfo(sigset(SIGUSR1), info) == SIGUSR1
    assert info.si_signo == SIGUSR1
    # The kernel says SI_TKILL; glibc's sigwaitinfo reports it as SI_USER.
    assert info.si_code == SI_USER
    assert (info.si_pid, info.si_uid) == (os.getpid(), os.getuid())
    assert SIGUSR1 not in signal.sigpending()


def test_sigwaitinfo_takes_the_lowest_pending_standard_signal_first(signal_mask, sigset):
    signal_mask(SIGUSR1, SIGUSR2)
    to_me(SIGUSR2)
    to_me(SIGUSR1)
    both = sigset(SIGUSR1, SIGUSR2)
    assert [sigwaitinfo(both, None), sigwaitinfo(both, None)] == [SIGUSR1, SIGUSR2]


def test_sigwaitinfo_goes_on_waiting_after_a_handler_returns(signal_mask, sigset, on_signal,
                                                             helper):
    # PEP 475: SIGUSR1's handler interrupts the wait, which goes on until SIGUSR2.
    signal_mask(SIGUSR2)
    handled = helper.interrupt_then("rt_sigtimedwait", lambda: helper.signal_main(SIGUSR2),
                                    on_signal)
    info = siginfo_t()
    assert sigwaitinfo(sigset(SIGUSR2), info) == SIGUSR2
    assert handled.is_set()
    assert info.si_signo == SIGUSR2


def test_what_the_handler_raises_ends_sigwaitinfo(signal_mask, sigset, on_signal, helper,
                                                  handler_raising):
    handler, raised = handler_raising(Interrupted)
    on_signal(SIGUSR1, handler)
    signal_mask(SIGUSR2)
    helper.interrupt("rt_sigtimedwait", SIGUSR1)
    with pytest.raises(Interrupted) as info:
        sigwaitinfo(sigset(SIGUSR2), None)
    assert info.value is raised[0]


def test_sigwaitinfo_of_a_set_in_unmapped_memory_is_efault(raises_errno):
    with raises_errno("sigwaitinfo", "EFAULT"):
        sigwaitinfo(bad_address("sigset_t"), None)


# -- sigtimedwait(2) ------------------------------------------------------------------------------


def test_sigtimedwait_returns_a_pending_signal_at_once(signal_mask, sigset):
    signal_mask(SIGUSR1)
    to_me(SIGUSR1)
    info = siginfo_t()
    assert sigtimedwait(sigset(SIGUSR1), info, seconds(0)) == SIGUSR1
    assert (info.si_signo, info.si_pid) == (SIGUSR1, os.getpid())


def test_sigtimedwait_without_a_timeout_waits_like_sigwaitinfo(signal_mask, sigset, helper):
    signal_mask(SIGUSR2)
    helper.interrupt("rt_sigtimedwait", SIGUSR2)
    assert sigtimedwait(sigset(SIGUSR2), None, None) == SIGUSR2


def test_sigtimedwait_running_out_of_time_is_blocking_io_error(signal_mask, sigset,
                                                                raises_errno):
    signal_mask(SIGUSR1)
    start = time.monotonic()
    with raises_errno("sigtimedwait", "EAGAIN") as info:
        sigtimedwait(sigset(SIGUSR1), siginfo_t(), seconds(0.05))
    assert isinstance(info.value, BlockingIOError)
    assert time.monotonic() - start >= 0.05


def test_sigtimedwait_after_a_handler_keeps_the_whole_timeout_not_more(
        signal_mask, sigset, on_signal, helper, raises_errno):
    # PEP 475: the wait is retried with what is left of the timeout.
    signal_mask(SIGUSR2)
    handled = threading.Event()
    on_signal(SIGUSR1, lambda signum, frame: handled.set())

    def script():
        helper.wait_blocked("rt_sigtimedwait")
        time.sleep(0.1)
        assert helper.is_blocked("rt_sigtimedwait")
        helper.signal_main(SIGUSR1)

    helper.start(script)
    start = time.monotonic()
    with raises_errno("sigtimedwait", "EAGAIN"):
        sigtimedwait(sigset(SIGUSR2), None, seconds(0.6))
    elapsed = time.monotonic() - start
    assert handled.is_set()
    # Starting over after the signal (0.12 s in at the earliest) would take
    # at least 0.72 s.
    assert 0.6 <= elapsed < 0.7


@pytest.mark.parametrize("bad", [{"tv_sec": 0, "tv_nsec": 1_000_000_000},
                                 {"tv_sec": -1, "tv_nsec": 0}])
def test_sigtimedwait_with_a_bad_timeout_is_einval(bad, signal_mask, sigset, raises_errno):
    signal_mask(SIGUSR1)
    with raises_errno("sigtimedwait", "EINVAL"):
        sigtimedwait(sigset(SIGUSR1), None, timespec(bad))


# -- sigwait(3) ---------------------------------------------------------------------------------


def test_sigwait_stores_the_signal_number(signal_mask, sigset):
    signal_mask(SIGUSR2)
    to_me(SIGUSR2)
    sig = ffi.new("int[1]")
    assert sigwait(sigset(SIGUSR1, SIGUSR2), sig) == 0
    assert sig[0] == SIGUSR2
    assert SIGUSR2 not in signal.sigpending()


def test_sigwait_goes_on_waiting_after_a_handler_returns(signal_mask, sigset, on_signal, helper):
    # glibc's own sigwait(3) would not even let the handler run before SIGUSR2 came.
    signal_mask(SIGUSR2)
    handled = helper.interrupt_then("rt_sigtimedwait", lambda: helper.signal_main(SIGUSR2),
                                    on_signal)
    sig = ffi.new("int[1]")
    assert sigwait(sigset(SIGUSR2), sig) == 0
    assert handled.is_set()
    assert sig[0] == SIGUSR2


def test_what_the_handler_raises_ends_sigwait(signal_mask, sigset, on_signal, helper,
                                              handler_raising):
    handler, raised = handler_raising(Interrupted)
    on_signal(SIGUSR1, handler)
    signal_mask(SIGUSR2)
    helper.interrupt("rt_sigtimedwait", SIGUSR1)
    with pytest.raises(Interrupted) as info:
        sigwait(sigset(SIGUSR2), ffi.new("int[1]"))
    assert info.value is raised[0]


def test_sigwait_returns_its_error_number_as_oserror(raises_errno):
    # sigwait(3) returns the error instead of setting errno; same OSError.
    with raises_errno("sigwait", "EFAULT") as info:
        sigwait(bad_address("sigset_t"), ffi.new("int[1]"))
    assert info.value.errno == errno.EFAULT
