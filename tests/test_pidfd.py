"""pidfd_open(2), pidfd_send_signal(2), pidfd_getfd(2) on real children."""

import os
import select
import signal
import threading

import pytest

import glibc
import pyglibc
from glibc import (
    CLD_KILLED,
    P_PIDFD,
    PIDFD_NONBLOCK,
    WEXITED,
    WNOWAIT,
    pidfd_getfd,
    pidfd_open,
    pidfd_send_signal,
    siginfo_t,
    waitid,
)

pytest_plugins = ["children"]  # the spawn fixture


def readable(fd, timeout=0):
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(timeout))


def reaped_pid(spawn):
    """The pid of a child that has ended and been waited for."""
    child = spawn()
    child.reap()
    return child.pid


# -- pidfd_open --------------------------------------------------------------------------------


@pytest.mark.needs_kernel("pidfd_open")
def test_pidfd_open_is_close_on_exec_and_blocking(spawn, fds):
    pidfd = fds(pidfd_open(spawn().pid))
    assert not os.get_inheritable(pidfd)
    assert os.get_blocking(pidfd)
    # "anon_inode:[pidfd]", or "pidfd:[inode]" since pidfs (Linux 6.9)
    assert "pidfd" in os.readlink("/proc/self/fd/%d" % pidfd)


@pytest.mark.needs_kernel("pidfd_open")
def test_pidfd_nonblock_makes_it_nonblocking(spawn, fds):
    pidfd = fds(pidfd_open(spawn().pid, PIDFD_NONBLOCK))
    assert not os.get_blocking(pidfd)


@pytest.mark.needs_kernel("pidfd_open")
def test_a_pidfd_becomes_readable_when_its_process_ends(spawn, fds):
    child = spawn()
    pidfd = fds(pidfd_open(child.pid))
    assert not readable(pidfd)
    child.exit(0)
    assert readable(pidfd, 10000)


@pytest.mark.needs_kernel("pidfd_open")
def test_pidfd_open_names_the_process_in_fdinfo(spawn, fds):
    child = spawn()
    pidfd = fds(pidfd_open(child.pid))
    with open("/proc/self/fdinfo/%d" % pidfd) as f:
        assert "Pid:\t%d\n" % child.pid in f.read()


@pytest.mark.needs_kernel("pidfd_open")
def test_pidfd_open_of_a_reaped_process_is_esrch(spawn, raises_errno):
    pid = reaped_pid(spawn)
    with raises_errno("pidfd_open", "ESRCH"):
        pidfd_open(pid)


@pytest.mark.needs_kernel("pidfd_open")
@pytest.mark.parametrize("pid, flags", [(0, 0), (-1, 0), ("me", 1 << 30)])
def test_pidfd_open_of_a_bad_pid_or_flag_is_einval(pid, flags, raises_errno):
    with raises_errno("pidfd_open", "EINVAL"):
        pidfd_open(os.getpid() if pid == "me" else pid, flags)


@pytest.mark.skipif(not hasattr(glibc, "PIDFD_THREAD"), reason="<sys/pidfd.h> lacks PIDFD_THREAD "
                    "(glibc < 2.40)")
def test_pidfd_thread_opens_a_thread(fds):
    pidfd = fds(pidfd_open(threading.get_native_id(), glibc.PIDFD_THREAD))
    assert not readable(pidfd)


# -- pidfd_send_signal -----------------------------------------------------------------------


@pytest.mark.needs_kernel("pidfd_open", "pidfd_send_signal")
def test_pidfd_send_signal_kills_the_process(spawn, fds):
    child = spawn()
    pidfd = fds(pidfd_open(child.pid))
    assert pidfd_send_signal(pidfd, signal.SIGKILL) == 0
    info = siginfo_t()
    waitid(P_PIDFD, pidfd, info, WEXITED | WNOWAIT)
    assert info.si_code == CLD_KILLED
    assert os.WTERMSIG(os.waitpid(child.pid, 0)[1]) == signal.SIGKILL


def received(signum):
    """The record of the pending, blocked signum, taken through a signalfd."""
    with pyglibc.signalfd([signum]) as sfd:
        [record] = sfd.read()
    return record


@pytest.mark.needs_kernel("pidfd_open", "pidfd_send_signal")
def test_pidfd_send_signal_carries_the_siginfo_given(fds, signal_mask):
    # To itself a process may send any si_code; the receiver gets info as given.
    signal_mask(signal.SIGUSR1)
    pidfd = fds(pidfd_open(os.getpid()))
    info = siginfo_t({"si_signo": signal.SIGUSR1, "si_errno": 1234, "si_code": 0})
    pidfd_send_signal(pidfd, signal.SIGUSR1, info)
    got = received(signal.SIGUSR1)
    assert (got.ssi_signo, got.ssi_errno) == (signal.SIGUSR1, 1234)


@pytest.mark.needs_kernel("pidfd_open", "pidfd_send_signal")
def test_pidfd_send_signal_without_info_is_like_kill(fds, signal_mask):
    signal_mask(signal.SIGUSR2)
    pidfd = fds(pidfd_open(os.getpid()))
    pidfd_send_signal(pidfd, signal.SIGUSR2, None, 0)
    got = received(signal.SIGUSR2)
    assert (got.ssi_signo, got.ssi_pid, got.ssi_uid) == (signal.SIGUSR2, os.getpid(), os.getuid())


@pytest.mark.needs_kernel("pidfd_open", "pidfd_send_signal")
def test_pidfd_send_signal_to_a_reaped_process_is_esrch(spawn, raises_errno):
    child = spawn()
    pidfd = pidfd_open(child.pid)
    try:
        child.reap()
        with raises_errno("pidfd_send_signal", "ESRCH"):
            pidfd_send_signal(pidfd, signal.SIGTERM)
    finally:
        os.close(pidfd)


@pytest.mark.needs_kernel("pidfd_open", "pidfd_send_signal")
def test_pidfd_send_signal_on_a_pipe_is_ebadf(fds, raises_errno):
    r, _ = fds.pipe()
    with raises_errno("pidfd_send_signal", "EBADF"):
        pidfd_send_signal(r, signal.SIGTERM)


@pytest.mark.needs_kernel("pidfd_open", "pidfd_send_signal")
@pytest.mark.parametrize("sig, flags", [(1000, 0), (0, 1 << 20)])
def test_pidfd_send_signal_of_a_bad_signal_or_flag_is_einval(spawn, fds, raises_errno, sig, flags):
    pidfd = fds(pidfd_open(spawn().pid))
    with raises_errno("pidfd_send_signal", "EINVAL"):
        pidfd_send_signal(pidfd, sig, None, flags)


@pytest.mark.needs_kernel("pidfd_open", "pidfd_send_signal")
def test_a_user_si_code_to_another_process_is_eperm(spawn, fds, raises_errno):
    # si_code >= 0 claims the kernel or kill(2) sent it: only allowed to oneself.
    child = spawn()
    pidfd = fds(pidfd_open(child.pid))
    info = siginfo_t({"si_signo": signal.SIGTERM, "si_code": 0})
    with raises_errno("pidfd_send_signal", "EPERM"):
        pidfd_send_signal(pidfd, signal.SIGTERM, info)
    assert child.alive()


@pytest.mark.needs_kernel("pidfd_open", "pidfd_send_signal")
def test_pidfd_send_signal_needs_a_siginfo_t(fds):
    pidfd = fds(pidfd_open(os.getpid()))
    with pytest.raises(TypeError, match=r"^pidfd_send_signal: info must be a 'siginfo_t \*'"):
        pidfd_send_signal(pidfd, 0, glibc.ffi.new("int *"))


# -- pidfd_getfd -------------------------------------------------------------------------------


@pytest.mark.needs_kernel("pidfd_open", "pidfd_getfd")
def test_pidfd_getfd_copies_a_descriptor_out_of_another_process(spawn, fds):
    r, w = fds.pipe()
    child = spawn()  # it has its own copy of w, at the same number
    os.close(w)
    fds.forget(w)
    pidfd = fds(pidfd_open(child.pid))
    ours = fds(pidfd_getfd(pidfd, w))
    assert not os.get_inheritable(ours)
    os.write(ours, b"through the child's pipe")
    assert os.read(r, 64) == b"through the child's pipe"


@pytest.mark.needs_kernel("pidfd_open", "pidfd_getfd")
def test_pidfd_getfd_of_a_descriptor_the_process_lacks_is_ebadf(spawn, fds, raises_errno):
    r, w = fds.pipe()
    child = spawn()
    pidfd = fds(pidfd_open(child.pid))
    with raises_errno("pidfd_getfd", "EBADF"):
        pidfd_getfd(pidfd, max(r, w, pidfd) + 100)


@pytest.mark.needs_kernel("pidfd_open", "pidfd_getfd")
def test_pidfd_getfd_with_flags_is_einval(fds, raises_errno):
    pidfd = fds(pidfd_open(os.getpid()))
    with raises_errno("pidfd_getfd", "EINVAL"):
        pidfd_getfd(pidfd, pidfd, 1)


@pytest.mark.needs_kernel("pidfd_open", "pidfd_getfd")
def test_pidfd_getfd_from_a_reaped_process_is_esrch(spawn, raises_errno):
    child = spawn()
    pidfd = pidfd_open(child.pid)
    try:
        child.reap()
        with raises_errno("pidfd_getfd", "ESRCH"):
            pidfd_getfd(pidfd, 0)
    finally:
        os.close(pidfd)
