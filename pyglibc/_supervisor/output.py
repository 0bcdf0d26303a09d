"""The command's stdout and stderr through pipes, each line written on after its prefix.

Only with ``prefix``: otherwise the command writes to them itself.  The
pipes are read by the loop (_Run, of which _Output is the part that reads
them) until every writer is gone, orphans included.
"""

from __future__ import annotations

import errno
import os
import select

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs a millisecond at startup: only the checker reads it
    from typing import Callable, Dict, List, Tuple

# A line longer than this is cut in pieces, each with its prefix, so that a
# command printing without newlines cannot make the supervisor's memory grow.
_LINE_MAX = 65536
_CHUNK = 65536

# What a write answers when our side takes nothing more: its reader is gone, its disk
# is full or over quota, the file would pass its size limit, the device failed.  Any
# other error (a descriptor opened read-only, say) is a mistake, and ends the run.
_REFUSED = frozenset((errno.EPIPE, errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO))


class _Stream:
    """One captured output: lines read from a pipe, written with a prefix to another fd."""

    def __init__(self, fd: int, prefix: bytes, out: int) -> None:
        self.fd, self.prefix, self.out = fd, prefix, out
        self.partial = b""

    def feed(self, data: bytes) -> None:
        lines = (self.partial + data).split(b"\n")
        self.partial = lines.pop()
        while len(self.partial) > _LINE_MAX:
            lines.append(self.partial[:_LINE_MAX])
            self.partial = self.partial[_LINE_MAX:]
        if lines:
            prefix = self.prefix
            _write_all(self.out, prefix + (b"\n" + prefix).join(lines) + b"\n")

    def flush(self) -> None:
        """At end of file: a last line without its newline is written with one added."""
        if self.partial:
            partial, self.partial = self.partial, b""
            _write_all(self.out, self.prefix + partial + b"\n")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            view = view[os.write(fd, view):]
        except BlockingIOError:  # our stdout is non-blocking: wait until it takes more
            poller = select.poll()
            poller.register(fd, select.POLLOUT)
            poller.poll()


class _Output:
    """The part of _Run that carries the captured output (see _Run for the rest)."""

    # Set by _Run.__init__.  childless: no child is left, so no writer of the pipes either.
    streams: Dict[int, _Stream]
    childless: bool

    if TYPE_CHECKING:
        def watch(self, fd: int, handler: Callable[[], None]) -> None: ...

        def unwatch(self, fd: int) -> None: ...

    def capture(self, prefixes: Tuple[bytes, bytes], outs: Tuple[int, ...],
                child_fds: List[int], opened: List[int]) -> None:
        """A pipe in place of the command's stdout and of its stderr, read by the loop.

        Their write ends go in child_fds, and in opened, for the caller to
        close once the command has them.
        """
        for n, (prefix, out) in enumerate(zip(prefixes, outs), 1):
            r, w = os.pipe2(os.O_CLOEXEC)
            opened.append(w)
            self.streams[r] = stream = _Stream(r, prefix, out)
            self.watch(r, lambda s=stream: self.on_output(s))  # type: ignore[misc]
            os.set_blocking(r, False)
            child_fds[n] = w

    def on_output(self, stream: _Stream) -> None:
        try:
            data = os.read(stream.fd, _CHUNK)
        except BlockingIOError:
            if not self.childless:
                return
            data = b""  # no writer left in the tree: whoever else holds it, we are done
        try:
            if data:
                stream.feed(data)
                return
            stream.flush()
        except OSError as exc:
            if exc.errno not in _REFUSED:
                raise
            # Closing the pipe lets the command see its writes fail, as they would without us.
        del self.streams[stream.fd]
        self.unwatch(stream.fd)
        os.close(stream.fd)

    def read_to_end(self) -> None:
        """Once every writer is gone: what is left in each pipe, to its end."""
        for stream in list(self.streams.values()):
            while stream.fd in self.streams:
                self.on_output(stream)

    def close_streams(self) -> None:
        for fd in self.streams:
            os.close(fd)
        self.streams.clear()
