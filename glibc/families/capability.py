"""<linux/capability.h>: thread capability sets (capget(2))."""

from glibc._spec import Family

FAMILY = Family(
    "capability",
    headers=["<linux/capability.h>"],
    doc="capability sets of a thread",
)
