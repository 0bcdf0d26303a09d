"""<sys/mman.h>: anonymous files in memory (memfd_create(2))."""

from glibc._spec import Family

FAMILY = Family(
    "memfd",
    headers=["<sys/mman.h>"],
    doc="anonymous memory-backed files",
)
