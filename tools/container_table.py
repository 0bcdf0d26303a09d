"""The README's table of inits in containers, made from tests/test_containers.py.

    python3 tools/container_table.py            print it
    python3 tools/container_table.py --write    put it into README.md

A row per scenario of the tests (ROWS), a column per init; a cell is "yes",
or "no" with a note that gives the reason the test's strict xfail states
(DIFFERENCES).  The table says what the tests prove, no more: nox -s
containers runs them, and tests/test_packaging.py checks that README.md
holds this table.
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


def readme_with_table(readme):
    start, end = readme.index(BEGIN) + len(BEGIN), readme.index(END)
    return readme[:start] + "\n\n" + table() + "\n" + readme[end:]


def main(argv):
    if argv == ["--write"]:
        path = ROOT / "README.md"
        path.write_text(readme_with_table(path.read_text()))
    elif argv:
        raise SystemExit("usage: %s [--write]" % sys.argv[0])
    else:
        sys.stdout.write(table())


if __name__ == "__main__":
    main(sys.argv[1:])
