"""A small service on pyglibc.aio: reloads on SIGHUP, ticks, watches its config, stops on SIGTERM.

    python3 examples/aio_service.py CONFIG [--tick SECONDS]

CONFIG is any text file; the service "uses" its first line.  One line of
output per event, flushed at once:

    config: <first line>                         at the start
    ready, pid <pid>
    tick <n>  (or: tick <n> (<k> missed))        every --tick seconds (default 1)
    reload: SIGHUP from pid <pid>; config: ...   after kill -HUP
    reload: <name> changed; config: ...          after an editor saved CONFIG
    stop: SIGTERM from pid <pid>                 then exit status 0 (SIGINT too)

Everything waits on one asyncio loop, through the loop's own add_reader:
a signalfd for the signals (blocked, so no handler runs and the sender's
pid is known), a timerfd for the ticks (a late loop is told how many it
missed instead of drifting) and inotify for the config file.  No thread,
no polling.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from typing import Callable

from pyglibc import aio, inotify


def say(line: str) -> None:
    print(line, flush=True)


def load(path: str) -> str:
    with open(path) as f:
        return f.readline().strip()


async def tick(interval: float) -> None:
    async with aio.ticker(interval) as ticks:
        count = 0
        async for expirations in ticks:
            count += expirations
            missed = expirations - 1
            say("tick %d" % count + (" (%d missed)" % missed if missed else ""))


async def watch(path: str, reload: Callable[[str], None]) -> None:
    # Editors save by writing a new file and renaming it over the old one, which
    # a watch on the file itself would not survive: watch its directory.
    directory, name = os.path.split(os.path.abspath(path))
    mask = inotify.Mask.CLOSE_WRITE | inotify.Mask.MOVED_TO
    async with aio.inotify_watch(directory, mask) as events:
        async for event in events:
            if event.name == name:
                reload("%s changed" % name)


async def serve(path: str, interval: float) -> int:
    # Blocked before anything else runs (and before any thread could start):
    # from here on SIGHUP, SIGTERM and SIGINT wait in the signalfd.
    async with aio.signals(signal.SIGHUP, signal.SIGTERM, signal.SIGINT) as sigs:
        config = load(path)
        say("config: " + config)

        def reload(why: str) -> None:
            nonlocal config
            try:
                config = load(path)
            except OSError as exc:
                say("reload: %s; kept the old config (%s)" % (why, exc))
                return
            say("reload: %s; config: %s" % (why, config))

        workers = [asyncio.ensure_future(tick(interval)),
                   asyncio.ensure_future(watch(path, reload))]
        try:
            say("ready, pid %d" % os.getpid())
            async for info in sigs:
                if info.si_signo == signal.SIGHUP:
                    reload("SIGHUP from pid %s" % info.si_pid)
                else:
                    say("stop: %s from pid %s" % (signal.Signals(info.si_signo).name, info.si_pid))
                    break
        finally:
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("config", help="the configuration file to load and watch")
    parser.add_argument("--tick", type=float, default=1.0, metavar="SECONDS",
                        help="seconds between two ticks (default: 1)")
    args = parser.parse_args(argv)
    return asyncio.run(serve(args.config, args.tick))


if __name__ == "__main__":
    sys.exit(main())
