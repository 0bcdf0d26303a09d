"""The process that makes the calls of tests/test_fuzz.py, so that a crash ends it and not pytest.

    python fuzz_worker.py SCRATCH_DIR

It reads requests from stdin and answers on stdout, each a pickled tuple
behind a 4-byte length.  A request names a public function of the glibc
namespace and describes its arguments (see ``build``); the worker makes
the arguments, calls the function and answers with what came of it:

    ("returned", repr)                      the call returned
    ("raised", type, message, allowed, tb)  it raised; allowed: TypeError,
                                            OverflowError, ValueError or OSError
    ("deadline",)                           a "blocks" call was still waiting
                                            when the alarm ended it (its
                                            wrapper let the handler's
                                            exception out, PEP 475)
    ("died", how, signo_or_code)            a throwaway child ended without
                                            saying how its call went
    ("hang",)                               a throwaway child was still there
                                            after HARD_TIMEOUT

A call whose entry declares no hazard runs here; the worker then closes
the descriptors it opened and puts its signal mask back.  A call with
hazards (glibc._spec.HAZARDS) runs in a throwaway child forked for it,
which first takes a process group of its own and ignores every signal
(the kernel still kills it for a real fault, which ignoring cannot stop),
and, for "blocks", arms a SIGALRM whose Python handler raises
``Deadline``.  When user namespaces allow it, the worker first moves into
a new user and PID namespace and is the init of that namespace: a pid,
process group or user that a call names then reaches only this worker
(immune to signals sent from inside, as every namespace init is) and its
children, and the system clock, the host's priorities and every
privilege over the host are out of reach.  PYTEST_DONT_REWRITE
"""

import errno
import faulthandler
import os
import pickle
import random
import select
import signal
import struct
import sys
import time
import traceback

import glibc
import glibc.families

ffi = glibc.ffi

DEADLINE = 0.005  # seconds a "blocks" call may wait before the alarm ends it
# The alarm may also end a call that never reached C, on a machine slow
# enough (an emulator, a loaded one) to spend the first DEADLINE in Python's
# checks: the test asks again with this one before it counts that against it.
SLOW_DEADLINE = 2.0
STOP_CHECK = 0.02  # seconds between two looks for a child that a signal stopped
HARD_TIMEOUT = 5.0  # seconds before a throwaway child counts as hung
ALLOWED = (TypeError, OverflowError, ValueError, OSError)

ENTRIES = {f.name: f for fam in glibc.families.load() for f in fam.functions if f.public}

# How a throwaway child says what kind of outcome it had, should its report
# not reach the worker (a call that closed every descriptor, say).
CODES = {"returned": 10, "allowed": 11, "raised": 12, "deadline": 13}
OUTCOME_OF_CODE = {code: kind for kind, code in CODES.items()}

# Types whose pointer members C only carries along (returned or sent as
# they are), never dereferences: random bytes may fill them.
CARRIED_POINTERS = {"siginfo_t", "union sigval", "struct sigevent", "struct epoll_event",
                    "union epoll_data"}


class Deadline(Exception):
    """Raised by the SIGALRM handler that ends a "blocks" call in a throwaway child."""


def _deadline(signum, frame):
    raise Deadline()


class Index:
    """Not an int, but has __index__ (cffi's int arguments refuse it)."""

    def __index__(self):
        return 5


class HasFileno:
    """Not an int, but has fileno() (the C layer takes ints only)."""

    def __init__(self, fd):
        self.fd = fd

    def fileno(self):
        return self.fd


OBJECTS = {
    "none": lambda: None,
    "float": lambda: 1.5,
    "nan": lambda: float("nan"),
    "str": lambda: "7",
    "bytes": lambda: b"7",
    "list": lambda: [1, 2],
    "dict": lambda: {"x": 1},
    "object": object,
    "index": Index,
    "true": lambda: True,
    "has_fileno": lambda: HasFileno(0),
}


# -- the objects a call gets ---------------------------------------------------------------------


class Pool:
    """Real kernel objects, made on first use for one call and closed after it."""

    def __init__(self, scratch):
        self.scratch = scratch
        self.fds = {}
        self.timers = []
        self.keep = []

    def fd(self, kind):
        if kind not in self.fds:
            self.fds[kind] = self._make(kind)
        return self.fds[kind]

    def _make(self, kind):
        cloexec = os.O_CLOEXEC
        if kind in ("pipe_r", "pipe_w"):
            r, w = os.pipe2(cloexec)
            self.fds["pipe_r"], self.fds["pipe_w"] = r, w
            return self.fds[kind]
        if kind == "data_r":  # five bytes, then end of file: reads never wait
            r, w = os.pipe2(cloexec)
            os.write(w, b"hello")
            os.close(w)
            return r
        if kind == "eventfd":
            return glibc.eventfd(3, glibc.EFD_CLOEXEC)
        if kind == "epoll":
            return glibc.epoll_create1(glibc.EPOLL_CLOEXEC)
        if kind == "timerfd":
            return glibc.timerfd_create(glibc.CLOCK_MONOTONIC, glibc.TFD_CLOEXEC)
        if kind == "signalfd":
            mask = glibc.sigset_t()
            glibc.sigemptyset(mask)
            glibc.sigaddset(mask, signal.SIGUSR2)
            return glibc.signalfd(-1, mask, glibc.SFD_CLOEXEC | glibc.SFD_NONBLOCK)
        if kind == "inotify":
            return glibc.inotify_init1(glibc.IN_CLOEXEC)
        if kind == "memfd":
            # A regular file that cannot grow or shrink: no call can fill a disk with it.
            fd = glibc.memfd_create("fuzz", glibc.MFD_CLOEXEC | glibc.MFD_ALLOW_SEALING)
            os.write(fd, b"x" * 4096)
            os.lseek(fd, 0, os.SEEK_SET)
            glibc.fcntl(fd, glibc.F_ADD_SEALS, glibc.F_SEAL_GROW | glibc.F_SEAL_SHRINK)
            return fd
        if kind == "devnull":
            return os.open(os.devnull, os.O_RDWR | cloexec)
        if kind == "dir":
            return os.open(self.scratch, os.O_RDONLY | os.O_DIRECTORY | cloexec)
        if kind == "pidfd":
            return glibc.pidfd_open(os.getpid(), 0)
        if kind == "closed":
            # A number no descriptor has: past every open one.
            return max(int(n) for n in os.listdir("/proc/self/fd")) + 64
        raise ValueError("unknown pool descriptor %r" % kind)

    def timer(self):
        tid = ffi.new("timer_t *")
        glibc.timer_create(glibc.CLOCK_MONOTONIC, None, tid)
        self.timers.append(tid[0])
        return tid[0]

    def close(self):
        for kind, fd in self.fds.items():
            if kind != "closed":
                try:
                    os.close(fd)
                except OSError:
                    pass  # the call closed it
        for timer in self.timers:
            try:
                glibc.timer_delete(timer)
            except OSError:
                pass  # the call deleted it


def _has_pointers(ctype, seen=()):
    if ctype.kind == "pointer":
        return True
    if ctype.kind == "array":
        return _has_pointers(ctype.item, seen)
    if ctype.kind in ("struct", "union") and ctype not in seen:
        if ctype.cname in CARRIED_POINTERS:
            return False
        return any(_has_pointers(f.type, seen + (ctype,)) for _, f in ctype.fields or ())
    return False


def _fill(cdata, item, fill):
    ctype = ffi.typeof(cdata)
    # sizeof of a pointer cdata is the pointer's, not what it points to.
    size = ffi.sizeof(ctype.item) if ctype.kind == "pointer" else ffi.sizeof(cdata)
    if fill == "zero" or size == 0 or _has_pointers(ffi.typeof(item)):
        return  # ffi.new zeroes; random pointers C would follow are not an argument error
    if fill == "ones":
        data = b"\xff" * size
    else:
        data = random.Random(fill[1]).getrandbits(8 * size).to_bytes(size, "little")
    ffi.memmove(cdata, data, size)


def build(desc, pool):
    """The Python object a description stands for."""
    kind = desc[0]
    if kind == "int":
        return desc[1]
    if kind == "obj":
        value = OBJECTS[desc[1]]()
        if isinstance(value, HasFileno):
            value.fd = pool.fd("pipe_r")
        return value
    if kind == "fd":
        return pool.fd(desc[1])
    if kind == "timer":
        return pool.timer() if desc[1] == "real" else ffi.cast("timer_t", desc[1])
    if kind == "path":
        return desc[1]
    if kind == "cpath":  # a char[] of exactly these bytes (a NUL only if they hold one)
        data = desc[1]
        out = ffi.new("char[%d]" % len(data))
        ffi.memmove(out, data, len(data))
        return out
    if kind == "new":
        _, item, count, fill = desc
        cdata = ffi.new(item + " *") if count is None else ffi.new("%s[%d]" % (item, count))
        _fill(cdata, item, fill)
        return cdata
    if kind == "null":
        return ffi.cast(desc[1] + " *", 0)
    if kind == "NULL":
        return ffi.NULL
    if kind == "void":
        owner = ffi.new("char[]", desc[1])
        pool.keep.append(owner)
        return ffi.cast("void *", owner)
    if kind == "buffer":
        _, how, size = desc
        if how == "bytes":
            return b"b" * size
        if how == "bytearray":
            return bytearray(size)
        if how == "memoryview_ro":
            return memoryview(b"m" * size)
        if how == "strided":  # not contiguous
            return memoryview(bytearray(2 * size))[::2]
        if how == "array":
            import array
            return array.array("i", [0] * size)
        if how == "ffi_buffer":
            owner = ffi.new("char[]", max(size, 1))
            pool.keep.append(owner)
            return ffi.buffer(owner, size)
        raise ValueError(how)
    if kind == "list":
        return [build(d, pool) for d in desc[1]]
    if kind == "forged":  # the harness's own test only: no binding can check a forged pointer
        return ffi.cast(desc[1] + " *", desc[2])
    if kind == "sigval":
        value = desc[1]
        if value == "cdata":
            return glibc.sigval()[0]
        if value == "dict":
            return {"sival_int": 7}
        if value == "bad_dict":
            return {"no_such_field": 7}
        return build(value, pool)
    raise ValueError("unknown description %r" % (desc,))


def _strip_alarm(args):
    """A "blocks" call must not be able to block the alarm that ends it."""
    sigset = ffi.typeof("sigset_t")
    for arg in args:
        if isinstance(arg, ffi.CData) and ffi.typeof(arg).kind in ("pointer", "array") \
                and ffi.typeof(arg).item is sigset and arg != ffi.NULL:
            for i in range(len(arg) if ffi.typeof(arg).kind == "array" else 1):
                glibc.lib.sigdelset(arg + i, signal.SIGALRM)


# -- calling -------------------------------------------------------------------------------------


def _short(value):
    text = repr(value)
    return text if len(text) <= 200 else text[:200] + "..."


def _raised(exc):
    kind = type(exc)
    allowed = isinstance(exc, ALLOWED)
    return ("raised", kind.__name__, str(exc)[:300], allowed,
            None if allowed else "".join(traceback.format_exception(kind, exc, exc.__traceback__)))


def call_here(name, descs, scratch, baseline, mask):
    pool = Pool(scratch)
    try:
        args = [build(d, pool) for d in descs]
        try:
            outcome = ("returned", _short(getattr(glibc, name)(*args)))
        except BaseException as exc:
            outcome = _raised(exc)
        del args
    finally:
        pool.close()
        for fd in set(os.listdir("/proc/self/fd")) - baseline:
            try:
                os.close(int(fd))
            except OSError:
                pass  # the descriptor listdir read the directory with
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    return outcome


def _child(name, descs, scratch, report, hazards, deadline=DEADLINE):
    """In the throwaway child: make the call, report, and exit with the outcome's code."""
    blocks = "blocks" in hazards
    code = 70
    try:
        os.setpgid(0, 0)
        for signum in signal.valid_signals():
            if signum not in (signal.SIGKILL, signal.SIGSTOP):
                try:
                    signal.signal(signum, signal.SIG_IGN)
                except (OSError, ValueError):
                    pass  # glibc's own real-time signals
        if blocks:
            signal.signal(signal.SIGALRM, _deadline)
        pool = Pool(scratch)
        args = [build(d, pool) for d in descs]
        function = getattr(glibc, name)
        if blocks:
            _strip_alarm(args)
        try:
            if blocks:
                # From here, an exception that escapes is the alarm's.
                code = CODES["deadline"]
                signal.setitimer(signal.ITIMER_REAL, deadline)
            try:
                outcome = ("returned", _short(function(*args)))
            finally:
                if blocks:
                    signal.setitimer(signal.ITIMER_REAL, 0)
        except Deadline:
            outcome = ("deadline",)
        except BaseException as exc:
            outcome = _raised(exc)
        code = CODES["deadline" if outcome[0] == "deadline" else "returned"
                     if outcome[0] == "returned" else "allowed" if outcome[3] else "raised"]
        try:
            os.write(report, pickle.dumps(outcome))
        except BaseException:
            pass  # the call closed the pipe, or left too little memory: the code says it
    finally:
        os._exit(code)


def call_in_child(name, descs, scratch, hazards, keep_out, deadline=DEADLINE):
    r, w = os.pipe2(os.O_CLOEXEC)
    pid = os.fork()
    if pid == 0:
        for fd in keep_out + [r]:
            os.close(fd)
        _child(name, descs, scratch, w, hazards, deadline)
    os.close(w)
    chunks = []
    eof = False
    deadline = time.monotonic() + HARD_TIMEOUT
    # The pidfd becomes readable when the child ends; a stop shows only to
    # waitpid(WUNTRACED), asked every STOP_CHECK seconds (and so is an end,
    # on a kernel without pidfd_open).
    poller = select.poll()
    poller.register(r, select.POLLIN)
    try:
        pidfd = glibc.pidfd_open(pid, 0)
    except OSError as exc:
        if exc.errno not in (errno.ENOSYS, errno.EPERM):
            raise
        pidfd = -1
    else:
        poller.register(pidfd, select.POLLIN)
    try:
        while True:
            ready = dict(poller.poll(STOP_CHECK * 1000))
            if r in ready:
                data = os.read(r, 65536)
                if data:
                    chunks.append(data)
                    continue
                eof = True  # the child exited, or closed the pipe and goes on
                poller.unregister(r)
            done, status = os.waitpid(pid, os.WNOHANG | os.WUNTRACED)
            if done and os.WIFSTOPPED(status):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return ("died", "stopped", os.WSTOPSIG(status))
            if done:
                if not eof:  # what it wrote before it ended is still in the pipe
                    chunks.append(_drain(r))
                break
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return ("hang",)
    finally:
        os.close(r)
        if pidfd >= 0:
            os.close(pidfd)
    if chunks:
        try:
            return pickle.loads(b"".join(chunks))
        except Exception:
            pass  # a report cut short by the child's end
    if os.WIFSIGNALED(status):
        return ("died", "signal", os.WTERMSIG(status))
    code = os.WEXITSTATUS(status)
    kind = OUTCOME_OF_CODE.get(code)
    if kind == "deadline":
        return ("deadline",)
    if kind is not None:
        return ("died", "code:" + kind, code)
    return ("died", "exit", code)


# -- the sandbox ---------------------------------------------------------------------------------


def _drain(fd):
    os.set_blocking(fd, False)
    chunks = []
    try:
        while True:
            data = os.read(fd, 65536)
            if not data:
                break
            chunks.append(data)
    except BlockingIOError:
        pass  # the child left a descendant holding the pipe: what is there is all
    return b"".join(chunks)


def enter_sandbox():
    """Become init of new user and PID namespaces; False if this kernel or container says no.

    The process that was started stays outside, waits for the new init and
    exits with its status (128 + signal for a signal); the init is killed
    when that process dies, and every process of its namespace with it.
    """
    uid, gid = os.getuid(), os.getgid()
    try:
        glibc.unshare(glibc.CLONE_NEWUSER | glibc.CLONE_NEWPID)
        for name, text in (("setgroups", "deny"), ("uid_map", "0 %d 1" % uid),
                           ("gid_map", "0 %d 1" % gid)):
            with open("/proc/self/" + name, "w") as f:
                f.write(text)
    except OSError:
        return False
    pid = os.fork()
    if pid:
        os.close(0)
        os.close(1)
        _, status = os.waitpid(pid, 0)
        os._exit(128 + os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status))
    glibc.prctl(glibc.PR_SET_PDEATHSIG, signal.SIGKILL)
    return True


# -- the protocol --------------------------------------------------------------------------------


def receive(fd):
    head = _read_exactly(fd, 4)
    if head is None:
        return None
    return pickle.loads(_read_exactly(fd, struct.unpack("<I", head)[0]))


def send(fd, message):
    data = pickle.dumps(message)
    data = struct.pack("<I", len(data)) + data
    while data:
        data = data[os.write(fd, data):]


def _read_exactly(fd, n):
    chunks = []
    while n:
        data = os.read(fd, n)
        if not data:
            return None
        chunks.append(data)
        n -= len(data)
    return b"".join(chunks)


def main():
    scratch = sys.argv[1]
    sandboxed = enter_sandbox()
    faulthandler.enable()
    # No handler of our own: a namespace init gets only the signals it handles,
    # so none that a call sends from inside can reach the worker.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.chdir(scratch)
    # The protocol moves off 0 and 1, and those become /dev/null.
    proto_in, proto_out = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.close(null)
    for fd in (proto_in, proto_out):
        os.set_inheritable(fd, False)
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    baseline = set(os.listdir("/proc/self/fd"))
    send(proto_out, ("hello", sandboxed, os.getpid()))
    while True:
        request = receive(proto_in)
        if request is None:
            return
        name, descs, where, slow = request
        if where == "here":
            outcome = call_here(name, descs, scratch, baseline, mask)
        else:
            outcome = call_in_child(name, descs, scratch, ENTRIES[name].hazards,
                                    [proto_in, proto_out], SLOW_DEADLINE if slow else DEADLINE)
        send(proto_out, outcome)


if __name__ == "__main__":
    try:
        main()
    except OSError as exc:
        if exc.errno != errno.EPIPE:
            raise
