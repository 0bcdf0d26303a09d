"""<sched.h>: scheduling, CPU affinity and namespaces (sched(7), setns(2), CPU_SET(3))."""

from typing import Dict, Iterable, Optional

from glibc._spec import Family, Function, Param, Type, names
from glibc.families._masks import int_masks
from glibc.families._reasons import BAD_POINTER


def _affinity(proto: str, errors: Dict[str, str], stdlib: Optional[str],
              doc: str, hazard: Iterable[str] = ()) -> Function:
    """The CPU set calls take their set's size in bytes: the wrapper checks the set has them."""
    return Function(proto, man="sched_setaffinity(2)", errors=errors, stdlib=stdlib,
                    sizes={"mask": "cpusetsize"}, units={"cpusetsize": "bytes"}, doc=doc,
                    hazard=hazard)


def _cpu_macro(proto: str, doc: str, sized: bool = True) -> Function:
    """CPU_SET(3) is macros: each is a shim function glibc_<name> in csrc/sched.h."""
    name = proto.split("(")[0].split()[-1]
    symbol = "glibc_" + name
    sets = [Param(a).name for a in proto[proto.index("(") + 1:proto.rindex(")")].split(",")
            if "cpu_set_t" in a] if sized else []
    return Function(
        proto, man="CPU_SET(3)", convention="never", cdef=proto.replace(name + "(", symbol + "("),
        symbol=symbol, sizes=dict.fromkeys(sets, "setsize"),
        units={"setsize": "bytes"} if sized else None, doc=doc,
    )


_NO_THREAD = "no thread has the ID pid"
_BAD_PID = "pid is negative"

FAMILY = Family(
    "sched",
    headers=["<sched.h>"],
    doc="scheduling policies, CPU affinity, namespaces and clone flags",
    types=[
        Type("cpu_set_t", "typedef struct { ...; } cpu_set_t;", man="CPU_SET(3)"),
        Type("sched_param", "struct sched_param { int sched_priority; ...; };",
             man="sched_setparam(2)"),
    ],
    # Linux 5.6; glibc's headers name it since 2.32.
    kernel_abi={"CLONE_NEWTIME": "0x00000080"},
    constants=names("""
        SCHED_OTHER SCHED_FIFO SCHED_RR SCHED_BATCH SCHED_IDLE SCHED_DEADLINE
        SCHED_RESET_ON_FORK CPU_SETSIZE
        CSIGNAL CLONE_VM CLONE_FS CLONE_FILES CLONE_SIGHAND CLONE_PIDFD CLONE_PTRACE
        CLONE_VFORK CLONE_PARENT CLONE_THREAD CLONE_NEWNS CLONE_SYSVSEM CLONE_SETTLS
        CLONE_PARENT_SETTID CLONE_CHILD_CLEARTID CLONE_DETACHED CLONE_UNTRACED
        CLONE_CHILD_SETTID CLONE_NEWCGROUP CLONE_NEWUTS CLONE_NEWIPC CLONE_NEWUSER
        CLONE_NEWPID CLONE_NEWNET CLONE_IO CLONE_NEWTIME
    """),
    # Defined by glibc though Linux never had the policy; it may go.
    optional=names("SCHED_ISO"),
    functions=[
        _affinity(
            "int sched_getaffinity(pid_t pid, size_t cpusetsize, cpu_set_t *mask);",
            dict(BAD_POINTER, ESRCH=_NO_THREAD,
                 EINVAL="cpusetsize is smaller than the kernel's CPU mask (grow the set: "
                        "cpu_set_t.array(n) and CPU_ALLOC_SIZE)"),
            "os.sched_getaffinity",
            "Store in mask the CPUs the thread pid (0: the caller) may run on.",
        ),
        _affinity(
            "int sched_setaffinity(pid_t pid, size_t cpusetsize, const cpu_set_t *mask);",
            dict(BAD_POINTER, ESRCH=_NO_THREAD,
                 EINVAL="mask holds no CPU that is online and allowed to the thread",
                 EPERM="the caller may not change that thread (another user's, without "
                       "CAP_SYS_NICE)"),
            "os.sched_setaffinity",
            "Let the thread pid (0: the caller) run only on the CPUs in mask.",
            hazard=("process", "others"),
        ),
        Function("int sched_getcpu(void);", man="sched_getcpu(3)",
                 errors={"ENOSYS": "the kernel has no getcpu(2)"},
                 doc="Return the CPU the calling thread was running on during the call."),
        Function("int getcpu(unsigned int *cpu, unsigned int *node);", man="getcpu(2)",
                 syscall=True, glibc="2.29",
                 nullable=("cpu", "node"), errors=BAD_POINTER,
                 doc="Store the CPU and NUMA node the calling thread runs on (None: not wanted)."),
        Function("int sched_yield(void);", man="sched_yield(2)", convention="never",
                 stdlib="os.sched_yield",
                 doc="Give the CPU to another runnable thread of the same priority, if any."),
        Function(
            "int setns(int fd, int nstype);", man="setns(2)", stdlib="os.setns (3.12)",
            convert=int_masks(1),
            errors={
                "EBADF": "fd is not an open file descriptor",
                "EINVAL": "fd is neither a namespace nor a pidfd, its namespace is not of type "
                          "nstype, or joining it is not allowed (an ancestor PID namespace, the "
                          "current user namespace, a user namespace from a threaded process)",
                "ENOMEM": "the kernel could not allocate memory for the change",
                "EPERM": "the caller lacks the capability joining that namespace needs",
                "ESRCH": "fd is a pidfd whose process has ended and been waited for",
            },
            doc="Move the calling thread into the namespace of fd (a /proc/PID/ns/ file, "
                "nstype 0 or its CLONE_NEW* type), or into those of the process of the pidfd "
                "fd that nstype names (CLONE_NEW* bits).",
            hazard="process",
        ),
        Function(
            "int unshare(int flags);", man="unshare(2)", stdlib="os.unshare (3.12)",
            convert=int_masks(0),
            errors={
                "EINVAL": "flags holds an unknown bit, asks a threaded process to unshare "
                          "CLONE_THREAD, CLONE_SIGHAND or CLONE_VM, or names a namespace the "
                          "kernel was built without",
                "ENOMEM": "the kernel could not allocate memory for the copies",
                "ENOSPC": "a new PID or user namespace would pass the nesting limit, or a "
                          "/proc/sys/user limit on namespaces",
                "EPERM": "the caller lacks the privilege (CAP_SYS_ADMIN for most namespaces), "
                         "or a new user namespace is refused to it",
                "EUSERS": "a new user namespace would pass the nesting limit (Linux 3.11-4.8)",
            },
            doc="Give the calling process its own copy of what flags names (CLONE_NEW* "
                "namespaces, CLONE_FILES, CLONE_FS, CLONE_SYSVSEM ...); CLONE_IO, bit 31, may "
                "be given as a positive number.",
            hazard="process",
        ),
        Function("int sched_getscheduler(pid_t pid);", man="sched_setscheduler(2)",
                 stdlib="os.sched_getscheduler",
                 errors={"EINVAL": _BAD_PID, "ESRCH": _NO_THREAD},
                 doc="Return the scheduling policy (SCHED_*) of the thread pid (0: the caller)."),
        Function(
            "int sched_setscheduler(pid_t pid, int policy, const struct sched_param *param);",
            man="sched_setscheduler(2)", stdlib="os.sched_setscheduler",
            errors={
                "EINVAL": "pid is negative, policy is unknown, or param's priority does not fit "
                          "the policy",
                "EPERM": "the caller may not give that thread this policy or priority",
                "ESRCH": _NO_THREAD,
            },
            doc="Set the policy (SCHED_*, may be ORed with SCHED_RESET_ON_FORK) and priority "
                "of the thread pid (0: the caller).",
            hazard=("process", "others"),
        ),
        Function("int sched_getparam(pid_t pid, struct sched_param *param);",
                 man="sched_setparam(2)", stdlib="os.sched_getparam",
                 errors={"EINVAL": _BAD_PID, "ESRCH": _NO_THREAD},
                 doc="Store the scheduling priority of the thread pid (0: the caller) in param."),
        Function(
            "int sched_setparam(pid_t pid, const struct sched_param *param);",
            man="sched_setparam(2)", stdlib="os.sched_setparam",
            errors={
                "EINVAL": "pid is negative, or param's priority does not fit the thread's policy",
                "EPERM": "the caller may not set that priority (it needs CAP_SYS_NICE)",
                "ESRCH": _NO_THREAD,
            },
            doc="Set the scheduling priority of the thread pid (0: the caller).",
            hazard=("process", "others"),
        ),
        Function("int sched_get_priority_max(int policy);", man="sched_get_priority_max(2)",
                 stdlib="os.sched_get_priority_max",
                 errors={"EINVAL": "policy is not a scheduling policy"},
                 doc="Return the highest priority policy allows."),
        Function("int sched_get_priority_min(int policy);", man="sched_get_priority_max(2)",
                 stdlib="os.sched_get_priority_min",
                 errors={"EINVAL": "policy is not a scheduling policy"},
                 doc="Return the lowest priority policy allows."),
        Function("int sched_rr_get_interval(pid_t pid, struct timespec *tp);",
                 man="sched_rr_get_interval(2)", stdlib="os.sched_rr_get_interval",
                 errors=dict(BAD_POINTER, EINVAL=_BAD_PID, ESRCH=_NO_THREAD,
                             ENOSYS="the kernel has no sched_rr_get_interval(2)"),
                 doc="Store in tp the time slice the thread pid (0: the caller) gets under "
                     "SCHED_RR."),
        # CPU_SET(3): cpu_set_t is a bit array behind macros.  The plain forms
        # work on one cpu_set_t; the _S forms on setsize bytes (a set made with
        # cpu_set_t.array(n), sized with CPU_ALLOC_SIZE), which the
        # wrapper checks the sets have.  A CPU past the set is ignored, as in C.
        _cpu_macro("void CPU_ZERO(cpu_set_t *set);", "Empty set.", sized=False),
        _cpu_macro("void CPU_SET(int cpu, cpu_set_t *set);", "Add cpu to set.", sized=False),
        _cpu_macro("void CPU_CLR(int cpu, cpu_set_t *set);", "Remove cpu from set.",
                   sized=False),
        _cpu_macro("int CPU_ISSET(int cpu, cpu_set_t *set);",
                   "Return 1 if cpu is in set, else 0.", sized=False),
        _cpu_macro("int CPU_COUNT(cpu_set_t *set);", "Return how many CPUs set holds.",
                   sized=False),
        _cpu_macro("void CPU_AND(cpu_set_t *destset, cpu_set_t *srcset1, cpu_set_t *srcset2);",
                   "Store the intersection of srcset1 and srcset2 in destset.", sized=False),
        _cpu_macro("void CPU_OR(cpu_set_t *destset, cpu_set_t *srcset1, cpu_set_t *srcset2);",
                   "Store the union of srcset1 and srcset2 in destset.", sized=False),
        _cpu_macro("void CPU_XOR(cpu_set_t *destset, cpu_set_t *srcset1, cpu_set_t *srcset2);",
                   "Store in destset the CPUs in exactly one of srcset1 and srcset2.",
                   sized=False),
        _cpu_macro("int CPU_EQUAL(cpu_set_t *set1, cpu_set_t *set2);",
                   "Return 1 if set1 and set2 hold the same CPUs, else 0.", sized=False),
        _cpu_macro("size_t CPU_ALLOC_SIZE(int num_cpus);",
                   "Return the bytes a set of CPUs 0..num_cpus-1 takes (a setsize).",
                   sized=False),
        _cpu_macro("void CPU_ZERO_S(size_t setsize, cpu_set_t *set);", "Empty set."),
        _cpu_macro("void CPU_SET_S(int cpu, size_t setsize, cpu_set_t *set);", "Add cpu to set."),
        _cpu_macro("void CPU_CLR_S(int cpu, size_t setsize, cpu_set_t *set);",
                   "Remove cpu from set."),
        _cpu_macro("int CPU_ISSET_S(int cpu, size_t setsize, cpu_set_t *set);",
                   "Return 1 if cpu is in set, else 0."),
        _cpu_macro("int CPU_COUNT_S(size_t setsize, cpu_set_t *set);",
                   "Return how many CPUs set holds."),
        _cpu_macro("void CPU_AND_S(size_t setsize, cpu_set_t *destset, cpu_set_t *srcset1, "
                   "cpu_set_t *srcset2);",
                   "Store the intersection of srcset1 and srcset2 in destset."),
        _cpu_macro("void CPU_OR_S(size_t setsize, cpu_set_t *destset, cpu_set_t *srcset1, "
                   "cpu_set_t *srcset2);",
                   "Store the union of srcset1 and srcset2 in destset."),
        _cpu_macro("void CPU_XOR_S(size_t setsize, cpu_set_t *destset, cpu_set_t *srcset1, "
                   "cpu_set_t *srcset2);",
                   "Store in destset the CPUs in exactly one of srcset1 and srcset2."),
        _cpu_macro("int CPU_EQUAL_S(size_t setsize, cpu_set_t *set1, cpu_set_t *set2);",
                   "Return 1 if set1 and set2 hold the same CPUs, else 0."),
        # Shim helper (csrc/clone.h): the supervisor's start of a command in a cgroup.
        Function(
            "pid_t glibc_fork_into_cgroup(int cgroup);", man="clone(2)", public=False,
            hazard="process",
            # No linux="5.7": an old kernel's answer is not an error to raise but the
            # supervisor's cue to fall back on cgroup.procs (pyglibc/_supervisor/start.py).
            errors={"ENOSYS": "the kernel predates clone3 (Linux 5.3), or a seccomp filter "
                              "refuses it",
                    "EBADF": "cgroup is not open on a directory of a cgroup v2 hierarchy",
                    "E2BIG": "the kernel's clone3 predates CLONE_INTO_CGROUP (Linux 5.3 to 5.6)",
                    "EINVAL": "the kernel's clone3 does not know CLONE_INTO_CGROUP",
                    "ENODEV": "the cgroup has been removed",
                    "EBUSY": "the cgroup has controllers enabled for its children (cgroup v2 "
                             "puts processes only in a cgroup without)",
                    "EOPNOTSUPP": "the cgroup is a domain invalid or a threaded one",
                    "EACCES": "the caller may not write to the cgroup's cgroup.procs",
                    "EAGAIN": "a process limit (RLIMIT_NPROC, the pid namespace's or the "
                              "cgroup's pids.max) is reached",
                    "ENOMEM": "no memory for the new process"},
            doc="fork(2), the child made in the cgroup v2 whose directory cgroup is open on "
                "(clone3 with CLONE_INTO_CGROUP); call it from a single-threaded process.",
        ),
    ],
    source='#include "cpuset.h"\n#include "clone.h"',
)
