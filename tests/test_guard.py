"""The guard of conftest.py fails a test that leaves a trace, and cleans up after it."""

import os
import re
import shutil
import subprocess
import sys

import timeouts

import glibc

HERE = os.path.dirname(os.path.abspath(__file__))

def conftest_env():
    """The conftest imports glibc, from wherever this run imported it, and the plugins beside it."""
    return dict(os.environ, PYTHONPATH=os.pathsep.join(
        [os.path.dirname(os.path.dirname(glibc.__file__)), HERE]))


CARELESS = '''
import os, signal, subprocess, threading, time

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

def test_leaves_a_thread_running():
    threading.Thread(target=time.sleep, args=(60,), daemon=True).start()

def test_tidy():
    r, w = os.pipe()
    os.close(r), os.close(w)
    subprocess.run(["true"], check=True)
'''


def test_the_guard_fails_each_careless_test_and_only_those(tmp_path):
    shutil.copy(os.path.join(HERE, "conftest.py"), tmp_path)
    (tmp_path / "test_careless.py").write_text(CARELESS)
    env = conftest_env()
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-vv", "-p", "no:cacheprovider", "--tb=no", "-rE",
         str(tmp_path)],
        cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=120,
    )
    errors = dict(re.findall(r"^ERROR test_careless.py::(\w+) - AssertionError: (.*)$",
                             run.stdout, re.M))
    assert "7 passed, 6 errors" in run.stdout, run.stdout + run.stderr
    assert sorted(errors) == sorted(
        name for name in re.findall(r"def (test_leaves_\w+)", CARELESS)), run.stdout
    assert "file descriptors open" in errors["test_leaves_an_fd_open"]
    assert "child processes running or unreaped" in errors["test_leaves_a_child_running"]
    assert "child processes running or unreaped" in errors["test_leaves_a_zombie"]
    assert "signal mask" in errors["test_leaves_a_signal_blocked"]
    assert "handlers of [<Signals.SIGUSR2: 12>]" in errors["test_leaves_a_handler"]
    assert "threads running" in errors["test_leaves_a_thread_running"]


AS_A_FOREGROUND_JOB = '''
import signal, subprocess

def test_a_child_gets_sighup_sigint_and_sigquit_at_their_default():
    status = subprocess.run(["grep", "^SigIgn:", "/proc/self/status"], check=True,
                            capture_output=True).stdout.split()[1]
    ignored = int(status, 16)
    for signum in (signal.SIGHUP, signal.SIGINT, signal.SIGQUIT):
        assert not ignored & 1 << (signum - 1), signal.Signals(signum).name

def test_the_run_itself_still_ignores_them():
    signal.raise_signal(signal.SIGHUP)
    signal.raise_signal(signal.SIGQUIT)
'''

# What a shell does to a job it starts in the background, and nohup, before pytest starts.
IGNORING_HUP_INT_AND_QUIT = (
    "import os, signal, sys\n"
    "for signum in (signal.SIGHUP, signal.SIGINT, signal.SIGQUIT):\n"
    "    signal.signal(signum, signal.SIG_IGN)\n"
    "os.execv(sys.executable, [sys.executable] + sys.argv[1:])\n")


def test_a_run_started_under_nohup_in_the_background_gives_its_programs_the_defaults(tmp_path):
    shutil.copy(os.path.join(HERE, "conftest.py"), tmp_path)
    (tmp_path / "test_foreground.py").write_text(AS_A_FOREGROUND_JOB)
    run = subprocess.run(
        [sys.executable, "-c", IGNORING_HUP_INT_AND_QUIT, "-m", "pytest", "-q", "-p",
         "no:cacheprovider", str(tmp_path)],
        cwd=str(tmp_path), env=conftest_env(), capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr


HANGING = '''
import os, subprocess, timeouts, pytest

@pytest.mark.timeout(2)
def test_waits_in_a_system_call():
    r, w = os.pipe()
    try:
        os.read(r, 1)
    finally:
        os.close(r), os.close(w)

@pytest.mark.timeout(2)
def test_waits_for_its_child_and_a_grandchild():
    # Leaving the with-block waits for the child, once the wait for output is interrupted.
    with subprocess.Popen(["sh", "-c", "sleep 600 & echo $!; exec sleep 600"],
                          stdout=subprocess.PIPE) as proc:
        grandchild = int(proc.stdout.readline())
        with open("started", "w") as f:
            f.write("%d %d %d %d" % (proc.pid, timeouts.start_time(proc.pid),
                                     grandchild, timeouts.start_time(grandchild)))
        proc.communicate()

@pytest.fixture
def waits_at_teardown():
    r, w = os.pipe()
    yield
    try:
        os.read(r, 1)
    finally:
        os.close(r), os.close(w)

@pytest.mark.timeout(2)
def test_fails_then_its_teardown_waits(waits_at_teardown):
    assert False

def test_fails():
    assert False

def test_runs_after_them():
    pass
'''


def test_a_test_over_its_time_fails_by_name_with_what_it_started_and_the_run_goes_on(tmp_path):
    shutil.copy(os.path.join(HERE, "conftest.py"), tmp_path)
    (tmp_path / "test_hanging.py").write_text(HANGING)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-v", "-rfE", "-p", "no:cacheprovider",
         "-p", "no:randomly", "-o", "timeout_method=signal", "--rootdir", str(tmp_path),
         str(tmp_path)],
        cwd=str(tmp_path), env=dict(conftest_env(), COLUMNS="200"), capture_output=True,
        text=True, timeout=60,
    )
    # One teardown error, the one that waits, and no other: the handler pytest-timeout
    # takes back is none of the guard's business.
    assert "4 failed, 1 passed, 1 error in" in run.stdout, run.stdout + run.stderr
    assert re.search(r"^ERROR test_hanging.py::test_fails_then_its_teardown_waits - Failed: "
                     r"Timeout \(>2s\) in teardown", run.stdout, re.M), run.stdout
    for name in ("test_waits_in_a_system_call", "test_waits_for_its_child_and_a_grandchild"):
        assert re.search(r"^FAILED test_hanging.py::%s - Failed: Timeout \(>2.0s\)" % name,
                         run.stdout, re.M), run.stdout
    assert re.search(r"^test_hanging.py::test_waits_for_its_child_and_a_grandchild: over 2 s; "
                     r"killed what it started: \d+ \d+$", run.stdout, re.M), run.stdout
    child, child_start, grandchild, grandchild_start = map(
        int, (tmp_path / "started").read_text().split())
    assert not timeouts.running(child, child_start)
    assert not timeouts.running(grandchild, grandchild_start)


def test_no_program_of_the_suite_waits_for_a_signal_with_signal_pause():
    """signal.pause() sleeps through a signal that comes after the interpreter's last check
    for handlers and before the pause itself, so a test that signals a program just after
    it says it is ready hangs once in a while.  The programs wait on a wakeup fd instead."""
    # test_pause.py is about pause(2) itself, and calls it where no signal can come early.
    found = []
    for directory in (HERE, os.path.join(os.path.dirname(HERE), "examples")):
        for name in sorted(os.listdir(directory)):
            if name.endswith(".py") and name != "test_pause.py":
                with open(os.path.join(directory, name)) as f:
                    found += ["%s:%d" % (name, n) for n, line in enumerate(f, 1)
                              if line.split("#")[0].strip() == "signal.pause()"]
    assert found == []
