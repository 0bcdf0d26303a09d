"""help() of every function of the tables: the C prototype, the man page and each errno."""

import errno
import pydoc
import re

import pytest

import glibc
import glibc.families

FUNCTIONS = sorted((f for fam in glibc.families.load() for f in fam.functions if f.public),
                   key=lambda f: f.name)


@pytest.mark.parametrize("entry", FUNCTIONS, ids=[f.name for f in FUNCTIONS])
def test_help_shows_prototype_man_page_and_errors(entry):
    text = pydoc.render_doc(getattr(glibc, entry.name), renderer=pydoc.plaintext)
    doc = getattr(glibc, entry.name).__doc__
    assert doc.splitlines()[0] == entry.proto
    assert entry.proto in text
    assert "See %s." % entry.man in doc
    if not entry.errors:
        assert entry.convention == "never"
        assert re.search(r"^Errors: none\b", doc, re.M), doc
        return
    section = re.search(r"^Errors\b.*\n((?:  .*\n?)+)", doc, re.M).group(1)
    listed = [line.split(None, 1) for line in section.splitlines()]
    assert [name for name, _ in listed] == list(entry.errors)
    assert all(hasattr(errno, name) for name, _ in listed)
    assert [why for _, why in listed] == list(entry.errors.values())
