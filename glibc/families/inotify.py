"""<sys/inotify.h>: file system events (inotify(7))."""

from glibc._spec import Family, Function, Type, names
from glibc.families._cstring import c_strings
from glibc.families._reasons import BAD_POINTER, NEW_FD

_BAD_INOTIFY_FD = "fd is not a valid file descriptor"

_INIT = dict(
    NEW_FD,
    EMFILE=NEW_FD["EMFILE"] + ", or the user is at /proc/sys/fs/inotify/max_user_instances",
)


FAMILY = Family(
    "inotify",
    headers=["<sys/inotify.h>"],
    doc="file system event notification",
    types=[
        # The name that follows (char name[len], NUL-padded) is a flexible
        # array member: neither cffi nor sizeof can check it.  Read events
        # from the byte buffer: sizeof(struct inotify_event) + len each.
        Type("inotify_event",
             "struct inotify_event { int wd; uint32_t mask; uint32_t cookie; uint32_t len; ...; };",
             man="inotify(7)"),
    ],
    constants=names("""
        IN_ACCESS IN_MODIFY IN_ATTRIB IN_CLOSE_WRITE IN_CLOSE_NOWRITE IN_CLOSE IN_OPEN
        IN_MOVED_FROM IN_MOVED_TO IN_MOVE IN_CREATE IN_DELETE IN_DELETE_SELF IN_MOVE_SELF
        IN_UNMOUNT IN_Q_OVERFLOW IN_IGNORED
        IN_ONLYDIR IN_DONT_FOLLOW IN_EXCL_UNLINK IN_MASK_CREATE IN_MASK_ADD IN_ISDIR IN_ONESHOT
        IN_ALL_EVENTS IN_CLOEXEC IN_NONBLOCK
    """),
    functions=[
        Function("int inotify_init(void);", man="inotify_init(2)", errors=_INIT,
                 doc="Create an inotify instance (inotify_init1 can make it close-on-exec)."),
        Function("int inotify_init1(int flags);", man="inotify_init1(2)",
                 errors=dict(_INIT,
                             EINVAL="flags holds a bit other than IN_NONBLOCK and IN_CLOEXEC"),
                 doc="Create an inotify instance; read(2) on it returns struct inotify_event "
                     "records, each followed by its name."),
        Function(
            "int inotify_add_watch(int fd, const char *pathname, uint32_t mask);",
            man="inotify_add_watch(2)",
            convert=c_strings("inotify_add_watch", pathname=1),
            errors=dict(
                BAD_POINTER,
                EACCES="the caller may not read pathname",
                EBADF=_BAD_INOTIFY_FD,
                EEXIST="mask holds IN_MASK_CREATE and pathname is already watched by fd",
                EINVAL="mask holds no event, or both IN_MASK_ADD and IN_MASK_CREATE, or fd "
                       "is not an inotify instance",
                ENAMETOOLONG="pathname, or a component of it, is too long",
                ENOENT="pathname, or a directory on the way to it, does not exist (or is a "
                       "symbolic link that points nowhere)",
                ENOMEM="the kernel lacked the memory for the watch",
                ENOSPC="the user is at /proc/sys/fs/inotify/max_user_watches, or the kernel "
                       "could not allocate what the watch needs",
                ENOTDIR="mask holds IN_ONLYDIR and pathname is not a directory",
            ),
            doc="Watch pathname (str, bytes or os.PathLike) for the events of mask, or change "
                "the mask of its watch; return the watch descriptor, the wd of its events.",
        ),
        Function(
            "int inotify_rm_watch(int fd, int wd);", man="inotify_rm_watch(2)",
            errors=dict(EBADF=_BAD_INOTIFY_FD,
                        EINVAL="wd is not a watch of fd, or fd is not an inotify instance"),
            doc="Remove the watch wd; fd then reads one IN_IGNORED event for it.",
        ),
    ],
)
