"""File system events from a file descriptor: ``ino.add_watch(path, inotify.Mask.CREATE)``."""

import collections
import enum
import os
from typing import Any, Iterator, Union

import glibc
from pyglibc._fd import FdObject, int_arg as _int_arg

_IN_CLOEXEC = glibc.IN_CLOEXEC
_IN_NONBLOCK = glibc.IN_NONBLOCK
_IN_IGNORED = glibc.IN_IGNORED
_event = glibc.inotify_event
_HEADER = _event.size
_cast = glibc.ffi.cast
_from_buffer = glibc.ffi.from_buffer
_read = glibc.read

# Room for many events per read(2); the kernel needs room for at least one
# with the longest name (sizeof(struct inotify_event) + NAME_MAX + 1).
_BUFSIZE = 65536


class Mask(enum.IntFlag):
    """The IN_* bits of inotify(7) without their prefix: ``Mask.CREATE`` is IN_CREATE.

    Events (ACCESS ... MOVE_SELF, and CLOSE, MOVE, ALL_EVENTS) are both what a
    watch asks for and what an event reports; UNMOUNT, Q_OVERFLOW, IGNORED and
    ISDIR are only reported; ONLYDIR ... ONESHOT only change how add_watch works.
    """

    ACCESS = glibc.IN_ACCESS
    MODIFY = glibc.IN_MODIFY
    ATTRIB = glibc.IN_ATTRIB
    CLOSE_WRITE = glibc.IN_CLOSE_WRITE
    CLOSE_NOWRITE = glibc.IN_CLOSE_NOWRITE
    OPEN = glibc.IN_OPEN
    MOVED_FROM = glibc.IN_MOVED_FROM
    MOVED_TO = glibc.IN_MOVED_TO
    CREATE = glibc.IN_CREATE
    DELETE = glibc.IN_DELETE
    DELETE_SELF = glibc.IN_DELETE_SELF
    MOVE_SELF = glibc.IN_MOVE_SELF
    UNMOUNT = glibc.IN_UNMOUNT
    Q_OVERFLOW = glibc.IN_Q_OVERFLOW
    IGNORED = glibc.IN_IGNORED
    ISDIR = glibc.IN_ISDIR
    ONLYDIR = glibc.IN_ONLYDIR
    DONT_FOLLOW = glibc.IN_DONT_FOLLOW
    EXCL_UNLINK = glibc.IN_EXCL_UNLINK
    MASK_CREATE = glibc.IN_MASK_CREATE
    MASK_ADD = glibc.IN_MASK_ADD
    ONESHOT = glibc.IN_ONESHOT
    CLOSE = glibc.IN_CLOSE
    MOVE = glibc.IN_MOVE
    ALL_EVENTS = glibc.IN_ALL_EVENTS


Mask.__qualname__ = "inotify.Mask"


class Event(collections.namedtuple("Event", "wd mask cookie name path")):
    """One inotify event, decoded.

    ``wd``: the watch it came from (-1 for Q_OVERFLOW); ``mask``: a
    ``Mask``; ``cookie``: the same number on the MOVED_FROM and MOVED_TO
    of one rename, else 0; ``name``: the entry of a watched directory the
    event is about, '' when it is about the watched object itself;
    ``path``: the path the watch was added with (None for Q_OVERFLOW).
    name and path are bytes for a watch added with a bytes path and str
    otherwise, decoded with os.fsdecode, as os.listdir does.
    """

    __slots__ = ()

    @property
    def fullpath(self) -> Any:
        """``path`` joined with ``name`` (just ``path`` when name is empty)."""
        if self.path is None or not self.name:
            return self.path
        return os.path.join(self.path, self.name)


Event.__qualname__ = "inotify.Event"
_Event = Event


class inotify(FdObject):
    """inotify(7): ``int inotify_init1(int flags)``, with its watches, as an object.

    ``inotify(flags=0)``: flags may hold IN_NONBLOCK; IN_CLOEXEC is always
    added.  ``add_watch()`` watches a path, ``read()`` returns the events
    as ``inotify.Event`` records, and iterating yields them one by one.  It
    has ``fileno()``, so a selector can watch it: readable while events wait.
    """

    _kind = "inotify"
    Mask = Mask
    Event = Event

    def __init__(self, flags: int = 0) -> None:
        flags = _int_arg(flags, "inotify", "flags")
        super().__init__(glibc.inotify_init1(flags | _IN_CLOEXEC))
        self._nonblocking = bool(flags & _IN_NONBLOCK)
        self._paths: dict[int, Union[str, bytes]] = {}

    @property
    def watches(self) -> dict[int, Union[str, bytes]]:
        """A new dict: watch descriptor -> the path it was added with."""
        return dict(self._paths)

    def add_watch(self, path: Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"],
                  mask: int) -> int:
        """inotify_add_watch(2): watch ``path`` (str, bytes or os.PathLike) for ``mask``.

        Returns the watch descriptor, the ``wd`` of its events.  Watching a
        path already watched gives its wd again, with the new mask (or with
        both masks, with Mask.MASK_ADD).
        """
        fd = self.fileno()
        path = os.fspath(path)
        mask = _int_arg(mask, "inotify.add_watch", "mask")
        wd = glibc.inotify_add_watch(fd, path, mask)
        self._paths[wd] = path
        return wd

    def rm_watch(self, wd: int) -> None:
        """inotify_rm_watch(2): stop watching ``wd``; an IGNORED event for it follows."""
        fd = self.fileno()
        glibc.inotify_rm_watch(fd, _int_arg(wd, "inotify.rm_watch", "wd"))

    def read(self) -> list[_Event]:
        """read(2) once and return the events it brought, oldest first.

        A blocking descriptor waits for at least one event (and a Python
        handler that runs meanwhile does not end the wait, PEP 475); a
        non-blocking one with none returns ``[]``.  A watch is forgotten once
        its IGNORED event is read (after ``rm_watch``, or when what it
        watched is gone).
        """
        buf = bytearray(_BUFSIZE)
        try:
            got = _read(self.fileno(), buf)
        except BlockingIOError:
            return []
        return self._decode(buf, got)

    def _decode(self, buf: bytearray, got: int) -> list[_Event]:
        # The kernel writes whole records: a header, then len bytes of name,
        # NUL-terminated and padded with NULs.  Nothing is trusted past got.
        base = _from_buffer(buf)
        paths = self._paths
        events: list[_Event] = []
        offset = 0
        while offset + _HEADER <= got:
            header: Any = _cast("struct inotify_event *", base + offset)
            wd, mask, cookie, size = header.wd, header.mask, header.cookie, header.len
            start = offset + _HEADER
            offset = start + size
            raw = bytes(buf[start:min(offset, got)]).split(b"\0", 1)[0]
            path = paths.get(wd)
            name = raw if isinstance(path, bytes) else os.fsdecode(raw)
            events.append(Event(wd, Mask(mask), cookie, name, path))
            if mask & _IN_IGNORED:
                paths.pop(wd, None)
        return events

    def __iter__(self) -> Iterator[_Event]:
        """Yield events as ``read()`` brings them; a non-blocking descriptor
        stops when none is waiting, a blocking one waits for more."""
        while True:
            events = self.read()
            if not events and self._nonblocking:
                return
            yield from events

    def __repr__(self) -> str:
        if self.closed:
            return "<pyglibc.inotify closed>"
        return "<pyglibc.inotify fd=%d watches=%d>" % (self._fd, len(self._paths))
