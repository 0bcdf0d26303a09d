"""<fcntl.h>, <sys/sendfile.h>, <unistd.h>: moving data between fds without user-space copies."""

from typing import Any, List, Tuple

from glibc._arguments import index_of
from glibc._spec import Args, Family, Function, Type, names
from glibc.families._reasons import BAD_POINTER, INTERRUPTED, WRITEBACK


def _segments(iov: Any) -> List[Any]:
    """The buffers of a vmsplice iov given as Python objects: one buffer, or a sequence."""
    try:
        memoryview(iov).release()
        return [iov]
    except TypeError:
        pass
    if isinstance(iov, (list, tuple)):
        return list(iov)
    raise TypeError("vmsplice: iov must be a buffer, a list or tuple of buffers, or a "
                    "'struct iovec *' cdata, not %s" % type(iov).__name__)


def convert_vmsplice(ffi: Any, lib: Any, args: Args) -> Tuple[Args, Any]:
    """Build the struct iovec array from Python buffers, pinned for the call.

    A cdata passes as it is (its count is checked by the wrapper).  The
    buffers must be writable when fd is a pipe's read end, for then the
    kernel copies the pipe's data into them.
    """
    fd, iov, nr_segs, flags = args
    if iov is None or isinstance(iov, ffi.CData):
        return args, ()
    segments = _segments(iov)
    # The fd C gets decides whether the kernel writes into the buffers.
    fd = index_of("vmsplice", "fd", fd)
    mode = lib.glibc_fcntl(fd, lib.F_GETFL, 0)
    writes = mode != -1 and (mode & lib.O_ACCMODE) != lib.O_WRONLY
    array = ffi.new("struct iovec[]", len(segments))
    keep = [array]
    for i, segment in enumerate(segments):
        try:
            data = ffi.from_buffer(segment, require_writable=writes)
        except (TypeError, BufferError):
            raise TypeError("vmsplice: iov[%d] must be a %scontiguous buffer, not %s%s"
                            % (i, "writable " if writes else "", type(segment).__name__,
                               " (fd is open for reading: the kernel writes into iov)"
                               if writes else "")) from None
        keep.append(data)
        array[i].iov_base = data
        array[i].iov_len = len(data)
    return (fd, array, len(segments) if nr_segs is None else nr_segs, flags), keep


_PIPE_WAIT = "SPLICE_F_NONBLOCK, or a non-blocking fd, and the pipe is empty or full"

FAMILY = Family(
    "splice",
    headers=["<fcntl.h>", "<sys/types.h>", "<sys/uio.h>", "<sys/sendfile.h>", "<unistd.h>",
             "<limits.h>"],
    doc="splice, tee, vmsplice, copy_file_range and sendfile: data moved inside the kernel",
    types=[
        Type("loff_t", "typedef int... loff_t;", man="off_t(3type)"),
        Type("iovec", "struct iovec { void *iov_base; size_t iov_len; ...; };",
             man="iovec(3type)"),
    ],
    constants=names("SPLICE_F_MOVE SPLICE_F_NONBLOCK SPLICE_F_MORE SPLICE_F_GIFT IOV_MAX "
                    "UIO_MAXIOV"),
    functions=[
        Function(
            "ssize_t splice(int fd_in, off64_t *off_in, int fd_out, off64_t *off_out, "
            "size_t len, unsigned int flags);",
            man="splice(2)", nullable=("off_in", "off_out"), blocking=True, stdlib="os.splice",
            errors=dict(
                **INTERRUPTED,
                EAGAIN=_PIPE_WAIT,
                EBADF="fd_in or fd_out is not open, or not open for reading/writing as needed",
                EINVAL="neither fd is a pipe, both are the same pipe, an offset was given "
                       "for a pipe, the target is in append mode, or the file system "
                       "cannot splice",
                ENOMEM="the kernel is out of memory",
                ESPIPE="an offset was given for an fd that cannot seek (a pipe or socket)",
            ),
            doc="Move up to len bytes between a pipe and any fd.  off_in/off_out (None for "
                "the fd's own offset) is read and advanced for a file that is not a pipe.",
        ),
        Function(
            "ssize_t tee(int fd_in, int fd_out, size_t len, unsigned int flags);",
            man="tee(2)", blocking=True, stdlib=None,
            errors=dict(
                **INTERRUPTED,
                EAGAIN=_PIPE_WAIT,
                EINVAL="fd_in or fd_out is not a pipe, or both are the same pipe",
                ENOMEM="the kernel is out of memory",
            ),
            doc="Copy up to len bytes from pipe fd_in to pipe fd_out without consuming them.",
        ),
        Function(
            "ssize_t vmsplice(int fd, const struct iovec *iov, size_t nr_segs, "
            "unsigned int flags);",
            man="vmsplice(2)", sizes={"iov": "nr_segs"}, defaults={"nr_segs": None, "flags": 0},
            convert=convert_vmsplice,
            accepts={"iov": "Union[_Pointer, _ReadBuffer, Sequence[ReadableBuffer]]"},
            blocking=True, stdlib=None,
            errors=dict(
                BAD_POINTER,
                **INTERRUPTED,
                EAGAIN=_PIPE_WAIT,
                EBADF="fd is not open, or not a pipe",
                EINVAL="nr_segs is more than IOV_MAX, or memory is misaligned for "
                       "SPLICE_F_GIFT",
                ENOMEM="the kernel is out of memory",
            ),
            doc="Splice user memory into a pipe (write end) or the pipe's data out into user "
                "memory (read end).  iov is a buffer or a list of buffers, pinned and turned "
                "into a struct iovec array for the call (writable ones for a read end), or a "
                "'struct iovec *' cdata; nr_segs None means all of it.  Into a pipe, the "
                "kernel references the pages rather than copying them: the reader sees the "
                "memory as it is when it reads, so keep the buffers alive and unchanged until "
                "then (bytes you hold on to are safe).",
            hazard="process",
        ),
        Function(
            "ssize_t copy_file_range(int fd_in, off64_t *off_in, int fd_out, off64_t *off_out, "
            "size_t len, unsigned int flags);",
            man="copy_file_range(2)", nullable=("off_in", "off_out"), stdlib="os.copy_file_range",
            errors=dict(
                **WRITEBACK,
                EBADF="an fd is not open, fd_in is not readable, fd_out is not writable or "
                      "fd_out has O_APPEND",
                EFBIG="the copy would go past the largest file size or the RLIMIT_FSIZE "
                      "limit",
                EINVAL="flags is not 0, a file is not a regular file, or the ranges "
                       "overlap within one file",
                EISDIR="fd_in or fd_out is a directory",
                ENOMEM="the kernel is out of memory",
                EOPNOTSUPP="the file system does not support this copy",
                EOVERFLOW="an offset plus len does not fit in the offset type",
                EPERM="fd_out is an immutable file",
                ETXTBSY="fd_in or fd_out is a swap file in use",
                EXDEV="the two files are on file systems that cannot copy between them",
            ),
            doc="Copy len bytes between two files inside the kernel (maybe as a reflink).  "
                "off_in/off_out: None for the fd's own offset, or a glibc.off64_t() advanced "
                "by the copy.",
        ),
        Function(
            "ssize_t sendfile(int out_fd, int in_fd, off_t *offset, size_t count);",
            man="sendfile(2)", nullable=("offset",), blocking=True, stdlib="os.sendfile",
            errors=dict(
                BAD_POINTER,
                **INTERRUPTED,
                EAGAIN="out_fd is non-blocking and the write would have to wait",
                EBADF="in_fd is not open for reading or out_fd is not open for writing",
                EINVAL="in_fd cannot be mapped like a file, or out_fd has O_APPEND",
                EIO="an error happened while reading in_fd",
                ENOMEM="the kernel is out of memory",
                EOVERFLOW="count would take the offset past what off_t holds",
                ESPIPE="offset was given but in_fd cannot seek",
            ),
            doc="Copy count bytes from in_fd (a file) to out_fd.  offset: None to read at "
                "in_fd's offset and advance it, or a glibc.off_t() read and advanced instead.",
        ),
    ],
)
