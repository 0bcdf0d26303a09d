"""The documentation's pages say what the code does: their examples run, their reference is whole.

Sphinx is not needed: the ``>>>`` examples of each docs/**/*.rst run under
the standard library's doctest, in a fresh interpreter per page (they fork,
block signals and supervise, which the test process must not see), and the
text that docs/_ext/cli_reference.py makes for the pages is checked through
its Sphinx-free functions.  ``nox -s docs`` builds the pages themselves.
"""

import doctest
import glob
import importlib.util
import os
import re
import subprocess
import sys

import pytest

import glibc

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = os.path.join(REPO, "docs")
PAGES = sorted(glob.glob(os.path.join(DOCS, "**", "*.rst"), recursive=True))

pytestmark = pytest.mark.skipif(not PAGES, reason="no docs/ beside the tests")


def _read(*path):
    with open(os.path.join(REPO, *path), encoding="utf-8") as f:
        return f.read()


def _extension():
    """docs/_ext/cli_reference.py, imported without Sphinx."""
    path = os.path.join(DOCS, "_ext", "cli_reference.py")
    spec = importlib.util.spec_from_file_location("cli_reference", path)
    module = importlib.util.module_from_spec(spec)
    # No __pycache__ left in docs/, which nox copies while the tests run.
    writes, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = writes
    return module


def _examples(text, name):
    return doctest.DocTestParser().get_doctest(text, {}, name, name, 0).examples


# A fresh interpreter, so that what the examples block, fork and reap stays there.
_RUN_PAGE = """
import doctest, sys
with open(sys.argv[1], encoding="utf-8") as f:
    text = f.read()
test = doctest.DocTestParser().get_doctest(text, {}, sys.argv[2], sys.argv[1], 0)
runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
runner.run(test)
results = runner.summarize(verbose=False)
sys.exit(results.failed != 0 or results.attempted == 0)
"""


# One test per page that has examples; the test below sees that pages with some are found.
@pytest.mark.parametrize("page", [page for page in PAGES if _examples(_read(page), page)],
                         ids=lambda page: os.path.relpath(page, DOCS))
def test_page_examples_run(page, tmp_path):
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(glibc.__file__)))
    done = subprocess.run([sys.executable, "-c", _RUN_PAGE, page, os.path.relpath(page, REPO)],
                          cwd=str(tmp_path), env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, timeout=120)
    assert done.returncode == 0, done.stdout


def test_some_pages_have_examples():
    # The test above runs the pages with examples: a parser that found none would run nothing.
    with_examples = [page for page in PAGES if _examples(_read(page), page)]
    assert len(with_examples) >= 3, with_examples


def test_run_page_is_the_parsers_reference():
    assert re.search(r"^\.\. pyglibc-run-reference::$", _read("docs", "run.rst"), re.M)


def test_run_reference_has_every_option_and_its_help():
    from pyglibc import _cli

    text = _extension().run_reference()
    _, parser = _cli._parsers()

    def words(text):
        return " ".join(text.replace("\\", "").split())

    # Each ".. option::" by its names: "-v, --verbose" is -v and --verbose.
    entries = [line[len(".. option:: "):] for line in text.splitlines()
               if line.startswith(".. option:: ")]
    assert len(entries) == len(parser._actions)
    for action in parser._actions:
        if not action.option_strings:  # CMD [ARG ...]
            assert action.metavar in entries
        else:
            (entry,) = [entry for entry in entries
                        if entry.split(", ")[0].split(" ")[0] == action.option_strings[0]]
            value = "" if action.nargs == 0 else " " + action.metavar
            assert entry == ", ".join(name + value for name in action.option_strings)
        assert words(parser._get_formatter()._expand_help(action)) in words(text)


def test_run_reference_has_the_whole_description_and_epilog():
    from pyglibc import _cli

    def words(text):  # headings are capitalised, and reST escapes shown as they read
        return text.replace("\\", "").lower().split()

    text = " ".join(words(_extension().run_reference()))
    for prose in (_cli._DESCRIPTION, _cli._EPILOG):
        # Every word, in order: nothing dropped, whatever the layout became.
        position = 0
        for word in words(prose):
            found = text.find(word.rstrip(":"), position)
            assert found >= 0, (word, text[position:position + 200])
            position = found


def test_markdown_conversion_keeps_every_table_row_of_the_benchmarks():
    text = _read("docs", "benchmarks.md")
    rest = _extension().markdown_to_rest(text)
    rows = [line for line in text.splitlines()
            if line.startswith("|") and not re.match(r"^\|[\s:|-]+\|$", line)]
    assert rest.count("   * - ") == len(rows)
    assert ".. image:: benchmarks.png" in rest
