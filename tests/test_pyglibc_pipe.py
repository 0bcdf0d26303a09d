"""pyglibc.pipe and pyglibc.pipe2: pipes whose ends are always close-on-exec."""

import fcntl
import os
import subprocess
import sys

import kernelkit
import pytest

from glibc import O_CLOEXEC, O_DIRECT, O_NONBLOCK
from pyglibc import pipe, pipe2


def test_pipe_gives_a_read_end_and_a_write_end(fds):
    r, w = fds(*pipe())
    assert os.write(w, b"through") == 7
    assert os.read(r, 16) == b"through"


@pytest.mark.parametrize("make", [pipe, pipe2, lambda: pipe2(O_CLOEXEC)],
                         ids=["pipe()", "pipe2()", "pipe2(O_CLOEXEC)"])
def test_both_ends_are_close_on_exec_and_blocking(fds, make):
    for fd in fds(*make()):
        assert not os.get_inheritable(fd)
        assert os.get_blocking(fd)


def test_pipe2_o_nonblock_adds_close_on_exec(fds):
    r, w = fds(*pipe2(O_NONBLOCK))
    for fd in (r, w):
        assert not os.get_inheritable(fd)
        assert not os.get_blocking(fd)
    with pytest.raises(BlockingIOError):
        os.read(r, 1)


def test_pipe2_o_direct_keeps_each_write_a_packet(fds):
    r, w = fds(*pipe2(O_DIRECT))
    os.write(w, b"one")
    os.write(w, b"two")
    assert os.read(r, 16) == b"one"
    assert os.read(r, 16) == b"two"


@pytest.mark.parametrize("flags", [0, O_NONBLOCK, O_CLOEXEC | O_NONBLOCK])
def test_the_same_descriptors_as_the_stdlib_os_pipe2_with_o_cloexec(fds, flags):
    ours = fds(*pipe2(flags))
    stdlib = fds(*os.pipe2(flags | O_CLOEXEC))
    for mine, theirs in zip(ours, stdlib):
        assert fcntl.fcntl(mine, fcntl.F_GETFD) == fcntl.fcntl(theirs, fcntl.F_GETFD)
        assert fcntl.fcntl(mine, fcntl.F_GETFL) == fcntl.fcntl(theirs, fcntl.F_GETFL)


def test_a_program_run_by_exec_does_not_get_the_ends(fds):
    r, w = fds(*pipe())
    probe = "import os, sys\nfor fd in sys.argv[1:]:\n    try:\n        os.fstat(int(fd))\n" \
            "    except OSError:\n        print('closed')\n    else:\n        print('open')"
    out = subprocess.run([sys.executable, "-c", probe, str(r), str(w)], close_fds=False,
                         stdout=subprocess.PIPE, check=True, timeout=60).stdout
    assert out.split() == [b"closed", b"closed"]


@kernelkit.not_emulated("drops flags it does not know before the kernel sees them")
def test_an_unknown_flag_is_einval_from_pipe2(raises_errno):
    with raises_errno("pipe2", "EINVAL"):
        pipe2(1 << 30)


@pytest.mark.parametrize("flags", ["0", 0.0, None])
def test_flags_of_the_wrong_type_are_a_type_error(flags):
    with pytest.raises(TypeError, match=r"^pipe2: flags must be an int"):
        pipe2(flags)


def test_pipe_takes_no_flags():
    with pytest.raises(TypeError):
        pipe(O_NONBLOCK)
