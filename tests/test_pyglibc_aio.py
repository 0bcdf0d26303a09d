"""pyglibc.aio: signals, timers, processes, file events and wake-ups awaited on asyncio loops.

Every test that awaits runs on three loops: the default one
(``asyncio.new_event_loop()``), ``asyncio.SelectorEventLoop`` over
``pyglibc.selectors.EpollSelector()``, and uvloop's (skipped where uvloop
does not install: PyPy).  Whether a loop watches a descriptor is read from
the kernel: ``/proc/self/fdinfo`` of every epoll instance of the process
lists the descriptors it watches, whichever loop made it, so "the reader is
gone" is checked the same way on all three.  The shared guard (conftest.py)
checks that no descriptor, child, handler or mask change is left behind.
"""

import asyncio
import contextlib
import errno
import os
import select
import signal
import subprocess
import sys
import threading
import time

import kernelkit
import pytest

import glibc
import pyglibc
import pyglibc.selectors
from pyglibc import aio, inotify
from supervise_kit import child_env  # a child interpreter that imports the pyglibc under test

pytest_plugins = ["children"]  # the spawn fixture

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
USR1, USR2 = signal.SIGUSR1, signal.SIGUSR2

try:
    import uvloop
except ImportError:
    uvloop = None


LOOPS = {
    "default": asyncio.new_event_loop,
    "epoll": lambda: asyncio.SelectorEventLoop(pyglibc.selectors.EpollSelector()),
    "uvloop": uvloop and uvloop.new_event_loop,
}


@pytest.fixture(scope="session")
def _libuv_pipe():
    """libuv opens one pipe per process, with its first loop, and keeps it open for good (the
    lock of its signal handling): made here, before any test's guard counts the fds."""
    if uvloop is not None:
        uvloop.new_event_loop().close()


@pytest.fixture(params=sorted(LOOPS))
def run(request, watchdog, _libuv_pipe):
    """``run(coro)``: run coro on a new loop of the kind, 10 s to finish; then close the loop."""
    new_loop = LOOPS[request.param]
    if new_loop is None:
        pytest.skip("uvloop is not importable here (it installs on CPython only)")

    def run_on_new_loop(coro, timeout=10):
        loop = new_loop()
        try:
            return loop.run_until_complete(asyncio.wait_for(coro, timeout))
        finally:
            try:
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.run_until_complete(loop.shutdown_default_executor())
            finally:
                loop.close()

    return run_on_new_loop


def watched(fd):
    """True if an epoll instance of this process (any loop's) watches fd."""
    for name in os.listdir("/proc/self/fd"):
        try:
            if os.readlink("/proc/self/fd/" + name) != "anon_inode:[eventpoll]":
                continue
            with open("/proc/self/fdinfo/" + name) as f:
                if any(line.startswith("tfd:") and int(line.split()[1]) == fd for line in f):
                    return True
        except FileNotFoundError:
            pass  # the fd listdir itself used, or one another thread closed
    return False


async def until_watched(fd):
    """Let the loop turn until it watches fd: the task that awaits is then inside its await.

    (uvloop hands its changes to epoll on its next turn, not at add_reader.)
    """
    for _ in range(100):
        if watched(fd):
            return
        await asyncio.sleep(0)
    raise AssertionError("no loop watches fd %d" % fd)


async def cancelled(task):
    """Cancel task and wait for it to end; it must end cancelled."""
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


def open_fds():
    """fd -> what it refers to, for each open fd (as the guard counts them)."""
    fds = {}
    for name in os.listdir("/proc/self/fd"):
        with contextlib.suppress(FileNotFoundError):  # the fd listdir itself used
            fds[int(name)] = os.readlink("/proc/self/fd/" + name)
    return fds


def new_fds(before):
    """The fds open now that were not in before (open_fds()), as {fd: target}."""
    return {fd: target for fd, target in open_fds().items() if before.get(fd) != target}


def new_fds_of(kind, before):
    """The fds of new_fds(before) that are anon_inode:[kind]."""
    return [fd for fd, target in new_fds(before).items() if target == "anon_inode:[%s]" % kind]


def blocked():
    return signal.pthread_sigmask(signal.SIG_BLOCK, [])


# -- signals -------------------------------------------------------------------------------------


def test_signals_yields_what_kill_and_sigqueue_sent(run):
    async def main():
        async with aio.signals(USR1, USR2) as sigs:
            inside = blocked()
            os.kill(os.getpid(), USR1)
            pyglibc.sigqueue(os.getpid(), USR2, 42)
            got = []
            async for info in sigs:
                got.append(info)
                if len(got) == 2:
                    break
        return inside, got

    inside, got = run(main())
    assert {USR1, USR2} <= inside
    assert not {USR1, USR2} & blocked()
    assert [(info.si_signo, info.si_code, info.si_value) for info in got] == [
        (USR1, glibc.SI_USER, None), (USR2, glibc.SI_QUEUE, 42)]
    assert {(info.si_pid, info.si_uid) for info in got} == {(os.getpid(), os.getuid())}


def test_signals_wakes_the_loop_for_a_signal_sent_by_another_thread(run):
    async def main():
        async with aio.signals(USR1, USR2) as sigs:
            loop_thread = threading.get_ident()
            masks = []

            def send():
                # Made inside the block, this thread inherits the mask: the
                # process-directed USR1 cannot land here and must reach the signalfd.
                masks.append(signal.pthread_sigmask(signal.SIG_BLOCK, []))
                os.kill(os.getpid(), USR1)
                signal.pthread_kill(loop_thread, USR2)  # thread-directed, to the loop's thread

            waiting = asyncio.ensure_future(sigs.__anext__())
            await until_watched(sigs.fileno())
            thread = threading.Thread(target=send)
            thread.start()
            got = [await waiting, await sigs.__anext__()]
            thread.join()
            return masks, got

    masks, got = run(main())
    assert {USR1, USR2} <= masks[0]
    assert sorted((info.si_signo, info.si_code) for info in got) == [
        (USR1, glibc.SI_USER), (USR2, glibc.SI_TKILL)]
    assert {info.si_pid for info in got} == {os.getpid()}


@pytest.mark.needs_kernel("pidfd_open")
def test_signals_from_another_process_and_its_exit_status(run):
    async def main():
        async with aio.signals(USR1, signal.SIGCHLD) as sigs:
            pid = os.fork()
            if pid == 0:  # never back into the loop, whatever happens
                try:
                    os.kill(os.getppid(), USR1)
                finally:
                    os._exit(7)
            got = [await sigs.__anext__(), await sigs.__anext__()]
            status = await aio.wait_process(pid)
        return pid, got, status

    pid, got, status = run(main())
    assert [(info.si_signo, info.si_code, info.si_pid) for info in got] == [
        (USR1, glibc.SI_USER, pid), (signal.SIGCHLD, glibc.CLD_EXITED, pid)]
    assert got[1].si_status == 7
    assert (status.returncode, status.si_pid) == (7, pid)


def test_cancelling_a_wait_for_signals_leaves_no_reader_and_takes_nothing(run):
    async def main():
        async with aio.signals(USR1) as sigs:
            fd = sigs.fileno()
            task = asyncio.ensure_future(sigs.__anext__())
            await until_watched(fd)
            await cancelled(task)
            assert not watched(fd)
            # Woken (the signal is there) but cancelled before it ran: it read nothing.
            task = asyncio.ensure_future(sigs.__anext__())
            await until_watched(fd)
            os.kill(os.getpid(), USR1)
            await cancelled(task)
            assert not watched(fd)
            return [info.si_signo for info in sigs.read()]

    assert run(main()) == [USR1]
    assert USR1 not in blocked()


def test_cancelling_the_task_that_owns_the_block_restores_the_mask(run):
    seen = {}

    async def listen():
        async with aio.signals(USR1) as sigs:
            seen["fd"], seen["mask"] = sigs.fileno(), blocked()
            async for _ in sigs:
                pass

    async def main():
        task = asyncio.ensure_future(listen())
        await asyncio.sleep(0)
        await until_watched(seen["fd"])
        await cancelled(task)
        return blocked(), watched(seen["fd"])

    after, still_watched = run(main())
    assert USR1 in seen["mask"] and USR1 not in after
    assert not still_watched


def test_an_error_in_the_block_restores_the_mask(run):
    async def main():
        async with aio.signals(USR1) as sigs:
            raise KeyError(sigs.fileno())

    with pytest.raises(KeyError):
        run(main())
    assert USR1 not in blocked()


def test_blocks_may_end_in_any_order(signal_mask):
    signal_mask(signal.SIGHUP)  # blocked before: stays blocked whatever aio does
    first = aio.signals(USR1, signal.SIGHUP)
    second = aio.signals(USR1, USR2)
    assert {USR1, USR2, signal.SIGHUP} <= blocked()
    first.close()  # not the last one made
    assert {USR1, USR2, signal.SIGHUP} <= blocked()
    second.close()
    assert not {USR1, USR2} & blocked()
    assert signal.SIGHUP in blocked()


def test_a_thread_that_does_not_block_the_signal_takes_it(on_signal):
    """The documented caveat: a process-directed signal goes to a thread that does not block it."""
    handled = []
    on_signal(USR1, lambda signum, frame: handled.append(signum))
    with aio.signals(USR1) as sigs:

        def send():
            signal.pthread_sigmask(signal.SIG_UNBLOCK, [USR1])
            os.kill(os.getpid(), USR1)  # the only thread not blocking it is this one

        thread = threading.Thread(target=send)
        thread.start()
        thread.join()
        assert sigs.read() == []
    assert handled == [USR1]  # its handler ran (in the main thread, as Python's always do)


def test_signals_must_be_awaited_in_the_thread_that_blocked_them():
    sigs = aio.signals(USR1)
    errors = []

    def elsewhere():
        try:
            asyncio.run(sigs.__anext__())
        except RuntimeError as exc:
            errors.append(str(exc))

    try:
        thread = threading.Thread(target=elsewhere)
        thread.start()
        thread.join()
    finally:
        sigs.close()
    assert errors and "another thread" in errors[0]


def test_signals_refuses_what_is_not_a_signal():
    with pytest.raises(ValueError, match=r"aio\.signals: 0 is not a valid signal number"):
        aio.signals(USR1, 0)
    with pytest.raises(TypeError, match=r"aio\.signals: a signal number must be an int"):
        aio.signals("SIGUSR1")
    assert USR1 not in blocked()  # nothing half done
    sigs = aio.signals(USR1)
    sigs.close()
    sigs.close()
    with pytest.raises(ValueError, match="closed aio.signals"):
        sigs.read()
    assert repr(sigs) == "<pyglibc.aio.signals closed>"


# -- timers --------------------------------------------------------------------------------------


def test_ticker_keeps_to_its_grid(run):
    async def main():
        start = time.monotonic()
        total, steps = 0, []
        async with aio.ticker(0.01) as ticks:
            async for expirations in ticks:
                total += expirations
                steps.append(expirations)
                assert time.monotonic() >= start + total * 0.01
                if len(steps) == 3:
                    break
        return steps, ticks.closed

    steps, closed = run(main())
    assert all(n >= 1 for n in steps) and closed


def test_ticker_reports_ticks_a_busy_loop_missed(run):
    async def main():
        start = time.clock_gettime(time.CLOCK_MONOTONIC) - 2.5
        with aio.ticker(1.0, start=start) as ticks:  # due at -2.5 s, -1.5 s, -0.5 s, then +0.5 s
            first = await ticks.__anext__()
            left, interval = ticks.timerfd.gettime()
            next_tick = time.clock_gettime(time.CLOCK_MONOTONIC) + left
        with aio.ticker(0.02) as ticks:
            await ticks.__anext__()
            time.sleep(0.07)  # the loop is busy: ticks at +0.04, +0.06 and +0.08 come meanwhile
            late = await ticks.__anext__()
        return first, next_tick - (start + first * 1.0), interval, late

    first, off_grid, interval, late = run(main())
    assert first == 3
    assert abs(off_grid) < 0.01 and interval == 1.0  # the next tick is still on the start's grid
    assert late >= 3


def test_ticker_on_the_wall_clock_with_an_absolute_start(run):
    async def main():
        start = time.time() + 0.02
        async with aio.ticker(0.01, clock=time.CLOCK_REALTIME, start=start) as ticks:
            await ticks.__anext__()
            return time.time() >= start, ticks.clock

    assert run(main()) == (True, time.CLOCK_REALTIME)


@pytest.mark.parametrize("clock", ["CLOCK_MONOTONIC", "CLOCK_REALTIME", "CLOCK_BOOTTIME"])
def test_sleep_until_a_deadline_of_the_clock(run, clock):
    clockid = getattr(time, clock)

    async def main():
        deadline = time.clock_gettime(clockid) + 0.02
        await aio.sleep_until(deadline, clock=clockid)
        on_time = time.clock_gettime(clockid) >= deadline
        before = time.clock_gettime(clockid)
        await aio.sleep(0.01, clock=clockid)
        await aio.sleep_until(0, clock=clockid)  # long past: returns at once
        await aio.sleep(0)
        return on_time, time.clock_gettime(clockid) - before >= 0.01

    assert run(main()) == (True, True)


def test_cancelling_a_tick_or_a_sleep_leaves_no_reader_and_no_timer(run):
    async def main():
        with aio.ticker(10) as ticks:
            task = asyncio.ensure_future(ticks.__anext__())
            await until_watched(ticks.fileno())
            await cancelled(task)
            assert not watched(ticks.fileno())
        before = open_fds()
        task = asyncio.ensure_future(aio.sleep_until(time.monotonic() + 10))
        await asyncio.sleep(0)
        (timer,) = new_fds_of("timerfd", before)
        await until_watched(timer)
        await cancelled(task)
        return new_fds(before)

    assert run(main()) == {}


def test_closing_a_ticker_ends_the_iteration_of_another_task(run):
    async def main():
        ticks = aio.ticker(10)
        fd = ticks.fileno()
        seen = []

        async def consume():
            async for expirations in ticks:
                seen.append(expirations)
            return "ended"

        task = asyncio.ensure_future(consume())
        await until_watched(fd)
        ticks.close()
        assert ticks.closed
        return await task, seen, watched(fd)

    assert run(main()) == ("ended", [], False)


def test_ticker_and_sleep_refuse_bad_times():
    with pytest.raises(ValueError, match="aio.ticker: interval must be positive"):
        aio.ticker(0)
    with pytest.raises(ValueError, match="aio.ticker: interval must not be negative"):
        aio.ticker(-1)
    with pytest.raises(TypeError, match="aio.ticker: start must be seconds"):
        aio.ticker(1, start="soon")
    with pytest.raises(OSError) as info:
        aio.ticker(1, clock=glibc.CLOCK_MONOTONIC_RAW)  # a clock timerfd cannot use
    assert info.value.errno == errno.EINVAL and "timerfd_create:" in str(info.value)
    with pytest.raises(ValueError, match="aio.sleep_until: deadline must not be negative"):
        asyncio.run(aio.sleep_until(-1))


# -- processes -----------------------------------------------------------------------------------


@pytest.mark.needs_kernel("pidfd_open")
def test_process_wait_reaps_a_child_and_gives_its_status(run, spawn):
    child = spawn()

    async def main():
        with aio.Process(child.pid) as proc:
            task = asyncio.ensure_future(proc.wait())
            await until_watched(proc.fileno())
            child.exit(3)
            result = await task
            return result, proc.returncode, await proc.wait() is result, proc.pid

    result, returncode, same, pid = run(main())
    assert (result.si_code, result.si_status, result.si_pid) == (glibc.CLD_EXITED, 3, child.pid)
    assert returncode == 3 and same and pid == child.pid
    assert not os.path.exists("/proc/%d" % child.pid)  # reaped


@pytest.mark.needs_kernel("pidfd_open", "pidfd_send_signal")
def test_process_signals_go_to_the_process_and_not_to_its_pid(run, spawn):
    child = spawn()

    async def main():
        async with aio.Process(child.pid) as proc:
            proc.terminate()
            result = await proc.wait()
            # Reaped: its pid may belong to another process now, the pidfd still names the dead one.
            with pytest.raises(ProcessLookupError):
                proc.kill()
            return result.returncode

    assert run(main()) == -signal.SIGTERM


@pytest.mark.needs_kernel("pidfd_open")
def test_wait_process_takes_a_pid_or_a_pidfd(run, spawn):
    first, second = spawn(), spawn()

    async def main():
        first.exit(4)
        by_pid = await aio.wait_process(first.pid)
        with pyglibc.pidfd(second.pid) as handle:
            second.exit(5)
            by_pidfd = await aio.wait_process(handle)
            return by_pid.returncode, by_pidfd.returncode, handle.closed, handle.returncode

    assert run(main()) == (4, 5, False, 5)


@pytest.mark.needs_kernel("pidfd_open")
def test_exited_waits_for_a_process_that_is_not_a_child(run):
    # sh's child is our grandchild: we may signal it and see it end, not reap it.
    shell = subprocess.Popen(["sh", "-c", "sleep 30 & echo $!; wait $!"], stdout=subprocess.PIPE)
    try:
        grandchild = int(shell.stdout.readline())

        async def main():
            async with aio.Process(grandchild) as proc:
                with pytest.raises(ChildProcessError):
                    await proc.wait()
                task = asyncio.ensure_future(proc.exited())
                await until_watched(proc.fileno())
                assert not task.done()
                proc.kill()
                await task
                return proc.returncode

        assert run(main()) is None
        assert shell.wait(10) == 128 + signal.SIGKILL  # sh's wait reports how its child ended
    finally:
        shell.stdout.close()
        if shell.poll() is None:
            shell.kill()
            shell.wait()


@pytest.mark.needs_kernel("pidfd_open")
def test_cancelling_a_process_wait_reaps_nothing(run, spawn):
    child = spawn()

    async def main():
        with aio.Process(child.pid) as proc:
            task = asyncio.ensure_future(proc.wait())
            await until_watched(proc.fileno())
            await cancelled(task)
            assert not watched(proc.fileno())
            child.exit(6)  # it ends after the cancel: the next wait still gets its status
            first = (await proc.wait()).returncode
        other = spawn()
        before = open_fds()
        task = asyncio.ensure_future(aio.wait_process(other.pid))
        await asyncio.sleep(0)
        (handle,) = new_fds_of("pidfd", before)
        await until_watched(handle)
        await cancelled(task)
        return first, new_fds(before), other.alive()

    assert run(main()) == (6, {}, True)


@pytest.mark.needs_kernel("pidfd_open")
def test_process_of_a_pid_that_is_gone(spawn):
    child = spawn()
    child.exit(0)
    child.reap()
    with pytest.raises(ProcessLookupError, match="pidfd_open:"):
        aio.Process(child.pid)
    with pytest.raises(ProcessLookupError):
        asyncio.run(aio.wait_process(child.pid))


# -- file events ---------------------------------------------------------------------------------


def test_inotify_watch_yields_decoded_events(run, tmp_path):
    draft, final = tmp_path / "draft", tmp_path / "final"

    async def main():
        mask = inotify.Mask.CREATE | inotify.Mask.CLOSE_WRITE | inotify.Mask.MOVED_TO
        async with aio.inotify_watch(tmp_path, mask) as events:
            task = asyncio.ensure_future(events.__anext__())
            await until_watched(events.fileno())
            draft.write_text("x")
            draft.rename(final)
            got = [await task, await events.__anext__(), await events.__anext__()]
        return [(event.mask, event.name, event.fullpath) for event in got]

    assert run(main()) == [(inotify.Mask.CREATE, "draft", str(draft)),
                           (inotify.Mask.CLOSE_WRITE, "draft", str(draft)),
                           (inotify.Mask.MOVED_TO, "final", str(final))]


def test_inotify_watch_ends_when_what_it_watched_is_gone(run, tmp_path):
    path = tmp_path / "file"
    path.write_text("x")

    async def main():
        with aio.inotify_watch(os.fsencode(path), inotify.Mask.DELETE_SELF) as events:
            path.unlink()
            return [(event.mask, event.path) async for event in events], events.inotify.watches

    got, watches = run(main())
    assert got == [(inotify.Mask.DELETE_SELF, os.fsencode(path)),
                   (inotify.Mask.IGNORED, os.fsencode(path))]
    assert watches == {}


def test_cancelling_a_wait_for_file_events_loses_none(run, tmp_path):
    async def main():
        async with aio.inotify_watch(tmp_path, inotify.Mask.CREATE) as events:
            task = asyncio.ensure_future(events.__anext__())
            await until_watched(events.fileno())
            (tmp_path / "one").touch()
            await cancelled(task)  # woken, perhaps, but cancelled before reading
            assert not watched(events.fileno())
            return (await events.__anext__()).name

    assert run(main()) == "one"


def test_inotify_watch_of_a_missing_path(tmp_path):
    before = open_fds()
    with pytest.raises(FileNotFoundError, match="inotify_add_watch:"):
        aio.inotify_watch(tmp_path / "missing", inotify.Mask.CREATE)
    assert new_fds(before) == {}


# -- eventfd wake-ups ----------------------------------------------------------------------------


def test_event_set_from_another_thread_wakes_every_waiter(run):
    async def main():
        with aio.Event() as event:
            waiters = [asyncio.ensure_future(event.wait()) for _ in range(3)]
            await until_watched(event.fileno())
            assert not event.is_set()
            thread = threading.Thread(target=event.set)
            thread.start()
            woken = await asyncio.gather(*waiters)
            thread.join()
            state = [event.is_set(), watched(event.fileno())]
            event.clear()
            event.clear()  # clearing a clear event does nothing
            state.append(event.is_set())
            event.set()
            event.set()
            state.append(await event.wait())  # set: returns at once
            return woken, state

    assert run(main()) == ([True, True, True], [True, False, False, True])


def test_event_wakes_waiters_of_two_loops(run):
    event = aio.Event()
    ready, results = threading.Event(), []

    def other_loop():
        async def wait():
            waiting = asyncio.ensure_future(event.wait())
            await until_watched(event.fileno())
            ready.set()
            results.append(await waiting)

        asyncio.run(wait())

    async def main():
        task = asyncio.ensure_future(event.wait())
        await until_watched(event.fileno())
        thread = threading.Thread(target=other_loop)
        thread.start()
        await asyncio.get_running_loop().run_in_executor(None, ready.wait, 10)
        event.set()
        result = await task
        await asyncio.get_running_loop().run_in_executor(None, thread.join)
        return result

    with event:
        assert run(main()) is True
    assert results == [True]


def test_cancelling_one_waiter_keeps_the_others(run):
    async def main():
        with aio.Event() as event:
            first = asyncio.ensure_future(event.wait())
            second = asyncio.ensure_future(event.wait())
            await until_watched(event.fileno())
            await cancelled(first)
            assert watched(event.fileno())  # the second still waits
            await cancelled(second)
            assert not watched(event.fileno())
            third = asyncio.ensure_future(event.wait())
            await until_watched(event.fileno())
            event.set()
            return await third

    assert run(main()) is True


def test_closing_an_event_from_another_thread_wakes_its_waiter(run):
    async def main():
        before = open_fds()
        event = aio.Event()
        task = asyncio.ensure_future(event.wait())
        await until_watched(event.fileno())
        thread = threading.Thread(target=event.close)
        thread.start()
        with pytest.raises(ValueError, match="closed meanwhile"):
            await task
        thread.join()
        # The descriptor was closed once the loop had stopped watching it.
        return event.closed, new_fds_of("eventfd", before)

    assert run(main()) == (True, [])


def test_a_closed_event():
    event = aio.Event()
    event.close()
    for call in (event.set, event.clear, event.is_set, event.fileno):
        with pytest.raises(ValueError, match="closed aio.Event"):
            call()
    with pytest.raises(ValueError, match="closed aio.Event"):
        asyncio.run(event.wait())


# -- the example program -------------------------------------------------------------------------


class Lines:
    """The lines a child writes to a pipe, read with a time limit."""

    def __init__(self, pipe):
        self.pipe, self.seen, self._buffer = pipe, [], b""

    def until(self, wanted, within=10.0):
        """Read lines until one starts with wanted; return it."""
        deadline = time.monotonic() + within
        poller = select.poll()
        poller.register(self.pipe, select.POLLIN)
        while True:
            for line in self.seen:
                if line.startswith(wanted):
                    self.seen = self.seen[self.seen.index(line) + 1:]
                    return line
            left = deadline - time.monotonic()
            if left <= 0 or not poller.poll(left * 1000):
                raise AssertionError(
                    "no line %r within %s s; seen: %r" % (wanted, within, self.seen))
            chunk = os.read(self.pipe.fileno(), 4096)
            if not chunk:
                raise AssertionError("the output ended before %r; seen: %r" % (wanted, self.seen))
            *lines, self._buffer = (self._buffer + chunk).split(b"\n")
            self.seen += [line.decode() for line in lines]


def test_the_example_service(tmp_path, watchdog):
    config = tmp_path / "service.conf"
    config.write_text("colour = blue\n")
    me = os.getpid()
    service = subprocess.Popen(
        [sys.executable, os.path.join(REPO, "examples", "aio_service.py"), str(config),
         "--tick", "0.02"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=child_env())
    try:
        out = Lines(service.stdout)
        assert out.until("config:") == "config: colour = blue"
        assert out.until("ready") == "ready, pid %d" % service.pid
        out.until("tick")
        os.kill(service.pid, signal.SIGHUP)
        assert out.until("reload:") == "reload: SIGHUP from pid %d; config: colour = blue" % me
        config.write_text("colour = green\n")
        assert out.until("reload:") == "reload: service.conf changed; config: colour = green"
        out.until("tick")
        os.kill(service.pid, signal.SIGTERM)
        assert out.until("stop:") == "stop: SIGTERM from pid %d" % me
        assert service.wait(10) == 0
        assert (out.seen, service.stdout.read(), service.stderr.read()) == ([], b"", b"")
    finally:
        if service.poll() is None:
            service.kill()
            service.wait()
        service.stdout.close()
        service.stderr.close()


# -- kernels without pidfd_open ------------------------------------------------------------------

# Under tools/old_kernel.py: a child that exits 7 is awaited by pid; a wait
# cancelled first reaps nothing (the child is still there to reap after).
# Both are forked before any thread runs.
OLD_KERNEL_WAIT = """
import asyncio, os, sys, time
from pyglibc import aio

def child(code, after):
    pid = os.fork()
    if pid == 0:
        time.sleep(after)
        os._exit(code)
    return pid

first, second = child(3, 0.1), child(7, 0.3)

async def main():
    cancelled = asyncio.ensure_future(aio.wait_process(first))
    await asyncio.sleep(0.05)
    cancelled.cancel()
    result = await aio.wait_process(second)
    try:
        await aio.wait_process(os.getppid())
    except ChildProcessError:
        pass
    return result.returncode

print(asyncio.run(main()), os.waitpid(-1, 0)[1] >> 8)
"""


@pytest.mark.parametrize("answer", ["ENOSYS", "EPERM"])
def test_wait_process_waits_by_pid_where_the_kernel_has_no_pidfd(answer):
    done = kernelkit.old_kernel(OLD_KERNEL_WAIT, answer)
    assert (done.stderr, done.stdout) == ("", "7 3\n")


@pytest.mark.parametrize("answer", ["ENOSYS", "EPERM"])
def test_a_process_without_pidfd_open_is_the_kernels_error(answer):
    done = kernelkit.old_kernel(
        "import os\nfrom pyglibc import aio\n"
        "try:\n    aio.Process(os.getpid())\nexcept OSError as exc:\n    print(exc)\n", answer)
    assert (done.stderr, done.stdout) == ("", kernelkit.PIDFD_OPEN_REFUSED[answer] + "\n")
