"""--pidns: the command under a forked init that is PID 1 of a new PID namespace.

The caller forwards its signals to that init and reads its report; the
init supervises in a mount namespace and /proc of its own, and when it
ends the kernel kills whatever is left in the namespace.  Imported only
for a run with ``pidns``.
"""

from __future__ import annotations

import os
import select

from pyglibc import _rawcalls
from pyglibc._supervisor import _supervise, _with_pdeathsig
from pyglibc._supervisor.output import _CHUNK
from pyglibc._supervisor.records import Reaped, Supervision
from pyglibc._supervisor.signals import (
    _SIGCHLD,
    _SIGKILL,
    _Blocked,
    _own,
    _pending,
    _reached_too,
    _signal_name,
)

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs a millisecond at startup: only the checker reads it
    from typing import Any, Callable, Dict, List, NoReturn, Optional, Sequence, Tuple

    from pyglibc._supervisor.settings import _Settings


def _in_pid_namespace(words: List[bytes], result: Supervision, settings: _Settings,
                      parent: int) -> None:
    """The command under a forked init that is PID 1 of a new PID namespace.

    unshare(CLONE_NEWPID) puts the caller's next child, not the caller, in
    the new namespace: that child becomes its PID 1.  The caller goes back
    to its own namespace for its later children (setns), forwards the
    signals it gets to that init, and reads the init's report from a pipe,
    one JSON object a line: {"process": ``Reaped.as_dict``} as each process
    is reaped, then {"result": the ``as_dict`` of its supervision} or
    {"error": why it could not supervise}.  The init dies
    with the caller (PR_SET_PDEATHSIG, SIGKILL), and the kernel kills
    what is left in a namespace whose init has ended.
    """
    import glibc

    try:
        ns = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
    except OSError as exc:
        result.error = "--pidns: cannot open /proc/self/ns/pid: %s" % exc.strerror
        return
    with _Blocked(settings.managed) as sfd:
        _with_pdeathsig(settings, parent)
        try:
            glibc.unshare(glibc.CLONE_NEWPID)
        except OSError as exc:
            os.close(ns)
            result.error = "--pidns: cannot make a PID namespace: %s" % exc.strerror
            return
        reader = _rawcalls.SignalReader(sfd)
        # What came before the init is forked (python -m pyglibc blocks them from its
        # first line on) would not be its own pending signals: it gets them once forked.
        early = _pending(reader)
        pipes: List[int] = []
        try:
            pipes += os.pipe2(os.O_CLOEXEC)
            pipes += os.pipe2(os.O_CLOEXEC)
            report_r, report_w, alive_r, alive_w = pipes
            pid = os.fork()
            if pid == 0:
                _namespace_init(words, settings, report_w, alive_r, (sfd, ns, report_r, alive_w))
        except BaseException:
            for fd in pipes:
                os.close(fd)
            raise
        finally:  # our own later children in our own namespace again
            try:
                glibc.setns(ns, glibc.CLONE_NEWPID)
            finally:
                os.close(ns)
        os.close(report_w)
        os.close(alive_r)
        try:
            report, status = _wait_for_init(pid, reader, report_r, early, result._add)
        finally:
            os.close(report_r)
            os.close(alive_w)
    if "result" in report:
        result._load(report["result"])
    elif "error" in report:
        result.error = report["error"]
    else:
        result.error = "--pidns: the namespace's init (pid %d) ended without a report: %s" % (
            pid, _signal_name(os.WTERMSIG(status)) if os.WIFSIGNALED(status)
            else "exit %d" % os.WEXITSTATUS(status))


def _wait_for_init(pid: int, reader: _rawcalls.SignalReader, report_r: int,
                   early: List[Tuple[int, int, int]],
                   on_reap: Callable[[Reaped], None]) -> Tuple[Dict[str, Any], int]:
    """Forward signals to the init pid and read its report until it has ended and been reaped.

    early: the signals read before the init was forked, which reached nobody
    else, whoever they were sent to; on_reap: called with each record of the
    report as it comes.  On an error (from on_reap, say) the init is killed,
    and the namespace with it, and reaped before the error propagates.
    """
    me = os.getpid()
    for signum, code, sender in early:
        if signum != _SIGCHLD and not _own(code, sender, me):
            os.kill(pid, signum)  # our child, not yet reaped
    status: Optional[int] = None
    report: Dict[str, Any] = {}
    data = b""
    try:
        with select.epoll() as epoll:
            epoll.register(reader.fd, select.EPOLLIN)
            epoll.register(report_r, select.EPOLLIN)
            reading = True
            while reading or status is None:
                for fd, _ in epoll.poll():
                    if fd == report_r:
                        chunk = os.read(report_r, _CHUNK)
                        *lines, data = (data + chunk).split(b"\n")
                        if not chunk:
                            epoll.unregister(report_r)
                            reading = False
                            lines.append(data)
                        for line in filter(None, lines):
                            report = _report_line(line, on_reap) or report
                        continue
                    for signum, code, sender in reader.read():
                        if signum == _SIGCHLD:
                            status = _reap_all(pid, status)
                        # Ours are our own, and the init shares our process group: a
                        # terminal's ^C reaches it already (its hang-up does not).
                        elif not _own(code, sender, me) and not _reached_too(pid, signum, code):
                            try:
                                os.kill(pid, signum)
                            except ProcessLookupError:
                                pass
    except BaseException:
        if status is None:  # not reaped: its pid is still its own
            os.kill(pid, _SIGKILL)
            os.waitpid(pid, 0)
        raise
    assert status is not None
    return report, status


def _report_line(line: bytes, on_reap: Callable[[Reaped], None]) -> Optional[Dict[str, Any]]:
    """A line of the init's report: a record goes to on_reap, the end of it is returned."""
    import json

    try:
        item = json.loads(line.decode())
    except ValueError:
        return {"error": "--pidns: the namespace's init sent an unreadable report"}
    if "process" in item:
        on_reap(Reaped.from_dict(item["process"]))
        return None
    return dict(item)


def _reap_all(init: int, status: Optional[int]) -> Optional[int]:
    """Reap every child that has exited (ours is only the init, unless we are a PID 1)."""
    while True:
        try:
            pid, wait_status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return status
        if not pid:
            return status
        if pid == init:
            status = wait_status


def _namespace_supervise(words: List[bytes], settings: _Settings,
                         report: Callable[[Dict[str, Any]], None]) -> Dict[str, Any]:
    """In the new PID namespace: a mount namespace and a /proc of its own, then supervise.

    Each process reaped is reported at once, and kept by the caller alone.
    """
    import glibc

    try:
        glibc.unshare(glibc.CLONE_NEWNS)
        # Private: the /proc mounted below must not spread to the parent namespace.
        glibc.mount(None, "/", None, glibc.MS_REC | glibc.MS_PRIVATE)
        glibc.mount("proc", "/proc", "proc", glibc.MS_NOSUID | glibc.MS_NODEV | glibc.MS_NOEXEC)
    except OSError as exc:
        return {"error": "--pidns: cannot give the namespace its own /proc: %s" % exc.strerror}
    result = Supervision([os.fsdecode(word) for word in words], 0,
                         lambda process: report({"process": process.as_dict()}))
    _supervise(words, result, settings.in_namespace())
    return {"result": result.as_dict()}


def _namespace_init(words: List[bytes], settings: _Settings, report_w: int, alive_r: int,
                    inherited: Sequence[int]) -> NoReturn:
    """The forked child, PID 1 of the new namespace: supervise there, report, exit."""
    import json

    def send(item: Dict[str, Any]) -> None:
        data = json.dumps(item).encode() + b"\n"
        while data:
            data = data[os.write(report_w, data):]

    status = 125
    report: Dict[str, Any] = {}
    try:
        for fd in inherited:
            os.close(fd)
        _rawcalls.set_pdeathsig(_SIGKILL)
        # Our parent may have ended before that took effect: its pipe tells, and
        # then there is nobody to report to.
        if not select.select([alive_r], [], [], 0)[0]:
            report = _namespace_supervise(words, settings, send)
            if "result" in report:
                status = report["result"]["exit_status"]
    except BaseException as exc:
        report = {"error": "--pidns: the namespace's init failed: %s: %s"
                           % (type(exc).__name__, exc)}
    finally:
        try:
            send(report)
        finally:
            try:  # what the log said, held for a reader that fell behind
                from pyglibc._backlog import finish_all

                finish_all()
            finally:
                os._exit(status)
