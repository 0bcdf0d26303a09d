"""Receive a signal by reading a file descriptor: ``pyglibc.signalfd``.

The signal is blocked first (``pyglibc.pthread_sigmask``), so that it stays
pending for the descriptor instead of running a handler.  Prints:

    SIGUSR1 from this process: True
    SIGUSR2 from this process: True
    nothing left: []
"""

import os
import signal

import glibc
import pyglibc

WATCHED = [signal.SIGUSR1, signal.SIGUSR2]

with pyglibc.pthread_sigmask(WATCHED), pyglibc.signalfd(WATCHED, glibc.SFD_NONBLOCK) as sfd:
    os.kill(os.getpid(), signal.SIGUSR1)
    os.kill(os.getpid(), signal.SIGUSR2)
    for info in sfd.read():  # one read(2) for both: each is a signalfd_siginfo record
        print("%s from this process: %s"
              % (signal.Signals(info.ssi_signo).name, info.ssi_pid == os.getpid()))
    print("nothing left:", sfd.read())
