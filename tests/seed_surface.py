"""The public surface of the old package (python-glibc 0.6.1), copied from
../shared/seed/surface.md so that the tests do not need that file: every
name here must be importable from our ``glibc``.
"""

FUNCTIONS = tuple("""
    sigemptyset sigfillset sigaddset sigdelset sigismember sigprocmask pthread_sigmask
    signalfd epoll_create epoll_create1 epoll_wait epoll_pwait epoll_ctl pipe pipe2 dup dup2
    dup3 read close prctl timerfd_create timerfd_settime timerfd_gettime pause eventfd
    eventfd_read eventfd_write clock_getres clock_gettime clock_settime
""".split())

# (name in glibc, C spelling, fields the old package exposed)
TYPES = (
    ("sigset_t", "sigset_t", ()),
    ("signalfd_siginfo", "struct signalfd_siginfo", (
        "ssi_signo", "ssi_errno", "ssi_code", "ssi_pid", "ssi_uid", "ssi_fd", "ssi_tid",
        "ssi_band", "ssi_overrun", "ssi_trapno", "ssi_status", "ssi_int", "ssi_ptr",
        "ssi_utime", "ssi_stime", "ssi_addr",
    )),
    ("epoll_data_t", "epoll_data_t", ("ptr", "fd", "u32", "u64")),
    ("epoll_event", "struct epoll_event", ("events", "data")),
    ("itimerspec", "struct itimerspec", ("it_interval", "it_value")),
    ("timespec", "struct timespec", ("tv_sec", "tv_nsec")),
    ("timeval", "struct timeval", ("tv_sec", "tv_usec")),
    ("time_t", "time_t", ()),
    ("suseconds_t", "suseconds_t", ()),
    ("eventfd_t", "eventfd_t", ()),
    ("clockid_t", "clockid_t", ()),
)

CONSTANTS = tuple("""
    NSIG SIG_BLOCK SIG_UNBLOCK SIG_SETMASK CLD_EXITED CLD_KILLED CLD_DUMPED CLD_TRAPPED
    CLD_STOPPED CLD_CONTINUED FD_SETSIZE SFD_CLOEXEC SFD_NONBLOCK EPOLL_CLOEXEC
    EPOLL_CTL_ADD EPOLL_CTL_DEL EPOLL_CTL_MOD EPOLLIN EPOLLPRI EPOLLOUT EPOLLERR EPOLLHUP
    EPOLLRDNORM EPOLLRDBAND EPOLLWRNORM EPOLLWRBAND EPOLLMSG EPOLLRDHUP EPOLLONESHOT EPOLLET
    O_CLOEXEC O_DIRECT O_NONBLOCK PIPE_BUF PR_SET_PDEATHSIG PR_GET_PDEATHSIG PR_GET_DUMPABLE
    PR_SET_DUMPABLE PR_GET_UNALIGN PR_SET_UNALIGN PR_GET_KEEPCAPS PR_SET_KEEPCAPS
    PR_GET_FPEMU PR_SET_FPEMU PR_GET_FPEXC PR_SET_FPEXC PR_GET_TIMING PR_SET_TIMING
    PR_SET_NAME PR_GET_NAME PR_GET_ENDIAN PR_SET_ENDIAN PR_GET_SECCOMP PR_SET_SECCOMP
    PR_CAPBSET_READ PR_CAPBSET_DROP PR_GET_TSC PR_SET_TSC PR_GET_SECUREBITS
    PR_SET_SECUREBITS PR_SET_TIMERSLACK PR_GET_TIMERSLACK PR_TASK_PERF_EVENTS_DISABLE
    PR_TASK_PERF_EVENTS_ENABLE PR_MCE_KILL PR_MCE_KILL_GET PR_SET_MM PR_SET_CHILD_SUBREAPER
    PR_GET_CHILD_SUBREAPER PR_SET_NO_NEW_PRIVS PR_GET_NO_NEW_PRIVS PR_GET_TID_ADDRESS
    PR_SET_THP_DISABLE PR_GET_THP_DISABLE PR_UNALIGN_NOPRINT PR_UNALIGN_SIGBUS
    PR_FPEMU_NOPRINT PR_FPEMU_SIGFPE PR_FP_EXC_SW_ENABLE PR_FP_EXC_DIV PR_FP_EXC_OVF
    PR_FP_EXC_UND PR_FP_EXC_RES PR_FP_EXC_INV PR_FP_EXC_DISABLED PR_FP_EXC_NONRECOV
    PR_FP_EXC_ASYNC PR_FP_EXC_PRECISE PR_TIMING_STATISTICAL PR_TIMING_TIMESTAMP
    PR_ENDIAN_BIG PR_ENDIAN_LITTLE PR_ENDIAN_PPC_LITTLE PR_TSC_ENABLE PR_TSC_SIGSEGV
    PR_MCE_KILL_CLEAR PR_MCE_KILL_SET PR_MCE_KILL_LATE PR_MCE_KILL_EARLY PR_MCE_KILL_DEFAULT
    PR_SET_MM_START_CODE PR_SET_MM_END_CODE PR_SET_MM_START_DATA PR_SET_MM_END_DATA
    PR_SET_MM_START_STACK PR_SET_MM_START_BRK PR_SET_MM_BRK PR_SET_MM_ARG_START
    PR_SET_MM_ARG_END PR_SET_MM_ENV_START PR_SET_MM_ENV_END PR_SET_MM_AUXV
    PR_SET_MM_EXE_FILE PR_SET_PTRACER PR_SET_PTRACER_ANY TFD_TIMER_ABSTIME TFD_CLOEXEC
    TFD_NONBLOCK EFD_CLOEXEC EFD_NONBLOCK EFD_SEMAPHORE CLOCK_REALTIME CLOCK_MONOTONIC
    CLOCK_PROCESS_CPUTIME_ID CLOCK_THREAD_CPUTIME_ID CLOCK_MONOTONIC_RAW
    CLOCK_REALTIME_COARSE CLOCK_MONOTONIC_COARSE CLOCK_BOOTTIME CLOCK_REALTIME_ALARM
    CLOCK_BOOTTIME_ALARM F_SETPIPE_SZ F_GETPIPE_SZ
""".split())
