"""Run a command and leave no process behind: ``pyglibc.supervise(["make", "test"])``.

The supervisor is a child subreaper (prctl(2) PR_SET_CHILD_SUBREAPER), so
every process the command leaves behind is reparented to it instead of to
init.  One epoll loop waits on three kinds of descriptor and nothing else,
with no polling and no sleeps:

* a signalfd(2) reporting SIGCHLD and the signals to forward (blocked in the
  calling thread, so that they queue for the descriptor);
* a timerfd(2), made when a deadline first comes up: the --timeout, the
  --kill-after that follows it, or the --linger once the command has ended;
* with ``prefix``, the read ends of the pipes that carry the command's
  stdout and stderr.

On each SIGCHLD every child that has exited is reaped (signals coalesce, so
one SIGCHLD may stand for many), and recorded with the command name it had:
a waitid(WEXITED|WNOWAIT) peeks at the zombie (os.waitid, or where the
interpreter has none, as PyPy 3.9, the compiled module's), /proc/<pid>/stat
gives its name, and only then is it reaped.
When the command has been reaped, the processes still alive under the
supervisor (found by walking /proc/<pid>/task/<tid>/children down from
its own pid, or without those, the parents /proc/<pid>/stat names) get
SIGTERM and SIGCONT, and after ``linger`` seconds SIGKILL; the
supervisor returns when it has no child left.

As an init (``init=True``, and by default when it is PID 1, as in a
container) it blocks and forwards every signal it can catch, not only the
usual seven: a PID 1 has no default action for a signal it has no handler
for, so a blocked signal read from the signalfd is the only way one
reaches the command.  Only SIGKILL and SIGSTOP (which cannot be caught),
SIGCHLD (the supervisor's own) and the hardware faults SIGSEGV, SIGBUS,
SIGILL and SIGFPE (which would hide a crash of the supervisor itself) are
not forwarded.  With ``pidns=True`` the command runs under a forked copy
of the supervisor that is PID 1 of a new PID namespace, with a mount
namespace and a /proc of its own: when that init ends, the kernel kills
whatever is left in the namespace, so nothing can outlive it.

Startup is part of the job (the goal: ``python -m pyglibc run -- true``
within 1.5 times ``python -c pass``): the package imports only what every
run needs, and reaches the few system calls it makes on each start through
pyglibc._rawcalls rather than the glibc namespace, whose first use reads
every binding table.  ``signal`` (for the names of signals), ``json``, the
glibc namespace and the pidns module (for --pidns) are imported when first
needed.

Limits, all the kernel's: a process is signalled by pid after the walk of
/proc, so one that dies and whose pid is reused in between (by its own
parent's reaping, the supervisor's children cannot be) would get the
signal instead; what CMD has another service start (systemd-run, at, a
D-Bus activation) is not its descendant and is left alone (except under
``pidns``); and with ``prefix``, the output held for a stdout that
nobody reads is written once the loop is done, so supervise() returns only
when it has been read (or its reader is gone), as any filter would.  Until
then the loop goes on: output waits in a buffer of its own (1 MiB a
stream), then in the command's pipe (see ``output``).

This module holds supervise(), which checks its arguments and the process,
then runs the command here (a subreaper, the managed signals blocked and
read from a signalfd) or in a PID namespace, and puts everything back.
Its parts, in the order a run goes through them: ``settings`` (the
arguments checked), ``signals`` (which are managed and forwarded; blocking
them), ``proc`` (what /proc says), ``start`` (starting the command),
``loop`` (the epoll loop, _Run), ``reaping`` and ``output`` (the parts of
_Run that reap and that carry the captured output), ``records`` (Reaped,
Supervision), ``pidns`` (the init of a PID namespace).
"""

from __future__ import annotations

import os
import time

from pyglibc import _rawcalls
from pyglibc._supervisor.loop import _Run
from pyglibc._supervisor.proc import _children, _proc_is_ours, _threads_not_blocking
from pyglibc._supervisor.records import RECORDS, Reaped, Supervision, Usage
from pyglibc._supervisor.settings import (
    KILL_AFTER,
    LINGER,
    ORPHAN_CHECK,
    PREFIX,
    _cgroup_limits,
    _fd,
    _prefixes,
    _preserved,
    _records,
    _rewrites,
    _rlimits,
    _seconds,
    _Settings,
    _signal_number,
    _socket_activation,
    _statuses,
)
from pyglibc._supervisor.signals import (
    _FORWARDED,
    _SIGCHLD,
    _Blocked,
    catchable_signals as catchable_signals,
)

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs a millisecond at startup: only the checker reads it
    import signal
    import signal as _signal  # typeshed has no _signal: signal without its enums, the same calls
    from typing import Any, Callable, Iterable, List, Mapping, Optional, Tuple, Union

    from pyglibc._supervisor.settings import Fd, Log
else:
    import _signal

__all__ = ["FORWARDED", "KILL_AFTER", "LINGER", "ORPHAN_CHECK", "PREFIX", "RECORDS", "Reaped",
           "Supervision", "Usage", "supervise"]

if TYPE_CHECKING:
    FORWARDED: Tuple[signal.Signals, ...] = ()
    """The signals the supervisor passes on to the command (or its process group)."""


def __getattr__(name: str) -> Any:
    # FORWARDED is made on first use: the signal module's enums cost a millisecond.
    if name == "FORWARDED":
        import signal

        value = tuple(signal.Signals(signum) for signum in _FORWARDED)
        globals()[name] = value
        return value
    raise AttributeError("module %r has no attribute %r" % (__name__, name))


def supervise(argv: Iterable[Union[str, bytes, os.PathLike[Any]]], *,
              timeout: Optional[float] = None, kill_after: float = KILL_AFTER,
              linger: float = LINGER, group: bool = False, setsid: bool = False,
              prefix: Union[None, bool, Tuple[Union[str, bytes], Union[str, bytes]]] = None,
              stdin: Fd = 0, stdout: Fd = 1, stderr: Fd = 2, preserve_fds: int = 0,
              env: Optional[Mapping[str, str]] = None, init: Optional[bool] = None,
              pidns: bool = False, rewrite: Optional[Mapping[int, Optional[int]]] = None,
              pdeathsig: Optional[int] = None, zero_status: Iterable[int] = (),
              log: Optional[Log] = None, records: int = RECORDS,
              on_reap: Optional[Callable[[Reaped], None]] = None,
              adopt: bool = False,
              rlimits: Optional[Mapping[Union[str, int], Any]] = None,
              kill_orphans: bool = False, cgroup: bool = False,
              memory_max: Optional[int] = None, pids_max: Optional[int] = None,
              cpu_max: Optional[float] = None) -> Supervision:
    """Run argv as a child subreaper would, and return a ``Supervision`` once no process is left.

    ``argv``: the command and its arguments (str, bytes or path-like), the
    program searched in the PATH of ``env`` (default: os.environ) like
    execvp(3).  The command starts with stdin, stdout and stderr (file
    descriptors or objects with fileno()) as its 0, 1, 2 and no other file
    descriptor (as with subprocess's close_fds=True) but the ``preserve_fds``
    from 3 on, as they are here (close-on-exec or not); with no signal
    blocked, the signals ignored here still ignored (as under nohup), but
    SIGPIPE and SIGXFSZ, which Python ignores itself, at their default
    action.

    Signals: SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2 and SIGWINCH
    (``FORWARDED``) are passed on to the command; with ``init`` (default:
    True when this process is PID 1) every signal but SIGKILL, SIGSTOP,
    SIGCHLD, SIGSEGV, SIGBUS, SIGILL and SIGFPE.  ``group``: the command
    gets a process group of its own (setpgid), and forwarded signals, the
    timeout's SIGTERM and SIGKILL go to the group; if this process is in
    the foreground group of its controlling terminal, the command's group
    is made the foreground group (tcsetpgrp, before it execs) until it
    ends, when the terminal comes back to this process's group, so that
    the command can read the terminal and this process can write to it;
    unless ``init``, when the command stops (^Z) this process takes the
    terminal back and stops too, as a shell's job; once continued, it gives
    the terminal to the command's group again if its own group has it (fg,
    not bg), then continues the command's group.
    ``setsid``: a session of its own (setsid), signals to its group, and
    SIGTSTP, SIGTTIN and SIGTTOU forwarded as SIGSTOP (as dumb-init does:
    the group is orphaned, and would not stop on them).  ``rewrite``: {signal: signal} sends the
    second when the first comes (0 or None: not at all), and adds the
    first to those forwarded.  ``pdeathsig``: the signal this process gets
    when its parent ends (prctl PR_SET_PDEATHSIG; sent at once if the
    parent has ended already), forwarded like the others unless it is
    SIGKILL.

    ``prefix``: None to let the command write to stdout and stderr itself;
    True or a pair of prefixes (bytes or str) to capture both through pipes
    and write each line, bytes as they came, to stdout or stderr after its
    prefix (True: PREFIX), however long (held until its newline up to
    64 KiB, written as it comes past that); a last line without a newline
    gets one.  When stdout or stderr takes nothing more (a reader gone, a
    full disk), its pipe is closed: the command sees its writes fail, as
    without a prefix.
    ``timeout``: seconds after which the command gets SIGTERM, then
    SIGKILL ``kill_after`` seconds later if it has not ended (0: at once).
    Once the command has ended, the processes it left get SIGTERM, and
    SIGKILL ``linger`` seconds later; a SIGINT, SIGTERM, SIGHUP or SIGQUIT
    received during the linger ends it at once.  Each of the three may be
    inf, as may any duration of 2**31 s (68 years) or more: no limit (no
    timeout; no SIGKILL after that SIGTERM); NaN or less than 0 (0 too
    for ``timeout``) is a ValueError.  ``zero_status``: exit
    statuses of the command (128+N for signal N included) that give an
    exit_status of 0.

    Socket activation (sd_listen_fds(3)): when LISTEN_PID in ``env`` is
    this process's pid, the LISTEN_FDS descriptors from 3 on go to the
    command as ``preserve_fds`` do, and its LISTEN_PID is its own pid
    (set between fork and exec, so the command is forked then); a LISTEN_PID
    of another process is passed on as it is, the descriptors are not.

    ``pidns``: run the command under an init that is PID 1 of a new PID
    namespace with its own mount namespace and /proc (this process is
    forked for it: call it from a single-threaded process); everything
    left in the namespace dies with that init.  A namespace that cannot be
    made is no exception: ``error`` says why, exit_status is 125.

    ``log``: called as ``log(event, message)`` as things happen; events:
    "start", "forward", "timeout", "exit" (the command's end), "reap" (an
    orphan reaped), "signal" (what is left signalled, strays included),
    "cgroup" (the command's cgroup could not be removed).  An exception it
    raises ends the run: the command and all it left get SIGKILL and are
    reaped (without a word to log), then the exception propagates (under
    ``pidns``, where log is called in the namespace's init, it is the
    ``error`` instead, exit_status 125).

    ``records``: how many ``Reaped`` records the result keeps in
    ``processes``, the last ones (default ``RECORDS``, 1000: some 260 KB
    at most, however many processes an init reaps; 0: none).  ``command`` and the
    count ``processes_reaped`` are kept whatever it says.  ``on_reap``:
    called with each ``Reaped`` record as its process is reaped (under
    ``pidns`` too), to stream or count them: with ``records=0`` nothing
    grows with the processes reaped.  An exception from ``log`` or
    ``on_reap`` ends the supervision as any error would: whatever is left
    is killed and reaped before it propagates.

    ``kill_orphans``: a process reparented to this one while the command
    still runs (a worker's child, left when the worker died) gets SIGTERM
    and SIGCONT at once, and SIGKILL ``linger`` seconds later: for a
    command whose own supervisor restarts workers and leaves their children
    behind.  Linux tells a subreaper nothing when a process is reparented
    to it, so the children are looked at every ``ORPHAN_CHECK`` seconds
    (0.25) and at each SIGCHLD.  Their records have the role "stray".

    ``cgroup``: run the command in a cgroup v2 of its own, made under this
    process's cgroup in the unified hierarchy (/sys/fs/cgroup, or
    /sys/fs/cgroup/unified beside v1 controllers), the command made in it
    (clone3's CLONE_INTO_CGROUP, Linux 5.7; before, or from a process with
    threads, it moves itself in between fork and exec), so that nothing it
    starts is outside it.  Its SIGKILL after
    the linger is cgroup.kill (Linux 5.14; rounds of SIGKILL over
    cgroup.procs before), which no process can escape by forking; when
    cgroup.events says it is empty, ``Supervision.cgroup`` gets its
    cpu.stat (and memory.peak and pids.peak where those controllers are
    enabled), and it is removed.  ``memory_max`` (bytes), ``pids_max``
    (processes) and ``cpu_max`` (CPUs: 1.5 is 150 ms of CPU each 100 ms)
    imply it, and are written to its memory.max, pids.max and cpu.max,
    their controller enabled for it first.  A cgroup that cannot be made,
    or a limit that cannot be set (no such controller in the hierarchy,
    or one that cgroup v2 cannot enable below a cgroup that holds
    processes, as the supervisor's own), is no exception: ``error`` says
    why in one line, exit_status is 125.

    ``rlimits``: resource limits for the command alone, set between fork
    and exec (setrlimit(2)), never on this process: {resource: limit} or
    {resource: (soft, hard)}, a resource named with or without ``RLIMIT_``
    ("CPU", "RLIMIT_NOFILE") or by its number (resource.RLIMIT_AS), a
    limit an int (seconds for CPU, bytes for AS, DATA, FSIZE, STACK, ...,
    a count for NOFILE and NPROC) or None or "unlimited"; one limit alone
    is both soft and hard, as docker's --ulimit and prlimit(1) take it.
    Whatever the command starts inherits them.  A limit the command may
    not be given (a hard limit above this process's, unprivileged) is no
    exception: ``error`` says which, exit_status is 125.  The ``Reaped``
    record of a process that a limit ended says which (``limit``).

    ``adopt``: take the children this process has already for orphans:
    reaped when they exit (and recorded with the others, ``command``
    False), signalled with what the command leaves when it ends.  For a
    process where nothing else waits for them, as ``python -m pyglibc
    run`` after a shell's exec (``sleep 9 & exec python -m pyglibc run --
    app``); without it they are a RuntimeError (below).

    A command that cannot be started is no exception: the result has
    ``error`` and an exit_status of 127 (not found), 126 (not executable)
    or 125 (no process could be made for it).
    RuntimeError if the process has children already and ``adopt`` is
    False (they would be reaped, their exit statuses lost to whoever waits
    for them, and signalled as if the command had left them) or ``pidns``
    is True (its namespace would not hold them), if SIGCHLD is ignored (the kernel would
    reap them itself), if another thread does not block the signals
    managed (a signal sent to the process could be delivered to it instead
    of the signalfd), if /proc is another PID namespace's (only a PID 1
    can do without it), or if LISTEN_PID names this process and LISTEN_FDS
    is not a count of open descriptors.  Any thread may call supervise(); Python's own
    threads start unblocked, so start yours inside ``with
    pyglibc.pthread_sigmask(...)`` if they run meanwhile.

    Everything is put back before it returns: the thread's signal mask, the
    subreaper flag, the parent-death signal, and no file descriptor left
    open.
    """
    if isinstance(argv, (str, bytes)) or not hasattr(argv, "__iter__"):
        raise TypeError("supervise: argv must be a list of strings, not %s"
                        % type(argv).__name__)
    words = [os.fsencode(word) for word in argv]
    if not words or not words[0]:
        raise ValueError("supervise: argv must hold a command")
    settings = _Settings(
        None if timeout is None else _seconds(timeout, "timeout", positive=True),
        _seconds(kill_after, "kill_after", positive=False),
        _seconds(linger, "linger", positive=False), bool(group), bool(setsid),
        _prefixes(prefix), (_fd(stdin, "stdin"), _fd(stdout, "stdout"), _fd(stderr, "stderr")),
        os.environ if env is None else env, os.getpid() == 1 if init is None else bool(init),
        bool(pidns), _rewrites(rewrite),
        None if pdeathsig is None else _signal_number(pdeathsig, "pdeathsig"),
        _statuses(zero_status), log)
    preserved = _preserved(preserve_fds)
    activated = _socket_activation(settings.env)
    settings.preserve_fds = max(preserved, activated or 0)
    settings.listen_pid = activated is not None
    settings.rlimits = _rlimits(rlimits)
    settings.kill_orphans = bool(kill_orphans)
    limits = _cgroup_limits(memory_max, pids_max, cpu_max)
    settings.cgroup = limits if cgroup or limits else None
    if on_reap is not None and not callable(on_reap):
        raise TypeError("supervise: on_reap must be callable, not %s" % type(on_reap).__name__)
    result = Supervision([os.fsdecode(word) for word in words], _records(records), on_reap)
    _supervise(words, result, settings, bool(adopt))
    return result


def _supervise(words: List[bytes], result: Supervision, settings: _Settings,
               adopt: bool = False) -> None:
    """supervise() once the arguments are checked: result is filled in."""
    adopted = _check_process(settings, adopt)
    if adopted and settings.log is not None:
        settings.log("start", "took pid %s, children this process had already, for orphans"
                     % ", ".join(map(str, adopted)))
    result.init, result.pidns = settings.init or settings.pidns, settings.pidns
    parent = os.getppid()
    start = time.monotonic()
    previous_deathsig = None
    if settings.pdeathsig is not None:
        previous_deathsig = _rawcalls.pdeathsig()
    try:
        if settings.pidns:
            # Imported here: pidns imports this module, and a run without it has
            # no use for it at startup.
            from pyglibc._supervisor.pidns import _in_pid_namespace

            _in_pid_namespace(words, result, settings, parent)
        else:
            _here(words, result, settings, parent, adopted)
    finally:
        if previous_deathsig is not None:
            _rawcalls.set_pdeathsig(previous_deathsig)
    result.duration = round(time.monotonic() - start, 6)


def _with_pdeathsig(settings: _Settings, parent: int) -> None:
    """Ask for the parent-death signal; if the parent is gone already, send it now.

    The signal is blocked (unless it is SIGKILL), so it waits for the loop,
    which forwards it: queued (SI_QUEUE), it does not pass for one of the
    loop's own doing (signals._own).
    """
    if settings.pdeathsig is not None:
        _rawcalls.set_pdeathsig(settings.pdeathsig)
        if os.getppid() != parent:
            from pyglibc._signals import sigqueue

            sigqueue(os.getpid(), settings.pdeathsig)


def _here(words: List[bytes], result: Supervision, settings: _Settings, parent: int,
          adopted: List[int]) -> None:
    run = _Run(words, result, settings, adopted)
    was_subreaper = _rawcalls.subreaper()
    if not was_subreaper:
        _rawcalls.set_subreaper(True)
    try:
        with _Blocked(settings.managed) as sfd:
            _with_pdeathsig(settings, parent)
            try:
                run.run(sfd)
            except BaseException:
                run.abort()
                raise
            finally:
                run.close()
    finally:
        if not was_subreaper:
            _rawcalls.set_subreaper(False)


def _check_process(settings: _Settings, adopt: bool) -> List[int]:
    """Raise RuntimeError if this process cannot supervise; return the children it adopts."""
    me = os.getpid()
    proc = _proc_is_ours()
    if not proc and me != 1 and not settings.pidns:
        raise RuntimeError("supervise: /proc is not this process's PID namespace's (pid %d "
                           "here), so the processes under it cannot be found; mount a /proc "
                           "for it (unshare --mount-proc) or use pidns" % me)
    if not proc and settings.kill_orphans and not settings.pidns:
        raise RuntimeError("supervise: kill_orphans needs a /proc of this process's PID "
                           "namespace, to find the processes reparented to it")
    # Without /proc (only an init may do without), children are not looked for.
    children = sorted(_children(me)) if proc else []
    if children and settings.pidns:
        raise RuntimeError("supervise: this process has children already (pid %s): the PID "
                           "namespace made for the command would not hold them, so they could "
                           "outlive it" % ", ".join(map(str, children)))
    if children and not adopt:
        # A reap of any child (waitid P_ALL) would take their exit statuses from
        # whoever started them, and the cleanup would signal them.
        raise RuntimeError("supervise: this process has children already (pid %s): they would "
                           "be reaped and signalled as if the command had left them, their "
                           "exit statuses lost to whoever waits for them; pass adopt=True if "
                           "nothing does" % ", ".join(map(str, children)))
    if _signal.getsignal(_SIGCHLD) == _signal.SIG_IGN:
        raise RuntimeError("supervise: SIGCHLD is ignored (SIG_IGN), so the kernel reaps the "
                           "children and their exit statuses are lost; set it to SIG_DFL first")
    threads = _threads_not_blocking(settings.managed)
    if threads:
        raise RuntimeError("supervise: thread(s) %s of this process do not block the signals "
                           "the supervisor manages (SIGCHLD and those it forwards), so a signal "
                           "sent to the process could go to them instead of the supervisor; "
                           "block them there first (pyglibc.pthread_sigmask)"
                           % ", ".join(map(str, threads)))
    return children
