"""Await signals, ticks, a wake-up, a child's exit and file events: ``pyglibc.aio``.

Everything waits on one asyncio loop through the loop's own add_reader;
there is no thread and no polling.  Prints:

    SIGUSR1 from us: True
    expirations: 3
    exit status: 3
    woken: True
    CREATE notes.txt
"""

import asyncio
import os
import signal
import tempfile
import threading
import time

from glibc import IN_CREATE
from pyglibc import aio


async def main() -> None:
    async with aio.signals(signal.SIGUSR1) as sigs:  # blocked in here, read from a signalfd
        os.kill(os.getpid(), signal.SIGUSR1)
        async for info in sigs:
            print(signal.Signals(info.si_signo).name, "from us:", info.si_pid == os.getpid())
            break
    now = time.clock_gettime(time.CLOCK_MONOTONIC)
    async with aio.ticker(1.0, start=now - 2.5) as ticks:  # due at -2.5 s, -1.5 s, -0.5 s
        async for missed in ticks:
            print("expirations:", missed)  # reported, not drifted
            break
    await aio.sleep_until(now + 0.01)  # a deadline of CLOCK_MONOTONIC
    # Forked before the thread below starts: a thread that has returned from
    # join() may not have left the process yet, and a fork beside it is unsafe.
    pid = os.fork()
    if pid == 0:
        os._exit(3)
    with aio.Process(pid) as child:  # a pidfd: signals cannot reach a recycled pid
        status = await child.wait()
    print("exit status:", status.returncode)
    with aio.Event() as wake:  # an eventfd: set() from any thread
        setter = threading.Thread(target=wake.set)
        setter.start()
        print("woken:", await wake.wait())
        setter.join()
    with tempfile.TemporaryDirectory() as top:
        async with aio.inotify_watch(top, IN_CREATE) as events:
            open(os.path.join(top, "notes.txt"), "w").close()
            async for event in events:
                print(event.mask.name, event.name)
                break


asyncio.run(main())
