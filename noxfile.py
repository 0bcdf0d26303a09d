"""``nox``: the checks CI runs; ``nox -s tests``: the test suite on every supported interpreter.

``nox -s lint``: ruff, mypy --strict and clang-format on the source tree;
``nox -s packaging``: sdist and wheel built, each installed in a fresh venv
of the oldest and newest CPython and of PyPy (the wheel with no compiler),
then a smoke run.  Also ``nox -s sanitizers`` (the suite with ASan and UBSan
in the extension), ``nox -s memcheck`` (part of it under valgrind), ``nox -s
soak`` (RSS after a million calls of each hot function), ``nox -s old_kernel``
(the suite as on Linux 4.18, under tools/old_kernel.py's seccomp filter),
``nox -s containers`` (the supervisor as PID 1 under podman, as root),
``nox -s distros`` (the suite in Debian 11 and 13 roots, as root), ``nox -s
arm64`` (under qemu-user) and ``nox -s kernels`` (the accounting tests under
Debian 11's and 12's kernels, booted by qemu, with a pure cgroup v2
hierarchy); a bare ``nox`` runs them all, the last six beside the others
(see _start_background).

The CPythons are pyenv's (``$PYENV_ROOT/versions``, >= 3.9, the newest patch
release of each minor version); PyPy is ``pypy3`` on PATH, its sessions
skipped where it is missing.  Each
session pip-installs the project into a fresh venv, so pip builds the
extension through ``cffi_modules`` (with ``-Werror``), and runs pytest from a
scratch directory, so the tests import the installed package and never the
source tree.  ``nox -s tests-3.12 -- -k signalfd`` runs one interpreter and
passes the rest to pytest.
"""

import atexit
import functools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
# The whole of a bare ``nox`` on a 2-core machine; the times are printed last.
BUDGET = 30 * 60
STARTED = time.monotonic()
TIMES = {}
# The sessions that went on beside the others (in a bare run): how long they
# took there.
BESIDE_TIMES = {}


def _minutes(seconds):
    return "%d min %02d s" % divmod(round(seconds), 60)


@atexit.register
def _print_times():
    if not TIMES or os.environ.get("NOX_BESIDE"):
        return
    total = time.monotonic() - STARTED
    print("times: what each session ran (its venv made before), and the whole run:")
    for name, seconds in TIMES.items():
        beside = " waiting, after %s beside the others" % _minutes(BESIDE_TIMES[name]) \
            if name in BESIDE_TIMES else ""
        print("times:   %-20s %s%s" % (name, _minutes(seconds), beside))
    over = " over by " + _minutes(total - BUDGET) if total > BUDGET else ""
    print("times:   %-20s %s (budget %s%s)" % ("total", _minutes(total), _minutes(BUDGET), over))


def session(**options):
    """nox.session, the time of each run kept for the closing table."""

    def define(func):
        @functools.wraps(func)
        def timed(session):
            _start_background()
            start = time.monotonic()
            try:
                func(session)
            finally:
                TIMES[session.name] = time.monotonic() - start

        return nox.session(**options)(timed)

    return define

TESTS = ROOT / "tests"
OLDEST = (3, 9)

# What a bare ``nox`` (and so .ci/run) runs.
# The last six go on beside the others in a bare run (see _start_background).
nox.options.sessions = ["tests", "lint", "docs", "packaging", "sanitizers", "soak", "memcheck",
                        "old_kernel", "containers", "distros", "arm64", "kernels"]
# The CPythons listed are those found; PyPy is listed either way, and where
# it is missing its sessions are skipped, the reason in nox's summary (.ci/run
# installs it).
nox.options.error_on_missing_interpreters = False
if hasattr(nox.options, "download_python"):
    # Recent nox would otherwise try to download an interpreter it cannot find.
    nox.options.download_python = "never"


def pyenv_pythons():
    """``{"3.9": Path(".../versions/3.9.18/bin"), ...}``: pyenv's CPythons >= 3.9."""
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    newest = {}
    for version_dir in sorted(root.glob("*")):
        m = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", version_dir.name)
        if m is None:  # pypy3.10-7.3.x, miniconda3-..., virtualenvs
            continue
        version = tuple(int(n) for n in m.groups())
        minor = "%d.%d" % version[:2]
        bindir = version_dir / "bin"
        if version[:2] < OLDEST or not (bindir / ("python" + minor)).exists():
            continue
        if minor not in newest or version > newest[minor][0]:
            newest[minor] = (version, bindir)
    return {minor: bindir for minor, (_, bindir) in newest.items()}


def interpreters():
    """The ``python=`` list of the tests session, made findable by nox.

    pyenv's shims on PATH run only the selected version (``python3.9`` fails
    when 3.11 is global), so each version's own bin directory goes first on
    PATH: nox then finds ``python3.9`` itself and the sessions keep short names
    (``tests-3.9``).
    """
    found = pyenv_pythons()
    ordered = sorted(found, key=lambda minor: tuple(int(n) for n in minor.split(".")))
    dirs = [str(found[minor]) for minor in ordered]
    os.environ["PATH"] = os.pathsep.join(dirs + [os.environ.get("PATH", "")])
    # Listed even where it is missing: nox then says so in its summary, rather
    # than dropping PyPy silently.
    return ordered + ["pypy3"]


PYTHONS = interpreters()
if PYTHONS == ["pypy3"]:
    sys.stderr.write("noxfile: no CPython >= 3.9 in $PYENV_ROOT/versions\n")
CPYTHONS = [p for p in PYTHONS if p != "pypy3"]
# The newest CPython: the one interpreter of the sanitizer and memory sessions.
NEWEST = CPYTHONS[-1:]
# The interpreters that run the whole suite and build the packages: the oldest
# and the newest CPython, and PyPy.  The CPythons between them differ from
# these in little the supervisor's tests would show, and those tests take half
# of each session's time: they leave out SUPERVISOR_TESTS.
ENDS = sorted(set(CPYTHONS[:1] + CPYTHONS[-1:]), key=CPYTHONS.index) + ["pypy3"]
# The tests that run the supervisor (or another init, or pytest itself) as a
# process of its own, once or more per test.
SUPERVISOR_TESTS = ["test_pyglibc_cli.py", "test_pyglibc_supervise.py", "test_init_compare.py",
                    "test_guard.py", "test_pyglibc_demos.py", "test_pyglibc_accounting.py"]

REPORT = """\
import os, platform, sys
import cffi, glibc, glibc._glibc
print("interpreter: %s %s at %s, cffi %s" % (
    platform.python_implementation(), platform.python_version(), sys.executable, cffi.__version__))
print("glibc from:  %s" % os.path.dirname(glibc.__file__))
print("extension:   %s" % glibc._glibc.__file__)
for module in (glibc, glibc._glibc):
    if not os.path.realpath(module.__file__).startswith(os.path.realpath(sys.prefix) + os.sep):
        sys.exit("%s is not the venv's (%s)" % (module.__file__, sys.prefix))
"""


def debian_tool(session, command, package):
    """command on PATH: apt-get installs package where root can, else the session is skipped."""
    if shutil.which(command):
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        session.skip("%s is not installed (Debian's package %s)" % (command, package))
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    session.run("apt-get", "update", "-qq", external=True, env=env)
    # Another session beside this one may be installing too: wait for dpkg's lock.
    session.run("apt-get", "install", "-y", "-qq", "-o", "DPkg::Lock::Timeout=600", package,
                external=True, env=env)


def pytest_args(posargs, leave_out=()):
    """pytest's arguments: the posargs, with tests/ unless they name test files
    (and then without the files of ``leave_out``).

    pytest runs in a scratch directory, so ``tests/test_fds.py::test_x`` is
    made absolute.
    """
    def path(arg):
        where = arg.split("::", 1)[0]
        if os.path.isabs(where):
            return arg if os.path.exists(where) else None
        if where.split(os.sep, 1)[0] == "tests" and (ROOT / where).exists():
            return str(ROOT / arg)
        return None

    paths = [path(arg) for arg in posargs]
    args = [p or arg for p, arg in zip(paths, posargs)]
    if any(paths):
        return args
    return args + ["--ignore=%s" % (TESTS / name) for name in leave_out] + [str(TESTS)]


@session(python=PYTHONS, venv_backend="venv")
def tests(session):
    """pip install .[test] (warnings are errors), then pytest against the installed package."""
    # tests/test_fuzz.py: 30 examples per function on the newest CPython and on
    # PyPy (12 s and 25 s), 10 on the other CPythons (4 s each).
    if "GLIBC_FUZZ_EXAMPLES" not in os.environ:
        session.env["GLIBC_FUZZ_EXAMPLES"] = \
            "30" if [session.python] in (NEWEST, ["pypy3"]) else "10"
    leave_out = [] if session.python in ENDS else SUPERVISOR_TESTS
    if leave_out and not session.posargs:
        session.log("the suite less %s (run on %s)" % (" ".join(leave_out), ", ".join(ENDS)))
    install_and_chdir(session)
    session.run("python", "-m", "pytest", *pytest_args(session.posargs, leave_out))


# What a build leaves in a tree, or a developer: none of it goes into a copy.
NOT_SOURCE = shutil.ignore_patterns(".git", ".nox", "build", "dist", "*.egg-info", "__pycache__",
                                    "*.so", ".pytest_cache", ".hypothesis", ".ruff_cache",
                                    ".mypy_cache")


def source_copy(session):
    """A copy of the source tree in the session's own directory, to build from.

    pip and python -m build write build/ and glibc.egg-info into the tree
    they build: sessions that run beside each other would build into the
    same ones (setuptools then fails on what the other left), and an old
    build/ would let setuptools skip the compile, -Werror with it.
    """
    where = Path(session.create_tmp()) / "source"
    shutil.rmtree(where, ignore_errors=True)
    shutil.copytree(ROOT, where, ignore=NOT_SOURCE)
    return where


def install_and_chdir(session, build_env=None, run_env=None):
    """pip install .[test] into the session's venv (warnings are errors; ``build_env`` added
    to the build's environment), then ``run_env`` for what follows, a scratch directory,
    and a report of what was installed."""
    session.env["GLIBC_WERROR"] = "1"
    session.env["GLIBC_TEST_INSTALLED"] = "1"
    session.install("%s[test]" % source_copy(session), env=build_env or {})
    session.env.update(run_env or {})
    scratch = session.create_tmp()
    session.chdir(scratch)
    session.run("python", "-c", REPORT)


# What lint installs: the checkers at versions known to pass, so that a new
# release cannot fail CI on code that did not change (clang-format too, from
# its PyPI wheel: the machine needs no package of its own).
LINTERS = ["ruff==0.17.6", "mypy==2.4.1", "types-cffi==2.1.0.20260827", "clang-format==14.0.6"]


@session(python=CPYTHONS[-1:], venv_backend="venv")
def lint(session):
    """ruff (pyproject.toml's rules), mypy --strict (its files), clang-format on csrc/."""
    session.install(*LINTERS)
    session.chdir(ROOT)
    session.run("ruff", "check", ".")
    # Checks the source tree as it is: the compiled module is described by
    # glibc/_glibc.pyi, so nothing needs building.
    session.run("mypy")
    headers = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "csrc").glob("*.h"))
    session.run("clang-format", "--dry-run", "--Werror", *headers)


# What docs installs: Sphinx and its theme at versions known to build without a warning.
DOCS = ["sphinx==9.0.4", "furo==2025.12.19", "myst-parser==5.2.0"]


@session(python=NEWEST, venv_backend="venv")
def docs(session):
    """The HTML site and the man page pyglibc-run.1 into docs/_build, any warning an error;
    then tests/test_docs_index.py: every table entry has its entry in the built index.
    (The pages' examples run in the tests sessions: tests/test_docs.py.)

    The pages are built from a copy of the source tree, which the sessions beside this one
    copy too: Sphinx keeps its state beside the pages it reads.
    """
    session.install(*DOCS)
    tree = Path(session.create_tmp()).resolve() / "docs-tree"
    shutil.rmtree(tree, ignore_errors=True)
    shutil.copytree(ROOT, tree, ignore=NOT_SOURCE)
    install_and_chdir(session)
    built = ROOT / "docs" / "_build"
    for builder in ("html", "man"):
        session.run("sphinx-build", "-W", "--keep-going", "-q", "-b", builder,
                    "-d", str(tree / "docs" / ".doctrees"), str(tree / "docs"),
                    str(built / builder))
    session.run("python", "-m", "pytest", "-q", str(TESTS / "test_docs_index.py"),
                env={"GLIBC_DOCS_BUILT": str(built)})


# Run from a scratch directory by the venv a distribution went into: the
# package is the venv's, its metadata complete, its typing markers there,
# and an example runs.  argv: the examples directory, the expected version.
SMOKE = """\
import importlib.metadata as md, os, subprocess, sys
import glibc, pyglibc
examples, version = sys.argv[1:]
for module in (glibc, pyglibc):
    assert module.__file__.startswith(sys.prefix + os.sep), module.__file__
meta = md.metadata("glibc")
assert meta["Version"] == version, meta["Version"]
assert meta["License-Expression"] == "LGPL-3.0-or-later", meta["License-Expression"]
assert meta["Requires-Python"] == ">=3.9", meta["Requires-Python"]
classifiers = set(meta.get_all("Classifier"))
for c in ("Operating System :: POSIX :: Linux", "Typing :: Typed",
          "Programming Language :: Python :: Implementation :: CPython",
          "Programming Language :: Python :: Implementation :: PyPy"):
    assert c in classifiers, c
files = {str(f) for f in md.files("glibc")}
for f in ("glibc/py.typed", "pyglibc/py.typed", "glibc/__init__.pyi", "glibc/_glibc.pyi",
          "glibc/families/signal.py"):
    assert f in files, f
assert not any(f.endswith((".c", ".h", ".o")) for f in files), sorted(files)
done = subprocess.run([sys.executable, os.path.join(examples, "eventfd.py")],
                      capture_output=True, text=True)
assert done.stdout == "finished: 3\\nsemaphore reads: [1, 1]\\n", (done.stdout, done.stderr)
print("smoke: glibc %s in %s: metadata, typing markers, examples/eventfd.py: ok"
      % (version, sys.prefix))
"""


def _version():
    return re.search(r'^version = "(.+)"$', (ROOT / "pyproject.toml").read_text(), re.M).group(1)


def _fresh_venv(session, where):
    """A new venv of the session's interpreter at ``where``; its python."""
    shutil.rmtree(where, ignore_errors=True)
    # The session's python is itself a venv's: -m venv makes one of its base.
    session.run("python", "-m", "venv", str(where), silent=True)
    return str(Path(where) / "bin" / "python")


@session(python=ENDS, venv_backend="venv")
def packaging(session):
    """python -m build (sdist, then the wheel from it); each installed in a fresh venv.

    The wheel installs with CC=false and binary packages only: it needs no
    compiler.  The sdist compiles (with -Werror) and then checks itself
    against the headers (python -m glibc --verify).
    """
    session.install("build")
    tmp = Path(session.create_tmp()).resolve()
    dist = tmp / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    session.env["GLIBC_WERROR"] = "1"
    session.env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    session.run("python", "-m", "build", "--outdir", str(dist), str(source_copy(session)),
                silent=True)
    (sdist,) = dist.glob("*.tar.gz")
    (wheel,) = dist.glob("*.whl")
    version, examples = _version(), str(ROOT / "examples")
    scratch = tmp / "scratch"
    scratch.mkdir(exist_ok=True)
    smoke = tmp / "smoke.py"
    smoke.write_text(SMOKE)

    python = _fresh_venv(session, tmp / "wheel-venv")
    session.run(python, "-m", "pip", "install", "--quiet", "--only-binary", ":all:", str(wheel),
                env={"CC": "false", "CXX": "false"}, external=True)
    session.chdir(scratch)
    session.run(python, str(smoke), examples, version, external=True)
    session.run(python, "-m", "glibc", "--search", "pidfd_open", external=True)

    python = _fresh_venv(session, tmp / "sdist-venv")
    session.run(python, "-m", "pip", "install", "--quiet", str(sdist), external=True)
    session.run(python, str(smoke), examples, version, external=True)
    session.run(python, "-m", "glibc", "--verify", external=True)


# Proof that the sanitizers are in: the extension pulls in libubsan, and the
# ASan runtime (preloaded) is there.
SANITIZED = """import sys
import glibc._glibc
maps = open("/proc/self/maps").read()
missing = [lib for lib in ("libasan", "libubsan") if lib not in maps]
sys.exit("not a sanitizer build: %s missing" % missing if missing else 0)
"""


# What the sanitizers and old_kernel sessions leave out: the tests that start
# an init, or pytest, per test.  The calls they make are the ones
# test_pyglibc_supervise.py makes in the test's own process.
CLI_TESTS = [name for name in SUPERVISOR_TESTS
             if name not in ("test_pyglibc_supervise.py", "test_pyglibc_accounting.py")]


@session(python=NEWEST, venv_backend="venv")
def sanitizers(session):
    """The suite (less CLI_TESTS) against an extension built with AddressSanitizer and UBSan.

    GLIBC_SANITIZE=1 makes build_glibc.py add -fsanitize=address,undefined
    (every report aborts).  The interpreter is not sanitized, so the ASan
    runtime is preloaded; leak detection is off, since the interpreter
    itself leaves memory allocated at exit.
    """
    libasan = session.run("gcc", "-print-file-name=libasan.so", external=True,
                          silent=True).strip()
    install_and_chdir(session, build_env={"GLIBC_SANITIZE": "1"}, run_env={
        "LD_PRELOAD": libasan, "ASAN_OPTIONS": "detect_leaks=0",
        "UBSAN_OPTIONS": "print_stacktrace=1"})
    session.run("python", "-c", SANITIZED)
    session.run("python", "-m", "pytest", "-q", *pytest_args(session.posargs, CLI_TESTS))


# The tests that go through the C shim and cffi's conversions the most, in
# both layers (the whole suite would take half an hour under valgrind)...
MEMCHECK_TESTS = """
    test_eventfd.py test_epoll.py test_errors.py test_poll.py test_capability.py
    test_timerfd.py test_timer.py test_splice.py test_memfd.py test_inotify.py
    test_pyglibc_eventfd.py test_pyglibc_signalfd.py test_pyglibc_timerfd.py
""".split()
# ...less what valgrind 3.19 cannot run: a system call it does not know
# (epoll_pwait2), and a limit it keeps for itself (RLIMIT_NOFILE).
MEMCHECK_SKIPS = "not pwait2 and not nfds_above_rlimit"


@session(python=NEWEST, venv_backend="venv")
def memcheck(session):
    """The C-heaviest part of the suite under valgrind's memcheck: any error fails.

    PYTHONMALLOC=malloc lets valgrind see every allocation of the
    interpreter too; leaks are not checked (the interpreter keeps memory
    until exit by design).  tests/valgrind.supp holds the one false report
    that valgrind 3.19 makes about glibc itself.
    """
    if _collect(session):
        return
    debian_tool(session, "valgrind", "valgrind")
    install_and_chdir(session, run_env={"PYTHONMALLOC": "malloc"})
    python = session.run("python", "-c", "import sys; print(sys.executable)",
                         silent=True).strip()
    tests = [str(TESTS / name) for name in MEMCHECK_TESTS] + ["-k", MEMCHECK_SKIPS]
    out = session.run("valgrind", "--tool=memcheck", "--error-exitcode=99", "--leak-check=no",
                      "--num-callers=30", "--suppressions=%s" % (TESTS / "valgrind.supp"),
                      python, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                      *(session.posargs or tests), external=True, silent=True)
    print(out)
    # A forked child (children.py's in_child) has its own report and exit status.
    reports = re.findall(r"^==\d+== ERROR SUMMARY: (\d+) errors", out, re.M)
    if not reports or any(int(n) for n in reports):
        session.error("memcheck: %d of %d processes had errors" % (
            sum(1 for n in reports if int(n)), len(reports)))


@session(python=NEWEST + (["pypy3"] if "pypy3" in PYTHONS else []), venv_backend="venv")
def soak(session):
    """tests/soak_rss.py: a million calls of each hot function leave the resident set flat."""
    install_and_chdir(session)
    session.run("python", "-m", "pytest", "-q", str(TESTS / "soak_rss.py"), *session.posargs)


# What old_kernel runs with EPERM: the objects' and the supervisor's tests, the code
# that must fall back whatever the filter answers.
EPERM_TESTS = sorted(p.name for p in TESTS.glob("test_pyglibc_*.py")
                     if p.name != "test_pyglibc_demos.py") + ["test_old_kernels.py"]


@session(python=NEWEST, venv_backend="venv")
def old_kernel(session):
    """The suite as on Linux 4.18: tools/old_kernel.py fails every newer system call.

    First the whole suite with ENOSYS for each (as an old
    kernel, or a recent container runtime's profile, answers): a test that
    needs a newer call skips, saying which Linux it needs, and every other
    one passes.
    Then the tests of pyglibc's objects and of the supervisor with EPERM
    for the package's own newer calls, as Docker's profiles answered before
    20.10: their fallbacks must take that too.  One interpreter, the
    newest CPython; 10 fuzz examples per function (the other sessions try
    more, on a kernel that has every call).
    """
    if _collect(session):
        return
    if "GLIBC_FUZZ_EXAMPLES" not in os.environ:
        session.env["GLIBC_FUZZ_EXAMPLES"] = "10"
    install_and_chdir(session)
    runner = str(ROOT / "tools" / "old_kernel.py")
    # "python" is the venv's: the runner finds it on the session's PATH.
    session.run("python", runner, "--", "python", "-m", "pytest", "-q",
                *pytest_args(session.posargs))
    eperm = session.posargs or [str(TESTS / name) for name in EPERM_TESTS]
    session.run("python", runner, "--errno", "EPERM", "--", "python", "-m", "pytest", "-q",
                *pytest_args(eperm))


@session(python=NEWEST, venv_backend="venv")
def containers(session):
    """tests/test_containers.py: the supervisor as PID 1 under podman, beside catatonit, tini
    and dumb-init (as root; podman, runc and catatonit installed from Debian if missing).

    tools/containers.py makes the images offline: a Debian root from
    mmdebstrap, imported once, and examples/Containerfile built FROM it with
    the wheel of this tree.
    """
    if os.geteuid() != 0:
        session.skip("needs root: podman with runc, images made by mmdebstrap")
    if _collect(session):
        return
    for tool in ("podman", "runc", "catatonit", "mmdebstrap"):
        debian_tool(session, tool, tool)
    install_and_chdir(session, run_env={"GLIBC_CONTAINER_TESTS": "1"})
    session.run("python", "-m", "pytest", "-v", *pytest_args(
        session.posargs or [str(TESTS / "test_containers.py")]))


@session(python=False)
def distros(session):
    """The suite in Debian roots (tools/distros.py), as root: from source, then from the wheel.

    pip install . in Debian 11 and 13 (glibc 2.31 and 2.41, Python 3.9 and
    3.13, Linux headers 5.10 and 6.12: the oldest and newest this machine's
    package registry serves); then the wheel built in Debian 11 and tagged
    manylinux_2_28 by auditwheel, installed with no compiler in Debian 11,
    12 and 13.  The roots are made once and kept in /var/cache/pyglibc-roots.
    """
    _as_root(session, "mmdebstrap, mount namespaces and chroot (tools/distros.py)",
             distros_runs(session.posargs))


def _as_root(session, needs, runs):
    """The runs (argvs), or what they printed beside the others; a skip unless root."""
    if os.geteuid() != 0:
        session.skip("needs root: " + needs)
    if not _collect(session):
        for argv in runs:
            session.run(*argv, external=True)


def distros_runs(posargs):
    script = str(ROOT / "tools" / "distros.py")
    posargs = ["--", *posargs] if posargs else []
    return [[sys.executable, script, *posargs], [sys.executable, script, "--wheel", *posargs]]


# What differs on another architecture: layouts and constants, the calls
# that carry structs and signal sets, waiting and being woken, the drop-ins
# and the supervisor.  Under emulation every test takes about ten times as
# long, so the whole suite (30 min) is for a run by hand.
ARM64_TESTS = [
    "test_layout.py", "test_tables.py", "test_errors.py", "test_errno_capture.py",
    "test_epoll.py", "test_poll.py", "test_eventfd.py", "test_timerfd.py", "test_timer.py",
    "test_time.py", "test_inotify.py", "test_fcntl.py", "test_fs.py", "test_splice.py",
    "test_signal.py", "test_signal_send.py", "test_signal_wait.py", "test_siginfo.py",
    "test_pause.py", "test_wait.py", "test_pidfd.py", "test_sched.py", "test_resource.py",
    "test_personality.py", "test_prctl.py", "test_concurrency.py",
    "test_pyglibc_selectors.py", "test_pyglibc_sigmask.py", "test_pyglibc_signalfd.py",
    "test_pyglibc_pidfd.py", "test_pyglibc_subreaper.py", "test_pyglibc_supervise.py",
]


@session(python=False)
def arm64(session):
    """The architecture's part of the suite in a Debian 12 arm64 root, under qemu-user, as root.

    tools/distros.py fetches qemu-user once, registers it with binfmt_misc,
    makes the root once (kept with the others), then runs pip install .,
    --verify and ARM64_TESTS there (or the tests given after --).
    """
    _as_root(session, "binfmt_misc, mmdebstrap, mount namespaces and chroot",
             arm64_runs(session.posargs))


def arm64_runs(posargs):
    tests = posargs or ["tests/" + name for name in ARM64_TESTS]
    return [[sys.executable, str(ROOT / "tools" / "distros.py"), "bookworm-arm64", "--", *tests]]


@session(python=False)
def kernels(session):
    """The accounting tests under Debian 12's and 11's kernels (Linux 6.1 and 5.10), as root.

    tools/kernels.py boots each in qemu (KVM where it works, else TCG) on an
    image of a root made once and kept with the others, our init as PID 1
    and cgroup2 alone on /sys/fs/cgroup: --cgroup's limits meet real memory,
    pids and cpu controllers, which this machine's hierarchy may not offer.
    Then pip install ., --verify and pytest there (or the tests given after --).
    """
    _as_root(session, "mmdebstrap and chroot for the roots (tools/kernels.py)",
             kernels_runs(session.posargs))


def kernels_runs(posargs):
    posargs = ["--", *posargs] if posargs else []
    return [[sys.executable, str(ROOT / "tools" / "kernels.py"), *posargs]]


# -- a bare run: sessions beside the others ---------------------------------------------------

# Most sessions spend their time waiting on the processes their tests start,
# so a second core is mostly idle.  In a bare ``nox`` memcheck, old_kernel,
# containers, distros, arm64 and kernels (the last four as root) run in the
# background from the first session on, one after another, into log files (a
# nested nox in an envdir of its own, or tools/distros.py and tools/kernels.py);
# when their turn comes they wait for that, print the log, and pass, fail or
# skip as it did.  Chosen by name they run as ever.
# The options of nox that choose sessions, or run none.
CHOOSING = {"-s", "--session", "--sessions", "-e", "-k", "--keywords", "-t", "--tags",
            "-p", "--python", "--pythons", "-P", "--force-python", "-l", "--list",
            "--list-sessions", "--json", "-h", "--help", "--usage", "--version"}
BESIDE_DRIVER = """\
import json, os, subprocess, sys, time
where, runs = sys.argv[1], json.loads(sys.argv[2])
for name, argvs in runs:
    start, status = time.monotonic(), 0
    with open(os.path.join(where, name + ".log"), "wb") as log:
        for argv in argvs:
            status = subprocess.call(argv, stdin=subprocess.DEVNULL, stdout=log,
                                     stderr=subprocess.STDOUT) or status
    with open(os.path.join(where, name + ".new"), "w") as f:
        f.write("%d %f" % (status, time.monotonic() - start))
    os.rename(os.path.join(where, name + ".new"), os.path.join(where, name + ".status"))
"""
_beside = {}


def bare_run(argv):
    """Whether nox's arguments leave it to run every default session, with no posargs."""
    return not any(arg == "--" or arg.split("=", 1)[0] in CHOOSING
                   or (arg[:1] == "-" and arg[1:2] != "-" and arg[:2] in CHOOSING)
                   for arg in argv)


def _beside_runs():
    """[[session name, [argv, ...]], ...]: what goes on beside the others in a bare run."""
    nested = [sys.executable, "-m", "nox", "--noxfile", str(ROOT / "noxfile.py"),
              "--envdir", str(ROOT / ".nox" / "beside"), "--no-color", "-s"]
    runs = [["%s-%s" % (name, python), [nested + ["%s-%s" % (name, python)]]]
            for name in ("memcheck", "old_kernel", "containers") for python in NEWEST]
    if os.geteuid() == 0:
        runs += [["distros", distros_runs(())], ["arm64", arm64_runs(())],
                 ["kernels", kernels_runs(())]]
    return runs


def _start_background():
    if _beside or os.environ.get("NOX_BESIDE") or not bare_run(sys.argv[1:]):
        return
    where = tempfile.mkdtemp(prefix="nox-beside-")
    runs = _beside_runs()
    _beside.update(where=where, names={name for name, _ in runs}, process=subprocess.Popen(
        [sys.executable, "-c", BESIDE_DRIVER, where, json.dumps(runs)], start_new_session=True,
        env=dict(os.environ, NOX_BESIDE="1"), stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    print("nox > %s: started beside the sessions before them (logs in %s)"
          % (", ".join(name for name, _ in runs), where))


def _collect(session):
    """False if session did not go on in the background; else, once it has ended, its
    output printed, True if it passed (the session fails or skips as it did if not)."""
    if session.name not in _beside.get("names", ()):
        return False
    where = Path(_beside["where"])
    status_file = where / (session.name + ".status")
    session.log("waiting for it: it was started beside the sessions before it")
    while not status_file.exists():
        if _beside["process"].poll() is not None and not status_file.exists():
            session.error("the sessions beside the others ended before %s (status %d)"
                          % (session.name, _beside["process"].returncode))
        time.sleep(1)
    output = (where / (session.name + ".log")).read_text(errors="replace")
    sys.stdout.write(output)
    sys.stdout.flush()
    status, seconds = status_file.read_text().split()
    BESIDE_TIMES[session.name] = float(seconds)
    if int(status):
        session.error("%s failed beside the others (exit status %s)" % (session.name, status))
    skipped = re.search(r"^nox > Session %s skipped: (.*)$" % re.escape(session.name), output,
                        re.M)
    if skipped:
        session.skip(skipped.group(1))
    return True


@atexit.register
def _stop_background():
    """Nothing started beside the sessions outlives nox, whatever ended it."""
    process = _beside.get("process")
    if process is None:
        return
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    shutil.rmtree(_beside["where"], ignore_errors=True)
