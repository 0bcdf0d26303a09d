"""<poll.h>, <sys/select.h>: waiting on fds with a signal mask (ppoll(2), pselect(2))."""

from glibc._spec import Family

FAMILY = Family(
    "poll",
    headers=["<poll.h>"],
    doc="poll and select with a signal mask",
)
