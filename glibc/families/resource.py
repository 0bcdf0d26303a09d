"""<sys/resource.h>: resource limits, usage and priority.

See getrlimit(2), getrusage(2) and getpriority(2).

pid_t and id_t come from the wait family, earlier in ORDER.
"""

from glibc._spec import Family, Function, Type, names
from glibc.families._reasons import BAD_POINTER

_BAD_RESOURCE = "resource is not one of the RLIMIT_* values"
_OVER_MAX = "rlim_cur is larger than rlim_max"
_RAISE = ("only a privileged caller (CAP_SYS_RESOURCE) may raise a hard limit, and no one may "
          "raise the hard RLIMIT_NOFILE above /proc/sys/fs/nr_open")

_GET = dict(BAD_POINTER, EINVAL=_BAD_RESOURCE)
_SET = dict(BAD_POINTER, EINVAL="%s, or %s" % (_BAD_RESOURCE, _OVER_MAX), EPERM=_RAISE)
_PRLIMIT = dict(
    BAD_POINTER,
    EINVAL="%s, or new_limit's %s" % (_BAD_RESOURCE, _OVER_MAX),
    EPERM=_RAISE + "; or the caller may not change the limits of the process pid (its user "
          "IDs differ and it lacks CAP_SYS_RESOURCE)",
    ESRCH="there is no process with ID pid",
)
_PRIORITY = {
    "EINVAL": "which is not PRIO_PROCESS, PRIO_PGRP or PRIO_USER",
    "ESRCH": "no process matches which and who",
}

FAMILY = Family(
    "resource",
    headers=["<sys/resource.h>", "<unistd.h>"],
    doc="resource limits, resource usage and scheduling priority",
    types=[
        Type("rlim_t", "typedef int... rlim_t;", man="getrlimit(2)"),
        Type("rlim64_t", "typedef int... rlim64_t;", man="getrlimit(2)"),
        Type("rlimit", "struct rlimit { rlim_t rlim_cur; rlim_t rlim_max; ...; };",
             man="getrlimit(2)"),
        Type("rlimit64", "struct rlimit64 { rlim64_t rlim_cur; rlim64_t rlim_max; ...; };",
             man="getrlimit(2)"),
        # glibc wraps each long of struct rusage in an anonymous union with
        # a kernel-sized twin; C reaches the long as a plain member, so does cffi.
        Type("rusage", """
            struct rusage {
                struct timeval ru_utime; struct timeval ru_stime;
                long ru_maxrss; long ru_ixrss; long ru_idrss; long ru_isrss;
                long ru_minflt; long ru_majflt; long ru_nswap; long ru_inblock;
                long ru_oublock; long ru_msgsnd; long ru_msgrcv; long ru_nsignals;
                long ru_nvcsw; long ru_nivcsw; ...;
            };""", man="getrusage(2)"),
    ],
    constants=names("""
        RLIMIT_CPU RLIMIT_FSIZE RLIMIT_DATA RLIMIT_STACK RLIMIT_CORE RLIMIT_RSS
        RLIMIT_NOFILE RLIMIT_OFILE RLIMIT_AS RLIMIT_NPROC RLIMIT_MEMLOCK RLIMIT_LOCKS
        RLIMIT_SIGPENDING RLIMIT_MSGQUEUE RLIMIT_NICE RLIMIT_RTPRIO RLIMIT_RTTIME
        RLIMIT_NLIMITS RLIM_NLIMITS
        RLIM_INFINITY RLIM_SAVED_MAX RLIM_SAVED_CUR RLIM64_INFINITY
        RUSAGE_SELF RUSAGE_CHILDREN RUSAGE_THREAD RUSAGE_LWP
        PRIO_MIN PRIO_MAX PRIO_PROCESS PRIO_PGRP PRIO_USER
    """),
    functions=[
        Function("int getrlimit(int resource, struct rlimit *rlim);", man="getrlimit(2)",
                 errors=_GET, stdlib="resource.getrlimit",
                 doc="Store the soft and hard limits of resource in rlim."),
        Function("int setrlimit(int resource, const struct rlimit *rlim);", man="setrlimit(2)",
                 errors=_SET, stdlib="resource.setrlimit",
                 doc="Set the soft and hard limits of resource from rlim.",
                 hazard=("process", "exits")),
        Function(
            "int prlimit(pid_t pid, int resource, const struct rlimit *new_limit, "
            "struct rlimit *old_limit);",
            man="prlimit(2)", nullable=("new_limit", "old_limit"), errors=_PRLIMIT,
            stdlib="resource.prlimit (3.4)",
            doc="Read (old_limit) and/or set (new_limit) a limit of process pid (0: this "
                "process) in one call; None skips either.",
            hazard=("process", "exits", "others"),
        ),
        # The explicitly 64-bit interfaces of large-file support: the same
        # calls as above wherever rlim_t is already 64 bits wide.
        Function("int getrlimit64(int resource, struct rlimit64 *rlim);", man="getrlimit(2)",
                 errors=_GET, stdlib="resource.getrlimit",
                 doc="getrlimit() with a struct rlimit64."),
        Function("int setrlimit64(int resource, const struct rlimit64 *rlim);",
                 man="setrlimit(2)", errors=_SET, stdlib="resource.setrlimit",
                 doc="setrlimit() with a struct rlimit64.",
                 hazard=("process", "exits")),
        Function(
            "int prlimit64(pid_t pid, int resource, const struct rlimit64 *new_limit, "
            "struct rlimit64 *old_limit);",
            man="prlimit(2)", nullable=("new_limit", "old_limit"), errors=_PRLIMIT,
            stdlib="resource.prlimit (3.4)", doc="prlimit() with struct rlimit64.",
            hazard=("process", "exits", "others"),
        ),
        Function("int getrusage(int who, struct rusage *usage);", man="getrusage(2)",
                 errors=dict(BAD_POINTER,
                             EINVAL="who is not RUSAGE_SELF, RUSAGE_CHILDREN or RUSAGE_THREAD"),
                 stdlib="resource.getrusage",
                 doc="Store in usage what who has used so far (CPU time, page faults, ...)."),
        Function(
            "int getpriority(int which, id_t who);", man="getpriority(2)",
            convention="errno-set", errors=_PRIORITY, stdlib="os.getpriority (3.3)",
            doc="Return the nice value (-20..19; -1 is a value, not an error) of the process, "
                "process group or user who (0: the caller's).",
        ),
        Function(
            "int setpriority(int which, id_t who, int prio);", man="setpriority(2)",
            errors=dict(
                _PRIORITY,
                EACCES="lowering the nice value (raising the priority) needs CAP_SYS_NICE or "
                       "room under RLIMIT_NICE",
                EPERM="a matching process belongs to another user and the caller lacks "
                      "CAP_SYS_NICE",
            ),
            stdlib="os.setpriority (3.3)",
            doc="Set the nice value of the process, process group or user who (0: the caller's).",
            hazard=("process", "others"),
        ),
        Function(
            "int nice(int inc);", man="nice(2)", convention="errno-set", stdlib="os.nice",
            errors={"EPERM": "a negative inc raises the priority, which needs CAP_SYS_NICE or "
                             "room under RLIMIT_NICE"},
            doc="Add inc to this process's nice value; return the new one (-1 included).",
            hazard="process",
        ),
    ],
)
