"""C string arguments (paths, names): what a ``convert`` gives C for a ``const char *``.

The generated wrapper accepts any buffer for a ``char *``, but the kernel
reads a path up to its NUL: a bytearray or a memoryview slice has none, and
the kernel would read past it.  So these arguments take what ``os`` takes
(str, bytes, os.PathLike) and become a fresh NUL-terminated ``char[]``; a
cdata ``char[]`` passes only if it holds a NUL.
"""

import os
from typing import Any, List, Tuple

from glibc._spec import Args, Convert


def to_c_string(ffi: Any, function: str, name: str, value: Any) -> Any:
    """The NUL-terminated ``char[]`` cdata for one str/bytes/PathLike/cdata argument."""
    where = "%s: %s" % (function, name)
    if isinstance(value, ffi.CData):
        ctype = ffi.typeof(value)
        if ctype.kind != "array" or ctype.item is not ffi.typeof("char"):
            raise TypeError("%s must be str, bytes, os.PathLike or a char[] cdata, not %s"
                            % (where, ctype.cname))
        if len(ffi.string(value)) >= len(value):
            raise ValueError("%s: the char[] holds no NUL terminator" % where)
        return value
    try:
        path = os.fspath(value)
    except TypeError:
        raise TypeError("%s must be str, bytes or os.PathLike, not %s"
                        % (where, type(value).__name__)) from None
    data = os.fsencode(path)
    if b"\0" in data:
        raise ValueError("%s: embedded null byte" % where)
    return ffi.new("char[]", data)


def c_strings(function: str, **positions: int) -> Convert:
    """A ``convert`` turning the arguments at ``positions`` (name=index) into C strings."""
    items = sorted(positions.items(), key=lambda item: item[1])

    def convert(ffi: Any, lib: Any, args: Args) -> Tuple[Args, Any]:
        out = list(args)
        keep: List[Any] = []
        for name, index in items:
            out[index] = to_c_string(ffi, function, name, out[index])
            keep.append(out[index])
        return tuple(out), keep

    return convert
