"""<signal.h>: signals, signal sets, the signal mask, and siginfo_t (signal(7), sigsetops(3)).

siginfo_t's fields past si_code are macros into nested unions in glibc
(``#define si_pid _sifields._kill.si_pid``).  cffi writes the field names
into the C it generates, where the preprocessor expands them, so they are
declared here by their macro names and the compiler checks each offset
and type; fields of different layouts (si_pid, si_timerid, si_addr...)
share offsets, as the unions do.
"""

from typing import Any, Optional, Tuple

from glibc._spec import Args, Family, Function, Type, names
from glibc.families._reasons import BAD_POINTER, INTERRUPTED

_BAD_SIGNAL = {"EINVAL": "signum is not a valid signal number"}
_BAD_HOW = dict(BAD_POINTER, EINVAL="how is not SIG_BLOCK, SIG_UNBLOCK or SIG_SETMASK")

# kill(2) and its relatives: who may signal whom, and a target that is gone.
_SEND = {
    "EINVAL": "sig is not a valid signal number",
    "EPERM": "the caller may not send a signal to the target (it needs the same user id, "
             "or CAP_KILL)",
    "ESRCH": "no process or process group has that id (a zombie still counts as existing)",
}
_QUEUE_FULL = {
    "EAGAIN": "the receiver already has as many queued signals as RLIMIT_SIGPENDING allows, "
              "or the kernel ran out of memory to queue one more",
}
_SEND_INFO = dict(
    BAD_POINTER,
    **_QUEUE_FULL,
    EINVAL="sig, tgid or tid is not valid",
    EPERM="the caller may not signal the target, or it targets another process with an "
          "si_code that would pretend the kernel or kill(2) sent it (si_code >= 0 or SI_TKILL)",
    ESRCH="no process (or no thread of that process) has that id",
    ENOSYS="the headers this module was built with did not know the system call",
)
_WAIT = dict(BAD_POINTER, **INTERRUPTED)


def _only_disabling(ffi: Any, lib: Any, args: Args) -> Tuple[Args, Any]:
    """sigaltstack's ss may read the stack (None) or disable it, never install one.

    The kernel would go on writing signal frames into ss_sp long after the
    call, into memory that Python may have freed by then.
    """
    ss, old_ss = args
    if isinstance(ss, ffi.CData) and ffi.typeof(ss) in (ffi.typeof("stack_t *"),
                                                         ffi.typeof("stack_t[]")):
        if ss != ffi.NULL and not ss[0].ss_flags & lib.SS_DISABLE:
            raise ValueError("sigaltstack: ss may only disable the alternate stack (SS_DISABLE "
                             "in ss_flags): installing one from Python would leave the kernel "
                             "writing into memory Python does not keep")
    return (ss, old_ss), None


def _setop(proto: str, doc: str) -> Function:
    return Function(proto, man="sigsetops(3)", errors=_BAD_SIGNAL, stdlib=None, doc=doc)


def _never(proto: str, man: str, doc: str, stdlib: Optional[str] = None,
           **extra: Any) -> Function:
    return Function(proto, man=man, convention="never", stdlib=stdlib, doc=doc, **extra)


FAMILY = Family(
    "signal",
    headers=["<signal.h>", "<string.h>", "<unistd.h>"],
    doc="signals, signal sets, the per-thread signal mask and siginfo_t",
    types=[
        Type("sigset_t", "typedef struct { ...; } sigset_t;", man="sigsetops(3)"),
        Type("pid_t", "typedef int... pid_t;", man="pid_t(3type)"),
        Type("uid_t", "typedef int... uid_t;", man="uid_t(3type)"),
        Type("sig_atomic_t", "typedef int... sig_atomic_t;", man="sig_atomic_t(3type)"),
        Type("clock_t", "typedef int... clock_t;", man="clock_t(3type)"),
        Type("sigval", "union sigval { int sival_int; void *sival_ptr; ...; };",
             man="sigval(3type)"),
        Type("stack_t",
             "typedef struct { void *ss_sp; int ss_flags; size_t ss_size; ...; } stack_t;",
             man="sigaltstack(2)"),
        Type("siginfo_t", """
            typedef struct {
                int si_signo; int si_errno; int si_code;
                int si_pid; uid_t si_uid;
                int si_status; clock_t si_utime; clock_t si_stime;
                union sigval si_value; int si_int; void *si_ptr;
                int si_timerid; int si_overrun;
                void *si_addr; short si_addr_lsb; void *si_lower; void *si_upper;
                uint32_t si_pkey;
                long si_band; int si_fd;
                void *si_call_addr; int si_syscall; unsigned int si_arch;
                ...;
            } siginfo_t;""", man="sigaction(2)"),
    ],
    # Linux 5.10 (arm64's memory tagging); glibc's headers name them since 2.32.
    kernel_abi={"SEGV_MTEAERR": "8", "SEGV_MTESERR": "9"},
    constants=names("""
        NSIG SIG_BLOCK SIG_UNBLOCK SIG_SETMASK
        SIGHUP SIGINT SIGQUIT SIGILL SIGTRAP SIGABRT SIGIOT SIGBUS SIGFPE SIGKILL
        SIGUSR1 SIGSEGV SIGUSR2 SIGPIPE SIGALRM SIGTERM SIGSTKFLT SIGCHLD SIGCLD SIGCONT
        SIGSTOP SIGTSTP SIGTTIN SIGTTOU SIGURG SIGXCPU SIGXFSZ SIGVTALRM SIGPROF SIGWINCH
        SIGIO SIGPOLL SIGPWR SIGSYS SIGRTMIN SIGRTMAX
        SI_ASYNCNL SI_DETHREAD SI_TKILL SI_SIGIO SI_ASYNCIO SI_MESGQ SI_TIMER SI_QUEUE
        SI_USER SI_KERNEL
        ILL_ILLOPC ILL_ILLOPN ILL_ILLADR ILL_ILLTRP ILL_PRVOPC ILL_PRVREG ILL_COPROC
        ILL_BADSTK ILL_BADIADDR
        FPE_INTDIV FPE_INTOVF FPE_FLTDIV FPE_FLTOVF FPE_FLTUND FPE_FLTRES FPE_FLTINV
        FPE_FLTSUB FPE_FLTUNK FPE_CONDTRAP
        SEGV_MAPERR SEGV_ACCERR SEGV_BNDERR SEGV_PKUERR SEGV_ACCADI SEGV_ADIDERR
        SEGV_ADIPERR SEGV_MTEAERR SEGV_MTESERR
        BUS_ADRALN BUS_ADRERR BUS_OBJERR BUS_MCEERR_AR BUS_MCEERR_AO
        TRAP_BRKPT TRAP_TRACE TRAP_BRANCH TRAP_HWBKPT TRAP_UNK
        CLD_EXITED CLD_KILLED CLD_DUMPED CLD_TRAPPED CLD_STOPPED CLD_CONTINUED
        POLL_IN POLL_OUT POLL_MSG POLL_ERR POLL_PRI POLL_HUP
        SA_NOCLDSTOP SA_NOCLDWAIT SA_SIGINFO SA_ONSTACK SA_RESTART SA_NODEFER SA_RESETHAND
        SA_INTERRUPT SA_NOMASK SA_ONESHOT SA_STACK
        SIGEV_SIGNAL SIGEV_NONE SIGEV_THREAD SIGEV_THREAD_ID
        SS_ONSTACK SS_DISABLE MINSIGSTKSZ SIGSTKSZ
    """),
    # Newer than glibc 2.36's headers, or only in the kernel's <linux/signal.h>
    # and <asm/siginfo.h>, which another family's headers may bring in.
    optional=names("""
        SEGV_CPERR TRAP_PERF SYS_SECCOMP SYS_USER_DISPATCH
        SA_RESTORER SA_UNSUPPORTED SA_EXPOSE_TAGBITS SS_AUTODISARM
    """),
    functions=[
        # Their only failure is a NULL set, which the wrapper refuses first.
        Function("int sigemptyset(sigset_t *set);", man="sigsetops(3)", convention="never",
                 stdlib=None, doc="Make set empty."),
        Function("int sigfillset(sigset_t *set);", man="sigsetops(3)", convention="never",
                 stdlib="signal.valid_signals (3.8)", doc="Put every signal into set."),
        _setop("int sigaddset(sigset_t *set, int signum);", "Add signum to set."),
        _setop("int sigdelset(sigset_t *set, int signum);", "Remove signum from set."),
        _setop("int sigismember(const sigset_t *set, int signum);",
               "Return 1 if signum is in set, 0 if not."),
        # GNU extensions; glibc checks only for NULL, which the wrapper refuses.
        Function(
            "int sigisemptyset(const sigset_t *set);", man="sigsetops(3)", convention="never",
            cdef="int glibc_sigisemptyset(const sigset_t *set);", symbol="glibc_sigisemptyset",
            doc="Return 1 if set holds no signal, 0 if it holds one or more.  The shim's "
                "version (csrc/sigset.h): glibc 2.36's own calls a set of real-time signals "
                "only empty.",
        ),
        _never("int sigorset(sigset_t *dest, const sigset_t *left, const sigset_t *right);",
               "sigsetops(3)", "Make dest the union of left and right (dest may be one of them)."),
        _never("int sigandset(sigset_t *dest, const sigset_t *left, const sigset_t *right);",
               "sigsetops(3)",
               "Make dest the intersection of left and right (dest may be one of them)."),
        Function(
            "int sigprocmask(int how, const sigset_t *set, sigset_t *oldset);",
            man="sigprocmask(2)", nullable=("set", "oldset"), errors=_BAD_HOW,
            stdlib="signal.pthread_sigmask (3.3)",
            doc="Change the signal mask (of the calling thread: prefer pthread_sigmask "
                "in a threaded program); None for set only reads it.",
        ),
        Function(
            "int pthread_sigmask(int how, const sigset_t *set, sigset_t *oldset);",
            man="pthread_sigmask(3)", convention="errnum", nullable=("set", "oldset"),
            errors=_BAD_HOW, stdlib="signal.pthread_sigmask (3.3)",
            # csrc/sigset.h: through sigprocmask(2), for the symbol version.
            cdef="int glibc_pthread_sigmask(int how, const sigset_t *set, sigset_t *oldset);",
            symbol="glibc_pthread_sigmask",
            doc="Change the calling thread's signal mask.",
        ),
        Function("int sigpending(sigset_t *set);", man="sigpending(2)", errors=BAD_POINTER,
                 stdlib="signal.sigpending (3.3)",
                 doc="Store in set the signals that are blocked and waiting: those sent to "
                     "the calling thread and those sent to the whole process."),
        # sigsuspend(2) has no success: it returns when a handler has run.
        Function(
            "int sigsuspend(const sigset_t *mask);", man="sigsuspend(2)", eintr="return",
            blocking=True, stdlib=None,
            errors=dict(BAD_POINTER,
                        EINTR="a signal arrived and its handler returned: how sigsuspend ends"),
            doc="Make mask the thread's signal mask and sleep until a signal runs a handler "
                "(or ends the process), then put the old mask back.  Returns -1, as C does, "
                "once Python's handlers have run; what one raises comes out instead.",
        ),
        Function(
            "int sigwaitinfo(const sigset_t *set, siginfo_t *info);", man="sigwaitinfo(2)",
            nullable=("info",), blocking=True, errors=_WAIT, stdlib="signal.sigwaitinfo (3.3)",
            doc="Wait for a signal of set to be pending, take it and describe it in info "
                "(None: do not); return its number.  Block the signals of set first.",
        ),
        Function(
            "int sigtimedwait(const sigset_t *set, siginfo_t *info, "
            "const struct timespec *timeout);",
            man="sigtimedwait(2)", nullable=("info", "timeout"), blocking=True,
            timeout="timeout", stdlib="signal.sigtimedwait (3.3)",
            errors=dict(
                _WAIT,
                EAGAIN="no signal of set became pending before the timeout ran out",
                EINVAL="timeout holds a negative time or tv_nsec outside 0..999999999",
            ),
            doc="sigwaitinfo() that gives up after timeout (None: never).  Running out "
                "of time raises BlockingIOError (EAGAIN), where signal.sigtimedwait "
                "returns None.",
        ),
        # glibc's sigwait(3) retries EINTR itself, so Python's handlers for other
        # signals would run only once a signal of set had come: csrc/sigset.h's
        # version hands EINTR back, and the wrapper retries after the handlers.
        Function(
            "int sigwait(const sigset_t *set, int *sig);", man="sigwait(3)",
            cdef="int glibc_sigwait(const sigset_t *set, int *sig);", symbol="glibc_sigwait",
            convention="errnum", blocking=True, stdlib="signal.sigwait (3.3)",
            errors=dict(BAD_POINTER, **INTERRUPTED,
                        EINVAL="set holds a signal number that is not valid"),
            doc="Wait for a signal of set, take it and store its number in sig[0].  A "
                "Python handler of another signal that runs meanwhile does not end the "
                "wait, and what it raises comes out.",
        ),
        Function("int kill(pid_t pid, int sig);", man="kill(2)", errors=_SEND,
                 stdlib="os.kill",
                 doc="Send sig to process pid; pid 0: to the caller's process group, -1: to "
                     "every process it may signal, < -1: to process group -pid.  sig 0 only "
                     "checks that the target exists and may be signalled.",
                     hazard=("others", "exits")),
        Function("int killpg(int pgrp, int sig);", man="killpg(3)", stdlib="os.killpg",
                 errors=dict(_SEND, EINVAL="sig is not a valid signal number, or pgrp is "
                                           "negative",
                             ESRCH="no process is in process group pgrp (0: the caller's)"),
                 doc="Send sig to every process of process group pgrp (0: the caller's).",
                 hazard=("others", "exits")),
        Function(
            "int sigqueue(pid_t pid, int sig, const union sigval value);", man="sigqueue(3)",
            stdlib=None, errors=dict(_SEND, **_QUEUE_FULL),
            doc="Send sig with value to process pid; the receiver finds it in si_value and "
                "si_code is SI_QUEUE.  value is a union sigval: glibc.sigval()[0] after "
                "setting one field, or a dict such as {'sival_int': 7}, which leaves the "
                "rest of the union undefined, as in C.",
            hazard=("others", "exits"),
        ),
        Function(
            "int tgkill(pid_t tgid, pid_t tid, int sig);", man="tgkill(2)",
            syscall=True, glibc="2.30",
            stdlib="signal.pthread_kill (3.3)",
            errors=dict(_QUEUE_FULL, EINVAL="tgid or tid is not positive, or sig is not a "
                                            "valid signal number",
                        EPERM=_SEND["EPERM"],
                        ESRCH="no thread tid belongs to process tgid"),
            doc="Send sig to thread tid (a gettid() value) of process tgid only.",
            hazard=("others", "exits"),
        ),
        Function(
            "int rt_sigqueueinfo(pid_t tgid, int sig, siginfo_t *info);",
            man="rt_sigqueueinfo(2)", stdlib=None, errors=_SEND_INFO,
            cdef="int glibc_rt_sigqueueinfo(pid_t tgid, int sig, siginfo_t *info);",
            symbol="glibc_rt_sigqueueinfo",
            doc="Send sig to process tgid with the siginfo_t info as the receiver will see "
                "it (the kernel sets si_signo to sig).  No glibc wrapper: syscall(2).",
            hazard=("others", "exits"),
        ),
        Function(
            "int rt_tgsigqueueinfo(pid_t tgid, pid_t tid, int sig, siginfo_t *info);",
            man="rt_tgsigqueueinfo(2)", stdlib=None, errors=_SEND_INFO,
            cdef="int glibc_rt_tgsigqueueinfo(pid_t tgid, pid_t tid, int sig, siginfo_t *info);",
            symbol="glibc_rt_tgsigqueueinfo",
            doc="rt_sigqueueinfo() to thread tid of process tgid only.  No glibc wrapper: "
                "syscall(2).",
            hazard=("others", "exits"),
        ),
        Function(
            "int sigaltstack(const stack_t *ss, stack_t *old_ss);", man="sigaltstack(2)",
            nullable=("ss", "old_ss"), convert=_only_disabling, stdlib=None,
            errors=dict(
                BAD_POINTER,
                EINVAL="ss_flags of ss is neither 0, SS_ONSTACK nor SS_DISABLE (with "
                       "SS_AUTODISARM at most)",
                ENOMEM="ss_size of ss is below MINSIGSTKSZ",
                EPERM="the thread is running on its alternate stack, which cannot change then",
            ),
            doc="Store the thread's alternate signal stack in old_ss (ss_flags SS_DISABLE: "
                "none; SS_ONSTACK: in use now), and, with ss, disable it.  Installing a "
                "stack is refused (ValueError): its memory must outlive the call.",
            hazard="process",
        ),
        _never("pid_t getpid(void);", "getpid(2)", "Return the caller's process id.",
               stdlib="os.getpid"),
        _never("pid_t getppid(void);", "getppid(2)",
               "Return the parent's process id (that of a subreaper or init once the parent "
               "has gone).", stdlib="os.getppid"),
        _never("pid_t gettid(void);", "gettid(2)",
               "Return the caller's thread id, the tid tgkill() and /proc/self/task take.",
               stdlib="threading.get_native_id (3.8)", syscall=True, glibc="2.30"),
        # NULL for a number that is no signal: the wrapper returns it as is.
        _never("const char *sigabbrev_np(int sig);", "sigabbrev_np(3)",
               "Return the signal's name without SIG (b'USR1' through ffi.string), or NULL "
               "for a real-time signal or a number that is no signal.",
               stdlib="signal.Signals(sig).name", glibc="2.32",
               # csrc/signame.h: from a table, so that no build needs glibc 2.32.
               cdef="const char *glibc_sigabbrev_np(int sig);", symbol="glibc_sigabbrev_np"),
        _never("const char *sigdescr_np(int sig);", "sigdescr_np(3)",
               "Return the signal's description in English, or NULL for a real-time signal "
               "or a number that is no signal.", stdlib="signal.strsignal (3.8)", glibc="2.32",
               cdef="const char *glibc_sigdescr_np(int sig);", symbol="glibc_sigdescr_np"),
        # Shim helpers (csrc/sigset.h): one C call instead of one per signal.
        Function(
            "int glibc_sigset_fill(sigset_t *set, const int *signals, size_t count);",
            man="sigsetops(3)", sizes={"signals": "count"}, public=False,
            errors={"EINVAL": "one of the signals is not a valid signal number"},
            doc="Make set hold exactly the count signals of the array signals.",
        ),
        Function(
            "int glibc_sigset_members(const sigset_t *set, int *out, size_t capacity);",
            man="sigsetops(3)", sizes={"out": "capacity"}, public=False,
            errors={"ERANGE": "out has room for fewer signals than set holds"},
            doc="Write the members of set into out in increasing order; return how many.",
        ),
    ],
    source='#include "sigset.h"\n#include "sigsend.h"\n#include "signame.h"\n#include "sigstack.h"',
)
