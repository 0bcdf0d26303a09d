"""<sys/personality.h>: the process execution domain (personality(2))."""

from glibc._spec import Family

FAMILY = Family(
    "personality",
    headers=["<sys/personality.h>"],
    doc="execution domains",
)
