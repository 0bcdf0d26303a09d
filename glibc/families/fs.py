"""<linux/openat2.h>, <stdio.h>, <sys/stat.h>: opening with resolution rules, renaming with
flags, and statx."""

from typing import Any, Tuple

from glibc._spec import Args, Family, Function, Type, names
from glibc.families._cstring import c_strings
from glibc.families._reasons import BAD_POINTER, INTERRUPTED, NEW_FD, PATH_LOOKUP

_openat2_path = c_strings("openat2", pathname=1)


def convert_openat2(ffi: Any, lib: Any, args: Args) -> Tuple[Args, Any]:
    """pathname as a C string; how as a cdata, or a dict of its fields.

    The wrapper then checks size (None: the size of how) against how:
    the kernel reads size bytes of it.
    """
    (dirfd, pathname, how, size), keep = _openat2_path(ffi, lib, args)
    if isinstance(how, dict):
        try:
            how = ffi.new("struct open_how *", how)
        except (TypeError, OverflowError) as exc:
            raise type(exc)("openat2: how: %s" % exc) from None
        except KeyError as exc:  # cffi's word for a field the struct lacks: a wrong argument
            raise TypeError("openat2: how: 'struct open_how' has no field %s" % exc) from None
        keep.append(how)
    return (dirfd, pathname, how, size), keep


FAMILY = Family(
    "fs",
    headers=["<linux/openat2.h>", "<stdio.h>", "<sys/stat.h>"],
    doc="openat2 and its RESOLVE_* rules, renameat2 and its RENAME_* flags, statx",
    types=[
        Type("open_how", "struct open_how { uint64_t flags; uint64_t mode; uint64_t resolve; "
                         "...; };", man="open_how(2type)"),
        Type("statx_timestamp", "struct statx_timestamp { int64_t tv_sec; uint32_t tv_nsec; "
                                "...; };", man="statx(2)"),
        # The function has the name statx; the struct is struct_statx here.
        Type("struct_statx", """struct statx {
            uint32_t stx_mask; uint32_t stx_blksize; uint64_t stx_attributes;
            uint32_t stx_nlink; uint32_t stx_uid; uint32_t stx_gid; uint16_t stx_mode;
            uint64_t stx_ino; uint64_t stx_size; uint64_t stx_blocks;
            uint64_t stx_attributes_mask;
            struct statx_timestamp stx_atime; struct statx_timestamp stx_btime;
            struct statx_timestamp stx_ctime; struct statx_timestamp stx_mtime;
            uint32_t stx_rdev_major; uint32_t stx_rdev_minor;
            uint32_t stx_dev_major; uint32_t stx_dev_minor; uint64_t stx_mnt_id; ...; };""",
             man="statx(2)"),
    ],
    # Linux 6.1; glibc's headers have it from Linux's own <linux/stat.h>.
    kernel_abi={"STATX_DIOALIGN": "0x00002000U"},
    constants=names("""
        RESOLVE_NO_XDEV RESOLVE_NO_MAGICLINKS RESOLVE_NO_SYMLINKS RESOLVE_BENEATH
        RESOLVE_IN_ROOT RESOLVE_CACHED
        RENAME_NOREPLACE RENAME_EXCHANGE RENAME_WHITEOUT
        STATX_TYPE STATX_MODE STATX_NLINK STATX_UID STATX_GID STATX_ATIME STATX_MTIME
        STATX_CTIME STATX_INO STATX_SIZE STATX_BLOCKS STATX_BASIC_STATS STATX_BTIME
        STATX_ALL STATX_MNT_ID STATX_DIOALIGN STATX__RESERVED
        STATX_ATTR_COMPRESSED STATX_ATTR_IMMUTABLE STATX_ATTR_APPEND STATX_ATTR_NODUMP
        STATX_ATTR_ENCRYPTED STATX_ATTR_AUTOMOUNT STATX_ATTR_MOUNT_ROOT STATX_ATTR_VERITY
        STATX_ATTR_DAX
    """),
    # Newer than Linux 6.1's headers.
    optional=names("""
        STATX_MNT_ID_UNIQUE STATX_SUBVOL STATX_WRITE_ATOMIC STATX_DIO_READ_ALIGN
        STATX_ATTR_WRITE_ATOMIC
    """),
    functions=[
        Function(
            "int openat2(int dirfd, const char *pathname, const struct open_how *how, "
            "size_t size);",
            man="openat2(2)", linux="5.6", glibc="2.42",
            # No glibc wrapper before 2.42: the shim makes the system call.
            cdef="int glibc_openat2(int dirfd, const char *pathname, "
                 "const struct open_how *how, size_t size);",
            symbol="glibc_openat2",
            defaults={"size": None},
            sizes={"how": "size"},
            units={"size": "bytes"},
            convert=convert_openat2,
            accepts={"how": "Union[_Pointer, dict[str, int]]"},
            blocking=True,  # opening a FIFO waits for the other end
            stdlib=None,
            errors=dict(
                dict(BAD_POINTER, **PATH_LOOKUP, **INTERRUPTED),
                E2BIG="size is larger than this kernel's struct open_how and the extra "
                      "bytes are not all zero",
                EAGAIN="RESOLVE_CACHED and the lookup needs more than the cache, or "
                       "RESOLVE_BENEATH/RESOLVE_IN_ROOT and a rename raced with the lookup",
                EBADF="pathname is relative and dirfd is neither AT_FDCWD nor an open fd",
                EEXIST="O_CREAT | O_EXCL and pathname already exists",
                EINVAL="how holds an unknown flag or resolve bit, a mode without O_CREAT or "
                       "O_TMPFILE, or size is smaller than any struct open_how",
                EISDIR="pathname is a directory and write access or O_TMPFILE was asked for",
                ELOOP="a symbolic link was met under RESOLVE_NO_SYMLINKS, a magic link under "
                      "RESOLVE_NO_MAGICLINKS, or too many links",
                EMFILE=NEW_FD["EMFILE"],
                ENFILE=NEW_FD["ENFILE"],
                EXDEV="the path escapes dirfd under RESOLVE_BENEATH/RESOLVE_IN_ROOT, or "
                      "crosses a mount under RESOLVE_NO_XDEV",
            ),
            doc="openat() with how: a glibc.open_how() or a dict of its fields (flags, mode, "
                "resolve: RESOLVE_BENEATH, RESOLVE_IN_ROOT, RESOLVE_NO_SYMLINKS, ...); unknown "
                "flags are errors here, not ignored.  size None is the size of how.",
        ),
        Function(
            "int renameat2(int olddirfd, const char *oldpath, int newdirfd, "
            "const char *newpath, unsigned int flags);",
            man="renameat2(2)", convert=c_strings("renameat2", oldpath=1, newpath=3),
            stdlib="os.rename (no flags)",
            errors=dict(
                BAD_POINTER,
                **PATH_LOOKUP,
                EBADF="a path is relative and its dirfd is neither AT_FDCWD nor an open fd",
                EBUSY="oldpath or newpath is a directory in use (a mount point, a root)",
                EDQUOT="the user's disk quota is used up",
                EEXIST="RENAME_NOREPLACE and newpath exists, or newpath is a non-empty "
                       "directory",
                EINVAL="flags hold an unknown bit, RENAME_EXCHANGE with RENAME_NOREPLACE or "
                       "RENAME_WHITEOUT, a flag the file system lacks, or a directory moved "
                       "into itself",
                EISDIR="newpath is a directory and oldpath is not",
                EMLINK="oldpath has as many links as allowed, or its new directory does",
                ENOMEM="the kernel is out of memory",
                ENOSPC="the device has no room for the new entry",
                ENOTEMPTY="newpath is a non-empty directory",
                EPERM="the sticky bit or the file's attributes forbid it, or RENAME_WHITEOUT "
                      "without CAP_MKNOD",
                EROFS="the file system is read-only",
                EXDEV="oldpath and newpath are on different mounts",
            ),
            doc="renameat() with flags: RENAME_NOREPLACE fails rather than replace newpath, "
                "RENAME_EXCHANGE swaps the two names atomically, RENAME_WHITEOUT leaves a "
                "whiteout (overlay file systems).",
        ),
        Function(
            "int statx(int dirfd, const char *pathname, int flags, unsigned int mask, "
            "struct statx *statxbuf);",
            man="statx(2)", convert=c_strings("statx", pathname=1),
            stdlib="os.stat (no btime, mount id or attributes)",
            errors=dict(
                BAD_POINTER,
                **PATH_LOOKUP,
                EBADF="pathname is relative (or empty with AT_EMPTY_PATH) and dirfd is "
                      "neither AT_FDCWD nor an open fd",
                EINVAL="flags hold an unknown bit, or mask holds STATX__RESERVED",
                ENOMEM="the kernel is out of memory",
            ),
            doc="Fill statxbuf (a glibc.struct_statx()) with what mask asks for "
                "(STATX_BASIC_STATS, STATX_BTIME, ...); stx_mask says what the file system "
                "filled in.  pathname '' with AT_EMPTY_PATH describes dirfd itself.",
        ),
    ],
    source='#include "glibc_fs.h"',
)
