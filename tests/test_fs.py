"""openat2(2) with its RESOLVE_* rules, renameat2(2) with its RENAME_* flags, and statx(2)."""

import errno
import os
import stat

import pytest

import glibc
from glibc import (
    AT_EMPTY_PATH,
    AT_SYMLINK_NOFOLLOW,
    O_CLOEXEC,
    O_CREAT,
    O_RDONLY,
    O_RDWR,
    RENAME_EXCHANGE,
    RENAME_NOREPLACE,
    RENAME_WHITEOUT,
    RESOLVE_BENEATH,
    RESOLVE_IN_ROOT,
    RESOLVE_NO_SYMLINKS,
    STATX__RESERVED,
    STATX_BASIC_STATS,
    STATX_BTIME,
    STATX_SIZE,
    ffi,
    openat2,
    renameat2,
    statx,
)


@pytest.fixture
def tree(fds, tmp_path):
    """tmp_path/root holding file.txt, sub/, a symlink to file.txt; and a dir fd on root."""
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    (root / "file.txt").write_bytes(b"inside")
    (tmp_path / "outside.txt").write_bytes(b"outside")
    (root / "link").symlink_to("file.txt")
    return root, fds(os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC))


def read_all(fds, fd):
    fds(fd)
    return os.read(fd, 100)


# -- openat2(2) ------------------------------------------------------------------------------------


@pytest.mark.needs_kernel("openat2")
def test_openat2_opens_like_openat_with_an_open_how(fds, tree):
    _, dirfd = tree
    how = glibc.open_how()
    how.flags = O_RDONLY | O_CLOEXEC
    fd = openat2(dirfd, "file.txt", how)
    assert read_all(fds, fd) == b"inside"
    assert not os.get_inheritable(fd)


@pytest.mark.needs_kernel("openat2")
def test_openat2_takes_a_dict_and_creates_with_its_mode(fds, tree):
    root, dirfd = tree
    fd = openat2(dirfd, "sub/new", {"flags": O_RDWR | O_CREAT | O_CLOEXEC, "mode": 0o640})
    fds(fd)
    assert stat.S_IMODE(os.fstat(fd).st_mode) == 0o640 & ~_umask()
    assert (root / "sub" / "new").exists()


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.mark.needs_kernel("openat2")
def test_resolve_beneath_allows_paths_inside_dirfd(fds, tree):
    _, dirfd = tree
    how = {"flags": O_RDONLY | O_CLOEXEC, "resolve": RESOLVE_BENEATH}
    assert read_all(fds, openat2(dirfd, "sub/../file.txt", how)) == b"inside"


@pytest.mark.needs_kernel("openat2")
@pytest.mark.parametrize("path", ["../outside.txt", "sub/../../outside.txt", "/etc/hostname"])
def test_resolve_beneath_refuses_an_escape_with_exdev(path, tree, raises_errno):
    _, dirfd = tree
    with raises_errno("openat2", "EXDEV"):
        openat2(dirfd, path, {"flags": O_RDONLY | O_CLOEXEC, "resolve": RESOLVE_BENEATH})


@pytest.mark.needs_kernel("openat2")
def test_resolve_in_root_treats_dirfd_as_the_root(fds, tree):
    root, dirfd = tree
    (root / "etc").mkdir()
    (root / "etc" / "passwd").write_bytes(b"jailed")
    how = {"flags": O_RDONLY | O_CLOEXEC, "resolve": RESOLVE_IN_ROOT}
    assert read_all(fds, openat2(dirfd, "/etc/passwd", how)) == b"jailed"
    assert read_all(fds, openat2(dirfd, "../../../file.txt", how)) == b"inside"


@pytest.mark.needs_kernel("openat2")
def test_resolve_no_symlinks_refuses_a_symlink_with_eloop(fds, tree, raises_errno):
    _, dirfd = tree
    how = {"flags": O_RDONLY | O_CLOEXEC, "resolve": RESOLVE_NO_SYMLINKS}
    with raises_errno("openat2", "ELOOP"):
        openat2(dirfd, "link", how)
    assert read_all(fds, openat2(dirfd, "link", {"flags": O_RDONLY | O_CLOEXEC})) == b"inside"


@pytest.mark.needs_kernel("openat2")
def test_openat2_refuses_unknown_flags_that_openat_ignores(fds, tree, raises_errno):
    _, dirfd = tree
    unknown = 1 << 40
    with raises_errno("openat2", "EINVAL"):
        openat2(dirfd, "file.txt", {"flags": O_RDONLY | O_CLOEXEC, "resolve": unknown})
    with raises_errno("openat2", "EINVAL"):
        openat2(dirfd, "file.txt", {"flags": O_RDONLY | O_CLOEXEC, "mode": 0o600})


@pytest.mark.needs_kernel("openat2")
def test_openat2_size_is_the_structs_and_checked_against_it(fds, tree, raises_errno):
    _, dirfd = tree
    how = glibc.open_how({"flags": O_RDONLY | O_CLOEXEC})
    with pytest.raises(ValueError, match="openat2: how has 24 bytes, fewer than size 32"):
        openat2(dirfd, "file.txt", how, 32)
    with raises_errno("openat2", "EINVAL"):
        openat2(dirfd, "file.txt", how, 8)  # smaller than any version of the struct


@pytest.mark.needs_kernel("openat2")
def test_openat2_extension_bytes_this_kernel_lacks_are_e2big(fds, tree, raises_errno):
    _, dirfd = tree
    # Two structs back to back: a caller passing a larger, newer struct open_how.
    newer = glibc.open_how.array(2)
    newer[0].flags = O_RDONLY | O_CLOEXEC
    assert read_all(fds, openat2(dirfd, "file.txt", newer)) == b"inside"  # zeros are fine
    newer[1].flags = 1
    with raises_errno("openat2", "E2BIG"):
        openat2(dirfd, "file.txt", newer, ffi.sizeof(newer))


def test_openat2_refuses_a_how_that_is_not_an_open_how(tree):
    _, dirfd = tree
    with pytest.raises(TypeError, match="openat2: how"):
        openat2(dirfd, "file.txt", ffi.new("uint64_t[3]"))
    # A TypeError like every wrong argument (cffi itself would say KeyError).
    with pytest.raises(TypeError, match="openat2: how: 'struct open_how' has no field 'flag'"):
        openat2(dirfd, "file.txt", {"flag": O_RDONLY})


# -- renameat2(2) ----------------------------------------------------------------------------------


def test_renameat2_without_flags_replaces_the_target(tree):
    root, dirfd = tree
    (root / "old").write_bytes(b"new content")
    assert renameat2(dirfd, "old", dirfd, "file.txt", 0) == 0
    assert (root / "file.txt").read_bytes() == b"new content"
    assert not (root / "old").exists()


def test_rename_noreplace_refuses_an_existing_target_with_eexist(tree, raises_errno):
    root, dirfd = tree
    (root / "old").write_bytes(b"kept apart")
    with raises_errno("renameat2", "EEXIST") as info:
        renameat2(dirfd, "old", dirfd, "file.txt", RENAME_NOREPLACE)
    assert isinstance(info.value, FileExistsError)
    assert (root / "file.txt").read_bytes() == b"inside"
    assert renameat2(dirfd, "old", dirfd, "fresh", RENAME_NOREPLACE) == 0
    assert (root / "fresh").read_bytes() == b"kept apart"


def test_rename_exchange_swaps_two_names_even_a_file_and_a_directory(tree):
    root, dirfd = tree
    assert renameat2(dirfd, "file.txt", dirfd, "sub", RENAME_EXCHANGE) == 0
    assert (root / "sub").read_bytes() == b"inside"
    assert (root / "file.txt").is_dir()


def test_rename_exchange_with_a_missing_target_is_enoent(tree, raises_errno):
    _, dirfd = tree
    with raises_errno("renameat2", "ENOENT"):
        renameat2(dirfd, "file.txt", dirfd, "missing", RENAME_EXCHANGE)


def test_rename_noreplace_with_exchange_is_einval(tree, raises_errno):
    _, dirfd = tree
    with raises_errno("renameat2", "EINVAL"):
        renameat2(dirfd, "file.txt", dirfd, "sub", RENAME_NOREPLACE | RENAME_EXCHANGE)


def test_rename_whiteout_leaves_a_whiteout_device_behind(tree):
    root, dirfd = tree
    if os.geteuid() != 0:
        pytest.skip("RENAME_WHITEOUT needs CAP_MKNOD")
    try:
        renameat2(dirfd, "file.txt", dirfd, "moved", RENAME_WHITEOUT)
    except OSError as exc:
        if exc.errno != errno.EINVAL:
            raise
        pytest.skip("this file system has no whiteouts: %s" % exc)
    assert (root / "moved").read_bytes() == b"inside"
    st = os.lstat(root / "file.txt")
    assert stat.S_ISCHR(st.st_mode) and st.st_rdev == 0  # a whiteout is a 0/0 char device


def test_renameat2_paths_may_be_relative_to_different_directories(fds, tree, tmp_path):
    root, dirfd = tree
    other = fds(os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC))
    assert renameat2(other, "outside.txt", dirfd, b"sub/moved.txt", RENAME_NOREPLACE) == 0
    assert (root / "sub" / "moved.txt").read_bytes() == b"outside"


# -- statx(2) --------------------------------------------------------------------------------------


def test_statx_reports_what_stat_does(tree):
    root, dirfd = tree
    buf = glibc.struct_statx()
    assert statx(dirfd, "file.txt", 0, STATX_BASIC_STATS, buf) == 0
    st = os.stat(root / "file.txt")
    assert buf.stx_mask & STATX_BASIC_STATS == STATX_BASIC_STATS
    assert (buf.stx_size, buf.stx_mode, buf.stx_ino, buf.stx_nlink, buf.stx_uid) == (
        st.st_size, st.st_mode, st.st_ino, st.st_nlink, st.st_uid)
    assert os.makedev(buf.stx_dev_major, buf.stx_dev_minor) == st.st_dev
    mtime = buf.stx_mtime.tv_sec * 10**9 + buf.stx_mtime.tv_nsec
    assert mtime == st.st_mtime_ns


def test_statx_gives_the_birth_time_where_the_file_system_keeps_one(tree):
    root, dirfd = tree
    buf = glibc.struct_statx()
    assert statx(dirfd, "file.txt", 0, STATX_BTIME, buf) == 0
    if not buf.stx_mask & STATX_BTIME:
        pytest.skip("this file system keeps no birth time")
    ctime = os.stat(root / "file.txt").st_ctime_ns
    assert 0 < buf.stx_btime.tv_sec * 10**9 + buf.stx_btime.tv_nsec <= ctime


def test_statx_with_at_empty_path_describes_the_fd_itself(fds):
    fd = fds(os.memfd_create("statx", os.MFD_CLOEXEC))
    os.write(fd, b"12345")
    buf = glibc.struct_statx()
    assert statx(fd, "", AT_EMPTY_PATH, STATX_SIZE, buf) == 0
    assert buf.stx_size == 5


def test_statx_symlink_nofollow_describes_the_link(tree):
    _, dirfd = tree
    buf = glibc.struct_statx()
    statx(dirfd, "link", AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, buf)
    assert stat.S_ISLNK(buf.stx_mode)
    statx(dirfd, "link", 0, STATX_BASIC_STATS, buf)
    assert stat.S_ISREG(buf.stx_mode)


def test_statx_of_a_missing_file_is_file_not_found_error(tree, raises_errno):
    _, dirfd = tree
    with raises_errno("statx", "ENOENT") as info:
        statx(dirfd, "missing", 0, STATX_BASIC_STATS, glibc.struct_statx())
    assert isinstance(info.value, FileNotFoundError)


def test_statx_with_the_reserved_mask_bit_is_einval(tree, raises_errno):
    _, dirfd = tree
    with raises_errno("statx", "EINVAL"):
        statx(dirfd, "file.txt", 0, STATX__RESERVED, glibc.struct_statx())


def test_statx_needs_a_struct_statx(tree):
    _, dirfd = tree
    with pytest.raises(TypeError, match="statx: statxbuf"):
        statx(dirfd, "file.txt", 0, STATX_SIZE, glibc.open_how())
