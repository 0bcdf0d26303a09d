"""Every constant that the standard library also has agrees with it.

Python's own modules expose many of the C constants the tables declare, each
compiled from the system's headers by CPython's (or PyPy's) own build: an
oracle independent of ours and of tests/c_probe.py.  Each constant of this
build that a module below also has is one test, ``NAME-module``; a name two
modules have is compared in each, so two modules that disagree cannot hide.
"""

import errno
import fcntl
import io
import mmap
import os
import posix
import resource
import select
import signal
import socket
import stat
import termios
import time

import pytest

import glibc
import glibc.families

# The standard modules that hold C constants.  Looking up every constant of the
# tables in every module of sys.stdlib_module_names finds these, and the private
# modules behind them (_signal, _stat, _pyio), whose values they re-export.
# Some hold none of ours today (errno, mmap, termios; socket on CPython): a
# family added for them is checked with no change here.
MODULES = (errno, fcntl, io, mmap, os, posix, resource, select, signal, socket, stat, termios,
           time)

PRESENT = set(glibc.__all__)  # an optional name is there only where the headers have it
CONSTANTS = [name for fam in glibc.families.load() for name in fam.constants + fam.optional
             if name in PRESENT]
TWINS = [(name, module) for name in CONSTANTS for module in MODULES if hasattr(module, name)]

# The twins whose standard value is not the C constant itself: why, and how to
# get the C value back from it.  Each test checks that the plain comparison
# still fails (else the entry has become useless) and that this one holds.
SEEN_OTHERWISE = {
    ("RLIM_INFINITY", "resource"): (
        "rlim_t is unsigned, but the resource module (CPython's and PyPy's) casts it to a "
        "signed integer: all bits set is -1 there",
        lambda value: value % 2 ** (8 * glibc.ffi.sizeof("rlim_t"))),
    ("S_IFMT", "stat"): (
        "stat.S_IFMT is a function, S_IFMT(mode) == mode & S_IFMT in C: the mask is what it "
        "keeps of a mode with every bit set",
        lambda function: function(2 ** (8 * glibc.ffi.sizeof("mode_t")) - 1)),
}

# The fewest twins of the supported interpreters and headers, less a margin
# for a build of them that has fewer names: Debian 12's PyPy 3.9 (7.3.11) has
# 241, none of them an optional name, so as many with older headers; Debian
# 11's Python 3.9 (glibc 2.31) has 317, Python 3.11 on Debian 12 has 334, and
# Debian 13's 3.13 (glibc 2.41) 388.  Fewer means that the oracle has gone
# missing (an import that finds nothing, a module dropped from MODULES), not
# that the constants agree.
FEWEST = 200


@pytest.mark.parametrize("name, module", TWINS,
                         ids=["%s-%s" % (name, module.__name__) for name, module in TWINS])
def test_the_standard_library_has_the_same_value(name, module):
    ours = getattr(glibc, name)
    theirs = getattr(module, name)
    otherwise = SEEN_OTHERWISE.get((name, module.__name__))
    if otherwise is None:
        assert isinstance(theirs, int), (
            "%s.%s is %r: another meaning? If so, say which in SEEN_OTHERWISE"
            % (module.__name__, name, theirs))
        assert int(theirs) == ours  # int(): signal's are enum members
    else:
        why, convert = otherwise
        assert theirs != ours, "%s.%s is now the C value: drop it from SEEN_OTHERWISE" % (
            module.__name__, name)
        assert convert(theirs) == ours, why


def test_every_exception_is_a_twin():
    twins = {(name, module.__name__) for name, module in TWINS}
    assert set(SEEN_OTHERWISE) <= twins


def test_the_oracle_compares_enough_constants():
    assert len(TWINS) >= FEWEST, "only %d twins: %s" % (
        len(TWINS), ", ".join("%s-%s" % (name, module.__name__) for name, module in TWINS))
