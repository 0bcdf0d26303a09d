"""Reaping: every child that has exited, waited for and recorded by name; what is left, signalled.

A child is named from /proc/<pid>/stat while it is still a zombie, so it
is looked at before it is reaped: with waitid(WEXITED|WNOWAIT) (os.waitid,
or where the interpreter has none, as PyPy 3.9, the compiled module's).
Without waitid, the zombies are found by a scan of the children /proc
lists, and without that either (no /proc of our own) by wait3 and no
name.  Each is reaped with wait4(2), which gives what it cost (its rusage)
with its status.
"""

from __future__ import annotations

import os
import resource  # noqa: F401  (for os.wait4: see _load_wait4)

from pyglibc import _rawcalls
from pyglibc._supervisor.proc import _CLK_TCK, _children, _descendants, _running, _stat
from pyglibc._supervisor.records import Reaped, Usage, _shell_word
from pyglibc._supervisor.signals import (
    _SIGCONT,
    _SIGKILL,
    _SIGTERM,
    _SIGXCPU,
    _SIGXFSZ,
    _signal_name,
    _signal_or_int,
)

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs a millisecond at startup: only the checker reads it
    from typing import Any, Callable, Dict, FrozenSet, Iterator, Optional, Tuple

    from pyglibc._supervisor.cgroup import Cgroup
    from pyglibc._supervisor.proc import _Stat
    from pyglibc._supervisor.records import Supervision
    from pyglibc._supervisor.settings import _Settings
    from pyglibc._supervisor.signals import Signal

_waitid = getattr(os, "waitid", None) or _rawcalls.waitid  # PyPy 3.9's os has none


def _load_wait4() -> None:
    """Have os.wait4 import now what it imports on its first call, while a descriptor is free
    to open it with, not in a supervisor started under a low RLIMIT_NOFILE: on PyPy its own
    module, _pypy_wait, which this call loads; on CPython resource, for struct_rusage,
    which it imports only once it has a child's rusage to return (imported above)."""
    try:
        os.wait4(os.getpid(), os.WNOHANG)  # not a child of its own: ECHILD at once
    except ChildProcessError:
        pass


_load_wait4()


class _Reaping:
    """The part of _Run that reaps and cleans up (see _Run for the rest)."""

    # Set by _Run.__init__ and shared with the rest of it.
    result: Supervision
    settings: _Settings
    me: int
    proc: bool
    pid: int
    command_done: bool
    childless: bool
    killing: bool
    signalled: Dict[int, int]
    signalled_all: Optional[int]
    boot0: float
    cgroup: Optional[Cgroup]
    adopted: FrozenSet[int]  # the children this process had before the command started
    strays: Dict[int, float]  # with kill_orphans: when each got its SIGTERM (now())
    lingering = False  # the command has ended, and the linger has begun

    if TYPE_CHECKING:
        def now(self) -> float: ...

        def log(self, event: str, message: str) -> None: ...

        def set_alarm(self, seconds: Optional[float],
                      action: Optional[Callable[[], None]] = None) -> None: ...

        def held(self) -> bool: ...

    def reap(self) -> None:
        """Reap every child that has exited, reading its name first; note when none is left."""
        if _waitid is not None:
            exited = self.exited_waitid()
        elif self.proc:
            exited = self.exited_scan()
        else:
            exited = self.exited_blind()
        for pid, stat, status, usage in exited:
            self.record(pid, stat, status, usage)
        if self.command_done and not self.lingering and (not self.childless or self.held()):
            # Whether or not the SIGTERM round found it: the walk down /proc can
            # miss a process reparented to us meanwhile, which is still a child.
            self.lingering = True
            self.set_alarm(self.settings.linger, self.kill_all)
        if self.killing and not self.childless:
            self.signal_all(_SIGKILL)  # a straggler forked before the last round

    def exited_waitid(self) -> Iterator[Tuple[int, Optional[_Stat], int, Any]]:
        """(pid, stat, status) of the children that have exited, peeked at with WNOWAIT."""
        assert _waitid is not None
        while True:
            try:
                info = _waitid(_rawcalls.P_ALL, 0,
                               _rawcalls.WEXITED | _rawcalls.WNOHANG | _rawcalls.WNOWAIT)
            except ChildProcessError:
                self.childless = True
                return
            if info is None:
                return
            stat = _stat(info.si_pid) if self.proc else None
            pid, status, usage = os.wait4(info.si_pid, os.WNOHANG)
            if not pid:  # not waitable after all: the next SIGCHLD will tell
                return
            yield pid, stat, status, usage

    def exited_scan(self) -> Iterator[Tuple[int, Optional[_Stat], int, Any]]:
        """The same from /proc, without waitid: the zombies among the children /proc lists.

        No wait3 here, which could reap a child that died since the
        scan, before its name was read.  A zombie stays listed until it is
        reaped, so a scan that shows no child means that none is left.
        """
        while True:
            children = _children(self.me)
            if not children:
                self.childless = True
                return
            reaped = False
            for pid in children:
                stat = _stat(pid)
                if stat is not None and stat.state == "Z":
                    pid, status, usage = os.wait4(pid, os.WNOHANG)
                    if pid:
                        reaped = True
                        yield pid, stat, status, usage
            if not reaped:
                return

    def exited_blind(self) -> Iterator[Tuple[int, Optional[_Stat], int, Any]]:
        """Without waitid nor a /proc of our own: wait3, and no names."""
        while True:
            try:
                pid, status, usage = os.wait3(os.WNOHANG)
            except ChildProcessError:
                self.childless = True
                return
            if not pid:
                return
            yield pid, None, status, usage

    def record(self, pid: int, stat: Optional[_Stat], status: int, rusage: Any) -> None:
        started = None
        if stat is not None:
            started = round(max(0.0, stat.start / _CLK_TCK - self.boot0), 2)
        exitcode: Optional[int]
        signum: Optional[Signal]
        if os.WIFSIGNALED(status):
            exitcode, signum = None, _signal_or_int(os.WTERMSIG(status))
        else:
            exitcode, signum = os.WEXITSTATUS(status), None
        sent = self.signalled.get(pid, None if pid == self.pid else self.signalled_all)
        usage = Usage.from_rusage(rusage)
        if pid == self.pid:
            role = "command"
        elif self.strays.pop(pid, None) is not None:
            role = "stray"
        else:
            role = "adopted" if pid in self.adopted else "orphan"
        limit = _limit_reached(signum, sent, usage, self.settings.rlimits)
        # Only with memory_max: the count has the kills of every OOM killer, the system's too.
        if limit is None and signum == _SIGKILL and sent != _SIGKILL \
                and self.cgroup is not None and "memory.max" in (self.settings.cgroup or {}) \
                and self.cgroup.oom_killed():
            limit = "memory.max"
        process = Reaped(pid, stat.name if stat else None, pid == self.pid, exitcode, signum,
                         bool(os.WCOREDUMP(status)), started, self.now(),
                         None if sent is None else _signal_or_int(sent), usage, limit, role)
        self.result._add(process)
        if pid == self.pid:
            self.command_ended(process)
        else:
            self.log("reap", "reaped orphan %d (%s): %s" % (
                pid, "?" if process.name is None else _shell_word(process.name), process.status))

    def command_ended(self, process: Reaped) -> None:
        self.command_done = True
        result = self.result
        if process.signal is None:
            result.returncode = result.exit_status = process.exitcode or 0
        else:
            result.returncode = -process.signal
            result.exit_status = 128 + process.signal
        if result.timed_out:
            result.exit_status = 124
        elif result.exit_status in self.settings.zero_status:
            result.exit_status = 0
        self.log("exit", "pid %d ended: %s; exit status %d" % (
            process.pid, process.status, result.exit_status))
        self.set_alarm(None)
        self.signal_all(_SIGTERM)

    def kill_strays(self) -> None:
        """kill_orphans: SIGTERM each child reparented here while the command runs, SIGKILL
        it once it has lingered.

        They are children, not reaped: their pids cannot be another's.  What
        a stray leaves when it dies is reparented here in turn, and found by
        a later check.
        """
        now, linger = self.now(), self.settings.linger
        for pid in _children(self.me):
            if pid == self.pid or pid in self.adopted or not _running(pid):
                continue
            since = self.strays.get(pid)
            if since is None:
                self.strays[pid] = now
                self.signal(pid, _SIGTERM)
                self.log("signal", "sent SIGTERM to pid %d, left while the command runs" % pid)
            elif linger is not None and now - since >= linger \
                    and self.signalled.get(pid) != _SIGKILL:
                self.signal(pid, _SIGKILL)
                self.log("signal", "sent SIGKILL to pid %d, still there %g s after SIGTERM"
                         % (pid, linger))

    def signal(self, pid: int, signum: int) -> None:
        """Send signum to pid (and SIGCONT after a SIGTERM, which a stopped one would not act
        on), and note it for its record."""
        self.signalled[pid] = signum
        try:
            os.kill(pid, signum)
            if signum == _SIGTERM:
                os.kill(pid, _SIGCONT)
        except ProcessLookupError:
            pass

    def kill_all(self) -> None:
        self.killing = True
        self.signal_all(_SIGKILL)

    def signal_all(self, signum: int, quiet: bool = False) -> None:
        """Send signum to every living process under the supervisor.

        Without a /proc of our own, an init sends it to every process of its
        namespace at once (kill(-1)).
        quiet: without a word to the log.
        """
        if not self.proc:
            if self.me != 1:
                return
            try:
                os.kill(-1, signum)
                if signum == _SIGTERM:
                    os.kill(-1, _SIGCONT)
            except ProcessLookupError:
                return
            self.signalled_all = signum
            if not quiet:
                self.log("signal", "sent %s to every process left" % _signal_name(signum))
            return
        if signum == _SIGKILL and self.cgroup is not None:
            for pid in self.cgroup.pids():
                self.signalled[pid] = signum
            self.cgroup.kill()  # at once: none of them can fork meanwhile
            # What was forked since the list was read got it too, and is in no list.
            self.signalled_all = signum
        alive = [pid for pid in _descendants(self.me) if _running(pid)]
        if self.cgroup is not None:  # one moved into it, not a descendant
            alive += [pid for pid in self.cgroup.pids() if pid not in alive]
        for pid in alive:
            self.signal(pid, signum)
        if alive and not quiet:
            self.log("signal", "sent %s to what is left: %s" % (
                _signal_name(signum), ", ".join(map(str, alive))))

    def abort(self) -> None:
        """After an error in the loop: SIGKILL the whole tree and reap it, so nothing is left.

        Quietly: the error may be the log's own, which would raise again
        before the killed were reaped.
        """
        while True:
            self.signal_all(_SIGKILL, quiet=True)
            try:
                os.waitpid(-1, 0)
            except ChildProcessError:
                return


def _limit_reached(signum: Optional[int], sent: Optional[int], usage: Usage,
                   limits: Dict[str, Tuple[Optional[int], Optional[int]]]) -> Optional[str]:
    """The resource limit whose signal ended a process, None if none did.

    SIGXCPU and SIGXFSZ are the kernel's for RLIMIT_CPU and RLIMIT_FSIZE
    alone.  A SIGKILL the supervisor did not send is the hard RLIMIT_CPU's
    when the command was given one and the process's CPU time came near
    it: the kernel checks the limit against its count by ticks, which on a
    busy machine runs ahead of the rusage it reports (by a third, seen on
    two loaded cores).
    """
    if signum is None:
        return None
    if signum == _SIGXCPU:
        return "RLIMIT_CPU"
    if signum == _SIGXFSZ:
        return "RLIMIT_FSIZE"
    if signum == _SIGKILL and sent != _SIGKILL and "CPU" in limits:
        hard = limits["CPU"][1]
        if hard is not None and usage.cpu >= hard / 2:
            return "RLIMIT_CPU"
    return None
