"""pyglibc.prctl: typed prctl(2) attributes, checked against /proc and their effects.

What cannot be undone (no_new_privs) or outlives the test (pdeathsig)
happens in forked children; what can be put back is put back.
"""

import os
import select
import signal
import threading

import pytest

import glibc
from children import in_child
from glibc import PR_GET_PDEATHSIG, PR_SET_PDEATHSIG
from pyglibc import prctl, subreaper


def proc_status(key):
    with open("/proc/self/status") as f:
        for line in f:
            name, _, value = line.partition(":")
            if name == key:
                return value.strip()
    raise LookupError(key)


def comm_path():
    return "/proc/self/task/%d/comm" % threading.get_native_id()


def comm():
    with open(comm_path()) as f:
        return f.read().rstrip("\n")


@pytest.fixture
def thread_name():
    """The thread's name is put back (through /proc, not prctl) at the end."""
    original = comm()
    yield original
    with open(comm_path(), "w") as f:
        f.write(original)


# -- name ------------------------------------------------------------------------

def test_name_is_what_proc_shows(thread_name):
    assert prctl.name == thread_name


def test_setting_the_name_renames_the_thread(thread_name):
    prctl.name = "worker-1"
    assert comm() == prctl.name == "worker-1"
    prctl.name = b"worker-2"
    assert comm() == prctl.name == "worker-2"


def test_fifteen_bytes_fit(thread_name):
    prctl.name = "x" * 15
    assert comm() == "x" * 15


def test_the_name_is_per_thread(thread_name):
    seen = []

    def other():
        prctl.name = "other-thread"
        seen.append(prctl.name)

    t = threading.Thread(target=other)
    t.start()
    t.join()
    assert seen == ["other-thread"]
    assert prctl.name == thread_name


@pytest.mark.parametrize("name, size", [("sixteen-bytes-xx", 16), ("é" * 8, 16)])
def test_a_name_longer_than_fifteen_bytes_is_a_value_error(thread_name, name, size):
    with pytest.raises(ValueError, match=r"prctl.name: .* is %d bytes; a thread name holds at "
                                         r"most 15" % size):
        prctl.name = name
    assert comm() == thread_name


def test_a_name_with_a_nul_or_of_another_type_is_refused(thread_name):
    with pytest.raises(ValueError, match="NUL"):
        prctl.name = "a\0b"
    with pytest.raises(TypeError, match="prctl.name must be str or bytes, not int"):
        prctl.name = 5
    assert comm() == thread_name


# -- pdeathsig -------------------------------------------------------------------

def pdeathsig_steps():
    steps = [prctl.pdeathsig]
    prctl.pdeathsig = signal.SIGUSR2
    steps.append(prctl.pdeathsig)
    value = glibc.ffi.new("int *")
    glibc.prctl(PR_GET_PDEATHSIG, value)
    steps.append(value[0])
    prctl.pdeathsig = signal.SIGRTMIN + 1
    steps.append(prctl.pdeathsig)
    prctl.pdeathsig = None
    steps.append(prctl.pdeathsig)
    return steps


def test_pdeathsig_reads_what_it_set():
    steps = in_child(pdeathsig_steps)
    assert steps == [None, signal.SIGUSR2, signal.SIGUSR2, signal.SIGRTMIN + 1, None]
    assert type(steps[1]) is signal.Signals


def test_the_child_gets_pdeathsig_when_its_parent_ends():
    # parent -> child -> grandchild: the grandchild asks for SIGTERM when the
    # child ends; we are its subreaper, so it is reparented to us and reaped.
    ready_r, ready_w = os.pipe()
    hold_r, hold_w = os.pipe()
    with subreaper:
        child = os.fork()
        if child == 0:
            try:
                if os.fork() == 0:
                    prctl.pdeathsig = signal.SIGTERM
                    os.write(ready_w, b"r")
                    # Dies here of SIGTERM; exits 0 if no signal came within 10 s.
                    select.select([hold_r], [], [], 10)
                    os._exit(0)
                os.read(ready_r, 1)
            finally:
                os._exit(0)
        os.close(ready_w)
        os.close(ready_r)
        os.waitpid(child, 0)
        grandchild, status = os.wait()
    os.close(hold_r)
    os.close(hold_w)
    assert grandchild != child
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGTERM


def test_pdeathsig_refuses_what_is_not_a_signal():
    before = prctl.pdeathsig
    with pytest.raises(ValueError, match="prctl.pdeathsig: 4096 is not a valid signal number"):
        prctl.pdeathsig = 4096
    with pytest.raises(TypeError, match="prctl.pdeathsig"):
        prctl.pdeathsig = "SIGTERM"
    assert prctl.pdeathsig == before


# -- no_new_privs ----------------------------------------------------------------

def set_no_new_privs():
    before = (prctl.no_new_privs, proc_status("NoNewPrivs"))
    if not before[0]:
        prctl.no_new_privs = False  # while unset: nothing to do
    prctl.no_new_privs = True
    after = (prctl.no_new_privs, proc_status("NoNewPrivs"))
    try:
        prctl.no_new_privs = False
    except ValueError as exc:
        return before, after, str(exc), prctl.no_new_privs
    return before, after, None, prctl.no_new_privs


def test_no_new_privs_can_be_set_and_never_unset():
    # Already set when the suite runs under a seccomp filter (tools/old_kernel.py).
    start = prctl.no_new_privs
    before, after, refused, still = in_child(set_no_new_privs)
    assert before == (start, str(int(start)))
    assert after == (True, "1")
    assert refused == "prctl.no_new_privs: once set, no_new_privs cannot be unset"
    assert still is True
    assert prctl.no_new_privs is start  # the test process is untouched


def test_no_new_privs_wants_a_bool():
    with pytest.raises(TypeError, match="prctl.no_new_privs must be a bool, not str"):
        prctl.no_new_privs = "yes"


# -- dumpable --------------------------------------------------------------------

@pytest.fixture
def dumpable():
    before = prctl.dumpable
    yield before
    prctl.dumpable = before


def test_dumpable_round_trip(dumpable):
    prctl.dumpable = False
    assert prctl.dumpable is False
    assert glibc.prctl(glibc.PR_GET_DUMPABLE) == 0
    prctl.dumpable = True
    assert prctl.dumpable is True


def proc_owner_as_nobody():
    os.setuid(65534)
    owners = []
    for value in (True, False):
        prctl.dumpable = value
        owners.append((prctl.dumpable, os.stat("/proc/self/status").st_uid))
    return owners


@pytest.mark.skipif(os.getuid() != 0, reason="needs root to become another user")
def test_the_proc_files_of_a_process_that_is_not_dumpable_belong_to_root():
    # proc(5): they belong to the process's user only while it is dumpable.
    assert in_child(proc_owner_as_nobody) == [(True, 65534), (False, 0)]


def test_dumpable_wants_a_bool(dumpable):
    with pytest.raises(TypeError, match="prctl.dumpable must be a bool, not NoneType"):
        prctl.dumpable = None


# -- timerslack ------------------------------------------------------------------

@pytest.fixture
def timerslack():
    before = prctl.timerslack
    yield before
    prctl.timerslack = before


def proc_timerslack():
    # /proc/<tid> reaches any thread, though only processes are listed.
    with open("/proc/%d/timerslack_ns" % threading.get_native_id()) as f:
        return int(f.read())


def test_timerslack_is_what_proc_shows(timerslack):
    assert timerslack == proc_timerslack()
    prctl.timerslack = 1_000_000
    assert prctl.timerslack == proc_timerslack() == 1_000_000


def test_timerslack_0_restores_the_default(timerslack):
    prctl.timerslack = timerslack + 12345
    prctl.timerslack = 0
    assert prctl.timerslack == timerslack


def test_timerslack_out_of_range_is_a_value_error(timerslack):
    with pytest.raises(ValueError, match=r"prctl.timerslack must be in 0..2147483647 nanoseconds, "
                                         r"not -1"):
        prctl.timerslack = -1
    with pytest.raises(ValueError, match="not 2147483648"):
        prctl.timerslack = 2**31
    assert prctl.timerslack == timerslack


# -- child_subreaper -------------------------------------------------------------

def test_child_subreaper_is_the_subreaper_flag():
    before = subreaper.enabled
    try:
        prctl.child_subreaper = True
        assert subreaper.enabled is prctl.child_subreaper is True
        prctl.child_subreaper = False
        assert subreaper.enabled is prctl.child_subreaper is False
    finally:
        subreaper.enabled = before


def test_repr_shows_the_attributes(thread_name):
    prctl.name = "repr-test"
    assert repr(prctl).startswith("<pyglibc.prctl name='repr-test' pdeathsig=")


def test_setting_pdeathsig_goes_to_the_kernel():
    # Through the low-level binding too, so the two layers agree.
    def steps():
        glibc.prctl(PR_SET_PDEATHSIG, signal.SIGHUP)
        return prctl.pdeathsig
    assert in_child(steps) == signal.SIGHUP
