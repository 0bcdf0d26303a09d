"""<sys/signalfd.h>: receive signals through a file descriptor (signalfd(2))."""

from glibc._spec import Family, Function, Type, names
from glibc.families._reasons import ANON_INODE

FAMILY = Family(
    "signalfd",
    headers=["<sys/signalfd.h>"],
    doc="signals delivered as records read from a file descriptor",
    types=[
        Type("signalfd_siginfo", """
            struct signalfd_siginfo {
                uint32_t ssi_signo; int32_t ssi_errno; int32_t ssi_code;
                uint32_t ssi_pid; uint32_t ssi_uid; int32_t ssi_fd; uint32_t ssi_tid;
                uint32_t ssi_band; uint32_t ssi_overrun; uint32_t ssi_trapno;
                int32_t ssi_status; int32_t ssi_int; uint64_t ssi_ptr;
                uint64_t ssi_utime; uint64_t ssi_stime; uint64_t ssi_addr;
                uint16_t ssi_addr_lsb; int32_t ssi_syscall; uint64_t ssi_call_addr;
                uint32_t ssi_arch;
                ...;
            };""", man="signalfd(2)"),
    ],
    constants=names("SFD_CLOEXEC SFD_NONBLOCK"),
    functions=[
        Function(
            "int signalfd(int fd, const sigset_t *mask, int flags);",
            man="signalfd(2)",
            errors=dict(
                ANON_INODE,
                EBADF="fd is neither -1 nor a valid file descriptor",
                EINVAL="fd is not a signalfd file descriptor, or flags holds an unknown bit",
            ),
            doc="Create (fd=-1) or update a signalfd that reports the signals in mask; "
                "block them first so that they are not delivered the usual way.",
        ),
    ],
)
