"""pyglibc.select.epoll.poll() against select.epoll.poll(), with 1 to 1000 fds ready.

    python3 benchmarks/select_epoll.py        (after python3 build_glibc.py)

Each fd is the read end of a pipe holding one byte, registered for EPOLLIN
in both epoll objects, so every poll() reports all of them: the time is the
kernel's walk over the ready list plus turning the results into a list of
(fd, events) tuples, the part that pyglibc's poll() shapes per interpreter
(see the comment above ``_wait_packed`` in pyglibc/select.py).  Prints the
best of several runs, in microseconds per call, and ours / the stdlib's.

A second table times the two ways poll() can read the results, without the
rest of poll(): the C helper glibc_epoll_wait_packed() and one
struct.iter_unpack() over its flat array, against epoll_wait() and a loop
over the structs.  pyglibc uses the first on CPython, the second on PyPy.
"""

import os
import platform
import select
import struct
import sys
import timeit

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import glibc  # noqa: E402  (after the path is set)
import pyglibc.select  # noqa: E402

READY = (1, 10, 100, 1000)


def best_us(call, repeat=7):
    timer = timeit.Timer(call)
    number, _ = timer.autorange()
    return min(timer.repeat(repeat, number)) / number * 1e6


def main():
    print("%s %s" % (platform.python_implementation(), platform.python_version()))
    print("%6s %16s %12s %12s %7s" % ("ready", "call", "stdlib us", "ours us", "ratio"))
    for count in READY:
        pipes = [os.pipe() for _ in range(count)]
        for _, w in pipes:
            os.write(w, b"x")
        stdlib, ours = select.epoll(), pyglibc.select.epoll()
        try:
            for r, _ in pipes:
                stdlib.register(r, select.EPOLLIN)
                ours.register(r, select.EPOLLIN)
            for label, args in (("poll(0, n)", (0, count)), ("poll(0.0)", (0.0,))):
                assert sorted(stdlib.poll(*args)) == sorted(ours.poll(*args))
                a = best_us(lambda: stdlib.poll(*args))
                b = best_us(lambda: ours.poll(*args))
                print("%6d %16s %12.3f %12.3f %7.3f" % (count, label, a, b, b / a))
        finally:
            stdlib.close()
            ours.close()
            for r, w in pipes:
                os.close(r)
                os.close(w)


def shapes():
    ffi, lib = glibc.ffi, glibc.lib
    pairs = struct.Struct("iI").iter_unpack
    print("%6s %22s %22s" % ("ready", "packed+iter_unpack us", "epoll_wait+loop us"))
    for count in READY:
        pipes = [os.pipe() for _ in range(count)]
        for _, w in pipes:
            os.write(w, b"x")
        ep = pyglibc.select.epoll()
        try:
            for r, _ in pipes:
                ep.register(r, select.EPOLLIN)
            epfd = ep.fileno()
            events = ffi.new("struct epoll_event[]", count)
            flat = ffi.new("unsigned int[]", 2 * count)
            view = memoryview(ffi.buffer(flat))

            def packed():
                n = lib.glibc_epoll_wait_packed(epfd, events, count, 0, flat, 2 * count)
                return list(pairs(view[:8 * n]))

            def loop():
                n = lib.epoll_wait(epfd, events, count, 0)
                return [(events[i].data.fd, events[i].events) for i in range(n)]

            assert sorted(packed()) == sorted(loop())
            print("%6d %22.3f %22.3f" % (count, best_us(packed), best_us(loop)))
        finally:
            ep.close()
            for r, w in pipes:
                os.close(r)
                os.close(w)


if __name__ == "__main__":
    main()
    shapes()
