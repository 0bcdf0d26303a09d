"""POSIX per-process timers: timer_create(2), timer_settime(2), timer_gettime(2),
timer_getoverrun(2), timer_delete(2), with real signals."""

import signal
import threading
import time

import pytest

import glibc
from glibc import (
    CLOCK_MONOTONIC,
    CLOCK_MONOTONIC_RAW,
    TIMER_ABSTIME,
    clock_gettime,
    ffi,
    itimerspec,
    sigevent,
    timer_create,
    timer_delete,
    timer_getoverrun,
    timer_gettime,
    timer_settime,
    timer_t,
    timespec,
)
from pyglibc import signalfd

MS = 1_000_000  # nanoseconds


def notify(how, signo=0):
    sev = sigevent()
    sev.sigev_notify = getattr(glibc, how)
    sev.sigev_signo = signo
    return sev


def seconds(ts):
    return ts.tv_sec + ts.tv_nsec / 1e9


def spec(value_ns, interval_ns=0):
    new = itimerspec()
    new.it_value.tv_sec, new.it_value.tv_nsec = divmod(value_ns, 10**9)
    new.it_interval.tv_sec, new.it_interval.tv_nsec = divmod(interval_ns, 10**9)
    return new


@pytest.fixture
def timers(signal_mask):
    """``timers(clockid, sevp)`` creates a timer, deleted at the end of the test.

    It depends on signal_mask so that the timers are deleted before the mask
    is restored: a periodic timer left armed until then could send a signal
    after signal_mask has drained the pending ones, and kill the run.
    """
    made = []

    def create(clockid=CLOCK_MONOTONIC, sevp=None):
        timerid = timer_t()
        assert timer_create(clockid, sevp, timerid) == 0
        made.append(timerid[0])
        return timerid[0]

    yield create
    for timerid in made:
        try:
            timer_delete(timerid)
        except OSError:
            pass  # the test deleted it itself


def pending(kind, signum, tid=None):
    """Is signum in this thread's own pending set ("SigPnd") or the process's ("ShdPnd")?"""
    tid = threading.get_native_id() if tid is None else tid
    with open("/proc/self/task/%d/status" % tid) as f:
        line = next(line for line in f if line.startswith(kind + ":"))
    return bool(int(line.split()[1], 16) >> (signum - 1) & 1)


def wait_pending(signum, within=5.0):
    """Wait (bounded) until signum is pending for this thread, by either set."""
    deadline = time.monotonic() + within
    while signum not in signal.sigpending():
        assert time.monotonic() < deadline, "signal %d never came" % signum
        time.sleep(0.001)


def take(signum):
    """Wait for the blocked signum and take it: its struct signalfd_siginfo.
    (A signalfd, as PyPy has no signal.sigtimedwait.)"""
    wait_pending(signum)
    with signalfd([signum], glibc.SFD_NONBLOCK) as sfd:
        (record,) = sfd.read()
    assert record.ssi_signo == signum
    return record


# -- behaviour ----------------------------------------------------------------------------------


def test_a_sigev_none_timer_counts_down_without_signalling(timers):
    timerid = timers(CLOCK_MONOTONIC, notify("SIGEV_NONE"))
    assert timer_settime(timerid, 0, spec(10 * 10**9, 3 * 10**9), None) == 0
    now = itimerspec()
    assert timer_gettime(timerid, now) == 0
    assert 9 < seconds(now.it_value) <= 10
    assert (now.it_interval.tv_sec, now.it_interval.tv_nsec) == (3, 0)


def test_a_new_timer_is_disarmed_and_zero_disarms_it(timers, signal_mask):
    # Not SIGEV_NONE: Linux 6.18 goes on counting down a disarmed SIGEV_NONE
    # timer in timer_gettime.  The signal never comes: disarmed 10 s early.
    signal_mask(signal.SIGUSR2)
    timerid = timers(CLOCK_MONOTONIC, notify("SIGEV_SIGNAL", signal.SIGUSR2))
    now = itimerspec()
    timer_gettime(timerid, now)
    assert seconds(now.it_value) == 0
    timer_settime(timerid, 0, spec(10 * 10**9), None)
    old = itimerspec()
    assert timer_settime(timerid, 0, itimerspec(), old) == 0
    assert 9 < seconds(old.it_value) <= 10
    timer_gettime(timerid, now)
    assert seconds(now.it_value) == 0


def test_a_sigev_signal_timer_sends_its_signal_to_the_process(timers, signal_mask):
    signal_mask(signal.SIGUSR2)
    timerid = timers(CLOCK_MONOTONIC, notify("SIGEV_SIGNAL", signal.SIGUSR2))
    timer_settime(timerid, 0, spec(1 * MS), None)
    wait_pending(signal.SIGUSR2)
    assert pending("ShdPnd", signal.SIGUSR2) and not pending("SigPnd", signal.SIGUSR2)
    assert take(signal.SIGUSR2).ssi_code == glibc.SI_TIMER


def test_sigev_thread_id_sends_the_signal_to_that_thread(timers, signal_mask):
    signal_mask(signal.SIGUSR2)
    sev = notify("SIGEV_THREAD_ID", signal.SIGUSR2)
    assert glibc.lib.glibc_sigevent_set_thread_id(sev, threading.get_native_id()) == 0
    timerid = timers(CLOCK_MONOTONIC, sev)
    timer_settime(timerid, 0, spec(1 * MS), None)
    wait_pending(signal.SIGUSR2)
    # Pending for this thread alone, not for whichever thread of the process.
    assert pending("SigPnd", signal.SIGUSR2) and not pending("ShdPnd", signal.SIGUSR2)
    assert take(signal.SIGUSR2).ssi_code == glibc.SI_TIMER


def test_without_a_sigevent_the_timer_sends_sigalrm(timers, signal_mask):
    signal_mask(signal.SIGALRM)
    timerid = timers(CLOCK_MONOTONIC, None)
    timer_settime(timerid, 0, spec(1 * MS), None)
    assert take(signal.SIGALRM).ssi_code == glibc.SI_TIMER


def test_timer_abstime_expires_when_the_clock_reads_it(timers, signal_mask):
    signal_mask(signal.SIGUSR2)
    timerid = timers(CLOCK_MONOTONIC, notify("SIGEV_SIGNAL", signal.SIGUSR2))
    now = timespec()
    clock_gettime(CLOCK_MONOTONIC, now)
    deadline = now.tv_sec * 10**9 + now.tv_nsec + 20 * MS
    assert timer_settime(timerid, TIMER_ABSTIME, spec(deadline), None) == 0
    take(signal.SIGUSR2)
    assert time.clock_gettime_ns(time.CLOCK_MONOTONIC) >= deadline


def test_timer_getoverrun_counts_expirations_while_the_signal_waited(timers, signal_mask):
    signal_mask(signal.SIGUSR2)
    timerid = timers(CLOCK_MONOTONIC, notify("SIGEV_SIGNAL", signal.SIGUSR2))
    timer_settime(timerid, 0, spec(1 * MS, 1 * MS), None)
    wait_pending(signal.SIGUSR2)
    time.sleep(0.03)  # about 30 more expirations while the one signal stays pending
    record = take(signal.SIGUSR2)
    overrun = timer_getoverrun(timerid)  # (timer_settime would set it back to 0)
    assert overrun >= 10
    assert record.ssi_overrun == overrun  # the count the signal carried


def test_a_cpu_time_timer_counts_only_cpu_time(timers):
    timerid = timers(glibc.CLOCK_PROCESS_CPUTIME_ID, notify("SIGEV_NONE"))
    timer_settime(timerid, 0, spec(10 * 10**9), None)
    time.sleep(0.02)  # asleep: the process's CPU clock hardly moves
    now = itimerspec()
    timer_gettime(timerid, now)
    assert seconds(now.it_value) > 9.99


def test_timer_delete_makes_the_id_invalid(timers, raises_errno):
    timerid = timers(CLOCK_MONOTONIC, notify("SIGEV_NONE"))
    assert timer_delete(timerid) == 0
    with raises_errno("timer_gettime", "EINVAL"):
        timer_gettime(timerid, itimerspec())
    with raises_errno("timer_getoverrun", "EINVAL"):
        timer_getoverrun(timerid)
    with raises_errno("timer_settime", "EINVAL"):
        timer_settime(timerid, 0, spec(MS), None)
    with raises_errno("timer_delete", "EINVAL"):
        timer_delete(timerid)


# -- errors -------------------------------------------------------------------------------------


def test_timer_create_on_an_unknown_clock_is_einval(raises_errno):
    with raises_errno("timer_create", "EINVAL"):
        timer_create(1000, None, timer_t())


def test_timer_create_on_the_raw_monotonic_clock_is_enotsup(raises_errno):
    with raises_errno("timer_create", "ENOTSUP"):
        timer_create(CLOCK_MONOTONIC_RAW, None, timer_t())


def test_sigev_thread_is_refused_before_glibc_would_call_a_null_function(raises_errno):
    with raises_errno("timer_create", "EINVAL"):
        timer_create(CLOCK_MONOTONIC, notify("SIGEV_THREAD"), timer_t())


def test_sigev_thread_id_of_a_thread_elsewhere_is_einval(raises_errno):
    sev = notify("SIGEV_THREAD_ID", signal.SIGUSR2)
    glibc.lib.glibc_sigevent_set_thread_id(sev, 1)  # init's thread, not one of ours
    with raises_errno("timer_create", "EINVAL"):
        timer_create(CLOCK_MONOTONIC, sev, timer_t())


def test_an_unknown_sigev_notify_is_einval(raises_errno):
    sev = sigevent()
    sev.sigev_notify = 12345
    with raises_errno("timer_create", "EINVAL"):
        timer_create(CLOCK_MONOTONIC, sev, timer_t())


@pytest.mark.parametrize("tv_nsec", [-1, 10**9])
def test_a_tv_nsec_out_of_range_is_einval(tv_nsec, timers, raises_errno):
    timerid = timers(CLOCK_MONOTONIC, notify("SIGEV_NONE"))
    new = itimerspec()
    new.it_value.tv_nsec = tv_nsec
    with raises_errno("timer_settime", "EINVAL"):
        timer_settime(timerid, 0, new, None)


@pytest.mark.parametrize("name, call", [
    ("timer_delete", lambda t: timer_delete(t)),
    ("timer_getoverrun", lambda t: timer_getoverrun(t)),
    ("timer_gettime", lambda t: timer_gettime(t, itimerspec())),
    ("timer_settime", lambda t: timer_settime(t, 0, itimerspec(), None)),
])
def test_a_made_up_timer_t_with_the_top_bit_set_is_einval_not_a_crash(name, call, raises_errno):
    # glibc would read its SIGEV_THREAD record at such an address.
    with raises_errno(name, "EINVAL"):
        call(ffi.cast("timer_t", -64))


def test_timer_create_needs_somewhere_to_store_the_id():
    with pytest.raises(TypeError, match="timer_create: timerid must not be None"):
        timer_create(CLOCK_MONOTONIC, None, None)
