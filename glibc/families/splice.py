"""<fcntl.h>, <sys/sendfile.h>: moving data between fds in the kernel (splice(2))."""

from glibc._spec import Family

FAMILY = Family(
    "splice",
    headers=["<fcntl.h>"],
    doc="kernel-side copies between file descriptors",
)
