"""What /proc says of the processes under the supervisor: stat, children, descendants, threads.

Every reader returns what it can when a process or thread ends meanwhile:
the tree changes while it is walked.
"""

from __future__ import annotations

import _thread
import os

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs a millisecond at startup: only the checker reads it
    from typing import Dict, Iterable, List, Optional

# The unit of a start time in /proc/<pid>/stat.
_CLK_TCK = os.sysconf("SC_CLK_TCK")


class _Stat:
    """What /proc/<pid>/stat says of a process (a class, cheaper to make than a namedtuple)."""

    __slots__ = ("name", "state", "ppid", "start")

    def __init__(self, name: str, state: str, ppid: int, start: int) -> None:
        self.name, self.state, self.ppid, self.start = name, state, ppid, start


def _stat(pid: int) -> Optional[_Stat]:
    """Name, state, parent and start time (clock ticks after boot) of pid; None if it is gone.

    A zombie's stat is still there until it is reaped, which is why the
    name of an exited process can be read at all.
    """
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            data = f.read()
    except OSError:  # gone (ENOENT, ESRCH): nothing to report
        return None
    # "pid (comm) state ppid ... starttime ...": comm may hold ')' and spaces.
    head, _, tail = data.rpartition(b")")
    fields = tail.split()
    return _Stat(os.fsdecode(head.partition(b"(")[2]), fields[0].decode(), int(fields[1]),
                 int(fields[19]))


def _running(pid: int) -> bool:
    """Whether pid is a process still running: neither gone nor a zombie.

    Its stat shows its first thread's state: Z once that thread has ended
    (pthread_exit) while others run on, though the process is alive; its
    other threads, still listed, tell it from a zombie.
    """
    stat = _stat(pid)
    if stat is None:
        return False
    if stat.state not in ("Z", "X"):
        return True
    try:
        return len(os.listdir("/proc/%d/task" % pid)) > 1
    except OSError:  # reaped meanwhile
        return False


def _proc_is_ours() -> bool:
    """Whether /proc shows this process's PID namespace (its pids are ours).

    Not so when /proc is missing, or mounted for another namespace, as
    under ``unshare --pid --fork`` without --mount-proc: /proc/self then
    names this process by another pid, and every pid /proc shows would be
    the wrong process's.
    """
    try:
        return os.readlink("/proc/self") == str(os.getpid())
    except OSError:
        return False


def _children(pid: int) -> List[int]:
    """The children of pid, zombies included (/proc/<pid>/task/<tid>/children, proc(5)).

    Each thread lists the children it forked, and a reparented orphan is
    listed by one of the threads, so every thread's list is read.  A kernel
    built without CONFIG_PROC_CHILDREN has no such list: then every process
    whose stat names pid as its parent.
    """
    found = _listed_children(pid)
    return _by_parent().get(pid, []) if found is None else found


def _listed_children(pid: int) -> Optional[List[int]]:
    """What the threads of pid list as their children; None if the kernel lists none."""
    found: List[int] = []
    try:
        threads = os.listdir("/proc/%d/task" % pid)
    except OSError:  # gone meanwhile
        return found
    for tid in threads:
        try:
            with open("/proc/%d/task/%s/children" % (pid, tid), "rb") as f:
                found.extend(int(child) for child in f.read().split())
        except FileNotFoundError:
            if os.path.isdir("/proc/%d/task/%s" % (pid, tid)):  # not an ended thread's
                return None
        except OSError:  # the thread or the process ended meanwhile
            pass
    return found


def _by_parent() -> Dict[int, List[int]]:
    """Every process's children, from the parent each one's stat names."""
    tree: Dict[int, List[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(int(entry))
            if stat is not None:
                tree.setdefault(stat.ppid, []).append(int(entry))
    return tree


def _descendants(root: int) -> List[int]:
    """The pids under root, at any depth, root excluded: parents before their children."""
    found: List[int] = []
    queue = [root]
    tree = None  # once the kernel is found to list no children
    while queue:
        pid = queue.pop()
        children = _listed_children(pid) if tree is None else tree.get(pid, [])
        if children is None:
            tree = _by_parent()
            children = tree.get(pid, [])
        for child in children:
            found.append(child)
            queue.append(child)
    return found


def _threads_not_blocking(signals: Iterable[int]) -> List[int]:
    """Native ids of the other threads of this process whose mask lacks one of signals."""
    try:
        threads = os.listdir("/proc/self/task")
    except OSError:  # no /proc: nothing can be checked
        return []
    if len(threads) == 1:
        return []
    me = _thread.get_native_id()
    wanted = 0
    for signum in signals:
        wanted |= 1 << (signum - 1)
    found = []
    for entry in threads:
        if int(entry) == me:
            continue
        try:
            with open("/proc/self/task/%s/status" % entry) as f:
                blocked = [line for line in f if line.startswith("SigBlk:")]
        except OSError:  # the thread ended meanwhile
            continue
        if blocked and int(blocked[0].split()[1], 16) & wanted != wanted:
            found.append(int(entry))
    return found
