"""siginfo_t's union fields (si_pid, si_status, si_value, si_addr, si_fd, ...) against the kernel.

tests/test_layout.py already checks every declared offset against the C
compiler.  Here the kernel has its say: real signals fill the fields
(a child's exit, SIGIO from a pipe), and a siginfo_t written field by field
and sent with rt_tgsigqueueinfo(2) comes back through a signalfd, which
the kernel fills by reading the fields at its own offsets for the layout
that si_signo and si_code select.
"""

import fcntl
import os
import select
import signal
import sys

import kernelkit
import pytest

import glibc
from glibc import (
    BUS_MCEERR_AR,
    CLD_EXITED,
    CLD_KILLED,
    POLL_IN,
    SEGV_MAPERR,
    SFD_CLOEXEC,
    SFD_NONBLOCK,
    SI_QUEUE,
    SI_TIMER,
    SI_USER,
    ffi,
    getpid,
    gettid,
    rt_tgsigqueueinfo,
    siginfo_t,
    signalfd,
    signalfd_siginfo,
    sigwaitinfo,
)

SIGUSR1 = signal.SIGUSR1
# <asm-generic/siginfo.h> has it, glibc's headers do not (an optional name):
# any si_code from 1 to NSIGSYS picks the SIGSYS layout.
SYS_SECCOMP = getattr(glibc, "SYS_SECCOMP", 1)


def address(value):
    return ffi.cast("void *", value)


def number(pointer):
    return int(ffi.cast("uintptr_t", pointer))


# -- real signals ---------------------------------------------------------------------------------


def test_a_child_that_exits_reports_its_status_in_sigchld(signal_mask, sigset):
    signal_mask(signal.SIGCHLD)
    pid = os.fork()
    if pid == 0:
        os._exit(7)
    info = siginfo_t()
    try:
        assert sigwaitinfo(sigset(signal.SIGCHLD), info) == signal.SIGCHLD
    finally:
        os.waitpid(pid, 0)
    assert (info.si_code, info.si_pid, info.si_uid, info.si_status) == (
        CLD_EXITED, pid, os.getuid(), 7)
    assert info.si_utime >= 0 and info.si_stime >= 0


def test_a_killed_child_reports_the_signal_in_si_status(signal_mask, sigset):
    signal_mask(signal.SIGCHLD)
    pid = os.fork()
    if pid == 0:
        try:
            os.kill(os.getpid(), signal.SIGKILL)
        finally:
            os._exit(1)
    info = siginfo_t()
    try:
        sigwaitinfo(sigset(signal.SIGCHLD), info)
    finally:
        os.waitpid(pid, 0)
    assert (info.si_code, info.si_pid, info.si_status) == (CLD_KILLED, pid, signal.SIGKILL)


def test_sigio_from_a_pipe_names_the_fd_and_the_band(signal_mask, sigset, fds):
    # F_SETSIG makes the kernel queue a full siginfo (si_code POLL_IN) when
    # the pipe becomes readable, and sends it to the owner: this process.
    signal_mask(SIGUSR1)
    r, w = fds.pipe()
    fcntl.fcntl(r, fcntl.F_SETOWN, os.getpid())
    fcntl.fcntl(r, fcntl.F_SETSIG, SIGUSR1)
    fcntl.fcntl(r, fcntl.F_SETFL, fcntl.fcntl(r, fcntl.F_GETFL) | os.O_ASYNC)
    os.write(w, b"x")
    info = siginfo_t()
    assert sigwaitinfo(sigset(SIGUSR1), info) == SIGUSR1
    assert (info.si_code, info.si_fd) == (POLL_IN, r)
    assert info.si_band & select.POLLIN


# -- every layout, written by us and read back by the kernel -------------------------------------

LAYOUTS = {
    # name: (signal, si_code, the fields we write, what the signalfd must report)
    "kill": (SIGUSR1, SI_USER, {"si_pid": 11, "si_uid": 12},
             {"ssi_pid": 11, "ssi_uid": 12}),
    "rt": (SIGUSR1, SI_QUEUE, {"si_pid": 21, "si_uid": 22, "si_int": -23},
           {"ssi_pid": 21, "ssi_uid": 22, "ssi_int": -23}),
    "rt pointer": (SIGUSR1, SI_QUEUE, {"si_pid": 24, "si_ptr": address(0x7654_3210_0000)},
                   {"ssi_pid": 24, "ssi_ptr": 0x7654_3210_0000}),
    "timer": (signal.SIGALRM, SI_TIMER, {"si_timerid": 31, "si_overrun": 32, "si_int": 33},
              {"ssi_tid": 31, "ssi_overrun": 32, "ssi_int": 33}),
    "child": (signal.SIGCHLD, CLD_EXITED,
              {"si_pid": 41, "si_uid": 42, "si_status": 43, "si_utime": 44, "si_stime": 45},
              {"ssi_pid": 41, "ssi_uid": 42, "ssi_status": 43, "ssi_utime": 44, "ssi_stime": 45}),
    "fault": (signal.SIGSEGV, SEGV_MAPERR, {"si_addr": address(0x5000)}, {"ssi_addr": 0x5000}),
    "memory error": (signal.SIGBUS, BUS_MCEERR_AR, {"si_addr": address(0x6000), "si_addr_lsb": 12},
                     {"ssi_addr": 0x6000, "ssi_addr_lsb": 12}),
    "poll": (signal.SIGIO, POLL_IN, {"si_band": 0x41, "si_fd": 71},
             {"ssi_band": 0x41, "ssi_fd": 71}),
    "system call": (signal.SIGSYS, SYS_SECCOMP,
                    {"si_call_addr": address(0x8000), "si_syscall": 81, "si_arch": 82},
                    {"ssi_call_addr": 0x8000, "ssi_syscall": 81, "ssi_arch": 82}),
}




# What qemu-user does with a siginfo_t queued with these signals.
EMULATOR_MANGLES = {signal.SIGSEGV: "takes a queued SIGSEGV for a fault of its own",
                    signal.SIGBUS: "takes a queued SIGBUS for a fault of its own",
                    signal.SIGCHLD: "passes a queued SIGCHLD on without its times"}


def skip_what_the_emulator_mangles(layout):
    why = EMULATOR_MANGLES.get(LAYOUTS[layout][0])
    if why and kernelkit.emulator():
        pytest.skip("%s %s" % (kernelkit.emulator(), why))


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_the_kernel_reads_each_field_where_we_wrote_it(layout, signal_mask, sigset, fds):
    skip_what_the_emulator_mangles(layout)
    signum, code, fields, expected = LAYOUTS[layout]
    signal_mask(signum)
    sfd = fds(signalfd(-1, sigset(signum), SFD_CLOEXEC | SFD_NONBLOCK))
    sent = siginfo_t()
    sent.si_code = code
    for name, value in fields.items():
        setattr(sent, name, value)
    # To itself a thread may claim any sender and any si_code.
    assert rt_tgsigqueueinfo(getpid(), gettid(), signum, sent) == 0

    got = signalfd_siginfo()
    assert glibc.read(sfd, got) == signalfd_siginfo.size
    assert (got.ssi_signo, got.ssi_code) == (signum, code)
    assert {name: getattr(got, name) for name in expected} == expected


@kernelkit.not_emulated("rewrites the siginfo_t that sigwaitinfo gets")
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_sigwaitinfo_gives_back_every_field_as_written(layout, signal_mask, sigset):
    signum, code, fields, _ = LAYOUTS[layout]
    signal_mask(signum)
    sent = siginfo_t()
    sent.si_code = code
    for name, value in fields.items():
        setattr(sent, name, value)
    rt_tgsigqueueinfo(getpid(), gettid(), signum, sent)
    info = siginfo_t()
    assert sigwaitinfo(sigset(signum), info) == signum
    for name, value in fields.items():
        got = getattr(info, name)
        assert (number(got) if isinstance(got, ffi.CData) else got) == (
            number(value) if isinstance(value, ffi.CData) else value), name


def test_si_value_is_the_union_si_int_and_si_ptr_name():
    info = siginfo_t()
    info.si_value.sival_ptr = address(0x1_0000_0002)
    assert number(info.si_ptr) == 0x1_0000_0002
    # sival_int shares the pointer's first four bytes.
    assert info.si_int == info.si_value.sival_int == (2 if sys.byteorder == "little" else 1)
