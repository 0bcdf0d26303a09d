"""An independent check of the bindings: ask the C compiler itself.

cffi fills in every ``...`` of the tables when the extension is built; this
module writes a second, plain C program from the same tables, compiles it
with the system compiler and reads back what the headers say: each
constant's value, whether each optional name is defined, the size of each
type, the offset and size of each field, and the size and signedness of the
integer typedefs.  It uses nothing of glibc._glibc, build_glibc.py or
csrc/, so a mistake there cannot hide itself.

``results()`` compiles and runs the program once per process and returns
a dict keyed by tuples:

    ("value", NAME)                 -> int   (constants, and defined optionals)
    ("defined", NAME)               -> bool  (optionals)
    ("sizeof", c_name)              -> int
    ("offsetof", c_name, field)     -> int
    ("fieldsize", c_name, field)    -> int
    ("signed", c_name)              -> bool  (integer typedefs)
"""

import functools
import os
import shlex
import shutil
import subprocess
import sysconfig
import tempfile

import glibc.families

# A line of output is: kind TAB name [TAB field] TAB number.  Tabs because
# C names such as "struct timespec" hold spaces.
_PRINT_INT = (
    '    if (({x}) < 0) printf("{prefix}\\t%lld\\n", (long long)({x}));\n'
    '    else printf("{prefix}\\t%llu\\n", (unsigned long long)({x}));'
)
_PRINT_SIZE = '    printf("{prefix}\\t%zu\\n", (size_t)({x}));'


def _value(prefix, expr):
    # Negative values print signed, others unsigned, so that a constant
    # such as PR_SET_PTRACER_ANY (ULONG_MAX) keeps its true value.
    return _PRINT_INT.format(prefix=prefix, x=expr)


def _size(prefix, expr):
    return _PRINT_SIZE.format(prefix=prefix, x=expr)


def headers(fams):
    """Every family's headers, first appearance first (build_glibc's order)."""
    seen = []
    for fam in fams:
        seen.extend(h for h in fam.headers if h not in seen)
    return seen


def source(fams=None):
    """The C program, generated from the binding tables."""
    fams = glibc.families.load() if fams is None else fams
    top = ["#define _GNU_SOURCE 1"]
    top += ["#include %s" % h for h in headers(fams)]
    top += ["#include <stddef.h>", "#include <stdio.h>", "", "int main(void)", "{"]
    body = []
    for fam in fams:
        body.append("    /* %s */" % fam.name)
        for name in fam.constants:
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


def compiler():
    """The compiler Python was built with, if it is here; else plain cc."""
    words = shlex.split(sysconfig.get_config_var("CC") or "")
    if words and shutil.which(words[0]):
        return words
    return ["cc"]


_FLAGS = {"defined": bool, "signed": bool}


def parse(output):
    """The program's output as the dict described in the module docstring."""
    out = {}
    for line in output.splitlines():
        kind, *names, number = line.split("\t")
        out[(kind, *names)] = _FLAGS.get(kind, int)(int(number))
    return out


@functools.lru_cache(maxsize=None)
def results():
    """Compile and run the probe (once per process); return its parsed output."""
    with tempfile.TemporaryDirectory(prefix="glibc-probe-") as tmp:
        c_file = os.path.join(tmp, "probe.c")
        exe = os.path.join(tmp, "probe")
        with open(c_file, "w") as f:
            f.write(source())
        built = subprocess.run(compiler() + ["-o", exe, c_file],
                               capture_output=True, text=True)
        if built.returncode != 0:
            raise RuntimeError("the C probe does not compile:\n" + built.stderr)
        ran = subprocess.run([exe], capture_output=True, text=True, check=True)
    return parse(ran.stdout)
