"""How every benchmark here is timed: interleaved repeats, medians and spread.

Standard library only, so that the process that runs python-glibc 0.6.1
(benchmarks/old.py, with nothing of ours on sys.path) times the same way.

* Each contender is a loop compiled from one statement, its names passed
  in as the loop function's arguments: they are locals, so neither a
  global lookup nor a lambda's frame is timed (the empty loop is timed
  too and shown as ``loop``).
* Each contender first runs untimed, for at least WARM_UP iterations
  (PyPy's JIT compiles the loop), then the number of iterations is chosen
  so that one batch takes ``target`` seconds.
* The contenders take turns: repeat 1 runs A B C, repeat 2 B C A, ...
  A machine that slows down for a while slows all of them, and the ratio
  of two contenders in the same repeat stays meaningful: ratios are taken
  per repeat, then their median and quartiles are reported.
"""

from __future__ import annotations

import statistics
import time
from typing import Any, Callable, Dict, List, Sequence

Run = Callable[[int], float]  # run(n): seconds that n iterations took
WARM_UP = 3000  # iterations, at least, before a run is calibrated

_LOOP = """\
def loop(_n, _clock{params}):
{setup}    _t0 = _clock()
    for _i in range(_n):
        {stmt}
    return _clock() - _t0
"""


def loop(stmt: str, names: Dict[str, Any], setup: str = "") -> Run:
    """A Run of ``stmt`` (one line; ``;`` separates statements) with ``names`` as locals."""
    params = sorted(names)
    source = _LOOP.format(
        params="".join(", " + p for p in params),
        setup="".join("    %s\n" % line for line in setup.splitlines()),
        stmt=stmt,
    )
    namespace: Dict[str, Any] = {}
    exec(compile(source, "<benchmark %s>" % stmt, "exec"), namespace)
    function = namespace["loop"]
    values = [names[p] for p in params]
    clock = time.perf_counter

    def run(n: int) -> float:
        return float(function(n, clock, *values))

    return run


def calibrate(run: Run, target: float) -> int:
    """Iterations for one batch of about ``target`` seconds (at least 1)."""
    n = 1
    while True:
        took = run(n)
        if took >= target / 4 or n >= 10**8:
            break
        n *= 2 if took > target / 40 else 10
    return max(1, int(n * target / max(took, 1e-9)))


def interleaved(
    runs: Dict[str, Run], repeats: int, target: float, warm_up: int = WARM_UP
) -> Dict[str, List[float]]:
    """Seconds per iteration of each run, ``repeats`` samples each, the runs taking turns."""
    numbers = {}
    for name, run in runs.items():
        # Warm up: PyPy's JIT compiles a loop after some thousand iterations;
        # calibrate on what it compiled, not on the interpreter before it.
        run(max(warm_up, calibrate(run, target)))
        numbers[name] = calibrate(run, target)
    samples: Dict[str, List[float]] = {name: [] for name in runs}
    names = list(runs)
    for r in range(repeats):
        turn = r % len(names)
        for name in names[turn:] + names[:turn]:
            samples[name].append(runs[name](numbers[name]) / numbers[name])
    return samples


def summary(values: Sequence[float]) -> Dict[str, float]:
    """median, quartiles, min and max of the samples."""
    ordered = sorted(values)
    if len(ordered) >= 2:
        q1, _, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    else:
        q1 = q3 = ordered[0]
    return {
        "median": statistics.median(ordered),
        "q1": q1,
        "q3": q3,
        "min": ordered[0],
        "max": ordered[-1],
        "n": len(ordered),
    }


def ratio(numerator: Sequence[float], denominator: Sequence[float]) -> Dict[str, float]:
    """The summary of the per-repeat ratios numerator[i] / denominator[i]."""
    return summary([a / b for a, b in zip(numerator, denominator)])


def contenders(
    samples: Dict[str, List[float]], labels: Dict[str, str], scale: float = 1e9
) -> Dict[str, Dict[str, Any]]:
    """The JSON shape of each contender: its label, summary (in 1/scale units) and samples."""
    return {
        name: dict(
            label=labels.get(name, name),
            samples=[s * scale for s in values],
            **summary([s * scale for s in values]),
        )
        for name, values in samples.items()
    }
