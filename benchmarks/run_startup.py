"""Startup cost of the supervisor: ``python -m pyglibc run -- true`` against ``python -c pass``.

    python3 benchmarks/run_startup.py [--repeat N] [--python PYTHON] [--check]

The goal: the supervisor running ``true`` takes at most 1.5 times
the wall time of a bare interpreter start, on the same interpreter.  Each
command runs N times (default 40), all interleaved, so that a busy machine
slows them alike; the medians are printed with their ratio to the bare
start.  Two reference rows show what any ``python -m`` supervisor pays
before doing anything of its own: ``-m`` itself (runpy imports importlib.util,
contextlib, collections and functools), and an empty module that starts
``true`` with os.posix_spawn and waits for it.  ``--check`` makes the exit
status 1 when the goal is missed.

Every run has the same environment: the package imported from this source
tree (PYTHONPATH), bytecode cached in a scratch directory
(PYTHONPYCACHEPREFIX, written once by a warm-up run), as an installed
package would have it, so that the time measured is not that of compiling
the sources at every start.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Sequence

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOAL = 1.5

SPAWN_TRUE = """\
import os
if hasattr(os, "posix_spawn"):
    pid = os.posix_spawn("/bin/true", ["true"], os.environ)
else:  # PyPy 3.9
    pid = os.fork()
    if pid == 0:
        os.execv("/bin/true", ["true"])
os.waitpid(pid, 0)
"""


def wall(argv: Sequence[str], env: Dict[str, str]) -> float:
    """Seconds from the start of argv to its exit (it must exit 0)."""
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL)
    took = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit("run_startup: %s exited with %d" % (" ".join(argv), done.returncode))
    return took


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--repeat", type=int, default=40, help="runs of each (default 40)")
    parser.add_argument(
        "--python", default=sys.executable, help="the interpreter to time (default: this one)"
    )
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the ratio is above %.1f" % GOAL
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        modules = os.path.join(scratch, "modules")
        os.mkdir(modules)
        for name, text in (("_bench_empty", ""), ("_bench_spawn_true", SPAWN_TRUE)):
            with open(os.path.join(modules, name + ".py"), "w") as f:
                f.write(text)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        env.update(
            PYTHONPATH=os.pathsep.join([ROOT, modules]),
            PYTHONPYCACHEPREFIX=os.path.join(scratch, "cache"),
        )
        commands = {
            "python -c pass": [args.python, "-c", "pass"],
            "python -m <an empty module>": [args.python, "-m", "_bench_empty"],
            "python -m <a module spawning true>": [args.python, "-m", "_bench_spawn_true"],
            "python -m pyglibc run -- true": [args.python, "-m", "pyglibc", "run", "--", "true"],
        }
        for argv in commands.values():  # warm-up: writes the bytecode cache
            wall(argv, env)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        times: Dict[str, List[float]] = {label: [] for label in commands}
        for _ in range(args.repeat):
            for label, argv in commands.items():
                times[label].append(wall(argv, env))
    version = subprocess.run(
        [
            args.python,
            "-c",
            "import platform; print(platform.python_implementation(), platform.python_version())",
        ],
        stdout=subprocess.PIPE,
        universal_newlines=True,
    ).stdout.strip()
    medians = {label: statistics.median(runs) for label, runs in times.items()}
    bare = medians["python -c pass"]
    print("%s, %d runs each, medians:" % (version, args.repeat))
    for label, seconds in medians.items():
        print("  %-40s %7.1f ms  %5.2f" % (label, seconds * 1e3, seconds / bare))
    ratio = medians["python -m pyglibc run -- true"] / bare
    print(
        "goal: run -- true at most %.1f times python -c pass: %.2f, %s"
        % (GOAL, ratio, "met" if ratio <= GOAL else "missed")
    )
    return 1 if args.check and ratio > GOAL else 0


if __name__ == "__main__":
    sys.exit(main())
