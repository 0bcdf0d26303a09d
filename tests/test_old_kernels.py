"""A kernel older than a call answers ENOSYS, raised as "<name>: needs Linux X.Y".

A seccomp filter in a child process stands in for the old kernel
(tools/old_kernel.py): it fails every system call newer than Linux 4.18
with ENOSYS before the kernel looks at the arguments, as a kernel without
them would (and as newer container runtimes' profiles do); or, as older
profiles did, with EPERM for the calls this package makes.
"""

import errno
import json
import textwrap

import kernelkit
import pytest

import glibc.families

ENTRIES = {f.name: f for fam in glibc.families.load() for f in fam.functions if f.linux}

# From 424 on every architecture numbers a system call alike (Linux's ABI).
SYSCALL_NUMBERS = kernelkit.runner.PACKAGE_CALLS

# Each call the tables say needs a newer kernel, made under the filter.
CHILD = textwrap.dedent("""
    import json
    import glibc

    ffi = glibc.ffi
    how = glibc.open_how()
    calls = {
        "pidfd_open": lambda: glibc.pidfd_open(1, 0),
        "pidfd_send_signal": lambda: glibc.pidfd_send_signal(0, 0, None, 0),
        "pidfd_getfd": lambda: glibc.pidfd_getfd(0, 0, 0),
        "close_range": lambda: glibc.close_range(1000, 1001, 0),
        "openat2": lambda: glibc.openat2(glibc.AT_FDCWD, "/", how),
        "epoll_pwait2": lambda: glibc.epoll_pwait2(0, ffi.new("struct epoll_event[1]"), 1,
                                                   None, None),
    }
    out = {}
    for name, call in calls.items():
        try:
            call()
            out[name] = "returned"
        except OSError as exc:
            out[name] = [exc.errno, str(exc)]
    print(json.dumps(out))
""")


def test_every_entry_that_needs_a_newer_kernel_is_tried_here():
    assert set(ENTRIES) == set(SYSCALL_NUMBERS)


def test_a_call_the_kernel_lacks_says_which_linux_it_needs():
    ran = kernelkit.old_kernel(CHILD)
    assert ran.returncode == 0, ran.stderr
    got = json.loads(ran.stdout)
    want = {name: [errno.ENOSYS, "[Errno %d] %s: needs Linux %s"
                   % (errno.ENOSYS, name, entry.linux)]
            for name, entry in ENTRIES.items()}
    assert got == want


# The raw numbers, through ctypes: pidfd_open (434) is one of the package's,
# clone3 (435) is glibc's own, which it falls back from on ENOSYS only.
RAW = """
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
for nr in (434, 435):
    ctypes.set_errno(0)
    print(libc.syscall(nr, 0, 0), ctypes.get_errno())
"""


@pytest.mark.parametrize("answer", ["ENOSYS", "EPERM"])
def test_the_filter_answers_eperm_only_for_the_calls_of_the_package(answer):
    ran = kernelkit.old_kernel(RAW, answer)
    assert ran.returncode == 0, ran.stderr
    first = getattr(errno, answer)
    assert ran.stdout.split("\n") == ["-1 %d" % first, "-1 %d" % errno.ENOSYS, ""]


# The supervisor and the selectors make no call newer than Linux 4.18: a
# command that leaves a daemon behind is run, the daemon reaped, and an
# epoll selector and select.epoll wait with a timeout, whatever the filter answers.
OBJECTS = """
import os, subprocess, sys
import pyglibc, pyglibc.select, pyglibc.selectors
r, w = os.pipe()
with pyglibc.selectors.EpollSelector() as sel, pyglibc.select.epoll() as ep:
    sel.register(r, pyglibc.selectors.EVENT_READ)
    ep.register(r)
    print(sel.select(0.01), ep.poll(0.01))
    os.write(w, b"x")
    print(len(sel.select(0.01)), ep.poll(0.01) == [(r, pyglibc.select.EPOLLIN)])
done = subprocess.run([sys.executable, "-m", "pyglibc", "run", "--", "sh", "-c",
                       "(setsid sleep 30 &); echo started"], capture_output=True, text=True)
print(done.returncode, done.stdout.strip(), done.stderr)
"""


@pytest.mark.parametrize("answer", ["ENOSYS", "EPERM"])
def test_the_supervisor_and_the_selectors_need_no_newer_call(answer):
    ran = kernelkit.old_kernel(OBJECTS, answer)
    assert (ran.returncode, ran.stderr) == (0, "")
    assert ran.stdout == "[] []\n1 True\n0 started \n"


@pytest.mark.parametrize("answer", ["ENOSYS", "EPERM"])
def test_a_pidfd_without_pidfd_open_is_the_kernels_error(answer):
    ran = kernelkit.old_kernel(
        "import os, pyglibc\n"
        "try:\n    pyglibc.pidfd(os.getpid())\nexcept OSError as exc:\n    print(exc)\n", answer)
    assert (ran.stderr, ran.stdout) == ("", kernelkit.PIDFD_OPEN_REFUSED[answer] + "\n")
