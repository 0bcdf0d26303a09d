/* sigabbrev_np(3) and sigdescr_np(3), which glibc added in 2.32, from
 * tables of our own, so that no build needs a newer glibc than 2.28.  The
 * strings are glibc's (the ones its functions, and before them its arrays
 * sys_sigabbrev and sys_siglist, give); the numbers are this architecture's
 * from <signal.h>.  NULL for a number that is no signal and for the
 * real-time signals, as glibc answers. */
#ifndef GLIBC_SIGNAME_H
#define GLIBC_SIGNAME_H

#include <signal.h>
#include <stddef.h>

struct glibc_signame {
    const char *abbrev;
    const char *descr;
};

static const struct glibc_signame glibc_signames[] = {
    [SIGHUP] = {"HUP", "Hangup"},
    [SIGINT] = {"INT", "Interrupt"},
    [SIGQUIT] = {"QUIT", "Quit"},
    [SIGILL] = {"ILL", "Illegal instruction"},
    [SIGTRAP] = {"TRAP", "Trace/breakpoint trap"},
    [SIGABRT] = {"ABRT", "Aborted"},
    [SIGBUS] = {"BUS", "Bus error"},
    [SIGFPE] = {"FPE", "Floating point exception"},
    [SIGKILL] = {"KILL", "Killed"},
    [SIGUSR1] = {"USR1", "User defined signal 1"},
    [SIGSEGV] = {"SEGV", "Segmentation fault"},
    [SIGUSR2] = {"USR2", "User defined signal 2"},
    [SIGPIPE] = {"PIPE", "Broken pipe"},
    [SIGALRM] = {"ALRM", "Alarm clock"},
    [SIGTERM] = {"TERM", "Terminated"},
#ifdef SIGSTKFLT
    [SIGSTKFLT] = {"STKFLT", "Stack fault"},
#endif
    [SIGCHLD] = {"CHLD", "Child exited"},
    [SIGCONT] = {"CONT", "Continued"},
    [SIGSTOP] = {"STOP", "Stopped (signal)"},
    [SIGTSTP] = {"TSTP", "Stopped"},
    [SIGTTIN] = {"TTIN", "Stopped (tty input)"},
    [SIGTTOU] = {"TTOU", "Stopped (tty output)"},
    [SIGURG] = {"URG", "Urgent I/O condition"},
    [SIGXCPU] = {"XCPU", "CPU time limit exceeded"},
    [SIGXFSZ] = {"XFSZ", "File size limit exceeded"},
    [SIGVTALRM] = {"VTALRM", "Virtual timer expired"},
    [SIGPROF] = {"PROF", "Profiling timer expired"},
    [SIGWINCH] = {"WINCH", "Window changed"},
    [SIGPOLL] = {"POLL", "I/O possible"},
#ifdef SIGPWR
    [SIGPWR] = {"PWR", "Power failure"},
#endif
    [SIGSYS] = {"SYS", "Bad system call"},
};

static const struct glibc_signame *glibc_signame(int sig)
{
    if (sig <= 0 || (size_t)sig >= sizeof glibc_signames / sizeof glibc_signames[0])
        return NULL;
    return &glibc_signames[sig];
}

static const char *glibc_sigabbrev_np(int sig)
{
    const struct glibc_signame *name = glibc_signame(sig);
    return name != NULL ? name->abbrev : NULL;
}

static const char *glibc_sigdescr_np(int sig)
{
    const struct glibc_signame *name = glibc_signame(sig);
    return name != NULL ? name->descr : NULL;
}

#endif
