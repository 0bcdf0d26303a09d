"""asyncio programs on ``asyncio.SelectorEventLoop(pyglibc.selectors.EpollSelector())``.

Each test runs on a loop over our selector and, for comparison, on a loop
over the standard library's ``selectors.EpollSelector``, and expects the
same from both.  ``run()`` gives the coroutine 10 s and then closes the
loop, which closes the selector; the shared guard (conftest.py) then
checks that no descriptor, signal handler or mask was left behind.

Subprocesses: the loop needs a child watcher.  Python 3.9 to 3.11 create
a ThreadedChildWatcher on first use, which works with any loop; 3.12 and
3.13 pick a PidfdChildWatcher, whose pidfd the loop's selector watches, or
ThreadedChildWatcher where pidfds are missing.  Either way asyncio does it
by itself, and the tests touch no watcher API (deprecated since 3.12).
"""

import asyncio
import os
import selectors
import shutil
import signal
import socket
import sys
import tempfile
import time

import pytest

import pyglibc.selectors

SELECTORS = {"ours": pyglibc.selectors.EpollSelector, "stdlib": selectors.EpollSelector}


@pytest.fixture(params=sorted(SELECTORS))
def run(request, watchdog):
    """``run(coro)``: run coro on a new SelectorEventLoop over the selector, then close it."""
    selector_cls = SELECTORS[request.param]

    def run_on_new_loop(coro, timeout=10):
        selector = selector_cls()
        loop = asyncio.SelectorEventLoop(selector)
        try:
            assert loop._selector is selector
            return loop.run_until_complete(asyncio.wait_for(coro, timeout))
        finally:
            try:
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.run_until_complete(loop.shutdown_default_executor())
            finally:
                loop.close()
            assert selector.get_map() is None  # closed with the loop

    return run_on_new_loop


async def echo(reader, writer):
    """Send back every line until the peer closes."""
    while True:
        line = await reader.readline()
        if not line:
            break
        writer.write(line)
        await writer.drain()
    writer.close()
    await writer.wait_closed()


async def talk(reader, writer, lines):
    """Send each line, read each echo back; return the echoes."""
    echoes = []
    for line in lines:
        writer.write(line)
        await writer.drain()
        echoes.append(await reader.readline())
    writer.close()
    await writer.wait_closed()
    return echoes


def lines_of(client):
    # The long line stays under the 64 KiB limit of a StreamReader's readline().
    return [b"client %d line %d\n" % (client, n) for n in range(5)] + [b"x" * 60000 + b"\n"]


def test_tcp_echo_server_with_many_clients(run):
    async def main():
        server = await asyncio.start_server(echo, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]

        async def client(n):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            return await talk(reader, writer, lines_of(n))

        async with server:
            results = await asyncio.gather(*(client(n) for n in range(20)))
        await server.wait_closed()
        return results

    assert run(main()) == [lines_of(n) for n in range(20)]


def test_unix_socket_echo(run):
    # sun_path holds 107 bytes: a tmp_path under nox's TMPDIR (.nox/<session>/tmp/...) may not fit.
    where = tempfile.mkdtemp(dir="/tmp")
    path = os.path.join(where, "echo.sock")

    async def main():
        server = await asyncio.start_unix_server(echo, path)
        async with server:
            pairs = [await asyncio.open_unix_connection(path) for _ in range(3)]
            results = await asyncio.gather(
                *(talk(reader, writer, lines_of(n)) for n, (reader, writer) in enumerate(pairs)))
        await server.wait_closed()
        return results

    try:
        assert run(main()) == [lines_of(n) for n in range(3)]
    finally:
        shutil.rmtree(where)


CHILD = r"""
import sys
for line in sys.stdin:
    sys.stdout.write(line.upper())
    sys.stdout.flush()
sys.stderr.write("done\n")
sys.exit(7)
"""


def test_subprocess_with_pipes_line_by_line(run):
    async def main():
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", CHILD, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        answers = []
        for word in (b"one\n", b"two\n", b"three\n"):
            proc.stdin.write(word)
            await proc.stdin.drain()
            answers.append(await proc.stdout.readline())
        proc.stdin.close()
        rest, errors = await asyncio.gather(proc.stdout.read(), proc.stderr.read())
        return answers, rest, errors, await proc.wait()

    assert run(main()) == ([b"ONE\n", b"TWO\n", b"THREE\n"], b"", b"done\n", 7)


def test_subprocess_communicate_and_many_children(run):
    async def child(n):
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", CHILD, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
        out, _ = await proc.communicate(b"child %d\n" % n * 1000)
        return out, proc.returncode

    async def main():
        return await asyncio.gather(*(child(n) for n in range(5)))

    assert run(main()) == [(b"CHILD %d\n" % n * 1000, 7) for n in range(5)]


def test_signal_handler(run):
    async def main():
        loop = asyncio.get_running_loop()
        got = loop.create_future()
        loop.add_signal_handler(signal.SIGUSR1, lambda: got.done() or got.set_result("called"))
        try:
            os.kill(os.getpid(), signal.SIGUSR1)
            return await got
        finally:
            assert loop.remove_signal_handler(signal.SIGUSR1)

    assert run(main()) == "called"


def test_signal_handler_wakes_a_loop_that_waits_for_nothing_else(run):
    async def main():
        loop = asyncio.get_running_loop()
        got = loop.create_future()
        loop.add_signal_handler(signal.SIGUSR2, got.set_result, "woken")
        try:
            # From a timer thread: the loop is asleep in epoll_wait when it comes.
            loop.run_in_executor(None, lambda: (time.sleep(0.2), os.kill(os.getpid(),
                                                                          signal.SIGUSR2)))
            return await got
        finally:
            loop.remove_signal_handler(signal.SIGUSR2)

    assert run(main()) == "woken"


def test_wait_for_times_out(run):
    async def timeouts():
        start = time.monotonic()
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.sleep(10), 0.05)
        first = time.monotonic() - start
        left, right = socket.socketpair()
        try:
            reader, writer = await asyncio.open_connection(sock=left)
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(reader.read(1), 0.05)
            right.send(b"late")
            data = await asyncio.wait_for(reader.read(4), 5)
            writer.close()
            await writer.wait_closed()
        finally:
            right.close()
        return first >= 0.05, data

    assert run(timeouts()) == (True, b"late")


def test_sock_recv_and_sock_sendall(run):
    async def main():
        loop = asyncio.get_running_loop()
        left, right = socket.socketpair()
        with left, right:
            left.setblocking(False)
            right.setblocking(False)
            big = bytes(range(256)) * 8192  # 2 MiB: sendall must wait for room
            sending = loop.create_task(loop.sock_sendall(left, big))
            received = bytearray()
            while len(received) < len(big):
                received += await loop.sock_recv(right, 65536)
            await sending
            return bytes(received) == big

    assert run(main()) is True


def test_add_reader_and_add_writer_on_a_pipe(run):
    async def main():
        loop = asyncio.get_running_loop()
        r, w = os.pipe()
        try:
            readable, writable = loop.create_future(), loop.create_future()
            loop.add_writer(w, lambda: writable.done() or writable.set_result(True))
            loop.add_reader(r, lambda: readable.set_result(os.read(r, 10)))
            await writable
            assert loop.remove_writer(w)
            os.write(w, b"ping")
            data = await readable
            assert loop.remove_reader(r)
            return data
        finally:
            os.close(r)
            os.close(w)

    assert run(main()) == b"ping"


def test_call_later_runs_callbacks_in_time_order(run):
    async def main():
        loop = asyncio.get_running_loop()
        order = []
        finished = loop.create_future()
        start = loop.time()
        loop.call_later(0.06, order.append, "0.06")
        loop.call_later(0.02, order.append, "0.02")
        loop.call_at(start + 0.04, order.append, "0.04")
        loop.call_soon(order.append, "soon")
        loop.call_later(0.08, finished.set_result, None)
        await finished
        return order, loop.time() - start >= 0.08

    assert run(main()) == (["soon", "0.02", "0.04", "0.06"], True)
