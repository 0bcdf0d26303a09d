"""<signal.h>: signal sets and the signal mask (sigsetops(3), sigprocmask(2))."""

from glibc._spec import Family, Function, Type, names
from glibc.families._reasons import BAD_POINTER

_BAD_SIGNAL = {"EINVAL": "signum is not a valid signal number"}
_BAD_HOW = dict(BAD_POINTER, EINVAL="how is not SIG_BLOCK, SIG_UNBLOCK or SIG_SETMASK")


def _setop(proto, doc):
    return Function(proto, man="sigsetops(3)", errors=_BAD_SIGNAL, doc=doc)


FAMILY = Family(
    "signal",
    headers=["<signal.h>"],
    doc="signal sets and the per-thread signal mask",
    types=[
        Type("sigset_t", "typedef struct { ...; } sigset_t;", man="sigsetops(3)"),
        Type("siginfo_t", "typedef struct { int si_signo; int si_errno; int si_code; ...; } siginfo_t;",
             man="sigaction(2)"),
    ],
    constants=names("""
        NSIG SIG_BLOCK SIG_UNBLOCK SIG_SETMASK
        CLD_EXITED CLD_KILLED CLD_DUMPED CLD_TRAPPED CLD_STOPPED CLD_CONTINUED
    """),
    functions=[
        # Their only failure is a NULL set, which the wrapper refuses first.
        Function("int sigemptyset(sigset_t *set);", man="sigsetops(3)", convention="never",
                 doc="Make set empty."),
        Function("int sigfillset(sigset_t *set);", man="sigsetops(3)", convention="never",
                 doc="Put every signal into set."),
        _setop("int sigaddset(sigset_t *set, int signum);", "Add signum to set."),
        _setop("int sigdelset(sigset_t *set, int signum);", "Remove signum from set."),
        _setop("int sigismember(const sigset_t *set, int signum);",
               "Return 1 if signum is in set, 0 if not."),
        Function(
            "int sigprocmask(int how, const sigset_t *set, sigset_t *oldset);",
            man="sigprocmask(2)", nullable=("set", "oldset"), errors=_BAD_HOW,
            doc="Change the signal mask (of the calling thread: prefer pthread_sigmask "
                "in a threaded program); None for set only reads it.",
        ),
        Function(
            "int pthread_sigmask(int how, const sigset_t *set, sigset_t *oldset);",
            man="pthread_sigmask(3)", convention="errnum", nullable=("set", "oldset"),
            errors=_BAD_HOW, doc="Change the calling thread's signal mask.",
        ),
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
    source='#include "sigset.h"',
)
