"""wait(2): wait, waitpid and waitid with real children (tests/children.py reaps them all)."""

import os
import signal
import threading

import pytest

import glibc.families.wait
from children import in_child
from glibc import (
    __WALL,
    __WCLONE,
    __WNOTHREAD,
    CLD_CONTINUED,
    CLD_EXITED,
    CLD_KILLED,
    CLD_STOPPED,
    P_ALL,
    P_PGID,
    P_PID,
    P_PIDFD,
    PIDFD_NONBLOCK,
    WCONTINUED,
    WEXITED,
    WNOHANG,
    WNOWAIT,
    WSTOPPED,
    WUNTRACED,
    ffi,
    pidfd_open,
    siginfo_t,
    wait,
    waitid,
    waitpid,
)

pytest_plugins = ["children"]  # the spawn fixture

_ENTRIES = {f.name: f for f in glibc.families.wait.FAMILY.functions}


def child_fields(info):
    """(si_pid, si_uid, si_status) of a siginfo_t that waitid filled."""
    return info.si_pid, info.si_uid, info.si_status


def new_status():
    return ffi.new("int *")


# -- waitpid ------------------------------------------------------------------------------------


def test_waitpid_returns_the_pid_and_the_exit_status(spawn):
    child = spawn()
    child.exit(3)
    status = new_status()
    assert waitpid(child.pid, status, 0) == child.pid
    assert os.WIFEXITED(status[0]) and os.WEXITSTATUS(status[0]) == 3


def test_waitpid_with_wnohang_returns_0_while_the_child_runs(spawn):
    child = spawn()
    assert waitpid(child.pid, None, WNOHANG) == 0
    assert child.alive()


def test_waitpid_takes_none_for_the_status(spawn):
    child = spawn()
    child.release()
    assert waitpid(child.pid, None, 0) == child.pid
    assert not child.alive() and not os.path.exists("/proc/%d" % child.pid)


def test_waitpid_reports_a_kill(spawn):
    child = spawn()
    os.kill(child.pid, signal.SIGKILL)
    status = new_status()
    assert waitpid(child.pid, status, 0) == child.pid
    assert os.WIFSIGNALED(status[0]) and os.WTERMSIG(status[0]) == signal.SIGKILL


def test_wuntraced_reports_a_stop_and_wcontinued_the_continue(spawn):
    child = spawn()
    status = new_status()
    os.kill(child.pid, signal.SIGSTOP)
    assert waitpid(child.pid, status, WUNTRACED) == child.pid
    assert os.WIFSTOPPED(status[0]) and os.WSTOPSIG(status[0]) == signal.SIGSTOP
    os.kill(child.pid, signal.SIGCONT)
    assert waitpid(child.pid, status, WCONTINUED) == child.pid
    assert os.WIFCONTINUED(status[0])
    assert child.alive()


def test_wall_waits_for_a_plain_child_and_wclone_does_not(spawn, raises_errno):
    # __WCLONE: only children whose exit signal is not SIGCHLD; fork(2)'s is.
    child = spawn()
    child.release()
    with raises_errno("waitpid", "ECHILD"):
        waitpid(child.pid, None, __WCLONE)
    assert waitpid(child.pid, None, __WALL) == child.pid


def test_wnothread_ignores_the_children_of_other_threads(watchdog):
    # The forking thread stays alive until the end: when a thread ends, the
    # kernel hands its children to another thread of the process.
    forked, done = [], threading.Event()

    def fork_and_stay():
        forked.append(os.fork() or os._exit(0))
        done.wait(10)

    thread = threading.Thread(target=fork_and_stay)
    thread.start()
    try:
        while not forked and thread.is_alive():
            thread.join(0.001)
        [pid] = forked
        try:
            with pytest.raises(ChildProcessError):
                waitpid(pid, None, __WNOTHREAD)
        finally:
            assert waitpid(pid, None, 0) == pid
    finally:
        done.set()
        thread.join()


def test_waitpid_of_a_process_that_is_no_child_is_echild(raises_errno):
    with raises_errno("waitpid", "ECHILD"):
        waitpid(os.getpid(), None, WNOHANG)


def test_waitpid_of_an_unknown_option_is_einval(spawn, raises_errno):
    child = spawn()
    with raises_errno("waitpid", "EINVAL"):
        waitpid(child.pid, None, WNOHANG | 1 << 20)


def test_waitpid_of_int_min_is_esrch(raises_errno):
    with raises_errno("waitpid", "ESRCH"):
        waitpid(-2**31, None, WNOHANG)


def test_waitpid_is_retried_after_a_handler_that_returns(spawn, on_signal, helper):
    # PEP 475.  glibc's waitpid is the wait4 system call.
    child = spawn()
    handled = helper.interrupt_then("wait4", lambda: child.exit(4), on_signal)
    status = new_status()
    assert waitpid(child.pid, status, 0) == child.pid
    assert handled.is_set() and os.WEXITSTATUS(status[0]) == 4


# -- wait ---------------------------------------------------------------------------------------
# In a forked child: wait() takes any child, and the test process may have others.


def _wait_for_two_children():
    first = os.fork() or os._exit(5)
    second = os.fork() or os._exit(6)
    status = new_status()
    seen = {}
    for _ in range(2):
        pid = wait(status)
        seen[pid] = os.WEXITSTATUS(status[0])
    try:
        wait(None)
    except OSError as exc:
        return seen == {first: 5, second: 6}, exc.errno, exc.strerror
    return seen, None, None


def test_wait_takes_each_child_once_then_is_echild():
    matched, number, message = in_child(_wait_for_two_children)
    assert matched
    assert number == __import__("errno").ECHILD
    assert message == "wait: " + _ENTRIES["wait"].errors["ECHILD"]


# -- waitid -------------------------------------------------------------------------------------


def test_waitid_fills_siginfo_for_an_exit(spawn):
    child = spawn()
    child.exit(7)
    info = siginfo_t()
    assert waitid(P_PID, child.pid, info, WEXITED) == 0
    assert (info.si_signo, info.si_code) == (signal.SIGCHLD, CLD_EXITED)
    assert child_fields(info) == (child.pid, os.getuid(), 7)


def test_waitid_reports_a_kill_with_the_signal_as_status(spawn):
    child = spawn()
    os.kill(child.pid, signal.SIGTERM)
    info = siginfo_t()
    waitid(P_PID, child.pid, info, WEXITED)
    assert info.si_code == CLD_KILLED
    assert child_fields(info) == (child.pid, os.getuid(), signal.SIGTERM)


def test_waitid_with_wnowait_leaves_the_child_to_the_standard_library(spawn):
    child = spawn()
    child.exit(9)
    info = siginfo_t()
    waitid(P_PID, child.pid, info, WEXITED | WNOWAIT)
    assert (info.si_signo, info.si_code) == (signal.SIGCHLD, CLD_EXITED)
    pid, status = os.waitpid(child.pid, 0)
    assert child_fields(info) == (pid, os.getuid(), os.WEXITSTATUS(status))


def test_waitid_with_wnohang_leaves_si_signo_0_while_the_child_runs(spawn):
    child = spawn()
    info = siginfo_t()
    assert waitid(P_PID, child.pid, info, WEXITED | WNOHANG) == 0
    assert info.si_signo == 0 and child_fields(info)[0] == 0


def test_waitid_sees_a_stop_and_a_continue(spawn):
    child = spawn()
    info = siginfo_t()
    os.kill(child.pid, signal.SIGSTOP)
    waitid(P_PID, child.pid, info, WSTOPPED)
    assert info.si_code == CLD_STOPPED and child_fields(info)[2] == signal.SIGSTOP
    os.kill(child.pid, signal.SIGCONT)
    waitid(P_PID, child.pid, info, WCONTINUED)
    assert info.si_code == CLD_CONTINUED and child_fields(info)[2] == signal.SIGCONT


@pytest.mark.needs_kernel("pidfd_open")
def test_waitid_takes_a_pidfd(spawn, fds):
    child = spawn()
    pidfd = fds(pidfd_open(child.pid))
    child.exit(11)
    info = siginfo_t()
    waitid(P_PIDFD, pidfd, info, WEXITED)
    assert info.si_code == CLD_EXITED and child_fields(info) == (child.pid, os.getuid(), 11)


@pytest.mark.needs_kernel("pidfd_open")
def test_waitid_on_a_nonblocking_pidfd_is_eagain_while_the_child_runs(spawn, fds, raises_errno):
    child = spawn()
    pidfd = fds(pidfd_open(child.pid, PIDFD_NONBLOCK))
    with raises_errno("waitid", "EAGAIN") as info:
        waitid(P_PIDFD, pidfd, siginfo_t(), WEXITED)
    assert isinstance(info.value, BlockingIOError)


def test_waitid_takes_a_process_group(spawn):
    child = spawn()
    os.setpgid(child.pid, child.pid)
    child.exit(12)
    info = siginfo_t()
    waitid(P_PGID, child.pid, info, WEXITED)
    assert child_fields(info) == (child.pid, os.getuid(), 12)


def _wait_for_any():
    pid = os.fork() or os._exit(13)
    info = siginfo_t()
    waitid(P_ALL, 0, info, WEXITED)
    return child_fields(info) == (pid, os.getuid(), 13)


def test_waitid_p_all_takes_any_child():
    assert in_child(_wait_for_any)


def test_waitid_of_a_process_that_is_no_child_is_echild(raises_errno):
    with raises_errno("waitid", "ECHILD"):
        waitid(P_PID, os.getpid(), siginfo_t(), WEXITED | WNOHANG)


def test_waitid_without_a_state_to_wait_for_is_einval(spawn, raises_errno):
    child = spawn()
    with raises_errno("waitid", "EINVAL"):
        waitid(P_PID, child.pid, siginfo_t(), WNOHANG)


def test_waitid_of_a_pidfd_that_is_not_one_is_ebadf(fds, raises_errno):
    r, _ = fds.pipe()
    with raises_errno("waitid", "EBADF"):
        waitid(P_PIDFD, r, siginfo_t(), WEXITED | WNOHANG)


def test_waitid_needs_a_siginfo(spawn):
    child = spawn()
    with pytest.raises(TypeError, match="^waitid: infop must not be None"):
        waitid(P_PID, child.pid, None, WEXITED)


def test_waitid_is_retried_after_a_handler_that_returns(spawn, on_signal, helper):
    child = spawn()
    handled = helper.interrupt_then("waitid", lambda: child.exit(14), on_signal)
    info = siginfo_t()
    waitid(P_PID, child.pid, info, WEXITED)
    assert handled.is_set() and child_fields(info)[2] == 14
