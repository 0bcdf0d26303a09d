"""``python -m pyglibc run -- CMD [ARG ...]``: see ``python -m pyglibc run --help``."""

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    import signal as _signal  # typeshed has no _signal: signal without its enums, the same calls
else:
    import _signal

if __name__ == "__main__" and sys.argv[1:2] == ["run"]:
    # First, before the supervisor is imported (a good part of its start): a
    # signal that comes meanwhile waits for the supervisor, which passes it on
    # once CMD has started, instead of ending it or raising KeyboardInterrupt
    # in an import.  Those it forwards (command_line_signals()) and SIGCHLD;
    # not the faults, whose blocking would turn a crash report into a silent kill.
    _signal.pthread_sigmask(_signal.SIG_BLOCK, _signal.valid_signals() - {
        _signal.SIGKILL, _signal.SIGSTOP, _signal.SIGSEGV, _signal.SIGBUS, _signal.SIGILL,
        _signal.SIGFPE, _signal.SIGTSTP, _signal.SIGTTIN, _signal.SIGTTOU})

from pyglibc._cli import main  # noqa: E402 (after the block above)

if __name__ == "__main__":
    status = main()
    # The interpreter's own teardown (freeing every module, the compiled one
    # included) would take a fifth of the time of ``run -- true`` (the
    # supervisor's startup goal): the supervisor has closed what it opened and no thread or
    # atexit handler of its own is left, so only the standard streams need
    # flushing.  If that fails, Python's usual exit reports it.
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:
        sys.exit(status)
    os._exit(status)
