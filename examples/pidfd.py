"""A process as a file descriptor: ``pyglibc.pidfd``.

The signal goes through the pidfd, so it can never hit another process
that got a recycled pid; the descriptor becomes readable when the process
ends, so a selector waits for that; ``wait()`` reaps it.  Prints:

    readable once it ended: True
    returncode: -15, -SIGTERM: True
"""

import os
import signal

import pyglibc
from pyglibc.selectors import EVENT_READ, EpollSelector

pid = os.fork()
if pid == 0:  # the child becomes sleep 60
    try:
        os.execvp("sleep", ["sleep", "60"])
    finally:
        os._exit(127)
with pyglibc.pidfd(pid) as child, EpollSelector() as selector:
    child.terminate()  # pidfd_send_signal(2)
    selector.register(child, EVENT_READ)
    print("readable once it ended:", [key.fileobj for key, _ in selector.select(10)] == [child])
    child.wait()  # waitid(P_PIDFD, ...): reaped
    print("returncode: %s, -SIGTERM: %s" % (child.returncode, child.returncode == -signal.SIGTERM))
