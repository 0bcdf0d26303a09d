"""The command's stdout and stderr through pipes, each line written on after its prefix.

Only with ``prefix``: otherwise the command writes to them itself.  The
pipes are read by the loop (_Run, of which _Output is the part that reads
them) until every writer is gone, orphans included.

A reader of our side that stalls must not stall the loop (the timeout,
the signals, the reaping): what we write waits in a buffer, written as
epoll says there is room; once the buffer holds _HELD bytes the command's
pipe is no longer read, so the command waits for room in its own pipe, as
it would without us.  Our descriptor's flags are left alone (O_NONBLOCK
would be set for every process that shares it): a pipe, a terminal or a
socket is written PIPE_BUF bytes at a time while poll says it takes more,
which it then takes at once unless another process fills it meanwhile; a
regular file, which epoll does not watch, is written to directly.  The
small writes cost throughput with a reader that keeps up: 1 GB of 200-byte
lines to ``wc -c`` took 5.1 s, against 2.6 s written 64 KiB at once.
"""

from __future__ import annotations

import errno
import os
import select

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs a millisecond at startup: only the checker reads it
    from typing import Callable, Dict, List, Tuple

# The most of an unfinished line held back, so that stdout's and stderr's lines stay
# whole when they go to one place.  Past it the line is written as it comes (after its
# one prefix), so that a command printing without newlines cannot make the memory grow.
_LINE_MAX = 65536
_CHUNK = 65536

# The most a stream holds for a reader that does not keep up, before its pipe is left
# unread; reading resumes when half of it is written.
_HELD = 1 << 20

# What a write answers when our side takes nothing more: its reader is gone, its disk
# is full or over quota, the file would pass its size limit, the device failed.  Any
# other error (a descriptor opened read-only, say) is a mistake, and ends the run.
_REFUSED = frozenset((errno.EPIPE, errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO))


class _Stream:
    """One captured output: lines read from a pipe, written with a prefix to another fd.

    ``out`` is our own duplicate of the destination, so that epoll watches it
    apart from any other stream's (stdout and stderr may be one descriptor).
    """

    def __init__(self, fd: int, prefix: bytes, out: int, watched: bool) -> None:
        self.fd, self.prefix, self.out = fd, prefix, out  # each -1 once closed
        self.key = fd  # in _Output.streams
        self.watched = watched  # epoll can tell when out takes more (not a regular file)
        self.partial = b""
        self.streaming = False   # an unfinished line's prefix and start are written
        self.held = bytearray()  # prefixed lines, written up to self.sent
        self.sent = 0
        self.reading = True      # the pipe is watched (not at its end, nor left unread)
        self.writing = False     # out is watched for room

    def lines(self, data: bytes) -> bytes:
        """What can be written of what came so far, each line's prefix before its first byte.

        Whole lines, and of a line longer than _LINE_MAX what came of it.
        """
        text = self.partial + data
        end = text.rfind(b"\n") + 1
        written = b""
        if end:
            written = self.start() + text[:end - 1].replace(b"\n", b"\n" + self.prefix) + b"\n"
        self.partial = text[end:]
        if self.partial and (self.streaming or len(self.partial) > _LINE_MAX):
            written += self.start() + self.partial
            self.partial, self.streaming = b"", True
        return written

    def last(self) -> bytes:
        """At end of file: a last line without its newline, with one added."""
        if not self.partial and not self.streaming:
            return b""
        written = self.start() + self.partial + b"\n"
        self.partial = b""
        return written

    def start(self) -> bytes:
        """The prefix of what is written next, unless that goes on a line already started."""
        if self.streaming:
            self.streaming = False
            return b""
        return self.prefix


def _write_all(fd: int, data: bytes) -> None:
    """Write all of data, waiting for room as long as it takes (once the loop is done)."""
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

    # Set by _Run.__init__.  streams: by pipe, until written to the end or given up;
    # childless: no child is left, so no writer of the pipes either.
    streams: Dict[int, _Stream]
    childless: bool
    epoll: select.epoll
    handlers: Dict[int, Callable[[], None]]

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
            copy = os.dup(out)
            try:
                r, w = os.pipe2(os.O_CLOEXEC)
            except OSError:
                os.close(copy)
                raise
            opened.append(w)
            self.streams[r] = stream = _Stream(r, prefix, copy, watched=True)
            try:
                self.epoll.register(stream.out, select.EPOLLOUT)
                self.epoll.unregister(stream.out)
            except PermissionError:  # a regular file: always ready, never watched
                stream.watched = False
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
        self.send(stream, stream.lines(data) if data else stream.last())
        if not data:
            self.close_pipe(stream)

    def send(self, stream: _Stream, data: bytes) -> None:
        """Write data on, or hold it until out takes more; stop reading if too much is held."""
        if not data or stream.out < 0:  # empty, or given up
            return
        if not stream.watched:
            try:
                _write_all(stream.out, data)
            except OSError as exc:
                self.refused(stream, exc)
            return
        stream.held += data
        if not stream.writing:
            stream.writing = True
            self.handlers[stream.out] = lambda: self.on_room(stream)
            self.epoll.register(stream.out, select.EPOLLOUT)
        if stream.reading and len(stream.held) - stream.sent >= _HELD:
            stream.reading = False
            self.unwatch(stream.fd)

    def on_room(self, stream: _Stream) -> None:
        """out takes more: PIPE_BUF bytes at a time, as long as poll says it takes more."""
        held, poller = memoryview(stream.held), select.poll()
        poller.register(stream.out, select.POLLOUT)
        try:
            while stream.sent < len(held):
                stream.sent += os.write(stream.out, held[stream.sent:stream.sent + select.PIPE_BUF])
                if not poller.poll(0):
                    break
        except BlockingIOError:  # filled by another writer meanwhile
            pass
        except OSError as exc:
            held.release()
            self.refused(stream, exc)
            return
        held.release()
        if stream.sent == len(stream.held):
            stream.held.clear()
            stream.sent = 0
            stream.writing = False
            self.unwatch(stream.out)
        elif stream.sent >= _HELD:  # what was written goes, once it is worth the copy
            del stream.held[:stream.sent]
            stream.sent = 0
        if stream.fd < 0:
            if not stream.held:
                self.done(stream)
        elif not stream.reading and len(stream.held) - stream.sent <= _HELD // 2:
            stream.reading = True
            self.watch(stream.fd, lambda: self.on_output(stream))

    def refused(self, stream: _Stream, exc: OSError) -> None:
        """A write failed: if our side takes nothing more, the stream is given up."""
        if exc.errno not in _REFUSED:
            raise exc
        # Closing the pipe lets the command see its writes fail, as they would without us.
        stream.held.clear()
        stream.sent = 0
        if stream.writing:
            stream.writing = False
            self.unwatch(stream.out)
        self.close_pipe(stream)
        self.done(stream)

    def close_pipe(self, stream: _Stream) -> None:
        """At the pipe's end: stop reading it; done once what is held is written."""
        if stream.fd < 0:
            return
        if stream.reading:
            stream.reading = False
            self.unwatch(stream.fd)
        os.close(stream.fd)
        stream.fd = -1
        if not stream.held:
            self.done(stream)

    def done(self, stream: _Stream) -> None:
        """Written to the end, or given up: out closed, the stream forgotten."""
        if stream.out >= 0:
            del self.streams[stream.key]
            os.close(stream.out)
            stream.out = -1

    def read_to_end(self) -> None:
        """Once every writer is gone: what is left in each pipe, to its end, written out."""
        for stream in list(self.streams.values()):
            while stream.fd >= 0:
                self.on_output(stream)
            if stream.writing:  # nothing else to do now: wait for the reader
                stream.writing = False
                self.unwatch(stream.out)
                held = bytes(stream.held[stream.sent:])
                stream.held.clear()
                stream.sent = 0
                try:
                    _write_all(stream.out, held)
                except OSError as exc:
                    self.refused(stream, exc)
                    continue
                self.done(stream)

    def close_streams(self) -> None:
        for stream in self.streams.values():
            if stream.fd >= 0:
                os.close(stream.fd)
            os.close(stream.out)
        self.streams.clear()
