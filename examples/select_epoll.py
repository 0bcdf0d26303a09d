r"""``select.epoll`` and ``selectors`` on glibc: ``pyglibc.select`` and ``pyglibc.selectors``.

The same API as the standard library's (asyncio takes the selector as it
is): an epoll object watching a pipe, then an asyncio echo server on an
event loop over ``pyglibc.selectors.EpollSelector``.  Prints:

    before writing: []
    after writing, r is readable: True
    echoed: b'hello\n'
"""

import asyncio
import os

import pyglibc
import pyglibc.select
import pyglibc.selectors

r, w = pyglibc.pipe()
with pyglibc.select.epoll() as ep:
    ep.register(r, pyglibc.select.EPOLLIN)
    print("before writing:", ep.poll(0))
    os.write(w, b"x")
    print("after writing, r is readable:", ep.poll(1) == [(r, pyglibc.select.EPOLLIN)])
os.close(r)
os.close(w)


async def echo_once() -> bytes:
    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(await reader.readline())
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    reader, writer = await asyncio.open_connection(*server.sockets[0].getsockname()[:2])
    writer.write(b"hello\n")
    reply = await reader.readline()
    writer.close()
    server.close()
    await server.wait_closed()
    return reply


loop = asyncio.SelectorEventLoop(pyglibc.selectors.EpollSelector())
try:
    print("echoed:", loop.run_until_complete(echo_once()))
finally:
    loop.close()
