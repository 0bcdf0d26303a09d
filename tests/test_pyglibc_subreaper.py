"""pyglibc.subreaper: PR_SET_CHILD_SUBREAPER (prctl(2)) as a property and a ``with`` block.

The orphan tests fork a child that forks a grandchild and exits at once:
under a subreaper the grandchild is reparented to us, and we reap it.
"""

import errno
import os
import time

import pytest

import glibc
import pyglibc._subreaper
from glibc import PR_GET_CHILD_SUBREAPER, PR_SET_CHILD_SUBREAPER
from pyglibc import pipe, subreaper


def kernel_flag():
    value = glibc.ffi.new("int *")
    glibc.prctl(PR_GET_CHILD_SUBREAPER, value)
    return value[0]


@pytest.fixture
def not_a_subreaper():
    """The test starts with the flag off, and the flag is put back as it was."""
    before = kernel_flag()
    glibc.prctl(PR_SET_CHILD_SUBREAPER, 0)
    yield
    glibc.prctl(PR_SET_CHILD_SUBREAPER, before)


def test_the_flag_starts_off(not_a_subreaper):
    assert subreaper.enabled is False
    assert subreaper.status == subreaper.SR_DISABLED
    assert subreaper.status_name == "disabled"
    assert repr(subreaper) == "<pyglibc.subreaper disabled>"


def test_setting_enabled_sets_the_kernel_flag(not_a_subreaper):
    subreaper.enabled = True
    assert kernel_flag() == 1
    assert subreaper.enabled is True
    assert (subreaper.status, subreaper.status_name) == (subreaper.SR_ENABLED, "enabled")
    subreaper.enabled = False
    assert kernel_flag() == 0


def test_enabled_reads_the_kernel_each_time(not_a_subreaper):
    glibc.prctl(PR_SET_CHILD_SUBREAPER, 1)
    assert subreaper.enabled is True
    glibc.prctl(PR_SET_CHILD_SUBREAPER, 0)
    assert subreaper.enabled is False


def test_with_enables_and_restores(not_a_subreaper):
    with subreaper as sr:
        assert sr is subreaper
        assert kernel_flag() == 1
    assert kernel_flag() == 0


def test_with_restores_when_the_block_raises(not_a_subreaper):
    with pytest.raises(KeyError):
        with subreaper:
            raise KeyError("out")
    assert kernel_flag() == 0


def test_nested_withs_restore_the_value_each_found(not_a_subreaper):
    with subreaper:
        with subreaper:
            assert kernel_flag() == 1
        assert kernel_flag() == 1
    assert kernel_flag() == 0


def test_with_keeps_a_flag_that_was_already_on(not_a_subreaper):
    subreaper.enabled = True
    with subreaper:
        pass
    assert kernel_flag() == 1


@pytest.mark.parametrize("value", [None, "yes", 1.0])
def test_enabled_of_the_wrong_type_is_a_type_error(not_a_subreaper, value):
    with pytest.raises(TypeError, match=r"^subreaper.enabled must be a bool"):
        subreaper.enabled = value
    assert kernel_flag() == 0


# -- orphans ---------------------------------------------------------------------------------


def orphan_a_grandchild():
    """Fork a child that forks a grandchild and exits; return (grandchild pid, its new ppid).

    The grandchild waits until its parent is gone, reports its pid and the
    ppid it then has through a pipe, and exits.  It gives up waiting after
    10 s, so the test cannot hang.
    """
    r, w = pipe()
    try:
        child = os.fork()
        if child == 0:
            try:
                os.close(r)
                me = os.getpid()
                if os.fork() == 0:
                    deadline = time.monotonic() + 10
                    while os.getppid() == me and time.monotonic() < deadline:
                        time.sleep(0.001)
                    os.write(w, b"%d %d" % (os.getpid(), os.getppid()))
            finally:
                os._exit(0)
        os.close(w)
        w = -1
        _, status = os.waitpid(child, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        report = b""
        while True:  # until every end of w is closed: the grandchild has exited
            chunk = os.read(r, 64)
            if not chunk:
                break
            report += chunk
    finally:
        os.close(r)
        if w >= 0:
            os.close(w)
    pid, ppid = map(int, report.split())
    return pid, ppid


def parent_in_proc(pid):
    with open("/proc/%d/stat" % pid) as f:
        # "pid (comm) state ppid ...": comm may hold spaces, so split after its ')'.
        return int(f.read().rsplit(")", 1)[1].split()[1])


def test_an_orphan_is_reparented_to_the_subreaper_which_reaps_it(not_a_subreaper):
    with subreaper:
        grandchild, its_parent = orphan_a_grandchild()
        assert its_parent == os.getpid()
        assert parent_in_proc(grandchild) == os.getpid()  # a zombie that waits for us
        reaped, status = os.waitpid(grandchild, 0)
    assert reaped == grandchild and status == 0
    with pytest.raises(ChildProcessError):
        os.waitpid(grandchild, os.WNOHANG)
    assert not os.path.exists("/proc/%d" % grandchild)


def test_without_the_flag_the_orphan_goes_elsewhere(not_a_subreaper):
    grandchild, its_parent = orphan_a_grandchild()
    assert its_parent != os.getpid()
    with pytest.raises(ChildProcessError):
        os.waitpid(grandchild, os.WNOHANG)


def test_fork_clears_the_flag_in_the_child(not_a_subreaper):
    r, w = pipe()
    with subreaper:
        pid = os.fork()
        if pid == 0:
            try:
                os.write(w, b"1" if subreaper.enabled else b"0")
            finally:
                os._exit(0)
        os.close(w)
        os.waitpid(pid, 0)
        seen = os.read(r, 1)
        os.close(r)
    assert seen == b"0"


# -- kernels without the flag (Linux < 3.4), simulated ------------------------------------------


@pytest.fixture
def unsupported(monkeypatch, not_a_subreaper):
    def prctl(option, arg2=0, arg3=0, arg4=0, arg5=0):
        raise OSError(errno.EINVAL, "prctl: option is unknown")

    monkeypatch.setattr(pyglibc._subreaper, "_prctl", prctl)


def test_unsupported_reads_as_disabled(unsupported):
    assert subreaper.status == subreaper.SR_UNSUPPORTED
    assert subreaper.status_name == "unsupported"
    assert subreaper.enabled is False


def test_unsupported_refuses_to_enable_but_may_disable(unsupported):
    with pytest.raises(ValueError, match="PR_SET_CHILD_SUBREAPER"):
        subreaper.enabled = True
    subreaper.enabled = False
    with pytest.raises(ValueError):
        with subreaper:
            pass
