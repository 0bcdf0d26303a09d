"""The documentation's table of inits in containers, made from tests/test_containers.py.

    python3 tools/container_table.py            print it
    python3 tools/container_table.py --write    put it into docs/containers.md

A row per scenario of the tests (ROWS), a column per init; a cell is "yes",
or "no" with a note that gives the reason the test's strict xfail states
(DIFFERENCES).  The table says what the tests prove, no more: nox -s
containers runs them, and tests/test_packaging.py checks that
docs/containers.md holds this table.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tools")]

import test_containers  # noqa: E402  (needs tests/ on sys.path)

BEGIN = "<!-- the container table: tools/container_table.py --write -->"
END = "<!-- end of the container table -->"
HEADINGS = {"pyglibc": "`python -m pyglibc run`", "none": "no init"}


def table():
    inits = list(test_containers.INITS)
    lines = ["| scenario | %s |" % " | ".join(HEADINGS.get(i, i) for i in inits),
             "|---|%s" % ("---|" * len(inits))]
    notes = []
    for scenario, text in test_containers.ROWS.items():
        cells = []
        for init in inits:
            reason = test_containers.DIFFERENCES.get((scenario, init))
            if reason is None:
                cells.append("yes")
            else:
                notes.append(reason)
                cells.append("no (%d)" % len(notes))
        lines.append("| %s | %s |" % (text, " | ".join(cells)))
    lines.append("")
    lines += ["%d. %s." % (n, reason)
              for n, reason in enumerate(notes, 1)]
    return "\n".join(lines) + "\n"


PAGE = ROOT / "docs" / "containers.md"


def page_with_table(page):
    start, end = page.index(BEGIN) + len(BEGIN), page.index(END)
    return page[:start] + "\n\n" + table() + "\n" + page[end:]


def main(argv):
    if argv == ["--write"]:
        PAGE.write_text(page_with_table(PAGE.read_text()))
    elif argv:
        raise SystemExit("usage: %s [--write]" % sys.argv[0])
    else:
        sys.stdout.write(table())


if __name__ == "__main__":
    main(sys.argv[1:])
