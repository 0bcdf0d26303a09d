"""Startup cost of the supervisor: ``python -m pyglibc run -- true`` against ``python -c pass``.

    python3 benchmarks/run_startup.py [--repeat N] [--python PYTHON]

Issue 11's goal: the supervisor running ``true`` takes at most 1.5 times
the wall time of a bare interpreter start, on the same interpreter.  Both
commands run N times each (default 40), interleaved, so that a busy
machine slows both alike; the medians are printed with their ratio, and the
exit status is 1 when the ratio is above 1.5.

Both run with the same environment: the package imported from this source
tree (PYTHONPATH), bytecode cached in a scratch directory
(PYTHONPYCACHEPREFIX, written once by a warm-up run), as an installed
package would have it, so that the time measured is not that of compiling
the sources at every start.
"""

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


def wall(argv: Sequence[str], env: Dict[str, str]) -> float:
    """Seconds from the start of argv to its exit (it must exit 0)."""
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL)
    took = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit("run_startup: %s exited with %d" % (" ".join(argv), done.returncode))
    return took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=40, help="runs of each (default 40)")
    parser.add_argument("--python", default=sys.executable,
                        help="the interpreter to time (default: this one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        env.update(PYTHONPATH=ROOT, PYTHONPYCACHEPREFIX=cache)
        bare = [args.python, "-c", "pass"]
        run = [args.python, "-m", "pyglibc", "run", "--", "true"]
        for argv in (bare, run):  # warm-up: writes the bytecode cache
            wall(argv, env)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        times: Dict[str, List[float]] = {"bare": [], "run": []}
        for _ in range(args.repeat):
            times["bare"].append(wall(bare, env))
            times["run"].append(wall(run, env))
    version = subprocess.run([args.python, "-c", "import platform; print("
                              "platform.python_implementation(), platform.python_version())"],
                             stdout=subprocess.PIPE, universal_newlines=True).stdout.strip()
    bare_s, run_s = statistics.median(times["bare"]), statistics.median(times["run"])
    ratio = run_s / bare_s
    print("%s, %d runs each, medians:" % (version, args.repeat))
    print("  %-40s %7.1f ms" % ("python -c pass", bare_s * 1e3))
    print("  %-40s %7.1f ms" % ("python -m pyglibc run -- true", run_s * 1e3))
    print("  ratio %.2f (goal: at most %.1f) %s" % (ratio, GOAL, "ok" if ratio <= GOAL else "MISSED"))
    return 0 if ratio <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
