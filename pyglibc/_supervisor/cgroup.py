"""--cgroup: the command in a cgroup v2 of its own, killed whole, reported, removed.

The cgroup is made under the supervisor's own in the unified hierarchy
(cgroup v2: /sys/fs/cgroup, or /sys/fs/cgroup/unified beside v1
controllers), with the limits asked for written first; the command is
forked into it (clone3(2) with CLONE_INTO_CGROUP, Linux 5.7), or moves
itself into it between fork and exec (cgroup.procs) where the kernel
cannot, or the supervisor has threads (start._fork says why): so it and
whatever it starts are in it before it runs a line of its own.  cgroup.events says,
through epoll (EPOLLPRI), when no process is left in it; cgroup.kill
(Linux 5.14) kills every process in it at once, so none can slip out by
forking meanwhile; before 5.14, rounds of SIGKILL over cgroup.procs until
it is empty.  Its cpu.stat, memory.peak and pids.peak (where those
controllers are enabled) are read once it is empty, then it is removed.
Imported only for a run with ``cgroup``.
"""

from __future__ import annotations

import errno
import os

from pyglibc._supervisor.signals import _SIGKILL
from pyglibc._supervisor.start import _StartError

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs a millisecond at startup: only the checker reads it
    from typing import Any, Dict, List, Mapping, Optional, Tuple

# The file of each limit, and the controller that must be enabled for it.
LIMITS = {"memory.max": "memory", "pids.max": "pids", "cpu.max": "cpu"}
_KILL_ROUNDS = 1000  # before cgroup.kill: SIGKILL rounds until cgroup.procs is empty


def _unified() -> Tuple[str, str]:
    """(where the cgroup v2 hierarchy is mounted, this process's cgroup in it).

    _StartError(125) if there is none: no cgroup2 mount, or this process is
    in none of its cgroups.
    """
    mount = None
    try:
        with open("/proc/self/mountinfo", "rb") as f:
            for line in f:
                fields = line.split()
                # ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [TAGS...] - TYPE SOURCE ...
                if fields[fields.index(b"-") + 1] == b"cgroup2" and fields[3] == b"/":
                    mount = _unescape(fields[4])
                    break
        with open("/proc/self/cgroup", "rb") as f:
            mine = [line.rstrip(b"\n")[3:] for line in f if line.startswith(b"0::")]
    except OSError as exc:
        raise _StartError(125, "--cgroup: cannot read /proc: %s" % _lower(exc.strerror)) from None
    if mount is None:
        raise _StartError(125, "--cgroup: no cgroup v2 hierarchy is mounted (cgroup2 in "
                               "/proc/self/mountinfo)")
    if not mine or not os.path.isdir(mount + os.fsdecode(mine[0])):
        raise _StartError(125, "--cgroup: this process's cgroup v2 is not under %s" % mount)
    return mount, os.fsdecode(mine[0])


def _in_v1(controller: str) -> str:
    """Where controller is bound to a cgroup v1 hierarchy, the words that say so."""
    try:
        with open("/proc/self/cgroup") as f:
            for line in f:
                if controller in line.split(":")[1].split(","):
                    return ": it is bound to a cgroup v1 hierarchy"
    except (OSError, IndexError):
        pass
    return ""


def _unescape(path: bytes) -> str:
    """A path of mountinfo, where space, tab, newline and backslash are written \\ooo."""
    import re

    return os.fsdecode(re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m.group(1), 8)]), path))


def _lower(reason: Optional[str]) -> str:
    reason = reason or "failed"
    return reason[:1].lower() + reason[1:]


class Cgroup:
    """The command's cgroup: made with its limits, watched, killed, read and removed."""

    def __init__(self, limits: Mapping[str, str]) -> None:
        mount, mine = _unified()
        parent = os.path.normpath(os.path.join(mount, mine.lstrip("/")))
        self.procs = self.events = self.directory = -1
        # How the command entered it: "CLONE_INTO_CGROUP", or "cgroup.procs" (start._fork).
        self.entered_by = "cgroup.procs"
        self.oom_kills = 0  # those of memory.events told of already (oom_killed)
        # Named for the supervisor's pid; under --pidns every one is 1, hence the number after.
        for n in range(100):
            self.path = os.path.join(parent, "pyglibc-run-%d%s" % (os.getpid(),
                                                                   "-%d" % n if n else ""))
            try:
                os.mkdir(self.path, 0o755)
                break
            except FileExistsError:
                continue
            except OSError as exc:
                raise _StartError(125, "--cgroup: cannot make a cgroup in %s: %s"
                                  % (parent, _lower(exc.strerror))) from None
        else:
            raise _StartError(125, "--cgroup: %s-* are all taken" % self.path)
        try:
            for name, value in limits.items():
                self.limit(parent, name, value)
            self.procs = os.open(os.path.join(self.path, "cgroup.procs"),
                                 os.O_WRONLY | os.O_CLOEXEC)
            self.events = os.open(os.path.join(self.path, "cgroup.events"),
                                  os.O_RDONLY | os.O_CLOEXEC)
            self.directory = os.open(self.path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except BaseException:
            self.remove()
            raise

    def limit(self, parent: str, name: str, value: str) -> None:
        """Write value to the limit file name, its controller enabled for the cgroup first."""
        controller = LIMITS[name]
        if controller not in self.read("cgroup.controllers").split():
            available = _read(os.path.join(parent, "cgroup.controllers")).split()
            if controller not in available:
                raise _StartError(125, "--cgroup: %s needs the %s controller, which %s does not "
                                       "have (its cgroup.controllers: %s)%s" % (
                                           name, controller, parent,
                                           " ".join(available) or "none", _in_v1(controller)))
            try:  # delegated: enabled for the children of the supervisor's cgroup
                _write(os.path.join(parent, "cgroup.subtree_control"), "+" + controller)
            except OSError as exc:
                why = (" (cgroup v2 enables controllers only for the children of a cgroup "
                       "holding no process, and the supervisor's holds it)"
                       if exc.errno == errno.EBUSY else "")
                raise _StartError(125, "--cgroup: %s: cannot enable the %s controller in %s: "
                                       "%s%s" % (name, controller, parent,
                                                 _lower(exc.strerror), why)) from None
        try:
            _write(os.path.join(self.path, name), value)
        except OSError as exc:
            raise _StartError(125, "--cgroup: cannot set %s to %s: %s"
                              % (name, value, _lower(exc.strerror))) from None

    def read(self, name: str) -> str:
        return _read(os.path.join(self.path, name))

    def populated(self) -> bool:
        """Whether a process is left in it (cgroup.events); the read also re-arms EPOLLPRI."""
        return _counts(os.pread(self.events, 4096, 0).decode()).get("populated") == 1

    def oom_killed(self) -> bool:
        """Whether its OOM killer has killed a process not told of yet (memory.events'
        oom_kill, which counts its descendant cgroups' too); it is told of now.

        False without the memory controller, which alone has the file.
        """
        try:
            events = _counts(self.read("memory.events"))
        except OSError:
            return False
        if events.get("oom_kill", 0) > self.oom_kills:
            self.oom_kills += 1
            return True
        return False

    def pids(self) -> List[int]:
        return [int(word) for word in self.read("cgroup.procs").split()]

    def kill(self) -> None:
        """SIGKILL every process in it at once (cgroup.kill), or by rounds before Linux 5.14."""
        try:
            _write(os.path.join(self.path, "cgroup.kill"), "1")
            return
        except FileNotFoundError:
            pass
        for _ in range(_KILL_ROUNDS):
            pids = self.pids()
            if not pids:
                return
            for pid in pids:  # in the cgroup: not reaped, or it would not be listed
                try:
                    os.kill(pid, _SIGKILL)
                except ProcessLookupError:
                    pass

    def report(self) -> Dict[str, Any]:
        """What it says of the processes it held: cpu.stat, and memory.peak and pids.peak
        where those controllers are enabled (None otherwise)."""
        stat: Dict[str, Any] = {"path": self.path, "entered_by": self.entered_by}
        try:
            stat["cpu"] = _counts(self.read("cpu.stat"))
        except OSError:
            stat["cpu"] = None
        for name in ("memory.peak", "pids.peak"):
            try:
                stat[name.replace(".", "_")] = int(self.read(name))
            except (OSError, ValueError):
                stat[name.replace(".", "_")] = None
        return stat

    def remove(self) -> Optional[str]:
        """Remove it once empty, and the cgroups the command made in it (all empty then, as
        cgroup.events counts theirs too); why it could not be, else None."""
        self.close()
        try:
            for top, _, _ in sorted(os.walk(self.path), key=lambda entry: -len(entry[0])):
                os.rmdir(top)  # the deepest first
        except FileNotFoundError:
            pass
        except OSError as exc:
            return "--cgroup: cannot remove %s: %s" % (exc.filename, _lower(exc.strerror))
        return None

    def close(self) -> None:
        for fd in (self.procs, self.events, self.directory):
            if fd >= 0:
                os.close(fd)
        self.procs = self.events = self.directory = -1


def _counts(text: str) -> Dict[str, int]:
    """A flat keyed file of cgroup v2 (cgroup.events, cpu.stat, memory.events: a name and
    a number a line) as a dict."""
    return dict((key, int(value)) for key, value in (line.split() for line in text.splitlines()))


def _read(path: str) -> str:
    with open(path) as f:
        return f.read()


def _write(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)
