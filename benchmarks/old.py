"""python-glibc 0.6.1 (the ctypes package this project replaces) against the standard library.

    python3 -I -S benchmarks/old.py TARGET [--quick]      (run.py runs it for you)

TARGET is a directory where ``pip install --target`` put glibc 0.6.1: it
installs top-level modules named ``glibc`` and ``pyglibc`` too, so it runs
in a process of its own, isolated (-I -S: no site-packages, no source
tree), with TARGET first on sys.path.  Times the per-call benchmarks of
cases.py, the old package's call and the standard library's taking turns
(timing.py), after checking each result.  Prints one JSON object; its
ratios old/stdlib, divided by ours/stdlib from cases.py, say how much
faster ours is, free of the noise between the two processes.
"""

from __future__ import annotations

import json
import os
import platform
import signal
import sys
from typing import Any, Dict, List

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET = os.path.abspath(sys.argv[1])
sys.path[:0] = [TARGET, HERE]

import stdlib_calls  # noqa: E402  (after the path is set)
import timing  # noqa: E402

import glibc  # noqa: E402  (python-glibc 0.6.1, from TARGET)

OLD = {
    "clock_gettime": "clock_gettime(CLOCK_MONOTONIC, ts)",
    "eventfd": "eventfd_write(efd, 1); eventfd_read(efd, value)",
    "sigismember": "sigismember(mask, SIGUSR1)",
    "dup_close": "close(dup(0))",
}


def main() -> None:
    quick = "--quick" in sys.argv
    if not os.path.realpath(glibc.__file__).startswith(os.path.realpath(TARGET) + os.sep):
        raise SystemExit("old.py: glibc comes from %s, not from %s" % (glibc.__file__, TARGET))
    if glibc.__version__ != "0.6.1":
        raise SystemExit("old.py: glibc %s, not 0.6.1" % glibc.__version__)
    ts = glibc.timespec()
    value = glibc.eventfd_t()
    mask = glibc.sigset_t()
    glibc.sigemptyset(mask)
    glibc.sigaddset(mask, signal.SIGUSR1)
    efd = glibc.eventfd(0, glibc.EFD_CLOEXEC)
    try:
        stdlib_calls.check(efd)
        checks = [
            ("clock_gettime", glibc.clock_gettime(glibc.CLOCK_MONOTONIC, ts), 0),
            ("eventfd_write", glibc.eventfd_write(efd, 1), 0),
            ("eventfd_read", glibc.eventfd_read(efd, value), 0),
            ("eventfd_read's value", value.value, 1),
            ("sigismember", glibc.sigismember(mask, signal.SIGUSR1), 1),
            ("close(dup(0))", glibc.close(glibc.dup(0)), 0),
        ]
        for what, got, expected in checks:
            if got != expected:
                raise AssertionError("0.6.1 %s: got %r, expected %r" % (what, got, expected))
        if ts.tv_sec <= 0 and ts.tv_nsec <= 0:
            raise AssertionError("0.6.1 clock_gettime left the timespec zero")
        space: Dict[str, Any] = stdlib_calls.names(efd)
        space.update(
            ts=ts,
            value=value,
            mask=mask,
            clock_gettime=glibc.clock_gettime,
            eventfd_write=glibc.eventfd_write,
            eventfd_read=glibc.eventfd_read,
            sigismember=glibc.sigismember,
            dup=glibc.dup,
            close=glibc.close,
        )
        stdlib_space = stdlib_calls.names(efd)
        runs = {}
        for name, stmt in OLD.items():
            runs[name + ":old"] = timing.loop(stmt, space)
            runs[name + ":stdlib"] = timing.loop(stdlib_calls.STDLIB[name][0], stdlib_space)
        samples = timing.interleaved(
            runs, 2 if quick else 21, 0.0002 if quick else 0.015, 1 if quick else timing.WARM_UP
        )
    finally:
        os.close(efd)
    cases: List[Dict[str, Any]] = []
    for name in OLD:
        own = {"old": samples[name + ":old"], "stdlib": samples[name + ":stdlib"]}
        cases.append(
            dict(
                group="percall",
                name=name,
                title=stdlib_calls.TITLES[name],
                unit="ns",
                contenders=timing.contenders(
                    own, {"old": "python-glibc 0.6.1", "stdlib": stdlib_calls.STDLIB[name][1]}
                ),
                ratios={"old/stdlib": timing.ratio(own["old"], own["stdlib"])},
            )
        )
    json.dump(
        dict(
            interpreter=dict(
                implementation=platform.python_implementation(),
                version=platform.python_version(),
                executable=sys.executable,
            ),
            package=dict(version=glibc.__version__, path=TARGET),
            quick=quick,
            cases=cases,
        ),
        sys.stdout,
    )


if __name__ == "__main__":
    main()
