"""<sys/pidfd.h>: processes as file descriptors (pidfd_open(2), pidfd_send_signal(2)).

glibc has the three wrappers and the header since 2.36 (the man pages
still say it has none); the calls here go through syscall(2), so any
glibc will do, and a kernel older than each call answers ENOSYS.  A pidfd
becomes readable when its process ends, so a selector can wait for that,
and waitid(2) takes it with P_PIDFD.
"""

from glibc._spec import Family, Function, names
from glibc.families._reasons import NEW_FD

_GONE = "the process has ended and been waited for"

FAMILY = Family(
    "pidfd",
    headers=["<fcntl.h>", "<signal.h>", "<sys/syscall.h>", "<unistd.h>"],
    # The PIDFD_* names of glibc 2.40 and later (below); the calls themselves
    # go through syscall(2), as glibc's wrappers since 2.36 do.
    optional_headers=["<sys/pidfd.h>"],
    doc="process file descriptors",
    constants=names("PIDFD_NONBLOCK"),
    kernel_abi={"PIDFD_NONBLOCK": "O_NONBLOCK"},
    # <sys/pidfd.h> of glibc 2.40 and later; Linux 6.9 (thread pidfds) and
    # 6.11 (the ioctls that open a process's namespaces).
    optional=names("""
        PIDFD_THREAD PIDFD_SIGNAL_THREAD PIDFD_SIGNAL_THREAD_GROUP PIDFD_SIGNAL_PROCESS_GROUP
        PIDFS_IOCTL_MAGIC PIDFD_GET_CGROUP_NAMESPACE PIDFD_GET_IPC_NAMESPACE
        PIDFD_GET_MNT_NAMESPACE PIDFD_GET_NET_NAMESPACE PIDFD_GET_PID_NAMESPACE
        PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE PIDFD_GET_TIME_NAMESPACE
        PIDFD_GET_TIME_FOR_CHILDREN_NAMESPACE PIDFD_GET_USER_NAMESPACE PIDFD_GET_UTS_NAMESPACE
    """),
    functions=[
        Function(
            "int pidfd_open(pid_t pid, unsigned int flags);", man="pidfd_open(2)",
            syscall=True, glibc="2.36", linux="5.3",
            defaults={"flags": 0}, stdlib="os.pidfd_open (3.9)",
            errors=dict(
                NEW_FD,
                EINVAL="flags holds an unknown bit, or pid is not a valid process ID (it must "
                       "be positive)",
                ENODEV="the kernel could not mount its internal anonymous inode device",
                ESRCH="no process has this pid (or, with PIDFD_THREAD, no thread this ID)",
            ),
            doc="Return a new pidfd (always close-on-exec) for the process pid; flags may "
                "hold PIDFD_NONBLOCK.",
        ),
        Function(
            "int pidfd_send_signal(int pidfd, int sig, siginfo_t *info, unsigned int flags);",
            man="pidfd_send_signal(2)", nullable=("info",),
            syscall=True, glibc="2.36", linux="5.1", defaults={"info": None, "flags": 0},
            stdlib="signal.pidfd_send_signal (3.9)",
            errors={
                "EBADF": "pidfd is not a pidfd",
                "EINVAL": "sig is not a valid signal, flags holds an unknown bit, or the "
                          "process is in a PID namespace this one cannot signal into",
                "EPERM": "this process may not signal that one, or info gives a si_code only "
                         "the kernel may send to another process",
                "ESRCH": _GONE,
            },
            doc="Send sig to the process of pidfd, like kill(2) without the risk of a reused "
                "pid; info (None: as kill(2) fills it) is the siginfo_t it receives.",
            hazard=("others", "exits"),
        ),
        Function(
            "int pidfd_getfd(int pidfd, int targetfd, unsigned int flags);",
            man="pidfd_getfd(2)", defaults={"flags": 0},
            syscall=True, glibc="2.36", linux="5.6",
            errors=dict(
                NEW_FD,
                EBADF="pidfd is not a pidfd, or targetfd is not open in its process",
                EINVAL="flags is not 0",
                EPERM="this process may not ptrace that one (PTRACE_MODE_ATTACH_REALCREDS)",
                ESRCH=_GONE,
            ),
            doc="Return a new close-on-exec file descriptor here for the open file that "
                "targetfd is in the process of pidfd.",
        ),
    ],
)
