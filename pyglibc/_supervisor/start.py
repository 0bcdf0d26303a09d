"""Starting the command: found in PATH, given only fds 0-2, a clean mask and default signals.

os.posix_spawn where there is one, fork and exec by hand elsewhere (PyPy
3.9); a command that cannot start is a _StartError with the exit status
to give (126, 127) and a one-line reason.
"""

from __future__ import annotations

import errno
import os

from pyglibc._supervisor.signals import _PYTHON_IGNORES

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs a millisecond at startup: only the checker reads it
    import signal as _signal  # typeshed has no _signal: signal without its enums, the same calls
    from typing import Any, Dict, List, Mapping, Sequence, Tuple

    from pyglibc._supervisor.settings import _Settings
else:
    import _signal

_posix_spawn = getattr(os, "posix_spawn", None)  # missing on PyPy 3.9


class _StartError(Exception):
    """The command could not be started: the exit status to give and a one-line reason."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _find(name: bytes, env: Mapping[str, str]) -> bytes:
    """The file execvp(3) would run for name, searched in env's PATH (not ours, like subprocess).

    _StartError(127) if there is none, _StartError(126) if the only
    candidates are not executable files.
    """
    if b"/" in name:
        candidates = [name]
    else:
        candidates = [os.path.join(os.fsencode(d) or b".", name)
                      for d in os.get_exec_path(env)]
    denied = None
    for path in candidates:
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
        if denied is None and os.path.exists(path):
            denied = path
    shown = os.fsdecode(name)
    if denied is not None:
        reason = "is a directory" if os.path.isdir(denied) else "permission denied"
        raise _StartError(126, "%s: %s" % (os.fsdecode(denied), reason))
    if b"/" in name:
        raise _StartError(127, "%s: no such file or directory" % shown)
    raise _StartError(127, "%s: command not found" % shown)


def _spawn_error(path: bytes, exc: OSError) -> _StartError:
    """The _StartError for an exec that failed with OSError exc."""
    status = 127 if exc.errno == errno.ENOENT else 126
    reason = os.strerror(exc.errno) if exc.errno else str(exc)
    if exc.errno == errno.ENOENT:  # the file was there: its interpreter (#!) is not
        reason += " (a missing #! interpreter?)"
    return _StartError(status, "%s: %s" % (os.fsdecode(path), reason[:1].lower() + reason[1:]))


def _inheritable_fds() -> List[int]:
    """This process's descriptors above 2 that an exec would pass on (no FD_CLOEXEC)."""
    try:
        entries = [int(entry) for entry in os.listdir("/proc/self/fd")]
    except OSError:  # no /proc: try every descriptor the limit allows
        entries = list(range(3, min(os.sysconf("SC_OPEN_MAX"), 65536)))
    found = []
    for fd in entries:
        if fd > 2:
            try:
                if os.get_inheritable(fd):
                    found.append(fd)
            except OSError:  # not open (the descriptor listdir read the directory with)
                pass
    return found


def _spawn(path: bytes, argv: List[bytes], env: Mapping[str, str], fds: Sequence[int],
           settings: _Settings) -> int:
    """Start path with fds as its 0, 1, 2 and nothing else, as posix_spawn(3) would.

    Its signal mask is empty and the signals the supervisor manages, with
    SIGPIPE and SIGXFSZ, at SIG_DFL; descriptors above 2 that the caller
    left inheritable are closed in it, as subprocess's close_fds=True does.
    """
    closing = _inheritable_fds()
    defaults = sorted(settings.managed | _PYTHON_IGNORES)
    if _posix_spawn is not None:
        # The dup2s come first, as a source may be among the descriptors closed.
        actions: List[Tuple[int, ...]] = [(os.POSIX_SPAWN_DUP2, src, dst)
                                          for dst, src in enumerate(fds) if src != dst]
        actions += [(os.POSIX_SPAWN_CLOSE, fd) for fd in closing]
        extra: Dict[str, Any] = {}
        if settings.setsid:
            extra["setsid"] = True
        elif settings.group:
            extra["setpgroup"] = 0
        pid: int = _posix_spawn(path, argv, env, file_actions=actions, setsigmask=(),
                                setsigdef=defaults, **extra)
        return pid
    return _fork_exec(path, argv, env, fds, settings, closing, defaults)


def _fork_exec(path: bytes, argv: List[bytes], env: Mapping[str, str], fds: Sequence[int],
               settings: _Settings, closing: List[int], defaults: List[int]) -> int:
    """posix_spawn done by hand, for PyPy 3.9 which lacks os.posix_spawn.

    The child reports a failed exec through a close-on-exec pipe, as
    subprocess does: end of file means the exec happened.
    """
    report_r, report_w = os.pipe2(os.O_CLOEXEC)
    try:
        pid = os.fork()
        if pid == 0:  # the child: nothing but system calls until exec or _exit
            number = 0
            try:
                if settings.setsid:
                    os.setsid()
                elif settings.group:
                    os.setpgid(0, 0)
                for dst, src in enumerate(fds):
                    if src != dst:
                        os.dup2(src, dst)
                for fd in closing:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
                for signum in defaults:
                    _signal.signal(signum, _signal.SIG_DFL)
                _signal.pthread_sigmask(_signal.SIG_SETMASK, ())
                os.execve(path, argv, env)
            except OSError as exc:
                number = exc.errno or 0
            finally:
                try:
                    os.write(report_w, b"%d" % number)
                finally:
                    os._exit(127)
        os.close(report_w)
        report_w = -1
        report = b""
        while True:
            chunk = os.read(report_r, 64)
            if not chunk:
                break
            report += chunk
    finally:
        os.close(report_r)
        if report_w >= 0:
            os.close(report_w)
    if report:
        os.waitpid(pid, 0)
        number = int(report)
        raise OSError(number, os.strerror(number) if number else "the child could not exec")
    return pid


def _dup_above_2(fd: int) -> int:
    """A close-on-exec copy of fd numbered 3 or more (PyPy's fcntl has no F_DUPFD_CLOEXEC)."""
    low = []
    try:
        copy = os.dup(fd)
        while copy <= 2:  # one of 0-2 was closed: keep it taken while we look further
            low.append(copy)
            copy = os.dup(fd)
    finally:
        for taken in low:
            os.close(taken)
    return copy
