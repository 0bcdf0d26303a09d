"""<fcntl.h>, <stdio.h>, <unistd.h>: opening, renaming and syncing files (openat2(2), renameat2(2))."""

from glibc._spec import Family

FAMILY = Family(
    "fs",
    headers=["<fcntl.h>"],
    doc="opening, renaming, allocating and syncing files",
)
