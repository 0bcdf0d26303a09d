"""pyglibc.inotify: file system events, decoded, from a descriptor a selector can watch."""

import errno
import os
import threading

import pytest

import glibc
from pyglibc import inotify
from pyglibc.selectors import EVENT_READ, EpollSelector

Mask = inotify.Mask


@pytest.fixture
def ino():
    with inotify(glibc.IN_NONBLOCK) as watcher:
        yield watcher


def kinds(events):
    """[(mask, name)] of events: what happened to what."""
    return [(event.mask, event.name) for event in events]


# -- the object ------------------------------------------------------------------------------------


def test_the_descriptor_is_close_on_exec_and_blocking_by_default():
    with inotify() as ino:
        assert not os.get_inheritable(ino.fileno()) and os.get_blocking(ino.fileno())
    with inotify(glibc.IN_NONBLOCK) as ino:
        assert not os.get_inheritable(ino.fileno()) and not os.get_blocking(ino.fileno())


def test_after_close_every_use_is_a_value_error(tmp_path):
    ino = inotify()
    ino.close()
    ino.close()
    assert ino.closed and repr(ino) == "<pyglibc.inotify closed>"
    for use in (ino.fileno, ino.read, lambda: ino.add_watch(tmp_path, Mask.CREATE),
                lambda: ino.rm_watch(1)):
        with pytest.raises(ValueError, match="closed inotify"):
            use()


def test_the_mask_bits_are_the_in_constants():
    for member in Mask:
        assert member.value == getattr(glibc, "IN_" + member.name)
    assert Mask.CLOSE == Mask.CLOSE_WRITE | Mask.CLOSE_NOWRITE
    assert Mask.MOVE == Mask.MOVED_FROM | Mask.MOVED_TO


# -- events ----------------------------------------------------------------------------------------


def test_create_modify_close_and_delete_in_a_watched_directory(ino, tmp_path):
    wd = ino.add_watch(tmp_path, Mask.CREATE | Mask.MODIFY | Mask.CLOSE_WRITE | Mask.DELETE)
    assert ino.watches == {wd: str(tmp_path)}
    (tmp_path / "f").write_bytes(b"data")
    (tmp_path / "f").unlink()
    events = ino.read()
    assert kinds(events) == [(Mask.CREATE, "f"), (Mask.MODIFY, "f"), (Mask.CLOSE_WRITE, "f"),
                             (Mask.DELETE, "f")]
    for event in events:
        assert (event.wd, event.cookie, event.path) == (wd, 0, str(tmp_path))
        assert event.fullpath == str(tmp_path / "f")
        assert isinstance(event.mask, Mask)
    assert ino.read() == []


def test_a_new_directory_carries_isdir(ino, tmp_path):
    ino.add_watch(tmp_path, Mask.CREATE)
    (tmp_path / "d").mkdir()
    (event,) = ino.read()
    assert event.mask == Mask.CREATE | Mask.ISDIR and event.name == "d"


def test_a_move_between_watched_directories_pairs_its_events_by_cookie(ino, tmp_path):
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    dst.mkdir()
    (src / "f").touch()
    from_wd = ino.add_watch(src, Mask.MOVED_FROM)
    to_wd = ino.add_watch(dst, Mask.MOVED_TO)
    os.rename(src / "f", dst / "g")
    moved_from, moved_to = ino.read()
    assert (moved_from.wd, moved_from.mask, moved_from.fullpath) == (from_wd, Mask.MOVED_FROM,
                                                                    str(src / "f"))
    assert (moved_to.wd, moved_to.mask, moved_to.fullpath) == (to_wd, Mask.MOVED_TO,
                                                              str(dst / "g"))
    assert moved_from.cookie == moved_to.cookie != 0


def test_an_event_on_the_watched_file_itself_has_an_empty_name(ino, tmp_path):
    path = tmp_path / "f"
    path.touch()
    wd = ino.add_watch(path, Mask.ATTRIB)
    os.chmod(path, 0o600)
    (event,) = ino.read()
    assert (event.wd, event.mask, event.name, event.fullpath) == (wd, Mask.ATTRIB, "", str(path))


def test_rm_watch_ends_with_ignored_and_the_watch_is_forgotten(ino, tmp_path):
    wd = ino.add_watch(tmp_path, Mask.ALL_EVENTS)
    ino.rm_watch(wd)
    assert ino.watches == {wd: str(tmp_path)}  # until its IGNORED is read
    (event,) = ino.read()
    assert (event.wd, event.mask, event.path) == (wd, Mask.IGNORED, str(tmp_path))
    assert ino.watches == {}
    (tmp_path / "f").touch()
    assert ino.read() == []


def test_a_deleted_directory_reports_delete_self_then_ignored(ino, tmp_path):
    gone = tmp_path / "gone"
    gone.mkdir()
    wd = ino.add_watch(gone, Mask.DELETE_SELF)
    gone.rmdir()
    assert [(e.wd, e.mask) for e in ino.read()] == [(wd, Mask.DELETE_SELF), (wd, Mask.IGNORED)]
    assert ino.watches == {}


def test_a_oneshot_watch_reports_once(ino, tmp_path):
    wd = ino.add_watch(tmp_path, Mask.CREATE | Mask.ONESHOT)
    (tmp_path / "a").touch()
    (tmp_path / "b").touch()
    assert [(e.wd, e.mask, e.name) for e in ino.read()] == [(wd, Mask.CREATE, "a"),
                                                            (wd, Mask.IGNORED, "")]


def test_a_bytes_watch_gives_bytes_names_as_os_listdir_does(ino, tmp_path):
    odd = b"caf\xe9"  # not UTF-8
    wd_bytes = ino.add_watch(os.fsencode(tmp_path), Mask.CREATE)
    (tmp_path / os.fsdecode(odd)).touch()
    (event,) = ino.read()
    assert (event.wd, event.name, event.path) == (wd_bytes, odd, os.fsencode(tmp_path))
    assert event.fullpath == os.path.join(os.fsencode(tmp_path), odd)
    assert [event.name] == os.listdir(os.fsencode(tmp_path))

    ino.add_watch(tmp_path, Mask.DELETE)  # the same directory, now as str: the same wd
    os.unlink(os.path.join(os.fsencode(tmp_path), odd))
    (event,) = ino.read()
    assert event.name == os.fsdecode(odd)


def test_one_read_decodes_many_events_whatever_their_padding(ino, tmp_path):
    ino.add_watch(tmp_path, Mask.CREATE)
    names = ["n" * length for length in range(1, 60)]
    for name in names:
        (tmp_path / name).touch()
    events = ino.read()
    assert kinds(events) == [(Mask.CREATE, name) for name in names]


def test_iterating_a_non_blocking_watcher_yields_what_waits_and_stops(ino, tmp_path):
    ino.add_watch(tmp_path, Mask.CREATE)
    (tmp_path / "a").touch()
    (tmp_path / "b").touch()
    assert [event.name for event in ino] == ["a", "b"]
    assert list(ino) == []


def test_a_full_queue_reports_q_overflow(tmp_path):
    with open("/proc/sys/fs/inotify/max_queued_events") as f:
        limit = int(f.read())
    if limit > 100_000:
        pytest.skip("max_queued_events is %d: too many events to make quickly" % limit)
    path = tmp_path / "f"
    path.touch()
    with inotify(glibc.IN_NONBLOCK) as ino:
        ino.add_watch(path, Mask.OPEN | Mask.CLOSE_NOWRITE)
        # OPEN and CLOSE_NOWRITE alternate, so the kernel merges none of them.
        for _ in range(limit // 2 + 1):
            os.close(os.open(path, os.O_RDONLY))
        events = list(ino)
    assert len(events) == limit + 1
    overflow = events[-1]
    assert (overflow.wd, overflow.mask, overflow.name, overflow.path) == (-1, Mask.Q_OVERFLOW,
                                                                          "", None)
    assert overflow.fullpath is None


def test_a_blocking_read_waits_for_an_event(tmp_path, helper):
    with inotify() as ino:
        ino.add_watch(tmp_path, Mask.CREATE)

        def script():
            helper.wait_blocked("read")
            (tmp_path / "late").touch()

        helper.start(script)
        assert kinds(ino.read()) == [(Mask.CREATE, "late")]


def test_the_epoll_selector_sees_it_readable_once_an_event_waits(ino, tmp_path):
    ino.add_watch(tmp_path, Mask.CREATE)
    with EpollSelector() as selector:
        selector.register(ino, EVENT_READ, "files")
        assert selector.select(0) == []
        (tmp_path / "f").touch()
        [(key, events)] = selector.select(5)
        assert (key.fileobj, key.data, events) == (ino, "files", EVENT_READ)
        assert kinds(ino.read()) == [(Mask.CREATE, "f")]
        assert selector.select(0) == []


def test_watching_from_another_thread_while_one_reads(tmp_path, helper):
    # A watch added while another thread waits in read() reports to it.
    with inotify() as ino:
        added = threading.Event()

        def script():
            helper.wait_blocked("read")
            ino.add_watch(tmp_path, Mask.CREATE)
            added.set()
            (tmp_path / "f").touch()

        helper.start(script)
        assert kinds(ino.read()) == [(Mask.CREATE, "f")]
        assert added.is_set()


# -- errors ----------------------------------------------------------------------------------------


def test_watching_a_missing_path_is_file_not_found_error(ino, tmp_path):
    with pytest.raises(FileNotFoundError, match="inotify_add_watch: pathname"):
        ino.add_watch(tmp_path / "missing", Mask.CREATE)
    assert ino.watches == {}


def test_removing_an_unknown_watch_is_einval(ino):
    with pytest.raises(OSError, match="inotify_rm_watch: wd is not a watch of fd") as info:
        ino.rm_watch(99)
    assert info.value.errno == errno.EINVAL


@pytest.mark.parametrize("call, message", [
    (lambda ino: ino.add_watch(".", "CREATE"), "inotify.add_watch: mask must be an int"),
    (lambda ino: ino.add_watch(3, Mask.CREATE), "expected str, bytes or os.PathLike"),
    (lambda ino: ino.rm_watch(1.0), "inotify.rm_watch: wd must be an int"),
])
def test_arguments_of_the_wrong_type_are_type_errors(call, message, ino):
    with pytest.raises(TypeError, match=message):
        call(ino)


def test_flags_of_the_wrong_type_or_unknown_are_refused():
    with pytest.raises(TypeError, match="inotify: flags must be an int"):
        inotify("nonblock")
    with pytest.raises(OSError, match="inotify_init1: flags holds a bit other than"):
        inotify(1)
