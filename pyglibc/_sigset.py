"""Python sets of signal numbers <-> sigset_t, one C call per set.

The two shim helpers of csrc/sigset.h are not in the public ``glibc``
namespace; their wrappers are made here from their table entries, so they
check their arguments and fail the same way every other binding does.
"""

import operator
from typing import Any, Iterable, Optional

import glibc
import glibc.families.signal
from glibc._functions import make_function

_ENTRIES = {f.name: f for f in glibc.families.signal.FAMILY.functions}
_fill = make_function(_ENTRIES["glibc_sigset_fill"], glibc.ffi, glibc.lib)
_members = make_function(_ENTRIES["glibc_sigset_members"], glibc.ffi, glibc.lib)

_new_ints = glibc.ffi.new
_unpack = glibc.ffi.unpack
_valid: Optional[frozenset[int]] = None


def members(mask: Any) -> frozenset[int]:
    """The signals in the sigset_t ``mask``, as glibc reports them, in a frozenset.

    Whatever the kernel put in the mask is listed, the signals glibc keeps
    for itself (32 and 33, which sigaddset refuses) included.
    """
    out = _new_ints("int[]", glibc.NSIG)
    return frozenset(_unpack(out, _members(mask, out)))


def valid_signals() -> frozenset[int]:
    """What sigfillset(3) puts in a set: every signal a program may block or watch."""
    global _valid
    if _valid is None:
        full = glibc.sigset_t()
        glibc.sigfillset(full)
        _valid = members(full)
    return _valid


def sigset(signals: Optional[Iterable[int]], where: str) -> tuple[frozenset[int], Any]:
    """``(frozenset, sigset_t)`` for an iterable of signal numbers (None: no signal).

    ``where`` names the caller in the messages: a TypeError for something that
    is not an iterable of ints, a ValueError for a number that is not a
    signal one may use (0, 65, or the 32 and 33 glibc keeps for itself).
    """
    if signals is None:
        signals = ()
    try:
        iterator = iter(signals)
    except TypeError:
        raise TypeError("%s: signals must be an iterable of signal numbers, not %s"
                        % (where, type(signals).__name__)) from None
    items = list(iterator)
    for signum in items:
        try:
            operator.index(signum)
        except TypeError:
            raise TypeError("%s: a signal number must be an int, not %s"
                            % (where, type(signum).__name__)) from None
    chosen = frozenset(items)
    bad = sorted(chosen - valid_signals())
    if bad:
        raise ValueError("%s: %s is not a valid signal number (signal.valid_signals() lists "
                         "them; glibc keeps 32 and 33 for itself)" % (where, bad[0]))
    mask = glibc.sigset_t()
    numbers = sorted(operator.index(signum) for signum in chosen)
    _fill(mask, _new_ints("int[]", numbers), len(numbers))
    return chosen, mask
