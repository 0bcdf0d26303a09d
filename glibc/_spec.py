"""The shape of a binding table entry.

Everything here is plain data: the build script imports it before any C is
compiled, and the runtime imports it to build wrappers, docstrings and error
messages from the same entries.  Nothing in this module touches cffi.
"""

from __future__ import annotations

# Parsers with the API of compiled patterns, without importing re: see there why.
from glibc._cparse import (
    PARAM as _PARAM,
    PROTO as _PROTO,
    TAG as _TAG,
    TYPEDEF_NAME as _TYPEDEF_NAME,
)

# typing imports re, which a first use of the namespace does not otherwise
# need (glibc/_cparse.py says what that costs): only type checkers read it.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, Iterable, Mapping, Optional, Sequence, Tuple, Union

    # The hooks of an entry (convert, resume) take and return the call's arguments.
    Args = Tuple[Any, ...]
    Convert = Callable[[Any, Any, Args], Tuple[Args, Any]]
    Resume = Callable[[Any, Any, Args], Args]
else:
    # Importable at run time by the families, whose annotations are not evaluated.
    Args = Convert = Resume = object


# What the package supports at the oldest: RHEL 8's glibc and kernel.
OLDEST_GLIBC = "2.28"
OLDEST_LINUX = "4.18"


def names(text: str) -> Tuple[str, ...]:
    """Split a whitespace-separated block of C names into a tuple."""
    return tuple(text.split())


class Param:
    """One parameter of a C prototype: its C type and its name.

    ``ctype`` is the type as cffi spells it (``int [2]`` becomes ``int *``);
    ``pointee`` is the pointed-to type for pointers (``None`` for scalars)
    and ``min_count`` is the element count the prototype's array form asks
    for (``int pipefd[2]`` asks for 2).
    """

    __slots__ = ("name", "ctype", "pointee", "min_count", "const")

    name: str
    ctype: str
    pointee: Optional[str]
    min_count: int
    const: bool

    def __init__(self, decl: str) -> None:
        decl = " ".join(decl.split())
        m = _PARAM.match(decl)
        if m is None:
            raise ValueError("cannot parse parameter %r" % decl)
        self.name = m.group("name")
        base = m.group("type").strip()
        dim = m.group("dim")
        if dim is not None:
            digits = dim.strip("[] ")
            self.min_count = int(digits) if digits else 1
            base = base + " *"
        else:
            self.min_count = 1
        spaced = " ".join(base.replace("*", " * ").split())
        self.ctype = spaced.replace(" *", "*").replace("*", " *")
        self.const = self.ctype.startswith("const ")
        if self.ctype.endswith("*"):
            pointee = self.ctype[:-1].strip()
            self.pointee = pointee[len("const "):] if self.const else pointee
        else:
            self.pointee = None

    @property
    def is_pointer(self) -> bool:
        return self.pointee is not None

    @property
    def is_buffer(self) -> bool:
        """True for ``void *``/``char *``: any Python buffer may be passed."""
        return self.pointee in ("void", "char")

    def __repr__(self) -> str:
        return "Param(%r, %r)" % (self.ctype, self.name)


# The words of Function(hazard=...): what a call may do that its
# arguments do not show, so that a fuzzer (or a reader) knows what to fear.
HAZARDS = {
    "blocks": "may wait without limit: for data, a signal, a child, a lock or a time "
              "(every blocking=True entry has it)",
    "exits": "may end or stop the calling process, at once or later: a signal it sends "
             "itself or that a timer it arms will send, seccomp's strict mode, a resource "
             "limit",
    "process": "leaves the calling process or thread changed in a way the caller cannot "
               "simply undo: namespaces, capabilities, resource limits, scheduling and "
               "affinity, personality, timers, memory the kernel keeps using after the call",
    "others": "may act on processes other than the caller (signals, priorities, limits, "
              "scheduling of any pid, process group or user) or on the whole system (its "
              "clock)",
    "fds": "may close or replace file descriptors that it was not given as new ones "
           "(close, dup2's newfd, a whole range)",
}


# What a count of Function(sizes=...) may count besides elements (Function(units=...)).
UNITS = ("bytes", "bits")


class Function:
    """A C function as one table entry.

    proto       the prototype as the man page's SYNOPSIS gives it; it is
                also the cdef line unless ``cdef`` says otherwise.
    man         the man page, e.g. ``"epoll_ctl(2)"``.
    errors      errno name -> why the call fails with it, in our words.
    convention  ``"errno"``: -1 and errno on failure (the usual system call);
                ``"errnum"``: the error number is returned (pthread style);
                ``"never"``: the call cannot fail;
                ``"errno-set"``: -1 is also a valid result (getpriority(2),
                nice(2)), so errno is cleared before the call and only -1
                with errno set is a failure.
    eintr       ``"retry"``: retried after Python signal handlers ran (PEP 475);
                ``"ignore"``: EINTR means success (close(2) on Linux);
                ``"return"``: EINTR is the normal way out (pause(2)).
    timeout     name of a timeout parameter that a retry must shorten by the
                time already waited: an int of milliseconds (negative: no
                limit), or a ``const struct timespec *`` (NULL: no limit),
                which is then never written: the retry passes a new one.
    resume      callable(ffi, lib, args) -> args for the call retried after
                EINTR, when retrying the same arguments would be wrong
                (clock_nanosleep sleeps again only for the time left).
    nullable    pointer parameters that accept ``None`` for NULL.
    sizes       pointer parameter -> the parameter that counts its elements
                (bytes for ``void *``); the count is checked against the
                buffer and may be omitted when it is the last parameter.
                Several pointers may share one count (CPU_AND_S's setsize):
                each is checked.
    units       count parameter -> ``"bytes"`` or ``"bits"`` when it counts
                the memory its pointers point at in those, not in elements
                (cpusetsize: bytes of cpu_set_t; pselect's nfds: bits of
                fd_set; openat2's size: bytes of struct open_how).
    defaults    parameter -> default value on the Python side.
    cdef        the declaration cffi sees when it differs from ``proto``
                (a variadic C function reached through a fixed-arity shim).
    symbol      the name in ``lib`` when it differs from the function's.
    errno_symbol  for the conventions that report through errno, the name in
                ``lib`` of the shim's wrapper that reads errno in the same C
                call and returns it with the result (csrc/glibc_shim.h says
                why); the Python function calls that one.  None otherwise.
    convert     callable(ffi, lib, args) -> (args, keepalive), for arguments
                whose meaning depends on another argument (prctl's option).
    blocking    the call may wait indefinitely: its wrapper retries after
                EINTR (PEP 475), and its hazards include "blocks".
    hazard      what the call may do to the process that makes it, or to
                others, besides what its arguments name: one word of
                ``HAZARDS`` or an iterable of them (kept as the frozenset
                ``hazards``).  A test must not make such a call with
                arbitrary arguments in a process it needs afterwards
                (tests/test_fuzz.py runs each in a throwaway child, with
                arguments that cannot reach beyond it).
    public      exported from the ``glibc`` namespace (shim helpers are not).
    stdlib      the nearest standard-library equivalent (``"os.pipe2"``), or
                ``None``; the coverage page (docs/coverage.md) shows it.
    accepts     parameter -> what the wrapper takes there, as a type
                annotation of the stubs, when ``convert`` takes more than the
                C type says (prctl's ``unsigned long arg2`` takes a buffer).
    syscall     call the kernel through syscall(2) (the build writes the
                function ``glibc_sys_<name>``) instead of glibc's wrapper:
                for system calls whose wrapper glibc added after the oldest
                glibc supported (``OLDEST_GLIBC``), so that no build needs
                or references a newer glibc.  glibc's wrapper of each of
                these makes the same system call with the same arguments.
    glibc       the glibc version that declares the function, when it is
                newer than ``OLDEST_GLIBC`` (shown by ``python -m glibc``).
    linux       the Linux version that added the system call, when it is
                newer than ``OLDEST_LINUX``: an older kernel's ENOSYS is then
                raised as ``OSError(ENOSYS, "<name>: needs Linux <linux>")``.
    """

    def __init__(self, proto: str, man: str, errors: Optional[Mapping[str, str]] = None,
                 convention: str = "errno", eintr: Optional[str] = None,
                 timeout: Optional[str] = None, nullable: Iterable[str] = (),
                 sizes: Optional[Mapping[str, str]] = None,
                 units: Optional[Mapping[str, str]] = None,
                 defaults: Optional[Mapping[str, Any]] = None, cdef: Optional[str] = None,
                 symbol: Optional[str] = None, convert: Optional[Convert] = None,
                 blocking: bool = False, public: bool = True, stdlib: Optional[str] = None,
                 doc: str = "", resume: Optional[Resume] = None,
                 accepts: Optional[Mapping[str, str]] = None,
                 hazard: Iterable[str] = (), syscall: bool = False,
                 glibc: Optional[str] = None, linux: Optional[str] = None) -> None:
        m = _PROTO.match(proto)
        if m is None:
            raise ValueError("cannot parse prototype %r" % proto)
        self.proto = " ".join(proto.split())
        self.name = m.group("name")
        self.restype = m.group("ret").strip()
        args = m.group("args").strip()
        self.params = [] if args in ("", "void") else [Param(a) for a in args.split(",")]
        self.man = man
        self.errors = dict(errors or {})
        self.convention = convention
        self.eintr = eintr or ("retry" if blocking else "raise")
        self.timeout = timeout
        self.nullable = frozenset(nullable)
        self.sizes = dict(sizes or {})
        self.units = dict(units or {})
        if set(self.units) - set(self.sizes.values()):
            raise ValueError("%s: units for parameters that count nothing: %s"
                             % (self.name, sorted(set(self.units) - set(self.sizes.values()))))
        if set(self.units.values()) - set(UNITS):
            raise ValueError("%s: unknown units %s (known: %s)"
                             % (self.name, sorted(set(self.units.values()) - set(UNITS)),
                                ", ".join(UNITS)))
        self.defaults = dict(defaults or {})
        self.cdef = " ".join((cdef or proto).split())
        self.symbol = symbol or self.name
        self.syscall = syscall
        if syscall:
            if cdef is not None or symbol is not None:
                raise ValueError("%s: syscall=True makes its own cdef and symbol" % self.name)
            self.symbol = "glibc_sys_" + self.name
            self.cdef = self.cdef.replace(self.name + "(", self.symbol + "(", 1)
        self.glibc = glibc
        self.linux = linux
        if linux is not None:
            if "ENOSYS" in self.errors:
                raise ValueError("%s: linux= gives the ENOSYS reason; errors must not" % self.name)
            self.errors["ENOSYS"] = "needs Linux %s" % linux
        self.errno_symbol = ("glibc_errno_" + self.name
                             if convention in ("errno", "errno-set") else None)
        self.convert = convert
        self.resume = resume
        self.blocking = blocking
        words = {hazard} if isinstance(hazard, str) else set(hazard)
        unknown = words - set(HAZARDS)
        if unknown:
            raise ValueError("%s: unknown hazards %s (known: %s)"
                             % (self.name, sorted(unknown), ", ".join(sorted(HAZARDS))))
        if blocking:
            words.add("blocks")
        self.hazards = frozenset(words)
        self.public = public
        self.stdlib = stdlib
        self.doc = doc
        self.accepts = dict(accepts or {})
        known = {p.name for p in self.params}
        for group in (self.nullable, self.sizes, self.sizes.values(), self.defaults,
                      self.accepts):
            unknown = set(group) - known
            if unknown:
                raise ValueError("%s: unknown parameters %s" % (self.name, sorted(unknown)))
        if timeout is not None and timeout not in known:
            raise ValueError("%s: unknown timeout parameter %r" % (self.name, timeout))
        if timeout is not None:
            kind = {p.name: p for p in self.params}[timeout]
            if kind.is_pointer and kind.pointee != "struct timespec":
                raise ValueError("%s: a timeout pointer must be a struct timespec *, not %s"
                                 % (self.name, kind.ctype))
        if resume is not None and self.eintr != "retry":
            raise ValueError("%s: resume only makes sense with eintr='retry'" % self.name)

    def __repr__(self) -> str:
        return "Function(%r)" % self.proto


class Type:
    """A C type as one table entry.

    ``cdef`` is the declaration cffi sees, with ``...`` wherever the
    compiler must fill in the layout or the integer kind.  The C spelling
    (``struct timespec``) and the field names are read off it.
    """

    def __init__(self, name: str, cdef: str, man: Optional[str] = None) -> None:
        self.name = name
        self.cdef = " ".join(cdef.split())
        self.man = man
        m = (_TYPEDEF_NAME.search if self.cdef.startswith("typedef") else _TAG.match)(self.cdef)
        if m is None:
            raise ValueError("cannot read the C name of %r" % self.cdef)
        self.c_name = " ".join(m.groups())
        body = self.cdef[self.cdef.find("{") + 1:self.cdef.rfind("}")] if "{" in self.cdef else ""
        self.fields = tuple(
            Param(decl).name for decl in body.split(";")
            if decl.strip() and decl.strip() != "..."
        )

    @property
    def is_scalar(self) -> bool:
        return "{" not in self.cdef and "..." in self.cdef and "int..." in self.cdef

    def __repr__(self) -> str:
        return "Type(%r, %r)" % (self.name, self.c_name)


class Family:
    """One header family: what it includes and what it declares.

    ``constants`` must exist in every supported set of headers, or have
    their value in ``kernel_abi``; each of ``optional`` is looked for at
    build time and is simply absent from the namespace when the headers lack
    it.  ``source`` is C that the family adds to the shim (usually an
    ``#include`` of its helpers in csrc/).

    ``kernel_abi`` maps a constant to the C expression of its value, for
    constants that the kernel's ABI fixes alike on every architecture and
    that older headers lack: the build defines it where the headers do not,
    and where they do, the compiler checks that the two agree.  A value may
    be a pair (expression, condition): the condition says, in the
    preprocessor's terms, when the headers have it, for a constant that is
    an enum member (no ``#ifdef`` sees those).  ``optional_headers`` are
    included where they exist.
    """

    def __init__(self, name: str, headers: Sequence[str], doc: str, types: Iterable[Type] = (),
                 constants: Iterable[str] = (), optional: Iterable[str] = (),
                 functions: Iterable[Function] = (), source: str = "",
                 kernel_abi: Optional[Mapping[str, Union[str, Tuple[str, str]]]] = None,
                 optional_headers: Sequence[str] = ()) -> None:
        self.name = name
        self.headers = tuple(headers)
        self.optional_headers = tuple(optional_headers)
        self.kernel_abi: Dict[str, Tuple[str, str]] = {
            constant: (value, "defined " + constant) if isinstance(value, str) else value
            for constant, value in (kernel_abi or {}).items()}
        self.doc = doc
        self.types = tuple(types)
        self.constants = tuple(constants)
        unknown = set(self.kernel_abi) - set(self.constants)
        if unknown:
            raise ValueError("%s: kernel_abi names what constants lacks: %s"
                             % (name, sorted(unknown)))
        self.optional = tuple(optional)
        self.functions = tuple(functions)
        self.source = source

    def public_names(self) -> list[str]:
        return (
            [t.name for t in self.types]
            + list(self.constants) + list(self.optional)
            + [f.name for f in self.functions if f.public]
        )

    def __repr__(self) -> str:
        return "Family(%r)" % self.name
