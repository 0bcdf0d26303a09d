"""A periodic timer read from a file descriptor: ``pyglibc.timerfd``.

The timer expires every 10 ms; each blocking ``read()`` waits for the next
expiration and returns how many happened since the last read.  Prints:

    armed: previous setting (0.0, 0.0)
    at least 3 expirations: True
    disarmed: (0.0, 0.0)
"""

import pyglibc

with pyglibc.timerfd() as timer:  # CLOCK_MONOTONIC
    print("armed: previous setting", timer.settime(0.01, interval=0.01))
    count = 0
    while count < 3:
        count += timer.read()
    print("at least 3 expirations:", count >= 3)
    timer.settime(0)  # a value of 0 disarms it
    print("disarmed:", timer.gettime())
