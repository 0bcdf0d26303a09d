"""Python functions made from the table entries, one per C function.

Each wrapper is generated as source so that it has the C parameter names
(``help()`` and keyword arguments work) and does only what its entry needs:
check pointer arguments, call C once (cffi releases the GIL), and turn a
failure into OSError through glibc._errors.  A signal that interrupts a
blocking call runs the Python handlers (they raise if they want) and the
call is retried, as PEP 475 does for the standard library.
"""

from __future__ import annotations

import errno
import math
import time
import types

from glibc._arguments import index_of, never_views, read_only_owner
from glibc._errors import oserror, reasons_by_number
from glibc._spec import Function, Param

# typing imports re, which a first use of the namespace does not otherwise
# need (glibc/_cparse.py says what that costs): only type checkers read it.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

_POINTER_TYPES = ("pointer", "array")
_ONE = (None,)


def run_signal_handlers() -> None:
    """A point where the interpreter runs the Python handlers of pending signals.

    CPython and PyPy both check for pending signals at a backward jump, and
    the loop below makes one: calling this between EINTR and the retried
    call guarantees that the handlers ran (and that what one raises ends
    the call), whatever the interpreter does when a C call returns.
    """
    for _ in _ONE:
        pass


def time_left(ffi: Any) -> Callable[[int], Any]:
    """A function: deadline (ns on CLOCK_MONOTONIC) -> a new struct timespec of the time left."""
    new = ffi.new
    monotonic_ns = time.monotonic_ns

    def left(deadline: int) -> Any:
        ts = new("struct timespec *")
        ts.tv_sec, ts.tv_nsec = divmod(max(0, deadline - monotonic_ns()), 1000000000)
        return ts
    return left


def _describe(obj: object) -> str:
    return type(obj).__name__


def pointer_check(ffi: Any, entry: Function, param: Param) -> Callable[..., Any]:
    """A converter for one pointer parameter of entry.

    It returns the cdata to pass, or, when the parameter has a count
    (``entry.sizes``), the cdata and the count (filled in when the caller
    gave None).  It refuses what could make C write or read past the
    object the caller owns: None or NULL where C dereferences, an array
    shorter than the prototype asks for, a count larger than the buffer, a
    read-only buffer where C writes.
    """
    function = entry.name
    nullable = param.name in entry.nullable
    where = "%s: %s" % (function, param.name)
    null = ffi.NULL
    typeof = ffi.typeof
    if param.is_buffer:
        item = None
        wanted = "a writable contiguous buffer (bytearray, memoryview, array, cdata)" \
            if not param.const else "a contiguous buffer (bytes, bytearray, memoryview, cdata)"
    else:
        item = typeof(param.pointee)
        wanted = "a '%s *' cdata" % param.pointee
    need = param.min_count
    writes = not param.const
    view_of = read_only_owner(ffi)
    count_name = entry.sizes.get(param.name)
    # What the count counts: elements of the pointee (bytes of a buffer), or
    # bytes or bits of the memory whatever the pointee (entry.units).
    unit = entry.units.get(count_name or "", "bytes" if item is None else "elements")
    scale = 8 if unit == "bits" else 1

    def length(arg: Any) -> tuple[Any, int]:
        """The cdata to pass and how much it has, in the unit of its count."""
        if arg is None:
            if nullable:
                return null, 0
            raise TypeError("%s must not be None" % where)
        if not isinstance(arg, ffi.CData):
            if item is not None:
                raise TypeError("%s must be %s, not %s" % (where, wanted, _describe(arg)))
            try:
                data = ffi.from_buffer(arg, require_writable=not param.const)
            except (TypeError, BufferError):
                raise TypeError("%s must be %s, not %s" % (where, wanted, _describe(arg))) from None
            return data, len(data)
        ctype = typeof(arg)
        if ctype.kind not in _POINTER_TYPES:
            raise TypeError("%s must be %s, not %s" % (where, wanted, ctype.cname))
        if arg == null:
            if nullable:
                return null, 0
            raise ValueError("%s must not be NULL" % where)
        if writes:
            owner = view_of(arg)
            if owner is not None:
                raise TypeError("%s must be %s, not a cdata of read-only memory (%s): C writes "
                                "there" % (where, wanted, _describe(owner)))
        if item is None:
            if ctype.kind == "array":
                return arg, ffi.sizeof(arg)
            if ctype.item.kind == "void":
                raise TypeError("%s: a 'void *' has no known size; pass ffi.buffer(p, size)"
                                % where)
            return arg, ffi.sizeof(ctype.item)
        if ctype.item is not item:
            raise TypeError("%s must be %s, not %s" % (where, wanted, ctype.cname))
        if unit == "elements":
            return arg, (len(arg) if ctype.kind == "array" else 1)
        return arg, scale * (ffi.sizeof(arg) if ctype.kind == "array" else ffi.sizeof(item))

    if count_name is not None:
        # None is the whole buffer where the signature offers it as a default.
        whole = count_name == entry.params[-1].name or (
            count_name in entry.defaults and entry.defaults[count_name] is None)
        ctype = next(p.ctype for p in entry.params if p.name == count_name)
        bits = 8 * ffi.sizeof(ctype)
        low = -(1 << (bits - 1)) if int(ffi.cast(ctype, -1)) < 0 else 0
        high = (1 << (bits - 1 if low else bits)) - 1

        def refuse(data: Any, have: int, count: int) -> None:
            """Raise for a count outside 0..have, unless it is a count C may have with NULL."""
            if not low <= count <= high:
                try:
                    ffi.new(ctype + " *", count)
                except OverflowError as own:  # cffi's own words, as for any int argument
                    raise OverflowError("%s: %s: %s" % (function, count_name, own)) from None
            if count < 0:
                raise ValueError("%s: %s must not be negative, not %d"
                                 % (function, count_name, count))
            if data != null:
                raise ValueError("%s has %d %s, fewer than %s %d"
                                 % (where, have, unit, count_name, count))

        def check_counted(arg: Any, count: Any) -> tuple[Any, Any]:
            data, have = length(arg)
            if type(count) is not int:
                if count is None and whole:
                    return data, have
                # What C gets, not what cffi would make of __int__ (Decimal, Fraction).
                count = index_of(function, count_name, count)
            if not 0 <= count <= have:
                refuse(data, have, count)
            return data, count
        return check_counted

    def check(arg: Any) -> Any:
        data, have = length(arg)
        if have < need and data != null:
            raise ValueError("%s must have room for %d elements, not %d" % (where, need, have))
        return data
    return check


_FAST_POINTER = """\
    if not (isinstance({0}, _CData) and _typeof({0}) is _T_{0} and {0}):
        {0} = _check_{0}({0})"""

# Where C writes, a cdata of the declared type may still be a view of a bytes
# object (ffi.from_buffer("T *", b"...")): on CPython only a type that cannot
# be one passes.  PyPy gives every cdata one type, and only a view's repr ends
# "from 'bytes' object>"; making that string costs more than the C call
# (clock_gettime 34 ns -> 80), so the cdata that last passed is kept and
# passes again at the cost of an ``is``: nothing that decided it can change.
# PyPy frees nothing promptly anyway, so keeping one cdata changes nothing.
_FAST_WRITTEN = """\
    if not (type({0}) in _NEVER_VIEWS and _typeof({0}) is _T_{0} and {0}):
        {0} = _check_{0}({0})"""
_FAST_WRITTEN_PYPY = """\
    if {0} is not _passed_{0}[0]:
        if (isinstance({0}, _CData) and _typeof({0}) is _T_{0} and {0}
                and not repr({0}).endswith(" object>")):
            _passed_{0}[0] = {0}
        else:
            {0} = _check_{0}({0})"""

# Every body starts with the first call; only it can meet a bad argument, so
# only it is guarded, and cffi's TypeError/OverflowError gets our context.
_FIRST_CALL = """\
    try:
        r = _c({args})
    except (TypeError, OverflowError, KeyError):
        # cffi refused an argument (KeyError: a dict for a struct or union
        # passed by value names a field it lacks), or a signal handler raised
        # right after the call returned: only the first gets our context.
        _bad_argument({argtuple})
        raise
"""

# The functions that report through errno are called through the shim's
# wrapper that returns errno with the result (csrc/glibc_shim.h): a result
# below _ERRNO_END is _ERRNO_BASE + errno.  errno itself is never read here,
# since a signal handler may have changed it by the time this line runs.
_RETRY = """\
    while r < _ERRNO_END:
        e = r - _ERRNO_BASE
        if e != _EINTR:
            raise _error(e)
        _run_signal_handlers()
{resume}        r = _c({args})
    return r
"""

# pthread style: the error number comes back, EINTR among them
# (clock_nanosleep), and the retry may need new arguments ({resume}).
_ERRNUM_RETRY = """\
    while r:
        if r != _EINTR:
            raise _error(r)
        _run_signal_handlers()
{resume}        r = _c({args})
    return r
"""

_RESUME = "        ({args},) = _resume(_ffi, _lib, ({args},))\n"

# PEP 475: a retried wait must not start its timeout over.
_RETRY_TIMEOUT = """\
    deadline = None
    while r < _ERRNO_END:
        e = r - _ERRNO_BASE
        if e != _EINTR:
            raise _error(e)
        _run_signal_handlers()
        if {t} > 0:
            if deadline is None:
                deadline = start + {t} / 1000.0
            {t} = max(0, _ceil((deadline - _monotonic()) * 1000.0))
        r = _c({args})
    return r
"""

# The same for a struct timespec timeout, counted in nanoseconds on
# CLOCK_MONOTONIC; the caller's struct is const and stays as it was.
_RETRY_TIMESPEC = """\
    deadline = None
    while r < _ERRNO_END:
        e = r - _ERRNO_BASE
        if e != _EINTR:
            raise _error(e)
        _run_signal_handlers()
        if {t}:
            if deadline is None:
                deadline = start + {t}[0].tv_sec * 1000000000 + {t}[0].tv_nsec
            {t} = _time_left(deadline)
        r = _c({args})
    return r
"""

# Also getpriority(2) and nice(2), where -1 is a result too: their wrapper
# in C clears errno before the call and fails only with errno set.
_ONCE = """\
    if r < _ERRNO_END:
        raise _error(r - _ERRNO_BASE)
    return r
"""

# close(2) (EINTR: the fd is closed all the same, success) and pause(2)
# (EINTR: the normal way out, returned as -1 as C returns it).
_EINTR_ENDS = """\
    if r < _ERRNO_END:
        e = r - _ERRNO_BASE
        if e != _EINTR:
            raise _error(e)
        return {on_eintr}
    return r
"""

_ERRNUM = """\
    if r:
        raise _error(r)
    return r
"""

_NEVER = """\
    return r
"""


def _timeout_is_timespec(entry: Function) -> bool:
    return any(p.name == entry.timeout and p.is_pointer for p in entry.params)


def _body(entry: Function) -> str:
    resume = _RESUME if entry.resume else ""
    if entry.convention == "errnum":
        if entry.eintr == "retry":
            return _ERRNUM_RETRY.replace("{resume}", resume)
        return _ERRNUM
    if entry.convention == "never":
        return _NEVER
    if entry.eintr == "retry":
        if entry.timeout:
            return _RETRY_TIMESPEC if _timeout_is_timespec(entry) else _RETRY_TIMEOUT
        return _RETRY.replace("{resume}", resume)
    if entry.eintr == "ignore":
        return _EINTR_ENDS.replace("{on_eintr}", "0")
    if entry.eintr == "return":
        return _EINTR_ENDS.replace("{on_eintr}", "-1")
    return _ONCE


def argument_error(ffi: Any, entry: Function) -> Callable[[tuple[Any, ...]], None]:
    """Raise the TypeError/OverflowError for the argument that cffi refuses, if one is."""
    scalars = [(i, p) for i, p in enumerate(entry.params) if not p.is_pointer]

    def bad_argument(values: tuple[Any, ...]) -> None:
        for i, p in scalars:
            try:
                ffi.new(p.ctype + " *", values[i])
            except (TypeError, OverflowError) as own:
                raise type(own)("%s: %s: %s" % (entry.name, p.name, own)) from None
            except KeyError as own:
                raise TypeError("%s: %s: '%s' has no field %s"
                                % (entry.name, p.name, p.ctype, own)) from None
    return bad_argument


def docstring(entry: Function) -> str:
    lines = [entry.proto, ""]
    if entry.doc:
        lines += [entry.doc, ""]
    lines.append("See %s." % entry.man)
    notes = []
    if entry.nullable:
        notes.append("None passes NULL for %s." % ", ".join(sorted(entry.nullable)))
    counted: dict[str, list[str]] = {}
    for buf, count in sorted(entry.sizes.items()):
        counted.setdefault(count, []).append(buf)
    for count, bufs in sorted(counted.items()):
        notes.append("%s (an int, numpy int or __index__ object) is checked against the size of "
                     "%s%s, before C runs%s." % (
                         count, ", ".join(bufs),
                         " in %s" % entry.units[count] if count in entry.units else "",
                         "; None means all of it" if entry.params[-1].name == count else ""))
    if entry.eintr == "retry":
        notes.append("Retried when a signal interrupts it, after Python's handlers ran (PEP 475)%s."
                     % ("; the retry waits only for what is left of %s" % entry.timeout
                        if entry.timeout else ""))
    beyond = sorted(entry.hazards - {"blocks"})
    if beyond:
        notes.append("Hazards (glibc._spec.HAZARDS): %s." % ", ".join(beyond))
    if notes:
        lines += [""] + notes
    if not entry.errors:
        lines += ["", "Errors: none; the C call cannot fail once its arguments pass the checks."]
        return "\n".join(lines)
    kind = "raised as OSError with the reason in the message"
    if entry.convention == "errnum":
        kind = "C returns the error number; " + kind
    if entry.eintr == "return":
        kind += "; EINTR is not raised but returned as -1"
    if entry.convention == "errno-set":
        kind += "; -1 with errno unset is a result, not a failure"
    lines += ["", "Errors (%s):" % kind]
    width = max(len(n) for n in entry.errors)
    lines += ["  %-*s  %s" % (width, name, why) for name, why in entry.errors.items()]
    return "\n".join(lines)


def make_function(entry: Function, ffi: Any, lib: Any) -> Callable[..., Any]:
    """The Python function for one ``Function`` entry of the tables."""
    reasons = reasons_by_number(entry.errors)
    # The wrapper's globals are a module's namespace, not a plain dict: PyPy's
    # JIT then treats them as the constants they are (measured: a wrapper of
    # clock_gettime takes 27 ns instead of 50, as long as the bare C call).
    env: dict[str, Any] = types.ModuleType("glibc").__dict__
    env.update({
        "_c": getattr(lib, entry.errno_symbol or entry.symbol),
        "_ERRNO_BASE": lib.GLIBC_ERRNO_BASE,
        "_ERRNO_END": lib.GLIBC_ERRNO_END,
        "_ffi": ffi,
        "_typeof": ffi.typeof,
        "_CData": ffi.CData,
        "_NEVER_VIEWS": never_views(ffi),
        "_EINTR": errno.EINTR,
        "_monotonic": time.monotonic,
        "_monotonic_ns": time.monotonic_ns,
        "_NULL": ffi.NULL,
        "_run_signal_handlers": run_signal_handlers,
        "_ceil": math.ceil,
        "_bad_argument": argument_error(ffi, entry),
        "_error": lambda number: oserror(entry.name, reasons, number),
    })
    names = [p.name for p in entry.params]
    last = names[-1] if names else None
    counts = set(entry.sizes.values())
    signature = []
    for p in entry.params:
        if p.name in entry.defaults:
            env["_default_" + p.name] = entry.defaults[p.name]
            signature.append("%s=_default_%s" % (p.name, p.name))
        elif p.name in counts and p.name == last:
            signature.append("%s=None" % p.name)
        else:
            signature.append(p.name)
    lines = ["def %s(%s):" % (entry.name, ", ".join(signature))]
    env["_lib"] = lib
    if entry.resume is not None:
        env["_resume"] = entry.resume
    if entry.convert is not None:
        env["_convert"] = entry.convert
        # _keep holds buffers whose addresses were passed as numbers.
        lines.append("    (%s,), _keep = _convert(_ffi, _lib, (%s,))"
                     % (", ".join(names), ", ".join(names)))
    for p in entry.params:
        if not p.is_pointer:
            continue
        count = entry.sizes.get(p.name)
        env["_check_" + p.name] = pointer_check(ffi, entry, p)
        if count is None and p.min_count == 1 and not p.is_buffer:
            # Fast path: a non-NULL pointer of exactly the declared type
            # (what glibc.<type>() returns) needs no further check.
            env["_T_" + p.name] = ffi.typeof("%s *" % p.pointee)
            if p.const:
                lines.append(_FAST_POINTER.format(p.name))
            else:
                # Nothing a caller passes is this object (None is, and must be checked).
                env["_passed_" + p.name] = [object()]
                lines.append((_FAST_WRITTEN if env["_NEVER_VIEWS"] else _FAST_WRITTEN_PYPY)
                             .format(p.name))
        elif count is None:
            lines.append("    {0} = _check_{0}({0})".format(p.name))
        else:
            lines.append("    {0}, {1} = _check_{0}({0}, {1})".format(p.name, count))
    if entry.timeout and _timeout_is_timespec(entry):
        env["_monotonic_ns"] = time.monotonic_ns
        env["_time_left"] = time_left(ffi)
        lines.append("    start = _monotonic_ns()")
    elif entry.timeout:
        lines.append("    start = _monotonic()")
    argtuple = "(%s,)" % ", ".join(names) if names else "()"
    lines.append(_FIRST_CALL.format(args=", ".join(names), argtuple=argtuple))
    lines.append(_body(entry).format(args=", ".join(names), t=entry.timeout))
    code = compile("\n".join(lines), "<glibc %s>" % entry.name, "exec")
    exec(code, env)
    function: Callable[..., Any] = env[entry.name]
    function.__doc__ = docstring(entry)
    function.__module__ = "glibc"
    function.__qualname__ = entry.name
    return function
