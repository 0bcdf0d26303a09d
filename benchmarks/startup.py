"""Import time and memory: each statement in fresh processes of one interpreter.

run.py calls ``measure()``.  Each child times its one statement with
``time.perf_counter()`` and reads its VmRSS (/proc/self/status) before and
after: what the import costs over the interpreter's bare start.  The wall
time of the whole child (start to exit) is kept too, beside that of a
child that imports nothing.  Children take turns (bare, then each
statement, the order rotating), the first round is thrown away (it
writes the .pyc files), and bytecode is cached as in any installation
(PYTHONDONTWRITEBYTECODE is removed from the children's environment).
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from typing import Any, Dict, List

import timing

# The standard library's selectors beside ours: pyglibc.selectors imports it.
STATEMENTS = [
    "import glibc",
    "from glibc import signalfd",
    "import selectors",
    "import pyglibc.selectors",
]

_CHILD = r"""
import sys, time
def rss():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
before = rss()
start = time.perf_counter()
exec(sys.argv[1])
took = time.perf_counter() - start
after = rss()
glibc = sys.modules.get("glibc")
print(repr((took, after - before, getattr(glibc, "__file__", None))))
"""


def child(python: str, statement: str, env: Dict[str, str]) -> Dict[str, Any]:
    """One fresh process: seconds and KiB of RSS the statement took, and the wall time."""
    start = time.perf_counter()
    done = subprocess.run(
        [python, "-c", _CHILD, statement],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
    )
    wall = time.perf_counter() - start
    if done.returncode:
        raise RuntimeError("%s -c %r failed:\n%s" % (python, statement, done.stderr))
    took, rss, where = eval(done.stdout.strip().splitlines()[-1])
    return dict(seconds=took, rss_kib=rss, wall=wall, glibc_file=where)


def measure(python: str, path: str, repeats: int) -> Dict[str, Any]:
    """For "pass" and each of STATEMENTS: medians of time, RSS growth and process wall time.

    ``path`` goes first on the children's PYTHONPATH (where glibc is imported from);
    raises if a child imported glibc from elsewhere.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (path, env.get("PYTHONPATH")) if p)
    statements = ["pass"] + STATEMENTS
    runs: Dict[str, List[Dict[str, Any]]] = {s: [] for s in statements}
    for s in statements:
        child(python, s, env)  # writes the bytecode caches
    for r in range(repeats):
        turn = r % len(statements)
        for s in statements[turn:] + statements[:turn]:
            runs[s].append(child(python, s, env))
    expected = os.path.realpath(os.path.join(path, "glibc"))
    results = {}
    for s, samples in runs.items():
        for sample in samples:
            where = sample["glibc_file"]
            if "glibc" in s and not os.path.realpath(where).startswith(expected + os.sep):
                raise RuntimeError("%r imported glibc from %s, not from %s" % (s, where, expected))
        results[s] = dict(
            ms=timing.summary([x["seconds"] * 1e3 for x in samples]),
            rss_kib=timing.summary([x["rss_kib"] for x in samples]),
            wall_ms=timing.summary([x["wall"] * 1e3 for x in samples]),
        )
    return dict(statements=results)


if __name__ == "__main__":
    import sys

    print(
        json.dumps(
            measure(
                sys.executable,
                os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                int(sys.argv[1]) if len(sys.argv) > 1 else 5,
            ),
            indent=1,
        )
    )
