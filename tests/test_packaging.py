"""The package under test is the one pip installed, and it carries what it needs.

nox sets GLIBC_TEST_INSTALLED=1: its sessions must exercise the installed
package, never the source tree (an in-place build there would hide a file
the wheel forgot).  Without the variable (``make test``, the in-place build)
only the checks that hold for both run.
"""

import glob
import importlib.machinery
import importlib.metadata
import importlib.util
import os
import platform
import re
import shlex
import subprocess
import sys

import pytest

import glibc
import glibc._glibc

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INSTALLED = bool(os.environ.get("GLIBC_TEST_INSTALLED"))
installed_only = pytest.mark.skipif(not INSTALLED, reason="GLIBC_TEST_INSTALLED is not set")


def _read(*path):
    with open(os.path.join(REPO, *path)) as f:
        return f.read()


def _inside(path, directory):
    return os.path.realpath(path).startswith(os.path.realpath(directory) + os.sep)


def test_extension_is_built_for_this_interpreter():
    assert glibc._glibc.__file__.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))


@installed_only
def test_glibc_is_the_installed_package_not_the_source_tree():
    for module in (glibc, glibc._glibc):
        assert not _inside(module.__file__, os.path.join(REPO, "glibc")), module.__file__
        assert _inside(module.__file__, sys.prefix), module.__file__


@installed_only
def test_wheel_ships_tables_and_marker_but_no_build_inputs():
    files = {str(f) for f in importlib.metadata.files("glibc")}
    assert "glibc/families/signal.py" in files
    assert "glibc/py.typed" in files
    assert "glibc/__init__.pyi" in files
    assert not any(f.endswith((".c", ".o", ".h")) for f in files), sorted(files)


@installed_only
def test_wheel_ships_every_package_of_the_source_tree():
    # pyproject.toml lists the packages by name: one left out (a new subpackage)
    # would be missing from the wheel, and fail on import only once installed.
    files = {str(f) for f in importlib.metadata.files("glibc")}
    for top in ("glibc", "pyglibc"):
        for folder, _, names in os.walk(os.path.join(REPO, top)):
            if "__init__.py" in names:
                init = os.path.relpath(os.path.join(folder, "__init__.py"), REPO)
                assert init in files, init


@installed_only
def test_cffi_is_a_dependency_except_on_pypy():
    # PyPy's cffi is built in and must match its _cffi_backend: pip must not replace it.
    (requirement,) = [r for r in importlib.metadata.requires("glibc") if r.startswith("cffi")]
    assert "platform_python_implementation != \"PyPy\"" in requirement.replace("'", '"')
    if platform.python_implementation() == "PyPy":
        assert importlib.metadata.version("cffi") == __import__("_cffi_backend").__version__


# A fresh interpreter, so that the examples' signal mask and pipes stay there.
_RUN_PYCON = """
import doctest, re, sys
text = open(sys.argv[1]).read()
examples = "\\n".join(re.findall(r"^```pycon\\n(.*?)^```", text, re.M | re.S))
test = doctest.DocTestParser().get_doctest(examples, {}, sys.argv[1], sys.argv[1], 0)
runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
runner.run(test)
results = runner.summarize(verbose=False)
sys.exit(results.failed != 0 or results.attempted == 0)
"""

def _with_examples():
    """The README and the documentation's Markdown pages that show examples (```pycon)."""
    found = []
    for path in [os.path.join(REPO, "README.md")] + sorted(
            glob.glob(os.path.join(REPO, "docs", "**", "*.md"), recursive=True)):
        if os.path.exists(path):
            with open(path) as f:
                if "```pycon" in f.read():
                    found.append(os.path.relpath(path, REPO))
    return found


PAGES = _with_examples()


@pytest.mark.skipif(not PAGES, reason="no README.md nor docs/ beside the tests")
# The pages show these calls at work (a pidfd's child would wait for ever without them).
@pytest.mark.needs_kernel("pidfd_open", "pidfd_send_signal", "close_range", "openat2")
@pytest.mark.parametrize("page", PAGES or ["README.md"])
def test_the_examples_of_the_readme_and_the_docs_run(tmp_path, page):
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(glibc.__file__)))
    done = subprocess.run([sys.executable, "-c", _RUN_PYCON, os.path.join(REPO, page)],
                          cwd=str(tmp_path), env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, timeout=60)
    assert done.returncode == 0, done.stdout


@pytest.mark.skipif(not os.path.exists(os.path.join(REPO, ".ci", "run")), reason="no .ci/run")
def test_ci_runs_the_readme_test_command():
    (command,) = re.findall(r"^readme_test_command='(.*)'$", _read(".ci", "run"), re.M)
    assert "\n```sh\n%s\n```\n" % command in _read("README.md")


def test_readme_first_command_supervises_and_reaps_the_daemon():
    # The README's first command, minus its pip install, run by this interpreter.
    first = re.search(r"^```sh\n(.*?)\n```", _read("README.md"), re.M | re.S).group(1)
    assert first.startswith("python3 -m pip install . && (cd /tmp && python3 -m pyglibc run ")
    command = first[len("python3 -m pip install . && (cd /tmp && "):-1]
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(glibc.__file__)))
    done = subprocess.run(command.replace("python3", shlex.quote(sys.executable), 1), shell=True,
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "left a daemon behind\n"
    rows = [line.split() for line in done.stderr.splitlines()[2:-1]]  # not the totals
    assert done.stderr.splitlines()[-1].startswith("2 processes in all: CPU ")
    # The daemon is "setsid" until it has executed sleep: on a slow machine it may not have.
    assert [(row[1].replace("setsid", "sleep"), row[2], row[-2:]) for row in rows] == [
        ("sh", "command", ["exit", "0"]),
        ("sleep", "orphan", ["(sent", "SIGTERM)"]),
    ], done.stderr


# The platform is faked before the import, in a fresh interpreter.
_ELSEWHERE = "import sys; sys.platform = %r; import %s"


@pytest.mark.parametrize("package", ["glibc", "pyglibc"])
@pytest.mark.parametrize("platform_name", ["darwin", "win32"])
def test_import_elsewhere_than_linux_fails_clearly(package, platform_name):
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(glibc.__file__)))
    done = subprocess.run([sys.executable, "-c", _ELSEWHERE % (platform_name, package)],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    kind = "bindings" if package == "glibc" else "objects"
    assert last == "ImportError: %s: these %s are for Linux only, not %r" % (
        package, kind, platform_name)


@installed_only
def test_installed_version_is_pyprojects():
    # pyproject.toml is the one place the version is written.
    (version,) = re.findall(r'^version = "(.+)"$', _read("pyproject.toml"), re.M)
    assert importlib.metadata.version("glibc") == version


@installed_only
def test_both_packages_are_typed():
    files = {str(f) for f in importlib.metadata.files("glibc")}
    assert {"glibc/py.typed", "pyglibc/py.typed", "glibc/_glibc.pyi"} <= files


def test_the_container_table_is_the_container_tests():
    """docs/containers.md's table is what tools/container_table.py makes of
    tests/test_containers.py (its rows, and the reasons of its strict xfails)."""
    sys.path.insert(0, os.path.join(REPO, "tools"))
    import container_table

    page = container_table.PAGE.read_text()
    assert container_table.page_with_table(page) == page


@pytest.fixture(scope="module")
def noxfile():
    """noxfile.py as a module, loaded once: nox keeps a registry of the sessions it
    defines.  It puts pyenv's directories on PATH, which is undone."""
    pytest.importorskip("nox")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", os.environ.get("PATH", ""))
        patch.setattr(sys, "argv", ["nox"])
        spec = importlib.util.spec_from_file_location("noxfile",
                                                      os.path.join(REPO, "noxfile.py"))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("argv, bare", [
    ([], True), (["-r"], True), (["-x", "--no-color"], True),
    (["-s", "tests"], False), (["-stests"], False), (["--session=lint"], False),
    (["-p", "3.12"], False), (["-l"], False), (["--", "-k", "signalfd"], False)])
def test_only_a_bare_nox_runs_sessions_beside_the_others(noxfile, argv, bare):
    assert noxfile.bare_run(argv) is bare


class FakeSession:
    def __init__(self, name):
        self.name = name

    def log(self, text):
        pass

    def error(self, text):
        raise AssertionError(text)

    def skip(self, text):
        raise AssertionError("skipped: " + text)


def test_a_session_waits_for_its_run_beside_the_others_even_before_it_has_begun(
        noxfile, tmp_path, capsys):
    # The run of "later" begins only after another one's: its log does not exist yet.
    script = ("import os, time; time.sleep(0.5); d = %r\n"
              "open(os.path.join(d, 'later.log'), 'w').write('what later printed\\n')\n"
              "open(os.path.join(d, 'later.status'), 'w').write('0 0.5')\n" % str(tmp_path))
    with subprocess.Popen([sys.executable, "-c", script]) as process:
        noxfile._beside.update(where=str(tmp_path), names={"later"}, process=process)
        try:
            assert noxfile._collect(FakeSession("later"))
        finally:
            noxfile._beside.clear()
    assert capsys.readouterr().out == "what later printed\n"
    assert not noxfile._collect(FakeSession("other"))
