"""pause(2): wait until a signal runs a handler.

Python runs handlers in the main thread only, so a helper thread signals
the main thread once it sleeps in pause(2) (conftest's ``helper``).
"""

import signal

import pytest

from glibc import pause


def test_pause_returns_minus_one_after_the_handler_ran(on_signal, helper):
    calls = []
    on_signal(signal.SIGUSR1, lambda signum, frame: calls.append(signum))

    helper.interrupt("pause")
    assert pause() == -1  # EINTR is how pause returns, not an error
    assert calls == [signal.SIGUSR1]


class Interrupted(Exception):
    pass


class HandlerOverflowError(OverflowError):
    """A handler's own OverflowError must not be mistaken for a bad argument."""


@pytest.mark.parametrize("error", [Interrupted, HandlerOverflowError])
def test_what_the_handler_raises_comes_out_of_pause(error, on_signal, helper, handler_raising):
    handler, raised = handler_raising(error)
    on_signal(signal.SIGUSR1, handler)
    helper.interrupt("pause")
    with pytest.raises(error) as info:
        pause()
    assert info.value is raised[0]
    assert str(info.value) == "from the handler"


def test_a_signal_without_a_handler_does_not_end_pause(on_signal, helper):
    # SIGWINCH is ignored by default: it interrupts nothing, so only the
    # second signal, which has a handler, ends the pause.
    calls = []
    on_signal(signal.SIGWINCH, signal.SIG_DFL)
    on_signal(signal.SIGUSR1, lambda signum, frame: calls.append(signum))

    def script():
        helper.wait_blocked("pause")
        helper.signal_main(signal.SIGWINCH)
        helper.wait_blocked("pause")
        helper.signal_main(signal.SIGUSR1)

    helper.start(script)
    assert pause() == -1
    assert calls == [signal.SIGUSR1]
