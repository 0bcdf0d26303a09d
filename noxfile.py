"""``nox``: the checks CI runs; ``nox -s tests``: the test suite on every supported interpreter.

The CPythons are pyenv's (``$PYENV_ROOT/versions``, >= 3.9, the newest patch
release of each minor version); PyPy is ``pypy3`` when it is on PATH.  Each
session pip-installs the project into a fresh venv, so pip builds the
extension through ``cffi_modules`` (with ``-Werror``), and runs pytest from a
scratch directory, so the tests import the installed package and never the
source tree.  ``nox -s tests-3.12 -- -k signalfd`` runs one interpreter and
passes the rest to pytest.
"""

import os
import re
import shutil
import sys
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
TESTS = ROOT / "tests"
OLDEST = (3, 9)

# What a bare ``nox`` (and so .ci/run) runs.
nox.options.sessions = ["tests"]
# Only interpreters that were found are listed, so a missing one is a fault.
nox.options.error_on_missing_interpreters = True
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
    if shutil.which("pypy3"):
        ordered.append("pypy3")
    return ordered


PYTHONS = interpreters()
if not PYTHONS:
    sys.stderr.write("noxfile: no CPython >= 3.9 in $PYENV_ROOT/versions, nor pypy3 on PATH\n")

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


def pytest_args(posargs):
    """pytest's arguments: the posargs, with tests/ unless they name test files.

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
    return args if any(paths) else args + [str(TESTS)]


@nox.session(python=PYTHONS, venv_backend="venv")
def tests(session):
    """pip install .[test] (warnings are errors), then pytest against the installed package."""
    session.env["GLIBC_WERROR"] = "1"
    session.env["GLIBC_TEST_INSTALLED"] = "1"
    # pip builds in the source tree; an old build/ would let setuptools skip
    # the compile (and -Werror with it) or ship files since deleted.
    shutil.rmtree(ROOT / "build", ignore_errors=True)
    session.install("%s[test]" % ROOT)
    scratch = session.create_tmp()
    session.chdir(scratch)
    session.run("python", "-c", REPORT)
    session.run("python", "-m", "pytest", *pytest_args(session.posargs))
