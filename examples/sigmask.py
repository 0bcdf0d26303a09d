"""Block signals for a stretch of code: ``pyglibc.pthread_sigmask``.

A signal sent while it is blocked waits; its handler runs as soon as the
``with`` block puts the old mask back, never in the middle.  Prints:

    inside: SIGUSR1 blocked = True
    sent SIGUSR1: handled yet = False
    after: handled = True, SIGUSR1 blocked = False
"""

import os
import signal
from types import FrameType
from typing import Optional

import pyglibc

handled: list[int] = []


def on_usr1(signum: int, frame: Optional[FrameType]) -> None:
    handled.append(signum)


previous = signal.signal(signal.SIGUSR1, on_usr1)
try:
    with pyglibc.pthread_sigmask([signal.SIGUSR1]):
        print("inside: SIGUSR1 blocked =", signal.SIGUSR1 in pyglibc.pthread_sigmask.get())
        os.kill(os.getpid(), signal.SIGUSR1)
        print("sent SIGUSR1: handled yet =", bool(handled))
    print("after: handled = %s, SIGUSR1 blocked = %s"
          % (handled == [signal.SIGUSR1], signal.SIGUSR1 in pyglibc.pthread_sigmask.get()))
finally:
    signal.signal(signal.SIGUSR1, previous)
