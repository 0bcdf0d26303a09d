"""Pipes whose ends are close-on-exec from the start: ``pyglibc.pipe2``.

A program started meanwhile (here a Python child, with ``close_fds=False``
so that it would inherit everything inheritable) does not get them.  Prints:

    inheritable: False False
    the child sees the write end: False
    read: b'hello'
"""

import os
import subprocess
import sys

import pyglibc

r, w = pyglibc.pipe2(os.O_NONBLOCK)
try:
    print("inheritable:", os.get_inheritable(r), os.get_inheritable(w))
    child = subprocess.run([sys.executable, "-c", "import os, sys; os.fstat(int(sys.argv[1]))",
                            str(w)], close_fds=False, stderr=subprocess.DEVNULL)
    print("the child sees the write end:", child.returncode == 0)
    os.write(w, b"hello")
    print("read:", os.read(r, 100))
finally:
    os.close(r)
    os.close(w)
