"""Signals without handlers: ``pyglibc.signals`` and ``pyglibc.sigwait``.

``signals(...)`` blocks the signals and reads them, decoded as ``siginfo``
records: a sigqueue(3) value arrives with its signal, a child's exit
status with SIGCHLD.  Prints:

    SIGUSR1 value=42 queued=True
    SIGCHLD from the child: exit status 3
    sigwait with nothing pending: None
"""

import os
import signal

import glibc
import pyglibc

with pyglibc.signals(signal.SIGUSR1) as sigs:
    pyglibc.sigqueue(os.getpid(), signal.SIGUSR1, 42)
    (info,) = sigs.wait(timeout=5)
    print("%s value=%s queued=%s" % (signal.Signals(info.si_signo).name, info.si_value,
                                     info.si_code == glibc.SI_QUEUE))

with pyglibc.signals(signal.SIGCHLD) as sigs:
    pid = os.fork()
    if pid == 0:
        os._exit(3)
    (info,) = sigs.wait(timeout=5)
    os.waitpid(pid, 0)
    print("SIGCHLD from the child: exit status %s" % info.si_status)

with pyglibc.pthread_sigmask([signal.SIGUSR2]):
    print("sigwait with nothing pending:", pyglibc.sigwait([signal.SIGUSR2], timeout=0.01))
