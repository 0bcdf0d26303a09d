"""Hostile arguments for every public function of the tables: the right exception, never a crash.

Each public ``Function`` entry of glibc/families/ is called with arguments
that hypothesis makes from its prototype: boundary, negative and huge
integers of each parameter's C type, objects of the wrong type, None,
NULL, descriptors that are closed, -1 or of the wrong kind, buffers that
are too short, read-only or not contiguous, cdata of the wrong type or
with too few elements, and random bytes in the structs that C reads.  The
call must return, or raise TypeError, OverflowError, ValueError or
OSError; an integer that its C type cannot hold must be refused before C
runs (never passed on cut down); and nothing may crash or hang.

The calls run in tests/fuzz_worker.py, a separate process that reports
each outcome, so that a crash fails the test with the function and the
arguments instead of ending the run; a dead worker is started again.
Entries that declare hazards (glibc._spec.HAZARDS) run in a throwaway child
of the worker, inside user and PID namespaces of its own: see the
worker's docstring for why no call can then reach beyond it.  A few
arguments are still held back, each for a reason given in ``SAFE``.

GLIBC_FUZZ_EXAMPLES sets the examples per function (default 30).
"""

import os
import pickle
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

import kernelkit
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import glibc
import glibc.families
from glibc._spec import HAZARDS

HERE = os.path.dirname(os.path.abspath(__file__))
WORKER = os.path.join(HERE, "fuzz_worker.py")
EXAMPLES = int(os.environ.get("GLIBC_FUZZ_EXAMPLES", "30"))
ffi = glibc.ffi

ENTRIES = {f.name: f for fam in glibc.families.load() for f in fam.functions if f.public}
PUBLIC = sorted(ENTRIES)

# The worker is init of its PID namespace: pid 1 there.
WORKER_PID = 1

# -- the worker ----------------------------------------------------------------------------------


class WorkerDied(Exception):
    """The worker process ended (or stopped answering) during a call."""


class Worker:
    """tests/fuzz_worker.py, started again whenever a call kills it."""

    def __init__(self, scratch):
        self.scratch = scratch
        self.proc = None
        self.start()

    def start(self):
        self.stderr = tempfile.TemporaryFile()
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [os.path.dirname(os.path.dirname(glibc.__file__))]
            + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
        self.proc = subprocess.Popen(
            [sys.executable, WORKER, self.scratch], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=self.stderr, env=env, start_new_session=True)
        hello = self._receive(120)
        assert hello[0] == "hello", hello
        self.sandboxed = hello[1]

    def call(self, name, descs, where, timeout=30.0, slow=False):
        """The worker's outcome tuple; WorkerDied (the worker restarted) if it died or hung.

        slow: a "blocks" call gets fuzz_worker.SLOW_DEADLINE, not DEADLINE, to wait.
        """
        data = pickle.dumps((name, descs, where, slow))
        try:
            self.proc.stdin.write(struct.pack("<I", len(data)) + data)
            self.proc.stdin.flush()
            return self._receive(timeout)
        except (OSError, EOFError, TimeoutError) as exc:
            reason = "did not answer within %g s" % timeout if isinstance(exc, TimeoutError) \
                else None
        status = self._stop(wait=reason is None)
        self.stderr.seek(0)
        tail = self.stderr.read().decode(errors="replace")[-3000:]
        self.stderr.close()
        self.start()
        if reason is None:
            reason = "died: %s" % (
                "killed by %s" % signal.Signals(status - 128 if status > 128 else -status).name
                if status > 128 or status < 0 else "exit status %d" % status)
        raise WorkerDied("the worker %s\n%s" % (reason, tail))

    def _receive(self, timeout):
        fd = self.proc.stdout.fileno()
        head = self._read(fd, 4, timeout)
        return pickle.loads(self._read(fd, struct.unpack("<I", head)[0], timeout))

    @staticmethod
    def _read(fd, n, timeout):
        chunks = []
        while n:
            if not select.select([fd], [], [], timeout)[0]:
                raise TimeoutError()
            data = os.read(fd, n)
            if not data:
                raise EOFError()
            chunks.append(data)
            n -= len(data)
        return b"".join(chunks)

    def _stop(self, wait=False):
        """End the worker (its namespace dies with it) and return its exit status.

        ``wait``: it is ending by itself; give it time to say how.
        """
        try:
            status = self.proc.wait(10 if wait else 0)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            status = self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                pipe.close()
            except OSError:
                pass  # a write to it failed: nothing left to flush
        return status

    def close(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        self._stop(wait=True)
        self.stderr.close()


@pytest.fixture(scope="module")
def worker():
    # tmpfs when there is one: syncfs(2) and friends then have no disk to flush.
    base = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    scratch = tempfile.mkdtemp(prefix="glibc-fuzz-", dir=base)
    started = Worker(scratch)
    yield started
    started.close()
    shutil.rmtree(scratch, ignore_errors=True)


# -- what the arguments are made of -------------------------------------------------------------


def _int_range(ctype):
    """(lowest, highest) of an integer C type, or None for another kind (timer_t, a union)."""
    ctype = ctype.replace("const ", "")
    if ffi.typeof(ctype).kind != "primitive" or ctype in ("float", "double"):
        return None
    bits = 8 * ffi.sizeof(ctype)
    if int(ffi.cast(ctype, -1)) < 0:
        return -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    return 0, (1 << bits) - 1


def _constants():
    values = set()
    for fam in glibc.families.load():
        for name in fam.constants + fam.optional:
            value = getattr(glibc, name, None)
            if isinstance(value, int):
                values.add(value)
    return sorted(values)


CONSTANTS = _constants()
WRONG_OBJECTS = ["none", "float", "nan", "str", "bytes", "list", "dict", "object", "index",
                 "has_fileno"]
wrong_type = st.sampled_from(WRONG_OBJECTS).map(lambda tag: ("obj", tag))

POOL_FDS = ["pipe_r", "pipe_w", "data_r", "eventfd", "epoll", "timerfd", "signalfd", "inotify",
            "memfd", "devnull", "dir", "pidfd", "closed"]
if kernelkit.lacks("pidfd_open") is not None:  # Linux < 5.3: no pidfd to try calls on
    POOL_FDS.remove("pidfd")
FD_NUMBERS = [-1, -100, -(2**31), 2**31 - 1, 2**31, -(2**31) - 1, 2**63, 2**64, 2**100]

# Never an absolute path and never "..": every path stays in the scratch directory.
PATHS = ["", ".", "x", "y", "sub/x", "missing/x", "x" * 300, "x/" * 2100, "with\0nul",
         "\udcff", b"x", b"", b"\xff", b"a\0b"]
OTHER_TYPES = ["int", "char", "uint64_t", "struct timespec", "sigset_t", "struct epoll_event",
               "siginfo_t", "cpu_set_t"]
FILLS = st.one_of(st.sampled_from(["zero", "ones"]),
                  st.integers(0, 2**32).map(lambda seed: ("random", seed)))
BUFFER_KINDS = ["bytes", "bytearray", "memoryview_ro", "strided", "array", "ffi_buffer"]
SIZES = [0, 1, 7, 8, 16, 64, 4096]


def edges(ctype):
    """The ints at and past the edges of ctype and of every other integer type."""
    lo, hi = _int_range(ctype) or _int_range("int")
    return sorted({lo - 1, lo, lo + 1, -1, 0, 1, 2, hi - 1, hi, hi + 1, 2**31 - 1, 2**31,
                   2**32 - 1, 2**32, 2**63 - 1, 2**63, 2**64, -(2**31), -(2**31) - 1,
                   -(2**63) - 1, 2**100, -(2**100)})


def ints(ctype):
    number = st.one_of(st.sampled_from(edges(ctype)), st.integers(-3, 80),
                       st.sampled_from(CONSTANTS))
    return number.map(lambda value: ("int", value))


def _is_fd(param):
    return param.ctype == "int" and param.name != "targetfd" and (
        param.name == "fd" or param.name.endswith("fd") or param.name.startswith("fd_"))


def scalar(param):
    ctype = param.ctype.replace("const ", "")
    if _is_fd(param):
        return st.one_of(st.sampled_from(POOL_FDS).map(lambda kind: ("fd", kind)),
                         st.sampled_from(POOL_FDS).map(lambda kind: ("fd", kind)),
                         st.sampled_from(FD_NUMBERS).map(lambda value: ("int", value)),
                         wrong_type)
    if ctype == "timer_t":
        return st.one_of(st.just(("timer", "real")), st.just(("timer", "real")),
                         st.sampled_from([0, 1, 2**31, 2**63, 2**64 - 1, -1]).map(
                             lambda value: ("timer", value % 2**64)),
                         st.just(("NULL",)), wrong_type, ints("int"))
    if ctype == "union sigval":
        return st.one_of(st.sampled_from(["cdata", "dict", "bad_dict"]).map(
            lambda tag: ("sigval", tag)), wrong_type, ints("int"))
    return st.one_of(ints(ctype), ints(ctype), ints(ctype), wrong_type)


def buffers():
    return st.one_of(
        st.tuples(st.just("buffer"), st.sampled_from(BUFFER_KINDS), st.sampled_from(SIZES)),
        st.tuples(st.just("new"), st.just("char"), st.sampled_from(SIZES), FILLS),
        st.tuples(st.just("void"), st.sampled_from([0, 16])),
    )


def pointer(entry, param):
    item = param.pointee
    common = st.one_of(st.just(("NULL",)), st.just(("obj", "none")), wrong_type,
                       st.sampled_from([0, 4096, -1]).map(lambda value: ("int", value)))
    if item == "char" and param.const and param.name in ("pathname", "oldpath", "newpath", "name"):
        return st.one_of(
            st.sampled_from(PATHS).map(lambda path: ("path", path)),
            st.sampled_from(PATHS).map(lambda path: ("path", path)),
            st.sampled_from([b"x\0", b"xy", b"", b"\0"]).map(lambda data: ("cpath", data)),
            buffers(), common)
    if param.is_buffer:
        return st.one_of(buffers(), buffers(), buffers(), common,
                         st.tuples(st.just("new"), st.sampled_from(OTHER_TYPES),
                                   st.sampled_from([None, 2]), FILLS))
    counts = sorted({0, 1, 2, 8, param.min_count - 1, param.min_count} - {-1})
    right = st.tuples(st.just("new"), st.just(item), st.sampled_from([None] + counts), FILLS)
    return st.one_of(
        right, right, right,
        st.just(("null", item)),
        st.tuples(st.just("new"), st.sampled_from([t for t in OTHER_TYPES if t != item]),
                  st.sampled_from([None, 1, 4]), st.just("zero")),
        st.tuples(st.just("buffer"), st.sampled_from(BUFFER_KINDS), st.sampled_from([8, 4096])),
        st.lists(st.tuples(st.just("buffer"), st.sampled_from(["bytes", "bytearray"]),
                           st.sampled_from([0, 8])), max_size=3).map(lambda items: ("list", items)),
        common)


# Arguments held back, and why: each would reach what the worker needs to go
# on (it is pid 1 of its namespace), or would break the throwaway child in a
# way that says nothing about the binding.
SAFE = {
    # Limits, priority, affinity and scheduling of pid 1 are the worker's.
    "prlimit": lambda a: a[0] != ("int", WORKER_PID),
    "prlimit64": lambda a: a[0] != ("int", WORKER_PID),
    "sched_setaffinity": lambda a: a[0] != ("int", WORKER_PID),
    "sched_setscheduler": lambda a: a[0] != ("int", WORKER_PID),
    "sched_setparam": lambda a: a[0] != ("int", WORKER_PID),
    # Pid 1 by PRIO_PROCESS, or every process of the user (root, the worker
    # too) by PRIO_USER: a worker at nice 19 would crawl on a busy machine.
    "setpriority": lambda a: a[1] != ("int", WORKER_PID) and a[0] != ("int", glibc.PRIO_USER),
    # Memory-deny-write-execute would stop PyPy's JIT in the child before it reports.
    "prctl": lambda a: a[0] != ("int", getattr(glibc, "PR_SET_MDWE", None)),
}


def arguments(entry):
    params = [pointer(entry, p) if p.is_pointer else scalar(p) for p in entry.params]
    exact = st.tuples(*params).map(list)
    # Sometimes one argument too few or too many: Python's own TypeError.
    fewer = exact.map(lambda a: a[:-1]) if params else exact
    more = exact.map(lambda a: a + [("int", 0)])
    drawn = st.one_of(exact, exact, exact, exact, exact, exact, exact, exact, fewer, more)
    check = SAFE.get(entry.name)
    if check is not None:
        drawn = drawn.filter(lambda a: len(a) < len(entry.params) or check(a))
    return drawn


# -- what counts as a good outcome ------------------------------------------------------------

# Positions of int masks that int_masks (glibc/families/_masks.py) takes up to
# 2**32-1, as C code passing bit 31 would.
def _int_mask_positions(entry):
    convert = entry.convert
    if convert is None or not convert.__qualname__.startswith("int_masks."):
        return ()
    cells = dict(zip(convert.__code__.co_freevars, convert.__closure__))
    return cells["positions"].cell_contents


def out_of_range(entry, descs):
    """The first (param, value) whose int its C type cannot hold, or None."""
    masks = _int_mask_positions(entry)
    for i, (param, desc) in enumerate(zip(entry.params, descs)):
        if param.is_pointer or desc[0] != "int" or isinstance(desc[1], bool):
            continue
        limits = _int_range(param.ctype)
        if limits is None:
            continue  # timer_t, union sigval
        lo, hi = limits
        if i in masks:
            hi = 2 * hi + 1
        if not lo <= desc[1] <= hi:
            return param.name, desc[1]
    return None


CRASH_SIGNALS = {signal.SIGSEGV, signal.SIGBUS, signal.SIGILL, signal.SIGFPE, signal.SIGABRT}


def judge(entry, descs, outcome):
    """None if the outcome is one the entry may have, else why not."""
    hazards = entry.hazards
    kind = outcome[0]
    cut = out_of_range(entry, descs)
    went_ahead = cut is not None and len(descs) == len(entry.params) and (
        kind in ("returned", "deadline", "died")
        or (kind == "raised" and outcome[1] not in ("TypeError", "OverflowError", "ValueError")))
    if went_ahead:  # before any outcome is excused: none is, after a truncated int
        return "%s=%d does not fit its C type, yet the call went ahead (%s)" % (
            cut[0], cut[1], outcome[1] if kind == "raised" else kind)
    if kind == "raised" and not outcome[3]:
        return "raised %s: %s\n%s" % (outcome[1], outcome[2], outcome[4])
    if kind == "deadline" and "blocks" not in hazards:
        return "waited until the alarm, but the entry does not declare 'blocks'"
    if kind == "hang":
        return "still running %g s later, though its alarm had gone off" % 5.0
    if kind == "died":
        how, number = outcome[1], outcome[2]
        if how == "stopped" and "exits" in hazards:
            return None
        if how == "signal" and "exits" in hazards and number in (signal.SIGKILL, signal.SIGSYS):
            return None
        if how.startswith("code:") and how != "code:raised":
            return None
        if how == "signal":
            return "the child was killed by %s%s" % (
                signal.Signals(number).name, " (a crash)" if number in CRASH_SIGNALS else "")
        return "the child ended without a report (%s %s)" % (how, number)
    return None


def show(name, descs):
    return "glibc.%s(%s)" % (name, ", ".join(repr(d) for d in descs))


# -- the tests -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PUBLIC)
def test_hostile_arguments_never_crash_hang_or_truncate(name, worker):
    entry = ENTRIES[name]
    if "others" in entry.hazards and not worker.sandboxed:
        pytest.skip("user namespaces are not available here, and %s may act on other "
                    "processes or the whole system" % name)
    where = "child" if entry.hazards else "here"

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(descs=arguments(entry))
    def fuzz(descs):
        assert_fine(worker, entry, descs, where)

    fuzz()


def assert_fine(worker, entry, descs, where):
    """Call entry with descs in the worker, "here" or in a "child", and fail if judge() does."""
    try:
        outcome = worker.call(entry.name, descs, where)
        problem = judge(entry, descs, outcome)
        if problem is not None and outcome == ("deadline",):
            # Was it in C when the alarm came, or still checking its arguments (a
            # loaded machine)?  Asked again with a longer alarm.
            outcome = worker.call(entry.name, descs, where, slow=True)
            problem = judge(entry, descs, outcome)
    except WorkerDied as exc:
        pytest.fail("%s: %s" % (show(entry.name, descs), exc))
    assert problem is None, "%s: %s" % (show(entry.name, descs), problem)


def plain(param):
    """An argument for param that no check refuses on its own: NULL, /dev/null or 0."""
    if param.is_pointer:
        return ("NULL",)
    return ("fd", "devnull") if _is_fd(param) else ("int", 0)


@pytest.mark.parametrize("name", PUBLIC)
def test_each_int_an_integer_parameter_cannot_hold_is_refused(name, worker):
    """Every edge value past an int parameter's C type, every parameter in turn, the others
    plain: random examples may miss the one value a conversion wraps, this does not."""
    entry = ENTRIES[name]
    if "others" in entry.hazards and not worker.sandboxed:
        pytest.skip("user namespaces are not available here, and %s may act on other "
                    "processes or the whole system" % name)
    where = "child" if entry.hazards else "here"
    check = SAFE.get(name, lambda descs: True)
    base = [plain(param) for param in entry.params]
    for i, param in enumerate(entry.params):
        if param.is_pointer:
            continue
        for value in edges(param.ctype):
            descs = base[:i] + [("int", value)] + base[i + 1:]
            if out_of_range(entry, descs) is None or not check(descs):
                continue
            assert_fine(worker, entry, descs, where)


@pytest.fixture
def own_worker(worker):
    """A worker of the test's own, which the test may kill (started and ended within it)."""
    mine = Worker(worker.scratch)
    yield mine
    mine.close()


def test_a_crash_fails_with_the_call_and_the_worker_comes_back(own_worker):
    # A pointer forged with ffi.cast is beyond what any binding can check
    # (the fuzzer never makes one): here it proves that a crash is caught.
    # (Under nox -s sanitizers, AddressSanitizer reports the SEGV and exits 1.)
    with pytest.raises(WorkerDied, match="killed by SIGSEGV|AddressSanitizer: SEGV"):
        own_worker.call("sigemptyset", [("forged", "sigset_t", 16)], "here")
    assert own_worker.call("getpid", [], "here")[0] == "returned"


def test_a_call_that_does_not_return_is_a_hang(own_worker):
    with pytest.raises(WorkerDied, match="did not answer within 0.5 s"):
        own_worker.call("read", [("fd", "pipe_r"), ("new", "char", 8, "zero")], "here",
                        timeout=0.5)
    assert own_worker.call("getpid", [], "here")[0] == "returned"


def test_a_blocking_call_in_a_child_ends_at_the_alarm(worker):
    assert worker.call("read", [("fd", "pipe_r"), ("new", "char", 8, "zero")], "child") \
        == ("deadline",)


def test_a_blocking_call_asked_again_waits_the_longer_alarm(worker):
    """Where the first alarm may have come before the call reached C, the test asks again."""
    import fuzz_worker

    start = time.monotonic()
    assert worker.call("read", [("fd", "pipe_r"), ("new", "char", 8, "zero")], "child",
                       slow=True) == ("deadline",)
    assert time.monotonic() - start >= fuzz_worker.SLOW_DEADLINE


def test_the_judge_fails_what_it_must():
    kill, read, sigadd = ENTRIES["kill"], ENTRIES["read"], ENTRIES["sigaddset"]
    segv = ("died", "signal", signal.SIGSEGV)
    assert "a crash" in judge(kill, [("int", 0), ("int", 0)], segv)
    assert judge(kill, [("int", 0), ("int", 9)], ("died", "signal", signal.SIGKILL)) is None
    assert "'blocks'" in judge(sigadd, [("new", "sigset_t", None, "zero"), ("int", 1)],
                               ("deadline",))
    assert judge(read, [("fd", "pipe_r"), ("new", "char", 8, "zero")], ("deadline",)) is None
    assert "does not fit" in judge(kill, [("int", 2**32 + 9), ("int", 0)], ("returned", "0"))
    assert "does not fit" in judge(kill, [("int", 2**32 + 9), ("int", 0)],
                                   ("raised", "ProcessLookupError", "", True, None))
    assert judge(kill, [("int", 2**32 + 9), ("int", 0)],
                 ("raised", "OverflowError", "", True, None)) is None
    assert "raised KeyError" in judge(kill, [], ("raised", "KeyError", "x", False, "tb"))
    # waitpid takes __WCLONE, bit 31, as a positive number (int_masks).
    assert out_of_range(ENTRIES["waitpid"], [("int", -1), ("NULL",), ("int", 2**31)]) is None
    assert out_of_range(ENTRIES["waitpid"], [("int", -1), ("NULL",), ("int", 2**32)]) \
        == ("options", 2**32)
    # A call that went ahead with a truncated int is excused by no way of ending: here
    # the throwaway child's report was lost, its exit code saying that the call returned.
    lost = ("died", "code:returned", 10)
    assert "does not fit" in judge(ENTRIES["setrlimit"], [("int", 2**32 + 3), ("NULL",)], lost)


# -- every hazard is declared --------------------------------------------------------------------

# What a name or a parameter says about a call: it sets, sends, waits, closes,
# reads or writes something, acts on a scheduler, a clock or a limit, or
# names a pid.  Broad on purpose: what it catches is declared or reviewed.
LOOKS_HAZARDOUS = re.compile(
    r"set|kill|queue|signal|suspend|wait|pause|sleep|close|dup|share|ns$|prctl|personality"
    r"|nice|priority|splice|tee|sendfile|flock|fcntl|open|read|write|poll|select|altstack"
    r"|mask|timer|limit|affinity|sched|cap|clock|trunc|alloc|sync|rename", re.I)

MEMORY = "works on memory it is given, checked against its size"
READS = "reads, and writes only into what it is given"
NEW_FD = "makes a new descriptor, which the caller owns"

# The entries that look hazardous and declare nothing, each reviewed: why any
# arguments may be given to it in a process that must go on.
REVIEWED_HARMLESS = {
    "CPU_ALLOC_SIZE": "arithmetic", "CPU_ISSET": MEMORY, "CPU_ISSET_S": MEMORY,
    "CPU_SET": MEMORY, "CPU_SET_S": MEMORY, "FD_ISSET": MEMORY, "FD_SET": MEMORY,
    "sigaddset": MEMORY, "sigandset": MEMORY, "sigdelset": MEMORY, "sigemptyset": MEMORY,
    "sigfillset": MEMORY, "sigisemptyset": MEMORY, "sigorset": MEMORY,
    "capget": READS, "clock_getcpuclockid": READS, "clock_getres": READS,
    "clock_gettime": READS, "getitimer": READS, "getpriority": READS, "getrlimit": READS,
    "getrlimit64": READS, "sched_get_priority_max": READS, "sched_get_priority_min": READS,
    "sched_getaffinity": READS, "sched_getcpu": READS, "sched_getparam": READS,
    "sched_getscheduler": READS, "sched_rr_get_interval": READS, "timer_getoverrun": READS,
    "timer_gettime": READS, "timerfd_gettime": READS,
    "dup": NEW_FD, "epoll_create": NEW_FD, "epoll_create1": NEW_FD, "pidfd_open": NEW_FD,
    "timerfd_create": NEW_FD,
    "signalfd": NEW_FD + ", or changes the signalfd it is given",
    "epoll_ctl": "changes only the epoll instance it is given",
    "timerfd_settime": "arms a timer that only makes its own descriptor readable",
    "timer_delete": "deletes the timer it is given (its signal with it)",
    "sched_yield": "lets other threads run, once",
    "pthread_sigmask": "changes the calling thread's mask, which the caller can put back "
                       "(the fuzz worker does after each call)",
    "sigprocmask": "as pthread_sigmask",
    "fallocate": "acts on the file it is given", "posix_fallocate": "as fallocate",
    "ftruncate": "as fallocate", "fsync": "writes back the file it is given",
    "fdatasync": "as fsync", "sync_file_range": "as fsync",
    "syncfs": "writes back the file system of the file it is given",
    "readahead": "fills the page cache from the file it is given",
    "renameat2": "acts on the paths it is given only",
}


def test_every_entry_that_looks_hazardous_declares_it_or_was_reviewed():
    looks = {name for name, entry in ENTRIES.items()
             if (LOOKS_HAZARDOUS.search(name) or any(p.ctype == "pid_t" for p in entry.params))
             and not entry.hazards}
    assert sorted(looks - set(REVIEWED_HARMLESS)) == [], (
        "declare hazard= on these entries (glibc._spec.HAZARDS), or say in "
        "REVIEWED_HARMLESS why they are harmless")
    assert sorted(set(REVIEWED_HARMLESS) - looks) == [], "reviewed, but declared or renamed since"


def test_every_blocking_entry_has_the_blocks_hazard_and_every_word_is_known():
    for entry in ENTRIES.values():
        assert entry.blocking <= ("blocks" in entry.hazards), entry.name
        assert entry.hazards <= set(HAZARDS), entry.name


# The declared hazards as reviewed by hand: a change to the tables must
# change this list too, so that someone looks at it.
DECLARED = {
    "capset": "process", "clock_settime": "others", "close": "fds",
    "close_range": "fds process", "dup2": "fds", "dup3": "fds", "fcntl": "blocks others",
    "kill": "exits others", "killpg": "exits others", "nice": "process",
    "personality": "process", "pidfd_send_signal": "exits others",
    "prctl": "exits others process", "prlimit": "exits others process",
    "prlimit64": "exits others process", "rt_sigqueueinfo": "exits others",
    "rt_tgsigqueueinfo": "exits others", "sched_setaffinity": "others process",
    "sched_setparam": "others process", "sched_setscheduler": "others process",
    "setitimer": "exits process", "setns": "process", "setpriority": "others process",
    "setrlimit": "exits process", "setrlimit64": "exits process",
    "sigaltstack": "process", "sigqueue": "exits others", "tgkill": "exits others",
    "timer_create": "process", "timer_settime": "exits process", "unshare": "process",
    "vmsplice": "blocks process",
}


def test_the_declared_hazards_are_the_reviewed_ones():
    declared = {name: " ".join(sorted(entry.hazards)) for name, entry in ENTRIES.items()
                if entry.hazards - {"blocks"}}
    assert declared == DECLARED
