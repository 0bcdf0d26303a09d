"""The tables and what is made of them: the coverage page, stubs, a test for every function."""

import ast
import os
import re
import sys

import pytest

import glibc.families

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTS = os.path.join(REPO, "tests")
sys.path.insert(0, os.path.join(REPO, "tools"))

import tables  # noqa: E402  (tools/ is not a package)

FAMILIES = glibc.families.load()
PUBLIC = sorted(f.name for fam in FAMILIES for f in fam.functions if f.public)
# These check every entry generically (layout, docstrings, error wording), so
# a name they happen to mention is not a behaviour test of it.
GENERIC = {"test_tables.py", "test_surface.py", "test_layout.py", "test_errors.py",
           "c_probe.py", "conftest.py", "seed_surface.py"}


def test_coverage_page_and_stubs_are_current():
    assert tables.stale() == [], "run: python tools/tables.py"


def test_stubs_are_valid_python():
    with open(tables.STUBS) as f:
        tree = ast.parse(f.read())
    stubbed = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    assert stubbed == set(PUBLIC)


def test_the_coverage_table_lists_every_public_function_once():
    with open(tables.COVERAGE) as f:
        page = f.read()
    rows = re.findall(r"^\| `(\w+)` \|", page, re.M)
    assert rows == PUBLIC


def test_no_public_name_is_declared_twice():
    # The namespace would silently keep only one of them.
    seen = {}
    for fam in FAMILIES:
        for name in fam.public_names():
            assert name not in seen, "%s is declared by %s and by %s" % (name, seen[name], fam.name)
            seen[name] = fam.name


def _called_names(source):
    """The names called as name(...) or glibc.name(...) in Python source."""
    out = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name):
                out.add(func.id)
            elif (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                  and func.value.id in ("glibc", "lib")):
                out.add(func.attr)
    return out


@pytest.fixture(scope="module")
def behaviour_tests():
    called = set()
    for name in sorted(os.listdir(TESTS)):
        if name.endswith(".py") and name not in GENERIC:
            with open(os.path.join(TESTS, name)) as f:
                called |= _called_names(f.read())
    return called


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_function_is_called_by_a_behaviour_test(behaviour_tests, name):
    assert name in behaviour_tests, "no behaviour test calls %s()" % name


def test_the_tables_cover_what_issue_5_promised():
    # At least 100 functions, 40 types and 600 constants; each one is checked
    # against the compiler by test_layout.py and called by a behaviour test.
    functions, types, constants = tables.counts(FAMILIES)
    assert (functions >= 100, types >= 40, constants >= 600) == (True, True, True), \
        (functions, types, constants)
