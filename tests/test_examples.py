"""Every script in examples/ runs and prints what its docstring says it prints.

Each example ends its docstring with ``Prints:`` and the indented lines it
prints; it runs here in a fresh interpreter that imports the glibc and
pyglibc under test (the installed ones under nox), from a scratch directory.
"""

import ast
import os
import subprocess
import sys
import textwrap

import kernelkit
import pytest

import glibc

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(REPO, "examples")
# Services run until told to stop: each has its own test, which drives it.
SERVICES = {"aio_service.py": "test_pyglibc_aio.py"}
NAMES = sorted(n for n in os.listdir(EXAMPLES) if n.endswith(".py") and n not in SERVICES) \
    if os.path.isdir(EXAMPLES) else []
# One example at least for each object of pyglibc (the supervisor has its CLI).
OBJECTS = {
    "signalfd": "signalfd.py", "signals": "signals.py", "sigwait": "signals.py",
    "sigqueue": "signals.py", "pthread_sigmask": "sigmask.py", "pipe2": "pipe.py",
    "subreaper": "subreaper.py", "eventfd": "eventfd.py", "timerfd": "timerfd.py",
    "pidfd": "pidfd.py", "inotify": "inotify.py", "prctl": "prctl.py",
    "capabilities": "capabilities.py", "set_capabilities": "capabilities.py",
    "select.epoll": "select_epoll.py", "selectors.EpollSelector": "select_epoll.py",
    "aio.signals": "aio_objects.py", "aio.ticker": "aio_objects.py",
    "aio.sleep_until": "aio_objects.py", "aio.Event": "aio_objects.py",
    "aio.Process": "aio_objects.py", "aio.inotify_watch": "aio_objects.py",
}


def expected_output(path):
    with open(path) as f:
        doc = ast.get_docstring(ast.parse(f.read()), clean=False) or ""
    assert "Prints:\n" in doc, "%s: its docstring does not end with 'Prints:'" % path
    return textwrap.dedent(doc.split("Prints:\n", 1)[1]).strip("\n") + "\n"


pytestmark = pytest.mark.skipif(not NAMES, reason="no examples/ beside tests/ (not a source tree)")


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    """name -> (exit status, stdout, stderr): every example, started at once."""
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(glibc.__file__)))
    running = {}
    for name in NAMES:
        scratch = tmp_path_factory.mktemp(name[:-3])
        running[name] = subprocess.Popen(
            [sys.executable, os.path.join(EXAMPLES, name)], cwd=str(scratch), env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    done = {}
    try:
        for name, proc in running.items():
            out, err = proc.communicate(timeout=60)
            done[name] = (proc.returncode, out, err)
    finally:
        for proc in running.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return done


# The examples that open a pidfd (aio_objects.py through aio.Process).
NEEDS = {"pidfd.py": ["pidfd_open", "pidfd_send_signal"], "aio_objects.py": ["pidfd_open"]}


@pytest.mark.parametrize("name", kernelkit.params(NAMES, NEEDS))
def test_example_prints_what_it_says(ran, name):
    status, out, err = ran[name]
    assert (status, err) == (0, "")
    assert out == expected_output(os.path.join(EXAMPLES, name))


@pytest.mark.parametrize("obj", sorted(OBJECTS))
def test_every_object_has_an_example(obj):
    with open(os.path.join(EXAMPLES, OBJECTS[obj])) as f:
        source = f.read()
    assert "pyglibc.%s" % obj in source or "from pyglibc import %s" % obj.split(".")[0] in source


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_each_service_is_run_by_its_test(name):
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), SERVICES[name])) as f:
        assert name in f.read()
