"""Arguments that are bit masks in a C ``int``.

Flags such as __WCLONE and CLONE_IO are bit 31: the header's constant is
2**31, which a C int holds only as INT_MIN, so C code passing it sees a
negative number while Python would refuse it as out of range.
"""

from typing import Any, Tuple

from glibc._arguments import index
from glibc._spec import Args, Convert


def int_masks(*positions: int) -> Convert:
    """A ``convert`` that passes the ints at ``positions`` as C would: bit 31 is the sign."""

    def convert(ffi: Any, lib: Any, args: Args) -> Tuple[Args, Any]:
        bits = 8 * ffi.sizeof("int")
        out = list(args)
        for i in positions:
            try:
                value = index(out[i])
            except TypeError:
                continue  # the C call's own check names the argument
            if 1 << (bits - 1) <= value < 1 << bits:
                value -= 1 << bits
            out[i] = value
        return tuple(out), None

    return convert
