"""The signals the supervisor manages: which are forwarded, which never, their names, blocking them.

Signals are plain numbers here (``_signal``, not ``signal``): the enums of
the signal module cost a millisecond at startup, so ``signal.Signals`` is
imported only to name a signal in a record or a message.
"""

from __future__ import annotations

import os

from pyglibc import _rawcalls

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs a millisecond at startup: only the checker reads it
    import signal
    import signal as _signal  # typeshed has no _signal: signal without its enums, the same calls
    from typing import Any, FrozenSet, List, Optional, Tuple, Union

    Signal = Union[signal.Signals, int]
else:
    import _signal

_SIGCHLD = _signal.SIGCHLD
_SIGHUP = _signal.SIGHUP
_SIGKILL = _signal.SIGKILL
_SIGTERM = _signal.SIGTERM
_SIGCONT = _signal.SIGCONT
_SIGSTOP = _signal.SIGSTOP
_SIGXCPU = _signal.SIGXCPU
_SIGXFSZ = _signal.SIGXFSZ

# FORWARDED as numbers; the public FORWARDED (signal.Signals members) is made on first use.
_FORWARDED = (_SIGHUP, _signal.SIGINT, _signal.SIGQUIT, _signal.SIGUSR1,
              _signal.SIGUSR2, _SIGTERM, _signal.SIGWINCH)

# Signals that end a linger at once: the user wants the supervisor gone now.
_HURRY = frozenset((_SIGHUP, _signal.SIGINT, _signal.SIGQUIT, _SIGTERM))
# Never forwarded, even by an init: the uncatchable two, and the faults, which a
# blocked mask would turn from the supervisor's crash report into a silent kill.
_UNCATCHABLE = frozenset((_SIGKILL, _SIGSTOP))
_FAULTS = frozenset((_signal.SIGSEGV, _signal.SIGBUS, _signal.SIGILL, _signal.SIGFPE))
# Job control signals: what dumb-init rewrites to SIGSTOP for a command in its own
# session, whose process group is orphaned and would not be stopped by them.
_JOB_CONTROL = (_signal.SIGTSTP, _signal.SIGTTIN, _signal.SIGTTOU)
# CMD gets these at SIG_DFL besides the managed ones: the two that Python ignores
# at startup (an ignored disposition survives exec), as subprocess's restore_signals does.
_PYTHON_IGNORES = frozenset((_signal.SIGPIPE, _signal.SIGXFSZ))


def _signal_or_int(number: int) -> Signal:
    import signal

    try:
        return signal.Signals(number)
    except ValueError:  # a real-time signal has no name in the enum
        return number


def _signal_name(number: Optional[int]) -> Optional[str]:
    if number is None:
        return None
    import signal

    named = _signal_or_int(number)
    return named.name if isinstance(named, signal.Signals) else "SIG%d" % named


def _signal_from_name(name: Optional[str]) -> Optional[Signal]:
    """The inverse of _signal_name, for records read back from JSON."""
    if name is None:
        return None
    if name[3:].isdigit():
        return int(name[3:])
    import signal

    return signal.Signals[name]


def catchable_signals() -> FrozenSet[int]:
    """The signals an init forwards: every valid one but SIGKILL, SIGSTOP and the faults."""
    return frozenset(_signal.valid_signals()) - _UNCATCHABLE - _FAULTS


def command_line_signals() -> FrozenSet[int]:
    """What ``python -m pyglibc run`` forwards when it is no init: every catchable signal
    but SIGCHLD and the job control stops, which stop it along with CMD as a shell expects."""
    return catchable_signals() - frozenset(_JOB_CONTROL) - {_SIGCHLD}


def _stop_signal(signum: int) -> int:
    """signum if raising it stops this process (not blocked in this thread, at its default
    action), else SIGSTOP, which always does."""
    if signum in _signal.pthread_sigmask(_signal.SIG_BLOCK, ()) \
            or _signal.getsignal(signum) != _signal.SIG_DFL:
        return _SIGSTOP
    return signum


def _pending(reader: _rawcalls.SignalReader) -> List[Tuple[int, int, int]]:
    """Take the managed signals pending: (signal, si_code, sender) of each."""
    taken: List[Tuple[int, int, int]] = []
    while True:
        signals = reader.read()
        if not signals:
            return taken
        taken += signals


def _own(code: int, sender: int, me: int) -> bool:
    """Whether a signal read from the signalfd is ours, sent by what we did: kill(2) by us, or
    the kernel's SIGPIPE or SIGXFSZ for a write of ours, which has that form too.

    Not what we queue to ourselves with sigqueue (SI_QUEUE): the parent-death
    signal of a parent already gone, which the command must get.
    """
    return sender == me and code in (_rawcalls.SI_USER, _rawcalls.SI_TKILL)


def _reached_too(pid: int, signum: int, code: int) -> bool:
    """Whether process pid got this signal of ours as well, as far as can be told.

    The kernel (a positive si_code) sends a terminal's ^C, ^\\, ^Z and resize to
    its foreground process group, and pid got them if it is still in ours (it
    may have left with setpgid or setsid); but the terminal's hang-up (SIGHUP,
    then SIGCONT) goes to the leader of its session alone.  What a process
    sent (kill, sigqueue) was sent to us: to a group of ours or to us alone,
    the signal does not say.
    """
    if code <= 0:
        return False
    if signum in (_SIGHUP, _SIGCONT) and os.getsid(0) == os.getpid():
        return False
    try:
        return os.getpgid(pid) == os.getpgrp()
    except ProcessLookupError:
        return False


class _Blocked:
    """The managed signals blocked in this thread, a signalfd for them, and back as before."""

    def __init__(self, signals: FrozenSet[int]) -> None:
        self.signals = signals

    def __enter__(self) -> int:
        self.before = _signal.pthread_sigmask(_signal.SIG_BLOCK, self.signals)
        try:
            self.fd = _rawcalls.signalfd(self.signals)
        except BaseException:
            _signal.pthread_sigmask(_signal.SIG_SETMASK, self.before)
            raise
        return self.fd

    def __exit__(self, *exc_info: Any) -> None:
        try:
            # Taken, so that unblocking them does not act on them.
            _pending(_rawcalls.SignalReader(self.fd))
            os.close(self.fd)
        finally:
            _signal.pthread_sigmask(_signal.SIG_SETMASK, self.before)
