"""<sched.h>: CPU affinity and namespaces (sched_setaffinity(2), setns(2))."""

from glibc._spec import Family

FAMILY = Family(
    "sched",
    headers=["<sched.h>"],
    doc="CPU affinity, namespaces and clone flags",
)
