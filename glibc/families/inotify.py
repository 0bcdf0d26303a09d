"""<sys/inotify.h>: file system events (inotify(7))."""

from glibc._spec import Family

FAMILY = Family(
    "inotify",
    headers=["<sys/inotify.h>"],
    doc="file system event notification",
)
