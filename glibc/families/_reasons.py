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

# -- files and I/O (unistd, fcntl, splice, memfd, fs) --

WRITEBACK = {
    "EIO": "an I/O error happened while writing data back (possibly from an earlier write)",
    "ENOSPC": "storage ran out while writing data back",
    "EDQUOT": "a disk quota was exceeded while writing data back",
}

SEALED = "a file seal forbids this (F_SEAL_WRITE, F_SEAL_SHRINK, F_SEAL_GROW; see fcntl(2))"

PATH_LOOKUP = {
    "EACCES": "search permission is missing on a directory of the path, or the access asked "
              "for is not allowed",
    "ELOOP": "too many symbolic links were met while resolving the path",
    "ENAMETOOLONG": "the path, or one of its components, is too long",
    "ENOENT": "a directory of the path does not exist (or the file itself, where it must)",
    "ENOTDIR": "a component used as a directory is not one, or the path is relative and "
               "the directory fd is not a directory",
}
