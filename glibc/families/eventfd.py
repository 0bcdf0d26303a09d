"""<sys/eventfd.h>: a 64-bit counter behind a file descriptor (eventfd(2))."""

from glibc._spec import Family, Function, Type, names
from glibc.families._reasons import ANON_INODE, INTERRUPTED

_COUNTER_IO = dict(
    INTERRUPTED,
    EAGAIN="the descriptor is non-blocking and the call would have to wait",
    EBADF="fd is not a valid file descriptor open for this direction",
    EINVAL="fd is not an eventfd, or the value would overflow the counter's maximum",
)

FAMILY = Family(
    "eventfd",
    headers=["<sys/eventfd.h>"],
    doc="event counters for wait/notify between threads and processes",
    types=[Type("eventfd_t", "typedef int... eventfd_t;", man="eventfd(2)")],
    constants=names("EFD_CLOEXEC EFD_NONBLOCK EFD_SEMAPHORE"),
    functions=[
        Function("int eventfd(unsigned int initval, int flags);", man="eventfd(2)",
                 stdlib="os.eventfd (3.10)",
                 errors=dict(ANON_INODE, EINVAL="flags holds an unknown bit"),
                 doc="Create an eventfd whose counter starts at initval."),
        Function("int eventfd_read(int fd, eventfd_t *value);", man="eventfd(3)",
                 stdlib="os.eventfd_read (3.10)",
                 errors=_COUNTER_IO, blocking=True,
                 doc="Take the counter into value and reset it (EFD_SEMAPHORE: take 1); "
                     "waits while it is 0."),
        Function("int eventfd_write(int fd, eventfd_t value);", man="eventfd(3)",
                 stdlib="os.eventfd_write (3.10)",
                 errors=_COUNTER_IO, blocking=True,
                 doc="Add value to the counter; waits while that would overflow it."),
    ],
)
