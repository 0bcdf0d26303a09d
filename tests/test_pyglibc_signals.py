"""pyglibc.sigwait, pyglibc.signals and pyglibc.sigqueue: signals taken without handlers."""

import math
import os
import resource
import selectors
import signal
import threading
import time

import kernelkit
import pytest

import glibc
import pyglibc
from glibc import CLD_EXITED, SI_QUEUE, SI_USER, getpid, gettid, rt_tgsigqueueinfo
from pyglibc import siginfo, signals, sigqueue, sigwait
from pyglibc._signalfd import signalfd_siginfo
from pyglibc._signals import from_siginfo_t, from_signalfd

SIGUSR1, SIGUSR2 = signal.SIGUSR1, signal.SIGUSR2


def mask():
    return signal.pthread_sigmask(signal.SIG_BLOCK, [])


def to_me(signum):
    glibc.tgkill(getpid(), gettid(), signum)


def unset(info, *filled):
    """The fields of info that are None: all but si_signo, si_code, si_errno and filled."""
    return {name for name, value in info._asdict().items() if value is None} == (
        set(siginfo._fields) - {"si_signo", "si_code", "si_errno"} - set(filled))


# -- sigwait ---------------------------------------------------------------------------------------


def test_sigwait_returns_the_value_sigqueue_sent(signal_mask):
    signal_mask(SIGUSR1)
    sigqueue(os.getpid(), SIGUSR1, 42)
    info = sigwait([SIGUSR1])
    assert isinstance(info, siginfo)
    assert (info.si_signo, info.si_code, info.si_value) == (SIGUSR1, SI_QUEUE, 42)
    assert (info.si_pid, info.si_uid) == (os.getpid(), os.getuid())
    assert info.si_ptr == 42  # sigqueue zeroes the rest of the union
    assert unset(info, "si_pid", "si_uid", "si_value", "si_ptr")


def test_sigwait_reports_a_childs_exit(signal_mask):
    signal_mask(signal.SIGCHLD)
    pid = os.fork()
    if pid == 0:
        os._exit(3)
    try:
        info = sigwait({signal.SIGCHLD}, timeout=5)
    finally:
        os.waitpid(pid, 0)
    assert (info.si_code, info.si_pid, info.si_status) == (CLD_EXITED, pid, 3)
    assert unset(info, "si_pid", "si_uid", "si_status", "si_utime", "si_stime")


@pytest.mark.skipif(not hasattr(signal, "sigtimedwait"), reason="no signal.sigtimedwait")
def test_sigwait_agrees_with_the_stdlib_sigtimedwait(signal_mask):
    signal_mask(SIGUSR2)
    os.kill(os.getpid(), SIGUSR2)
    stdlib = signal.sigtimedwait([SIGUSR2], 5)
    os.kill(os.getpid(), SIGUSR2)
    ours = sigwait([SIGUSR2], 5)
    for name in ("si_signo", "si_code", "si_errno", "si_pid", "si_uid"):
        assert getattr(ours, name) == getattr(stdlib, name), name


@pytest.mark.parametrize("timeout", [0, 0.0, 0.02])
def test_sigwait_returns_none_when_the_time_runs_out(timeout, signal_mask):
    signal_mask(SIGUSR1)
    start = time.monotonic()
    assert sigwait([SIGUSR1], timeout) is None
    assert time.monotonic() - start >= timeout


def test_sigwait_takes_a_pending_signal_even_with_no_time(signal_mask):
    signal_mask(SIGUSR1)
    to_me(SIGUSR1)
    assert sigwait([SIGUSR1], 0).si_signo == SIGUSR1
    assert SIGUSR1 not in signal.sigpending()


@pytest.mark.parametrize("timeout", [None, 5])
def test_sigwait_goes_on_after_another_signals_handler(timeout, signal_mask, on_signal, helper):
    signal_mask(SIGUSR2)
    handled = helper.interrupt_then("rt_sigtimedwait", lambda: helper.signal_main(SIGUSR2),
                                    on_signal)
    assert sigwait([SIGUSR2], timeout).si_signo == SIGUSR2
    assert handled.is_set()


@pytest.mark.parametrize("timeout", [math.inf, 3e6, 10**9])
def test_sigwait_with_an_infinite_or_long_timeout_waits_for_the_signal(timeout, signal_mask,
                                                                        helper):
    # inf: sigwaitinfo(2), without limit; the others fit sigtimedwait(2)'s timespec.
    signal_mask(SIGUSR1)
    helper.interrupt("rt_sigtimedwait", SIGUSR1)
    assert sigwait([SIGUSR1], timeout).si_signo == SIGUSR1


class Interrupted(Exception):
    pass


def test_what_a_handler_raises_ends_sigwait(signal_mask, on_signal, helper, handler_raising):
    handler, raised = handler_raising(Interrupted)
    on_signal(SIGUSR1, handler)
    signal_mask(SIGUSR2)
    helper.interrupt("rt_sigtimedwait", SIGUSR1)
    with pytest.raises(Interrupted) as info:
        sigwait([SIGUSR2], 10)
    assert info.value is raised[0]


@pytest.mark.parametrize("args, error, message", [
    (([0],), ValueError, "sigwait: 0 is not a valid signal number"),
    ((SIGUSR1,), TypeError, "sigwait: signals must be an iterable"),
    (([SIGUSR1], -1), ValueError, "sigwait: timeout must be non-negative"),
    (([SIGUSR1], float("nan")), ValueError,
     "sigwait: timeout must be a number of seconds, not nan"),
    (([SIGUSR1], "1"), TypeError, "sigwait: timeout must be a number of seconds or None"),
    (([SIGUSR1], 10**30), OverflowError, "sigwait: timeout is too large"),
])
def test_sigwait_checks_its_arguments(args, error, message):
    with pytest.raises(error, match="^" + message):
        sigwait(*args)


# -- sigqueue --------------------------------------------------------------------------------------


def test_sigqueue_queues_real_time_signals_one_per_call(signal_mask):
    signal_mask(glibc.SIGRTMIN)
    for value in (-1, 0, 2**31 - 1):
        sigqueue(os.getpid(), glibc.SIGRTMIN, value)
    assert [sigwait([glibc.SIGRTMIN], 5).si_value for _ in range(3)] == [-1, 0, 2**31 - 1]


def test_sigqueue_errors():
    with pytest.raises(TypeError, match="^sigqueue: value must be an int"):
        sigqueue(os.getpid(), SIGUSR1, 1.5)
    with pytest.raises(OverflowError, match="^sigqueue: value must fit in a C int"):
        sigqueue(os.getpid(), SIGUSR1, 2**31)
    with pytest.raises(OSError, match="^.Errno 22. sigqueue: sig is not a valid signal"):
        sigqueue(os.getpid(), glibc.NSIG + 1)


# -- decoding: the same record whether sigwait or a signalfd took the signal -----------------------

CRAFTED = {
    # name: (signal, si_code, fields written, fields of the record that must be filled)
    "kill": (SIGUSR1, SI_USER, {"si_pid": 5, "si_uid": 6}, {"si_pid": 5, "si_uid": 6}),
    "queue": (SIGUSR1, SI_QUEUE, {"si_pid": 7, "si_int": 8},
              {"si_pid": 7, "si_uid": 0, "si_value": 8, "si_ptr": 8}),
    "tkill": (SIGUSR1, glibc.SI_TKILL, {"si_pid": 9, "si_int": 1}, {"si_pid": 9, "si_uid": 0}),
    "timer": (signal.SIGALRM, glibc.SI_TIMER, {"si_timerid": 3, "si_overrun": 4},
              {"si_timerid": 3, "si_overrun": 4, "si_value": 0, "si_ptr": 0}),
    "child": (signal.SIGCHLD, glibc.CLD_KILLED, {"si_pid": 10, "si_status": 9, "si_utime": 2},
              {"si_pid": 10, "si_uid": 0, "si_status": 9, "si_utime": 2, "si_stime": 0}),
    "fault": (signal.SIGSEGV, glibc.SEGV_ACCERR, {"si_addr": glibc.ffi.cast("void *", 4096)},
              {"si_addr": 4096}),
    "memory error": (signal.SIGBUS, glibc.BUS_MCEERR_AO, {"si_addr_lsb": 12},
                     {"si_addr": 0, "si_addr_lsb": 12}),
    "poll": (signal.SIGIO, glibc.POLL_HUP, {"si_band": 16, "si_fd": 3},
             {"si_band": 16, "si_fd": 3}),
    "poll by F_SETSIG": (SIGUSR2, glibc.POLL_IN, {"si_fd": 4}, {"si_band": 0, "si_fd": 4}),
    "system call": (signal.SIGSYS, getattr(glibc, "SYS_SECCOMP", 1), {"si_syscall": 39},
                    {"si_call_addr": 0, "si_syscall": 39, "si_arch": 0}),
}


def send_crafted(signum, code, fields):
    info = glibc.siginfo_t()
    info.si_code = code
    for name, value in fields.items():
        setattr(info, name, value)
    rt_tgsigqueueinfo(getpid(), gettid(), signum, info)


@pytest.mark.parametrize("layout", sorted(CRAFTED))
def test_sigwait_and_signals_decode_each_layout_alike(layout, signal_mask):
    if kernelkit.emulator():
        # It hands sigwait a siginfo_t of its own making (and takes a queued
        # SIGSEGV or SIGBUS for a fault of its own); the signalfd's is the kernel's.
        pytest.skip("%s rewrites the siginfo_t that sigwait gets" % kernelkit.emulator())
    signum, code, fields, expected = CRAFTED[layout]
    signal_mask(signum)
    send_crafted(signum, code, fields)
    by_sigwait = sigwait([signum], 5)
    with signals(signum) as sigs:
        send_crafted(signum, code, fields)
        [by_signalfd] = sigs.read()
    assert by_sigwait.si_signo == signum
    assert {name: getattr(by_signalfd, name) for name in expected} == expected
    assert unset(by_signalfd, *expected)
    if code == glibc.SI_TKILL:
        # glibc's sigtimedwait reports SI_TKILL as SI_USER; the signalfd does not.
        assert by_sigwait == by_signalfd._replace(si_code=SI_USER)
    else:
        assert by_sigwait == by_signalfd


def test_the_decoders_take_c_structs_and_records():
    info = glibc.siginfo_t({"si_signo": SIGUSR1, "si_code": SI_USER})
    info.si_pid = 77
    assert from_siginfo_t(info).si_pid == 77
    record = glibc.signalfd_siginfo({"ssi_signo": SIGUSR1, "ssi_code": SI_USER, "ssi_pid": 78})
    as_tuple = signalfd_siginfo(*(getattr(record, name) for name in signalfd_siginfo._fields))
    assert from_signalfd(record) == from_signalfd(as_tuple)
    assert from_signalfd(as_tuple).si_pid == 78


# -- signals ---------------------------------------------------------------------------------------


def test_signals_blocks_while_open_and_puts_the_mask_back():
    before = mask()
    with signals(SIGUSR1, SIGUSR2) as sigs:
        assert mask() == before | {SIGUSR1, SIGUSR2}
        assert sigs.signals == {SIGUSR1, SIGUSR2}
        assert not os.get_inheritable(sigs.fileno())
        assert not os.get_blocking(sigs.fileno())
    assert mask() == before
    assert sigs.closed


def test_read_takes_what_is_pending_without_waiting():
    with signals(SIGUSR1, SIGUSR2) as sigs:
        assert sigs.read() == []
        to_me(SIGUSR2)
        os.kill(os.getpid(), SIGUSR1)
        got = sigs.read()
        # The thread's own pending signals come before the process's.
        assert [(i.si_signo, i.si_code) for i in got] == [(SIGUSR2, glibc.SI_TKILL),
                                                         (SIGUSR1, SI_USER)]
        assert sigs.read() == []


def test_read_takes_every_real_time_instance_in_order():
    with signals(glibc.SIGRTMIN) as sigs:
        for value in (3, 1, 2):
            sigqueue(os.getpid(), glibc.SIGRTMIN, value)
        assert [i.si_value for i in sigs.read(8)] == [3, 1, 2]


def test_pending_lists_without_taking():
    with signals(SIGUSR1, SIGUSR2) as sigs:
        assert sigs.pending() == frozenset()
        to_me(SIGUSR2)
        assert sigs.pending() == {SIGUSR2}
        assert sigs.pending() == {SIGUSR2}
        assert [i.si_signo for i in sigs.read()] == [SIGUSR2]
        assert sigs.pending() == frozenset()


def test_iterating_waits_for_each_signal(helper):
    with signals(SIGUSR1, SIGUSR2) as sigs:
        def script():
            helper.wait_blocked("poll")
            helper.signal_main(SIGUSR2)
            helper.wait_blocked("poll")
            helper.signal_main(SIGUSR1)

        helper.start(script)
        it = iter(sigs)
        assert [next(it).si_signo, next(it).si_signo] == [SIGUSR2, SIGUSR1]


def test_wait_returns_an_empty_list_when_the_time_runs_out():
    with signals(SIGUSR1) as sigs:
        start = time.monotonic()
        assert sigs.wait(0.05) == []
        assert time.monotonic() - start >= 0.05
        to_me(SIGUSR1)
        assert [i.si_signo for i in sigs.wait(0)] == [SIGUSR1]


@pytest.mark.parametrize("timeout", [math.inf, 3e6, 1e300, 10**30])
def test_wait_with_an_infinite_or_huge_timeout_waits_for_the_signal(helper, timeout):
    # Longer than poll(2)'s int of milliseconds (24.8 days): several polls.
    with signals(SIGUSR1) as sigs:
        helper.interrupt("poll", SIGUSR1)
        assert [i.si_signo for i in sigs.wait(timeout)] == [SIGUSR1]


@pytest.mark.parametrize("timeout, error, message", [
    (math.nan, ValueError, "signals.wait: timeout must be a number of seconds, not nan"),
    (-1, ValueError, "signals.wait: timeout must be non-negative, not -1"),
    ("1", TypeError, "signals.wait: timeout must be a number of seconds or None, not str"),
])
def test_wait_checks_its_timeout(timeout, error, message):
    with signals(SIGUSR1) as sigs:
        with pytest.raises(error, match="^%s$" % message):
            sigs.wait(timeout)


def test_wait_goes_on_after_a_handler_returns(on_signal, helper):
    # PEP 475, through the stdlib's poll: SIGUSR1's handler does not end the wait.
    with signals(SIGUSR2) as sigs:
        handled = helper.interrupt_then("poll", lambda: helper.signal_main(SIGUSR2), on_signal)
        assert [i.si_signo for i in sigs.wait(10)] == [SIGUSR2]
        assert handled.is_set()


def test_a_selector_sees_a_signal_waiting():
    with signals(SIGUSR1) as sigs, selectors.DefaultSelector() as selector:
        selector.register(sigs, selectors.EVENT_READ)
        assert selector.select(0) == []
        to_me(SIGUSR1)
        [(key, events)] = selector.select(5)
        assert key.fileobj is sigs and events == selectors.EVENT_READ
        assert [i.si_signo for i in sigs.read()] == [SIGUSR1]
        selector.unregister(sigs)


def test_a_signal_left_pending_is_delivered_when_the_mask_is_restored(on_signal):
    calls = []
    on_signal(SIGUSR1, lambda signum, frame: calls.append(signum))
    with signals(SIGUSR1):
        to_me(SIGUSR1)
        assert calls == []
    assert calls == [SIGUSR1]  # not swallowed: the handler ran on the way out


def test_a_signal_read_before_the_end_is_not_delivered_again(on_signal):
    calls = []
    on_signal(SIGUSR1, lambda signum, frame: calls.append(signum))
    with signals(SIGUSR1) as sigs:
        to_me(SIGUSR1)
        assert len(sigs.read()) == 1
    assert calls == []


def test_a_signal_blocked_before_stays_blocked_and_pending(signal_mask):
    signal_mask(SIGUSR1)
    with signals(SIGUSR1, SIGUSR2):
        to_me(SIGUSR1)
    assert SIGUSR1 in mask()
    assert SIGUSR1 in signal.sigpending()  # the fixture takes it off


def test_nested_objects_restore_in_reverse_order():
    before = mask()
    with signals(SIGUSR1):
        with signals(SIGUSR1, SIGUSR2):
            assert {SIGUSR1, SIGUSR2} <= mask()
        assert SIGUSR1 in mask() and (SIGUSR2 in mask()) == (SIGUSR2 in before)
    assert mask() == before


def test_after_close_every_use_is_a_value_error():
    sigs = signals(SIGUSR1)
    sigs.close()
    sigs.close()
    for use in (sigs.fileno, sigs.read, sigs.wait, sigs.pending, lambda: next(sigs)):
        with pytest.raises(ValueError):
            use()
    assert repr(sigs) == "<pyglibc.signals closed signals=[%d]>" % SIGUSR1


def test_closing_in_another_thread_is_a_runtime_error(signal_mask):
    signal_mask()  # the mask of this thread is put back at the end
    sigs = signals(SIGUSR1)
    errors = []

    def close():
        try:
            sigs.close()
        except RuntimeError as exc:
            errors.append(exc)

    thread = threading.Thread(target=close)
    thread.start()
    thread.join()
    assert "another thread" in str(errors[0])
    assert sigs.closed  # the descriptor is closed all the same
    assert SIGUSR1 in mask()


def test_a_failed_signalfd_leaves_the_mask_alone(raises_errno):
    before = mask()
    probe = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
    os.close(probe)  # the lowest free descriptor: the limit below leaves none
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (probe, hard))
    try:
        with raises_errno("signalfd", "EMFILE"):
            signals(SIGUSR1)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert mask() == before


@pytest.mark.parametrize("args, error, message", [
    ((0,), ValueError, "signals: 0 is not a valid signal number"),
    ((32,), ValueError, "signals: 32 is not a valid signal number"),
    (("SIGINT",), TypeError, "signals: a signal number must be an int"),
])
def test_signals_checks_its_arguments(args, error, message):
    before = mask()
    with pytest.raises(error, match="^" + message):
        signals(*args)
    assert mask() == before


def test_the_names_live_in_pyglibc():
    for name in ("signals", "sigwait", "siginfo", "sigqueue"):
        assert name in pyglibc.__all__
        assert getattr(pyglibc, name).__module__ == "pyglibc._signals"
