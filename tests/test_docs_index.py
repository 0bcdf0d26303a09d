"""The reference pages of the glibc namespace follow the tables: one page per family, every name.

The index test reads a built site's objects.inv, so it runs only where the
docs were built (``nox -s docs`` sets GLIBC_DOCS_BUILT to the build
directory); the pages test needs only the source tree.
"""

import os
import re
import zlib

import pytest

import glibc.families

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGES = os.path.join(REPO, "docs", "reference", "glibc")
FAMILIES = glibc.families.load()
BUILT = os.environ.get("GLIBC_DOCS_BUILT")

# objects.inv v2: four header lines, then zlib: "name domain:role priority uri dispname".
_ENTRY = re.compile(r"(?P<name>.+?)\s+(?P<role>\S+:\S+)\s+-?\d+\s+\S*\s+.*")


def _inventory(path):
    """name -> domain:role of every object a built site indexes."""
    with open(path, "rb") as f:
        for _ in range(4):
            f.readline()
        lines = zlib.decompress(f.read()).decode("utf-8").splitlines()
    out = {}
    for line in lines:
        m = _ENTRY.match(line)
        assert m is not None, "cannot read the objects.inv line %r" % line
        out[m.group("name")] = m.group("role")
    return out


def _declared():
    """glibc.NAME -> the role its page gives it, for every public name of the tables."""
    out = {}
    for fam in FAMILIES:
        out.update(("glibc." + f.name, "py:function") for f in fam.functions if f.public)
        out.update(("glibc." + t.name, "py:class") for t in fam.types)
        out.update(("glibc." + c, "py:data") for c in fam.constants + fam.optional)
    return out


@pytest.mark.skipif(not BUILT, reason="GLIBC_DOCS_BUILT does not name a built docs directory")
def test_the_built_index_has_every_name_of_the_tables_and_no_other():
    inventory = _inventory(os.path.join(BUILT, "html", "objects.inv"))
    indexed = {name: role for name, role in inventory.items() if name.startswith("glibc.")}
    declared = _declared()
    assert sorted(set(declared) - set(indexed)) == [], "declared but not in the reference"
    assert sorted(set(indexed) - set(declared)) == [], "in the reference but not in the tables"
    wrong = {name: (indexed[name], role) for name, role in declared.items()
             if indexed[name] != role}
    assert wrong == {}


def _family_pages():
    return sorted(name[:-len(".rst")] for name in os.listdir(PAGES)
                  if name.endswith(".rst") and name != "index.rst")


def test_every_family_has_its_page_and_no_page_outlives_its_family():
    assert _family_pages() == sorted(fam.name for fam in FAMILIES)


@pytest.mark.parametrize("name", [fam.name for fam in FAMILIES])
def test_each_family_page_holds_its_directive(name):
    with open(os.path.join(PAGES, name + ".rst")) as f:
        page = f.read()
    assert re.search(r"^\.\. glibc-family:: %s$" % re.escape(name), page, re.M), page


def test_the_index_lists_the_family_pages_in_the_tables_order():
    with open(os.path.join(PAGES, "index.rst")) as f:
        index = f.read()
    toctree = index[index.index(".. toctree::"):]
    listed = re.findall(r"^   (\w+)$", toctree, re.M)
    assert listed == [fam.name for fam in FAMILIES]
