"""Every benchmark on every interpreter found, side by side: ``python3 benchmarks/run.py``.

    python3 benchmarks/run.py            # or: make bench
    python3 benchmarks/run.py --quick    # smoke run: every result checked, no timing worth reading

What runs, each interpreter in processes of its own:

* this interpreter, and PyPy: ``--pypy PATH``, else $PYPY, else ``pypy3`` on
  PATH (PyPy has cffi built in: nothing to install; ``--no-pypy`` skips it);
  ``--python PATH`` (repeatable) names the interpreters instead;
* cases.py: glibc and pyglibc against the standard library (per call,
  epoll.poll, EpollSelector.select, asyncio echo, reading 64 KiB);
* old.py: python-glibc 0.6.1, the ctypes package this one replaces, fetched
  once from the package index (``pip download --no-binary :all:``) and
  installed with ``pip install --target`` under build/bench/, against the
  standard library in an isolated process (``-I -S``);
* startup.py: import time and memory, in fresh processes;
* floor.c: the same system calls from C, compiled with ``cc -O2``.

glibc is imported from the source tree (``--path`` says otherwise), which is
first built in place for each interpreter (build_glibc.py; ``--no-build``
skips that).  The markdown tables go to stdout; a full run also writes
docs/benchmarks.md, docs/benchmarks.png (matplotlib, in this interpreter:
``pip install matplotlib``) and build/bench/results.json.  A run takes a
few minutes; ``--quick`` a few seconds and writes nothing unless ``--out``
says where.  The exit status is 1 if a benchmark got a wrong result.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Any, Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import report  # noqa: E402  (this directory)
import startup  # noqa: E402

OLD_VERSION = "0.6.1"


class Failed(Exception):
    """A benchmark that could not run, or got a wrong result."""


def say(message: str) -> None:
    sys.stderr.write("bench: %s\n" % message)
    sys.stderr.flush()


def run_json(argv: List[str], env: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
    """Run a worker and return the JSON it printed; Failed with its stderr if it fails."""
    done = subprocess.run(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True
    )
    sys.stderr.write(done.stderr if done.returncode == 0 else "")
    if done.returncode:
        raise Failed(
            "%s failed (exit status %d):\n%s"
            % (" ".join(argv[:3]), done.returncode, done.stderr.strip())
        )
    result: Dict[str, Any] = json.loads(done.stdout)
    return result


def worker_env(path: str) -> Dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (path, env.get("PYTHONPATH")) if p)
    return env


def find_pypy(args: argparse.Namespace) -> Optional[str]:
    if args.no_pypy or (platform.python_implementation() == "PyPy" and not args.pypy):
        return None
    return args.pypy or os.environ.get("PYPY") or shutil.which("pypy3")


def build(python: str) -> None:
    """build_glibc.py with this interpreter: its in-place extension (quick when unchanged)."""
    say("building glibc._glibc in place with %s" % python)
    done = subprocess.run(
        [python, os.path.join(ROOT, "build_glibc.py")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        universal_newlines=True,
    )
    if done.returncode:
        raise Failed("build_glibc.py with %s failed:\n%s" % (python, done.stdout[-3000:]))


def _pip(command: List[str], env: Dict[str, str], what: str) -> Optional[str]:
    """Run one pip command; None if it worked, else why not (its last line of output)."""
    done = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, timeout=300)
    if done.returncode:
        return "%s failed: %s" % (what, (done.stdout.strip().splitlines() or ["?"])[-1])
    return None


def old_package(cache: str) -> Tuple[Optional[str], Optional[str]]:
    """(the --target directory holding python-glibc 0.6.1, None) or (None, why it is not there)."""
    target = os.path.join(cache, "python-glibc-" + OLD_VERSION)
    if os.path.exists(os.path.join(target, "glibc.py")):
        return target, None
    if platform.machine() != "x86_64":
        return None, "python-glibc %s is for x86_64 only (its constants are typed in)" % OLD_VERSION
    os.makedirs(cache, exist_ok=True)
    work = tempfile.mkdtemp(prefix="old-", dir=cache)
    env = dict(os.environ, PIP_BREAK_SYSTEM_PACKAGES="1")  # a private --target, not the system's
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", "-q"]
    try:
        say("fetching python-glibc %s from the package index" % OLD_VERSION)
        download = ["download", "--no-deps", "--no-binary", ":all:", "--timeout", "20",
                    "--retries", "1", "-d", work, "glibc==" + OLD_VERSION]
        failed = _pip(pip + download, env, "pip download glibc==%s" % OLD_VERSION)
        if failed:
            return None, failed
        (sdist,) = [os.path.join(work, f) for f in os.listdir(work)]
        install = ["install", "--no-deps", "--no-compile", "--target",
                   os.path.join(work, "target"), sdist]
        failed = _pip(pip + install, env, "pip install --target of glibc %s" % OLD_VERSION)
        if failed:
            return None, failed
        try:
            os.replace(os.path.join(work, "target"), target)
        except OSError:
            if not os.path.exists(os.path.join(target, "glibc.py")):
                raise  # else another run put it there meanwhile
        return target, None
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        return None, "could not fetch python-glibc %s: %s" % (OLD_VERSION, exc)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def floor(cache: str, quick: bool) -> Tuple[Dict[str, float], Optional[str], str]:
    """Compile floor.c and run it: (ns per iteration of each of its benchmarks, why it did
    not run, the compile command)."""
    cc = os.environ.get("CC", "cc")
    command = "%s -O2 -o build/bench/floor benchmarks/floor.c" % cc
    if shutil.which(cc) is None:
        return {}, "no C compiler (%s) on PATH" % cc, command
    os.makedirs(cache, exist_ok=True)
    binary = os.path.join(cache, "floor")
    work = "%s.%d" % (binary, os.getpid())  # then renamed: another run may be running it
    done = subprocess.run(
        [cc, "-O2", "-Wall", "-Wextra", "-o", work, os.path.join(HERE, "floor.c")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        universal_newlines=True,
    )
    if done.returncode:
        raise Failed("compiling floor.c failed:\n%s" % done.stdout)
    os.replace(work, binary)
    return floor_again(cache, quick), None, command


def floor_again(cache: str, quick: bool) -> Dict[str, float]:
    return run_json([os.path.join(cache, "floor")] + (["0.0005"] if quick else []))


def machine(argv: List[str]) -> Dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    commit = "?"
    try:
        head = subprocess.run(
            ["git", "-C", ROOT, "describe", "--always", "--dirty"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            universal_newlines=True,
        )
        commit = head.stdout.strip() or "?"
    except OSError:
        pass
    return dict(
        cpu=cpu,
        cpus=os.cpu_count(),
        kernel=platform.release(),
        libc=os.confstr("CS_GNU_LIBC_VERSION"),
        load_start="%.2f" % os.getloadavg()[0],
        load_end="?",
        commit=commit,
        date=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        command=" ".join(["python3 benchmarks/run.py"] + argv),
    )


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="check every result with a few iterations"
    )
    parser.add_argument("--python", action="append", metavar="PATH", help="interpreter(s) to run")
    parser.add_argument("--pypy", metavar="PATH", help="the PyPy to run beside this interpreter")
    parser.add_argument("--no-pypy", action="store_true", help="this interpreter only")
    parser.add_argument("--no-old", action="store_true", help="leave python-glibc 0.6.1 out")
    parser.add_argument("--no-build", action="store_true", help="do not run build_glibc.py first")
    parser.add_argument(
        "--path", default=ROOT, help="import glibc and pyglibc from here (default: %(default)s)"
    )
    parser.add_argument(
        "--cache",
        default=os.path.join(ROOT, "build", "bench"),
        help="for 0.6.1, the floor binary and results.json (default: %(default)s)",
    )
    parser.add_argument(
        "--out",
        help="write benchmarks.md and benchmarks.png here "
        "(default: docs/, or nowhere with --quick)",
    )
    parser.add_argument(
        "--json", help="write every result here (default: results.json in the cache)"
    )
    parser.add_argument("groups", nargs="*", help="of cases.py: percall poll select asyncio read")
    args = parser.parse_args(argv)
    argv_shown = list(sys.argv[1:] if argv is None else argv)
    started = time.perf_counter()
    out = args.out or (None if args.quick else os.path.join(ROOT, "docs"))
    pythons = args.python or [sys.executable] + [p for p in [find_pypy(args)] if p]
    results: Dict[str, Any] = dict(
        machine=machine(argv_shown), runs=[], quick=args.quick, repeats=2 if args.quick else 21
    )
    failures: List[str] = []
    if out:
        try:
            import matplotlib  # noqa: F401  (report.draw needs it; say so before the runs)
        except ImportError:
            say(
                "the plot needs matplotlib in %s: pip install matplotlib (or --quick)"
                % sys.executable
            )
            return 1
    try:
        if not args.no_build and os.path.realpath(args.path) == os.path.realpath(ROOT):
            for python in pythons:
                build(python)
        target, why_not_old = (None, "--no-old") if args.no_old else old_package(args.cache)
        results["floor"], results["floor_skipped"], results["floor_cc"] = floor(
            args.cache, args.quick
        )
    except Failed as exc:
        say(str(exc))
        return 1
    for python in pythons:
        say("running %s" % python)
        run: Dict[str, Any] = {}
        try:
            run = run_json(
                [python, os.path.join(HERE, "cases.py")]
                + (["--quick"] if args.quick else [])
                + args.groups,
                worker_env(args.path),
            )
        except Failed as exc:
            failures.append(str(exc))
            continue
        if target is None:
            run["old"] = dict(skipped=why_not_old)
        else:
            try:
                run["old"] = run_json(
                    [python, "-I", "-S", os.path.join(HERE, "old.py"), target]
                    + (["--quick"] if args.quick else [])
                )
            except Failed as exc:
                failures.append(str(exc))
        if not args.groups:
            try:
                run["imports"] = startup.measure(python, args.path, 1 if args.quick else 15)
            except RuntimeError as exc:
                failures.append(str(exc))
        results["runs"].append(run)
    if results["floor"] and not args.quick:  # the floor is the fastest it ever was
        again = floor_again(args.cache, args.quick)
        results["floor"] = {k: min(v, again.get(k, v)) for k, v in results["floor"].items()}
    results["machine"]["load_end"] = "%.2f" % os.getloadavg()[0]
    text = report.markdown(results, plot="benchmarks.png" if out else None)
    print(text)
    json_path = args.json or os.path.join(args.cache, "results.json")
    os.makedirs(os.path.dirname(os.path.abspath(json_path)), exist_ok=True)
    with open(json_path, "w") as f:
        json.dump(results, f, indent=1)
    if out and not failures:
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, "benchmarks.md"), "w") as f:
            f.write(text)
        report.draw(results, os.path.join(out, "benchmarks.png"))
        say(
            "wrote %s and %s"
            % (os.path.join(out, "benchmarks.md"), os.path.join(out, "benchmarks.png"))
        )
    for failure in failures:
        say("FAILED: %s" % failure)
    say("done in %.0f s" % (time.perf_counter() - started))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
