"""<fcntl.h>, <sys/file.h>: open flags, fcntl(2) commands, file locks, advice and space
allocation."""

from typing import Any, Dict, Optional, Tuple

from glibc._arguments import index_of, read_only_view
from glibc._spec import Args, Family, Function, Type, names
from glibc.families._cstring import c_strings
from glibc.families._reasons import (
    BAD_POINTER,
    INTERRUPTED,
    NEW_FD,
    PATH_LOOKUP,
    SEALED,
    WRITEBACK,
)

# Commands whose third argument is a pointer: command -> (what it points
# at, whether the kernel writes it).  Every other command takes a number.
POINTER_COMMANDS = {
    "F_GETLK": ("struct flock", True),
    "F_SETLK": ("struct flock", False),
    "F_SETLKW": ("struct flock", False),
    "F_GETLK64": ("struct flock", True),
    "F_SETLK64": ("struct flock", False),
    "F_SETLKW64": ("struct flock", False),
    "F_OFD_GETLK": ("struct flock", True),
    "F_OFD_SETLK": ("struct flock", False),
    "F_OFD_SETLKW": ("struct flock", False),
    "F_GETOWN_EX": ("struct f_owner_ex", True),
    "F_SETOWN_EX": ("struct f_owner_ex", False),
    "F_GET_RW_HINT": ("uint64_t", True),
    "F_SET_RW_HINT": ("uint64_t", False),
    "F_GET_FILE_RW_HINT": ("uint64_t", True),
    "F_SET_FILE_RW_HINT": ("uint64_t", False),
}

_pointers: Optional[Dict[int, Tuple[str, Any, bool]]] = None


def _pointer_map(ffi: Any, lib: Any) -> Dict[int, Tuple[str, Any, bool]]:
    global _pointers
    if _pointers is None:
        # F_GETLK64 is F_GETLK where off_t is 64 bits: keyed by value, first name kept.
        _pointers = {}
        for name, (ctype, writes) in POINTER_COMMANDS.items():
            _pointers.setdefault(getattr(lib, name), (name, ffi.typeof(ctype), writes))
    return _pointers


def convert_fcntl(ffi: Any, lib: Any, args: Args) -> Tuple[Args, Any]:
    """A number for the integer commands; a typed cdata, checked, for the pointer ones.

    Returns the arguments for C and the cdata that must outlive the call.
    """
    fd, cmd, arg = args
    # The command C gets decides what arg is: read it as C will.
    cmd = index_of("fcntl", "cmd", cmd)
    spec = _pointer_map(ffi, lib).get(cmd)
    if spec is None:
        try:
            arg = index_of("fcntl", "arg", arg)
        except TypeError:
            raise TypeError("fcntl: arg must be an int for command %r, not %s"
                            % (cmd, type(arg).__name__)) from None
        # An int or an unsigned int in C (DN_MULTISHOT is 0x80000000).
        if not -2**31 <= arg < 2**32:
            raise OverflowError("fcntl: arg: %d does not fit in a C int" % arg)
        return (fd, cmd, arg), ()
    name, item, writes = spec
    ctype = ffi.typeof(arg) if isinstance(arg, ffi.CData) else None
    if ctype is None or ctype.kind not in ("pointer", "array") or ctype.item is not item:
        raise TypeError("fcntl: arg of %s must be a '%s *' cdata, not %s"
                        % (name, item.cname, ctype.cname if ctype else type(arg).__name__))
    if arg == ffi.NULL:
        raise ValueError("fcntl: arg of %s must not be NULL" % name)
    owner = read_only_view(ffi, arg) if writes else None
    if owner is not None:
        raise TypeError("fcntl: arg of %s must not be a cdata of read-only memory (%s): the "
                        "kernel writes there" % (name, type(owner).__name__))
    return (fd, cmd, int(ffi.cast("intptr_t", arg))), (arg,)


_RANGE = {
    "EBADF": "fd is not a valid file descriptor open for writing",
    "EFBIG": "offset + len is past the largest size the file may have",
    "EINTR": INTERRUPTED["EINTR"],
    "EINVAL": "offset is negative, len is not positive, or mode does not fit this range "
              "(COLLAPSE_RANGE and INSERT_RANGE need block-aligned ranges inside the file)",
    "EIO": "an I/O error happened while the file was read or written",
    "ENODEV": "fd is not a regular file or a directory",
    "ENOSPC": "the device holding the file is full",
    "EOPNOTSUPP": "the file system does not support this mode",
    "EPERM": "the file is immutable or append-only, or " + SEALED,
    "ESPIPE": "fd is a pipe or a FIFO",
    "ETXTBSY": "the file is a swap file in use",
}

FAMILY = Family(
    "fcntl",
    headers=["<fcntl.h>", "<sys/file.h>"],
    doc="open(2) flags, fcntl(2) commands and locks, file advice and space allocation",
    types=[
        Type("mode_t", "typedef int... mode_t;", man="mode_t(3type)"),
        # flock is also the function flock(2): the struct is struct_flock here.  pid_t
        # is declared by the wait family, later in ORDER; it is an int on Linux, and
        # cffi and the layout tests check the field's size against the header's.
        Type("struct_flock", """struct flock { short l_type; short l_whence; off_t l_start;
                                        off_t l_len; pid_t l_pid; ...; };""", man="fcntl(2)"),
        # type is an enum __pid_type (F_OWNER_TID, ...), an int as far as C's layout goes.
        Type("f_owner_ex", "struct f_owner_ex { int type; pid_t pid; ...; };", man="fcntl(2)"),
    ],
    # glibc's headers before 2.32 name only RWF_WRITE_LIFE_NOT_SET.
    kernel_abi={"RWH_WRITE_LIFE_NOT_SET": "0"},
    constants=names("""
        O_ACCMODE O_RDONLY O_WRONLY O_RDWR O_CREAT O_EXCL O_NOCTTY O_TRUNC O_APPEND
        O_NONBLOCK O_NDELAY O_SYNC O_FSYNC O_ASYNC O_LARGEFILE O_DIRECTORY O_NOFOLLOW
        O_CLOEXEC O_DIRECT O_NOATIME O_PATH O_TMPFILE O_DSYNC O_RSYNC
        F_DUPFD F_DUPFD_CLOEXEC F_GETFD F_SETFD FD_CLOEXEC F_GETFL F_SETFL
        F_GETLK F_SETLK F_SETLKW F_GETLK64 F_SETLK64 F_SETLKW64
        F_OFD_GETLK F_OFD_SETLK F_OFD_SETLKW F_RDLCK F_WRLCK F_UNLCK F_EXLCK F_SHLCK
        F_GETOWN F_SETOWN F_GETOWN_EX F_SETOWN_EX F_OWNER_TID F_OWNER_PID F_OWNER_PGRP
        F_OWNER_GID F_GETSIG F_SETSIG F_GETLEASE F_SETLEASE F_NOTIFY
        DN_ACCESS DN_MODIFY DN_CREATE DN_DELETE DN_RENAME DN_ATTRIB DN_MULTISHOT
        F_SETPIPE_SZ F_GETPIPE_SZ F_ADD_SEALS F_GET_SEALS
        F_SEAL_SEAL F_SEAL_SHRINK F_SEAL_GROW F_SEAL_WRITE F_SEAL_FUTURE_WRITE
        F_GET_RW_HINT F_SET_RW_HINT F_GET_FILE_RW_HINT F_SET_FILE_RW_HINT
        RWH_WRITE_LIFE_NOT_SET RWH_WRITE_LIFE_NONE RWH_WRITE_LIFE_SHORT
        RWH_WRITE_LIFE_MEDIUM RWH_WRITE_LIFE_LONG RWH_WRITE_LIFE_EXTREME RWF_WRITE_LIFE_NOT_SET
        LOCK_SH LOCK_EX LOCK_NB LOCK_UN
        AT_FDCWD AT_SYMLINK_NOFOLLOW AT_REMOVEDIR AT_SYMLINK_FOLLOW AT_NO_AUTOMOUNT
        AT_EMPTY_PATH AT_RECURSIVE AT_EACCESS AT_STATX_SYNC_TYPE AT_STATX_SYNC_AS_STAT
        AT_STATX_FORCE_SYNC AT_STATX_DONT_SYNC
        POSIX_FADV_NORMAL POSIX_FADV_RANDOM POSIX_FADV_SEQUENTIAL POSIX_FADV_WILLNEED
        POSIX_FADV_DONTNEED POSIX_FADV_NOREUSE
        FALLOC_FL_KEEP_SIZE FALLOC_FL_PUNCH_HOLE FALLOC_FL_NO_HIDE_STALE
        FALLOC_FL_COLLAPSE_RANGE FALLOC_FL_ZERO_RANGE FALLOC_FL_INSERT_RANGE
        FALLOC_FL_UNSHARE_RANGE
        SYNC_FILE_RANGE_WAIT_BEFORE SYNC_FILE_RANGE_WRITE SYNC_FILE_RANGE_WAIT_AFTER
        SYNC_FILE_RANGE_WRITE_AND_WAIT
        S_IFMT S_IFDIR S_IFCHR S_IFBLK S_IFREG S_IFIFO S_IFLNK S_IFSOCK
        S_ISUID S_ISGID S_ISVTX S_IRWXU S_IRUSR S_IWUSR S_IXUSR S_IRWXG S_IRGRP S_IWGRP
        S_IXGRP S_IRWXO S_IROTH S_IWOTH S_IXOTH
    """),
    # Newer than glibc 2.36 or than Linux 6.1's headers.
    optional=names("""
        O_NOTIFICATION_PIPE F_SEAL_EXEC F_DUPFD_QUERY F_CREATED_QUERY
        AT_HANDLE_FID AT_HANDLE_MNT_ID_UNIQUE AT_HANDLE_CONNECTABLE
        FALLOC_FL_ALLOCATE_RANGE FALLOC_FL_WRITE_ZEROES
    """),
    functions=[
        Function(
            "int fcntl(int fd, int cmd, intptr_t arg);",
            man="fcntl(2)",
            cdef="int glibc_fcntl(int fd, int cmd, intptr_t arg);",
            symbol="glibc_fcntl",
            defaults={"arg": 0},
            convert=convert_fcntl,
            accepts={"arg": "Union[int, _Pointer]"},
            blocking=True,  # F_SETLKW and F_OFD_SETLKW wait for the lock
            stdlib="fcntl.fcntl",
            errors=dict(
                BAD_POINTER,
                EACCES="a conflicting lock is held by another process (F_SETLK)",
                EAGAIN="a conflicting lock is held (F_SETLK, F_OFD_SETLK), or the file is "
                       "mapped and a lease or F_SEAL_WRITE cannot be had",
                EBADF="fd is not open, or not open for the access the lock type needs",
                EBUSY="F_SETPIPE_SZ: the pipe holds more than the new size, or F_ADD_SEALS: "
                      "F_SEAL_WRITE while the file has shared writable mappings",
                EDEADLK="F_SETLKW: waiting for this lock would deadlock",
                EINTR="a signal interrupted the wait for a lock",
                EINVAL="cmd is unknown to this kernel, or arg is out of range for it (a "
                       "bad seal or signal number, an fd past the limit, l_pid not 0 for "
                       "an OFD lock), or the file does not support seals",
                EMFILE="F_DUPFD: " + NEW_FD["EMFILE"],
                ENOLCK="the lock table is full, or a lock over NFS failed",
                ENOTDIR="F_NOTIFY: fd is not a directory",
                EPERM="F_SETPIPE_SZ: over the unprivileged pipe size or memory limit; "
                      "F_SETFL: O_APPEND cannot be cleared on an append-only file; "
                      "F_ADD_SEALS: fd is not writable or F_SEAL_SEAL is set",
                ESRCH="F_SETOWN: no process or process group has that id",
            ),
            doc="Do one fcntl command.  arg is a number for the integer commands and, for "
                "those that take a pointer, a cdata of the type they read or write, checked "
                "before the call: a glibc.struct_flock() for F_GETLK, F_SETLK, F_SETLKW and the "
                "F_OFD_* locks, a glibc.f_owner_ex() for F_GETOWN_EX/F_SETOWN_EX, a "
                "'uint64_t *' for the read/write hints.",
            hazard="others",
        ),
        Function(
            "int flock(int fd, int operation);",
            man="flock(2)", blocking=True, stdlib="fcntl.flock",
            errors=dict(
                INTERRUPTED,
                EAGAIN="LOCK_NB and another open file description holds a conflicting lock",
                EBADF="fd is not an open file descriptor",
                EINVAL="operation is not LOCK_SH, LOCK_EX or LOCK_UN (with LOCK_NB or not)",
                ENOLCK="the kernel has no memory left for lock records",
            ),
            doc="Take (LOCK_SH, LOCK_EX) or drop (LOCK_UN) a whole-file lock that belongs to "
                "the open file description: LOCK_NB fails rather than wait.",
        ),
        Function(
            "int openat(int dirfd, const char *pathname, int flags, mode_t mode);",
            man="openat(2)",
            # openat is variadic in <fcntl.h>; the shim always passes mode.
            cdef="int glibc_openat(int dirfd, const char *pathname, int flags, mode_t mode);",
            symbol="glibc_openat",
            defaults={"mode": 0o777},
            convert=c_strings("openat", pathname=1),
            blocking=True,  # opening a FIFO waits for the other end
            stdlib="os.open (dir_fd=)",
            errors=dict(
                BAD_POINTER,
                **PATH_LOOKUP,
                **INTERRUPTED,
                EBADF="pathname is relative and dirfd is neither AT_FDCWD nor an open fd",
                EBUSY="O_EXCL on a block device that is in use",
                EDQUOT="the file would be created past the user's disk quota",
                EEXIST="O_CREAT | O_EXCL and pathname already exists",
                EFBIG="the file is too large to be opened without O_LARGEFILE",
                EINVAL="flags hold an invalid combination (O_TMPFILE without write access, "
                       "O_DIRECT on a file system without it) or the name is invalid here",
                EISDIR="pathname is a directory and write access or O_TMPFILE was asked for",
                EMFILE=NEW_FD["EMFILE"],
                ENFILE=NEW_FD["ENFILE"],
                ENODEV="pathname is a device file with no device behind it",
                ENOMEM="the kernel is out of memory (or a FIFO's buffer could not be had)",
                ENOSPC="the file would be created on a full device",
                ENXIO="a FIFO opened O_WRONLY | O_NONBLOCK has no reader, or the device "
                      "or socket cannot be opened",
                EOPNOTSUPP="the file system does not support O_TMPFILE",
                EOVERFLOW="the file is too large to be opened without O_LARGEFILE",
                EPERM="O_NOATIME on a file the caller does not own, or " + SEALED,
                EROFS="write access was asked for on a read-only file system",
                ETXTBSY="write access was asked for on a running executable or a swap file",
                EAGAIN="O_NONBLOCK and the file holds an incompatible lease",
            ),
            doc="Open pathname (str, bytes or os.PathLike) relative to dirfd (AT_FDCWD: the "
                "current directory); mode (default 0o777, less the umask) is used only with "
                "O_CREAT or O_TMPFILE.  Returns the new fd; add O_CLOEXEC to keep it from "
                "children.",
        ),
        Function(
            "int posix_fadvise(int fd, off_t offset, off_t len, int advice);",
            man="posix_fadvise(2)", convention="errnum", stdlib="os.posix_fadvise",
            errors={
                "EBADF": "fd is not a valid file descriptor",
                "EINVAL": "advice is unknown, or len is negative",
                "ESPIPE": "fd is a pipe or a FIFO",
            },
            doc="Say how the range will be read (POSIX_FADV_SEQUENTIAL, _WILLNEED, "
                "_DONTNEED, ...); len 0 means to the end of the file.",
        ),
        Function(
            "int posix_fallocate(int fd, off_t offset, off_t len);",
            man="posix_fallocate(3)", convention="errnum", stdlib="os.posix_fallocate",
            errors={
                "EBADF": "fd is not a valid file descriptor open for writing",
                "EFBIG": "offset + len is past the largest size the file may have",
                "EINTR": INTERRUPTED["EINTR"],
                "EINVAL": "offset is negative or len is not positive",
                "ENODEV": "fd is not a regular file",
                "ENOSPC": "the device holding the file is full",
                "EOPNOTSUPP": "the file system cannot allocate space, and fd was opened "
                              "with O_APPEND so glibc cannot write zeros instead",
                "ESPIPE": "fd is a pipe or a FIFO",
            },
            doc="Make sure the range has disk space, growing the file if needed.",
        ),
        Function(
            "int fallocate(int fd, int mode, off_t offset, off_t len);",
            man="fallocate(2)", eintr="retry", stdlib=None,
            errors=dict(_RANGE, ENOSYS="this kernel has no fallocate()"),
            doc="Allocate (mode 0), keep the size (FALLOC_FL_KEEP_SIZE), punch a hole "
                "(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE), zero, collapse or insert a "
                "range of the file.",
        ),
        Function(
            "ssize_t readahead(int fd, off64_t offset, size_t count);",
            man="readahead(2)", stdlib=None,
            errors={
                "EBADF": "fd is not a valid file descriptor open for reading",
                "EINVAL": "fd is not a file readahead works on (a pipe, a socket, a "
                          "directory, ...)",
            },
            doc="Start reading the range into the page cache and return at once (0).",
        ),
        Function(
            "int sync_file_range(int fd, off64_t offset, off64_t nbytes, unsigned int flags);",
            man="sync_file_range(2)", stdlib=None,
            errors=dict(
                EBADF="fd is not a valid file descriptor",
                EINVAL="flags hold an unknown bit, or offset or nbytes is negative or "
                       "too large",
                EIO=WRITEBACK["EIO"],
                ENOMEM="the kernel is out of memory",
                ENOSPC=WRITEBACK["ENOSPC"],
                ESPIPE="fd is not a regular file, a block device or a directory",
            ),
            doc="Start or wait for the write-back of a range (SYNC_FILE_RANGE_*; nbytes 0 "
                "means to the end).  It syncs no metadata and guarantees nothing after a "
                "crash: fdatasync() does.",
        ),
    ],
    source='#include "glibc_fcntl.h"',
)
