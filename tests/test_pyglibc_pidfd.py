"""pyglibc.pidfd: a process handle that signals, waits through a selector and reaps with waitid."""

import errno
import gc
import math
import os
import signal
import time

import pytest

import glibc
import pyglibc
import pyglibc._pidfd
from glibc import (
    CLD_CONTINUED,
    CLD_EXITED,
    CLD_KILLED,
    CLD_STOPPED,
    P_PIDFD,
    PIDFD_NONBLOCK,
    WCONTINUED,
    WEXITED,
    WNOHANG,
    WNOWAIT,
    WSTOPPED,
)
from pyglibc import pidfd
from pyglibc.selectors import EVENT_READ, EpollSelector

pytest_plugins = ["children"]  # the spawn fixture


def fd_is_open(fd):
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


@pytest.fixture
def child(spawn):
    return spawn()


# -- the descriptor ---------------------------------------------------------------------------


@pytest.mark.needs_kernel("pidfd_open")
def test_it_is_close_on_exec_and_blocking(child):
    with pidfd(child.pid) as p:
        assert not os.get_inheritable(p.fileno())
        assert os.get_blocking(p.fileno())
        assert p.pid == child.pid


@pytest.mark.needs_kernel("pidfd_open")
def test_pidfd_nonblock_makes_a_nonblocking_one(child):
    with pidfd(child.pid, PIDFD_NONBLOCK) as p:
        assert not os.get_blocking(p.fileno()) and not os.get_inheritable(p.fileno())


@pytest.mark.needs_kernel("pidfd_open")
def test_close_closes_once_and_then_every_use_is_a_value_error(child):
    p = pidfd(child.pid)
    fd = p.fileno()
    assert repr(p) == "<pyglibc.pidfd pid=%d fd=%d>" % (child.pid, fd)
    p.close()
    assert p.closed and not fd_is_open(fd)
    p.close()
    assert repr(p) == "<pyglibc.pidfd pid=%d closed>" % child.pid
    for use in (p.fileno, p.poll, p.wait, p.kill, lambda: p.send_signal(0), lambda: p.getfd(0)):
        with pytest.raises(ValueError, match="^I/O operation on closed pidfd$"):
            use()
    with pytest.raises(ValueError):
        with p:
            pass


@pytest.mark.needs_kernel("pidfd_open")
def test_with_closes_it_and_so_does_the_finalizer(child):
    with pidfd(child.pid) as p:
        fd = p.fileno()
    assert p.closed and not fd_is_open(fd)
    p = pidfd(child.pid)
    fd = p.fileno()
    del p
    gc.collect()
    assert not fd_is_open(fd)


@pytest.mark.needs_kernel("pidfd_open")
def test_a_reaped_process_cannot_be_opened(spawn):
    gone = spawn()
    gone.reap()
    with pytest.raises(ProcessLookupError, match="^.*pidfd_open: no process has this pid"):
        pidfd(gone.pid)


@pytest.mark.parametrize("args, message", [
    (("1",), r"^pidfd: pid must be an int, not str$"),
    ((1, None), r"^pidfd: flags must be an int, not NoneType$"),
])
def test_arguments_of_the_wrong_type_are_type_errors(args, message):
    with pytest.raises(TypeError, match=message):
        pidfd(*args)


@pytest.mark.needs_kernel("pidfd_open")
def test_a_bad_pid_is_einval(raises_errno):
    with raises_errno("pidfd_open", "EINVAL"):
        pidfd(0)


# -- waiting ----------------------------------------------------------------------------------


@pytest.mark.needs_kernel("pidfd_open")
def test_wait_reaps_the_child_and_decodes_its_exit(child):
    with pidfd(child.pid) as p:
        assert p.returncode is None
        child.exit(3)
        result = p.wait()
        child.reaped = True
        assert result == (child.pid, os.getuid(), signal.SIGCHLD, 3, CLD_EXITED)
        assert (result.si_pid, result.si_status, result.si_code) == (child.pid, 3, CLD_EXITED)
        assert result.returncode == p.returncode == 3
        assert p.wait() is result and p.poll() is result  # as Popen, the same again
    assert not os.path.exists("/proc/%d" % child.pid)


@pytest.mark.needs_kernel("pidfd_open", "pidfd_send_signal")
def test_a_kill_gives_a_negative_returncode(child):
    with pidfd(child.pid) as p:
        p.kill()
        result = p.wait()
        child.reaped = True
    assert (result.si_code, result.si_status, result.returncode) == \
        (CLD_KILLED, signal.SIGKILL, -signal.SIGKILL)


@pytest.mark.needs_kernel("pidfd_open", "pidfd_send_signal")
def test_terminate_sends_sigterm(child):
    with pidfd(child.pid) as p:
        p.terminate()
        assert p.wait().returncode == -signal.SIGTERM
        child.reaped = True


@pytest.mark.needs_kernel("pidfd_open")
def test_the_result_is_what_the_standard_library_reads(child):
    with pidfd(child.pid) as p:
        child.exit(42)
        ours = p.wait(WEXITED | WNOWAIT)  # leaves it for os.waitpid
        assert p.returncode is None
        pid, status = os.waitpid(child.pid, 0)
        child.reaped = True
    assert (ours.si_pid, ours.returncode) == (pid, os.waitstatus_to_exitcode(status))
    assert ours._fields == ("si_pid", "si_uid", "si_signo", "si_status", "si_code")


@pytest.mark.needs_kernel("pidfd_open")
def test_poll_is_none_while_it_runs(child):
    with pidfd(child.pid) as p:
        assert p.poll() is None and p.wait(WEXITED | WNOHANG) is None
        child.exit(5)
        assert p.wait().returncode == 5
        child.reaped = True


@pytest.mark.needs_kernel("pidfd_open")
def test_stop_and_continue_are_reported_without_a_returncode(child):
    with pidfd(child.pid) as p:
        os.kill(child.pid, signal.SIGSTOP)
        stopped = p.wait(WSTOPPED)
        assert (stopped.si_code, stopped.si_status, stopped.returncode) == \
            (CLD_STOPPED, signal.SIGSTOP, None)
        os.kill(child.pid, signal.SIGCONT)
        assert p.wait(WCONTINUED).si_code == CLD_CONTINUED
        assert p.returncode is None and child.alive()


@pytest.mark.needs_kernel("pidfd_open")
def test_a_timeout_gives_none_then_the_exit_once_it_comes(child):
    with pidfd(child.pid) as p:
        assert p.wait(timeout=0) is None
        assert p.wait(timeout=0.01) is None
        child.exit(6)
        assert p.wait(timeout=10).returncode == 6
        child.reaped = True


@pytest.mark.needs_kernel("pidfd_open")
def test_a_timeout_of_the_wrong_type_is_a_type_error(child):
    with pidfd(child.pid) as p:
        with pytest.raises(TypeError, match="^pidfd.wait: timeout must be a number"):
            p.wait(timeout="1")


@pytest.mark.needs_kernel("pidfd_open")
def test_a_nan_timeout_is_a_value_error_as_in_the_standard_library(child):
    with pytest.raises(ValueError):
        time.sleep(math.nan)  # and, on CPython, select.select, signal.sigtimedwait, ...
    with pidfd(child.pid) as p:
        with pytest.raises(ValueError, match="^pidfd.wait: timeout must be a number of "
                                             "seconds, not nan$"):
            p.wait(timeout=math.nan)


@pytest.mark.needs_kernel("pidfd_open")
@pytest.mark.parametrize("timeout", [math.inf, 3e6, 1e300, 10**30])
def test_an_infinite_or_huge_timeout_waits_for_the_end(child, helper, timeout):
    """inf waits without limit, as in signals.wait() and sigwait(); so does a finite timeout
    longer than poll(2)'s int of milliseconds (24.8 days), in several polls."""
    def end_the_child():
        helper.wait_blocked("poll")
        child.exit(6)

    with pidfd(child.pid) as p:
        helper.start(end_the_child)
        assert p.wait(timeout=timeout).returncode == 6
        child.reaped = True


@pytest.mark.needs_kernel("pidfd_open")
def test_a_negative_timeout_looks_without_waiting(child):
    # As subprocess.Popen.wait(timeout=-1) looks once.
    with pidfd(child.pid) as p:
        assert p.wait(timeout=-1) is None
        assert p.wait(timeout=-math.inf) is None


@pytest.mark.needs_kernel("pidfd_open")
def test_a_nonblocking_pidfd_polls_but_does_not_wait(child):
    with pidfd(child.pid, PIDFD_NONBLOCK) as p:
        assert p.poll() is None
        with pytest.raises(BlockingIOError):
            p.wait()
        child.exit(0)
        assert p.wait(timeout=10).returncode == 0
        child.reaped = True


@pytest.mark.needs_kernel("pidfd_open")
def test_waiting_for_a_process_that_is_no_child_is_a_child_process_error():
    with pidfd(os.getpid()) as p:
        with pytest.raises(ChildProcessError):
            p.poll()


@pytest.mark.needs_kernel("pidfd_open")
def test_wait_is_retried_after_a_handler_that_returns(child, on_signal, helper):
    with pidfd(child.pid) as p:
        handled = helper.interrupt_then("waitid", lambda: child.exit(8), on_signal)
        assert p.wait().returncode == 8
        child.reaped = True
    assert handled.is_set()


@pytest.mark.needs_kernel("pidfd_open")
def test_before_linux_5_4_it_waits_by_pid(child, monkeypatch):
    # Simulated: such a kernel refuses P_PIDFD as an unknown idtype.
    real = pyglibc._pidfd._waitid

    def old_kernel(idtype, id, infop, options):
        if idtype == P_PIDFD:
            raise OSError(errno.EINVAL, "waitid: idtype is unknown")
        return real(idtype, id, infop, options)

    monkeypatch.setattr(pyglibc._pidfd, "_waitid", old_kernel)
    monkeypatch.setattr(pyglibc._pidfd, "_idtype", [P_PIDFD])
    with pidfd(child.pid) as p:
        assert p.poll() is None
        child.exit(9)
        assert p.wait().returncode == 9
        child.reaped = True
    assert pyglibc._pidfd._idtype == [glibc.P_PID]


# -- through a selector ----------------------------------------------------------------------


@pytest.mark.needs_kernel("pidfd_open")
def test_an_epoll_selector_sees_the_exit(spawn):
    children = [spawn() for _ in range(3)]
    with EpollSelector() as sel:
        handles = [pidfd(c.pid) for c in children]
        try:
            for code, handle in enumerate(handles, start=10):
                sel.register(handle, EVENT_READ, code)
            assert sel.select(0) == []
            children[1].exit(11)
            [(key, events)] = sel.select(10)
            assert key.fileobj is handles[1] and events == EVENT_READ and key.data == 11
            assert handles[1].poll().returncode == key.data
            children[1].reaped = True
            assert handles[0].poll() is None and handles[2].poll() is None
        finally:
            for handle in handles:
                handle.close()


# -- signals and descriptors --------------------------------------------------------------------


@pytest.mark.needs_kernel("pidfd_open", "pidfd_send_signal")
def test_send_signal_passes_a_siginfo(signal_mask):
    signal_mask(signal.SIGUSR1)
    info = glibc.siginfo_t({"si_signo": signal.SIGUSR1, "si_errno": 77, "si_code": 0})
    with pidfd(os.getpid()) as me, pyglibc.signalfd([signal.SIGUSR1]) as sfd:
        me.send_signal(signal.SIGUSR1, info)
        [got] = sfd.read()
    assert (got.ssi_signo, got.ssi_errno) == (signal.SIGUSR1, 77)


@pytest.mark.needs_kernel("pidfd_open", "pidfd_send_signal")
def test_send_signal_to_a_reaped_process_is_a_process_lookup_error(child):
    with pidfd(child.pid) as p:
        p.kill()
        p.wait()
        child.reaped = True
        with pytest.raises(ProcessLookupError, match="pidfd_send_signal: the process has ended"):
            p.send_signal(0)


@pytest.mark.needs_kernel("pidfd_open", "pidfd_send_signal")
def test_send_signal_of_no_int_is_a_type_error(child):
    with pidfd(child.pid) as p:
        with pytest.raises(TypeError, match="^pidfd.send_signal: sig must be an int"):
            p.send_signal("TERM")


@pytest.mark.needs_kernel("pidfd_open", "pidfd_getfd")
def test_getfd_copies_a_descriptor_of_the_child(spawn, fds):
    r, w = fds.pipe()
    child = spawn()
    os.close(w)
    fds.forget(w)
    with pidfd(child.pid) as p:
        ours = fds(p.getfd(w))
    assert not os.get_inheritable(ours)
    os.write(ours, b"hi")
    assert os.read(r, 2) == b"hi"


@pytest.mark.needs_kernel("pidfd_open", "pidfd_getfd")
def test_getfd_of_a_descriptor_the_child_lacks_is_ebadf(child, raises_errno):
    with pidfd(child.pid) as p:
        with raises_errno("pidfd_getfd", "EBADF"):
            p.getfd(100000)
