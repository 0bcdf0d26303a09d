"""<sys/resource.h>: resource limits (getrlimit(2))."""

from glibc._spec import Family

FAMILY = Family(
    "resource",
    headers=["<sys/resource.h>"],
    doc="resource limits",
)
