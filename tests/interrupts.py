"""PEP 475 checks for calls that wait with a timeout or sleep a given time.

``signalled_during(helper, on_signal, syscall)`` arranges for a SIGUSR1
whose handler returns to reach the main thread 0.1 s into ``syscall``;
``within_the_first_wait`` then says whether a call that was to last
``seconds`` took that long, and not longer as it would had the retry
started its time over after the signal.
"""

import signal
import time

FIRST_SIGNAL_AFTER = 0.1


def signalled_during(helper, on_signal, syscall):
    """Return the list the handler appends its monotonic time to."""
    seen = []
    on_signal(signal.SIGUSR1, lambda signum, frame: seen.append(time.monotonic()))

    def script():
        helper.wait_blocked(syscall)
        time.sleep(FIRST_SIGNAL_AFTER)  # well into the wait, so a restart would show
        assert helper.is_blocked(syscall)
        helper.signal_main(signal.SIGUSR1)

    helper.start(script)
    return seen


def within_the_first_wait(start, end, seconds, seen):
    """True if [start, end] took ``seconds`` and the signal did not add its own offset."""
    assert len(seen) == 1, "the handler ran %d times, not once" % len(seen)
    # A call that started over when the handler returned would end at
    # seen[0] + seconds at the earliest: at least 0.1 s late.
    return seconds <= end - start < (seen[0] - start) + seconds
