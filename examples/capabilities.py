"""A thread's capability sets: ``pyglibc.capabilities`` and ``pyglibc.set_capabilities``.

A forked child (so that this process keeps its own) empties its effective
set: it keeps what it is permitted, but holds nothing until it takes it
back.  The same output as root or not.  Prints:

    effective within permitted: True
    child effective after dropping: frozenset()
    child permitted unchanged: True
    child took them back: True
"""

import os

import pyglibc

caps = pyglibc.capabilities()
print("effective within permitted:", caps.effective <= caps.permitted)

r, w = pyglibc.pipe()
pid = os.fork()
if pid == 0:
    before = pyglibc.capabilities()
    pyglibc.set_capabilities(effective=())
    after = pyglibc.capabilities()
    pyglibc.set_capabilities(effective=before.permitted)
    lines = ["child effective after dropping: %s" % (after.effective,),
             "child permitted unchanged: %s" % (after.permitted == before.permitted),
             "child took them back: %s" % (pyglibc.capabilities().effective == before.permitted)]
    os.write(w, "\n".join(lines).encode())
    os._exit(0)
os.close(w)
print(os.read(r, 4096).decode())
os.close(r)
os.waitpid(pid, 0)
