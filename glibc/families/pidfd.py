"""pidfds: processes as file descriptors (pidfd_open(2))."""

from glibc._spec import Family

FAMILY = Family(
    "pidfd",
    headers=["<signal.h>"],
    doc="process file descriptors",
)
