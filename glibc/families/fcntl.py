"""<fcntl.h>: file status flags and fcntl(2) commands."""

from glibc._spec import Family, names

FAMILY = Family(
    "fcntl",
    headers=["<fcntl.h>"],
    doc="open(2) flags and fcntl(2) commands",
    constants=names("O_CLOEXEC O_DIRECT O_NONBLOCK F_SETPIPE_SZ F_GETPIPE_SZ"),
    optional=names("O_NOTIFICATION_PIPE"),
)
