"""personality(2): the execution domain, as /proc/self/personality and uname(2) see it.

A new persona lasts for the life of the process, so changes happen in a
forked child (tests/in_child.py).
"""

import os

import kernelkit
import pytest

from children import in_child
from glibc import (
    ADDR_NO_RANDOMIZE,
    PER_LINUX,
    PER_LINUX32,
    PER_MASK,
    READ_IMPLIES_EXEC,
    personality,
)

# personality(2): the persona that changes nothing and only reports.
QUERY = 0xFFFFFFFF


def proc_personality():
    with open("/proc/self/personality") as f:
        return int(f.read(), 16)


def test_a_query_changes_nothing_and_returns_the_persona():
    current = proc_personality()
    assert personality() == current
    assert personality(QUERY) == current
    assert proc_personality() == current


def add_flags(flags):
    old = personality(personality() | flags)
    return old, personality(), proc_personality()


def test_flags_are_added_and_the_old_persona_returned():
    before = personality()
    old, now, proc = in_child(add_flags, ADDR_NO_RANDOMIZE | READ_IMPLIES_EXEC)
    assert old == before
    assert now == proc == before | ADDR_NO_RANDOMIZE | READ_IMPLIES_EXEC
    assert personality() == before  # the test process is as it was


def machine_as(persona):
    personality(persona)
    return os.uname().machine, personality() & PER_MASK


# The machine uname(2) names under PER_LINUX32: the kernel's COMPAT_UTS_MACHINE.
MACHINE_32 = {"x86_64": "i686", "aarch64": "armv8l"}


def test_per_linux32_makes_uname_report_a_32_bit_machine():
    machine = os.uname().machine
    if kernelkit.emulator():
        pytest.skip("%s answers uname(2) itself, whatever the persona" % kernelkit.emulator())
    named, persona = in_child(machine_as, PER_LINUX32)
    assert persona == PER_LINUX32
    # Elsewhere the kernel may have no 32-bit name, and keeps the machine's.
    assert named == MACHINE_32.get(machine, named)
    assert in_child(machine_as, PER_LINUX) == (machine, PER_LINUX)


def test_a_persona_that_is_not_an_unsigned_long_is_refused():
    # personality() cannot fail in C (glibc returns what the kernel says);
    # its one error is an argument cffi cannot convert.
    with pytest.raises(OverflowError, match="personality: persona"):
        personality(-1)
    with pytest.raises(TypeError, match="personality: persona"):
        personality("PER_LINUX")
