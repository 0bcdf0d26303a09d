"""Signal sets, the signal mask and signalfd (sigsetops(3), sigprocmask(2), signalfd(2))."""

import ctypes
import errno
import faulthandler
import os
import signal
import threading

import pytest

import glibc
from glibc import (
    NSIG,
    SFD_CLOEXEC,
    SFD_NONBLOCK,
    SIG_BLOCK,
    SIG_SETMASK,
    SIG_UNBLOCK,
    SS_DISABLE,
    SS_ONSTACK,
    pthread_sigmask,
    sigabbrev_np,
    sigaddset,
    sigaltstack,
    sigandset,
    sigdelset,
    sigdescr_np,
    sigemptyset,
    sigfillset,
    sigisemptyset,
    sigismember,
    signalfd,
    signalfd_siginfo,
    sigorset,
    sigprocmask,
    sigset_t,
    stack_t,
)

SIGUSR1, SIGUSR2 = signal.SIGUSR1, signal.SIGUSR2

# si_code values of <asm-generic/siginfo.h>; the stdlib does not export them.
SI_USER = 0  # sent by kill(2)
SI_TKILL = -6  # sent by tkill(2)/tgkill(2), which pthread_kill uses


def members(sigset):
    return {signum for signum in range(1, NSIG) if sigismember(sigset, signum)}


def read_siginfo(fd):
    info = signalfd_siginfo()
    assert glibc.read(fd, info) == signalfd_siginfo.size
    return info


def kill_thread(signum):
    signal.pthread_kill(threading.get_ident(), signum)


def kill_process(signum):
    os.kill(os.getpid(), signum)


# -- sigsetops(3) ---------------------------------------------------------------------


def test_sigemptyset_then_sigaddset_holds_just_that_signal():
    mask = sigset_t()
    assert sigemptyset(mask) == 0
    assert sigaddset(mask, SIGUSR1) == 0
    assert sigismember(mask, SIGUSR1) == 1
    assert sigismember(mask, SIGUSR2) == 0
    assert members(mask) == {SIGUSR1}


def test_sigdelset_removes_only_that_signal():
    mask = sigset_t()
    sigemptyset(mask)
    sigaddset(mask, SIGUSR1)
    sigaddset(mask, SIGUSR2)
    assert sigdelset(mask, SIGUSR1) == 0
    assert members(mask) == {SIGUSR2}


def test_sigfillset_holds_the_signals_the_stdlib_calls_valid():
    mask = sigset_t()
    assert sigfillset(mask) == 0
    assert members(mask) == set(signal.valid_signals())


def test_sigismember_rejects_an_invalid_signal(raises_errno):
    mask = sigset_t()
    sigemptyset(mask)
    with raises_errno("sigismember", "EINVAL"):
        sigismember(mask, NSIG)


# -- sigprocmask(2), pthread_sigmask(3) -----------------------------------------------


def test_sigprocmask_oldset_is_the_mask_the_stdlib_sees(signal_mask):
    signal_mask(SIGUSR2)
    old = sigset_t()
    assert sigprocmask(SIG_BLOCK, None, old) == 0
    assert members(old) == signal.pthread_sigmask(signal.SIG_BLOCK, [])
    assert SIGUSR2 in members(old)


def test_sigprocmask_blocks_and_returns_the_previous_mask(signal_mask, sigset):
    before = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    old = sigset_t()
    assert sigprocmask(SIG_BLOCK, sigset(SIGUSR1), old) == 0
    assert members(old) == before
    assert signal.pthread_sigmask(signal.SIG_BLOCK, []) == before | {SIGUSR1}

    assert sigprocmask(SIG_UNBLOCK, sigset(SIGUSR1), None) == 0
    assert signal.pthread_sigmask(signal.SIG_BLOCK, []) == before


def test_pthread_sigmask_setmask_replaces_the_mask(signal_mask, sigset):
    old = sigset_t()
    assert pthread_sigmask(SIG_SETMASK, sigset(SIGUSR1, SIGUSR2), old) == 0
    assert signal.pthread_sigmask(signal.SIG_BLOCK, []) == {SIGUSR1, SIGUSR2}
    assert pthread_sigmask(SIG_SETMASK, old, None) == 0
    assert members(old) == signal.pthread_sigmask(signal.SIG_BLOCK, [])


def test_pthread_sigmask_changes_only_the_calling_thread(signal_mask, sigset):
    seen_by_thread = sigset_t()

    def block_usr2_here():
        pthread_sigmask(SIG_BLOCK, sigset(SIGUSR2), None)
        pthread_sigmask(SIG_BLOCK, None, seen_by_thread)

    main_before = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    assert SIGUSR2 not in main_before
    thread = threading.Thread(target=block_usr2_here)
    thread.start()
    thread.join()
    assert SIGUSR2 in members(seen_by_thread)
    assert signal.pthread_sigmask(signal.SIG_BLOCK, []) == main_before


@pytest.mark.parametrize("change_mask", [sigprocmask, pthread_sigmask])
def test_an_unknown_how_is_einval(change_mask, raises_errno, sigset):
    # pthread_sigmask returns the error number instead of setting errno;
    # both become the same OSError.
    with raises_errno(change_mask.__name__, "EINVAL"):
        change_mask(SIG_BLOCK + SIG_UNBLOCK + SIG_SETMASK + 1, sigset(SIGUSR1), None)


# -- signalfd(2) ------------------------------------------------------------------------


def test_signalfd_delivers_a_blocked_signal(signal_mask, sigset, fds):
    mask = sigset(SIGUSR1)
    sigprocmask(SIG_BLOCK, mask, None)
    sfd = fds(signalfd(-1, mask, SFD_CLOEXEC))
    assert not os.get_inheritable(sfd)

    kill_thread(SIGUSR1)
    info = read_siginfo(sfd)
    assert info.ssi_signo == SIGUSR1
    assert info.ssi_pid == os.getpid()
    assert info.ssi_uid == os.getuid()
    assert info.ssi_code == SI_TKILL
    assert SIGUSR1 not in signal.sigpending()


def test_signalfd_reports_kill_as_si_user(signal_mask, sigset, on_signal, fds):
    on_signal(SIGUSR1, lambda signum, frame: None)  # should another thread take it
    signal_mask(SIGUSR1)
    sfd = fds(signalfd(-1, sigset(SIGUSR1), SFD_CLOEXEC))
    kill_process(SIGUSR1)
    info = read_siginfo(sfd)
    assert (info.ssi_signo, info.ssi_code, info.ssi_pid) == (SIGUSR1, SI_USER, os.getpid())


@pytest.mark.skipif(not hasattr(signal, "sigtimedwait"), reason="no signal.sigtimedwait")
@pytest.mark.parametrize("send", [kill_process, kill_thread])
def test_signalfd_and_sigtimedwait_see_the_same_sender(send, signal_mask, sigset, on_signal, fds):
    on_signal(SIGUSR1, lambda signum, frame: None)  # should another thread take it
    signal_mask(SIGUSR1)
    sfd = fds(signalfd(-1, sigset(SIGUSR1), SFD_CLOEXEC | SFD_NONBLOCK))
    send(SIGUSR1)
    stdlib = signal.sigtimedwait([SIGUSR1], 5)
    send(SIGUSR1)
    ours = read_siginfo(sfd)
    assert (ours.ssi_signo, ours.ssi_pid, ours.ssi_uid) == (
        stdlib.si_signo, stdlib.si_pid, stdlib.si_uid)
    # glibc's sigtimedwait turns SI_TKILL into SI_USER; a signalfd keeps what
    # the kernel says, so the codes agree only for kill(2).
    assert stdlib.si_code == SI_USER
    assert ours.ssi_code == (SI_USER if send is kill_process else SI_TKILL)


def test_signalfd_nonblock_with_nothing_pending_is_blocking_io_error(signal_mask, sigset, fds):
    signal_mask(SIGUSR1)
    sfd = fds(signalfd(-1, sigset(SIGUSR1), SFD_CLOEXEC | SFD_NONBLOCK))
    with pytest.raises(BlockingIOError) as info:
        glibc.read(sfd, signalfd_siginfo())
    assert info.value.errno == errno.EAGAIN
    assert str(info.value).startswith("[Errno %d] read: " % errno.EAGAIN)


def test_signalfd_reports_only_signals_of_its_mask(signal_mask, sigset, fds):
    signal_mask(SIGUSR1, SIGUSR2)
    sfd = fds(signalfd(-1, sigset(SIGUSR1), SFD_CLOEXEC | SFD_NONBLOCK))
    kill_thread(SIGUSR2)
    with pytest.raises(BlockingIOError):
        read_siginfo(sfd)
    assert SIGUSR2 in signal.sigpending()


def test_signalfd_on_an_existing_fd_replaces_its_mask(signal_mask, sigset, fds):
    signal_mask(SIGUSR1, SIGUSR2)
    sfd = fds(signalfd(-1, sigset(SIGUSR1), SFD_CLOEXEC | SFD_NONBLOCK))
    kill_thread(SIGUSR2)
    with pytest.raises(BlockingIOError):
        read_siginfo(sfd)

    assert signalfd(sfd, sigset(SIGUSR2), 0) == sfd
    assert read_siginfo(sfd).ssi_signo == SIGUSR2
    kill_thread(SIGUSR1)
    with pytest.raises(BlockingIOError):
        read_siginfo(sfd)


def test_signalfd_reads_several_signals_into_an_array(signal_mask, sigset, fds):
    signal_mask(SIGUSR1, SIGUSR2)
    sfd = fds(signalfd(-1, sigset(SIGUSR1, SIGUSR2), SFD_CLOEXEC | SFD_NONBLOCK))
    kill_thread(SIGUSR2)
    kill_thread(SIGUSR1)
    infos = signalfd_siginfo.array(4)
    assert glibc.read(sfd, infos) == 2 * signalfd_siginfo.size
    # Standard signals are dequeued lowest number first.
    assert [infos[0].ssi_signo, infos[1].ssi_signo] == [SIGUSR1, SIGUSR2]


def test_signalfd_of_an_fd_that_is_not_a_signalfd_is_einval(raises_errno, sigset, fds):
    r, _ = fds.pipe()
    with raises_errno("signalfd", "EINVAL"):
        signalfd(r, sigset(SIGUSR1), 0)


# -- GNU set operations: sigisemptyset, sigorset, sigandset ------------------------------


def test_sigisemptyset_says_whether_a_set_holds_any_signal(sigset):
    assert sigisemptyset(sigset()) == 1
    assert sigisemptyset(sigset(SIGUSR2)) == 0
    full = sigset_t()
    sigfillset(full)
    assert sigisemptyset(full) == 0


def test_sigorset_and_sigandset_make_the_union_and_the_intersection(sigset):
    left, right = sigset(SIGUSR1, signal.SIGHUP), sigset(SIGUSR1, SIGUSR2)
    union, both = sigset_t(), sigset_t()
    assert sigorset(union, left, right) == 0
    assert sigandset(both, left, right) == 0
    assert members(union) == {SIGUSR1, SIGUSR2, signal.SIGHUP}
    assert members(both) == {SIGUSR1}


def test_the_set_operations_refuse_null_before_c_sees_it(sigset):
    # glibc would answer EINVAL; the wrapper refuses first, naming the argument.
    with pytest.raises(TypeError, match="^sigorset: left must not be None"):
        sigorset(sigset_t(), None, sigset())
    with pytest.raises(ValueError, match="^sigisemptyset: set must not be NULL"):
        sigisemptyset(glibc.ffi.NULL)


# -- names: sigabbrev_np(3), sigdescr_np(3) ----------------------------------------------


STANDARD = sorted(s for s in signal.valid_signals() if s < glibc.SIGRTMIN)


@pytest.mark.parametrize("signum", STANDARD)
def test_sigabbrev_np_and_sigdescr_np_agree_with_the_stdlib(signum):
    abbrev = glibc.ffi.string(sigabbrev_np(signum)).decode()
    assert getattr(glibc, "SIG" + abbrev) == signum  # 29 is POLL here, IO in signal.Signals
    assert glibc.ffi.string(sigdescr_np(signum)).decode() == signal.strsignal(signum)


@pytest.mark.parametrize("signum", [0, -1, NSIG, glibc.SIGRTMIN, glibc.SIGRTMAX])
def test_real_time_signals_and_numbers_that_are_no_signal_have_no_name(signum):
    # glibc names the standard signals only; strsignal(3) numbers the others.
    assert sigabbrev_np(signum) == glibc.ffi.NULL
    assert sigdescr_np(signum) == glibc.ffi.NULL


def _c_library_own(name):
    """glibc's own function (ctypes), or skip where it is older than 2.32."""
    function = getattr(ctypes.CDLL(None), name, None)
    if function is None:
        pytest.skip("this C library has no %s (glibc before 2.32)" % name)
    function.restype = ctypes.c_char_p
    function.argtypes = [ctypes.c_int]
    return function


@pytest.mark.parametrize("name", ["sigabbrev_np", "sigdescr_np"])
def test_the_names_are_the_c_librarys_own_for_every_number(name):
    # Ours come from a table (csrc/signame.h), so that no build needs glibc 2.32.
    own = _c_library_own(name)
    ours = getattr(glibc, name)
    for signum in range(-2, NSIG + 3):
        got = ours(signum)
        assert (None if got == glibc.ffi.NULL else glibc.ffi.string(got)) == own(signum), signum


def test_sigisemptyset_sees_a_set_of_real_time_signals_only(sigset):
    # glibc 2.36's own sigisemptyset answers 1 here: it looks at each 64-bit
    # word of the set through an int, and so misses signals 33 to 64.
    for signum in (glibc.SIGRTMIN, glibc.SIGRTMAX):
        assert sigisemptyset(sigset(signum)) == 0


# -- sigaltstack(2) --------------------------------------------------------------------


@pytest.mark.skipif(not faulthandler.is_enabled(),
                    reason="faulthandler is off (pytest -p no:faulthandler)")
def test_sigaltstack_reports_the_stack_faulthandler_installed():
    # faulthandler runs its handlers on an alternate stack of its own, so
    # that a stack overflow can still be reported.
    old = stack_t()
    assert sigaltstack(None, old) == 0
    assert old.ss_flags == 0  # installed, and not in use right now
    assert old.ss_size >= glibc.MINSIGSTKSZ
    assert old.ss_sp != glibc.ffi.NULL


def test_sigaltstack_disables_the_stack():
    # In a child, which has its own copy of the stack settings to lose.
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            now = stack_t()
            sigaltstack(stack_t({"ss_flags": SS_DISABLE}), None)
            sigaltstack(None, now)
            code = 0 if now.ss_flags == SS_DISABLE else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_sigaltstack_will_not_install_a_stack():
    before, after = stack_t(), stack_t()
    sigaltstack(None, before)
    memory = glibc.ffi.new("char[]", 4 * glibc.SIGSTKSZ)
    new = stack_t({"ss_sp": memory, "ss_size": len(memory), "ss_flags": 0})
    with pytest.raises(ValueError, match="^sigaltstack: ss may only disable"):
        sigaltstack(new, None)
    sigaltstack(None, after)
    assert (after.ss_sp, after.ss_size, after.ss_flags) == (
        before.ss_sp, before.ss_size, before.ss_flags)


def test_sigaltstack_with_an_unknown_mode_is_einval(raises_errno):
    with raises_errno("sigaltstack", "EINVAL"):
        sigaltstack(stack_t({"ss_flags": SS_DISABLE | SS_ONSTACK}), None)
