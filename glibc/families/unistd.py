"""<unistd.h>: file descriptors, pipes and pause (pipe(2), dup(2), read(2), close(2))."""

from glibc._spec import Family, Function, names
from glibc.families._reasons import BAD_POINTER, INTERRUPTED, NEW_FD

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

FAMILY = Family(
    "unistd",
    headers=["<unistd.h>", "<limits.h>", "<sys/select.h>"],
    doc="file descriptors, pipes and waiting for a signal",
    constants=names("PIPE_BUF FD_SETSIZE"),
    functions=[
        Function("int pipe(int pipefd[2]);", man="pipe(2)", errors=_PIPE,
                 doc="Store a new pipe's read end in pipefd[0] and write end in pipefd[1]."),
        Function("int pipe2(int pipefd[2], int flags);", man="pipe2(2)",
                 errors=dict(_PIPE, EINVAL="flags holds an unknown bit",
                             ENOPKG="O_NOTIFICATION_PIPE was asked for and this kernel lacks it"),
                 doc="pipe() with flags: O_CLOEXEC, O_NONBLOCK, O_DIRECT."),
        Function("int dup(int oldfd);", man="dup(2)",
                 errors={"EBADF": "oldfd is not an open file descriptor", "EMFILE": NEW_FD["EMFILE"]},
                 doc="Return a new descriptor, the lowest free one, for the file of oldfd."),
        Function("int dup2(int oldfd, int newfd);", man="dup2(2)", errors=_DUP2, eintr="retry",
                 doc="Make newfd refer to the file of oldfd, closing newfd first if open."),
        Function("int dup3(int oldfd, int newfd, int flags);", man="dup3(2)",
                 errors=dict(_DUP2, EINVAL="oldfd equals newfd, or flags holds a bit other "
                                           "than O_CLOEXEC"),
                 eintr="retry", doc="dup2() with flags (O_CLOEXEC)."),
        Function(
            "ssize_t read(int fd, void *buf, size_t count);",
            man="read(2)", sizes={"buf": "count"}, blocking=True,
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
            "int close(int fd);", man="close(2)", eintr="ignore",
            errors={
                "EBADF": "fd is not an open file descriptor",
                "EIO": "an I/O error happened while flushing the file",
                "ENOSPC": "storage ran out while flushing (on NFS, say)",
                "EDQUOT": "a disk quota was exceeded while flushing (on NFS, say)",
            },
            doc="Close fd.  EINTR is success: Linux has closed fd by then, so it is never retried.",
        ),
        Function("int pause(void);", man="pause(2)", eintr="return", blocking=True,
                 errors={"EINTR": "a signal arrived and its handler returned: how pause ends"},
                 doc="Wait for a signal that runs a handler; Python's handlers have run "
                     "(and may have raised) when it returns -1."),
    ],
)
