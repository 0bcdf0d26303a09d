"""The tables and what is generated from them: README coverage, stubs, and a test for every function."""

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


def test_readme_table_and_stubs_are_current():
    assert tables.stale() == [], "run: python tools/tables.py"


def test_stubs_are_valid_python():
    with open(tables.STUBS) as f:
        tree = ast.parse(f.read())
    stubbed = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    assert stubbed == set(PUBLIC)


def test_the_coverage_table_lists_every_public_function_once():
    with open(tables.README) as f:
        readme = f.read()
    rows = re.findall(r"^\| `(\w+)` \|", readme, re.M)
    assert rows == PUBLIC


@pytest.fixture(scope="module")
def behaviour_tests():
    text = []
    for name in sorted(os.listdir(TESTS)):
        if name.endswith(".py") and name not in GENERIC:
            with open(os.path.join(TESTS, name)) as f:
                text.append(f.read())
    return "\n".join(text)


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_function_is_called_by_a_behaviour_test(behaviour_tests, name):
    # name(...) or glibc.name(...), but not os.name(...) nor a def of that name.
    call = r"(?:(?<![\w.])(?<!def )|\bglibc\.)%s\(" % name
    assert re.search(call, behaviour_tests), "no behaviour test calls %s()" % name
