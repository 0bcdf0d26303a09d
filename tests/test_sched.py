"""<sched.h>: affinity, scheduling policies, namespaces and the CPU_SET(3) macros.

What would change the test process itself (a namespace, a policy) is done
to a forked child (tests/children.py), and read back through the standard
library's os.sched_* where it has them (PyPy lacks the affinity ones: /proc
tells instead).
"""

import os
import socket

import pytest
from hypothesis import given, settings, strategies as st

import glibc
from children import in_child
from glibc import (
    CLONE_NEWNET,
    CLONE_NEWUTS,
    CLONE_PTRACE,
    CPU_SETSIZE,
    SCHED_BATCH,
    SCHED_FIFO,
    SCHED_IDLE,
    SCHED_OTHER,
    SCHED_RESET_ON_FORK,
    SCHED_RR,
    cpu_set_t,
    ffi,
    getcpu,
    pidfd_open,
    sched_get_priority_max,
    sched_get_priority_min,
    sched_getaffinity,
    sched_getcpu,
    sched_getparam,
    sched_getscheduler,
    sched_param,
    sched_rr_get_interval,
    sched_setaffinity,
    sched_setparam,
    sched_setscheduler,
    sched_yield,
    setns,
    timespec,
    unshare,
)

pytest_plugins = ["children"]  # the spawn fixture

root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (CAP_SYS_ADMIN / CAP_SYS_NICE)")


def cpus_of(mask, setsize=None):
    if setsize is None:
        return {cpu for cpu in range(CPU_SETSIZE) if glibc.CPU_ISSET(cpu, mask)}
    return {cpu for cpu in range(8 * setsize) if glibc.CPU_ISSET_S(cpu, setsize, mask)}


def mask_of(cpus):
    mask = cpu_set_t()
    for cpu in cpus:
        glibc.CPU_SET(cpu, mask)
    return mask


def allowed_cpus(pid="self"):
    """The kernel's own account of a process's affinity (PyPy has no os.sched_getaffinity)."""
    with open("/proc/%s/status" % pid) as f:
        line = next(line for line in f if line.startswith("Cpus_allowed_list:"))
    cpus = set()
    for part in line.split(":", 1)[1].strip().split(","):
        first, _, last = part.partition("-")
        cpus.update(range(int(first), int(last or first) + 1))
    return cpus


def reaped_pid(spawn):
    child = spawn()
    child.reap()
    return child.pid


# -- affinity ------------------------------------------------------------------------------------


def test_sched_getaffinity_agrees_with_proc():
    mask = cpu_set_t()
    assert sched_getaffinity(0, cpu_set_t.size, mask) == 0
    assert cpus_of(mask) == allowed_cpus()


def test_sched_getaffinity_fills_a_larger_set_too():
    setsize = glibc.CPU_ALLOC_SIZE(4 * CPU_SETSIZE)
    masks = cpu_set_t.array(setsize // cpu_set_t.size)
    sched_getaffinity(0, setsize, masks)
    assert cpus_of(masks, setsize) == allowed_cpus()


def test_sched_setaffinity_pins_a_child_to_one_cpu(spawn):
    child = spawn()
    cpu = min(allowed_cpus())
    assert sched_setaffinity(child.pid, cpu_set_t.size, mask_of([cpu])) == 0
    assert allowed_cpus(child.pid) == {cpu}
    mask = cpu_set_t()
    sched_getaffinity(child.pid, cpu_set_t.size, mask)
    assert cpus_of(mask) == {cpu}


def test_sched_setaffinity_of_an_empty_set_is_einval(spawn, raises_errno):
    child = spawn()
    with raises_errno("sched_setaffinity", "EINVAL"):
        sched_setaffinity(child.pid, cpu_set_t.size, cpu_set_t())


def test_sched_getaffinity_of_a_reaped_process_is_esrch(spawn, raises_errno):
    pid = reaped_pid(spawn)
    with raises_errno("sched_getaffinity", "ESRCH"):
        sched_getaffinity(pid, cpu_set_t.size, cpu_set_t())


def test_sched_getaffinity_into_a_size_not_of_whole_words_is_einval(raises_errno):
    # The kernel wants a multiple of sizeof(long) covering every possible CPU.
    with raises_errno("sched_getaffinity", "EINVAL"):
        sched_getaffinity(0, ffi.sizeof("long") - 1, cpu_set_t())


@pytest.mark.parametrize("function", [sched_getaffinity, sched_setaffinity])
def test_a_cpusetsize_past_the_mask_is_refused_before_c_runs(function):
    with pytest.raises(ValueError, match=r"^%s: mask has %d bytes, fewer than cpusetsize %d$"
                       % (function.__name__, cpu_set_t.size, cpu_set_t.size + 1)):
        function(0, cpu_set_t.size + 1, cpu_set_t())


def test_the_mask_must_be_a_cpu_set():
    with pytest.raises(TypeError, match=r"^sched_getaffinity: mask must be a 'cpu_set_t \*'"):
        sched_getaffinity(0, 8, ffi.new("long[16]"))


# -- which CPU ------------------------------------------------------------------------------------


def test_sched_getcpu_is_one_of_the_allowed_cpus():
    assert sched_getcpu() in allowed_cpus()


def _cpu_when_pinned(cpu):
    sched_setaffinity(0, cpu_set_t.size, mask_of([cpu]))
    where = ffi.new("unsigned int *")
    getcpu(where, None)
    return sched_getcpu(), where[0]


def test_a_pinned_thread_runs_on_its_cpu():
    cpu = max(allowed_cpus())
    assert in_child(_cpu_when_pinned, cpu) == (cpu, cpu)


def test_sched_getcpu_takes_no_argument():
    # Its only error, ENOSYS, needs a kernel older than 2.6.19 (and glibc
    # reads the CPU from rseq or the vDSO): the call cannot fail here.
    with pytest.raises(TypeError):
        sched_getcpu(0)


def test_getcpu_gives_the_cpu_and_its_node():
    cpu, node = ffi.new("unsigned int *"), ffi.new("unsigned int *")
    assert getcpu(cpu, node) == 0
    assert cpu[0] in allowed_cpus()
    assert os.path.isdir("/sys/devices/system/node/node%d" % node[0]) or node[0] == 0
    assert getcpu(None, None) == 0


def test_getcpu_refuses_a_pointer_of_the_wrong_type():
    # EFAULT, its one error, is what the wrapper's pointer check prevents.
    with pytest.raises(TypeError, match=r"^getcpu: cpu must be a 'unsigned int \*'"):
        getcpu(ffi.new("int *"), None)


def test_sched_yield_returns_0_and_takes_no_argument():
    assert sched_yield() == 0
    with pytest.raises(TypeError):
        sched_yield(0)


# -- policies and priorities -------------------------------------------------------------------


@pytest.mark.parametrize("policy", [SCHED_OTHER, SCHED_BATCH, SCHED_IDLE, SCHED_FIFO, SCHED_RR])
def test_priority_ranges_agree_with_the_standard_library(policy):
    assert sched_get_priority_min(policy) == os.sched_get_priority_min(policy)
    assert sched_get_priority_max(policy) == os.sched_get_priority_max(policy)


@pytest.mark.parametrize("function", [sched_get_priority_min, sched_get_priority_max])
def test_a_priority_range_of_no_policy_is_einval(function, raises_errno):
    with raises_errno(function.__name__, "EINVAL"):
        function(-1)


def test_sched_getscheduler_of_this_process():
    assert sched_getscheduler(0) == os.sched_getscheduler(0)


@pytest.mark.parametrize("policy", [SCHED_BATCH, SCHED_IDLE])
def test_sched_setscheduler_changes_a_childs_policy(spawn, policy):
    child = spawn()
    assert sched_setscheduler(child.pid, policy, sched_param()) == 0
    assert sched_getscheduler(child.pid) == os.sched_getscheduler(child.pid) == policy


def test_sched_reset_on_fork_is_reported_with_the_policy(spawn):
    child = spawn()
    sched_setscheduler(child.pid, SCHED_BATCH | SCHED_RESET_ON_FORK, sched_param())
    assert sched_getscheduler(child.pid) == SCHED_BATCH | SCHED_RESET_ON_FORK


@root
def test_a_real_time_policy_and_its_priority(spawn):
    child = spawn()
    sched_setscheduler(child.pid, SCHED_RR, sched_param({"sched_priority": 3}))
    param = sched_param()
    sched_getparam(child.pid, param)
    assert (sched_getscheduler(child.pid), param.sched_priority) == (SCHED_RR, 3)
    assert sched_setparam(child.pid, sched_param({"sched_priority": 5})) == 0
    assert os.sched_getparam(child.pid).sched_priority == 5
    interval = timespec()
    assert sched_rr_get_interval(child.pid, interval) == 0
    assert interval.tv_sec + interval.tv_nsec / 1e9 == os.sched_rr_get_interval(child.pid) > 0


def test_sched_setscheduler_of_an_unknown_policy_is_einval(spawn, raises_errno):
    child = spawn()
    with raises_errno("sched_setscheduler", "EINVAL"):
        sched_setscheduler(child.pid, 12345, sched_param())


def test_a_priority_under_sched_other_is_einval(spawn, raises_errno):
    child = spawn()
    with raises_errno("sched_setparam", "EINVAL"):
        sched_setparam(child.pid, sched_param({"sched_priority": 1}))


def test_sched_getparam_reads_priority_0_under_sched_other():
    param = sched_param({"sched_priority": 42})
    assert sched_getparam(0, param) == 0
    assert param.sched_priority == os.sched_getparam(0).sched_priority == 0


@pytest.mark.parametrize("name, call", [
    ("sched_getscheduler", lambda pid: sched_getscheduler(pid)),
    ("sched_getparam", lambda pid: sched_getparam(pid, sched_param())),
    ("sched_rr_get_interval", lambda pid: sched_rr_get_interval(pid, timespec())),
])
def test_a_negative_pid_is_einval_and_a_reaped_one_esrch(spawn, raises_errno, name, call):
    with raises_errno(name, "EINVAL"):
        call(-1)
    pid = reaped_pid(spawn)
    with raises_errno(name, "ESRCH"):
        call(pid)


def test_sched_setscheduler_of_a_reaped_process_is_esrch(spawn, raises_errno):
    pid = reaped_pid(spawn)
    with raises_errno("sched_setscheduler", "ESRCH"):
        sched_setscheduler(pid, SCHED_OTHER, sched_param())


# -- namespaces ------------------------------------------------------------------------------------
# In a forked child: a namespace change stays with the process that made it.


def _own_hostname_then_back():
    original = socket.gethostname()
    with open("/proc/self/ns/uts") as ours:
        unshare(CLONE_NEWUTS)
        socket.sethostname("pyglibc-unshare")
        inside = socket.gethostname()
        setns(ours.fileno(), CLONE_NEWUTS)
    return original, inside, socket.gethostname()


@root
def test_unshare_gives_a_child_its_own_hostname_and_setns_takes_it_back():
    before = socket.gethostname()
    original, inside, back = in_child(_own_hostname_then_back)
    assert (inside, back) == ("pyglibc-unshare", original)
    assert socket.gethostname() == before


def _join_the_parent_through_a_pidfd(parent):
    unshare(CLONE_NEWUTS)
    socket.sethostname("pyglibc-setns")
    pidfd = pidfd_open(parent)
    try:
        setns(pidfd, CLONE_NEWUTS)
    finally:
        os.close(pidfd)
    return socket.gethostname()


@pytest.mark.needs_kernel("pidfd_open")
@root
def test_setns_takes_a_pidfd_and_the_namespaces_it_names():
    assert in_child(_join_the_parent_through_a_pidfd, os.getpid()) == socket.gethostname()


def test_unshare_of_a_flag_it_does_not_take_is_einval(raises_errno):
    # unshare(2) checks its flags first: nothing changes in this process.
    with raises_errno("unshare", "EINVAL"):
        unshare(CLONE_PTRACE)


def test_setns_into_a_namespace_of_another_type_is_einval(raises_errno):
    with open("/proc/self/ns/uts") as uts:
        with raises_errno("setns", "EINVAL"):
            setns(uts.fileno(), CLONE_NEWNET)


def test_setns_of_a_closed_fd_is_ebadf(fds, raises_errno):
    r, w = fds.pipe()
    os.close(w)
    fds.forget(w)
    with raises_errno("setns", "EBADF"):
        setns(w, 0)


def _unshare_without_privilege():
    os.setuid(65534)
    try:
        unshare(CLONE_NEWUTS)
    except PermissionError as exc:
        return exc.strerror
    return None


@root
def test_unshare_without_the_capability_is_eperm():
    # nobody (65534) has no CAP_SYS_ADMIN; a new user namespace would give it one.
    from conftest import ENTRIES

    assert in_child(_unshare_without_privilege) == "unshare: " + ENTRIES["unshare"].errors["EPERM"]


# -- CPU_SET(3) ----------------------------------------------------------------------------------

cpu_sets = st.frozensets(st.integers(0, CPU_SETSIZE - 1), max_size=40)


@settings(max_examples=40, deadline=None, database=None)
@given(cpu_sets, cpu_sets)
def test_cpu_set_macros_hold_a_set_of_cpus(a, b):
    ma, mb, out = mask_of(a), mask_of(b), cpu_set_t()
    assert cpus_of(ma) == a and glibc.CPU_COUNT(ma) == len(a)
    assert glibc.CPU_EQUAL(ma, mb) == (a == b) and glibc.CPU_EQUAL(ma, mask_of(a)) == 1
    glibc.CPU_AND(out, ma, mb)
    assert cpus_of(out) == a & b
    glibc.CPU_OR(out, ma, mb)
    assert cpus_of(out) == a | b
    glibc.CPU_XOR(out, ma, mb)
    assert cpus_of(out) == a ^ b
    for cpu in b:
        glibc.CPU_CLR(cpu, ma)
    assert cpus_of(ma) == a - b
    glibc.CPU_ZERO(ma)
    assert glibc.CPU_COUNT(ma) == 0


big_sets = st.frozensets(st.integers(0, 2 * CPU_SETSIZE - 1), max_size=40)


@settings(max_examples=40, deadline=None, database=None)
@given(big_sets, big_sets)
def test_cpu_set_s_macros_hold_a_set_of_any_size(a, b):
    setsize = glibc.CPU_ALLOC_SIZE(2 * CPU_SETSIZE)
    ma, mb, out = (cpu_set_t.array(2) for _ in range(3))
    for cpu in a:
        glibc.CPU_SET_S(cpu, setsize, ma)
    for cpu in b:
        glibc.CPU_SET_S(cpu, setsize, mb)
    assert cpus_of(ma, setsize) == a and glibc.CPU_COUNT_S(setsize, ma) == len(a)
    assert glibc.CPU_EQUAL_S(setsize, ma, mb) == (a == b)
    glibc.CPU_AND_S(setsize, out, ma, mb)
    assert cpus_of(out, setsize) == a & b
    glibc.CPU_OR_S(setsize, out, ma, mb)
    assert cpus_of(out, setsize) == a | b
    glibc.CPU_XOR_S(setsize, out, ma, mb)
    assert cpus_of(out, setsize) == a ^ b
    for cpu in b:
        glibc.CPU_CLR_S(cpu, setsize, ma)
    assert cpus_of(ma, setsize) == a - b
    glibc.CPU_ZERO_S(setsize, ma)
    assert glibc.CPU_COUNT_S(setsize, ma) == 0


def test_cpu_alloc_size_counts_whole_words():
    word = ffi.sizeof("long")
    assert glibc.CPU_ALLOC_SIZE(CPU_SETSIZE) == cpu_set_t.size
    assert [glibc.CPU_ALLOC_SIZE(n) for n in (1, 8 * word, 8 * word + 1)] == [word, word, 2 * word]


def test_a_cpu_past_the_set_is_ignored_as_in_c():
    mask = cpu_set_t()
    glibc.CPU_SET(CPU_SETSIZE, mask)
    glibc.CPU_SET(-1, mask)
    assert glibc.CPU_COUNT(mask) == 0 and glibc.CPU_ISSET(CPU_SETSIZE, mask) == 0


@pytest.mark.parametrize("name, call", [
    ("CPU_ZERO_S", lambda n, m: glibc.CPU_ZERO_S(n, m)),
    ("CPU_SET_S", lambda n, m: glibc.CPU_SET_S(0, n, m)),
    ("CPU_CLR_S", lambda n, m: glibc.CPU_CLR_S(0, n, m)),
    ("CPU_ISSET_S", lambda n, m: glibc.CPU_ISSET_S(0, n, m)),
    ("CPU_COUNT_S", lambda n, m: glibc.CPU_COUNT_S(n, m)),
    ("CPU_EQUAL_S", lambda n, m: glibc.CPU_EQUAL_S(n, cpu_set_t.array(4), m)),
    ("CPU_AND_S", lambda n, m: glibc.CPU_AND_S(n, cpu_set_t.array(4), cpu_set_t.array(4), m)),
    ("CPU_OR_S", lambda n, m: glibc.CPU_OR_S(n, cpu_set_t.array(4), m, cpu_set_t.array(4))),
    ("CPU_XOR_S", lambda n, m: glibc.CPU_XOR_S(n, m, cpu_set_t.array(4), cpu_set_t.array(4))),
])
def test_a_setsize_past_a_set_is_refused_before_c_runs(name, call):
    setsize = 2 * cpu_set_t.size
    call(setsize, cpu_set_t.array(2))
    with pytest.raises(ValueError, match=r"^%s: \w+ has %d bytes, fewer than setsize %d$"
                       % (name, cpu_set_t.size, setsize)):
        call(setsize, cpu_set_t())


@pytest.mark.parametrize("name, call", [
    ("CPU_ZERO", lambda m: glibc.CPU_ZERO(m)),
    ("CPU_SET", lambda m: glibc.CPU_SET(0, m)),
    ("CPU_CLR", lambda m: glibc.CPU_CLR(0, m)),
    ("CPU_ISSET", lambda m: glibc.CPU_ISSET(0, m)),
    ("CPU_COUNT", lambda m: glibc.CPU_COUNT(m)),
    ("CPU_EQUAL", lambda m: glibc.CPU_EQUAL(cpu_set_t(), m)),
    ("CPU_AND", lambda m: glibc.CPU_AND(m, cpu_set_t(), cpu_set_t())),
    ("CPU_OR", lambda m: glibc.CPU_OR(cpu_set_t(), m, cpu_set_t())),
    ("CPU_XOR", lambda m: glibc.CPU_XOR(cpu_set_t(), cpu_set_t(), m)),
])
def test_the_plain_macros_take_only_a_cpu_set(name, call):
    with pytest.raises(TypeError, match=r"^%s: \w+ must be a 'cpu_set_t \*'" % name):
        call(ffi.new("char[128]"))
    with pytest.raises(TypeError, match=r"^%s: \w+ must not be None" % name):
        call(None)


def test_cpu_alloc_size_refuses_what_is_not_an_int():
    with pytest.raises(TypeError, match="^CPU_ALLOC_SIZE: num_cpus"):
        glibc.CPU_ALLOC_SIZE("8")


def test_a_flag_in_bit_31_reaches_the_kernel_as_c_passes_it(raises_errno):
    # CLONE_IO is 2**31, an int only as INT_MIN: the kernel, not cffi, refuses it here.
    with raises_errno("unshare", "EINVAL"):
        unshare(glibc.CLONE_IO)
