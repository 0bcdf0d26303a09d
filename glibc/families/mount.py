"""<sys/mount.h>: attaching and detaching filesystems (mount(2), umount(2))."""

from typing import Any, List, Tuple

from glibc._spec import Args, Convert, Family, Function, names
from glibc.families._cstring import to_c_string
from glibc.families._reasons import BAD_POINTER, PATH_LOOKUP


def convert_mount(ffi: Any, lib: Any, args: Args) -> Tuple[Args, Any]:
    """The strings as C strings; None is NULL for source, filesystemtype and data.

    data is filesystem-specific: a str, bytes or path-like is passed as a
    NUL-terminated option string (what every filesystem in the kernel
    reads), any other buffer or cdata as it is.
    """
    source, target, fstype, flags, data = args
    keep: List[Any] = []
    out: List[Any] = []
    for name, value, nullable in (("source", source, True), ("target", target, False),
                                  ("filesystemtype", fstype, True)):
        if value is None and nullable:
            out.append(ffi.NULL)
        else:
            out.append(to_c_string(ffi, "mount", name, value))
            keep.append(out[-1])
    if data is None:
        data = ffi.NULL
    elif isinstance(data, (str, bytes)) or hasattr(data, "__fspath__"):
        data = to_c_string(ffi, "mount", "data", data)
        keep.append(data)
    return (out[0], out[1], out[2], flags, data), keep


def convert_target(function: str) -> Convert:
    def convert(ffi: Any, lib: Any, args: Args) -> Tuple[Args, Any]:
        target = to_c_string(ffi, function, "target", args[0])
        return (target,) + tuple(args[1:]), [target]
    return convert


_NOT_PRIVILEGED = ("the caller lacks CAP_SYS_ADMIN in the user namespace that owns its mount "
                   "namespace")

FAMILY = Family(
    "mount",
    headers=["<sys/mount.h>"],
    doc="mount, umount, umount2 and their MS_* and MNT_* flags",
    # Linux 5.10; glibc's headers name it since 2.33.
    kernel_abi={"MS_NOSYMFOLLOW": "256"},
    constants=names("""
        MS_RDONLY MS_NOSUID MS_NODEV MS_NOEXEC MS_SYNCHRONOUS MS_REMOUNT MS_MANDLOCK
        MS_DIRSYNC MS_NOSYMFOLLOW MS_NOATIME MS_NODIRATIME MS_BIND MS_MOVE MS_REC MS_SILENT
        MS_POSIXACL MS_UNBINDABLE MS_PRIVATE MS_SLAVE MS_SHARED MS_RELATIME MS_I_VERSION
        MS_STRICTATIME MS_LAZYTIME MS_RMT_MASK MS_MGC_VAL MS_MGC_MSK
        MNT_FORCE MNT_DETACH MNT_EXPIRE UMOUNT_NOFOLLOW
    """),
    functions=[
        Function(
            "int mount(const char *source, const char *target, const char *filesystemtype, "
            "unsigned long mountflags, const void *data);",
            man="mount(2)", nullable=("source", "filesystemtype", "data"),
            defaults={"mountflags": 0, "data": None}, convert=convert_mount,
            stdlib=None,
            errors=dict(
                dict(BAD_POINTER, **PATH_LOOKUP),
                EACCES="a directory of a path is not searchable, or a read-only filesystem or "
                       "a block device on a MS_NODEV mount was to be mounted read-write",
                EBUSY="the same source is already mounted on top of target in this namespace, "
                      "or a remount read-only finds files open for writing",
                EINVAL="source has no valid superblock, a MS_REMOUNT or MS_MOVE names what is "
                       "not a mount, more than one propagation type (MS_SHARED, MS_PRIVATE, "
                       "MS_SLAVE, MS_UNBINDABLE) or one with other flags, or an unbindable "
                       "mount to bind",
                EMFILE="the kernel's table of anonymous devices is full",
                ENODEV="the kernel knows no filesystem type filesystemtype",
                ENOMEM="the kernel could not allocate memory to copy the paths or data",
                ENOTBLK="the filesystem needs a block device and source is not one",
                ENOTDIR="target, or a directory of source, is not a directory",
                ENXIO="the major number of the block device source is out of range",
                EPERM=_NOT_PRIVILEGED + ", or a flag of a locked mount was to be changed",
                EROFS="a read-only filesystem was to be mounted without MS_RDONLY",
            ),
            doc="Attach the filesystem source (a device, a directory with MS_BIND, or a name "
                "such as 'proc' or 'tmpfs') of type filesystemtype on the directory target; "
                "with MS_REMOUNT, MS_BIND, MS_MOVE or a propagation flag (MS_PRIVATE | "
                "MS_REC ...) change an existing mount instead.  data: the filesystem's "
                "options as a str or bytes ('size=1m'), or None.",
        ),
        Function(
            "int umount(const char *target);", man="umount(2)", stdlib=None,
            convert=convert_target("umount"),
            errors=dict(
                BAD_POINTER,
                **PATH_LOOKUP,
                EBUSY="something still uses the filesystem on target (an open file, a "
                      "working directory, a mount under it)",
                EINVAL="target is not a mount point, or it is locked",
                ENOMEM="the kernel could not allocate memory to copy the path",
                EPERM=_NOT_PRIVILEGED,
            ),
            doc="Detach the filesystem mounted on target (umount2 with flags 0).",
        ),
        Function(
            "int umount2(const char *target, int flags);", man="umount(2)", stdlib=None,
            convert=convert_target("umount2"), defaults={"flags": 0},
            errors=dict(
                BAD_POINTER,
                **PATH_LOOKUP,
                EAGAIN="MNT_EXPIRE marked an unused mount as expired; a second call detaches it",
                EBUSY="something still uses the filesystem on target and flags does not say "
                      "MNT_DETACH",
                EINVAL="target is not a mount point or is locked, flags holds an unknown bit, "
                       "or MNT_EXPIRE comes with MNT_DETACH or MNT_FORCE",
                ENOMEM="the kernel could not allocate memory to copy the path",
                EPERM=_NOT_PRIVILEGED,
            ),
            doc="Detach the filesystem mounted on target; flags: MNT_DETACH (lazily, once "
                "unused), MNT_FORCE, MNT_EXPIRE, UMOUNT_NOFOLLOW.",
        ),
    ],
)
