"""<unistd.h>: file descriptors, pipes, reading and writing, seeking, syncing and pause."""

from glibc._spec import Family, Function, Type, names
from glibc.families._reasons import BAD_POINTER, INTERRUPTED, NEW_FD, SEALED, WRITEBACK

_PIPE = dict(
    BAD_POINTER,
    EMFILE=NEW_FD["EMFILE"],
    ENFILE="the system-wide limit on open files, or the user's limit on pipe memory, "
           "has been reached",
)

_DUP2 = dict(
    INTERRUPTED,
    EBADF="oldfd is not an open file descriptor, or newfd is outside the allowed range",
    EBUSY="the kernel was in the middle of opening newfd at the same time (try again)",
    EMFILE=NEW_FD["EMFILE"],
)

_WRITE = dict(
    BAD_POINTER,
    **INTERRUPTED,
    EAGAIN="fd is non-blocking and the write would have to wait",
    EBADF="fd is not a valid file descriptor open for writing",
    EDQUOT="a disk quota was exceeded",
    EFBIG="the write would go past the largest size allowed for the file or for this process",
    EINVAL="fd cannot be written, or buf, count or the offset is misaligned for O_DIRECT",
    EIO="an I/O error happened while the inode was being updated",
    ENOSPC="the device holding the file is full",
    EPERM=SEALED,
    EPIPE="the pipe or socket has no reader any more (SIGPIPE is sent too, unless ignored)",
)

_PREAD = dict(
    BAD_POINTER,
    **INTERRUPTED,
    EAGAIN="fd is non-blocking and no data is ready",
    EBADF="fd is not a valid file descriptor open for reading",
    EINVAL="fd cannot be read, buf, count or offset is misaligned for O_DIRECT, or offset "
           "is negative",
    EIO="an I/O error happened while reading",
    EISDIR="fd refers to a directory",
    ENXIO="offset lies outside the range the device allows",
    EOVERFLOW="offset would not fit in off_t once the read is done",
    ESPIPE="fd is a pipe, a FIFO or a socket: it has no file offset",
)

_SYNC = dict(
    WRITEBACK,
    EBADF="fd is not a valid file descriptor",
    EINVAL="fd refers to something that cannot be synced (a pipe, a socket, a special file)",
    EROFS="fd refers to something that cannot be synced (a pipe, a socket, a special file)",
)

FAMILY = Family(
    "unistd",
    headers=["<unistd.h>", "<limits.h>", "<sys/select.h>"],
    doc="file descriptors, pipes, reading and writing, seeking, syncing and waiting for a signal",
    types=[
        Type("off_t", "typedef int... off_t;", man="off_t(3type)"),
        Type("off64_t", "typedef int... off64_t;", man="off_t(3type)"),
    ],
    # Linux 5.9; glibc's headers name them since 2.34.
    kernel_abi={"CLOSE_RANGE_UNSHARE": "(1U << 1)", "CLOSE_RANGE_CLOEXEC": "(1U << 2)"},
    constants=names("""
        PIPE_BUF FD_SETSIZE
        SEEK_SET SEEK_CUR SEEK_END SEEK_DATA SEEK_HOLE
        CLOSE_RANGE_UNSHARE CLOSE_RANGE_CLOEXEC
    """),
    functions=[
        Function("int pipe(int pipefd[2]);", man="pipe(2)", stdlib="os.pipe", errors=_PIPE,
                 doc="Store a new pipe's read end in pipefd[0] and write end in pipefd[1]."),
        Function("int pipe2(int pipefd[2], int flags);", man="pipe2(2)", stdlib="os.pipe2",
                 errors=dict(_PIPE, EINVAL="flags holds an unknown bit",
                             ENOPKG="O_NOTIFICATION_PIPE was asked for and this kernel lacks it"),
                 doc="pipe() with flags: O_CLOEXEC, O_NONBLOCK, O_DIRECT."),
        Function("int dup(int oldfd);", man="dup(2)", stdlib="os.dup",
                 errors={"EBADF": "oldfd is not an open file descriptor",
                         "EMFILE": NEW_FD["EMFILE"]},
                 doc="Return a new descriptor, the lowest free one, for the file of oldfd."),
        Function("int dup2(int oldfd, int newfd);", man="dup2(2)", errors=_DUP2, eintr="retry",
                 stdlib="os.dup2",
                 doc="Make newfd refer to the file of oldfd, closing newfd first if open.",
                 hazard="fds"),
        Function("int dup3(int oldfd, int newfd, int flags);", man="dup3(2)",
                 stdlib="os.dup2 (inheritable=False)",
                 errors=dict(_DUP2, EINVAL="oldfd equals newfd, or flags holds a bit other "
                                           "than O_CLOEXEC"),
                 eintr="retry", doc="dup2() with flags (O_CLOEXEC).",
                 hazard="fds"),
        Function(
            "ssize_t read(int fd, void *buf, size_t count);",
            man="read(2)", sizes={"buf": "count"}, blocking=True, stdlib="os.readv",
            errors=dict(
                BAD_POINTER,
                **INTERRUPTED,
                EAGAIN="fd is non-blocking and no data is ready",
                EBADF="fd is not a valid file descriptor open for reading",
                EINVAL="fd cannot be read, buf or count is misaligned for O_DIRECT, or buf is "
                       "too small for what fd returns (8 bytes for a timerfd or an eventfd)",
                EIO="an I/O error, or a read of the controlling terminal from a background "
                    "process group",
                EISDIR="fd refers to a directory",
            ),
            doc="Read up to count bytes (None: all of buf) straight into buf, any writable "
                "buffer or cdata, without a copy; return how many were read.",
        ),
        Function(
            "int close(int fd);", man="close(2)", eintr="ignore", stdlib="os.close",
            errors={
                "EBADF": "fd is not an open file descriptor",
                "EIO": "an I/O error happened while flushing the file",
                "ENOSPC": "storage ran out while flushing (on NFS, say)",
                "EDQUOT": "a disk quota was exceeded while flushing (on NFS, say)",
            },
            doc="Close fd.  EINTR is success: Linux has closed fd by then, so it is never retried.",
            hazard="fds",
        ),
        Function(
            "ssize_t write(int fd, const void *buf, size_t count);",
            man="write(2)", sizes={"buf": "count"}, blocking=True, errors=_WRITE,
            stdlib="os.write",
            doc="Write up to count bytes (None: all of buf) of any buffer or cdata; return "
                "how many were written.",
        ),
        Function(
            "ssize_t pread(int fd, void *buf, size_t count, off_t offset);",
            man="pread(2)", sizes={"buf": "count"}, blocking=True, errors=_PREAD,
            stdlib="os.preadv",
            doc="read() at offset, straight into buf, leaving the file offset where it was.",
        ),
        Function(
            "ssize_t pwrite(int fd, const void *buf, size_t count, off_t offset);",
            man="pwrite(2)", sizes={"buf": "count"}, blocking=True,
            errors=dict(_WRITE, ESPIPE="fd is a pipe, a FIFO or a socket: it has no file "
                                       "offset",
                        EINVAL="fd cannot be written, offset is negative, or buf, count or "
                               "offset is misaligned for O_DIRECT",
                        ENXIO="offset lies outside the range the device allows",
                        EOVERFLOW="offset would not fit in off_t once the write is done"),
            stdlib="os.pwrite",
            doc="write() at offset, leaving the file offset where it was.  With O_APPEND "
                "Linux appends whatever offset says.",
        ),
        Function(
            "off_t lseek(int fd, off_t offset, int whence);", man="lseek(2)", stdlib="os.lseek",
            errors={
                "EBADF": "fd is not an open file descriptor",
                "EINVAL": "whence is unknown, or the new offset would be negative or "
                          "past what the device allows",
                "ENXIO": "SEEK_DATA or SEEK_HOLE: offset is at or past the end of the file, "
                         "or SEEK_DATA found no data after it",
                "EOVERFLOW": "the new offset does not fit in off_t",
                "ESPIPE": "fd is a pipe, a FIFO or a socket: it has no file offset",
            },
            doc="Move the file offset (SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA, SEEK_HOLE) "
                "and return the new one.",
        ),
        Function("int ftruncate(int fd, off_t length);", man="ftruncate(2)", eintr="retry",
                 stdlib="os.ftruncate",
                 errors={
                     "EBADF": "fd is not a valid file descriptor open for writing",
                     "EFBIG": "length is past the largest size the file may have",
                     "EINTR": INTERRUPTED["EINTR"],
                     "EINVAL": "length is negative or too large, or fd is not a regular file "
                               "or shared memory object open for writing",
                     "EIO": "an I/O error happened while the inode was being updated",
                     "EPERM": SEALED,
                     "EROFS": "the file is on a read-only file system",
                     "ETXTBSY": "the file is a swap file in use",
                 },
                 doc="Cut the file to length bytes, or extend it with zeros."),
        Function("int fsync(int fd);", man="fsync(2)", errors=_SYNC, stdlib="os.fsync",
                 doc="Write the file's data and metadata to the device and wait until it is "
                     "done."),
        Function("int fdatasync(int fd);", man="fdatasync(2)", errors=_SYNC,
                 stdlib="os.fdatasync",
                 doc="fsync() without the metadata that a later read does not need "
                     "(timestamps)."),
        Function("int syncfs(int fd);", man="syncfs(2)", stdlib=None,
                 errors=dict(WRITEBACK, EBADF="fd is not a valid file descriptor"),
                 doc="Write back everything of the file system that holds fd (os.sync() "
                     "does it for every file system)."),
        Function(
            "int close_range(unsigned int first, unsigned int last, unsigned int flags);",
            syscall=True, glibc="2.34", linux="5.9",
            man="close_range(2)", stdlib="os.closerange (no flags)",
            errors={
                "EINVAL": "flags holds an unknown bit, or first is greater than last",
                "EMFILE": "CLOSE_RANGE_UNSHARE: the fds kept would exceed the limit on "
                          "open files",
                "ENOMEM": "CLOSE_RANGE_UNSHARE: the kernel could not allocate the new fd "
                          "table",
            },
            doc="Close every open fd from first to last (both included; last may be "
                "0xFFFFFFFF, ~0U in C).  CLOSE_RANGE_CLOEXEC marks them close-on-exec instead; "
                "CLOSE_RANGE_UNSHARE first gives this thread its own fd table.",
            hazard=("fds", "process"),
        ),
        Function("int pause(void);", man="pause(2)", eintr="return", blocking=True,
                 stdlib="signal.pause",
                 errors={"EINTR": "a signal arrived and its handler returned: how pause ends"},
                 doc="Wait for a signal that runs a handler; Python's handlers have run "
                     "(and may have raised) when it returns -1."),
    ],
)
