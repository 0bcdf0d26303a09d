"""What a check reads is what C gets: integers as exact ints, and whether C may write a cdata.

cffi passes any object with ``__int__`` where C takes an integer
(``Decimal(4096)`` is 4096, ``Decimal("1.5")`` is 1), and a cdata made by
``ffi.from_buffer()`` of a ``bytes`` object points at memory that Python
promises never changes.  A check that asks ``isinstance(count, int)`` lets
the first past, and one that looks only at the cdata's type lets the
second.  The wrappers (glibc/_functions.py) and the families' ``convert``
hooks read their arguments through these helpers instead.
"""

from __future__ import annotations

import gc
import operator

# typing imports re, which a first use of the namespace does not otherwise
# need (glibc/_cparse.py says what that costs): only type checkers read it.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, FrozenSet, List, Optional, Tuple


def index(value: Any) -> int:
    """``value`` as the exact int C gets: by ``__index__``, as the stdlib reads an integer.

    int subclasses, bool, numpy's integers and any ``__index__`` object are
    integers; float, Decimal, Fraction and str are a TypeError, as in
    ``os.read(fd, Decimal(3))``.
    """
    if type(value) is int:
        return value
    value = operator.index(value)
    if type(value) is int:
        return value
    # An int subclass, as operator.index returns it on 3.9 and PyPy (and, with
    # a DeprecationWarning, as an __index__ may): its comparisons may lie.
    # int.__add__ makes the exact int of its value; PyPy's int.__index__ and
    # int.__int__ would call the subclass's own.
    result: int = int.__add__(value, 0)
    return result


def index_of(function: str, name: str, value: Any) -> int:
    """``index(value)``, with a TypeError that names the function and the argument."""
    try:
        return index(value)
    except TypeError as exc:
        raise TypeError("%s: %s: %s" % (function, name, exc)) from None


def _kinds(ffi: Any) -> Tuple[FrozenSet[type], FrozenSet[type]]:
    """The Python types of the cdata ``ffi.from_buffer`` makes, and of those ``ffi.gc`` makes.

    CPython's cffi gives each a type of its own; PyPy's gives every cdata
    the same type, so there both are every cdata's.
    """
    views = frozenset({type(ffi.from_buffer(bytearray(1))),
                       type(ffi.from_buffer("char *", bytearray(1)))})
    return views, frozenset({type(ffi.gc(ffi.new("char *"), _free_nothing))})


def _free_nothing(cdata: Any) -> None:
    """The destructor of the ffi.gc cdata that _kinds makes."""


def never_views(ffi: Any) -> FrozenSet[type]:
    """The Python types of cdata that cannot be a view of another object's buffer.

    On CPython that is every cdata type but from_buffer's and ffi.gc's
    (which may wrap a view): a wrapper can then let a well-typed cdata pass
    where C writes with one set lookup.  On PyPy it is empty.
    """
    seen, todo = set(), [ffi.CData]
    while todo:
        kind = todo.pop()
        if kind not in seen:
            seen.add(kind)
            todo.extend(kind.__subclasses__())
    views, wrappers = _kinds(ffi)
    return frozenset(seen - views - wrappers)


def read_only_owner(ffi: Any) -> Callable[[object], Optional[object]]:
    """A function: cdata -> the read-only object it is a view of, or None.

    cffi keeps the object a ``from_buffer`` cdata views alive, and the
    garbage collector names it (``gc.get_referents``), on CPython and PyPy
    alike: the cdata is read-only if the buffer that object exports now
    is.  An ``ffi.gc`` cdata is asked about the cdata it wraps (on CPython:
    PyPy's repr of it does not say).  Asking costs 100 to 150 ns, so only
    the cdata that may be views are asked.
    """
    views, wrappers = _kinds(ffi)
    suspects = views | wrappers
    # On CPython a cdata of a view's type is a view for sure.  On PyPy every
    # cdata has one type, and only a view's repr ends "from 'bytes' object>":
    # reading it costs 30 ns there, asking the collector 150.
    sure = ffi.CData not in views

    def owner(cdata: object, depth: int = 0) -> Optional[object]:
        if type(cdata) not in suspects:
            return None
        if not sure and not repr(cdata).endswith(" object>"):
            return None
        named = False
        referents: List[object] = gc.get_referents(cdata)
        for referent in referents:
            if isinstance(referent, ffi.CData):
                # An ffi.gc of a view, or of an ffi.gc of one: a short chain.
                found = owner(referent, depth + 1) if depth < 8 else None
                if found is not None:
                    return found
                continue
            try:
                view = memoryview(referent)  # type: ignore[arg-type]  # any object may export one
            except TypeError:
                continue  # the cdata's ctype, a destructor
            named = True
            with view:
                if view.readonly:
                    return referent
        if sure and not named and type(cdata) in views:
            # A view whose object the collector cannot name: C must not
            # write into what may be a bytes object.
            return cdata
        return None
    return owner


_owner_functions: Dict[int, Callable[[object], Optional[object]]] = {}


def read_only_view(ffi: Any, cdata: Any) -> Optional[object]:
    """``read_only_owner(ffi)(cdata)``, for the ``convert`` hooks that take pointers as numbers."""
    owner = _owner_functions.get(id(ffi))
    if owner is None:
        owner = _owner_functions[id(ffi)] = read_only_owner(ffi)
    return owner(cdata)
