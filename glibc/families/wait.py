"""<sys/wait.h>: waiting for a child to change state (wait(2), waitid(2))."""

from glibc._spec import Family, Function, Type, names
from glibc.families._masks import int_masks
from glibc.families._reasons import INTERRUPTED

_NOT_A_CHILD = "no child of this process matches, or every matching one was already waited for " \
               "(SIGCHLD set to SIG_IGN makes the kernel reap children itself)"

FAMILY = Family(
    "wait",
    headers=["<sys/wait.h>"],
    doc="waiting for children, with the full siginfo_t",
    types=[
        Type("id_t", "typedef int... id_t;", man="id_t(3type)"),
        # An enum in glibc: an integer type whose size the compiler knows.
        Type("idtype_t", "typedef int... idtype_t;", man="wait(2)"),
    ],
    # P_* are enum members, not macros, so they cannot be optional (#ifdef
    # does not see them); glibc 2.36 is the first with P_PIDFD (Linux 5.4).
    kernel_abi={"P_PIDFD": ("3", "__GLIBC_PREREQ(2, 36)")},
    constants=names("""
        WNOHANG WUNTRACED WSTOPPED WEXITED WCONTINUED WNOWAIT
        __WNOTHREAD __WALL __WCLONE
        P_ALL P_PID P_PGID P_PIDFD
    """),
    functions=[
        Function(
            "pid_t wait(int *wstatus);", man="wait(2)", nullable=("wstatus",), blocking=True,
            stdlib="os.wait",
            errors=dict(INTERRUPTED, ECHILD="this process has no child left to wait for"),
            doc="Wait for any child to end; return its pid and store its status in wstatus "
                "(decode it with os.WIFEXITED, os.WEXITSTATUS, ...).",
        ),
        Function(
            "pid_t waitpid(pid_t pid, int *wstatus, int options);", man="wait(2)",
            nullable=("wstatus",), blocking=True, stdlib="os.waitpid", convert=int_masks(2),
            errors=dict(
                INTERRUPTED,
                ECHILD=_NOT_A_CHILD,
                EINVAL="options holds an unknown bit",
                ESRCH="pid is INT_MIN, which names no process group",
            ),
            doc="Wait for the child pid (-1: any, 0: this group, < -1: group -pid) to change "
                "state; return its pid, or 0 with WNOHANG when none has.  options may hold "
                "__WCLONE, bit 31, as a positive number.",
        ),
        Function(
            "int waitid(idtype_t idtype, id_t id, siginfo_t *infop, int options);", man="wait(2)",
            blocking=True, stdlib="os.waitid", convert=int_masks(3),
            errors=dict(
                INTERRUPTED,
                EAGAIN="id is a non-blocking pidfd (PIDFD_NONBLOCK) whose process has not "
                       "ended yet, and WNOHANG was not given",
                ECHILD=_NOT_A_CHILD,
                EBADF="idtype is P_PIDFD and id is not an open pidfd",
                EINVAL="options asks for no state change or holds an unknown bit, or idtype "
                       "is unknown here (P_PIDFD needs Linux 5.4)",
            ),
            doc="Wait for a child that idtype and id name (P_ALL, P_PID, P_PGID, P_PIDFD) to "
                "reach a state in options (WEXITED, WSTOPPED, WCONTINUED) and fill infop with "
                "its si_pid, si_uid, si_signo (SIGCHLD), si_status and si_code (CLD_*).  "
                "With WNOHANG and no such child, return 0 and leave si_signo 0.  options may "
                "hold __WCLONE, bit 31, as a positive number.",
        ),
    ],
)
