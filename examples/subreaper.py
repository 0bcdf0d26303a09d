"""Adopt orphaned descendants: ``pyglibc.subreaper``.

A child starts a grandchild and exits at once.  Without the flag the
grandchild would go to init; with it, it comes back to this process, which
can wait for it.  Prints:

    child exited: 0
    the orphan came back to us and exited: 7
    subreaper after the block: False
"""

import os
import time

import pyglibc

with pyglibc.subreaper:
    child = os.fork()
    if child == 0:
        if os.fork() == 0:
            time.sleep(0.05)  # outlive the parent
            os._exit(7)
        os._exit(0)
    _, status = os.waitpid(child, 0)
    print("child exited:", os.waitstatus_to_exitcode(status))
    orphan, status = os.wait()  # any child: the orphan is ours now
    print("the orphan came back to us and exited:", os.waitstatus_to_exitcode(status))
print("subreaper after the block:", pyglibc.subreaper.enabled)
