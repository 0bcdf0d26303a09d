"""asyncio over pyglibc's descriptors: await signals, timers, process exits and file events.

    async with aio.signals(SIGTERM, SIGHUP) as sigs, aio.ticker(1.0) as ticks:
        async for info in sigs:            # a pyglibc.siginfo, sender and all
            ...
        async for missed in ticks:         # expirations since the last tick, >= 1
            ...

Every object here owns a pyglibc object (``signalfd``, ``timerfd``, ``pidfd``,
``inotify``, ``eventfd``) and waits for its descriptor with the running
loop's own ``add_reader``: no thread, no polling, on any loop that has
``add_reader`` (the default loop, ``asyncio.SelectorEventLoop`` over
``pyglibc.selectors.EpollSelector()``, uvloop).

One shape throughout:

* an object is made without a loop, and owns its descriptors from then on;
  ``close()``, ``with`` and ``async with`` close it (once), ``closed`` and
  ``fileno()`` are as on pyglibc's objects;
* a stream (``signals``, ``ticker``, ``inotify_watch``) is an async
  iterator; a one-shot wait is a coroutine (``Event.wait()``,
  ``Process.wait()``, ``Process.exited()``, ``sleep_until()``, ``sleep()``,
  ``wait_process()``);
* a reader is registered only while a task awaits, and removed when the
  await ends, whether it returns, raises or is cancelled: cancelling
  leaves no reader behind and takes nothing (a signal, a tick, an event,
  a child's exit status) that the next await would have had;
* any number of tasks, on any number of loops, may await one object;
  ``close()`` from any task or thread wakes them: an iteration ends
  (StopAsyncIteration), a one-shot wait raises ValueError, and the
  descriptor is closed once no loop watches it any more.
"""

from __future__ import annotations

import asyncio
import collections
import datetime
import errno
import fractions
import os
import select
import threading
from typing import Any, Generic, TypeVar, Union

import glibc
from pyglibc._eventfd import eventfd as _eventfd
from pyglibc._fd import FdObject, NotCopyable
from pyglibc._inotify import Event as _InotifyEvent, inotify as _inotify
from pyglibc._pidfd import pidfd as _pidfd, waitid_result
from pyglibc._sigmask import pthread_sigmask
from pyglibc._signalfd import signalfd as _signalfd
from pyglibc._signals import from_signalfd, siginfo
from pyglibc._sigset import sigset
from pyglibc._timerfd import _nanoseconds, timerfd as _timerfd

__all__ = ["Event", "Process", "inotify_watch", "signals", "sleep", "sleep_until", "ticker",
           "wait_process"]

_NS = 10**9
_Seconds = Union[float, datetime.timedelta]
_Path = Union[str, bytes, os.PathLike[str], os.PathLike[bytes]]
_Self = TypeVar("_Self", bound="_Waitable[Any]")
_F = TypeVar("_F", bound=FdObject)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class _Waitable(NotCopyable, Generic[_F]):
    """Awaits readability of one pyglibc object's descriptor on whichever loops ask.

    ``_waiting`` maps each loop with tasks waiting to (the fd registered
    with its add_reader, their futures).  The first waiter of a loop adds
    the reader, the reader's callback (or the last waiter to leave) removes
    it: a readable descriptor nobody waits for is never watched, so a
    level-triggered loop cannot spin on it.  The descriptor is closed only
    when no loop has it registered: a number closed under a loop's feet
    could be reused by an unrelated file, which the loop would then drop.
    """

    _kind = "aio object"

    def __init__(self, fdobj: _F) -> None:
        self._fdobj = fdobj
        self._lock = threading.Lock()
        self._closing = False
        self._waiting: dict[asyncio.AbstractEventLoop, tuple[int, set[asyncio.Future[None]]]] = {}

    @property
    def closed(self) -> bool:
        """True once ``close()`` was called."""
        return self._closing

    def fileno(self) -> int:
        """The descriptor (ValueError once closed); leave readers on it to this object."""
        if self._closing:
            raise ValueError("I/O operation on closed %s" % self._kind)
        return self._fdobj.fileno()

    def close(self) -> None:
        """Close it; closing again does nothing.

        Tasks awaiting it are woken (an iteration ends, a one-shot wait
        raises ValueError); the descriptor is closed at once, or as soon as
        the loops watching it have removed their readers.  Any thread may
        call it.
        """
        with self._lock:
            if self._closing:
                return
            self._closing = True
            loops = list(self._waiting)
        try:
            self._on_close()
        finally:
            if not loops:
                self._fdobj.close()
            for loop in loops:
                self._wake_soon(loop)

    def _on_close(self) -> None:
        """What close() undoes at once, before the descriptor goes (signals: the mask)."""

    def _wake_soon(self, loop: asyncio.AbstractEventLoop) -> None:
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._wake(loop)
            return
        try:
            loop.call_soon_threadsafe(self._wake, loop)
        except RuntimeError:  # the loop is closed: its selector, and what it watched, are gone
            self._wake(loop)

    def _wake(self, loop: asyncio.AbstractEventLoop) -> None:
        """The reader's callback: stop watching on this loop and wake its waiters."""
        with self._lock:
            entry = self._waiting.pop(loop, None)
            if entry is not None and not loop.is_closed():
                loop.remove_reader(entry[0])
            last = self._closing and not self._waiting
        if last:
            self._fdobj.close()
        if entry is not None:
            for future in entry[1]:
                _resolve(future)

    async def _readable(self) -> bool:
        """Wait until the descriptor is readable (True) or the object is closed (False)."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        with self._lock:
            if self._closing:
                return False
            entry = self._waiting.get(loop)
            if entry is None:
                fd = self._fdobj.fileno()
                loop.add_reader(fd, self._wake, loop)
                entry = self._waiting[loop] = (fd, set())
            entry[1].add(future)
        try:
            await future
        finally:
            entry[1].discard(future)
            if not entry[1]:
                self._leave(loop, entry)
        return not self._closing

    def _leave(self, loop: asyncio.AbstractEventLoop,
               entry: tuple[int, set[asyncio.Future[None]]]) -> None:
        """The last waiter of loop went away (cancelled) before the reader fired."""
        with self._lock:
            if self._waiting.get(loop) is not entry:
                return  # _wake took it already
            del self._waiting[loop]
            if not loop.is_closed():
                loop.remove_reader(entry[0])
            last = self._closing and not self._waiting
        if last:
            self._fdobj.close()

    def __enter__(self: _Self) -> _Self:
        self.fileno()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    async def __aenter__(self: _Self) -> _Self:
        self.fileno()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        if self._closing:
            return "<pyglibc.%s closed>" % self._kind
        return "<pyglibc.%s fd=%d%s>" % (self._kind, self._fdobj.fileno(), self._details())

    def _details(self) -> str:
        return ""


# -- signals -------------------------------------------------------------------------------------

# Per thread: signal -> how many live aio.signals objects of the thread blocked it.
_held = threading.local()


def _hold(chosen: frozenset[int]) -> frozenset[int]:
    """Block the signals of chosen that the calling thread does not block; return those it holds.

    A signal this layer blocked for another live object is held again (its
    count goes up); one the thread blocked by other means is left alone,
    and stays blocked after.  Counting instead of saving and restoring
    whole masks is what lets the blocks of two tasks end in any order.
    """
    counts: collections.Counter[int] | None = getattr(_held, "counts", None)
    if counts is None:
        counts = _held.counts = collections.Counter()
    blocked = pthread_sigmask.get()
    new = frozenset(signum for signum in chosen if signum not in counts and signum not in blocked)
    if new:
        glibc.pthread_sigmask(glibc.SIG_BLOCK, sigset(new, "aio.signals")[1], None)
    mine = frozenset(signum for signum in chosen if signum in counts or signum in new)
    counts.update(mine)
    return mine


def _let_go(mine: frozenset[int]) -> None:
    """Undo one _hold(): unblock the signals no other live object of this thread holds."""
    counts: collections.Counter[int] = _held.counts
    done = []
    for signum in mine:
        counts[signum] -= 1
        if counts[signum] <= 0:
            del counts[signum]
            done.append(signum)
    if done:
        glibc.pthread_sigmask(glibc.SIG_UNBLOCK, sigset(done, "aio.signals")[1], None)


class signals(_Waitable[_signalfd]):
    """Block ``signums`` in the calling thread and yield them as they come, as ``siginfo`` records.

    ::

        async with aio.signals(signal.SIGTERM, signal.SIGHUP) as sigs:
            async for info in sigs:
                print(signal.Signals(info.si_signo).name, "from pid", info.si_pid)

    Making the object blocks the signals (pthread_sigmask(3)) and opens a
    non-blocking, close-on-exec signalfd(2) for them; ``close()`` (leaving
    ``async with``, by return, error or cancellation) closes it and
    unblocks the signals it blocked.  Each record is a ``pyglibc.siginfo``:
    si_signo, si_code, si_pid and si_uid of the sender, si_status of a
    child for SIGCHLD, si_value of sigqueue(3), ...  Iterating takes one
    signal per step, so a cancelled step or a ``break`` takes nothing
    more; ``read()`` takes all that are pending, without waiting.

    Blocks may overlap in any order (two tasks each in its own ``async
    with``): a signal stays blocked while any live object of the thread
    holds it, and one the thread blocked before is left blocked.  What is
    still pending when the last holder unblocks it is delivered the usual
    way (its handler, or its default action: SIGTERM ends the process);
    ``read()`` first to take it.  Objects watching the same signal share
    it: each instance goes to the one that reads first.

    Threads: the mask belongs to a thread, so make and await the object in
    the loop's thread (awaiting it from another thread is a RuntimeError),
    and close it there.  A signal sent to the thread (pthread_kill,
    tgkill) always reaches the descriptor; one sent to the process (kill,
    os.kill, sigqueue, a terminal's ^C, SIGCHLD) goes to any one thread
    that does not block it, and reaches the descriptor only if every other
    thread of the process blocks it too.  A new thread starts with the mask
    of the thread that made it, so block the signals before starting other
    threads (``pyglibc.pthread_sigmask(...).block()`` early in the main
    thread, or in each thread's initializer): a thread that does not block
    SIGTERM gets SIGTERM's default action, which ends the process.  Threads
    the loop starts later (run_in_executor) inherit the mask of the moment.
    An object dropped without ``close()`` has its descriptor closed by the
    finalizer, but its signals stay blocked: a finalizer may run in any
    thread.
    """

    _kind = "aio.signals"

    def __init__(self, *signums: int) -> None:
        chosen, _ = sigset(signums, "aio.signals")
        mine = _hold(chosen)
        try:
            sfd = _signalfd(chosen, glibc.SFD_NONBLOCK)
        except BaseException:
            _let_go(mine)
            raise
        super().__init__(sfd)
        self._signals = chosen
        self._mine = mine
        self._thread = threading.get_ident()

    @property
    def signals(self) -> frozenset[int]:
        """The frozenset of signals watched."""
        return self._signals

    def _check_thread(self, what: str) -> None:
        if threading.get_ident() != self._thread:
            raise RuntimeError("aio.signals.%s: the signals were blocked by another thread, whose "
                               "signal mask this thread neither shares nor restores" % what)

    def _on_close(self) -> None:
        self._check_thread("close")
        _let_go(self._mine)

    def read(self, maxsignals: int | None = None) -> list[siginfo]:
        """Take the pending signals (up to ``maxsignals``, default: one per signal watched), now.

        ``[]`` when none is pending.
        """
        self.fileno()
        self._check_thread("read")
        return [from_signalfd(record) for record in self._fdobj.read(maxsignals)]

    def __aiter__(self: _Self) -> _Self:
        return self

    async def __anext__(self) -> siginfo:
        """The next signal, waiting for it; the iteration ends when the object is closed."""
        self._check_thread("__anext__")
        while not self._closing:
            got = self._fdobj.read(1)
            if got:
                return from_signalfd(got[0])
            await self._readable()
        raise StopAsyncIteration

    def _details(self) -> str:
        return " signals=%s" % sorted(int(signum) for signum in self._signals)


# -- timers --------------------------------------------------------------------------------------


class ticker(_Waitable[_timerfd]):
    """A periodic timer on a timerfd(2): ``async for missed in ticker(0.25): ...``.

    ``ticker(interval, *, clock=CLOCK_MONOTONIC, start=None)`` arms the
    timer at once: the first tick comes ``interval`` seconds later, or,
    with ``start``, when ``clock`` reads ``start`` (an absolute deadline,
    as ``time.clock_gettime(clock)`` gives: TFD_TIMER_ABSTIME; one already
    past ticks at once, counting the ticks of the grid that are past too).
    Then one tick every ``interval`` seconds, on a
    fixed grid that a slow consumer does not shift: each step yields the
    number of expirations since the previous one, 1 when the consumer kept
    up, more when it fell behind.  ``clock`` is any clock timerfd_create(2)
    takes: CLOCK_MONOTONIC, CLOCK_BOOTTIME (counts suspend),
    CLOCK_REALTIME (wall-clock deadlines), the ``*_ALARM`` clocks.  Seconds are
    ints, floats or ``datetime.timedelta``; ``timerfd`` is the underlying
    ``pyglibc.timerfd`` (``gettime()`` tells the time to the next tick).
    """

    _kind = "aio.ticker"

    def __init__(self, interval: _Seconds, *, clock: int = glibc.CLOCK_MONOTONIC,
                 start: _Seconds | None = None) -> None:
        every = _nanoseconds(interval, "aio.ticker: interval")
        if every == 0:
            raise ValueError("aio.ticker: interval must be positive, not %r" % (interval,))
        first = None if start is None else _nanoseconds(start, "aio.ticker: start")
        tfd = _timerfd(clock, glibc.TFD_NONBLOCK)
        try:
            if first is None:
                tfd.settime(_seconds(every), _seconds(every))
            else:
                # A deadline of 0 would disarm the timer: it is past, so tick at once.
                tfd.settime(_seconds(max(first, 1)), _seconds(every), absolute=True)
        except BaseException:
            tfd.close()
            raise
        super().__init__(tfd)
        self._interval = every

    @property
    def interval(self) -> float:
        """Seconds between two ticks."""
        return self._interval / _NS

    @property
    def clock(self) -> int:
        """The clock the timer counts on."""
        return self._fdobj.clockid

    @property
    def timerfd(self) -> _timerfd:
        """The ``pyglibc.timerfd`` underneath (close the ticker, not it)."""
        return self._fdobj

    def __aiter__(self: _Self) -> _Self:
        return self

    async def __anext__(self) -> int:
        """Wait for the next tick; return how many expirations it stands for (>= 1)."""
        while not self._closing:
            try:
                return self._fdobj.read()
            except BlockingIOError:
                pass
            await self._readable()
        raise StopAsyncIteration

    def _details(self) -> str:
        return " interval=%r clock=%d" % (self.interval, self.clock)


def _seconds(ns: int) -> fractions.Fraction:
    # timerfd.settime takes exact rationals: no float rounds a deadline off by a nanosecond.
    return fractions.Fraction(ns, _NS)


class _OneShot(_Waitable[_timerfd]):
    _kind = "aio.sleep"


async def _sleep(ns: int, absolute: bool, clock: int) -> None:
    with _OneShot(_timerfd(clock, glibc.TFD_NONBLOCK)) as timer:
        timer._fdobj.settime(_seconds(ns), absolute=absolute)
        await timer._readable()


async def sleep_until(deadline: _Seconds, *, clock: int = glibc.CLOCK_MONOTONIC) -> None:
    """Sleep until ``clock`` reads ``deadline`` (timerfd(2) with TFD_TIMER_ABSTIME).

    ``deadline`` is in the clock's own seconds, as ``time.clock_gettime(clock)``
    gives; one already past returns at the loop's next turn.  On
    CLOCK_REALTIME the wake-up follows the wall clock, even when it is set
    meanwhile; on CLOCK_BOOTTIME time spent suspended counts.
    """
    ns = _nanoseconds(deadline, "aio.sleep_until: deadline")
    await _sleep(max(ns, 1), True, clock)  # 0 would disarm the timer: it is past anyway


async def sleep(delay: _Seconds, *, clock: int = glibc.CLOCK_MONOTONIC) -> None:
    """Sleep ``delay`` seconds measured on ``clock`` (asyncio.sleep's, on any timerfd clock).

    CLOCK_BOOTTIME counts time spent suspended, which the loop's own clock
    (CLOCK_MONOTONIC) does not.
    """
    ns = _nanoseconds(delay, "aio.sleep: delay")
    if ns == 0:
        await asyncio.sleep(0)
        return
    await _sleep(ns, False, clock)


# -- processes -----------------------------------------------------------------------------------


class Process(_Waitable[_pidfd]):
    """A process, held by a pidfd(2): ``await Process(pid).wait()`` reaps it and gives its status.

    ``Process(pid)`` opens a pidfd for any process: from then on it names
    that process only, so ``send_signal()``, ``terminate()`` and
    ``kill()`` (pidfd_send_signal(2)) cannot reach another process that
    took over the pid, and ``await exited()`` returns once it has ended.
    Opening is race-free for a child not yet reaped (its pid cannot be
    reused before): fork, subprocess.Popen and orphans adopted as a
    subreaper alike.

    ``await wait()`` is for a child of this process: it waits for the end
    and reaps the child with waitid(P_PIDFD), returning a
    ``waitid_result`` (``returncode``: the exit code, or -N for signal N;
    ``si_code``, ``si_status``, ``si_pid``, ``si_uid``).  For a process
    that is not a child it raises ChildProcessError at once.  Children of
    ``asyncio.create_subprocess_*`` are reaped by asyncio: await their
    ``exited()``, not ``wait()``.  ``pidfd`` is the ``pyglibc.pidfd``.
    """

    _kind = "aio.Process"

    def __init__(self, pid: int) -> None:
        super().__init__(_pidfd(pid))

    @classmethod
    def _over(cls, handle: _pidfd) -> Process:
        """A Process waiting on the caller's pidfd, which it never closes."""
        self = cls.__new__(cls)
        _Waitable.__init__(self, handle)
        return self

    @property
    def pid(self) -> int:
        """The process ID."""
        return self._fdobj.pid

    @property
    def pidfd(self) -> _pidfd:
        """The ``pyglibc.pidfd`` underneath (close the Process, not it)."""
        return self._fdobj

    @property
    def returncode(self) -> int | None:
        """As ``asyncio.subprocess.Process.returncode``: known once ``wait()`` has reaped it."""
        return self._fdobj.returncode

    def send_signal(self, sig: int) -> None:
        """pidfd_send_signal(2): ProcessLookupError once the process has ended and been reaped."""
        self.fileno()
        self._fdobj.send_signal(sig)

    def terminate(self) -> None:
        """Send SIGTERM."""
        self.send_signal(glibc.SIGTERM)

    def kill(self) -> None:
        """Send SIGKILL."""
        self.send_signal(glibc.SIGKILL)

    async def exited(self) -> None:
        """Return once the process has ended (any process, child or not; reaps nothing)."""
        self.fileno()
        if not await self._readable():
            raise ValueError("aio.Process.exited: the Process was closed meanwhile")

    async def wait(self) -> waitid_result:
        """Wait for the child to end, reap it and return its ``waitid_result``.

        Once reaped, every call returns the same result.
        """
        self.fileno()
        while True:
            result = self._fdobj.poll()  # ChildProcessError: not a child
            if result is not None:
                return result
            if not await self._readable():
                raise ValueError("aio.Process.wait: the Process was closed meanwhile")

    def _details(self) -> str:
        return " pid=%d" % self.pid


async def wait_process(process: int | _pidfd) -> waitid_result:
    """Wait for the child ``process`` (a pid or a ``pyglibc.pidfd``) to end; reap it; its status.

    ``await Process(pid).wait()`` for a pid, its pidfd closed after; a
    pidfd given is used and left open.  Where the kernel has no
    pidfd_open(2) (Linux < 5.3, or a seccomp profile that answers EPERM
    for it), a thread waits for the pid in waitid(2) with WNOWAIT and the
    loop reaps it: a cancelled wait reaps nothing there either.
    """
    if isinstance(process, _pidfd):
        return await Process._over(process).wait()
    try:
        proc = Process(process)
    except OSError as exc:
        # pidfd_open never answers EPERM itself: that is a filter refusing it.
        if exc.errno not in (errno.ENOSYS, errno.EPERM):
            raise
        return await _wait_by_pid(process)
    with proc:
        return await proc.wait()


def _waitid_pid(pid: int, options: int) -> waitid_result | None:
    """waitid(P_PID, pid, ..., options): the result, or None if WNOHANG found no change."""
    info = glibc.siginfo_t()
    glibc.waitid(glibc.P_PID, pid, info, options)
    if info.si_signo == 0:
        return None
    return waitid_result(info.si_pid, info.si_uid, info.si_signo, info.si_status, info.si_code)


async def _wait_by_pid(pid: int) -> waitid_result:
    """wait_process without a pidfd: a thread blocks until the child has ended, then reap it."""
    ended = glibc.WEXITED | glibc.WNOWAIT
    # ChildProcessError at once for a process that is no child, as with a pidfd.
    if _waitid_pid(pid, ended | glibc.WNOHANG) is None:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()

        def report(error: BaseException | None) -> None:
            if future.done():  # cancelled meanwhile
                return
            if error is None:
                future.set_result(None)
            else:
                future.set_exception(error)

        def wait() -> None:
            # WNOWAIT: the thread only learns that the child ended, so a
            # cancelled wait leaves the exit status to whoever reaps next.
            error: BaseException | None = None
            try:
                _waitid_pid(pid, ended)
            except BaseException as exc:  # handed to the awaiting task
                error = exc
            try:
                loop.call_soon_threadsafe(report, error)
            except RuntimeError:  # the loop was closed meanwhile: nobody waits any more
                pass

        threading.Thread(target=wait, name="aio.wait_process(%d)" % pid, daemon=True).start()
        await future
    result = _waitid_pid(pid, glibc.WEXITED | glibc.WNOHANG)
    assert result is not None  # the child ended, and nobody else may reap it meanwhile
    return result


# -- file events ---------------------------------------------------------------------------------


class inotify_watch(_Waitable[_inotify]):
    """File system events of ``path``: ``async for event in inotify_watch(path, mask): ...``.

    ``inotify_watch(path, mask)`` opens a non-blocking inotify(7) instance
    and adds a watch for ``path`` (str, bytes or os.PathLike) with
    ``mask`` (``pyglibc.inotify.Mask`` flags, e.g. ``Mask.CLOSE_WRITE |
    Mask.MOVED_TO``); iterating yields decoded ``pyglibc.inotify.Event``
    records (mask, cookie, name, path, fullpath).  ``inotify`` is the
    ``pyglibc.inotify`` underneath, for ``add_watch()`` and ``rm_watch()``
    of more paths.  The iteration ends when no watch is left (what was
    watched is gone: its IGNORED event is yielded last) or when the object
    is closed.  Events read from the kernel in one batch but not yet
    yielded when it is closed are dropped with it.
    """

    _kind = "aio.inotify_watch"

    def __init__(self, path: _Path, mask: int) -> None:
        ino = _inotify(glibc.IN_NONBLOCK)
        try:
            ino.add_watch(path, mask)
        except BaseException:
            ino.close()
            raise
        super().__init__(ino)
        self._events: collections.deque[_InotifyEvent] = collections.deque()

    @property
    def inotify(self) -> _inotify:
        """The ``pyglibc.inotify`` underneath (close the watch, not it)."""
        return self._fdobj

    def __aiter__(self: _Self) -> _Self:
        return self

    async def __anext__(self) -> _InotifyEvent:
        """The next event, waiting for it."""
        events = self._events
        while not events:
            if self._closing or not self._fdobj.watches:
                raise StopAsyncIteration
            events.extend(self._fdobj.read())
            if not events:
                await self._readable()
        return events.popleft()

    def _details(self) -> str:
        return " watches=%d" % len(self._fdobj.watches)


# -- wake-ups ------------------------------------------------------------------------------------


class Event(_Waitable[_eventfd]):
    """asyncio.Event over an eventfd(2): ``set()`` from any thread wakes ``await event.wait()``.

    ``set()`` is one write(2) of the counter, so any thread may call it
    (a signal handler too), with no ``call_soon_threadsafe``: the loop
    learns of it from its own selector.  As with asyncio.Event, the flag
    stays set until ``clear()``, and ``wait()`` returns at once while it
    is set; tasks of several loops may wait on one Event.
    """

    _kind = "aio.Event"

    def __init__(self) -> None:
        super().__init__(_eventfd(0, glibc.EFD_NONBLOCK))

    def set(self) -> None:
        """Set the flag, waking every task that waits."""
        self.fileno()
        self._fdobj.write(1)

    def clear(self) -> None:
        """Reset the flag."""
        self.fileno()
        try:
            self._fdobj.read()
        except BlockingIOError:
            pass

    def is_set(self) -> bool:
        """True while the flag is set."""
        poller = select.poll()
        poller.register(self.fileno(), select.POLLIN)
        return bool(poller.poll(0))

    async def wait(self) -> bool:
        """Return True once the flag is set (at once if it is); ValueError if closed meanwhile."""
        if self.is_set() or await self._readable():
            return True
        raise ValueError("aio.Event.wait: the Event was closed meanwhile")

    def _details(self) -> str:
        return " set" if self.is_set() else " unset"
