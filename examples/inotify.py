"""Watch a directory: ``pyglibc.inotify``.

Creating and renaming a file gives three events; the two of the rename
share a cookie.  Prints:

    CREATE draft
    MOVED_FROM draft
    MOVED_TO final
    one rename: True
"""

import os
import tempfile

import glibc
from pyglibc import inotify

with tempfile.TemporaryDirectory() as top, inotify(glibc.IN_NONBLOCK) as watcher:
    watcher.add_watch(top, inotify.Mask.CREATE | inotify.Mask.MOVE)
    open(os.path.join(top, "draft"), "w").close()
    os.rename(os.path.join(top, "draft"), os.path.join(top, "final"))
    events = watcher.read()
    for event in events:
        print(event.mask.name, event.name)
    print("one rename:", events[1].cookie == events[2].cookie != 0)
