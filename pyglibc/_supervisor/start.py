"""Starting the command as execvp(3) would: found in PATH, given only fds 0-2, no blocked signal.

(Those from 3 on too that it is asked to get: --preserve-fds, socket
activation's.)  os.posix_spawn where it can do the job, fork and exec by
hand elsewhere (PyPy 3.9, a single-threaded process, descriptors
posix_spawn cannot close, a LISTEN_PID to set); a command that cannot
start is a _StartError with the exit status to give (125, 126, 127) and a
one-line reason.
"""

from __future__ import annotations

import errno
import mmap
import os

from pyglibc import _rawcalls
from pyglibc._supervisor.signals import _PYTHON_IGNORES

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs a millisecond at startup: only the checker reads it
    import signal as _signal  # typeshed has no _signal: signal without its enums, the same calls
    from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

    from pyglibc._supervisor.cgroup import Cgroup
    from pyglibc._supervisor.settings import _Settings
else:
    import _signal

_posix_spawn = getattr(os, "posix_spawn", None)  # missing on PyPy 3.9
_SHELL = b"/bin/sh"  # what execvp(3) runs a file without #! with
# The errors of a spawn that made no process (clone(2)'s: a process limit, no
# memory); posix_spawn makes no set*id call, the one reason exec(2) has for EAGAIN.
_NO_PROCESS = (errno.EAGAIN, errno.ENOMEM)


class _LateReport:
    """The errno of a failed exec, from a child that had no report pipe: none could be
    made under the hard RLIMIT_NOFILE.

    A page of anonymous shared memory takes no descriptor.  Unlike a
    pipe's end of file, it cannot tell when the exec happened: it is read
    once the child has ended (start_error), and holds nothing if it did.
    """

    # mmap is imported with this module: where this is needed, no descriptor is left
    # to open its file with.
    def __init__(self, path: bytes, settings: _Settings) -> None:
        self.path, self.settings = path, settings
        self.page = mmap.mmap(-1, 64)  # MAP_SHARED | MAP_ANONYMOUS

    def write(self, report: bytes) -> None:
        """In the child: what _failure says of the step that failed."""
        self.page[:len(report)] = report

    def start_error(self) -> Optional[_StartError]:
        """Once the child has ended: the _StartError of its exec, or None if it ran."""
        report = self.page[:].rstrip(b"\0")
        if not report:
            return None
        return _start_error(self.path, report, self.settings)

    def close(self) -> None:
        self.page.close()


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
                      for d in _exec_path(env)]
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


def _exec_path(env: Mapping[str, str]) -> List[str]:
    """The directories of env's PATH (os.defpath without one), as os.get_exec_path gives them.

    Not os.get_exec_path itself: it imports warnings on each call, which a
    supervisor started under a full RLIMIT_NOFILE has no descriptor to open
    (on 3.13, where argparse no longer imports it first).
    """
    path = env.get("PATH")
    return (os.defpath if path is None else path).split(os.pathsep)


def _spawn_error(path: bytes, exc: OSError) -> _StartError:
    """The _StartError for a spawn that failed with OSError exc."""
    if exc.errno in _NO_PROCESS:
        return _StartError(125, "cannot start a process for %s: %s"
                           % (os.fsdecode(path), _lower(os.strerror(exc.errno))))
    status = 127 if exc.errno == errno.ENOENT else 126
    reason = os.strerror(exc.errno) if exc.errno else str(exc)
    if exc.errno == errno.ENOENT:  # the file was there: its interpreter (#!) is not
        reason += " (a missing #! interpreter?)"
    return _StartError(status, "%s: %s" % (os.fsdecode(path), _lower(reason)))


def _failure(number: int, step: str) -> bytes:
    """What the child reports of the step of its start that failed with errno number.

    step: "" for the exec, RLIMIT_<NAME> for a limit it could not be given,
    "cgroup" for the cgroup it could not enter.
    """
    return (b"%d %s" % (number, step.encode())).rstrip()


def _start_error(path: bytes, report: bytes, settings: _Settings) -> _StartError:
    """The _StartError for what a child reported (_failure)."""
    number, _, step = report.decode().partition(" ")
    code = int(number)
    reason = os.strerror(code) if code else "the child could not exec"
    if not step:
        return _spawn_error(path, OSError(code, reason))
    if step == "cgroup":
        return _StartError(125, "--cgroup: %s cannot enter its cgroup: %s"
                           % (os.fsdecode(path), _lower(reason)))
    soft, hard = settings.rlimits[step[len("RLIMIT_"):]]
    if code == errno.EPERM:
        reason += (" (raising a hard limit needs CAP_SYS_RESOURCE, and RLIMIT_NOFILE's stops "
                   "at /proc/sys/fs/nr_open)")
    return _StartError(125, "%s: cannot set %s to %s:%s: %s" % (
        os.fsdecode(path), step, "unlimited" if soft is None else soft,
        "unlimited" if hard is None else hard, _lower(reason)))


def _lower(reason: str) -> str:
    return reason[:1].lower() + reason[1:]


def _inheritable_fds() -> Optional[List[int]]:
    """This process's descriptors above 2 that an exec would pass on (no FD_CLOEXEC).

    None if /proc/self/fd cannot be listed (no /proc of ours, or no
    descriptor left to open it with): any descriptor may be open then.
    """
    try:
        entries = [int(entry) for entry in os.listdir("/proc/self/fd")]
    except OSError:
        return None
    found = []
    for fd in entries:
        if fd > 2:
            try:
                if os.get_inheritable(fd):
                    found.append(fd)
            except OSError:  # not open (the descriptor listdir read the directory with)
                pass
    return found


def _single_threaded() -> bool:
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False


def _spawn(path: bytes, argv: List[bytes], env: Mapping[str, str], fds: Sequence[int],
           settings: _Settings, terminal: int = -1,
           cgroup: Optional[Cgroup] = None) -> Tuple[int, Optional[_LateReport]]:
    """Start path with fds as its 0, 1, 2, ... and nothing else, as execvp(3) would run it.

    Its signal mask is empty; a signal ignored here stays ignored in it, as
    nohup(1) expects, but SIGPIPE and SIGXFSZ are at SIG_DFL (as
    subprocess's restore_signals has them): Python ignores those two when
    it starts, without keeping what it was given, so one ignored by our
    parent cannot be told from Python's own.
    Descriptors past fds that the caller left inheritable are closed in it,
    as subprocess's close_fds=True does.  With settings.listen_pid, its
    LISTEN_PID is its own pid.  A file the kernel cannot execute
    (ENOEXEC: a script without #!) is run by /bin/sh, as execvp(3) runs it,
    unless it is an ELF file.  With settings.group and a terminal (a
    descriptor of _foreground_terminal()), its new process group is made
    the terminal's foreground group before it execs.  With a cgroup, it is
    forked into it, or moves itself into it first (_fork).

    With the pid comes the _LateReport of a child that had no report pipe
    (None with one): its exec error is known only once it has ended.
    """
    try:
        return _spawn_file(path, argv, env, fds, settings, terminal, cgroup)
    except OSError as exc:
        if exc.errno != errno.ENOEXEC or _is_elf(path):
            raise
    return _spawn_file(_SHELL, [_SHELL, path] + argv[1:], env, fds, settings, terminal, cgroup)


def _foreground_terminal() -> int:
    """A descriptor of the controlling terminal if this process's group is its foreground group.

    -1 without a controlling terminal, or in the background of it: a
    background job does not take the terminal from the shell's foreground
    one.  The descriptor is close-on-exec, and opened without waiting for
    a serial line's carrier (O_NONBLOCK): only its foreground group is used.
    """
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError:  # ENXIO: no controlling terminal
        return -1
    try:
        if os.tcgetpgrp(fd) == os.getpgrp():
            return fd
    except OSError:
        pass
    os.close(fd)
    return -1


def _is_elf(path: bytes) -> bool:
    """Whether path begins as an ELF executable: one the kernel refused (another
    architecture's, or damaged) is reported so, not run by /bin/sh as a script."""
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def _spawn_file(path: bytes, argv: List[bytes], env: Mapping[str, str], fds: Sequence[int],
                settings: _Settings, terminal: int,
                cgroup: Optional[Cgroup]) -> Tuple[int, Optional[_LateReport]]:
    closing = _inheritable_fds()
    if closing is not None:
        closing = [fd for fd in closing if fd >= len(fds)]
    # glibc's posix_spawn refuses (EBADF) to close a descriptor at or above
    # RLIMIT_NOFILE, as one inherited from a parent with a higher limit; and it
    # leaves glibc's internal signals (32 and 33) ignored in the child, which
    # a fork and an exec do not.  Forking is safe in a single-threaded process.
    # The command's pid, which its LISTEN_PID must hold, is known before its
    # exec only in a forked child; and Python's posix_spawn cannot give the
    # child the terminal (tcsetpgrp) either, nor its resource limits, nor its cgroup.
    limit = os.sysconf("SC_OPEN_MAX")
    if _posix_spawn is None or closing is None or settings.listen_pid or terminal >= 0 \
            or settings.rlimits or cgroup is not None \
            or _single_threaded() or any(fd >= limit for fd in closing):
        return _fork_exec(path, argv, env, fds, settings, closing, terminal, cgroup)
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
                            setsigdef=_PYTHON_IGNORES, **extra)
    return pid, None


def _report_pipe() -> Tuple[int, int]:
    """A close-on-exec pipe, or (-1, -1) if even the hard RLIMIT_NOFILE leaves no room."""
    try:
        return os.pipe2(os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno != errno.EMFILE:
            raise
    # Every descriptor under the soft limit is taken: the pipe goes above it for
    # this start, and the command gets the limit as it was.
    soft, hard = _rawcalls.nofile()
    if soft < hard:
        _rawcalls.set_nofile(hard, hard)
        try:
            return os.pipe2(os.O_CLOEXEC)
        except OSError as exc:
            if exc.errno != errno.EMFILE:
                raise
        finally:
            _rawcalls.set_nofile(soft, hard)
    return -1, -1


def _fork_exec(path: bytes, argv: List[bytes], env: Mapping[str, str], fds: Sequence[int],
               settings: _Settings, closing: Optional[List[int]],
               terminal: int = -1,
               cgroup: Optional[Cgroup] = None) -> Tuple[int, Optional[_LateReport]]:
    """posix_spawn done by hand: the child closes closing (None: every descriptor past fds).

    In the child, as a shell does for a foreground job, so that the command
    cannot read the terminal before its group has it: a process group of
    its own made the foreground group of terminal (unless it is -1).

    The child reports a failed exec through a close-on-exec pipe, as
    subprocess does: end of file means the exec happened.  Where no pipe
    can be made (a shell's ulimit -n 5 lowers the hard limit too), it runs
    the command anyway: a failed exec is written to a _LateReport, and a
    file without #! is run by /bin/sh there and then, as _spawn would.
    """
    report_r, report_w = _report_pipe()
    late = None if report_r >= 0 else _LateReport(path, settings)
    infinity = _rawcalls.RLIM_INFINITY
    limits = [("RLIMIT_" + name, _rawcalls.RLIMITS[name], infinity if soft is None else soft,
               infinity if hard is None else hard)
              for name, (soft, hard) in settings.rlimits.items()]
    try:
        try:
            pid, entered = _fork(cgroup)
        except OSError as exc:
            raise _StartError(125, "cannot start a process for %s: %s"
                              % (os.fsdecode(path), _lower(os.strerror(exc.errno or 0)))) \
                from None
        if pid == 0:  # the child: nothing but system calls until exec or _exit
            number, step = 0, ""
            try:
                if cgroup is not None and not entered:  # before it starts anything
                    step = "cgroup"
                    os.write(cgroup.procs, b"0")
                    step = ""
                if settings.setsid:
                    os.setsid()
                elif settings.group:
                    os.setpgid(0, 0)
                    if terminal >= 0:
                        _take_terminal(terminal)
                for dst, src in enumerate(fds):
                    if src != dst:
                        os.dup2(src, dst)
                if closing is None:  # the report pipe is closed by the exec
                    _close_past(len(fds), report_w)
                else:
                    for fd in closing:
                        try:
                            os.close(fd)
                        except OSError:
                            pass
                for step, resource, soft, hard in limits:
                    number = _rawcalls.setrlimit_errno(resource, soft, hard)
                    if number:
                        raise OSError(number, "")
                step = ""
                for signum in _PYTHON_IGNORES:
                    _signal.signal(signum, _signal.SIG_DFL)
                _signal.pthread_sigmask(_signal.SIG_SETMASK, ())
                if settings.listen_pid:  # execve copies env anyway: one copy more
                    env = dict(env, LISTEN_PID=str(os.getpid()))
                try:
                    os.execve(path, argv, env)
                except OSError as exc:
                    if late is None or exc.errno != errno.ENOEXEC or _is_elf(path):
                        raise
                os.execve(_SHELL, [_SHELL, path] + argv[1:], env)
            except OSError as exc:
                number = exc.errno or 0
            finally:
                try:
                    if late is None:
                        os.write(report_w, _failure(number, step))
                    else:
                        late.write(_failure(number, step))
                finally:
                    os._exit(127)
        if late is not None:
            return pid, late
        os.close(report_w)
        report_w = -1
        report = b""
        while True:
            chunk = os.read(report_r, 64)
            if not chunk:
                break
            report += chunk
    except BaseException:
        if late is not None:
            late.close()
        raise
    finally:
        if report_r >= 0:
            os.close(report_r)
        if report_w >= 0:
            os.close(report_w)
    if report:
        os.waitpid(pid, 0)
        if b" " in report:  # a step before the exec
            raise _start_error(path, report, settings)
        code = int(report)
        raise OSError(code, os.strerror(code) if code else "the child could not exec")
    return pid, None


def _fork(cgroup: Optional[Cgroup]) -> Tuple[int, bool]:
    """os.fork(), or for a command with a cgroup a fork whose child starts in it, where it
    can be: (the pid, 0 in the child; whether the child is in the cgroup).

    The child is made in the cgroup (clone3 with CLONE_INTO_CGROUP) where
    the kernel has it (Linux 5.7) and this process is single-threaded.
    clone3 skips Python's fork hooks: with no other thread there is
    nothing for them to mend in a child that makes only system calls
    before its exec; with one, the child could wait forever for a lock
    (the GIL, malloc's) that a thread it lacks held.  Elsewhere the child
    moves itself in by cgroup.procs, whose error then says why the cgroup
    refused it.
    """
    if cgroup is not None and _single_threaded():
        try:
            pid = _rawcalls.fork_into_cgroup(cgroup.directory)
        except OSError as exc:
            if exc.errno in _NO_PROCESS:
                raise
        else:
            cgroup.entered_by = "CLONE_INTO_CGROUP"
            return pid, True
    return os.fork(), False


def _close_past(low: int, keep: int) -> None:
    """In the child: close every descriptor from low on but keep (-1: none).

    Those under the hard RLIMIT_NOFILE by range; one at or above it (opened
    before the limit was lowered) is found in /proc/self/fd, which the
    closes below it made room to open.
    """
    hard = _rawcalls.nofile()[1]
    if keep >= low:
        os.closerange(low, keep)
        os.closerange(keep + 1, hard)
    else:
        os.closerange(low, hard)
    try:
        above = [fd for fd in map(int, os.listdir("/proc/self/fd")) if fd >= hard]
    except OSError:  # no /proc: nothing more can be found
        return
    for fd in above:
        os.close(fd)


def _handed_on(count: int, opened: List[int]) -> List[int]:
    """The sources of the command's 3, 4, ... (count of them): each of ours with
    that number, or a close-on-exec copy (added to opened) for one that is
    close-on-exec, so that a dup2 gives it the number without the flag."""
    sources = []
    for fd in range(3, 3 + count):
        if not os.get_inheritable(fd):
            copy = _dup_above_2(fd)
            opened.append(copy)
            fd = copy
        sources.append(fd)
    return sources


def _take_terminal(terminal: int, group: int = 0) -> None:
    """Make process group group (0: this process's) the foreground group of terminal, if the
    terminal allows.

    SIGTTOU is blocked meanwhile: the kernel would stop a process of a
    background group that changes the foreground group otherwise.  A
    refusal leaves the group in the background, where it was.
    """
    old = _signal.pthread_sigmask(_signal.SIG_BLOCK, (_signal.SIGTTOU,))
    try:
        os.tcsetpgrp(terminal, group or os.getpgrp())
    except OSError:
        pass
    finally:
        _signal.pthread_sigmask(_signal.SIG_SETMASK, old)


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
