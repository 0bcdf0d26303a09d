"""The loop of one supervision (_Run): epoll over a signalfd, a timerfd and the output pipes.

It starts the command, forwards the signals it reads (rewritten as asked),
arms the deadlines (timeout, kill-after, linger), reaps and records every
child that exits, and returns when the command has ended and no child is
left.
"""

from __future__ import annotations

import os
import select
import time

from pyglibc import _rawcalls
from pyglibc._supervisor.proc import _CLK_TCK, _children, _descendants, _proc_is_ours, _stat
from pyglibc._supervisor.records import Reaped, _shell_words
from pyglibc._supervisor.signals import (
    _HURRY,
    _SIGCHLD,
    _SIGCONT,
    _SIGKILL,
    _SIGTERM,
    _signal_name,
    _signal_or_int,
)
from pyglibc._supervisor.start import _dup_above_2, _find, _spawn, _spawn_error, _StartError

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs a millisecond at startup: only the checker reads it
    from typing import Callable, Dict, Iterator, List, Optional, Tuple

    from pyglibc._supervisor.proc import _Stat
    from pyglibc._supervisor.records import Supervision
    from pyglibc._supervisor.settings import _Settings
    from pyglibc._supervisor.signals import Signal

# A line longer than this is cut in pieces, each with its prefix, so that a
# command printing without newlines cannot make the supervisor's memory grow.
_LINE_MAX = 65536
_CHUNK = 65536

_waitid = getattr(os, "waitid", None)          # missing on PyPy 3.9


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


class _Run:
    """One supervision: the descriptors, the state of the command and the records."""

    def __init__(self, argv: List[bytes], result: Supervision, settings: _Settings) -> None:
        self.argv, self.result, self.settings = argv, result, settings
        self.me = os.getpid()
        # Without a /proc of our own (a PID 1 under unshare --pid --fork, without
        # --mount-proc), names are unknown and an init cleans up with kill(-1).
        self.proc = _proc_is_ours()
        self.pid = 0
        self.command_done = False
        self.childless = False
        self.killing = False  # after the linger: SIGKILL whatever is found alive
        self.signalled: Dict[int, int] = {}
        self.signalled_all: Optional[int] = None  # what kill(-1) last sent
        self.alarm_action: Optional[Callable[[], None]] = None
        self.streams: Dict[int, _Stream] = {}
        self.handlers: Dict[int, Callable[[], None]] = {}
        self.timer = -1
        self.t0 = time.monotonic()
        self.boot0 = time.clock_gettime(time.CLOCK_BOOTTIME)

    def now(self) -> float:
        return round(time.monotonic() - self.t0, 6)

    def log(self, event: str, message: str) -> None:
        if self.settings.log is not None:
            self.settings.log(event, message)

    # run() starts the command and waits until no child is left; close() closes
    # what it opened (the caller's signalfd excepted).
    def run(self, sfd: int) -> None:
        self.reader = _rawcalls.SignalReader(sfd)
        self.epoll = select.epoll()
        self.watch(sfd, self.on_signals)
        try:
            self.start()
        except _StartError as exc:
            self.result.error = str(exc)
            self.result.exit_status = exc.status
            return
        if self.settings.log is not None:
            self.log("start", "started %s as pid %d" % (_shell_words(self.result.argv), self.pid))
        if self.settings.timeout is not None:
            self.set_alarm(self.settings.timeout, self.timed_out)
        handlers = self.handlers
        while not (self.command_done and self.childless):
            for fd, _ in self.epoll.poll():
                handler = handlers.get(fd)
                if handler is not None:  # not one an earlier handler of this round closed
                    handler()
        for stream in list(self.streams.values()):  # every writer is gone: read to the end
            while stream.fd in self.streams:
                self.on_output(stream)

    def close(self) -> None:
        for fd in self.streams:
            os.close(fd)
        self.streams.clear()
        if self.timer >= 0:
            os.close(self.timer)
        if hasattr(self, "epoll"):
            self.epoll.close()

    def watch(self, fd: int, handler: Callable[[], None]) -> None:
        self.handlers[fd] = handler
        self.epoll.register(fd, select.EPOLLIN)

    def unwatch(self, fd: int) -> None:
        del self.handlers[fd]
        self.epoll.unregister(fd)

    def start(self) -> None:
        settings = self.settings
        path = _find(self.argv[0], settings.env)
        child_fds = list(settings.fds)
        opened: List[int] = []
        try:
            if settings.prefixes is not None:
                for n, (prefix, out) in enumerate(zip(settings.prefixes, settings.fds[1:]), 1):
                    r, w = os.pipe2(os.O_CLOEXEC)
                    opened.append(w)
                    self.streams[r] = stream = _Stream(r, prefix, out)
                    self.watch(r, lambda s=stream: self.on_output(s))  # type: ignore[misc]
                    os.set_blocking(r, False)
                    child_fds[n] = w
            # A source among 0-2 that is not its own target could be overwritten by an
            # earlier dup2 (stdout=2, stderr=1): the child gets a copy above 2 instead.
            for n, src in enumerate(child_fds):
                if src <= 2 and src != n:
                    child_fds[n] = _dup_above_2(src)
                    opened.append(child_fds[n])
            try:
                self.pid = _spawn(path, self.argv, settings.env, child_fds, settings)
            except OSError as exc:
                raise _spawn_error(path, exc) from None
        finally:
            for fd in opened:
                os.close(fd)
        self.result.pid = self.pid

    # -- events
    def on_signals(self) -> None:
        reap = False
        for signum, code, sender in self.reader.read():
            if signum == _SIGCHLD:
                reap = True
            elif sender == self.me and code in (_rawcalls.SI_USER, _rawcalls.SI_TKILL):
                # Our own: the SIGPIPE or SIGXFSZ of a write of ours, which an
                # init blocks (and so reads) with every other signal.
                continue
            else:
                self.on_forwarded(signum, code)
        if reap:
            self.reap()

    def on_forwarded(self, signum: int, code: int) -> None:
        if not self.command_done:
            # A positive si_code means the kernel sent it: a terminal's ^C, ^\, resize
            # or hang-up goes to the whole foreground process group, which holds the
            # command too unless it has its own group; a second copy would be one too many.
            if code > 0 and not self.settings.group_signals:
                return
            sent = self.settings.rewrite.get(signum, signum)
            if sent == 0:
                self.log("forward", "%s not forwarded (rewritten to 0)" % _signal_name(signum))
                return
            self.send_command(sent)
            self.result.forwarded.append((self.now(), _signal_or_int(sent)))
            self.log("forward", "%s forwarded to %s %d%s" % (
                _signal_name(sent), "process group" if self.settings.group_signals else "pid",
                self.pid, "" if sent == signum else " (received %s)" % _signal_name(signum)))
        elif signum in _HURRY and not self.killing:
            self.set_alarm(None)
            self.kill_all()

    def on_alarm(self) -> None:
        try:
            os.read(self.timer, 8)
        except BlockingIOError:  # re-armed since epoll saw it expire
            return
        action, self.alarm_action = self.alarm_action, None
        if action is not None:
            action()

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
        except BrokenPipeError:
            pass  # nobody reads our side: closing the pipe lets the command see it too
        del self.streams[stream.fd]
        self.unwatch(stream.fd)
        os.close(stream.fd)

    # -- deadlines
    def set_alarm(self, seconds: Optional[float],
                  action: Optional[Callable[[], None]] = None) -> None:
        """Arm the timer to call action after seconds (None: disarm); 0 calls it now."""
        self.alarm_action = None
        if self.timer >= 0:
            _rawcalls.timerfd_arm(self.timer, 0)
        if action is None or seconds is None:
            return
        if seconds == 0:
            action()
            return
        if self.timer < 0:
            self.timer = _rawcalls.timerfd()
            self.watch(self.timer, self.on_alarm)
        self.alarm_action = action
        _rawcalls.timerfd_arm(self.timer, seconds)

    def timed_out(self) -> None:
        self.result.timed_out = True
        self.log("timeout", "timed out after %g s: SIGTERM to pid %d" % (
            self.settings.timeout or 0, self.pid))
        self.send_command(_SIGTERM, record=True)
        self.send_command(_SIGCONT)
        self.set_alarm(self.settings.kill_after, self.kill_command)

    def kill_command(self) -> None:
        self.log("timeout", "pid %d still there %g s after SIGTERM: SIGKILL" % (
            self.pid, self.settings.kill_after))
        self.send_command(_SIGKILL, record=True)

    def send_command(self, signum: int, record: bool = False) -> None:
        if record:
            self.signalled[self.pid] = signum
        try:
            if self.settings.group_signals:
                os.killpg(self.pid, signum)
            else:
                os.kill(self.pid, signum)
        except ProcessLookupError:
            pass

    # -- reaping
    def reap(self) -> None:
        """Reap every child that has exited, reading its name first; note when none is left."""
        if _waitid is not None:
            exited = self.exited_waitid()
        elif self.proc:
            exited = self.exited_scan()
        else:
            exited = self.exited_blind()
        for pid, stat, status in exited:
            self.record(pid, stat, status)
        if self.killing and not self.childless:
            self.signal_all(_SIGKILL)  # a straggler forked before the last round

    def exited_waitid(self) -> Iterator[Tuple[int, Optional[_Stat], int]]:
        """(pid, stat, status) of the children that have exited, peeked at with WNOWAIT."""
        assert _waitid is not None
        while True:
            try:
                info = _waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
            except ChildProcessError:
                self.childless = True
                return
            if info is None:
                return
            stat = _stat(info.si_pid) if self.proc else None
            pid, status = os.waitpid(info.si_pid, os.WNOHANG)
            if not pid:  # not waitable after all: the next SIGCHLD will tell
                return
            yield pid, stat, status

    def exited_scan(self) -> Iterator[Tuple[int, Optional[_Stat], int]]:
        """The same from /proc, without waitid: the zombies among the children /proc lists.

        No waitpid(-1) here, which could reap a child that died since the
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
                    pid, status = os.waitpid(pid, os.WNOHANG)
                    if pid:
                        reaped = True
                        yield pid, stat, status
            if not reaped:
                return

    def exited_blind(self) -> Iterator[Tuple[int, Optional[_Stat], int]]:
        """Without waitid nor a /proc of our own: waitpid(-1), and no names."""
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                self.childless = True
                return
            if not pid:
                return
            yield pid, None, status

    def record(self, pid: int, stat: Optional[_Stat], status: int) -> None:
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
        process = Reaped(pid, stat.name if stat else None, pid == self.pid, exitcode, signum,
                         bool(os.WCOREDUMP(status)), started, self.now(),
                         None if sent is None else _signal_or_int(sent))
        self.result.processes.append(process)
        if pid == self.pid:
            self.command_ended(process)
        else:
            self.log("reap", "reaped orphan %d (%s): %s" % (pid, process.name or "?",
                                                            process.status))

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
        if self.signal_all(_SIGTERM):
            self.set_alarm(self.settings.linger, self.kill_all)

    def kill_all(self) -> None:
        self.killing = True
        self.signal_all(_SIGKILL)

    def signal_all(self, signum: int) -> List[int]:
        """Send signum to every living process under the supervisor; return their pids.

        Without a /proc of our own, an init sends it to every process of its
        namespace at once (kill(-1)), and returns [-1] if there was one.
        """
        if not self.proc:
            if self.me != 1:
                return []
            try:
                os.kill(-1, signum)
                if signum == _SIGTERM:
                    os.kill(-1, _SIGCONT)
            except ProcessLookupError:
                return []
            self.signalled_all = signum
            self.log("signal", "sent %s to every process left" % _signal_name(signum))
            return [-1]
        alive = []
        for pid in _descendants(self.me):
            stat = _stat(pid)
            if stat is not None and stat.state not in ("Z", "X"):
                alive.append(pid)
        for pid in alive:
            self.signalled[pid] = signum
            try:
                os.kill(pid, signum)
                if signum == _SIGTERM:  # a stopped process would not act on it
                    os.kill(pid, _SIGCONT)
            except ProcessLookupError:
                pass
        if alive:
            self.log("signal", "sent %s to what is left: %s" % (
                _signal_name(signum), ", ".join(map(str, alive))))
        return alive

    def abort(self) -> None:
        """After an error in the loop: SIGKILL the whole tree and reap it, so nothing is left."""
        while True:
            self.signal_all(_SIGKILL)
            try:
                os.waitpid(-1, 0)
            except ChildProcessError:
                return
