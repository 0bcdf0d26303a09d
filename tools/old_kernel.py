"""Run a command as on Linux 4.18: every system call newer than that fails, as seccomp says.

    python3 tools/old_kernel.py -- python3 -m pytest tests
    python3 tools/old_kernel.py --errno EPERM -- python3 -m pyglibc run -- true

The command runs under a seccomp(2) filter (prctl(2) PR_SET_NO_NEW_PRIVS,
then PR_SET_SECCOMP with SECCOMP_MODE_FILTER) that it and all its children
inherit for good.  The filter fails every system call numbered 424 or
more with ENOSYS before the kernel looks at its arguments, as a kernel that
lacks it would.  From 424 on every architecture numbers its calls alike,
and 424 (pidfd_send_signal) is the first call of Linux 5.1; Linux 4.19 to
5.0 added no call to the 64-bit architectures, so the filter is exactly
"Linux 4.18" (whose own calls, rseq and io_pgetevents, 334 and 333 on
x86_64, stay allowed).  The filter checks the architecture in seccomp_data
too: a call made through another ABI (int 0x80 on x86_64) has other
numbers, so it fails with ENOSYS whatever it is (x32's numbers, with bit
30 set, are above 424 and fail too).

``--errno EPERM`` stands for a container runtime whose seccomp profile
predates a call and answers EPERM for it (Docker's did until 20.10) on a
kernel that has it.  glibc and CPython try some new calls themselves and
fall back to the old ones only on ENOSYS (clone3 in posix_spawn and
pthread_create, close_range in os.closerange and subprocess, faccessat2 in
os.access): with EPERM for those, threads and subprocesses would fail, and
the test would say nothing about this package.  Real runtimes learnt to
answer ENOSYS for exactly that reason; so the EPERM mode fails with EPERM
only the calls newer than Linux 4.18 that this package makes
(``PACKAGE_CALLS``) and with ENOSYS every other one, which is what code that
knows about old Docker profiles meets.

Needs no part of this package (ctypes only), so it can start any command,
an interpreter without the package included.  Exits 125 with a message
when the filter cannot be installed.
"""

import argparse
import ctypes
import errno
import os
import platform
import sys

# The first system call of Linux 5.1, and so the first one newer than 4.18.
FIRST_NEWER = 424

# The calls newer than Linux 4.18 that glibc/families declare (linux="X.Y"),
# by their number, the same on every architecture from 424 on.
PACKAGE_CALLS = {
    "pidfd_send_signal": 424,
    "pidfd_open": 434,
    "close_range": 436,
    "openat2": 437,
    "pidfd_getfd": 438,
    "epoll_pwait2": 441,
}

# <linux/audit.h>: AUDIT_ARCH_* of the architectures this package is tested on.
AUDIT_ARCH = {
    "x86_64": 0xC000003E,
    "aarch64": 0xC00000B7,
}

# <linux/prctl.h>, <linux/seccomp.h>, <linux/filter.h>
PR_SET_SECCOMP = 22
PR_SET_NO_NEW_PRIVS = 38
SECCOMP_MODE_FILTER = 2
SECCOMP_RET_ALLOW = 0x7FFF0000
SECCOMP_RET_ERRNO = 0x00050000
BPF_LD_W_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS: A = seccomp_data[k]
BPF_JEQ_K = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
BPF_JGE_K = 0x35  # BPF_JMP | BPF_JGE | BPF_K
BPF_RET_K = 0x06  # BPF_RET | BPF_K
NR, ARCH = 0, 4  # offsets in struct seccomp_data


class sock_filter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte),
                ("k", ctypes.c_uint32)]


class sock_fprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(sock_filter))]


def program(audit_arch, answer):
    """The BPF program, as (code, jt, jf, k) tuples.

    ``answer`` is ENOSYS (every call from 424 on fails with it) or EPERM
    (``PACKAGE_CALLS`` fail with EPERM, every other call from 424 on with
    ENOSYS).
    """
    eperm = sorted(PACKAGE_CALLS.values()) if answer == errno.EPERM else []
    # The three returns end the program: allow, ENOSYS, EPERM.  A jump's
    # offset counts the instructions it skips after its own.
    n_checks = len(eperm) + 1
    code = [(BPF_LD_W_ABS, 0, 0, ARCH),
            # Same ABI: go on; another: ENOSYS (its numbers mean other calls).
            (BPF_JEQ_K, 1, 0, audit_arch),
            (BPF_RET_K, 0, 0, SECCOMP_RET_ERRNO | errno.ENOSYS),
            (BPF_LD_W_ABS, 0, 0, NR)]
    for i, nr in enumerate(eperm):
        code.append((BPF_JEQ_K, n_checks - i + 1, 0, nr))  # to the EPERM return
    code.append((BPF_JGE_K, 1, 0, FIRST_NEWER))  # to the ENOSYS return
    code += [(BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW),
             (BPF_RET_K, 0, 0, SECCOMP_RET_ERRNO | errno.ENOSYS),
             (BPF_RET_K, 0, 0, SECCOMP_RET_ERRNO | errno.EPERM)]
    return code


def install(answer):
    """Install the filter on the calling thread (and so on whatever it execs and forks)."""
    machine = platform.machine()
    if machine not in AUDIT_ARCH:
        raise OSError(errno.EINVAL, "old_kernel: no AUDIT_ARCH known for %s" % machine)
    code = program(AUDIT_ARCH[machine], answer)
    filters = (sock_filter * len(code))(*code)
    fprog = sock_fprog(len(code), filters)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong,
                           ctypes.c_ulong]
    # Without no_new_privs only a process with CAP_SYS_ADMIN may install a
    # filter; with it, a setuid program run under the filter gains nothing.
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, None, 0, 0) != 0:
        e = ctypes.get_errno()
        raise OSError(e, "prctl(PR_SET_NO_NEW_PRIVS): %s" % os.strerror(e))
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        e = ctypes.get_errno()
        raise OSError(e, "prctl(PR_SET_SECCOMP): %s" % os.strerror(e))


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="old_kernel.py", description=__doc__.split("\n", 1)[0],
        epilog="The command inherits the filter, as do all its children.")
    parser.add_argument("--errno", choices=("ENOSYS", "EPERM"), default="ENOSYS",
                        help="the answer to the calls this package makes (default ENOSYS)")
    parser.add_argument("command", nargs="+", help="the command and its arguments (after --)")
    args = parser.parse_args(argv)
    try:
        install(getattr(errno, args.errno))
    except OSError as exc:
        sys.stderr.write("old_kernel.py: %s\n" % exc.strerror)
        return 125
    try:
        os.execvp(args.command[0], args.command)
    except OSError as exc:
        sys.stderr.write("old_kernel.py: %s: %s\n" % (args.command[0], exc.strerror))
        return 126 if exc.errno != errno.ENOENT else 127
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())

