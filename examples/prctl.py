"""Process and thread attributes as properties: ``pyglibc.prctl``.

The thread name is what ps and /proc show; the parent-death signal is what
a child gets when the thread that forked it ends.  Everything is put back
at the end.  Prints:

    name: worker-1 (/proc says worker-1)
    a 20-byte name: ValueError
    pdeathsig in the child: SIGTERM
    dumpable: True
"""

import os
import signal

import pyglibc
from pyglibc import prctl

old_name = prctl.name
try:
    prctl.name = "worker-1"
    with open("/proc/self/task/%d/comm" % os.getpid()) as comm:
        print("name: %s (/proc says %s)" % (prctl.name, comm.read().strip()))
    try:
        prctl.name = "a-name-of-20-bytes.."
    except ValueError:
        print("a 20-byte name: ValueError")
finally:
    prctl.name = old_name

r, w = pyglibc.pipe()
pid = os.fork()
if pid == 0:  # the child asks to be sent SIGTERM when its parent ends
    prctl.pdeathsig = signal.SIGTERM
    signal_name = getattr(prctl.pdeathsig, "name", "none")
    os.write(w, signal_name.encode())
    os._exit(0)
os.close(w)
print("pdeathsig in the child:", os.read(r, 100).decode())
os.close(r)
os.waitpid(pid, 0)
print("dumpable:", prctl.dumpable)
