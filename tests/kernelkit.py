"""The system calls this kernel may lack, found by asking it, and a child run as on an old one.

``lacks("pidfd_open")`` is None where the call works, else why it does not:
the kernel (or a seccomp filter around the test run, tools/old_kernel.py)
answered ENOSYS or EPERM.  Each call is probed once, with arguments a
kernel that has it refuses (EBADF, EINVAL) before doing anything, so a
probe opens and changes nothing.  An ENOSYS must come with the message the
table promises ("pidfd_open: needs Linux 5.3"): a probe that gets another
fails, so every run that skips also checks the message.

``old_kernel(code, errno="ENOSYS")`` runs ``python -c code`` under
tools/old_kernel.py (every system call newer than Linux 4.18 fails with
that errno) and returns the CompletedProcess: how a fallback is tested in
the ordinary suite, on whatever kernel runs it (it skips where no seccomp
filter can be installed).
"""

import errno as _errno
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import glibc
import glibc.families

OLD_KERNEL = Path(__file__).resolve().parent.parent / "tools" / "old_kernel.py"
_spec = importlib.util.spec_from_file_location("old_kernel", OLD_KERNEL)
runner = importlib.util.module_from_spec(_spec)  # tools/old_kernel.py, as a module
_spec.loader.exec_module(runner)

_PROBES = {
    "pidfd_open": lambda: glibc.pidfd_open(0, 0),  # EINVAL: pid 0
    "pidfd_send_signal": lambda: glibc.pidfd_send_signal(-1, 0, None, 0),  # EBADF
    "pidfd_getfd": lambda: glibc.pidfd_getfd(-1, 0, 0),  # EBADF
    "close_range": lambda: glibc.close_range(5, 4, 0),  # EINVAL: first above last
    "openat2": lambda: glibc.openat2(-1, "probe", glibc.open_how()),  # EBADF
    "epoll_pwait2": lambda: glibc.epoll_pwait2(-1, glibc.epoll_event.array(1), 1, None, None),
}
_found = {}


def _linux(name):
    for family in glibc.families.load():
        for function in family.functions:
            if function.name == name:
                return function.linux
    raise KeyError(name)


def lacks(name):
    """None if this kernel has the system call ``name``, else the reason it has not."""
    if name not in _found:
        reason = None
        try:
            _PROBES[name]()
        except OSError as exc:
            if exc.errno == _errno.ENOSYS:
                want = "%s: needs Linux %s" % (name, _linux(name))
                assert exc.strerror == want, "ENOSYS said %r, not %r" % (exc.strerror, want)
                # qemu-user answers ENOSYS itself for a call it does not know.
                answers = emulator() or "the kernel"
                reason = "%s: %s answers ENOSYS (needs Linux %s)" % (name, answers, _linux(name))
            elif exc.errno == _errno.EPERM:
                reason = "%s: the kernel answers EPERM (a seccomp profile that predates it)" \
                    % name
        _found[name] = reason
    return _found[name]


def emulator():
    """The program that emulates this process's machine (qemu-user), or None on real hardware.

    Such an emulator makes /proc/self/exe show the program it runs, but
    not a thread's own link in /proc/self/task, which still shows itself.
    What it answers itself (uname's machine, for one) is not the kernel's.
    """
    if "emulator" not in _found:
        import threading

        try:
            own = os.readlink("/proc/self/task/%d/exe" % threading.get_native_id())
            _found["emulator"] = None if own == os.readlink("/proc/self/exe") else own
        except OSError:  # no /proc, or one that hides these links: none to be seen
            _found["emulator"] = None
    return _found["emulator"]


def seccomp_refused():
    """None if tools/old_kernel.py can install its filter here, else what it said.

    qemu-user refuses: a filter would apply to the emulator's own calls.
    """
    if "seccomp" not in _found:
        ran = subprocess.run([sys.executable, str(OLD_KERNEL), "--", "true"],
                             capture_output=True, text=True)
        _found["seccomp"] = ran.stderr.strip() or "exit status %d" % ran.returncode \
            if ran.returncode else None
    return _found["seccomp"]


def not_emulated(why):
    """A pytest mark: skip where an emulator runs the tests (``why``: what it does otherwise)."""
    import pytest

    emulating = emulator()
    return pytest.mark.skipif(emulating is not None, reason="%s %s" % (emulating, why))


def old_kernel(code, errno="ENOSYS", timeout=60):
    """``python -c code`` with every system call newer than Linux 4.18 failing with errno.

    The child imports the glibc and pyglibc under test, from wherever they are.
    """
    refused = seccomp_refused()
    if refused:
        import pytest

        pytest.skip("no seccomp filter can be installed here: %s" % refused)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONPATH"] = os.path.dirname(os.path.dirname(os.path.abspath(glibc.__file__)))
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return subprocess.run(
        [sys.executable, str(OLD_KERNEL), "--errno", errno, "--", sys.executable, "-c", code],
        capture_output=True, text=True, timeout=timeout, env=env)


def params(names, needs):
    """``names`` as pytest params, those in ``needs`` marked needs_kernel(*needs[name])."""
    import pytest

    return [pytest.param(name, marks=pytest.mark.needs_kernel(*needs[name]))
            if name in needs else name for name in names]


# What pyglibc.pidfd and aio.Process raise, printed, when the filter of
# old_kernel() refuses pidfd_open with each answer.
PIDFD_OPEN_REFUSED = {"ENOSYS": "[Errno 38] pidfd_open: needs Linux 5.3",
                      "EPERM": "[Errno 1] pidfd_open: Operation not permitted"}
