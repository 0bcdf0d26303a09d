"""The loop of one supervision (_Run): epoll over a signalfd, a timerfd and the output pipes.

It starts the command, forwards the signals it reads (rewritten as asked),
arms the deadlines (timeout, kill-after, linger) and returns when the
command has ended and no child is left.
"""

from __future__ import annotations

import os
import select
import time

from pyglibc import _rawcalls
from pyglibc._supervisor.output import _Output, _Stream
from pyglibc._supervisor.proc import _proc_is_ours
from pyglibc._supervisor.reaping import _Reaping, _waitid
from pyglibc._supervisor.records import _shell_words
from pyglibc._supervisor.settings import ORPHAN_CHECK
from pyglibc._supervisor.signals import (
    _HURRY,
    _SIGCHLD,
    _SIGCONT,
    _SIGKILL,
    _SIGTERM,
    _own,
    _pending,
    _reached_too,
    _signal_name,
    _signal_or_int,
    _stop_signal,
)
from pyglibc._supervisor.start import (
    _dup_above_2,
    _find,
    _foreground_terminal,
    _handed_on,
    _LateReport,
    _spawn,
    _spawn_error,
    _StartError,
    _take_terminal,
)

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs a millisecond at startup: only the checker reads it
    import signal as _signal  # typeshed has no _signal: signal without its enums, the same calls
    from typing import Callable, Dict, Iterable, List, Optional, Tuple

    from pyglibc._supervisor.cgroup import Cgroup
    from pyglibc._supervisor.records import Reaped, Supervision
    from pyglibc._supervisor.settings import _Settings
else:
    import _signal


class _Run(_Reaping, _Output):
    """One supervision: the descriptors, the state of the command and the records.

    Here: the loop, starting the command, signals and deadlines; _Reaping
    and _Output hold the reaping and the captured output.
    """

    def __init__(self, argv: List[bytes], result: Supervision, settings: _Settings,
                 adopted: Iterable[int] = ()) -> None:
        self.argv, self.result, self.settings = argv, result, settings
        self.adopted = frozenset(adopted)
        self.strays: Dict[int, float] = {}
        self.ticker = -1  # with kill_orphans: the timer of the checks for strays
        self.cgroup: Optional[Cgroup] = None  # with settings.cgroup
        self.me = os.getpid()
        # Without a /proc of our own (a PID 1 under unshare --pid --fork, without
        # --mount-proc), names are unknown and an init cleans up with kill(-1).
        self.proc = _proc_is_ours()
        self.pid = 0
        self.command_done = False
        self.childless = False
        self.killing = False  # after the linger: SIGKILL whatever is found alive
        self.signalled: Dict[int, int] = {}
        self.signalled_all: Optional[int] = None  # what kill(-1) or cgroup.kill last sent
        self.alarm_action: Optional[Callable[[], None]] = None
        self.streams: Dict[int, _Stream] = {}
        self.handlers: Dict[int, Callable[[], None]] = {}
        self.timer = -1
        self.terminal = -1  # with group: the terminal the command's group was given
        self.late: Optional[_LateReport] = None  # the command's exec error, known once it ends
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
        # What came before the command started (python -m pyglibc blocks them from its
        # first line on) reached nobody else, whoever it was sent to.
        early = _pending(self.reader)
        try:
            self.start()
        except _StartError as exc:
            self.result.error = str(exc)
            self.result.exit_status = exc.status
            return
        if self.settings.log is not None:
            self.log("start", "started %s as pid %d" % (_shell_words(self.result.argv), self.pid))
        self.take(early, early=True)
        if self.settings.kill_orphans and not self.command_done:
            # No event says a process was reparented here: the children are looked at.
            self.ticker = _rawcalls.timerfd()
            self.watch(self.ticker, self.on_tick)
            _rawcalls.timerfd_arm(self.ticker, ORPHAN_CHECK, ORPHAN_CHECK)
        if self.settings.timeout is not None:
            self.set_alarm(self.settings.timeout, self.timed_out)
        handlers = self.handlers
        while not (self.command_done and self.childless and not self.held()):
            for fd, _ in self.epoll.poll():
                handler = handlers.get(fd)
                if handler is not None:  # not one an earlier handler of this round closed
                    handler()
        self.read_to_end()
        if self.cgroup is not None:
            self.result.cgroup = self.cgroup.report()
            failed = self.cgroup.remove()
            self.result.cgroup["removed"] = failed is None
            if failed is not None:
                self.log("cgroup", failed)

    def close(self) -> None:
        self.close_streams()
        if self.timer >= 0:
            os.close(self.timer)
        if self.ticker >= 0:
            os.close(self.ticker)
        if self.terminal >= 0:
            _take_terminal(self.terminal)  # from a command that could not exec, say
            os.close(self.terminal)
        if hasattr(self, "epoll"):
            self.epoll.close()
        if self.late is not None:
            self.late.close()
        if self.cgroup is not None:  # after an error: what can be cleaned up
            self.cgroup.remove()

    def held(self) -> bool:
        """Whether the command's cgroup holds a process still (one moved in, not a child)."""
        return self.cgroup is not None and self.cgroup.populated()

    def watch(self, fd: int, handler: Callable[[], None], events: int = select.EPOLLIN) -> None:
        self.handlers[fd] = handler
        self.epoll.register(fd, events)

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
                self.capture(settings.prefixes, settings.fds[1:], child_fds, opened)
            # A source among 0-2 that is not its own target could be overwritten by an
            # earlier dup2 (stdout=2, stderr=1): the child gets a copy above 2 instead.
            for n, src in enumerate(child_fds):
                if src <= 2 and src != n:
                    child_fds[n] = _dup_above_2(src)
                    opened.append(child_fds[n])
            child_fds += _handed_on(settings.preserve_fds, opened)
            if settings.group and not settings.setsid:
                self.terminal = _foreground_terminal()
            if settings.cgroup is not None:
                from pyglibc._supervisor.cgroup import Cgroup

                self.cgroup = Cgroup(settings.cgroup)
                # Its end of file says nothing: a change of cgroup.events is EPOLLPRI.
                self.watch(self.cgroup.events, self.on_cgroup_event, select.EPOLLPRI)
            try:
                self.pid, self.late = _spawn(path, self.argv, settings.env, child_fds,
                                             settings, self.terminal, self.cgroup)
            except OSError as exc:
                raise _spawn_error(path, exc) from None
        finally:
            for fd in opened:
                os.close(fd)
        self.result.pid = self.pid

    def command_ended(self, process: Reaped) -> None:
        # The terminal comes back first: what is said from now on (-v, --summary) would
        # stop a supervisor in the background of a TOSTOP terminal.
        if self.terminal >= 0:
            _take_terminal(self.terminal)
        if self.ticker >= 0:  # what is left now is the cleanup's
            self.unwatch(self.ticker)
            os.close(self.ticker)
            self.ticker = -1
        super().command_ended(process)
        failed = None if self.late is None else self.late.start_error()
        if failed is not None:  # it never ran: as a _StartError of start() would say
            self.result.error, self.result.exit_status = str(failed), failed.status
            self.result.returncode = None

    # -- events
    def on_signals(self) -> None:
        self.take(self.reader.read())

    def take(self, signals: List[Tuple[int, int, int]], early: bool = False) -> None:
        """Act on signals read from the signalfd; early: read before the command started."""
        # A child we had before SIGCHLD was blocked may have ended then: its SIGCHLD,
        # ignored by default, was discarded, and only a wait now finds its zombie.
        reap = early
        for signum, code, sender in signals:
            if signum == _SIGCHLD:
                reap = True
            elif _own(code, sender, self.me):
                # Our own: the SIGPIPE or SIGXFSZ of a write of ours, which an
                # init blocks (and so reads) with every other signal.
                continue
            else:
                self.on_forwarded(signum, code, early)
        if reap:
            self.reap()
            if self.ticker >= 0:  # a SIGCHLD may come with an orphan: checked at once
                self.kill_strays()
            if self.terminal >= 0 and not self.settings.init and not self.command_done:
                self.stop_with_the_command()

    def stop_with_the_command(self) -> None:
        """If the command has stopped, stop as a shell's job; once continued, continue it.

        A stop on the terminal (^Z, a SIGTTIN or SIGTTOU) reaches the command's
        group alone, which holds the terminal: the shell that runs us as its
        foreground job sees its job stopped only if we stop too, and waits for
        us until then.  The terminal comes back to our group first, as a
        shell takes it back from a job that stops; a shell's fg gives it to
        our group again, which hands it to the command's group before that
        group is continued, once.
        """
        if _waitid is None:  # a stop cannot be seen: the command stays stopped
            return
        try:  # without WEXITED nothing is reaped; the stop is taken, and seen once
            stopped = _waitid(_rawcalls.P_PID, self.pid, _rawcalls.WSTOPPED | _rawcalls.WNOHANG)
        except ChildProcessError:
            return
        if stopped is None:
            return
        if _foreground(self.terminal) == self.pid:
            _take_terminal(self.terminal)
        self.log("signal", "pid %d stopped (%s): stopping too, as a shell's job" % (
            self.pid, _signal_name(stopped.si_status)))
        # In an orphaned group (no shell's job) the kernel discards a SIGTSTP, SIGTTIN
        # or SIGTTOU: nothing waits for us to stop, and the command is continued.
        _signal.raise_signal(_stop_signal(stopped.si_status))
        # Continued.  The SIGCONT that did it waits in the signalfd, if it is one we
        # forward: taken here, it does not reach the command's group a second time.
        if _SIGCONT in self.settings.managed:
            _rawcalls.take_pending(_SIGCONT)
        if _foreground(self.terminal) == os.getpgrp():  # fg, not bg
            _take_terminal(self.terminal, self.pid)
        self.send_command(_SIGCONT)

    def on_forwarded(self, signum: int, code: int, early: bool = False) -> None:
        if not self.command_done:
            # A terminal's ^C that the command got too would come twice.
            if not early and _reached_too(self.pid, signum, code):
                return
            sent = self.settings.rewrite.get(signum, signum)
            if sent == 0:
                self.log("forward", "%s not forwarded (rewritten to 0)" % _signal_name(signum))
                return
            self.send_command(sent)
            self.result._forward(self.now(), _signal_or_int(sent))
            self.log("forward", "%s forwarded to %s %d%s" % (
                _signal_name(sent), "process group" if self.settings.group_signals else "pid",
                self.pid, "" if sent == signum else " (received %s)" % _signal_name(signum)))
        elif signum in _HURRY and not self.killing:
            self.set_alarm(None)
            self.kill_all()

    def on_cgroup_event(self) -> None:
        # Read, as the loop's condition reads it again: only the read re-arms EPOLLPRI.
        self.held()

    def on_tick(self) -> None:
        try:
            os.read(self.ticker, 8)
        except BlockingIOError:
            return
        self.kill_strays()

    def on_alarm(self) -> None:
        try:
            os.read(self.timer, 8)
        except BlockingIOError:  # re-armed since epoll saw it expire
            return
        action, self.alarm_action = self.alarm_action, None
        if action is not None:
            action()

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
            self.pid, self.settings.kill_after or 0))
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


def _foreground(terminal: int) -> int:
    """The foreground process group of terminal, -1 if it has none (hung up)."""
    try:
        return os.tcgetpgrp(terminal)
    except OSError:
        return -1
