"""Sending signals: kill(2), killpg(3), sigqueue(3), tgkill(2), rt_sigqueueinfo(2), and the ids
they take (getpid(2), getppid(2), gettid(2)).

A signal sent to this process is blocked first and taken back with
sigwaitinfo, so the test sees exactly what the receiver would.  Children
are real processes (sleep(1)), always reaped.
"""

import contextlib
import os
import signal
import subprocess
import threading

import pytest

import glibc
from glibc import (
    SI_QUEUE,
    SI_USER,
    ffi,
    getpid,
    getppid,
    gettid,
    kill,
    killpg,
    rt_sigqueueinfo,
    rt_tgsigqueueinfo,
    siginfo_t,
    sigqueue,
    sigtimedwait,
    sigwaitinfo,
    tgkill,
    timespec,
)

SIGUSR1, SIGUSR2 = signal.SIGUSR1, signal.SIGUSR2
SIGRTMIN = glibc.SIGRTMIN
BAD_SIGNAL = glibc.NSIG + 100


def take(sigset, signum, within=5):
    """Take signum off the pending ones (it must come within 5 s) and return its siginfo_t."""
    info = siginfo_t()
    assert sigtimedwait(sigset(signum), info, timespec({"tv_sec": within})) == signum
    return info


@contextlib.contextmanager
def sleeper(**popen):
    """A child that sleeps until it is killed; killed and reaped at the end."""
    child = subprocess.Popen(["sleep", "60"], **popen)
    try:
        yield child
    finally:
        with contextlib.suppress(ProcessLookupError):
            child.kill()
        child.wait()


def gone_pid():
    """The pid of a child that has exited and been reaped: no process has it now."""
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def in_child(function):
    """Run function in a forked child; return its exit status (its result, 255 if it raised)."""
    pid = os.fork()
    if pid == 0:
        code = 255
        try:
            code = function()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


@contextlib.contextmanager
def sigpending_limit(limit):
    """This process's RLIMIT_SIGPENDING soft limit, for the with block.

    Through our own getrlimit/setrlimit: PyPy's resource module lacks
    RLIMIT_SIGPENDING.
    """
    saved = glibc.rlimit()
    glibc.getrlimit(glibc.RLIMIT_SIGPENDING, saved)
    glibc.setrlimit(glibc.RLIMIT_SIGPENDING, glibc.rlimit((limit, saved.rlim_max)))
    try:
        yield
    finally:
        glibc.setrlimit(glibc.RLIMIT_SIGPENDING, saved)


# -- ids ---------------------------------------------------------------------------------------


def test_getpid_getppid_and_gettid_are_the_ids_the_stdlib_sees():
    assert getpid() == os.getpid()
    assert getppid() == os.getppid()
    # The main thread's tid is the process id.
    assert threading.current_thread() is threading.main_thread()
    assert gettid() == getpid() == threading.get_native_id()


def test_gettid_differs_in_another_thread_and_names_it_in_proc():
    seen = []
    thread = threading.Thread(target=lambda: seen.append((gettid(), getpid())))
    thread.start()
    thread.join()
    tid, pid = seen[0]
    assert pid == getpid() and tid != gettid()
    assert tid == thread.native_id


def test_getppid_in_a_child_is_our_pid():
    parent = getpid()
    assert in_child(lambda: 0 if getppid() == parent else 1) == 0


# -- kill(2) -----------------------------------------------------------------------------------


def test_kill_with_signal_zero_only_checks_the_target():
    assert kill(getpid(), 0) == 0


def test_kill_to_ourselves_arrives_as_si_user(signal_mask, sigset):
    signal_mask(SIGUSR1)
    assert kill(getpid(), SIGUSR1) == 0
    info = take(sigset, SIGUSR1)
    assert (info.si_code, info.si_pid, info.si_uid) == (SI_USER, os.getpid(), os.getuid())


def test_kill_ends_a_child():
    with sleeper() as child:
        assert kill(child.pid, signal.SIGTERM) == 0
        assert child.wait() == -signal.SIGTERM


def test_kill_with_a_bad_signal_is_einval(raises_errno):
    with raises_errno("kill", "EINVAL"):
        kill(getpid(), BAD_SIGNAL)


def test_kill_of_a_reaped_child_is_process_lookup_error(raises_errno):
    with raises_errno("kill", "ESRCH") as info:
        kill(gone_pid(), 0)
    assert isinstance(info.value, ProcessLookupError)


def test_kill_without_the_right_is_permission_error(raises_errno):
    if os.getuid() != 0:
        with raises_errno("kill", "EPERM") as info:
            kill(1, 0)  # init belongs to root
        assert isinstance(info.value, PermissionError)
        return
    # Root may signal anyone; a child that gives up root may not signal us.
    parent = getpid()

    def unprivileged_kill():
        os.setuid(65534)
        with raises_errno("kill", "EPERM") as info:
            kill(parent, 0)
        assert isinstance(info.value, PermissionError)
        return 0

    assert in_child(unprivileged_kill) == 0


# -- killpg(3) ---------------------------------------------------------------------------------


def test_killpg_signals_the_whole_process_group():
    with sleeper(preexec_fn=lambda: os.setpgid(0, 0)) as leader:
        # A second sleeper in the leader's group: killpg ends both.
        with sleeper(preexec_fn=lambda: os.setpgid(0, leader.pid)) as member:
            assert os.getpgid(member.pid) == leader.pid
            assert killpg(leader.pid, signal.SIGTERM) == 0
            assert leader.wait() == member.wait() == -signal.SIGTERM


def test_killpg_of_a_group_with_no_process_is_esrch(raises_errno):
    with raises_errno("killpg", "ESRCH"):
        killpg(gone_pid(), 0)


@pytest.mark.parametrize("pgrp, sig", [(-1, 0), ("own", BAD_SIGNAL)])
def test_killpg_with_a_negative_group_or_a_bad_signal_is_einval(pgrp, sig, raises_errno):
    with sleeper(preexec_fn=lambda: os.setpgid(0, 0)) as child:
        with raises_errno("killpg", "EINVAL"):
            killpg(child.pid if pgrp == "own" else pgrp, sig)


# -- sigqueue(3) -------------------------------------------------------------------------------


def test_sigqueue_delivers_its_value_to_sigwaitinfo(signal_mask, sigset):
    signal_mask(SIGUSR1)
    assert sigqueue(getpid(), SIGUSR1, {"sival_int": 42}) == 0
    info = take(sigset, SIGUSR1)
    assert info.si_code == SI_QUEUE
    assert info.si_value.sival_int == info.si_int == 42
    assert (info.si_pid, info.si_uid) == (os.getpid(), os.getuid())


def test_sigqueue_passes_a_pointer_sized_value(signal_mask, sigset):
    signal_mask(SIGUSR1)
    value = glibc.sigval()
    value.sival_ptr = ffi.cast("void *", 0x1234_5678_9ABC)
    sigqueue(getpid(), SIGUSR1, value[0])
    info = take(sigset, SIGUSR1)
    assert int(ffi.cast("uintptr_t", info.si_ptr)) == 0x1234_5678_9ABC
    assert info.si_value.sival_ptr == info.si_ptr


def test_sigqueue_queues_every_real_time_signal_in_order(signal_mask, sigset):
    # Real-time signals are not merged: each value comes back, first sent first.
    signal_mask(SIGRTMIN)
    for value in (1, 2, 3):
        sigqueue(getpid(), SIGRTMIN, [value])
    assert [take(sigset, SIGRTMIN).si_int for _ in range(3)] == [1, 2, 3]


def test_sigqueue_with_a_bad_signal_is_einval(raises_errno):
    with raises_errno("sigqueue", "EINVAL"):
        sigqueue(getpid(), BAD_SIGNAL, [0])


def test_sigqueue_to_a_reaped_child_is_esrch(raises_errno):
    with raises_errno("sigqueue", "ESRCH"):
        sigqueue(gone_pid(), SIGUSR1, [0])


def test_sigqueue_beyond_rlimit_sigpending_is_eagain(signal_mask, raises_errno):
    signal_mask(SIGRTMIN)
    with sigpending_limit(0), raises_errno("sigqueue", "EAGAIN") as info:
        sigqueue(getpid(), SIGRTMIN, [1])
    assert isinstance(info.value, BlockingIOError)
    assert SIGRTMIN not in signal.sigpending()


# -- tgkill(2) ---------------------------------------------------------------------------------


def test_tgkill_reaches_only_the_thread_it_names(signal_mask, sigset):
    # The main thread also blocks SIGUSR1: had the signal gone to the
    # process, it could be pending here rather than in the thread.
    signal_mask(SIGUSR1)
    ready, got = threading.Event(), []

    def waiter():
        signal.pthread_sigmask(signal.SIG_BLOCK, [SIGUSR1])
        got.append(gettid())
        ready.set()
        info = siginfo_t()
        got.append(sigtimedwait(sigset(SIGUSR1), info, timespec({"tv_sec": 5})))
        got.append((info.si_pid, info.si_uid))

    thread = threading.Thread(target=waiter)
    thread.start()
    assert ready.wait(5)
    assert tgkill(getpid(), got[0], SIGUSR1) == 0
    thread.join()
    assert got[1:] == [SIGUSR1, (os.getpid(), os.getuid())]
    assert SIGUSR1 not in signal.sigpending()


@pytest.mark.parametrize("tid, sig", [(0, SIGUSR1), ("me", BAD_SIGNAL)])
def test_tgkill_with_a_bad_tid_or_signal_is_einval(tid, sig, raises_errno):
    with raises_errno("tgkill", "EINVAL"):
        tgkill(getpid(), gettid() if tid == "me" else tid, sig)


def test_tgkill_of_a_thread_of_another_process_is_esrch(raises_errno):
    # Our main thread does not belong to our parent's thread group.
    with raises_errno("tgkill", "ESRCH"):
        tgkill(getppid(), gettid(), 0)


# -- rt_sigqueueinfo(2), rt_tgsigqueueinfo(2) --------------------------------------------------


def crafted(code, **fields):
    info = siginfo_t()
    info.si_code = code
    for name, value in fields.items():
        setattr(info, name, value)
    return info


def test_rt_sigqueueinfo_to_ourselves_delivers_the_siginfo_as_written(signal_mask, sigset):
    # To itself a process may claim any sender; the kernel only sets si_signo.
    signal_mask(SIGUSR1)
    sent = crafted(SI_QUEUE, si_signo=SIGUSR2, si_pid=4242, si_uid=1234, si_int=-7)
    assert rt_sigqueueinfo(getpid(), SIGUSR1, sent) == 0
    info = take(sigset, SIGUSR1)
    assert (info.si_signo, info.si_code, info.si_pid, info.si_uid, info.si_int) == (
        SIGUSR1, SI_QUEUE, 4242, 1234, -7)


def test_rt_sigqueueinfo_may_not_pretend_kill_to_another_process(raises_errno):
    with sleeper() as child:
        with raises_errno("rt_sigqueueinfo", "EPERM"):
            rt_sigqueueinfo(child.pid, SIGUSR1, crafted(SI_USER, si_pid=1))


def test_rt_sigqueueinfo_with_a_bad_signal_is_einval(raises_errno):
    with raises_errno("rt_sigqueueinfo", "EINVAL"):
        rt_sigqueueinfo(getpid(), BAD_SIGNAL, crafted(SI_QUEUE))


def test_rt_tgsigqueueinfo_reaches_one_thread_with_the_siginfo(signal_mask, sigset):
    signal_mask(SIGUSR2)
    sent = crafted(SI_QUEUE, si_pid=99, si_uid=98)
    sent.si_value.sival_int = 1_000_000
    assert rt_tgsigqueueinfo(getpid(), gettid(), SIGUSR2, sent) == 0
    # Sent to this thread: sigwaitinfo in it finds it.
    info = siginfo_t()
    assert sigwaitinfo(sigset(SIGUSR2), info) == SIGUSR2
    assert (info.si_code, info.si_pid, info.si_uid, info.si_value.sival_int) == (
        SI_QUEUE, 99, 98, 1_000_000)


def test_rt_tgsigqueueinfo_beyond_rlimit_sigpending_is_eagain(signal_mask, raises_errno):
    signal_mask(SIGRTMIN)
    with sigpending_limit(0), raises_errno("rt_tgsigqueueinfo", "EAGAIN"):
        rt_tgsigqueueinfo(getpid(), gettid(), SIGRTMIN, crafted(SI_QUEUE))


def test_rt_tgsigqueueinfo_to_a_thread_of_another_process_is_esrch(raises_errno):
    with raises_errno("rt_tgsigqueueinfo", "ESRCH"):
        rt_tgsigqueueinfo(getppid(), gettid(), SIGUSR1, crafted(SI_QUEUE))
