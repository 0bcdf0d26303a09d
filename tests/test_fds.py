"""File descriptors: pipe(2), pipe2(2), dup(2), dup2(2), dup3(2), read(2), close(2)."""

import array
import errno
import fcntl
import os
import signal

import pytest

from glibc import O_CLOEXEC, O_NONBLOCK, close, dup, dup2, dup3, ffi, pipe, pipe2, read


def is_cloexec(fd):
    return bool(fcntl.fcntl(fd, fcntl.F_GETFD) & fcntl.FD_CLOEXEC)


def new_pipe(fds, flags=None):
    ends = ffi.new("int[2]")
    if flags is None:
        assert pipe(ends) == 0
    else:
        assert pipe2(ends, flags) == 0
    return fds(ends[0], ends[1])


# -- pipe(2), pipe2(2) -----------------------------------------------------------------


def test_pipe_carries_bytes_from_the_write_end_to_the_read_end(fds):
    r, w = new_pipe(fds)
    os.write(w, b"through the pipe")
    assert os.read(r, 100) == b"through the pipe"


def test_pipe_ends_are_inheritable(fds):
    r, w = new_pipe(fds)
    assert os.get_inheritable(r) and os.get_inheritable(w)
    assert not is_cloexec(r)


def test_pipe2_o_cloexec_makes_both_ends_close_on_exec(fds):
    r, w = new_pipe(fds, O_CLOEXEC)
    assert not os.get_inheritable(r) and not os.get_inheritable(w)
    assert is_cloexec(r) and is_cloexec(w)
    assert os.get_blocking(r)


def test_pipe2_o_nonblock_makes_an_empty_read_a_blocking_io_error(fds):
    r, w = new_pipe(fds, O_CLOEXEC | O_NONBLOCK)
    assert not os.get_blocking(r) and not os.get_blocking(w)
    with pytest.raises(BlockingIOError) as info:
        read(r, bytearray(8))
    assert info.value.errno == errno.EAGAIN


def test_pipe_needs_room_for_two_fds():
    with pytest.raises(ValueError, match="pipe: pipefd"):
        pipe(ffi.new("int[1]"))
    with pytest.raises(ValueError, match="pipe2: pipefd"):
        pipe2(ffi.new("int *"), O_CLOEXEC)


# -- dup(2), dup2(2), dup3(2), close(2) --------------------------------------------------


def test_dup_returns_the_lowest_free_fd_for_the_same_pipe(fds):
    r, w = fds.pipe()
    lowest = os.dup(w)  # the stdlib's dup also takes the lowest free number
    os.close(lowest)
    copy = fds(dup(w))
    assert copy == lowest
    assert os.path.samestat(os.fstat(copy), os.fstat(w))
    os.write(copy, b"x")
    assert os.read(r, 1) == b"x"
    assert os.get_inheritable(copy)  # dup() never copies FD_CLOEXEC


def test_dup2_makes_newfd_an_inheritable_copy(fds):
    r, w = fds.pipe()
    target = fds(os.open("/dev/null", os.O_RDONLY | os.O_CLOEXEC))
    assert dup2(w, target) == target  # target was open: it is closed first
    assert os.path.samestat(os.fstat(target), os.fstat(w))
    assert os.get_inheritable(target)
    os.write(target, b"y")
    assert os.read(r, 1) == b"y"


def test_dup2_onto_itself_does_nothing(fds):
    r, _ = fds.pipe()
    assert dup2(r, r) == r
    assert not os.get_inheritable(r)


def test_dup3_o_cloexec_makes_newfd_close_on_exec(fds):
    r, w = fds.pipe()
    target = fds(os.open("/dev/null", os.O_RDONLY))
    assert dup3(r, target, O_CLOEXEC) == target
    assert is_cloexec(target)
    assert dup3(r, target, 0) == target
    assert not is_cloexec(target)


def test_dup3_onto_itself_is_einval(fds, raises_errno):
    r, _ = fds.pipe()
    with raises_errno("dup3", "EINVAL"):
        dup3(r, r, 0)


def test_close_closes_the_fd(fds):
    r, w = fds.pipe()
    copy = dup(w)
    assert close(copy) == 0
    with pytest.raises(OSError) as info:
        os.fstat(copy)
    assert info.value.errno == errno.EBADF


# -- read(2) ---------------------------------------------------------------------------------


def test_read_fills_a_bytearray_in_place(fds):
    r, w = fds.pipe()
    buf = bytearray(8)
    os.write(w, b"abc")
    assert read(r, buf) == 3
    assert buf == b"abc\0\0\0\0\0"


def test_read_into_a_memoryview_slice_writes_the_middle_of_the_buffer(fds):
    r, w = fds.pipe()
    buf = bytearray(b"0123456789")
    os.write(w, b"abcdefgh")
    assert read(r, memoryview(buf)[4:], 3) == 3
    assert buf == b"0123abc789"


def test_read_into_an_array(fds):
    r, w = fds.pipe()
    values = array.array("b", [0, 0, 0, 0])
    os.write(w, bytes([1, 2, 0xFF, 4]))
    assert read(r, values) == 4
    assert values.tolist() == [1, 2, -1, 4]


def test_read_into_a_cdata_char_array(fds):
    r, w = fds.pipe()
    cbuf = ffi.new("char[]", 6)
    os.write(w, b"cdata!")
    assert read(r, cbuf) == 6
    assert ffi.buffer(cbuf)[:] == b"cdata!"


def test_read_count_none_means_the_whole_buffer(fds):
    r, w = fds.pipe()
    os.write(w, b"0123456789")
    buf = bytearray(4)
    assert read(r, buf, None) == 4
    assert read(r, buf) == 4
    assert buf == b"4567"


def test_read_count_limits_the_read(fds):
    r, w = fds.pipe()
    os.write(w, b"0123456789")
    buf = bytearray(8)
    assert read(r, buf, 2) == 2
    assert buf == b"01" + bytes(6)
    assert os.read(r, 100) == b"23456789"


def test_read_returns_zero_at_end_of_file(fds):
    r, w = fds.pipe()
    os.write(w, b"last")
    fds.forget(w)
    os.close(w)
    buf = bytearray(8)
    assert read(r, buf) == 4
    assert read(r, buf) == 0


def test_read_count_larger_than_the_buffer_is_refused_before_the_call(fds):
    r, w = fds.pipe()
    os.write(w, b"0123456789")
    with pytest.raises(ValueError, match="read: buf has 4 bytes"):
        read(r, bytearray(4), 5)
    assert os.read(r, 100) == b"0123456789"  # nothing was read


def test_read_into_bytes_is_a_type_error(fds):
    r, _ = fds.pipe()
    with pytest.raises(TypeError, match="read: buf"):
        read(r, b"immutable")


# -- PEP 475: a signal does not cut a blocking read short --------------------------------------


def test_read_is_retried_after_a_handler_that_returns(fds, on_signal, helper):
    r, w = fds.pipe()
    handled = helper.interrupt_then("read", lambda: os.write(w, b"late"), on_signal)
    buf = bytearray(8)
    assert read(r, buf) == 4
    assert handled.is_set()
    assert buf[:4] == b"late"


class Interrupted(Exception):
    pass


class HandlerTypeError(TypeError):
    """A handler's own TypeError must not be mistaken for a bad argument."""


@pytest.mark.parametrize("error", [Interrupted, HandlerTypeError])
def test_read_passes_on_what_the_handler_raises(error, fds, on_signal, helper, handler_raising):
    r, _ = fds.pipe()
    handler, raised = handler_raising(error)
    on_signal(signal.SIGUSR1, handler)
    helper.interrupt("read")
    with pytest.raises(error) as info:
        read(r, bytearray(8))
    assert info.value is raised[0]
