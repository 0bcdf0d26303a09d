"""A sigset_t beside a Python set: every operation must leave the two alike.

Rules of the model, from sigsetops(3) as glibc implements it:

* sigfillset does not give every number 1..NSIG-1.  glibc keeps two
  real-time signals for its own threads (SIGCANCEL and SIGSETXID, 32 and 33
  on Linux): sigfillset leaves them out and sigaddset/sigdelset refuse them
  with EINVAL, while sigismember just answers 0.  So the model's "full" set
  is read off one sigfillset rather than typed in, and checked against
  signal.valid_signals(), which CPython also builds with sigfillset.
* 0, negative numbers and numbers >= NSIG are EINVAL for all three, and a
  refused call leaves the set as it was.
* The GNU operations sigorset/sigandset are the set union and intersection
  (their destination may be one of their inputs), and sigisemptyset is 1
  exactly when the set holds nothing.
"""

import errno
import signal

import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

import glibc
from glibc import NSIG, ffi, sigaddset, sigdelset, sigemptyset, sigfillset, sigismember, sigset_t

lib = glibc.lib


def _full():
    mask = sigset_t()
    sigfillset(mask)
    return frozenset(n for n in range(1, NSIG) if sigismember(mask, n))


FULL = _full()
RESERVED = frozenset(range(1, NSIG)) - FULL  # glibc's own, refused by add and del

valid_signals = st.sampled_from(sorted(FULL))
reserved_signals = st.sampled_from(sorted(RESERVED))
invalid_signals = st.one_of(st.integers(-2**31, 0), st.integers(NSIG, 2**31 - 1))


def test_the_full_set_is_the_stdlibs_valid_signals():
    assert FULL == frozenset(signal.valid_signals())
    assert RESERVED == {32, 33}


def contents(mask):
    return frozenset(n for n in range(1, NSIG) if sigismember(mask, n))


def members(mask, capacity=NSIG):
    """glibc_sigset_members: the members of mask in increasing order."""
    out = ffi.new("int[]", capacity)
    n = lib.glibc_sigset_members(mask, out, capacity)
    assert n >= 0, ffi.errno
    return list(out[0:n])


def made(signals):
    mask = sigset_t()
    sigemptyset(mask)
    for signum in signals:
        sigaddset(mask, signum)
    return mask


def expect_einval(call, *args):
    with pytest.raises(OSError) as info:
        call(*args)
    assert info.value.errno == errno.EINVAL


class SigsetModel(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.mask = sigset_t()
        sigemptyset(self.mask)
        self.model = set()

    @rule()
    def empty(self):
        assert sigemptyset(self.mask) == 0
        self.model = set()

    @rule()
    def fill(self):
        assert sigfillset(self.mask) == 0
        self.model = set(FULL)

    @rule(signum=valid_signals)
    def add(self, signum):
        assert sigaddset(self.mask, signum) == 0
        self.model.add(signum)

    @rule(signum=valid_signals)
    def delete(self, signum):
        assert sigdelset(self.mask, signum) == 0
        self.model.discard(signum)

    @rule(signum=st.integers(1, NSIG - 1))
    def ismember(self, signum):
        assert sigismember(self.mask, signum) == (signum in self.model)

    @rule(signum=st.one_of(invalid_signals, reserved_signals))
    def add_refused(self, signum):
        expect_einval(sigaddset, self.mask, signum)

    @rule(signum=st.one_of(invalid_signals, reserved_signals))
    def delete_refused(self, signum):
        expect_einval(sigdelset, self.mask, signum)

    @rule(signum=invalid_signals)
    def ismember_refused(self, signum):
        expect_einval(sigismember, self.mask, signum)

    @rule(other=st.sets(valid_signals), into_self=st.booleans())
    def union(self, other, into_self):
        # sigorset(3) may write into one of its inputs.
        dest = self.mask if into_self else sigset_t()
        assert glibc.sigorset(dest, self.mask, made(other)) == 0
        self.mask = dest
        self.model |= other

    @rule(other=st.sets(valid_signals), into_self=st.booleans())
    def intersection(self, other, into_self):
        dest = self.mask if into_self else sigset_t()
        assert glibc.sigandset(dest, made(other), self.mask) == 0
        self.mask = dest
        self.model &= other

    @rule(signals=st.lists(valid_signals, max_size=2 * len(FULL)))
    def fill_from_list(self, signals):
        array = ffi.new("int[]", signals)
        assert lib.glibc_sigset_fill(self.mask, array, len(signals)) == 0
        self.model = set(signals)

    @invariant()
    def same_contents(self):
        assert contents(self.mask) == self.model

    @invariant()
    def empty_when_the_model_is(self):
        assert glibc.sigisemptyset(self.mask) == (not self.model)

    @invariant()
    def members_are_the_model_sorted(self):
        assert members(self.mask) == sorted(self.model)


SigsetModel.TestCase.settings = settings(
    max_examples=60, stateful_step_count=25, deadline=None, database=None)
TestSigsetModel = SigsetModel.TestCase


# -- the shim helpers on their own ----------------------------------------------------------------


@settings(max_examples=60, deadline=None, database=None)
@given(st.lists(valid_signals, max_size=80))
def test_glibc_sigset_fill_then_members_gives_the_sorted_distinct_signals(signals):
    mask = sigset_t()
    sigfillset(mask)  # whatever was there before is dropped
    assert lib.glibc_sigset_fill(mask, ffi.new("int[]", signals), len(signals)) == 0
    assert members(mask) == sorted(set(signals))
    assert contents(mask) == set(signals)


@settings(max_examples=60, deadline=None, database=None)
@given(st.sets(valid_signals, min_size=1))
def test_glibc_sigset_members_with_too_little_room_is_erange(signals):
    mask = sigset_t()
    lib.glibc_sigset_fill(mask, ffi.new("int[]", sorted(signals)), len(signals))
    out = ffi.new("int[]", len(signals))
    assert lib.glibc_sigset_members(mask, out, len(signals) - 1) == -1
    assert ffi.errno == errno.ERANGE
    assert lib.glibc_sigset_members(mask, out, len(signals)) == len(signals)


def test_glibc_sigset_members_of_an_empty_set_needs_no_room():
    mask = sigset_t()
    sigemptyset(mask)
    assert lib.glibc_sigset_members(mask, ffi.NULL, 0) == 0


@pytest.mark.parametrize("bad", [0, -1, NSIG, 32, 33])
def test_glibc_sigset_fill_refuses_a_bad_signal_with_einval(bad):
    mask = sigset_t()
    signals = ffi.new("int[]", [signal.SIGUSR1, bad])
    assert lib.glibc_sigset_fill(mask, signals, 2) == -1
    assert ffi.errno == errno.EINVAL


def test_glibc_sigset_fill_of_nothing_is_the_empty_set():
    mask = sigset_t()
    sigfillset(mask)
    assert lib.glibc_sigset_fill(mask, ffi.NULL, 0) == 0
    assert members(mask) == []
