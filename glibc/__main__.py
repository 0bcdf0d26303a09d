"""``python -m glibc``: what the bindings hold, and whether this build agrees with the headers.

    python -m glibc                  every family with its counts
    python -m glibc --family epoll   one family: its functions, types and constants
    python -m glibc --search sig     every name that holds "sig", whatever its family
    python -m glibc --verify         compile a C probe and check every constant and layout

The inventory needs only the tables; values and what this build lacks come
from the compiled module when it is there.  --verify exits 1 when anything
differs, 2 when the probe cannot be compiled (it needs a C compiler and the
libc headers: cc, or $CC).
"""

import argparse
import sys
from typing import Any, Optional, Sequence, TextIO

import glibc.families
from glibc._spec import OLDEST_GLIBC, OLDEST_LINUX, Family, Function, Type


def _compiled() -> Optional[tuple[Any, Any]]:
    try:
        from glibc._namespace import compiled

        return compiled()
    except ImportError:
        return None


def _absent(lib: Any, name: str) -> bool:
    return not getattr(lib, "GLIBC_HAS_" + name, True)


def needs(f: Function) -> str:
    """What f needs beyond the oldest glibc and Linux supported, in words ("" for nothing)."""
    words = []
    if f.linux:
        words.append("needs Linux %s" % f.linux)
    if f.glibc:
        words.append("glibc has it since %s, not needed here" % f.glibc)
    return "; ".join(words)


def _function_line(f: Function) -> str:
    extra = "".join("; %s" % w for w in (needs(f), f.stdlib and "stdlib: %s" % f.stdlib) if w)
    return "  %s  [%s%s]" % (f.proto, f.man, extra)


def _type_line(t: Type, ffi: Any) -> str:
    size = "  (%d bytes)" % ffi.sizeof(t.c_name) if ffi is not None else ""
    return "  %-18s %s%s" % (t.name, t.cdef, size)


def _constant_line(name: str, optional: bool, lib: Any) -> str:
    if lib is None:
        value = ""
    elif optional and _absent(lib, name):
        value = " = (not in this build: the headers lack it)"
    else:
        value = " = %d" % getattr(lib, name)
    return "  %s%s%s" % (name, value, "  [optional]" if optional and lib is None else "")


def header_list(fam: Family) -> str:
    return " ".join(list(fam.headers) + ["%s (if present)" % h for h in fam.optional_headers])


def summary(fams: Sequence[Family], out: TextIO) -> None:
    """One line per family, then the totals."""
    total = [0, 0, 0]
    out.write("%-12s %9s %6s %9s  headers\n" % ("family", "functions", "types", "constants"))
    for fam in fams:
        counts = [sum(1 for f in fam.functions if f.public), len(fam.types),
                  len(fam.constants) + len(fam.optional)]
        total = [a + b for a, b in zip(total, counts)]
        out.write("%-12s %9d %6d %9d  %s\n"
                  % (fam.name, counts[0], counts[1], counts[2], header_list(fam)))
    out.write("%-12s %9d %6d %9d\n" % ("total", total[0], total[1], total[2]))
    out.write("\nEvery name works with glibc %s and Linux %s or newer; a function that needs a "
              "newer Linux, or that glibc added later (this build needs no newer glibc), says "
              "so.\n" % (OLDEST_GLIBC, OLDEST_LINUX))
    out.write("python -m glibc --family NAME lists one; --search TEXT finds names; "
              "--verify checks this build.\n")


def family(fam: Family, out: TextIO) -> None:
    """Everything one family declares, with values and sizes when the module is built."""
    built = _compiled()
    ffi, lib = built if built is not None else (None, None)
    out.write("%s: %s\nheaders: %s\n" % (fam.name, fam.doc, header_list(fam)))
    functions = [f for f in fam.functions if f.public]
    out.write("\nfunctions (%d):\n" % len(functions))
    out.writelines(_function_line(f) + "\n" for f in functions)
    out.write("\ntypes (%d):\n" % len(fam.types))
    out.writelines(_type_line(t, ffi) + "\n" for t in fam.types)
    out.write("\nconstants (%d):\n" % (len(fam.constants) + len(fam.optional)))
    out.writelines(_constant_line(name, False, lib) + "\n" for name in fam.constants)
    out.writelines(_constant_line(name, True, lib) + "\n" for name in fam.optional)
    if built is None:
        out.write("\n(glibc._glibc is not built: no values; optional constants are marked)\n")


def search(fams: Sequence[Family], text: str, out: TextIO) -> int:
    """Every public name holding ``text`` (any case); returns how many."""
    needle = text.lower()
    found = 0
    for fam in fams:
        rows = [("type", t.name, t.cdef) for t in fam.types]
        rows += [("constant", n, "") for n in fam.constants]
        rows += [("constant", n, "(optional)") for n in fam.optional]
        rows += [("function", f.name, f.proto + ("  [%s]" % needs(f) if needs(f) else ""))
                 for f in fam.functions if f.public]
        for kind, name, what in rows:
            if needle in name.lower():
                out.write("%-8s %-28s %-11s %s\n" % (kind, name, fam.name, what))
                found += 1
    if not found:
        out.write("no name holds %r\n" % text)
    return found


def verify(fams: Sequence[Family], out: TextIO) -> int:
    """Compile the probe, compare, print a summary: 0 all agree, 1 some differ, 2 no probe."""
    from glibc._namespace import compiled
    from glibc._probe import ProbeError, compare, compiler, other_headers, run

    try:
        ffi, lib = compiled()
    except ImportError as exc:
        out.write("glibc --verify: %s\n" % exc)
        return 2
    command = compiler()
    try:
        probe = run(fams, command)
    except ProbeError as exc:
        out.write("glibc --verify: %s\n" % exc)
        return 2
    checks = compare(probe, ffi, lib, fams)
    bad = [c for c in checks if not c.ok]
    kinds: dict[str, list[int]] = {}
    for c in checks:
        kinds.setdefault(c.kind, [0, 0])[0] += 1
        kinds[c.kind][1] += not c.ok
    out.write("glibc --verify: %s against the headers, as %s compiles them\n"
              % (sys.modules["glibc._glibc"].__file__, " ".join(command)))
    other = other_headers(probe, lib)
    if other is not None:
        out.write("  (%s: a name that only one of them defines is not compared)\n" % other)
    names = {"value": "constant values", "defined": "optional names defined or not",
             "sizeof": "type sizes", "signed": "integer signedness",
             "offsetof": "field offsets", "fieldsize": "field sizes"}
    for kind in ("value", "defined", "sizeof", "signed", "offsetof", "fieldsize"):
        if kind in kinds:
            n, wrong = kinds[kind]
            out.write("  %-31s %5d checked, %d differ\n" % (names[kind], n, wrong))
    for c in bad:
        out.write("DIFFERS: %s\n" % (c,))
    out.write("%s: %d checks, %d differ\n" % ("FAILED" if bad else "OK", len(checks), len(bad)))
    return 1 if bad else 0


def main(argv: Optional[Sequence[str]] = None, out: Optional[TextIO] = None) -> int:
    """The command line: returns the exit status; output goes to ``out`` (sys.stdout)."""
    out = sys.stdout if out is None else out
    parser = argparse.ArgumentParser(
        prog="python -m glibc",
        description="The functions, types and constants of the glibc bindings, and a check of "
                    "this build against the C headers.")
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--family", metavar="NAME",
                      help="list one family (names: python -m glibc)")
    what.add_argument("--search", metavar="TEXT",
                      help="list every function, type and constant whose name holds TEXT")
    what.add_argument("--verify", action="store_true",
                      help="compile a C probe from the tables with the system's compiler ($CC or "
                           "cc) and check every constant and layout of this build: exit status "
                           "1 if any differs, 2 if the probe cannot be built")
    args = parser.parse_args(argv)
    fams = glibc.families.load()
    if args.verify:
        return verify(fams, out)
    if args.search is not None:
        return 0 if search(fams, args.search, out) else 1
    if args.family is not None:
        by_name = {fam.name: fam for fam in fams}
        if args.family not in by_name:
            parser.error("no family %r (there are: %s)" % (args.family, ", ".join(by_name)))
        family(by_name[args.family], out)
        return 0
    summary(fams, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
