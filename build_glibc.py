"""cffi build script: the binding tables in glibc/families/ become glibc._glibc.

Run by setuptools through ``cffi_modules`` in setup.py (``pip install .``)
or by hand (``python build_glibc.py``) to build the extension in place.
Every constant, struct layout and integer type is declared with ``...`` so
that the C compiler fills it in from this machine's headers.
"""

import os
import shutil
import sys

import cffi

HERE = os.path.dirname(os.path.abspath(__file__))
CSRC = os.path.join(HERE, "csrc")
sys.path.insert(0, HERE)

import glibc.families as _families  # noqa: E402  (needs HERE on sys.path)

# Warnings are worth reading; the one below is cffi's own layout probe taking
# the address of a member of the packed struct epoll_event (x86_64), which
# it only compares and never dereferences.
CFLAGS = ["-Wall", "-Wextra", "-Wno-address-of-packed-member"]
if os.environ.get("GLIBC_WERROR"):
    CFLAGS.append("-Werror")
# GLIBC_SANITIZE=1: AddressSanitizer and UndefinedBehaviorSanitizer in the
# shim and cffi's glue (nox -s sanitizers).  The interpreter is not built
# with them, so the ASan runtime must come first: run with
# LD_PRELOAD=$(gcc -print-file-name=libasan.so).  Any undefined behaviour
# aborts, as an ASan report does.
LDFLAGS = []
if os.environ.get("GLIBC_SANITIZE"):
    SANITIZE = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all",
                "-fno-omit-frame-pointer"]
    CFLAGS += SANITIZE
    LDFLAGS += SANITIZE


def has_flag(name):
    return "GLIBC_HAS_" + name


# What glibc/_namespace.py needs to know before it imports a table: every
# public name, its kind and its family, compiled in as one string.
INDEX_CDEF = "const char *glibc_names(void);"
INDEX_KINDS = ("type", "constant", "optional", "function")


def index_lines(fams):
    """One line per family and kind: "family kind name name ..."."""
    lines = []
    for module, fam in zip(_families.ORDER, fams):
        groups = ([t.name for t in fam.types], fam.constants, fam.optional,
                  [f.name for f in fam.functions if f.public])
        lines += [" ".join([module, kind] + list(names))
                  for kind, names in zip(INDEX_KINDS, groups) if names]
    return lines


# Read by the Python side of the wrappers of errno_wrapper() below, and by
# glibc._probe (which headers built the extension): csrc/glibc_shim.h.
SHIM_CDEF = """#define GLIBC_ERRNO_BASE ...
#define GLIBC_ERRNO_END ...
#define GLIBC_HEADERS_GLIBC ...
#define GLIBC_HEADERS_LINUX ..."""


def errno_prototype(entry):
    params = ", ".join("%s %s" % (p.ctype, p.name) for p in entry.params) or "void"
    return "long long %s(%s)" % (entry.errno_symbol, params)


def errno_wrapper(entry):
    """The C function that calls entry and returns errno with the result (glibc_shim.h)."""
    lines = ["static " + errno_prototype(entry), "{", "    %s r;" % entry.restype]
    if entry.convention == "errno-set":
        lines.append("    errno = 0;")
    lines.append("    r = %s(%s);" % (entry.symbol, ", ".join(p.name for p in entry.params)))
    failed = "r == -1 && errno" if entry.convention == "errno-set" else "r == -1"
    lines += ["    return %s ? GLIBC_FAILED(errno) : r;" % failed, "}"]
    return "\n".join(lines)


def cdef_text(fams):
    out = [INDEX_CDEF, SHIM_CDEF]
    for fam in fams:
        out.append("/* %s */" % fam.name)
        out.extend(t.cdef for t in fam.types)
        out.extend("#define %s ..." % name for name in fam.constants)
        for name in fam.optional:
            out.append("#define %s ..." % name)
            out.append("#define %s ..." % has_flag(name))
        out.extend(f.cdef for f in fam.functions)
        out.extend(errno_prototype(f) + ";" for f in fam.functions if f.errno_symbol)
    return "\n".join(out) + "\n"


def syscall_wrapper(entry):
    """The C function that makes entry's system call through syscall(2)."""
    params = ", ".join("%s %s" % (p.ctype, p.name) for p in entry.params) or "void"
    args = "".join(", " + p.name for p in entry.params)
    return "static %s %s(%s)\n{\n    return (%s)syscall(SYS_%s%s);\n}" % (
        entry.restype, entry.symbol, params, entry.restype, entry.name, args)


def kernel_abi_lines(name, value, present):
    """Define name where the headers lack it; where they have it, check it is value."""
    return [
        "#if %s" % present,
        '_Static_assert((%s) == (%s), "%s: the headers and the kernel ABI disagree");'
        % (name, value, name),
        "#elif !defined %s" % name,
        "#define %s %s" % (name, value),
        "#endif",
    ]


def source_text(fams):
    out = ['#include "glibc_shim.h"']
    seen = set()
    for fam in fams:
        for header in fam.headers + fam.optional_headers:
            if header in seen:
                continue
            seen.add(header)
            if header in fam.optional_headers:
                out += ["#if __has_include(%s)" % header, "#include %s" % header, "#endif"]
            else:
                out.append("#include %s" % header)
    for fam in fams:
        for name, (value, present) in fam.kernel_abi.items():
            out += kernel_abi_lines(name, value, present)
        for name in fam.optional:
            out.append(
                "#ifdef {n}\n#define {f} 1\n#else\n#define {f} 0\n#define {n} 0\n#endif".format(
                    n=name, f=has_flag(name)
                )
            )
        if fam.source:
            out.append(fam.source)
        out.extend(syscall_wrapper(f) for f in fam.functions if f.syscall)
        out.extend(errno_wrapper(f) for f in fam.functions if f.errno_symbol)
    out.append("static " + INDEX_CDEF[:-1] + "\n{\n    return\n"
               + "".join('        "%s\\n"\n' % line for line in index_lines(fams)) + "        ;\n}")
    return "\n".join(out) + "\n"


def make_builder():
    fams = _families.load()
    builder = cffi.FFI()
    builder.cdef(cdef_text(fams))
    builder.set_source(
        "glibc._glibc",
        source_text(fams),
        include_dirs=[CSRC],
        extra_compile_args=CFLAGS,
        extra_link_args=LDFLAGS,
        depends=[os.path.join(CSRC, n) for n in sorted(os.listdir(CSRC))],
    )
    return builder


ffibuilder = make_builder()

if __name__ == "__main__":
    # cffi compiles through setuptools, which reads the pyproject.toml of the
    # directory it runs in and, if it is older than the one pyproject.toml
    # asks for, rejects it: so build under build/ and copy the module here.
    work = os.path.join(HERE, "build", "inplace")
    os.makedirs(work, exist_ok=True)
    built = ffibuilder.compile(tmpdir=work, verbose=True)
    # Copy then rename: a process that has the old module loaded keeps its
    # file, where overwriting it in place would crash that process.
    target = os.path.join(HERE, "glibc", os.path.basename(built))
    shutil.copy(built, target + ".tmp")
    os.replace(target + ".tmp", target)
    print("built %s" % os.path.join("glibc", os.path.basename(built)))
