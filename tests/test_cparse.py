"""glibc/_cparse.py answers as the regular expressions it replaces.

_spec.py parsed the tables with these four patterns; _cparse.py does it
with str methods so that a first ``from glibc import X`` need not import re.
Each parser is compared with its pattern on every declaration of the tables,
on hand-picked odd ones, and on text hypothesis makes up from the characters
that matter (identifier characters, digits, blanks, * ( ) [ ] ; ,).
"""

import re

from hypothesis import example, given, settings, strategies as st

import glibc.families
from glibc import _cparse

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
PATTERNS = {
    "PROTO": (
        re.compile(r"^\s*(?P<ret>.+?)\b(?P<name>%s)\s*\((?P<args>.*)\)\s*;\s*$" % IDENT, re.S),
        ("ret", "name", "args"),
        "match",
    ),
    "PARAM": (
        re.compile(r"^(?P<type>.*?)\b(?P<name>%s)\s*(?P<dim>\[\s*\d*\s*\])?$" % IDENT, re.S),
        ("type", "name", "dim"),
        "match",
    ),
    "TYPEDEF_NAME": (re.compile(r"(%s)\s*;\s*$" % IDENT), (1,), "search"),
    "TAG": (re.compile(r"^\s*(struct|union)\s+(%s)" % IDENT), (1, 2), "match"),
}
FAMILIES = glibc.families.load()


def same(which, text):
    pattern, groups, method = PATTERNS[which]
    expected = getattr(pattern, method)(text)
    got = getattr(getattr(_cparse, which), method)(text)
    if expected is None:
        assert got is None, (which, text)
    else:
        assert got is not None, (which, text)
        assert [got.group(g) for g in groups] == [expected.group(g) for g in groups], (which, text)


def test_every_declaration_of_the_tables_parses_as_before():
    count = 0
    for fam in FAMILIES:
        for f in fam.functions:
            for text in (f.proto, f.cdef):
                same("PROTO", text)
            args = f.proto[f.proto.index("(") + 1 : f.proto.rindex(")")]
            for decl in args.split(","):
                same("PARAM", " ".join(decl.split()))
                count += 1
        for t in fam.types:
            same("TYPEDEF_NAME", t.cdef)
            same("TAG", t.cdef)
            body = t.cdef[t.cdef.find("{") + 1 : t.cdef.rfind("}")] if "{" in t.cdef else ""
            for decl in body.split(";"):
                same("PARAM", " ".join(decl.split()))
    assert count > 300


ODD = [
    "int f(void);",
    "  int f(void);",
    " f(x);",
    "int  f  ( int a ) ;  ",
    "int 9f(void);",
    "f();",
    "int f(int (*g)(int));",
    "void (*signal(int sig, void (*func)(int)))(int);",
    "int f(void)",
    "int f(void);x",
    "int\nf(\nint a\n);\n",
    "unsigned long long x",
    "int a[2]",
    "int a [ 16 ]",
    "int a[]",
    "int a[2][3]",
    "int a[x]",
    "int",
    "9abc",
    "int 9abc",
    "a]",
    "const char *restrict p",
    "typedef int... pid_t;",
    "typedef struct { int x; } foo_t ;  ",
    "typedef int 9abc;",
    "x;",
    "struct timespec { long tv_sec; ...; };",
    "  union sigval { int a; };",
    "structure x",
    "struct 9x",
    "struct",
    "union\tu",
    "struct _x1",
]


def test_odd_declarations_parse_as_before():
    for text in ODD:
        for which in PATTERNS:
            same(which, text)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="ab_19 \t\n*()[];,", max_size=24))
@example("struct a;")
@example(" (a);")
def test_made_up_text_parses_as_before(text):
    for which in PATTERNS:
        same(which, text)
    for prefix in ("int f(", "struct ", "typedef int "):
        for which in PATTERNS:
            same(which, prefix + text)
