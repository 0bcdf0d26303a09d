"""Writes that never make the supervisor wait for a reader: its messages and its --json lines.

What the supervisor says goes to descriptors that it shares with CMD or
with whoever reads them (a terminal, a log collector's pipe).  A reader
that stalls must not stall the loop that forwards signals, reaps and
times out, so each write takes what the descriptor takes at once, PIPE_BUF
bytes at a time while poll(2) says it takes more; the rest is held and
written, in order, by a thread that waits for the reader.  The
descriptor's flags are left alone: O_NONBLOCK would be set for every
process that shares it.  The thread is started only when a reader first
falls behind, inherits the loop's blocked signals, and is joined at the
end, when the supervisor waits for its reader as long as it takes (as
for CMD's prefixed output).  At most _HELD bytes are held: past that,
what comes is dropped and counted.
"""

from __future__ import annotations

import os
import select

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs a millisecond at startup: only the checker reads it
    import threading
    from typing import List, Optional

_HELD = 1 << 20

# The backlogs whose thread runs, for finish_all(): an init forked for a PID
# namespace ends with os._exit, which would lose what they hold.
_RUNNING: List[Backlog] = []


def finish_all() -> None:
    """Wait until every backlog of this process has written what it holds."""
    for backlog in list(_RUNNING):
        backlog.finish()


class Backlog:
    """Bytes for ``fd``, written without waiting; ``finish()`` waits for the rest."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.held: List[bytes] = []
        self.size = 0
        self.dropped = 0  # writes dropped, the backlog full
        self.error: Optional[OSError] = None  # the first failed write: nothing more goes
        self.busy: Optional[threading.Condition] = None  # once the thread runs
        self.thread: Optional[threading.Thread] = None
        self.owner = 0  # the process the thread runs in: a forked child has none
        self.ending = False

    def write(self, data: bytes, keep: bool = False) -> Optional[OSError]:
        """Write data, or hold it for the thread; the error that stopped the backlog, if any.

        keep: held even past _HELD (a report's last line, which says how it ended).
        """
        if self.thread is not None and self.owner != os.getpid():
            self.forget()
        if self.busy is None:
            if self.error is None:
                try:
                    data = _write_now(self.fd, data)
                except OSError as exc:
                    self.error = exc
            if self.error is not None or not data:
                return self.error
            self.start()
        assert self.busy is not None
        with self.busy:
            if self.error is None:
                if self.size + len(data) > _HELD and not keep:
                    self.dropped += 1
                else:
                    self.held.append(data)
                    self.size += len(data)
                    self.busy.notify()
            return self.error

    def start(self) -> None:
        import threading

        self.busy = threading.Condition()
        self.owner = os.getpid()
        self.thread = threading.Thread(target=self.run, name="pyglibc backlog %d" % self.fd,
                                       daemon=True)
        self.thread.start()
        _RUNNING.append(self)

    def forget(self) -> None:
        """In a forked child, which has no thread: what is held is the parent's to write."""
        if self in _RUNNING:
            _RUNNING.remove(self)
        self.held, self.size = [], 0
        self.busy = self.thread = None
        self.ending = False

    def run(self) -> None:
        """The thread: write what is held, waiting for the reader, until finish()."""
        assert self.busy is not None
        while True:
            with self.busy:
                while not self.held and not self.ending:
                    self.busy.wait()
                if not self.held:
                    return
                data = b"".join(self.held)
                del self.held[:]
            try:
                view = memoryview(data)
                while view:
                    written = os.write(self.fd, view)
                    view = view[written:]
                    with self.busy:  # room for more as soon as the reader takes some
                        self.size -= written
            except OSError as exc:
                with self.busy:
                    self.error = exc
                    del self.held[:]
                    self.size = 0
                return

    def finish(self) -> Optional[OSError]:
        """Wait until everything held is written (or a write failed); the error, if one did."""
        if self.thread is not None and self.owner != os.getpid():
            self.forget()
        if self.thread is not None:
            assert self.busy is not None
            with self.busy:
                self.ending = True
                self.busy.notify()
            self.thread.join()
            _RUNNING.remove(self)
            self.thread = self.busy = None
            self.ending = False
        return self.error


def _write_now(fd: int, data: bytes) -> bytes:
    """Write what fd takes without waiting; return the rest (OSError if a write fails)."""
    poller = select.poll()
    poller.register(fd, select.POLLOUT)
    view = memoryview(data)
    try:
        while view and poller.poll(0):
            view = view[os.write(fd, view[:select.PIPE_BUF]):]
    except BlockingIOError:  # O_NONBLOCK set by another, and filled meanwhile
        pass
    return bytes(view)
