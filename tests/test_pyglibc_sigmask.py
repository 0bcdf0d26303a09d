"""pyglibc.pthread_sigmask and pyglibc.sigprocmask: block signals for a block of code.

The stdlib's signal.pthread_sigmask is the independent witness of the mask.
"""

import contextlib
import ctypes
import re
import signal
import subprocess
import threading

import kernelkit
import pytest
from hypothesis import given, settings, strategies as st

from glibc._probe import compiler
from pyglibc import pthread_sigmask, sigprocmask

SIGUSR1, SIGUSR2, SIGWINCH = signal.SIGUSR1, signal.SIGUSR2, signal.SIGWINCH

# Signals a test may block at will: nothing sends them to the test process.
HARMLESS = (SIGUSR1, SIGUSR2, SIGWINCH, signal.SIGURG, signal.SIGRTMIN + 3, signal.SIGRTMAX - 3)
if kernelkit.emulator():
    # qemu-user keeps the host's last real-time signals for itself: a guest
    # cannot block those it has no host signal to stand for.
    HARMLESS = HARMLESS[:-1]


def current():
    return signal.pthread_sigmask(signal.SIG_BLOCK, [])


@pytest.fixture(params=[pthread_sigmask, sigprocmask], ids=["pthread_sigmask", "sigprocmask"])
def mask_class(request, signal_mask):
    return request.param


def test_nothing_changes_until_block(mask_class):
    before = current()
    m = mask_class([SIGUSR1])
    assert current() == before
    assert not m.is_active
    assert m.signals == frozenset([SIGUSR1])


def test_block_adds_the_signals_and_unblock_restores(mask_class):
    before = current()
    m = mask_class([SIGUSR1, SIGUSR2])
    m.block()
    assert m.is_active
    assert current() == before | {SIGUSR1, SIGUSR2}
    m.unblock()
    assert not m.is_active
    assert current() == before


def test_with_blocks_inside_and_restores_after(mask_class):
    before = current()
    with mask_class([SIGUSR1]) as m:
        assert isinstance(m, mask_class)
        assert current() == before | {SIGUSR1}
    assert current() == before


def test_with_restores_when_the_block_raises(mask_class):
    before = current()
    with pytest.raises(KeyError):
        with mask_class([SIGUSR1]):
            raise KeyError("out")
    assert current() == before


def test_a_signal_blocked_before_stays_blocked_after(mask_class, signal_mask):
    # The old package unblocked with SIG_UNBLOCK and so lost the outer block.
    signal_mask(SIGUSR1)
    with mask_class([SIGUSR1, SIGUSR2]):
        assert {SIGUSR1, SIGUSR2} <= current()
    assert SIGUSR1 in current()
    assert SIGUSR2 not in current()


def test_nested_objects_restore_in_reverse_order(mask_class):
    before = current()
    with mask_class([SIGUSR1]):
        with mask_class([SIGUSR1, SIGUSR2]):
            assert current() == before | {SIGUSR1, SIGUSR2}
        assert current() == before | {SIGUSR1}
    assert current() == before


def test_one_object_nested_in_itself_unwinds_one_level_at_a_time(mask_class, signal_mask):
    before = current()
    m = mask_class([SIGUSR2])
    with m:
        with m:
            assert current() == before | {SIGUSR2}
        assert m.is_active
        assert current() == before | {SIGUSR2}
    assert not m.is_active
    assert current() == before


def test_setmask_makes_the_signals_the_whole_mask(mask_class, signal_mask):
    signal_mask(SIGWINCH)
    before = current()
    with mask_class([SIGUSR1], setmask=True) as m:
        assert m.setmask
        assert current() == {SIGUSR1}
    assert current() == before


def test_unblock_without_block_does_nothing(mask_class):
    before = current()
    mask_class([SIGUSR1]).unblock()
    assert current() == before


def test_a_signal_sent_while_blocked_is_handled_on_exit(mask_class, on_signal):
    seen = []
    on_signal(SIGUSR1, lambda signum, frame: seen.append(signum))
    with mask_class([SIGUSR1]):
        signal.pthread_kill(threading.get_ident(), SIGUSR1)
        assert SIGUSR1 in signal.sigpending()
        assert seen == []
    assert seen == [SIGUSR1]


# -- signals, set while active -------------------------------------------------------


def test_setting_signals_while_inactive_changes_no_mask(mask_class):
    before = current()
    m = mask_class([SIGUSR1])
    m.signals = [SIGUSR2]
    assert m.signals == frozenset([SIGUSR2])
    assert current() == before
    with m:
        assert current() == before | {SIGUSR2}


def test_setting_signals_while_active_applies_at_once(mask_class):
    before = current()
    with mask_class([SIGUSR1]) as m:
        m.signals = [SIGUSR2, SIGWINCH]
        assert current() == before | {SIGUSR2, SIGWINCH}
        m.signals = ()
        assert current() == before
    assert current() == before


def test_taking_away_a_signal_blocked_before_keeps_it_blocked(mask_class, signal_mask):
    signal_mask(SIGUSR1)
    with mask_class([SIGUSR1, SIGUSR2]) as m:
        m.signals = []
        assert SIGUSR1 in current()
        assert SIGUSR2 not in current()


def test_setting_signals_in_setmask_mode_replaces_the_mask(mask_class, signal_mask):
    signal_mask(SIGWINCH)
    before = current()
    with mask_class([SIGUSR1], setmask=True) as m:
        m.signals = [SIGUSR2]
        assert current() == {SIGUSR2}
    assert current() == before


# -- get() ------------------------------------------------------------------------------


def test_get_is_the_mask_the_stdlib_sees(mask_class, signal_mask):
    signal_mask(SIGUSR2, SIGWINCH)
    got = mask_class.get()
    assert isinstance(got, frozenset)
    assert got == current()


def test_get_inside_a_with_lists_the_blocked_signals(mask_class):
    with mask_class([SIGUSR1]):
        assert SIGUSR1 in mask_class.get()
    assert SIGUSR1 not in mask_class.get()


def sys_rt_sigprocmask():
    """rt_sigprocmask(2)'s number here, as the C compiler reads it from <sys/syscall.h>."""
    command = compiler()
    try:
        done = subprocess.run(command + ["-E", "-dM", "-"], input="#include <sys/syscall.h>\n",
                              capture_output=True, text=True)
    except OSError as exc:
        pytest.skip("no C compiler to read rt_sigprocmask's number with: %s" % exc)
    found = re.search(r"^#define __NR_rt_sigprocmask (\d+)$", done.stdout, re.M)
    if found is None:
        pytest.skip("%s gave no rt_sigprocmask number: %s" % (" ".join(command), done.stderr))
    return int(found.group(1))


@contextlib.contextmanager
def glibc_reserved_signals_blocked():
    """Block 32 and 33 with the raw system call, which glibc's wrappers will not do."""
    libc = ctypes.CDLL(None, use_errno=True)
    kernel_sigset = ctypes.c_uint64
    number = sys_rt_sigprocmask()
    new, old = kernel_sigset((1 << 31) | (1 << 32)), kernel_sigset()
    if libc.syscall(number, signal.SIG_BLOCK, ctypes.byref(new), ctypes.byref(old), 8):
        raise OSError(ctypes.get_errno(), "rt_sigprocmask")
    try:
        yield
    finally:
        libc.syscall(number, signal.SIG_SETMASK, ctypes.byref(old), None, 8)


def test_get_lists_the_signals_glibc_reserves_instead_of_failing(mask_class):
    # The old package rebuilt an object from the mask with sigaddset, which refuses 32 and 33.
    with glibc_reserved_signals_blocked():
        got = mask_class.get()
    assert {32, 33} <= got


# -- threads -------------------------------------------------------------------------------


def test_one_object_in_two_threads_restores_each_threads_own_mask(mask_class):
    """The saved mask belongs to the thread that blocked: two threads may share one object.

    Thread A enters, then B enters, then A leaves while B is still inside:
    A gets back A's mask, B then gets back B's, and neither raises.
    """
    m = mask_class([SIGUSR1])
    a_inside, b_inside, a_left = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def a():
        before = current()
        try:
            with m:
                a_inside.set()
                b_inside.wait(10)
                seen["a active"] = m.is_active
        finally:
            a_left.set()
        seen["a after"] = current() == before

    def b():
        # B starts with SIGUSR2 blocked, a mask that A's restoring must not give it.
        signal.pthread_sigmask(signal.SIG_BLOCK, [SIGUSR2])
        before = current()
        a_inside.wait(10)
        with m:
            b_inside.set()
            a_left.wait(10)
            seen["b inside"] = current() == before | {SIGUSR1}
        seen["b after"] = current() == before
        seen["b active after"] = m.is_active

    errors = []

    def run(target):
        try:
            target()
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(f,)) for f in (a, b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert seen == {"a active": True, "a after": True, "b inside": True, "b after": True,
                    "b active after": False}
    assert not m.is_active


def test_unblock_in_a_thread_that_did_not_block_undoes_nothing(mask_class):
    before = current()
    m = mask_class([SIGUSR1])
    m.block()
    seen = []

    def other():
        mine = current()
        m.unblock()  # nothing this thread blocked: nothing to put back
        seen.append((m.is_active, current() == mine))

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert seen == [(False, True)]
    assert m.is_active
    assert current() == before | {SIGUSR1}
    m.unblock()
    assert current() == before


# -- bad arguments -------------------------------------------------------------------------


@pytest.mark.parametrize("signum", [0, 32, 33, signal.NSIG, -1, 2**70])
def test_a_number_that_is_no_usable_signal_is_a_value_error(mask_class, signum):
    message = r"^%s: %d is not a valid signal" % (mask_class.__name__, signum)
    with pytest.raises(ValueError, match=message):
        mask_class([SIGUSR1, signum])


@pytest.mark.parametrize("signals, what", [(5, "int"), ([1.5], "float"), (["SIGINT"], "str")])
def test_what_is_no_iterable_of_ints_is_a_type_error(mask_class, signals, what):
    with pytest.raises(TypeError, match=r"^%s: .*%s" % (mask_class.__name__, what)):
        mask_class(signals)


def test_setting_bad_signals_names_the_property(mask_class):
    m = mask_class([SIGUSR1])
    with pytest.raises(ValueError, match=r"^%s.signals: 0 " % mask_class.__name__):
        m.signals = [0]
    assert m.signals == frozenset([SIGUSR1])


def test_repr_says_what_it_does(mask_class):
    m = mask_class([SIGUSR2, SIGUSR1])
    assert repr(m) == "<pyglibc.%s signals=[10, 12] SIG_BLOCK>" % mask_class.__name__
    with m:
        assert repr(m).endswith(" active>")


# -- a model: nested blocks of random sets -------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sets(st.sampled_from(HARMLESS)), st.booleans()), max_size=5),
       st.sampled_from([pthread_sigmask, sigprocmask]))
def test_nested_blocks_follow_a_stack_of_masks(levels, mask_class):
    expected = [current()]
    active = []
    try:
        for signals, setmask in levels:
            m = mask_class(signals, setmask=setmask)
            m.block()
            active.append(m)
            expected.append(set(signals) if setmask else expected[-1] | set(signals))
            assert current() == expected[-1]
        while active:
            active.pop().unblock()
            expected.pop()
            assert current() == expected[-1]
    finally:
        while active:
            active.pop().unblock()
