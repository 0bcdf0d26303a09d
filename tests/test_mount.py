"""mount(2), umount(2) and umount2(2) on real filesystems.

Every mount happens in a forked child that first takes a mount namespace
of its own (unshare(CLONE_NEWNS)) and makes its copy of the tree private,
so nothing it mounts is seen by the test process or the host.  The kernel's
witness is /proc/self/mountinfo (proc(5)): one line per mount, the mount
point in field 5, the filesystem type after the " - ".
"""

import errno
import os

import pytest

from capkit import drop
from children import in_child
from glibc import (
    CAP_SYS_ADMIN,
    CLONE_NEWNS,
    MNT_DETACH,
    MNT_EXPIRE,
    MNT_FORCE,
    MS_BIND,
    MS_NOSUID,
    MS_PRIVATE,
    MS_RDONLY,
    MS_REC,
    MS_REMOUNT,
    mount,
    umount,
    umount2,
    unshare,
)

root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (CAP_SYS_ADMIN)")


def mounts():
    """{mount point: (filesystem type, super options)} from /proc/self/mountinfo."""
    found = {}
    with open("/proc/self/mountinfo") as f:
        for line in f:
            mine, _, theirs = line.partition(" - ")
            fstype, _, options = theirs.split()
            found[mine.split()[4]] = (fstype, options)
    return found


def private_namespace():
    unshare(CLONE_NEWNS)
    mount(None, "/", None, MS_REC | MS_PRIVATE)


def _tmpfs_there_then_gone(where):
    private_namespace()
    mount("tmpfs", where, "tmpfs", MS_NOSUID, "size=1m,mode=700")
    fstype, options = mounts()[where]
    st = os.statvfs(where)
    with open(os.path.join(where, "file"), "w") as f:
        f.write("on tmpfs")
    inside = sorted(os.listdir(where))
    umount(where)
    return fstype, "size=1024k" in options, st.f_blocks * st.f_frsize, inside, \
        where in mounts(), sorted(os.listdir(where))


@root
def test_mount_a_tmpfs_with_options_and_umount_it(tmp_path):
    (tmp_path / "under").write_text("hidden while mounted")
    fstype, sized, size, inside, still, after = in_child(_tmpfs_there_then_gone, str(tmp_path))
    assert (fstype, sized, size) == ("tmpfs", True, 1 << 20)
    assert inside == ["file"] and after == ["under"] and not still
    assert str(tmp_path) not in mounts()  # the child's namespace was its own


def _bind_then_read_only(source, target):
    private_namespace()
    mount(source, target, None, MS_BIND)
    seen = sorted(os.listdir(target))
    mount(None, target, None, MS_REMOUNT | MS_BIND | MS_RDONLY)
    try:
        open(os.path.join(target, "new"), "w").close()
        refused = None
    except OSError as exc:
        refused = exc.errno
    umount2(target, 0)
    return seen, refused, sorted(os.listdir(target))


@root
def test_a_bind_mount_shows_a_directory_elsewhere_and_can_be_made_read_only(tmp_path):
    source, target = tmp_path / "source", tmp_path / "target"
    source.mkdir()
    target.mkdir()
    (source / "a").write_text("a")
    assert in_child(_bind_then_read_only, str(source), str(target)) == (["a"], errno.EROFS, [])


def _busy_then_detached(where):
    private_namespace()
    mount("tmpfs", where, b"tmpfs", 0, b"size=64k")
    fd = os.open(os.path.join(where, "held"), os.O_CREAT | os.O_WRONLY | os.O_CLOEXEC)
    try:
        try:
            umount(where)
            busy = None
        except OSError as exc:
            busy = (exc.errno, exc.strerror)
        umount2(where, MNT_DETACH)  # lazily: gone from the tree while fd still uses it
        os.write(fd, b"still writable")
        return busy, where in mounts()
    finally:
        os.close(fd)


@root
def test_umount2_detach_takes_a_busy_mount_out_of_the_tree(tmp_path):
    busy, still = in_child(_busy_then_detached, str(tmp_path))
    assert busy == (errno.EBUSY, "umount: something still uses the filesystem on target (an "
                                 "open file, a working directory, a mount under it)")
    assert still is False


# -- errors ------------------------------------------------------------------------------------


def test_mount_on_a_missing_directory_is_enoent(tmp_path, raises_errno):
    with raises_errno("mount", "ENOENT"):
        mount("tmpfs", str(tmp_path / "missing"), "tmpfs")


@root
def test_mount_of_an_unknown_filesystem_type_is_enodev(tmp_path, raises_errno):
    with raises_errno("mount", "ENODEV"):
        mount("none", str(tmp_path), "no-such-filesystem-type")


def test_umount_of_what_is_not_a_mount_point_is_einval(tmp_path, raises_errno):
    with raises_errno("umount", "EINVAL"):
        umount(str(tmp_path))
    with raises_errno("umount2", "EINVAL"):
        umount2(str(tmp_path), MNT_EXPIRE | MNT_FORCE)


def _refused(where):
    drop(CAP_SYS_ADMIN)
    try:
        mount("tmpfs", where, "tmpfs")
    except OSError as exc:
        return exc.errno, exc.strerror
    return None


def test_mount_without_cap_sys_admin_is_eperm(tmp_path):
    assert in_child(_refused, str(tmp_path)) == (
        errno.EPERM, "mount: the caller lacks CAP_SYS_ADMIN in the user namespace that owns its "
                     "mount namespace, or a flag of a locked mount was to be changed")


@pytest.mark.parametrize("args, error, message", [
    ((None, None, "tmpfs"), TypeError, "mount: target must be str, bytes or os.PathLike"),
    (("tmpfs", "/tmp\0x", "tmpfs"), ValueError, "mount: target: embedded null byte"),
    (("tmpfs", "/tmp", 3), TypeError, "mount: filesystemtype must be str"),
    (("tmpfs", "/tmp", "tmpfs", 0, "a\0b"), ValueError, "mount: data: embedded null byte"),
])
def test_mount_checks_its_strings_before_the_call(args, error, message):
    with pytest.raises(error, match="^" + message):
        mount(*args)


def test_umount_takes_a_path_like(tmp_path, raises_errno):
    with raises_errno("umount", "EINVAL"):
        umount(tmp_path)
    with pytest.raises(TypeError, match="^umount2: target must be str"):
        umount2(None)
