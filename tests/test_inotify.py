"""inotify(7): inotify_init(2), inotify_init1(2), inotify_add_watch(2), inotify_rm_watch(2),
with real files and the event records read(2) returns."""

import os

import pytest

import glibc
from glibc import (
    IN_ALL_EVENTS,
    IN_CLOEXEC,
    IN_CLOSE_WRITE,
    IN_CREATE,
    IN_DELETE,
    IN_IGNORED,
    IN_ISDIR,
    IN_MASK_ADD,
    IN_MASK_CREATE,
    IN_MODIFY,
    IN_MOVED_FROM,
    IN_MOVED_TO,
    IN_NONBLOCK,
    IN_ONLYDIR,
    ffi,
    inotify_add_watch,
    inotify_event,
    inotify_init,
    inotify_init1,
    inotify_rm_watch,
)

HEADER = inotify_event.size


def events(fd):
    """[(wd, mask, cookie, name)] of one read(2): each record is a struct
    inotify_event and then its name, len bytes padded with NULs."""
    buf = bytearray(4096)
    try:
        n = glibc.read(fd, buf)
    except BlockingIOError:
        return []
    base = ffi.from_buffer(buf)
    out, offset = [], 0
    while offset < n:
        event = ffi.cast("struct inotify_event *", base + offset)
        name = bytes(buf[offset + HEADER:offset + HEADER + event.len]).rstrip(b"\0")
        out.append((event.wd, event.mask, event.cookie, name))
        offset += HEADER + event.len
    assert offset == n
    return out


@pytest.fixture
def ifd(fds):
    return fds(inotify_init1(IN_CLOEXEC | IN_NONBLOCK))


def test_inotify_init1_flags(ifd, fds):
    assert not os.get_inheritable(ifd) and not os.get_blocking(ifd)
    plain = fds(inotify_init())
    assert os.get_inheritable(plain) and os.get_blocking(plain)


def test_creating_writing_and_deleting_a_file_in_a_watched_directory(ifd, tmp_path):
    wd = inotify_add_watch(ifd, str(tmp_path), IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_DELETE)
    assert wd >= 1
    assert events(ifd) == []
    (tmp_path / "f").write_bytes(b"data")
    (tmp_path / "f").unlink()
    (tmp_path / "d").mkdir()
    assert events(ifd) == [
        (wd, IN_CREATE, 0, b"f"),
        (wd, IN_MODIFY, 0, b"f"),
        (wd, IN_CLOSE_WRITE, 0, b"f"),
        (wd, IN_DELETE, 0, b"f"),
        (wd, IN_CREATE | IN_ISDIR, 0, b"d"),
    ]


def test_a_rename_is_two_events_with_one_cookie(ifd, tmp_path):
    (tmp_path / "old").touch()
    wd = inotify_add_watch(ifd, str(tmp_path), IN_MOVED_FROM | IN_MOVED_TO)
    os.rename(tmp_path / "old", tmp_path / "new")
    (moved_from, moved_to) = events(ifd)
    assert moved_from[:2] == (wd, IN_MOVED_FROM) and moved_from[3] == b"old"
    assert moved_to[:2] == (wd, IN_MOVED_TO) and moved_to[3] == b"new"
    assert moved_from[2] == moved_to[2] != 0


def test_a_watch_on_a_file_itself_has_no_name(ifd, tmp_path):
    path = tmp_path / "f"
    path.touch()
    wd = inotify_add_watch(ifd, str(path), IN_MODIFY)
    path.write_bytes(b"x")
    assert events(ifd) == [(wd, IN_MODIFY, 0, b"")]


def test_the_same_path_gets_the_same_wd_and_mask_add_widens_it(ifd, tmp_path):
    wd = inotify_add_watch(ifd, str(tmp_path), IN_CREATE)
    assert inotify_add_watch(ifd, str(tmp_path), IN_DELETE | IN_MASK_ADD) == wd
    (tmp_path / "f").touch()
    (tmp_path / "f").unlink()
    assert [mask for _, mask, _, _ in events(ifd)] == [IN_CREATE, IN_DELETE]


def test_inotify_rm_watch_queues_in_ignored(ifd, tmp_path):
    wd = inotify_add_watch(ifd, str(tmp_path), IN_ALL_EVENTS)
    assert inotify_rm_watch(ifd, wd) == 0
    assert events(ifd) == [(wd, IN_IGNORED, 0, b"")]
    (tmp_path / "f").touch()
    assert events(ifd) == []


@pytest.mark.parametrize("make", [str, os.fsencode, lambda p: p,
                                  lambda p: ffi.new("char[]", os.fsencode(p))],
                         ids=["str", "bytes", "PathLike", "char[]"])
def test_pathname_may_be_str_bytes_pathlike_or_a_char_array(make, ifd, tmp_path):
    wd = inotify_add_watch(ifd, make(tmp_path), IN_CREATE)
    (tmp_path / "f").touch()
    assert events(ifd) == [(wd, IN_CREATE, 0, b"f")]


# -- errors ----------------------------------------------------------------------------------------


def test_a_pathname_with_a_nul_is_a_value_error(ifd, tmp_path):
    with pytest.raises(ValueError, match="inotify_add_watch: pathname: embedded null byte"):
        inotify_add_watch(ifd, str(tmp_path) + "\0/etc", IN_CREATE)
    with pytest.raises(ValueError, match="inotify_add_watch: pathname: the char.. holds no NUL"):
        inotify_add_watch(ifd, ffi.new("char[3]", b"abc"), IN_CREATE)


def test_a_pathname_of_another_type_is_a_type_error(ifd):
    with pytest.raises(TypeError, match="inotify_add_watch: pathname must be str, bytes"):
        inotify_add_watch(ifd, 3, IN_CREATE)
    with pytest.raises(TypeError, match="inotify_add_watch: pathname must be str, bytes"):
        inotify_add_watch(ifd, ffi.new("int *"), IN_CREATE)


def test_a_missing_path_is_file_not_found_error(ifd, tmp_path, raises_errno):
    with raises_errno("inotify_add_watch", "ENOENT") as info:
        inotify_add_watch(ifd, str(tmp_path / "missing" / "f"), IN_CREATE)
    assert isinstance(info.value, FileNotFoundError)


def test_in_onlydir_on_a_file_is_enotdir(ifd, tmp_path, raises_errno):
    (tmp_path / "f").touch()
    with raises_errno("inotify_add_watch", "ENOTDIR"):
        inotify_add_watch(ifd, str(tmp_path / "f"), IN_CREATE | IN_ONLYDIR)


def test_in_mask_create_on_a_watched_path_is_eexist(ifd, tmp_path, raises_errno):
    inotify_add_watch(ifd, str(tmp_path), IN_CREATE)
    with raises_errno("inotify_add_watch", "EEXIST"):
        inotify_add_watch(ifd, str(tmp_path), IN_DELETE | IN_MASK_CREATE)


@pytest.mark.parametrize("mask", [0, IN_CREATE | IN_MASK_ADD | IN_MASK_CREATE])
def test_a_mask_without_events_or_with_add_and_create_is_einval(mask, ifd, tmp_path, raises_errno):
    with raises_errno("inotify_add_watch", "EINVAL"):
        inotify_add_watch(ifd, str(tmp_path), mask)


def test_watching_through_a_pipe_is_einval(fds, tmp_path, raises_errno):
    r, _ = fds.pipe()
    with raises_errno("inotify_add_watch", "EINVAL"):
        inotify_add_watch(r, str(tmp_path), IN_CREATE)
    with raises_errno("inotify_rm_watch", "EINVAL"):
        inotify_rm_watch(r, 1)


def test_a_closed_fd_is_ebadf(fds, tmp_path, raises_errno):
    r, _ = fds.pipe()
    gone = os.dup(r)
    os.close(gone)
    with raises_errno("inotify_add_watch", "EBADF"):
        inotify_add_watch(gone, str(tmp_path), IN_CREATE)
    with raises_errno("inotify_rm_watch", "EBADF"):
        inotify_rm_watch(gone, 1)


def test_removing_an_unknown_watch_is_einval(ifd, raises_errno):
    with raises_errno("inotify_rm_watch", "EINVAL"):
        inotify_rm_watch(ifd, 12345)


def test_inotify_init1_with_an_unknown_flag_is_einval(raises_errno):
    with raises_errno("inotify_init1", "EINVAL"):
        inotify_init1(1)  # neither IN_NONBLOCK nor IN_CLOEXEC (octal 04000, 02000000)
