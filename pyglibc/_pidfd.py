"""A process as a file descriptor: ``with pidfd(pid) as p: p.terminate(); p.wait()``.

A pidfd names one process for as long as it is open, even after the
process ended and its pid went to another: signals sent through it cannot
hit a stranger, as kill(2) with a stale pid can.  It becomes readable when
the process ends, so a selector or an event loop can wait for that, and
waitid(2) with P_PIDFD reaps it.
"""

import collections
import errno
import signal
from typing import Any, Optional, Union

import glibc
import glibc.families.wait
from pyglibc._fd import FdObject, int_arg as _int_arg
from pyglibc._timeout import (
    deadline as _deadline,
    nanoseconds as _nanoseconds,
    wait_readable as _wait_readable,
)

_CLD_EXITED = glibc.CLD_EXITED
_ENDED = frozenset((glibc.CLD_EXITED, glibc.CLD_KILLED, glibc.CLD_DUMPED))
_WEXITED = glibc.WEXITED
_WNOHANG = glibc.WNOHANG
_WNOWAIT = glibc.WNOWAIT
_P_PID = glibc.P_PID
_P_PIDFD = glibc.P_PIDFD
_waitid = glibc.waitid
_siginfo_t = glibc.siginfo_t


class waitid_result(
        collections.namedtuple("waitid_result", "si_pid si_uid si_signo si_status si_code")):
    """What waitid(2) reports of a child, with the field names of ``os.waitid_result``.

    si_code is the CLD_* of the change (CLD_EXITED, CLD_KILLED, CLD_DUMPED,
    CLD_STOPPED, CLD_TRAPPED, CLD_CONTINUED); si_status the exit code for
    CLD_EXITED, the signal for the others.
    """

    __slots__ = ()

    @property
    def returncode(self) -> Optional[int]:
        """As ``subprocess.Popen.returncode``: the exit code, or -signal if a signal ended it.

        None when the process has not ended (a stop or a continue).
        """
        status: int = self.si_status
        if self.si_code == _CLD_EXITED:
            return status
        if self.si_code in _ENDED:
            return -status
        return None


# waitid(P_PIDFD) needs Linux 5.4; before, it is EINVAL and P_PID is used.
_idtype = [_P_PIDFD]


class pidfd(FdObject):
    """pidfd_open(2): ``int pidfd_open(pid_t pid, unsigned int flags)``, as an object.

    ``pidfd(pid, flags=0)`` opens the process pid (any process, not only a
    child); flags may hold PIDFD_NONBLOCK.  The descriptor is close-on-exec
    (the kernel makes every pidfd so) and readable once the process has
    ended: register it with a selector to wait for that.  ``wait()`` and
    ``poll()`` are for a child of this process, as waitid(2) is.
    """

    _kind = "pidfd"

    def __init__(self, pid: int, flags: int = 0) -> None:
        pid = _int_arg(pid, "pidfd", "pid")
        flags = _int_arg(flags, "pidfd", "flags")
        super().__init__(glibc.pidfd_open(pid, flags))
        self._pid = pid
        self._result: Optional[waitid_result] = None

    @property
    def pid(self) -> int:
        """The process ID the pidfd was opened for (another process's once this one is reaped)."""
        return self._pid

    @property
    def returncode(self) -> Optional[int]:
        """The result's ``returncode`` once ``wait()`` or ``poll()`` reaped the process."""
        return None if self._result is None else self._result.returncode

    def send_signal(self, sig: int, info: Any = None) -> None:
        """pidfd_send_signal(2): send ``sig`` to the process, with the siginfo_t ``info`` if given.

        ProcessLookupError once the process has ended and been reaped.
        """
        sig = _int_arg(sig, "pidfd.send_signal", "sig")
        glibc.pidfd_send_signal(self.fileno(), sig, info, 0)

    def terminate(self) -> None:
        """Send SIGTERM, as ``subprocess.Popen.terminate`` does."""
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        """Send SIGKILL, as ``subprocess.Popen.kill`` does."""
        self.send_signal(signal.SIGKILL)

    def wait(self, options: int = _WEXITED,
             timeout: Optional[Union[int, float]] = None) -> Optional[waitid_result]:
        """waitid(2) with P_PIDFD: wait for the child to reach a state in ``options``.

        ``options`` holds WEXITED, WSTOPPED, WCONTINUED, and may add WNOHANG
        (return None at once if nothing changed) or WNOWAIT (report without
        reaping).  Returns a ``waitid_result``; once the process is reaped,
        every later call returns that same result.  ``timeout`` (seconds, an
        int or a float) waits at most that long for the process to end, then
        reports what changed meanwhile, or None: a negative one only looks
        (as subprocess's wait does), inf waits without limit, NaN is a
        ValueError (as in the standard library's select and time.sleep).  A
        signal whose handler returns does not end the wait (PEP 475).  On a
        PIDFD_NONBLOCK pidfd without WNOHANG, a child still running is
        BlockingIOError; a process that is no child of this one is
        ChildProcessError.
        """
        fd = self.fileno()
        options = _int_arg(options, "pidfd.wait", "options")
        if self._result is not None:
            return self._result
        if timeout is not None:
            if isinstance(timeout, (int, float)) and timeout < 0:
                timeout = 0
            _wait_readable(fd, _deadline(_nanoseconds(timeout, "pidfd.wait")))
            options |= _WNOHANG
        info = _siginfo_t()
        self._waitid(fd, info, options)
        if info.si_signo == 0:  # WNOHANG and no change
            return None
        result = waitid_result(info.si_pid, info.si_uid, info.si_signo, info.si_status,
                               info.si_code)
        if result.si_code in _ENDED and not options & _WNOWAIT:
            self._result = result
        return result

    def poll(self) -> Optional[waitid_result]:
        """``wait(WEXITED | WNOHANG)``: the result if the child has ended, else None at once."""
        return self.wait(_WEXITED | _WNOHANG)

    def _waitid(self, fd: int, info: Any, options: int) -> None:
        idtype = _idtype[0]
        try:
            _waitid(idtype, fd if idtype == _P_PIDFD else self._pid, info, options)
        except OSError as exc:
            if exc.errno != errno.EINVAL or idtype != _P_PIDFD:
                raise
            # Linux < 5.4 has no P_PIDFD; if P_PID takes the same options, that was why.
            _waitid(_P_PID, self._pid, info, options)
            _idtype[0] = _P_PID

    def getfd(self, targetfd: int) -> int:
        """pidfd_getfd(2): a close-on-exec duplicate here of the process's fd ``targetfd``.

        The caller owns the new descriptor.  Needs ptrace rights over the
        process (PermissionError without them).
        """
        targetfd = _int_arg(targetfd, "pidfd.getfd", "targetfd")
        return glibc.pidfd_getfd(self.fileno(), targetfd, 0)

    def __repr__(self) -> str:
        if self.closed:
            return "<pyglibc.pidfd pid=%d closed>" % self._pid
        return "<pyglibc.pidfd pid=%d fd=%d>" % (self._pid, self._fd)
