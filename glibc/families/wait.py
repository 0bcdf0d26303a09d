"""<sys/wait.h>: waiting for a child to change state (waitid(2))."""

from glibc._spec import Family

FAMILY = Family(
    "wait",
    headers=["<sys/wait.h>"],
    doc="waiting for children, with the full siginfo_t",
)
