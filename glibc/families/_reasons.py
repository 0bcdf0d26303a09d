"""Reasons shared by many calls, so that each table says them the same way."""

NEW_FD = {
    "EMFILE": "this process already has as many open file descriptors as its limit allows",
    "ENFILE": "the system-wide limit on open files has been reached",
    "ENOMEM": "the kernel could not allocate memory for the new file descriptor",
}

ANON_INODE = dict(NEW_FD, ENODEV="the kernel could not mount its internal anonymous inode device")

BAD_POINTER = {
    "EFAULT": "a pointer argument points outside the process's accessible memory",
}

INTERRUPTED = {
    "EINTR": "a signal interrupted the call before it completed",
}
