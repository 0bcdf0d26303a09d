"""File descriptors: pipe(2), pipe2(2), dup(2), dup2(2), dup3(2), read(2), close(2), and
write(2), pread(2)/pwrite(2), lseek(2), ftruncate(2), fsync(2), syncfs(2), close_range(2)."""

import array
import errno
import fcntl
import os
import signal

import pytest

from glibc import (
    CLOSE_RANGE_CLOEXEC,
    O_CLOEXEC,
    O_NONBLOCK,
    SEEK_CUR,
    SEEK_DATA,
    SEEK_END,
    SEEK_HOLE,
    SEEK_SET,
    close,
    close_range,
    dup,
    dup2,
    dup3,
    fdatasync,
    ffi,
    fsync,
    ftruncate,
    lseek,
    pipe,
    pipe2,
    pread,
    pwrite,
    read,
    syncfs,
    write,
)


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


# -- write(2), pread(2), pwrite(2) -------------------------------------------------------------


@pytest.fixture
def file_fd(fds, tmp_path):
    """A new empty regular file open for reading and writing."""
    return fds(os.open(tmp_path / "data", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600))


def test_write_sends_any_buffer_and_returns_the_count(fds):
    r, w = fds.pipe()
    assert write(w, b"bytes ") == 6
    assert write(w, memoryview(b"-view-")[1:5]) == 4
    assert write(w, array.array("b", [33])) == 1
    assert write(w, b"0123456789", 3) == 3
    assert os.read(r, 100) == b"bytes view!012"


def test_write_count_larger_than_the_buffer_is_refused_before_the_call(fds):
    r, w = fds.pipe()
    with pytest.raises(ValueError, match="write: buf has 2 bytes"):
        write(w, b"ab", 3)


def test_write_to_a_pipe_without_reader_is_broken_pipe_error(fds, raises_errno):
    r, w = fds.pipe()
    fds.forget(r)
    os.close(r)
    # Python ignores SIGPIPE, so the write fails with EPIPE instead of killing us.
    with raises_errno("write", "EPIPE") as info:
        write(w, b"nobody reads")
    assert isinstance(info.value, BrokenPipeError)


def test_write_to_a_read_end_is_ebadf(fds, raises_errno):
    r, _ = fds.pipe()
    with raises_errno("write", "EBADF"):
        write(r, b"x")


def test_pwrite_and_pread_work_at_an_offset_and_leave_the_file_offset(file_fd):
    os.write(file_fd, b"0123456789")
    assert pwrite(file_fd, b"abc", 3, 2) == 3
    buf = bytearray(4)
    assert pread(file_fd, buf, 4, 1) == 4
    assert buf == b"1abc"
    assert lseek(file_fd, 0, SEEK_CUR) == 10
    assert os.pread(file_fd, 100, 0) == b"01abc56789"


def test_pread_past_the_end_reads_nothing(file_fd):
    os.write(file_fd, b"short")
    assert pread(file_fd, bytearray(8), 8, 100) == 0


def test_pread_on_a_pipe_is_espipe(fds, raises_errno):
    r, _ = fds.pipe()
    with raises_errno("pread", "ESPIPE"):
        pread(r, bytearray(1), 1, 0)


def test_pwrite_at_a_negative_offset_is_einval(file_fd, raises_errno):
    with raises_errno("pwrite", "EINVAL"):
        pwrite(file_fd, b"x", 1, -1)


# -- lseek(2), ftruncate(2) ----------------------------------------------------------------------


def test_lseek_moves_the_offset_that_read_and_write_use(file_fd):
    os.write(file_fd, b"0123456789")
    assert lseek(file_fd, 4, SEEK_SET) == 4
    assert os.read(file_fd, 2) == b"45"
    assert lseek(file_fd, -1, SEEK_CUR) == 5
    assert lseek(file_fd, -3, SEEK_END) == 7
    assert os.read(file_fd, 10) == b"789"


def test_lseek_seek_data_and_seek_hole_find_the_data_of_a_sparse_file(fds):
    # A memfd (tmpfs) reports holes exactly, whatever file system the tests run on.
    fd = fds(os.memfd_create("sparse", os.MFD_CLOEXEC))
    page = os.sysconf("SC_PAGE_SIZE")
    os.pwrite(fd, b"x" * page, 4 * page)
    ftruncate(fd, 8 * page)
    assert lseek(fd, 0, SEEK_DATA) == 4 * page
    assert lseek(fd, 4 * page, SEEK_HOLE) == 5 * page
    assert lseek(fd, 0, SEEK_HOLE) == 0


def test_lseek_seek_data_past_the_end_is_enxio(file_fd, raises_errno):
    os.write(file_fd, b"abc")
    with raises_errno("lseek", "ENXIO"):
        lseek(file_fd, 10, SEEK_DATA)


def test_lseek_on_a_pipe_is_espipe(fds, raises_errno):
    r, _ = fds.pipe()
    with raises_errno("lseek", "ESPIPE"):
        lseek(r, 0, SEEK_SET)


def test_lseek_with_an_unknown_whence_is_einval(file_fd, raises_errno):
    with raises_errno("lseek", "EINVAL"):
        lseek(file_fd, 0, 99)


def test_ftruncate_cuts_and_extends_with_zeros(file_fd):
    os.write(file_fd, b"0123456789")
    assert ftruncate(file_fd, 4) == 0
    assert os.fstat(file_fd).st_size == 4
    assert ftruncate(file_fd, 6) == 0
    assert os.pread(file_fd, 100, 0) == b"0123\0\0"


def test_ftruncate_of_a_pipe_is_einval(fds, raises_errno):
    r, w = fds.pipe()
    with raises_errno("ftruncate", "EINVAL"):
        ftruncate(w, 0)


# -- fsync(2), fdatasync(2), syncfs(2) -------------------------------------------------------------


def test_fsync_fdatasync_and_syncfs_succeed_and_the_data_reads_back(file_fd, tmp_path):
    os.write(file_fd, b"durable")
    assert fsync(file_fd) == 0
    os.write(file_fd, b" data")
    assert fdatasync(file_fd) == 0
    os.write(file_fd, b"!")
    assert syncfs(file_fd) == 0
    with open(tmp_path / "data", "rb") as again:
        assert again.read() == b"durable data!"


def test_fsync_of_a_pipe_is_einval(fds, raises_errno):
    r, _ = fds.pipe()
    with raises_errno("fsync", "EINVAL"):
        fsync(r)


def test_fdatasync_of_a_pipe_is_einval(fds, raises_errno):
    r, _ = fds.pipe()
    with raises_errno("fdatasync", "EINVAL"):
        fdatasync(r)


def test_syncfs_of_a_closed_fd_is_ebadf(raises_errno):
    with raises_errno("syncfs", "EBADF"):
        syncfs(-1)


# -- close_range(2) --------------------------------------------------------------------------------


def free_run(length, first):
    """The first of ``length`` consecutive fd numbers from ``first`` up that nothing holds."""
    taken = open_fds()
    while any(first + i in taken for i in range(length)):
        first += 1
    return first


def run_of_fds(fds, length, first=100):
    """``length`` inheritable copies of /dev/null at consecutive free numbers from ``first``."""
    null = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
    try:
        first = free_run(length, first)
        for fd in range(first, first + length):
            fds(os.dup2(null, fd, inheritable=True))
    finally:
        os.close(null)
    return list(range(first, first + length))


def open_fds():
    return {int(name) for name in os.listdir("/proc/self/fd")}


@pytest.mark.needs_kernel("close_range")
def test_close_range_closes_the_range_and_nothing_else(fds):
    first, a, b, last = run_of_fds(fds, 4)
    assert close_range(a, b, 0) == 0
    fds.forget(a)
    fds.forget(b)
    still = open_fds()
    assert a not in still and b not in still
    assert first in still and last in still


@pytest.mark.needs_kernel("close_range")
def test_close_range_cloexec_marks_the_range_and_keeps_it_open(fds):
    first, a, b, last = run_of_fds(fds, 4)
    assert close_range(a, b, CLOSE_RANGE_CLOEXEC) == 0
    assert {first, a, b, last} <= open_fds()
    assert [is_cloexec(fd) for fd in (first, a, b, last)] == [False, True, True, False]


@pytest.mark.needs_kernel("close_range")
def test_close_range_up_to_the_largest_fd_closes_everything_above(fds):
    fd, above = run_of_fds(fds, 2, first=max(open_fds()) + 1)
    assert close_range(fd, 0xFFFFFFFF, 0) == 0
    fds.forget(fd)
    fds.forget(above)
    assert max(open_fds()) < fd


@pytest.mark.needs_kernel("close_range")
def test_close_range_with_first_above_last_is_einval(raises_errno):
    with raises_errno("close_range", "EINVAL"):
        close_range(5, 4, 0)
