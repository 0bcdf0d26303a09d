"""Data moved inside the kernel: splice(2), tee(2), vmsplice(2), copy_file_range(2), sendfile(2)."""

import os
import socket

import pytest

import glibc
from glibc import (
    F_SETPIPE_SZ,
    SPLICE_F_NONBLOCK,
    copy_file_range,
    ffi,
    sendfile,
    splice,
    tee,
    vmsplice,
)


@pytest.fixture
def file_fd(fds, tmp_path):
    return fds(os.open(tmp_path / "data", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600))


def offset(value=0):
    return glibc.off64_t(value)


# -- splice(2) -------------------------------------------------------------------------------------


def test_splice_moves_pipe_data_into_a_file_at_an_offset(fds, file_fd):
    r, w = fds.pipe()
    os.write(w, b"spliced")
    at = offset(3)
    assert splice(r, None, file_fd, at, 100, 0) == 7
    assert at[0] == 10  # advanced by the call
    assert os.lseek(file_fd, 0, os.SEEK_CUR) == 0  # the fd's own offset was not used
    assert os.pread(file_fd, 100, 0) == b"\0\0\0spliced"


def test_splice_moves_file_data_into_a_pipe_at_the_files_offset(fds, file_fd):
    r, w = fds.pipe()
    os.write(file_fd, b"0123456789")
    os.lseek(file_fd, 6, os.SEEK_SET)
    assert splice(file_fd, None, w, None, 100, 0) == 4
    assert os.read(r, 100) == b"6789"
    assert os.lseek(file_fd, 0, os.SEEK_CUR) == 10


def test_splice_between_two_files_is_einval(fds, file_fd, tmp_path, raises_errno):
    other = fds(os.open(tmp_path / "other", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600))
    with raises_errno("splice", "EINVAL"):
        splice(file_fd, None, other, None, 10, 0)


def test_splice_with_an_offset_for_a_pipe_is_espipe(fds, file_fd, raises_errno):
    r, w = fds.pipe()
    os.write(w, b"x")
    with raises_errno("splice", "ESPIPE"):
        splice(r, offset(), file_fd, None, 1, 0)


def test_splice_offset_must_be_an_off64_t(fds, file_fd):
    r, _ = fds.pipe()
    with pytest.raises(TypeError, match="splice: off_out"):
        splice(r, None, file_fd, ffi.new("int *"), 1, 0)


# -- tee(2) ----------------------------------------------------------------------------------------


def test_tee_duplicates_pipe_data_without_consuming_it(fds):
    r1, w1 = fds.pipe()
    r2, w2 = fds.pipe()
    os.write(w1, b"twice")
    assert tee(r1, w2, 100, 0) == 5
    assert os.read(r2, 100) == b"twice"
    assert os.read(r1, 100) == b"twice"


def test_tee_of_an_empty_pipe_with_nonblock_is_eagain(fds, raises_errno):
    r1, _ = fds.pipe()
    _, w2 = fds.pipe()
    with raises_errno("tee", "EAGAIN") as info:
        tee(r1, w2, 100, SPLICE_F_NONBLOCK)
    assert isinstance(info.value, BlockingIOError)


def test_tee_to_a_file_is_einval(fds, file_fd, raises_errno):
    r, w = fds.pipe()
    os.write(w, b"x")
    with raises_errno("tee", "EINVAL"):
        tee(r, file_fd, 1, 0)


# -- vmsplice(2) -----------------------------------------------------------------------------------


def test_vmsplice_puts_a_bytes_object_into_a_pipe(fds):
    r, w = fds.pipe()
    data = b"from user memory"
    assert vmsplice(w, data) == len(data)
    assert os.read(r, 100) == data


def test_vmsplice_gathers_a_list_of_buffers_in_order(fds):
    r, w = fds.pipe()
    parts = [b"one ", bytearray(b"two "), memoryview(b"three")]
    assert vmsplice(w, parts) == 13
    assert os.read(r, 100) == b"one two three"


def test_vmsplice_nr_segs_takes_the_first_segments_only(fds):
    r, w = fds.pipe()
    assert vmsplice(w, [b"a", b"b", b"c"], 2) == 2
    assert os.read(r, 100) == b"ab"
    with pytest.raises(ValueError, match="^vmsplice: iov has 3 elements, fewer than nr_segs 4$"):
        vmsplice(w, [b"a", b"b", b"c"], 4)


def test_vmsplice_into_a_pipe_references_the_memory_until_it_is_read(fds):
    # vmsplice(2)'s own warning: the reader sees the pages as they are then.
    r, w = fds.pipe()
    buf = bytearray(b"before")
    assert vmsplice(w, buf) == 6
    buf[:] = b"after!"
    assert os.read(r, 100) == b"after!"


def test_vmsplice_from_a_read_end_fills_writable_buffers(fds):
    r, w = fds.pipe()
    os.write(w, b"out of the pipe")
    first, second = bytearray(4), bytearray(20)
    assert vmsplice(r, [first, second]) == 15
    assert first == b"out " and second[:11] == b"of the pipe"


def test_vmsplice_from_a_read_end_refuses_read_only_buffers(fds):
    r, w = fds.pipe()
    os.write(w, b"would overwrite bytes")
    with pytest.raises(TypeError, match="vmsplice: iov\\[0\\] must be a writable"):
        vmsplice(r, b"immutable")
    assert os.read(r, 100) == b"would overwrite bytes"  # nothing was taken


def test_vmsplice_takes_a_struct_iovec_array(fds):
    r, w = fds.pipe()
    data = ffi.new("char[]", b"cdata iovec")
    iov = glibc.iovec.array(1)
    iov[0].iov_base = data
    iov[0].iov_len = 11
    assert vmsplice(w, iov, 1, 0) == 11
    assert os.read(r, 100) == b"cdata iovec"


def test_vmsplice_into_a_full_pipe_with_nonblock_is_eagain(fds, raises_errno):
    r, w = fds.pipe()
    page = os.sysconf("SC_PAGE_SIZE")
    glibc.fcntl(w, F_SETPIPE_SZ, page)
    os.write(w, bytes(page))
    with raises_errno("vmsplice", "EAGAIN") as info:
        vmsplice(w, b"no room", flags=SPLICE_F_NONBLOCK)
    assert isinstance(info.value, BlockingIOError)


def test_vmsplice_to_a_file_is_ebadf(file_fd, raises_errno):
    with raises_errno("vmsplice", "EBADF"):
        vmsplice(file_fd, bytearray(b"not a pipe"))


def test_vmsplice_refuses_what_is_not_a_buffer(fds):
    _, w = fds.pipe()
    with pytest.raises(TypeError, match="vmsplice: iov must be a buffer"):
        vmsplice(w, "text")
    with pytest.raises(TypeError, match="vmsplice: iov\\[1\\]"):
        vmsplice(w, [b"ok", 42])


# -- copy_file_range(2) ----------------------------------------------------------------------------


def test_copy_file_range_copies_between_files_at_offsets(fds, file_fd, tmp_path):
    os.write(file_fd, b"0123456789")
    target = fds(os.open(tmp_path / "copy", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600))
    off_in, off_out = offset(2), offset(1)
    assert copy_file_range(file_fd, off_in, target, off_out, 5, 0) == 5
    assert (off_in[0], off_out[0]) == (7, 6)
    assert os.pread(target, 100, 0) == b"\x0023456"


def test_copy_file_range_with_none_uses_and_advances_the_fd_offsets(fds, file_fd, tmp_path):
    os.write(file_fd, b"abcdef")
    os.lseek(file_fd, 2, os.SEEK_SET)
    target = fds(os.open(tmp_path / "copy", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600))
    assert copy_file_range(file_fd, None, target, None, 100, 0) == 4
    assert os.lseek(file_fd, 0, os.SEEK_CUR) == 6
    assert os.lseek(target, 0, os.SEEK_CUR) == 4
    assert os.pread(target, 100, 0) == b"cdef"


def test_copy_file_range_with_flags_is_einval(fds, file_fd, tmp_path, raises_errno):
    target = fds(os.open(tmp_path / "copy", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600))
    with raises_errno("copy_file_range", "EINVAL"):
        copy_file_range(file_fd, None, target, None, 1, 1)


def test_copy_file_range_to_a_read_only_fd_is_ebadf(fds, file_fd, tmp_path, raises_errno):
    (tmp_path / "ro").write_bytes(b"")
    target = fds(os.open(tmp_path / "ro", os.O_RDONLY | os.O_CLOEXEC))
    with raises_errno("copy_file_range", "EBADF"):
        copy_file_range(file_fd, None, target, None, 1, 0)


# -- sendfile(2) -----------------------------------------------------------------------------------


def test_sendfile_sends_a_file_to_a_socket_from_an_offset(file_fd):
    os.write(file_fd, b"file contents")
    left, right = socket.socketpair()
    with left, right:
        at = glibc.off_t(5)
        assert sendfile(left.fileno(), file_fd, at, 100) == 8
        assert at[0] == 13
        assert right.recv(100) == b"contents"
    assert os.lseek(file_fd, 0, os.SEEK_CUR) == 13  # untouched by the call


def test_sendfile_without_offset_reads_at_and_advances_the_fd_offset(fds, file_fd):
    os.write(file_fd, b"0123456789")
    os.lseek(file_fd, 4, os.SEEK_SET)
    r, w = fds.pipe()
    assert sendfile(w, file_fd, None, 3) == 3
    assert os.read(r, 100) == b"456"
    assert os.lseek(file_fd, 0, os.SEEK_CUR) == 7


def test_sendfile_from_a_write_only_fd_is_ebadf(fds, tmp_path, raises_errno):
    source = fds(os.open(tmp_path / "wo", os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o600))
    _, w = fds.pipe()
    with raises_errno("sendfile", "EBADF"):
        sendfile(w, source, None, 1)


def test_sendfile_offset_must_be_an_off_t(fds, file_fd):
    _, w = fds.pipe()
    with pytest.raises(TypeError, match="sendfile: offset"):
        sendfile(w, file_fd, ffi.new("int *"), 1)


def test_a_blocking_splice_is_retried_after_a_handler_that_returns(fds, file_fd, on_signal,
                                                                   helper):
    r, w = fds.pipe()
    handled = helper.interrupt_then("splice", lambda: os.write(w, b"late"), on_signal)
    assert splice(r, None, file_fd, None, 100, 0) == 4
    assert handled.is_set()
    assert os.pread(file_fd, 100, 0) == b"late"
