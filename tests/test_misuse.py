"""Too little memory for C is refused before the call, with a message naming the minimum.

Every pointer parameter of every public entry of the tables, one at a
time: an array one element short of what the prototype asks for (``int
pipefd[2]`` asks for 2, ``sigset_t *`` for 1), and a count larger than the
buffer it counts.  The other arguments are well-formed, so the short one
is what the call refuses.  Each call runs in a forked child (children.py's
``in_child``): had a check been missing, C would have run with them.
"""

import re

import pytest

import glibc
import glibc.families
from children import in_child

ffi = glibc.ffi
ENTRIES = {f.name: f for fam in glibc.families.load() for f in fam.functions if f.public}
PATHS = ("pathname", "oldpath", "newpath", "name")


def well_formed(param):
    """An argument that passes the wrapper's checks for param."""
    if not param.is_pointer:
        ctype = param.ctype.replace("const ", "")
        if ctype == "timer_t":
            return ffi.cast("timer_t", 0)
        if ctype == "union sigval":
            return {"sival_int": 0}
        return 0
    if param.pointee == "char" and param.name in PATHS:
        return "x"
    if param.is_buffer:
        return bytearray(64)
    return ffi.new("%s[%d]" % (param.pointee, max(param.min_count, 2)))


def _cases(counted):
    out = []
    for name, entry in sorted(ENTRIES.items()):
        counts = set(entry.sizes) | set(entry.sizes.values())
        for i, param in enumerate(entry.params):
            if param.is_pointer and (param.name in entry.sizes) == counted and (
                    counted or (not param.is_buffer and param.name not in counts)):
                out.append(pytest.param(name, i, id="%s-%s" % (name, param.name)))
    return out


def call_with(name, i, value, count=None):
    """glibc.name with well-formed arguments but ``value`` at i (and ``count`` for its count)."""
    entry = ENTRIES[name]
    args = [well_formed(p) for p in entry.params]
    args[i] = value
    if count is not None:
        args[[p.name for p in entry.params].index(entry.sizes[entry.params[i].name])] = count
    try:
        getattr(glibc, name)(*args)
    except ValueError as exc:
        return str(exc)
    return None


@pytest.mark.parametrize("name, i", _cases(counted=False))
def test_an_array_one_element_short_is_a_value_error_naming_the_minimum(name, i):
    param = ENTRIES[name].params[i]
    short = param.min_count - 1
    message = in_child(call_with, name, i, ffi.new("%s[%d]" % (param.pointee, short)))
    assert message is not None, "%s accepted %d elements for %s" % (name, short, param.name)
    found = re.match(r"%s: %s must have room for (\d+) .*\bnot %d$" % (name, param.name, short),
                     message)
    # capget/capset ask for as many as their header's version needs: at least this.
    assert found and int(found.group(1)) >= param.min_count, message


@pytest.mark.parametrize("name, i", _cases(counted=True))
def test_a_count_past_the_end_of_its_buffer_is_a_value_error(name, i):
    param = ENTRIES[name].params[i]
    if param.is_buffer:
        value, unit = bytearray(2), "bytes"
    else:
        value, unit = ffi.new("%s[2]" % param.pointee), "elements"
    message = in_child(call_with, name, i, value, 3)
    assert message == "%s: %s has 2 %s, fewer than the count 3" % (name, param.name, unit)
