"""Where a thread waits, read from /proc, the same way on every architecture.

A test that signals a thread inside a blocking call, or checks what the
kernel was asked, must first know that the thread sleeps in that call.
/proc/<tid>/wchan names the kernel function it sleeps in: generic kernel
code, so the same on x86_64 and aarch64, and also under qemu-user, which
hands an emulated program's calls to this machine's kernel.  The numbers
in /proc/<tid>/syscall are not: each architecture numbers its calls, the C
library reaches one call through another (aarch64 has no epoll_wait(2) nor
pause(2)), and under qemu they are the host's.  Only the arguments there
are read, once wchan has said which call it is.

``waits_in(tid, "read")`` is True once thread tid sleeps in that call, the
same call still a little later; ``arguments(tid)`` is what the call was
given.  The names a call sleeps under change with Linux's version: each set
below holds those of the kernels from 4.18 to today's.
"""

import time

# The functions a thread sleeps in, by call, as wchan names them once the
# compiler's suffixes (".isra.0") and the system call prefixes
# ("__do_sys_", "__x64_sys_", ...) are taken off.
SLEEPS_IN = {
    # A pipe, a signalfd, an eventfd, a timerfd or an inotify descriptor.
    "read": {"anon_pipe_read", "pipe_read", "pipe_wait", "pipe_wait_readable",
             "signalfd_read_iter", "signalfd_read", "signalfd_dequeue",
             "eventfd_read", "do_wait_intr_irq", "timerfd_read", "timerfd_read_iter",
             "inotify_read", "wait_woken"},
    # A full pipe.
    "write": {"anon_pipe_write", "pipe_write", "pipe_wait", "pipe_wait_writable"},
    "splice": {"pipe_wait_readable", "pipe_wait", "wait_for_space", "splice_from_pipe_next"},
    "epoll_wait": {"do_epoll_wait", "ep_poll"},
    "poll": {"poll_schedule_timeout", "do_poll", "do_sys_poll"},
    "ppoll": {"poll_schedule_timeout", "do_poll", "do_sys_poll"},
    "pselect6": {"poll_schedule_timeout", "do_select", "core_sys_select"},
    "clock_nanosleep": {"hrtimer_nanosleep", "do_nanosleep", "common_nsleep"},
    "rt_sigtimedwait": {"do_sigtimedwait"},
    "rt_sigsuspend": {"sigsuspend", "rt_sigsuspend"},
    # Where the C library has no pause(2) to call (aarch64), it waits in ppoll(2).
    "pause": {"pause", "poll_schedule_timeout", "do_sys_poll"},
    "wait4": {"do_wait"},
    "waitid": {"do_wait"},
}
SLEEPS_IN["epoll_pwait2"] = SLEEPS_IN["epoll_wait"]

_PREFIXES = ("__do_sys_", "__x64_sys_", "__arm64_sys_", "__se_sys_", "sys_")


def sleeps_in(tid):
    """The kernel function thread tid sleeps in ("" while it runs)."""
    try:
        with open("/proc/self/task/%d/wchan" % tid) as f:
            name = f.read().strip()
    except FileNotFoundError:  # the thread has ended
        return ""
    name = name.partition(".")[0]
    for prefix in _PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix):]
    return "" if name == "0" else name


def _syscall_line(tid):
    try:
        with open("/proc/self/task/%d/syscall" % tid) as f:
            return f.read()
    except FileNotFoundError:
        return ""


def waits_in(tid, call, steady=0.02):
    """True if thread tid sleeps in call, and still does, the very same call, steady s later.

    The second look tells the wait a test means from a brief one the
    interpreter happens to make (a signal sent then would miss the test's).
    """
    wanted = SLEEPS_IN[call]
    if sleeps_in(tid) not in wanted:
        return False
    seen = _syscall_line(tid)
    time.sleep(steady)
    return sleeps_in(tid) in wanted and _syscall_line(tid) == seen


def wait_until_in(tid, call, within=10.0, give_up=None):
    """Return once thread tid waits in call; AssertionError after within s.

    give_up, an Event, ends the wait early (the test is over) with the same error.
    """
    deadline = time.monotonic() + within
    while time.monotonic() < deadline and not (give_up is not None and give_up.is_set()):
        if waits_in(tid, call):
            return
        time.sleep(0.001)
    # Raise, not return: whatever the caller meant to do next is no longer wanted.
    raise AssertionError("thread %d did not wait in %s(2)" % (tid, call))


def arguments(tid):
    """The six arguments of the call thread tid is in, as unsigned integers."""
    fields = _syscall_line(tid).split()
    return [int(field, 16) for field in fields[1:7]]


def as_int(value):
    """An argument that C declares int, from its register's unsigned value."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


def epoll_wait_arguments(tid, within=10.0):
    """(maxevents, timeout in ms) of the epoll_wait(2) thread tid sleeps in, once it does.

    epoll_wait and epoll_pwait, the one the C library or qemu may use for
    it, both take them third and fourth.
    """
    wait_until_in(tid, "epoll_wait", within)
    maxevents, timeout = arguments(tid)[2:4]
    return as_int(maxevents), as_int(timeout)
