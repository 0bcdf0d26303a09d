"""A kernel older than a call answers ENOSYS, raised as "<name>: needs Linux X.Y".

A seccomp filter in a child process stands in for the old kernel: it fails
the system calls of every table entry that names the Linux version it needs
with ENOSYS before the kernel looks at the arguments, as a kernel without
them would (and as newer container runtimes' profiles do).
"""

import errno
import json
import subprocess
import sys
import textwrap

import pytest

import glibc.families

ENTRIES = {f.name: f for fam in glibc.families.load() for f in fam.functions if f.linux}

# From 424 on every architecture numbers a system call alike (Linux's ABI).
SYSCALL_NUMBERS = {
    "pidfd_send_signal": 424,
    "pidfd_open": 434,
    "close_range": 436,
    "openat2": 437,
    "pidfd_getfd": 438,
    "epoll_pwait2": 441,
}

# Run in a fresh interpreter: the filter stays with the process for good.
CHILD = textwrap.dedent("""
    import ctypes, errno, json, struct, sys
    import glibc

    numbers = json.loads(sys.argv[1])
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int] + [ctypes.c_ulong] * 4
    # BPF: load seccomp_data.nr; each number in the list returns
    # SECCOMP_RET_ERRNO | ENOSYS, anything else SECCOMP_RET_ALLOW.
    code = [(0x20, 0, 0, 0)]
    for i, nr in enumerate(numbers):
        code.append((0x15, len(numbers) - i, 0, nr))
    code += [(0x06, 0, 0, 0x7fff0000), (0x06, 0, 0, 0x00050000 | errno.ENOSYS)]
    program = b"".join(struct.pack("HBBI", *op) for op in code)
    buf = ctypes.create_string_buffer(program)
    fprog = struct.pack("HxxxxxxP", len(code), ctypes.addressof(buf))
    fbuf = ctypes.create_string_buffer(fprog)
    if libc.prctl(glibc.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) or \\
            libc.prctl(glibc.PR_SET_SECCOMP, 2, ctypes.addressof(fbuf), 0, 0):
        sys.exit("seccomp: %s" % errno.errorcode[ctypes.get_errno()])
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
    numbers = sorted(SYSCALL_NUMBERS.values())
    ran = subprocess.run([sys.executable, "-c", CHILD, json.dumps(numbers)],
                         capture_output=True, text=True, timeout=60)
    if ran.returncode and ran.stderr.startswith("seccomp:"):
        pytest.skip(ran.stderr.strip())
    assert ran.returncode == 0, ran.stderr
    got = json.loads(ran.stdout)
    want = {name: [errno.ENOSYS, "[Errno %d] %s: needs Linux %s"
                   % (errno.ENOSYS, name, entry.linux)]
            for name, entry in ENTRIES.items()}
    assert got == want
