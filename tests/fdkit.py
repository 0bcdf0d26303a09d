"""Kernel objects at fixed descriptor numbers, for differential tests.

A scenario runs once on the standard library's object and once on ours;
for their logs to compare equal (reprs, messages, fds in results), each run
must get the same descriptor numbers.  FdKit dups every new descriptor to
a number at or above ``first_fd``, far from what pytest and the objects
under test use, and closes them all at the end.  OwnsFd stands for a file
object that the call it is passed to may hold the only reference to.
"""

import fcntl
import os
import socket


class FdKit:
    """The descriptors of one run.

    ``advance``: each new descriptor takes a number above the last one (so
    numbers never repeat within a run); otherwise the lowest free number
    from ``first_fd`` up is taken, as the kernel itself would.
    """

    def __init__(self, first_fd, advance):
        self._owned = []
        self._next = first_fd
        self._advance = advance

    def _high(self, fd):
        try:
            high = fcntl.fcntl(fd, fcntl.F_DUPFD, self._next)  # PyPy lacks F_DUPFD_CLOEXEC
        finally:
            os.close(fd)
        os.set_inheritable(high, False)
        if self._advance:
            self._next = high + 1
        return high

    def pipe(self):
        """(read end, write end) as ints."""
        ends = [self._high(fd) for fd in os.pipe()]
        self._owned += ends
        return ends

    def socketpair(self):
        pair = [socket.socket(fileno=self._high(s.detach())) for s in socket.socketpair()]
        self._owned += pair
        return pair

    def regular_file(self):
        """An fd of a regular file: epoll refuses those (EPERM)."""
        fd = self._high(os.open(__file__, os.O_RDONLY | os.O_CLOEXEC))
        self._owned.append(fd)
        return fd

    def close(self, obj):
        """Close obj (an int or an object with close()) now."""
        self._owned.remove(obj)
        if isinstance(obj, int):
            os.close(obj)
        else:
            obj.close()

    def close_all(self):
        while self._owned:
            self.close(self._owned[-1])


class OwnsFd:
    """An object that closes its descriptor when it is collected, as a file object does."""

    def __init__(self, fd):
        self.fd = fd

    def fileno(self):
        return self.fd

    def __del__(self):
        os.close(self.fd)
