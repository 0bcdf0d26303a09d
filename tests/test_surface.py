"""The old package's surface is all here, and ``glibc`` behaves like a module.

The names come from tests/seed_surface.py; the constants' values from the
C probe (tests/c_probe.py), never from numbers typed here.
"""

import errno
import os
import re
import subprocess
import sys

import _cffi_backend
import pytest

import c_probe
import glibc
import glibc.families
from seed_surface import CONSTANTS, FUNCTIONS, TYPES

SEED_NAMES = FUNCTIONS + tuple(name for name, _, _ in TYPES) + CONSTANTS
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SURFACE_MD = os.path.join(REPO, os.pardir, "shared", "seed", "surface.md")


@pytest.fixture(scope="session")
def probe():
    return c_probe.results()


def test_seed_counts():
    assert (len(FUNCTIONS), len(TYPES), len(CONSTANTS)) == (31, 11, 133)
    assert len(set(SEED_NAMES)) == len(SEED_NAMES)


def _section(text, title):
    return text.split("\n## " + title, 1)[1].split("\n## ", 1)[0]


@pytest.mark.skipif(not os.path.exists(SURFACE_MD),
                    reason="no ../shared/seed beside the repository")
def test_seed_copy_matches_surface_md():
    with open(SURFACE_MD) as f:
        text = f.read()
    assert tuple(re.findall(r"`(\w+)`", _section(text, "Functions"))) == FUNCTIONS
    assert tuple(re.findall(r"`(\w+)`", _section(text, "Constants"))) == CONSTANTS
    rows = re.findall(r"^\| `(\w+)` \| `([^`]+)` \| (.*) \|$", _section(text, "Types"), re.M)
    assert tuple((name, cname, () if fields == "—" else tuple(fields.split(", ")))
                 for name, cname, fields in rows) == TYPES


# -- every seed name is there -------------------------------------------------

@pytest.mark.parametrize("name", SEED_NAMES)
def test_importable(name):
    namespace = {}
    exec("from glibc import %s" % name, namespace)
    assert namespace[name] is getattr(glibc, name)
    assert name in glibc.__all__
    assert name in dir(glibc)


@pytest.mark.parametrize("name", CONSTANTS)
def test_constant_matches_headers(probe, name):
    assert getattr(glibc, name) == probe[("value", name)]


def test_ptracer_any_is_ulong_max():
    # The old package had -1 here; the header says (unsigned long)-1.
    assert glibc.PR_SET_PTRACER_ANY == int(glibc.ffi.cast("unsigned long", -1))


@pytest.mark.parametrize("name, cname, fields", TYPES, ids=[t[0] for t in TYPES])
def test_type(name, cname, fields):
    ctype = getattr(glibc, name)
    assert ctype.cname == cname
    assert set(fields) <= set(ctype.fields)
    assert glibc.ffi.sizeof(cname) == ctype.size > 0
    instance = ctype()
    for field in fields:
        getattr(instance, field)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_function_doc(name):
    function = getattr(glibc, name)
    assert callable(function)
    assert function.__name__ == name
    prototype, _, rest = function.__doc__.partition("\n")
    assert re.fullmatch(r"[\w ]+[ *]%s\(.*\);" % name, prototype), prototype
    assert re.search(r"\b\w+\([1-8]\w*\)", rest), "no man page reference"


def _entry(name):
    return next(f for fam in glibc.families.load() for f in fam.functions if f.name == name)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_function_doc_lists_errors(name):
    doc = getattr(glibc, name).__doc__
    if not _entry(name).errors:
        # Only calls that cannot fail may say so instead of listing errors.
        assert _entry(name).convention == "never"
        assert re.search(r"^Errors: none\b", doc, re.M), doc
        return
    section = re.search(r"^Errors\b.*\n((?:  .*\n?)+)", doc, re.M)
    assert section, "no Errors section"
    listed = [line.split()[0] for line in section.group(1).splitlines()]
    assert listed and all(hasattr(errno, e) for e in listed), listed


# -- the namespace as a module ------------------------------------------------

def test_ffi_and_lib_are_the_cffi_objects():
    assert isinstance(glibc.ffi, _cffi_backend.FFI)
    assert type(glibc.lib).__name__ == "Lib"
    extension = sys.modules["glibc._glibc"]
    assert glibc.ffi is extension.ffi
    assert glibc.lib is extension.lib


def test_star_import_brings_all():
    namespace = {}
    exec("from glibc import *", namespace)
    del namespace["__builtins__"]
    assert sorted(namespace) == sorted(glibc.__all__)
    assert set(SEED_NAMES) <= set(namespace)


def test_dir_covers_all():
    assert set(glibc.__all__) <= set(dir(glibc))
    assert {"ffi", "lib"} <= set(dir(glibc))


@pytest.mark.parametrize("name", ["NO_SUCH_NAME", "_private", "glibc_sigset_fill"])
def test_unknown_name(name):
    with pytest.raises(AttributeError):
        getattr(glibc, name)
    with pytest.raises(ImportError):
        exec("from glibc import %s" % name, {})
    assert name not in glibc.__all__


# -- what importing loads -----------------------------------------------------

# Run in a fresh interpreter that imports the same glibc package as this one:
# is the extension loaded, and which tables (None: not even glibc.families).
_LOADED = """
import sys
print(repr(('glibc._glibc' in sys.modules, None if 'glibc.families' not in sys.modules else sorted(
    m.rsplit('.', 1)[1] for m in sys.modules if m.startswith('glibc.families.')))))
"""


def _loaded_after(code):
    where = os.path.dirname(os.path.dirname(os.path.abspath(glibc.__file__)))
    out = subprocess.run([sys.executable, "-c", code + "\n" + _LOADED], cwd=where,
                         capture_output=True, text=True, check=True)
    return eval(out.stdout)


def test_import_loads_neither_extension_nor_tables():
    assert _loaded_after("import glibc") == (False, None)


def test_dir_all_and_constants_need_the_extension_alone():
    # The extension carries the index of names, kinds and families (build_glibc.py).
    assert _loaded_after("import glibc; assert 'epoll_ctl' in dir(glibc)") == (True, None)
    assert _loaded_after("import glibc; assert 'EPOLLIN' in glibc.__all__") == (True, None)
    assert _loaded_after("from glibc import EPOLLIN") == (True, None)


def test_a_function_or_a_type_loads_its_own_table_alone():
    assert _loaded_after("from glibc import signalfd") == (True, ["_reasons", "signalfd"])
    assert _loaded_after("from glibc import sigset_t") == (True, ["_reasons", "signal"])


def test_pyglibc_selectors_loads_no_table():
    assert _loaded_after("import pyglibc.selectors") == (True, None)


def test_the_tables_are_parsed_without_re():
    # Importing re would cost a first use more than all the rest (glibc/_cparse.py).
    assert _loaded_after("import sys; sys.modules.pop('re', None); from glibc import signalfd; "
                         "assert 're' not in sys.modules, 're imported'") \
        == (True, ["_reasons", "signalfd"])
