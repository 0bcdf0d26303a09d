"""An independent check of a build: ask the C compiler itself what the headers say.

cffi fills in every ``...`` of the tables when the extension is built; this
module writes a second, plain C program from the same tables, compiles it
with the system's compiler and reads back what the headers say: each
constant's value, whether each optional name is defined, the size of each
type, the offset and size of each field, and the size and signedness of the
integer typedefs.  It uses the tables only, never glibc._glibc,
build_glibc.py or csrc/, so a mistake there cannot hide itself.

``run()`` compiles and runs the program and returns a dict keyed by tuples:

    ("value", NAME)                 -> int   (constants, and defined optionals)
    ("defined", NAME)               -> bool  (optionals)
    ("sizeof", c_name)              -> int
    ("offsetof", c_name, field)     -> int
    ("fieldsize", c_name, field)    -> int
    ("signed", c_name)              -> bool  (integer typedefs)
    ("headers", "glibc" or "linux") -> int   (the headers' versions: glibc 2.31
                                              is 2031, Linux's LINUX_VERSION_CODE)

``compare()`` holds a build's ffi and lib against that dict: it is what
``python -m glibc --verify`` prints; tests/test_layout.py makes the same
checks one test each.
"""

import os
import shlex
import shutil
import subprocess
import sysconfig
import tempfile
from typing import Any, NamedTuple, Optional, Sequence, Union

import glibc.families
from glibc._spec import Family

Probe = dict[tuple[str, ...], Union[int, bool]]

# A line of output is: kind TAB name [TAB field] TAB number.  Tabs because
# C names such as "struct timespec" hold spaces.
_PRINT_INT = (
    '    if (({x}) < 0) printf("{prefix}\\t%lld\\n", (long long)({x}));\n'
    '    else printf("{prefix}\\t%llu\\n", (unsigned long long)({x}));'
)
_PRINT_SIZE = '    printf("{prefix}\\t%zu\\n", (size_t)({x}));'


class ProbeError(Exception):
    """The probe could not be compiled or run (no compiler, no headers, ...)."""


def _value(prefix: str, expr: str) -> str:
    # Negative values print signed, others unsigned, so that a constant
    # such as PR_SET_PTRACER_ANY (ULONG_MAX) keeps its true value.
    return _PRINT_INT.format(prefix=prefix, x=expr)


def _size(prefix: str, expr: str) -> str:
    return _PRINT_SIZE.format(prefix=prefix, x=expr)


def headers(fams: Sequence[Family]) -> list[str]:
    """Every family's headers, first appearance first (build_glibc's order)."""
    seen: list[str] = []
    for fam in fams:
        seen.extend(h for h in fam.headers + fam.optional_headers if h not in seen)
    return seen


def _include(header: str, fams: Sequence[Family]) -> str:
    if any(header in fam.optional_headers for fam in fams):
        return "#if __has_include(%s)\n#include %s\n#endif" % (header, header)
    return "#include %s" % header


def source(fams: Optional[Sequence[Family]] = None) -> str:
    """The C program, generated from the binding tables."""
    fams = glibc.families.load() if fams is None else fams
    top = ["#define _GNU_SOURCE 1"]
    top += [_include(h, fams) for h in headers(fams)]
    top += ["#include <features.h>", "#include <linux/version.h>", "#include <stddef.h>",
            "#include <stdio.h>", "", "int main(void)", "{"]
    body = [_value("headers\\tglibc", "__GLIBC__ * 1000 + __GLIBC_MINOR__"),
            _value("headers\\tlinux", "LINUX_VERSION_CODE")]
    for fam in fams:
        body.append("    /* %s */" % fam.name)
        for name in fam.constants:
            if name in fam.kernel_abi:
                # Where the headers lack it, the value the kernel's ABI gives.
                value, present = fam.kernel_abi[name]
                body.append("#if %s" % present)
                body.append(_value("value\\t" + name, name))
                body.append("#else")
                body.append(_value("value\\t" + name, value))
                body.append("#endif")
            else:
                body.append(_value("value\\t" + name, name))
        for name in fam.optional:
            body.append("#ifdef %s" % name)
            body.append('    printf("defined\\t%s\\t1\\n");' % name)
            body.append(_value("value\\t" + name, name))
            body.append("#else")
            body.append('    printf("defined\\t%s\\t0\\n");' % name)
            body.append("#endif")
        for t in fam.types:
            c = t.c_name
            body.append(_size("sizeof\\t" + c, "sizeof(%s)" % c))
            if t.is_scalar:
                body.append(_size("signed\\t" + c, "(%s)-1 < 0" % c))
            for field in t.fields:
                where = "%s\\t%s" % (c, field)
                body.append(_size("offsetof\\t" + where, "offsetof(%s, %s)" % (c, field)))
                body.append(_size("fieldsize\\t" + where, "sizeof(((%s *)0)->%s)" % (c, field)))
    return "\n".join(top + body + ["    return 0;", "}", ""])


def compiler() -> list[str]:
    """$CC if set; else the compiler Python was built with, if it is here; else plain cc."""
    for words in (shlex.split(os.environ.get("CC", "")),
                  shlex.split(sysconfig.get_config_var("CC") or "")):
        if words and shutil.which(words[0]):
            return words
    return ["cc"]


_FLAGS = {"defined": bool, "signed": bool}


def parse(output: str) -> Probe:
    """The program's output as the dict described in the module docstring."""
    out: Probe = {}
    for line in output.splitlines():
        kind, *names, number = line.split("\t")
        out[(kind, *names)] = _FLAGS.get(kind, int)(int(number))
    return out


def run(fams: Optional[Sequence[Family]] = None, cc: Optional[Sequence[str]] = None) -> Probe:
    """Compile and run the probe with ``cc`` (default: ``compiler()``); return its parsed output.

    ProbeError when there is no compiler, or the program does not compile
    or run; the message says why.
    """
    command = list(cc or compiler())
    with tempfile.TemporaryDirectory(prefix="glibc-probe-") as tmp:
        c_file = os.path.join(tmp, "probe.c")
        exe = os.path.join(tmp, "probe")
        with open(c_file, "w") as f:
            f.write(source(fams))
        try:
            built = subprocess.run(command + ["-o", exe, c_file],
                                   capture_output=True, text=True)
        except OSError as exc:
            raise ProbeError("cannot run the C compiler %s: %s" % (shlex.join(command), exc)) \
                from None
        if built.returncode != 0:
            raise ProbeError("the C probe does not compile with %s:\n%s"
                             % (shlex.join(command), built.stderr))
        ran = subprocess.run([exe], capture_output=True, text=True)
        if ran.returncode != 0:
            raise ProbeError("the C probe failed (exit status %d):\n%s"
                             % (ran.returncode, ran.stderr))
    return parse(ran.stdout)


class Check(NamedTuple):
    """One fact compared: what (``"value"``, ``"sizeof"``, ...), of which name, and both sides."""

    kind: str
    name: str
    headers: Any
    build: Any

    @property
    def ok(self) -> bool:
        return bool(self.headers == self.build)

    def __str__(self) -> str:
        return "%s %s: the headers say %r, this build %r" % (
            self.kind, self.name, self.headers, self.build)


def _version(number: int, kind: str) -> str:
    if kind == "glibc":
        return "glibc %d.%d" % divmod(number, 1000)
    return "Linux %d.%d.%d" % (number >> 16, (number >> 8) & 0xFF, number & 0xFF)


def other_headers(probe: Probe, lib: Any) -> Optional[str]:
    """None if the build was made from headers of the probe's versions; else both, in words.

    A wheel built on older headers lacks optional names that newer ones
    define (and the other way round): that is no fault of the build, so
    compare() then holds it only to what both sets of headers have.
    """
    kinds = ("glibc", "linux")
    built = {kind: int(getattr(lib, "GLIBC_HEADERS_" + kind.upper())) for kind in kinds}
    here = {kind: int(probe[("headers", kind)]) for kind in kinds}
    if built == here:
        return None
    return "built on the headers of %s and %s, these are %s and %s" % (
        _version(built["glibc"], "glibc"), _version(built["linux"], "linux"),
        _version(here["glibc"], "glibc"), _version(here["linux"], "linux"))


def compare(probe: Probe, ffi: Any, lib: Any,
            fams: Optional[Sequence[Family]] = None) -> list[Check]:
    """Every constant, optional name, type size, field and integer kind of the tables,
    as the probe saw it and as the build ``ffi``/``lib`` has it.

    An optional name that only one of the build's headers and the probe's
    defines is not compared when the two are of other versions
    (``other_headers``).
    """
    fams = glibc.families.load() if fams is None else fams
    same = other_headers(probe, lib) is None
    checks = []
    for fam in fams:
        for name in fam.constants:
            checks.append(Check("value", name, probe[("value", name)], getattr(lib, name)))
        for name in fam.optional:
            defined = bool(probe[("defined", name)])
            built = bool(getattr(lib, "GLIBC_HAS_" + name))
            if same or defined == built:
                checks.append(Check("defined", name, defined, built))
            if defined and built:
                checks.append(Check("value", name, probe[("value", name)], getattr(lib, name)))
        for t in fam.types:
            c = t.c_name
            ctype = ffi.typeof(c)
            checks.append(Check("sizeof", c, probe[("sizeof", c)], ffi.sizeof(ctype)))
            if t.is_scalar:
                signed = ctype.kind == "primitive" and int(ffi.cast(ctype, -1)) < 0
                checks.append(Check("signed", c, probe[("signed", c)], signed))
            fields = dict(ctype.fields) if ctype.kind in ("struct", "union") else {}
            for field in t.fields:
                where = "%s.%s" % (c, field)
                checks.append(Check("offsetof", where, probe[("offsetof", c, field)],
                                    ffi.offsetof(ctype, field)))
                size = ffi.sizeof(fields[field].type) if field in fields else None
                checks.append(Check("fieldsize", where, probe[("fieldsize", c, field)], size))
    return checks
