"""Pipes whose both ends are close-on-exec: ``r, w = pipe()``."""

import operator

import glibc

_O_CLOEXEC = glibc.O_CLOEXEC
_new = glibc.ffi.new
_pipe2 = glibc.pipe2


def pipe2(flags: int = 0) -> tuple[int, int]:
    """pipe2(2): ``int pipe2(int pipefd[2], int flags)``; returns ``(read end, write end)``.

    O_CLOEXEC is always added to ``flags`` (which may also hold O_NONBLOCK or
    O_DIRECT): this layer makes every descriptor close-on-exec, so that a
    fork and exec in another thread cannot inherit it.  An unknown flag is
    OSError(EINVAL) from pipe2(2).  The caller owns and closes both ends.
    """
    try:
        flags = operator.index(flags)
    except TypeError:
        raise TypeError("pipe2: flags must be an int, not %s" % type(flags).__name__) from None
    ends = _new("int[2]")
    _pipe2(ends, flags | _O_CLOEXEC)
    return ends[0], ends[1]


def pipe() -> tuple[int, int]:
    """pipe(2): ``int pipe(int pipefd[2])``, made close-on-exec; returns ``(read end, write end)``.

    It is ``pipe2(O_CLOEXEC)``: both ends are created close-on-exec in one
    call, with no window in which a fork could inherit them.
    """
    return pipe2(0)
