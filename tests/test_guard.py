"""The guard of conftest.py fails a test that leaves a trace, and cleans up after it."""

import os
import re
import shutil
import subprocess
import sys

import glibc

HERE = os.path.dirname(os.path.abspath(__file__))

CARELESS = '''
import os, signal, subprocess

def test_leaves_an_fd_open():
    os.pipe()

def test_leaves_a_child_running():
    subprocess.Popen(["sleep", "60"])

def test_leaves_a_zombie():
    pid = os.fork()
    if pid == 0:
        os._exit(0)

def test_leaves_a_signal_blocked():
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR2])

def test_leaves_a_handler():
    signal.signal(signal.SIGUSR2, lambda *a: None)

def test_tidy():
    r, w = os.pipe()
    os.close(r), os.close(w)
    subprocess.run(["true"], check=True)
'''


def test_the_guard_fails_each_careless_test_and_only_those(tmp_path):
    shutil.copy(os.path.join(HERE, "conftest.py"), tmp_path)
    (tmp_path / "test_careless.py").write_text(CARELESS)
    # The conftest imports glibc: from wherever this run imported it.
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(glibc.__file__)))
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-vv", "-p", "no:cacheprovider", "--tb=no", "-rE",
         str(tmp_path)],
        cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=120,
    )
    errors = dict(re.findall(r"^ERROR test_careless.py::(\w+) - AssertionError: (.*)$",
                             run.stdout, re.M))
    assert "6 passed, 5 errors" in run.stdout, run.stdout + run.stderr
    assert sorted(errors) == sorted(
        name for name in re.findall(r"def (test_leaves_\w+)", CARELESS)), run.stdout
    assert "file descriptors open" in errors["test_leaves_an_fd_open"]
    assert "child processes running or unreaped" in errors["test_leaves_a_child_running"]
    assert "child processes running or unreaped" in errors["test_leaves_a_zombie"]
    assert "signal mask" in errors["test_leaves_a_signal_blocked"]
    assert "handlers of [<Signals.SIGUSR2: 12>]" in errors["test_leaves_a_handler"]
