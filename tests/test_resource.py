"""getrlimit(2), getrusage(2), getpriority(2), nice(2): checked against the stdlib and /proc.

A hard limit an unprivileged caller lowers cannot be raised again, and a
nice value cannot be lowered without CAP_SYS_NICE: tests that change them
run in a forked child (tests/in_child.py).
"""

import errno
import mmap
import os
import resource

import pytest

import capkit
import glibc
from children import in_child
from glibc import (
    CAP_SYS_NICE,
    CAP_SYS_RESOURCE,
    PRIO_PGRP,
    PRIO_PROCESS,
    PRIO_USER,
    RLIM_INFINITY,
    RLIMIT_CORE,
    RLIMIT_NICE,
    RLIMIT_NOFILE,
    RUSAGE_CHILDREN,
    RUSAGE_SELF,
    RUSAGE_THREAD,
    getpriority,
    getrlimit,
    getrlimit64,
    getrusage,
    nice,
    prlimit,
    prlimit64,
    rlimit,
    rlimit64,
    rusage,
    setpriority,
    setrlimit,
    setrlimit64,
)

pytest_plugins = ["children"]  # the sleeper fixture

LIMITS = sorted(name for name in dir(resource) if name.startswith("RLIMIT_"))


def stdlib_limits(resource_number, pid=0):
    """resource.prlimit's (soft, hard), with its -1 for "no limit" spelled RLIM_INFINITY."""
    return tuple(RLIM_INFINITY if v == resource.RLIM_INFINITY else v
                 for v in resource.prlimit(pid, resource_number))


def no_such_pid():
    # Process IDs are below pid_max (proc(5)), so this one names no process.
    with open("/proc/sys/kernel/pid_max") as f:
        return int(f.read())


def proc_limit(pid, title):
    """(soft, hard) of the line of /proc/<pid>/limits that starts with title."""
    with open("/proc/%d/limits" % pid) as f:
        for line in f:
            if line.startswith(title):
                soft, hard = line[len(title):].split()[:2]
                return tuple(RLIM_INFINITY if v == "unlimited" else int(v) for v in (soft, hard))
    raise LookupError(title)


# -- limits --------------------------------------------------------------------------

@pytest.mark.parametrize("name", LIMITS)
def test_getrlimit_agrees_with_the_stdlib(name):
    assert getattr(glibc, name) == getattr(resource, name)
    lim = rlimit()
    assert getrlimit(getattr(glibc, name), lim) == 0
    assert (lim.rlim_cur, lim.rlim_max) == stdlib_limits(getattr(resource, name))
    lim64 = rlimit64()
    assert getrlimit64(getattr(glibc, name), lim64) == 0
    assert (lim64.rlim_cur, lim64.rlim_max) == (lim.rlim_cur, lim.rlim_max)


def test_setrlimit_changes_the_soft_limit_and_back():
    before = stdlib_limits(RLIMIT_CORE)
    soft = 0 if before[0] else min(4096, before[1])
    try:
        assert setrlimit(RLIMIT_CORE, rlimit((soft, before[1]))) == 0
        assert stdlib_limits(RLIMIT_CORE) == (soft, before[1])
        assert setrlimit64(RLIMIT_CORE, rlimit64(before)) == 0
        assert stdlib_limits(RLIMIT_CORE) == before
    finally:
        setrlimit(RLIMIT_CORE, rlimit(before))


def lower_nofile_then_open_too_many():
    soft, hard = stdlib_limits(RLIMIT_NOFILE)
    highest = max(int(fd) for fd in os.listdir("/proc/self/fd"))
    setrlimit(RLIMIT_NOFILE, rlimit((highest + 2, hard)))
    opened = []
    try:
        while True:
            opened.append(os.open("/dev/null", os.O_RDONLY))
    except OSError as exc:
        return exc.errno, len(opened)


def test_a_lowered_nofile_limit_is_enforced():
    code, opened = in_child(lower_nofile_then_open_too_many)
    assert code == errno.EMFILE
    assert opened >= 1


def test_soft_above_hard_is_einval(raises_errno):
    soft, hard = stdlib_limits(RLIMIT_NOFILE)
    with raises_errno("setrlimit", "EINVAL"):
        setrlimit(RLIMIT_NOFILE, rlimit((hard + 1, hard)))


def test_an_unknown_resource_is_einval(raises_errno):
    with raises_errno("getrlimit", "EINVAL"):
        getrlimit(glibc.RLIMIT_NLIMITS, rlimit())


def raise_the_hard_limit():
    capkit.lacking(CAP_SYS_RESOURCE)
    soft, hard = stdlib_limits(RLIMIT_CORE)
    if hard == RLIM_INFINITY:
        hard = 1 << 20
        setrlimit(RLIMIT_CORE, rlimit((min(soft, hard), hard)))
    setrlimit(RLIMIT_CORE, rlimit((0, hard + 1)))


def test_raising_a_hard_limit_without_cap_sys_resource_is_eperm(raises_errno):
    with raises_errno("setrlimit", "EPERM"):
        in_child(raise_the_hard_limit)


def test_prlimit_sets_and_reads_another_process(sleeper):
    old = rlimit()
    assert prlimit(sleeper, RLIMIT_NOFILE, None, old) == 0
    assert (old.rlim_cur, old.rlim_max) == proc_limit(sleeper, "Max open files")
    assert prlimit(sleeper, RLIMIT_NOFILE, rlimit((64, old.rlim_max)), None) == 0
    assert proc_limit(sleeper, "Max open files") == (64, old.rlim_max)
    back = rlimit64()
    assert prlimit64(sleeper, RLIMIT_NOFILE, rlimit64((old.rlim_cur, old.rlim_max)), back) == 0
    assert (back.rlim_cur, back.rlim_max) == (64, old.rlim_max)
    assert proc_limit(sleeper, "Max open files") == (old.rlim_cur, old.rlim_max)


def test_prlimit_of_no_process_is_esrch(raises_errno):
    with raises_errno("prlimit", "ESRCH"):
        prlimit(no_such_pid(), RLIMIT_NOFILE, None, rlimit())
    with raises_errno("prlimit64", "ESRCH"):
        prlimit64(no_such_pid(), RLIMIT_NOFILE, None, rlimit64())


def test_prlimit_checks_its_pointers():
    with pytest.raises(TypeError, match="prlimit: old_limit"):
        prlimit(0, RLIMIT_NOFILE, None, bytearray(16))


# -- usage ---------------------------------------------------------------------------

def test_getrusage_of_the_children_agrees_with_the_stdlib():
    # Nothing is reaped between the two calls, so every counter is the same.
    ours = rusage()
    assert getrusage(RUSAGE_CHILDREN, ours) == 0
    theirs = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert ours.ru_utime.tv_sec + ours.ru_utime.tv_usec / 1e6 == pytest.approx(theirs.ru_utime)
    assert ours.ru_stime.tv_sec + ours.ru_stime.tv_usec / 1e6 == pytest.approx(theirs.ru_stime)
    for field in ("ru_maxrss", "ru_minflt", "ru_majflt", "ru_nvcsw", "ru_nivcsw", "ru_inblock",
                  "ru_oublock", "ru_nsignals", "ru_nswap"):
        assert getattr(ours, field) == getattr(theirs, field), field


# What burn_and_fault touches: each page one minor fault.
PAGES = 2048


def burn_and_fault():
    # Pages of their own: a bytearray's first page holds the allocator's header,
    # faulted in before the loop, and huge pages would take one fault for 512.
    with mmap.mmap(-1, PAGES * mmap.PAGESIZE) as data:
        data.madvise(mmap.MADV_NOHUGEPAGE)
        for i in range(0, len(data), mmap.PAGESIZE):
            data[i] = 1
    return sum(range(200_000))


def test_getrusage_counts_a_reaped_child():
    before = rusage()
    getrusage(RUSAGE_CHILDREN, before)
    in_child(burn_and_fault)
    after = rusage()
    getrusage(RUSAGE_CHILDREN, after)
    assert after.ru_minflt >= before.ru_minflt + PAGES
    assert after.ru_maxrss >= PAGES * mmap.PAGESIZE // 1024  # kilobytes


def test_getrusage_of_self_and_thread_grow():
    first, then = rusage(), rusage()
    getrusage(RUSAGE_THREAD, first)
    burn_and_fault()
    getrusage(RUSAGE_THREAD, then)
    assert then.ru_minflt >= first.ru_minflt + PAGES
    whole = rusage()
    getrusage(RUSAGE_SELF, whole)
    assert whole.ru_minflt >= then.ru_minflt


def test_getrusage_of_an_unknown_who_is_einval(raises_errno):
    with raises_errno("getrusage", "EINVAL"):
        getrusage(12345, rusage())


# -- priority ------------------------------------------------------------------------

def test_getpriority_agrees_with_the_stdlib(sleeper):
    for which, who in ((PRIO_PROCESS, 0), (PRIO_PROCESS, sleeper), (PRIO_PGRP, 0),
                       (PRIO_USER, os.getuid())):
        assert getpriority(which, who) == os.getpriority(which, who)


def renice(value):
    assert setpriority(PRIO_PROCESS, 0, value) == 0
    return getpriority(PRIO_PROCESS, 0), os.getpriority(PRIO_PROCESS, 0)


def test_setpriority_then_getpriority():
    assert in_child(renice, 7) == (7, 7)


@pytest.mark.skipif(not capkit.has(CAP_SYS_NICE),
                    reason="lowering the nice value needs CAP_SYS_NICE")
def test_a_nice_value_of_minus_one_is_a_result_not_an_error():
    # getpriority(2) returns -1 for it with errno untouched: no OSError.
    assert in_child(renice, -1) == (-1, -1)


def nice_steps():
    start = os.getpriority(PRIO_PROCESS, 0)
    return start, nice(0), nice(2), os.getpriority(PRIO_PROCESS, 0)


def test_nice_adds_and_returns_the_new_value():
    start, same, up, seen = in_child(nice_steps)
    assert same == start
    assert up == seen == min(start + 2, 19)


def nice_to_minus_one():
    os.setpriority(PRIO_PROCESS, 0, 0)
    return nice(-1), os.getpriority(PRIO_PROCESS, 0)


@pytest.mark.skipif(not capkit.has(CAP_SYS_NICE),
                    reason="lowering the nice value needs CAP_SYS_NICE")
def test_nice_returning_minus_one_succeeded():
    assert in_child(nice_to_minus_one) == (-1, -1)


def unprivileged(function, *args):
    capkit.lacking(CAP_SYS_NICE)
    resource.setrlimit(RLIMIT_NICE, (0, 0))
    return function(*args)


def test_lowering_the_nice_value_unprivileged_fails(raises_errno):
    with raises_errno("setpriority", "EACCES"):
        in_child(unprivileged, setpriority, PRIO_PROCESS, 0, os.getpriority(PRIO_PROCESS, 0) - 1)
    # nice(3) turns the EACCES of setpriority into the EPERM nice(2) documents.
    with raises_errno("nice", "EPERM"):
        in_child(unprivileged, nice, -1)


def renice_the_parent_as_nobody(parent):
    os.setuid(65534)  # from root: every capability goes with the user ID
    setpriority(PRIO_PROCESS, parent, 19)


@pytest.mark.skipif(os.getuid() != 0, reason="needs root to become another user")
def test_renicing_another_users_process_is_eperm(raises_errno):
    with raises_errno("setpriority", "EPERM"):
        in_child(renice_the_parent_as_nobody, os.getpid())


def test_priority_errors(raises_errno):
    with raises_errno("getpriority", "EINVAL"):
        getpriority(99, 0)
    with raises_errno("getpriority", "ESRCH"):
        getpriority(PRIO_PROCESS, no_such_pid())
    with raises_errno("setpriority", "ESRCH"):
        setpriority(PRIO_PROCESS, no_such_pid(), 0)
