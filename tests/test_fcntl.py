"""<fcntl.h>: fcntl(2) with its integer and pointer commands, openat(2), posix_fadvise(2),
posix_fallocate(3), fallocate(2), readahead(2), sync_file_range(2)."""

import errno
import os
import pathlib
import stat
import threading

import kernelkit
import pytest

import glibc
from glibc import (
    AT_FDCWD,
    F_DUPFD_CLOEXEC,
    F_GETFD,
    F_GETFL,
    F_GETOWN_EX,
    F_GETPIPE_SZ,
    F_OFD_GETLK,
    F_OFD_SETLK,
    F_OWNER_TID,
    F_RDLCK,
    F_SETFD,
    F_SETFL,
    F_SETLK,
    F_SETOWN_EX,
    F_SETPIPE_SZ,
    F_UNLCK,
    F_WRLCK,
    FALLOC_FL_KEEP_SIZE,
    FALLOC_FL_PUNCH_HOLE,
    FD_CLOEXEC,
    LOCK_EX,
    LOCK_NB,
    LOCK_SH,
    LOCK_UN,
    O_CLOEXEC,
    O_CREAT,
    O_EXCL,
    O_NONBLOCK,
    O_RDONLY,
    O_RDWR,
    O_WRONLY,
    POSIX_FADV_DONTNEED,
    POSIX_FADV_SEQUENTIAL,
    SEEK_SET,
    SYNC_FILE_RANGE_WRITE_AND_WAIT,
    fallocate,
    fcntl,
    ffi,
    flock,
    openat,
    posix_fadvise,
    posix_fallocate,
    readahead,
    sync_file_range,
)


@pytest.fixture
def directory(fds, tmp_path):
    """tmp_path, and a directory fd on it for the *at() calls."""
    return tmp_path, fds(os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC))


@pytest.fixture
def file_fd(fds, tmp_path):
    return fds(os.open(tmp_path / "data", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600))


# -- fcntl(2): integer commands ------------------------------------------------------------------


def test_f_getfd_and_f_setfd_read_and_set_close_on_exec(fds):
    r, _ = fds.pipe()
    assert fcntl(r, F_GETFD) & FD_CLOEXEC
    assert fcntl(r, F_SETFD, 0) == 0
    assert os.get_inheritable(r)
    assert fcntl(r, F_GETFD) == 0


def test_f_getfl_and_f_setfl_switch_o_nonblock(fds):
    r, _ = fds.pipe()
    flags = fcntl(r, F_GETFL)
    assert flags & O_NONBLOCK == 0 and flags & 3 == O_RDONLY
    assert fcntl(r, F_SETFL, flags | O_NONBLOCK) == 0
    assert not os.get_blocking(r)


def test_f_dupfd_cloexec_returns_the_lowest_free_fd_from_arg_up(fds):
    r, _ = fds.pipe()
    copy = fds(fcntl(r, F_DUPFD_CLOEXEC, 200))
    assert copy >= 200
    assert os.path.samestat(os.fstat(copy), os.fstat(r))
    assert not os.get_inheritable(copy)


def test_f_setpipe_sz_changes_what_f_getpipe_sz_reports(fds):
    r, w = fds.pipe()
    page = os.sysconf("SC_PAGE_SIZE")
    assert fcntl(w, F_SETPIPE_SZ, page) == page
    assert fcntl(r, F_GETPIPE_SZ) == page
    os.set_blocking(w, False)
    assert os.write(w, bytes(2 * page)) == page  # the pipe holds one page now


def test_an_unknown_command_is_einval(fds, raises_errno):
    r, _ = fds.pipe()
    with raises_errno("fcntl", "EINVAL"):
        fcntl(r, 0x7FFF)


def test_fcntl_on_a_closed_fd_is_ebadf(raises_errno):
    with raises_errno("fcntl", "EBADF"):
        fcntl(-1, F_GETFD)


def test_f_setpipe_sz_below_the_data_in_the_pipe_is_ebusy(fds, raises_errno):
    r, w = fds.pipe()
    page = os.sysconf("SC_PAGE_SIZE")
    os.write(w, bytes(3 * page))
    with raises_errno("fcntl", "EBUSY"):
        fcntl(w, F_SETPIPE_SZ, page)


# -- fcntl(2): pointer commands take a typed cdata ------------------------------------------------


def ofd_lock(fd, cmd, kind, start=0, length=0):
    lock = glibc.struct_flock()
    lock.l_type = kind
    lock.l_whence = SEEK_SET
    lock.l_start = start
    lock.l_len = length
    assert fcntl(fd, cmd, lock) == 0
    return lock


def test_ofd_locks_of_two_opens_of_one_file_conflict(fds, tmp_path):
    path = tmp_path / "locked"
    one = fds(os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600))
    two = fds(os.open(path, os.O_RDWR | os.O_CLOEXEC))
    ofd_lock(one, F_OFD_SETLK, F_WRLCK, 10, 5)
    seen = ofd_lock(two, F_OFD_GETLK, F_RDLCK)
    # F_OFD_GETLK wrote the conflicting lock into the struct.
    assert (seen.l_type, seen.l_start, seen.l_len, seen.l_pid) == (F_WRLCK, 10, 5, -1)
    assert ofd_lock(two, F_OFD_GETLK, F_RDLCK, 0, 10).l_type == F_UNLCK  # no overlap


def test_a_conflicting_ofd_lock_is_eagain(fds, tmp_path, raises_errno):
    path = tmp_path / "locked"
    one = fds(os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600))
    two = fds(os.open(path, os.O_RDWR | os.O_CLOEXEC))
    ofd_lock(one, F_OFD_SETLK, F_RDLCK)
    with raises_errno("fcntl", "EAGAIN") as info:
        ofd_lock(two, F_OFD_SETLK, F_WRLCK)
    assert isinstance(info.value, BlockingIOError)
    ofd_lock(one, F_OFD_SETLK, F_UNLCK)
    ofd_lock(two, F_OFD_SETLK, F_WRLCK)


def test_a_posix_write_lock_on_a_read_only_fd_is_ebadf(fds, tmp_path, raises_errno):
    path = tmp_path / "locked"
    path.write_bytes(b"")
    fd = fds(os.open(path, os.O_RDONLY | os.O_CLOEXEC))
    with raises_errno("fcntl", "EBADF"):
        ofd_lock(fd, F_SETLK, F_WRLCK)


def test_f_setown_ex_names_a_thread_that_f_getown_ex_reads_back(fds):
    r, _ = fds.pipe()
    owner = glibc.f_owner_ex()
    owner.type = F_OWNER_TID
    owner.pid = threading.get_native_id()
    assert fcntl(r, F_SETOWN_EX, owner) == 0
    back = glibc.f_owner_ex()
    assert fcntl(r, F_GETOWN_EX, back) == 0
    assert (back.type, back.pid) == (F_OWNER_TID, threading.get_native_id())


def test_the_write_life_hint_is_set_and_read_through_a_uint64(file_fd):
    hint = ffi.new("uint64_t *", glibc.RWH_WRITE_LIFE_SHORT)
    try:
        assert fcntl(file_fd, glibc.F_SET_RW_HINT, hint) == 0
    except OSError as exc:
        if exc.errno != errno.EINVAL or not kernelkit.emulator():
            raise
        pytest.skip("%s does not pass F_SET_RW_HINT on to the kernel" % kernelkit.emulator())
    back = ffi.new("uint64_t *")
    assert fcntl(file_fd, glibc.F_GET_RW_HINT, back) == 0
    assert back[0] == glibc.RWH_WRITE_LIFE_SHORT


@pytest.mark.parametrize("arg", [0, None, b"\0" * 32, ffi.new("int *")])
def test_a_pointer_command_refuses_what_is_not_its_struct(arg, fds):
    r, _ = fds.pipe()
    with pytest.raises(TypeError, match="fcntl: arg of F_GETLK must be a 'struct flock \\*'"):
        fcntl(r, glibc.F_GETLK, arg)


def test_a_pointer_command_refuses_null(fds):
    r, _ = fds.pipe()
    with pytest.raises(ValueError, match="fcntl: arg of F_OFD_GETLK must not be NULL"):
        fcntl(r, F_OFD_GETLK, ffi.cast("struct flock *", 0))


def test_an_integer_command_refuses_a_pointer_and_a_number_c_cannot_hold(fds):
    r, _ = fds.pipe()
    with pytest.raises(TypeError, match="fcntl: arg must be an int"):
        fcntl(r, F_SETFD, glibc.struct_flock())
    with pytest.raises(OverflowError, match="fcntl: arg"):
        fcntl(r, F_SETFD, 2**32)


# -- flock(2) -------------------------------------------------------------------------------------


def test_flock_locks_belong_to_the_open_file_description(fds, tmp_path, raises_errno):
    path = tmp_path / "locked"
    one = fds(os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600))
    two = fds(os.open(path, os.O_RDONLY | os.O_CLOEXEC))
    copy = fds(os.dup(one))
    assert flock(one, LOCK_EX) == 0
    assert flock(copy, LOCK_EX | LOCK_NB) == 0  # the same description: already its lock
    with raises_errno("flock", "EAGAIN") as info:
        flock(two, LOCK_SH | LOCK_NB)
    assert isinstance(info.value, BlockingIOError)
    assert flock(one, LOCK_UN) == 0
    assert flock(two, LOCK_SH | LOCK_NB) == 0


def test_flock_with_an_unknown_operation_is_einval(file_fd, raises_errno):
    with raises_errno("flock", "EINVAL"):
        flock(file_fd, 0)


# -- openat(2) ------------------------------------------------------------------------------------


def test_openat_creates_relative_to_the_directory_fd_with_mode_less_umask(fds, directory):
    path, dirfd = directory
    old = os.umask(0o022)
    try:
        fd = fds(openat(dirfd, "made", O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o666))
    finally:
        os.umask(old)
    os.write(fd, b"here")
    assert (path / "made").read_bytes() == b"here"
    assert stat.S_IMODE(os.stat(path / "made").st_mode) == 0o644
    assert not os.get_inheritable(fd)


@pytest.mark.parametrize("name", ["x.txt", b"x.txt", pathlib.PurePath("x.txt"),
                                  ffi.new("char[]", b"x.txt")])
def test_openat_takes_str_bytes_pathlike_and_a_char_array(name, fds, directory):
    path, dirfd = directory
    (path / "x.txt").write_bytes(b"same file")
    fd = fds(openat(dirfd, name, O_RDONLY | O_CLOEXEC))
    assert os.read(fd, 100) == b"same file"


def test_openat_with_at_fdcwd_uses_the_current_directory(fds, tmp_path, monkeypatch):
    (tmp_path / "cwd.txt").write_bytes(b"cwd")
    monkeypatch.chdir(tmp_path)
    fd = fds(openat(AT_FDCWD, "cwd.txt", O_RDONLY | O_CLOEXEC))
    assert os.read(fd, 10) == b"cwd"


def test_openat_o_excl_on_an_existing_file_is_file_exists_error(directory, raises_errno):
    path, dirfd = directory
    (path / "there").write_bytes(b"")
    with raises_errno("openat", "EEXIST") as info:
        openat(dirfd, "there", O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0o600)
    assert isinstance(info.value, FileExistsError)


def test_openat_of_a_missing_file_is_file_not_found_error(directory, raises_errno):
    _, dirfd = directory
    with raises_errno("openat", "ENOENT") as info:
        openat(dirfd, "missing", O_RDONLY | O_CLOEXEC)
    assert isinstance(info.value, FileNotFoundError)


def test_openat_refuses_paths_c_would_misread(directory):
    _, dirfd = directory
    with pytest.raises(ValueError, match="openat: pathname: embedded null byte"):
        openat(dirfd, "a\0b", O_RDONLY)
    with pytest.raises(ValueError, match="openat: pathname: the char\\[\\] holds no NUL"):
        openat(dirfd, ffi.new("char[3]", b"abc"), O_RDONLY)
    with pytest.raises(TypeError, match="openat: pathname must be str, bytes or os.PathLike"):
        openat(dirfd, bytearray(b"x.txt"), O_RDONLY)


# -- posix_fadvise(2), readahead(2), sync_file_range(2) --------------------------------------------


def test_advice_and_readahead_succeed_on_a_file_and_leave_its_data(file_fd):
    os.write(file_fd, b"0123456789" * 100)
    assert posix_fadvise(file_fd, 0, 0, POSIX_FADV_SEQUENTIAL) == 0
    assert readahead(file_fd, 0, 1000) == 0
    assert sync_file_range(file_fd, 0, 0, SYNC_FILE_RANGE_WRITE_AND_WAIT) == 0
    assert posix_fadvise(file_fd, 0, 0, POSIX_FADV_DONTNEED) == 0
    assert os.pread(file_fd, 10, 990) == b"0123456789"


def test_posix_fadvise_returns_its_error_number_espipe_for_a_pipe(fds, raises_errno):
    r, _ = fds.pipe()
    # errnum convention: the error comes back as the return value, errno untouched.
    with raises_errno("posix_fadvise", "ESPIPE"):
        posix_fadvise(r, 0, 0, POSIX_FADV_SEQUENTIAL)


def test_posix_fadvise_with_unknown_advice_is_einval(file_fd, raises_errno):
    with raises_errno("posix_fadvise", "EINVAL"):
        posix_fadvise(file_fd, 0, 0, 999)


def test_readahead_of_a_pipe_is_einval(fds, raises_errno):
    r, _ = fds.pipe()
    with raises_errno("readahead", "EINVAL"):
        readahead(r, 0, 10)


def test_sync_file_range_with_an_unknown_flag_is_einval(file_fd, raises_errno):
    with raises_errno("sync_file_range", "EINVAL"):
        sync_file_range(file_fd, 0, 0, 0x100)


def test_sync_file_range_of_a_pipe_is_espipe(fds, raises_errno):
    r, _ = fds.pipe()
    with raises_errno("sync_file_range", "ESPIPE"):
        sync_file_range(r, 0, 0, SYNC_FILE_RANGE_WRITE_AND_WAIT)


# -- posix_fallocate(3), fallocate(2) --------------------------------------------------------------


def test_posix_fallocate_grows_the_file_with_allocated_zeros(file_fd):
    assert posix_fallocate(file_fd, 0, 8192) == 0
    st = os.fstat(file_fd)
    assert st.st_size == 8192 and st.st_blocks * 512 >= 8192
    assert os.pread(file_fd, 8192, 0) == bytes(8192)


def test_posix_fallocate_of_nothing_is_einval(file_fd, raises_errno):
    with raises_errno("posix_fallocate", "EINVAL"):
        posix_fallocate(file_fd, 0, 0)


@pytest.fixture
def memfd(fds):
    # tmpfs supports every mode used here, whatever file system tmp_path is on.
    return fds(os.memfd_create("fallocate", os.MFD_CLOEXEC))


def test_fallocate_keep_size_allocates_without_growing(memfd):
    assert fallocate(memfd, FALLOC_FL_KEEP_SIZE, 0, 16384) == 0
    st = os.fstat(memfd)
    assert st.st_size == 0 and st.st_blocks * 512 >= 16384


def test_fallocate_mode_0_grows_the_file(memfd):
    assert fallocate(memfd, 0, 0, 4096) == 0
    assert os.fstat(memfd).st_size == 4096


def test_fallocate_punch_hole_zeroes_the_range_and_frees_it(memfd):
    page = os.sysconf("SC_PAGE_SIZE")
    os.write(memfd, b"x" * (4 * page))
    blocks = os.fstat(memfd).st_blocks
    assert fallocate(memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, page, 2 * page) == 0
    st = os.fstat(memfd)
    assert st.st_size == 4 * page
    assert st.st_blocks < blocks
    data = os.pread(memfd, 4 * page, 0)
    assert data == b"x" * page + bytes(2 * page) + b"x" * page
    assert glibc.lseek(memfd, 0, glibc.SEEK_HOLE) == page


def test_fallocate_punch_hole_without_keep_size_is_eopnotsupp(memfd, raises_errno):
    with raises_errno("fallocate", "EOPNOTSUPP"):
        fallocate(memfd, FALLOC_FL_PUNCH_HOLE, 0, 4096)


def test_fallocate_of_a_pipe_is_espipe(fds, raises_errno):
    _, w = fds.pipe()
    with raises_errno("fallocate", "ESPIPE"):
        fallocate(w, 0, 0, 4096)


def test_fallocate_on_a_read_only_fd_is_ebadf(fds, tmp_path, raises_errno):
    (tmp_path / "ro").write_bytes(b"")
    fd = fds(os.open(tmp_path / "ro", os.O_RDONLY | os.O_CLOEXEC))
    with raises_errno("fallocate", "EBADF"):
        fallocate(fd, 0, 0, 4096)
