"""pyglibc.selectors.EpollSelector.select() against selectors.EpollSelector.select().

    python3 benchmarks/selectors_select.py     (after python3 build_glibc.py)

100 socketpair ends are registered for EVENT_READ | EVENT_WRITE in both
selectors, then select(0) is timed with all of them ready (one byte waiting
in each) and with all of them idle (registered for EVENT_READ only, nothing
to read).  The ready case is the kernel's walk plus the Python loop that
turns (fd, events) into (key, events), the part EpollSelector.select()
rewrites; the idle case is the fixed cost of one call.  Prints the best of
several runs, in microseconds per call, and ours / the stdlib's.
"""

import os
import platform
import selectors
import socket
import sys
import timeit

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import pyglibc.selectors  # noqa: E402  (after the path is set)

FDS = 100


def best_us(call, repeat=7):
    timer = timeit.Timer(call)
    number, _ = timer.autorange()
    return min(timer.repeat(repeat, number)) / number * 1e6


def compare(state, pairs, events):
    with selectors.EpollSelector() as stdlib, pyglibc.selectors.EpollSelector() as ours:
        for end, _ in pairs:
            stdlib.register(end, events)
            ours.register(end, events)
        assert len(stdlib.select(0)) == len(ours.select(0))
        a = best_us(lambda: stdlib.select(0))
        b = best_us(lambda: ours.select(0))
    print("%6s %12.3f %12.3f %7.3f" % (state, a, b, b / a))


def main():
    print("%s %s, %d fds" % (platform.python_implementation(), platform.python_version(), FDS))
    print("%6s %12s %12s %7s" % ("", "stdlib us", "ours us", "ratio"))
    pairs = [socket.socketpair() for _ in range(FDS)]
    try:
        for _, peer in pairs:
            peer.send(b"x")
        compare("ready", pairs, selectors.EVENT_READ | selectors.EVENT_WRITE)
        for end, _ in pairs:
            end.recv(1)
        compare("idle", pairs, selectors.EVENT_READ)
    finally:
        for pair in pairs:
            for end in pair:
                end.close()


if __name__ == "__main__":
    main()
