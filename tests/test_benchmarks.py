"""benchmarks/run.py --quick: every benchmark runs and gets the right result.

The smoke run of the benchmarks (no timing is asserted: CI machines are
noisy): the poll() results are the fds made ready, the echo comes back
byte for byte, read() fills 64 KiB, the imports come from the package
under test, and so on; each worker raises if not, and run.py then exits 1.
It runs on this interpreter only, against the glibc these tests import
(installed or built in place); python-glibc 0.6.1 is fetched from the
package index once per machine, into a cache under the temporary
directory.
"""

import json
import os
import subprocess
import sys
import tempfile

import pytest

import glibc

RUN = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks", "run.py"
)
CACHE = os.path.join(tempfile.gettempdir(), "glibc-benchmarks-cache")


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """run.py --quick once: (its exit status, its stdout and stderr, the results it wrote)."""
    where = os.path.dirname(os.path.dirname(os.path.abspath(glibc.__file__)))
    results = str(tmp_path_factory.mktemp("bench") / "results.json")
    done = subprocess.run(
        [
            sys.executable,
            RUN,
            "--quick",
            "--python",
            sys.executable,
            "--no-build",
            "--path",
            where,
            "--cache",
            CACHE,
            "--json",
            results,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
        timeout=300,
    )
    found = None
    if os.path.exists(results):
        with open(results) as f:
            found = json.load(f)
    return done, found


def test_every_benchmark_runs_and_checks_its_result(quick_run):
    done, results = quick_run
    assert done.returncode == 0, done.stderr
    (run,) = results["runs"]
    assert run["interpreter"]["executable"] == sys.executable
    cases = {(c["group"], c["name"]) for c in run["cases"]}
    assert cases == {
        ("percall", n) for n in ("loop", "clock_gettime", "eventfd", "sigismember", "dup_close")
    } | {("poll", n) for n in ("1", "10", "100", "1000")} | {
        ("select", "ready"),
        ("select", "idle"),
        ("asyncio", "echo"),
        ("read", "64k"),
    }
    assert set(run["imports"]["statements"]) == {
        "pass",
        "import glibc",
        "from glibc import signalfd",
        "import selectors",
        "import pyglibc.selectors",
    }
    if results["floor_skipped"] is None:  # no C compiler: said in the report
        assert set(results["floor"]) >= {"clock_gettime", "eventfd", "poll_1000", "read_64k"}
    for section in (
        "## Goals",
        "## Per call, ns",
        "## epoll.poll",
        "## asyncio echo",
        "## Reading 64 KiB",
        "## Import time",
    ):
        assert section in done.stdout


def test_python_glibc_0_6_1_runs_in_its_own_process(quick_run):
    done, results = quick_run
    assert done.returncode == 0, done.stderr
    old = results["runs"][0]["old"]
    if "skipped" in old:
        pytest.skip("python-glibc 0.6.1 not run: %s" % old["skipped"])
    assert old["package"]["version"] == "0.6.1"
    assert [c["name"] for c in old["cases"]] == [
        "clock_gettime",
        "eventfd",
        "sigismember",
        "dup_close",
    ]
    assert "ours is faster than 0.6.1" in done.stdout
