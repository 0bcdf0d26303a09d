"""Signals, threads and fork around the blocking calls of both layers.

* A signal that arrives while a call waits (the low layer's epoll_wait(-1)
  and read() of a signalfd or a timerfd; the objects' tests do the same for
  theirs): a handler that returns lets the wait go on to its event, and
  what a handler raises ends the call (PEP 475).
* A thread waiting in any blocking call lets the others run: a counter
  thread keeps counting while it waits, which it could not do if the
  waiting thread held the GIL.
* Threads share one selector under a lock; the signal mask is per thread.
* After fork, the child's objects are its own: what it closes stays open in
  the parent, a signalfd reads the child's signals, and an epoll object that
  another thread of the parent was polling is closed by close() in the
  child.  No descriptor of these objects crosses an exec.
"""

import gc
import os
import selectors as std_selectors
import signal
import subprocess
import sys
import tempfile
import threading
import time

import kernelkit
import pytest
import waiting

import glibc
import pyglibc
import pyglibc.select
import pyglibc.selectors
from children import in_child

SIGUSR1, SIGUSR2 = signal.SIGUSR1, signal.SIGUSR2


class Interrupted(Exception):
    pass


# -- a signal during a wait, in the low layer --------------------------------------------------


def _epoll_wait(fds, sigset):
    r, w = fds.pipe()
    epfd = fds(glibc.epoll_create1(glibc.EPOLL_CLOEXEC))
    glibc.epoll_ctl(epfd, glibc.EPOLL_CTL_ADD, r, glibc.epoll_event({"events": glibc.EPOLLIN}))
    events = glibc.epoll_event.array(4)
    return (lambda: glibc.epoll_wait(epfd, events, 4, -1), "epoll_wait",
            lambda: os.write(w, b"x"), 1)


def _read_signalfd(fds, sigset):
    # SIGUSR2 is blocked (signal_mask) and read from the descriptor.
    sfd = fds(glibc.signalfd(-1, sigset(SIGUSR2), glibc.SFD_CLOEXEC))
    buf = glibc.signalfd_siginfo.array(1)
    return (lambda: glibc.read(sfd, buf), "read",
            lambda: signal.pthread_kill(threading.main_thread().ident, SIGUSR2),
            glibc.signalfd_siginfo.size)


def _read_timerfd(fds, sigset):
    tfd = fds(glibc.timerfd_create(glibc.CLOCK_MONOTONIC, glibc.TFD_CLOEXEC))
    count = glibc.ffi.new("uint64_t *")
    soon = glibc.itimerspec({"it_value": {"tv_nsec": 1000}})
    return (lambda: glibc.read(tfd, count), "read",
            lambda: glibc.timerfd_settime(tfd, 0, soon, None), 8)


LOW_LAYER_WAITS = {"epoll_wait(-1)": _epoll_wait, "read(signalfd)": _read_signalfd,
                   "read(timerfd)": _read_timerfd}


@pytest.mark.parametrize("wait", sorted(LOW_LAYER_WAITS))
def test_a_handler_that_returns_does_not_end_the_wait(wait, fds, sigset, signal_mask, helper,
                                                        on_signal):
    signal_mask(SIGUSR2)
    call, syscall, wake, result = LOW_LAYER_WAITS[wait](fds, sigset)
    handled = helper.interrupt_then(syscall, wake, on_signal)
    assert call() == result
    assert handled.is_set()


@pytest.mark.parametrize("wait", sorted(LOW_LAYER_WAITS))
def test_what_a_handler_raises_ends_the_wait(wait, fds, sigset, signal_mask, helper, on_signal,
                                             handler_raising):
    signal_mask(SIGUSR2)
    call, syscall, wake, result = LOW_LAYER_WAITS[wait](fds, sigset)
    handler, raised = handler_raising(Interrupted)
    on_signal(SIGUSR1, handler)
    helper.interrupt(syscall, SIGUSR1)
    with pytest.raises(Interrupted) as info:
        call()
    assert info.value is raised[0]
    wake()  # and the object still works
    assert call() == result


# -- the GIL is released while a call waits --------------------------------------------------

def _blocking_calls():
    """name -> setup() returning (call, syscall, wake, cleanup)."""

    def pipe_read():
        r, w = os.pipe()
        return (lambda: glibc.read(r, bytearray(1)), "read", lambda: os.write(w, b"x"),
                lambda: (os.close(r), os.close(w)))

    def epoll_wait():
        r, w = os.pipe()
        epfd = glibc.epoll_create1(glibc.EPOLL_CLOEXEC)
        glibc.epoll_ctl(epfd, glibc.EPOLL_CTL_ADD, r,
                        glibc.epoll_event({"events": glibc.EPOLLIN}))
        events = glibc.epoll_event.array(1)
        return (lambda: glibc.epoll_wait(epfd, events, 1, -1), "epoll_wait",
                lambda: os.write(w, b"x"), lambda: (os.close(epfd), os.close(r), os.close(w)))

    def poll():
        r, w = os.pipe()
        fds = glibc.pollfd.array(1)
        fds[0].fd, fds[0].events = r, glibc.POLLIN
        return (lambda: glibc.poll(fds, 1, -1), "poll", lambda: os.write(w, b"x"),
                lambda: (os.close(r), os.close(w)))

    def eventfd_read():
        efd = glibc.eventfd(0, glibc.EFD_CLOEXEC)
        return (lambda: glibc.eventfd_read(efd, glibc.eventfd_t()), "read",
                lambda: glibc.eventfd_write(efd, 1), lambda: os.close(efd))

    def sigtimedwait():
        # The waiting thread blocks SIGUSR2 for itself; tgkill sends it there.
        tid = []

        def call():
            # Blocked first, as sigtimedwait(2) asks: else its default action could win.
            mask = glibc.sigset_t()
            glibc.sigemptyset(mask)
            glibc.sigaddset(mask, SIGUSR2)
            glibc.pthread_sigmask(glibc.SIG_BLOCK, mask, None)
            tid.append(threading.get_native_id())
            return glibc.sigtimedwait(mask, None, None)

        return (call, "rt_sigtimedwait",
                lambda: glibc.tgkill(os.getpid(), tid[0], SIGUSR2), lambda: None)

    def waitid():
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(w)
            os.read(r, 1)
            os._exit(0)
        os.close(r)
        info = glibc.siginfo_t()
        return (lambda: glibc.waitid(glibc.P_PID, pid, info, glibc.WEXITED), "waitid",
                lambda: os.close(w), lambda: None)

    def pyglibc_eventfd():
        e = pyglibc.eventfd()
        return e.read, "read", lambda: e.write(1), e.close

    def pyglibc_timerfd():
        t = pyglibc.timerfd()
        return t.read, "read", lambda: t.settime(1e-6), t.close

    def pyglibc_signalfd():
        # The thread blocks SIGUSR2 for itself before reading it from the signalfd.
        s = pyglibc.signalfd([SIGUSR2])
        tid = []

        def call():
            tid.append(threading.get_native_id())
            with pyglibc.pthread_sigmask([SIGUSR2]):
                return s.read()

        return (call, "read", lambda: glibc.tgkill(os.getpid(), tid[0], SIGUSR2), s.close)

    def pyglibc_epoll():
        r, w = os.pipe()
        ep = pyglibc.select.epoll()
        ep.register(r, glibc.EPOLLIN)
        return (lambda: ep.poll(-1), "epoll_wait", lambda: os.write(w, b"x"),
                lambda: (ep.close(), os.close(r), os.close(w)))

    def pyglibc_selector():
        r, w = os.pipe()
        sel = pyglibc.selectors.EpollSelector()
        sel.register(r, std_selectors.EVENT_READ)
        return (sel.select, "epoll_wait", lambda: os.write(w, b"x"),
                lambda: (sel.close(), os.close(r), os.close(w)))

    def pyglibc_pidfd():
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(w)
            os.read(r, 1)
            os._exit(0)
        os.close(r)
        p = pyglibc.pidfd(pid)
        return p.wait, "waitid", lambda: os.close(w), p.close

    def pyglibc_inotify():
        where = tempfile.mkdtemp()
        ino = pyglibc.inotify()
        ino.add_watch(where, pyglibc.inotify.Mask.CREATE)

        def wake():
            open(os.path.join(where, "new"), "w").close()

        def cleanup():
            ino.close()
            os.unlink(os.path.join(where, "new"))
            os.rmdir(where)

        return ino.read, "read", wake, cleanup

    return dict(locals())


BLOCKING = _blocking_calls()


@pytest.mark.parametrize("name", kernelkit.params(sorted(BLOCKING),
                                                  {"pyglibc_pidfd": ["pidfd_open"]}))
def test_a_thread_waiting_in_a_call_lets_a_counter_thread_run(name, watchdog):
    call, syscall, wake, cleanup = BLOCKING[name]()
    waiter_tid, result = [], []
    counted = [0]
    stop = threading.Event()

    def waiter():
        waiter_tid.append(threading.get_native_id())
        result.append(call())

    def counter():
        while not stop.is_set():
            counted[0] += 1

    threads = [threading.Thread(target=waiter), threading.Thread(target=counter)]
    try:
        for thread in threads:
            thread.start()
        while not waiter_tid:
            time.sleep(0.001)
        waiting.wait_until_in(waiter_tid[0], syscall)
        before = counted[0]
        time.sleep(0.02)
        # Still waiting, and the counter went on meanwhile.
        assert waiting.waits_in(waiter_tid[0], syscall)
        assert counted[0] > before + 1000
        wake()
        threads[0].join()
        assert result, "the call did not return"
    finally:
        stop.set()
        for thread in threads:
            thread.join(10)
        cleanup()


# -- threads sharing objects ------------------------------------------------------------------


def test_many_threads_share_a_selector_under_a_lock(watchdog):
    """Each thread registers its own pipe, makes it ready, selects and unregisters, all
    under one lock: each sees its own key ready, never a stale one, and the map ends empty."""
    sel = pyglibc.selectors.DefaultSelector()
    lock = threading.Lock()
    problems = []

    def user(index):
        r, w = os.pipe()
        try:
            for _ in range(100):
                with lock:
                    key = sel.register(r, std_selectors.EVENT_READ, index)
                os.write(w, b"x")
                with lock:
                    ready = sel.select(0)
                    mine = [k for k, _ in ready if k.fd == r]
                    if mine != [key] or any(k.data != sel.get_key(k.fd).data for k, _ in ready):
                        problems.append((index, ready))
                    sel.unregister(r)
                os.read(r, 1)
        except Exception as exc:  # reported below
            problems.append(exc)
        finally:
            os.close(r)
            os.close(w)

    threads = [threading.Thread(target=user, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert problems == []
        assert len(sel.get_map()) == 0
    finally:
        sel.close()


def _blocked_in(tid):
    """The signals blocked in thread tid, as /proc shows them."""
    with open("/proc/self/task/%d/status" % tid) as f:
        line = next(line for line in f if line.startswith("SigBlk:"))
    bits = int(line.split()[1], 16)
    return {n for n in range(1, 65) if bits >> (n - 1) & 1}


@pytest.mark.parametrize("mask_class", [pyglibc.pthread_sigmask, pyglibc.sigprocmask])
def test_the_signal_mask_is_per_thread(mask_class, watchdog):
    """While another thread is inside ``with mask_class([SIGUSR1])``, this one, looking at
    its own mask from its own code, does not have SIGUSR1 blocked."""
    seen = []
    # The main thread looks at its mask only between its own lines: the kernel's view
    # of a thread that waits inside the interpreter may carry the interpreter's own
    # momentary masks (once seen on PyPy: every signal blocked).
    inside, looked = threading.Event(), threading.Event()

    def other():
        me = threading.get_native_id()
        with mask_class([SIGUSR1]):
            seen.append((mask_class.get(), _blocked_in(me)))
            inside.set()
            assert looked.wait(10)
        seen.append((mask_class.get(), _blocked_in(me)))

    thread = threading.Thread(target=other)
    thread.start()
    try:
        assert inside.wait(10)
        mains = (mask_class.get(), _blocked_in(threading.get_native_id()))
    finally:
        looked.set()
        thread.join()
    (inside_mask, own), (after, own_after) = seen
    assert SIGUSR1 in inside_mask and SIGUSR1 in own
    assert SIGUSR1 not in mains[0] and SIGUSR1 not in mains[1]
    assert SIGUSR1 not in after and SIGUSR1 not in own_after


def test_a_signal_for_the_process_goes_to_the_thread_that_does_not_block_it(on_signal, watchdog):
    """The mask that one thread sets steers a signal sent to the whole process away from it."""
    handled = threading.Event()
    on_signal(SIGUSR1, lambda signum, frame: handled.set())
    ready, done = threading.Event(), threading.Event()
    where = []

    def blocking_thread():
        with pyglibc.pthread_sigmask([SIGUSR1]):
            ready.set()
            done.wait(10)
            where.append(SIGUSR1 in signal.sigpending())

    thread = threading.Thread(target=blocking_thread)
    thread.start()
    ready.wait(10)
    os.kill(os.getpid(), SIGUSR1)
    assert handled.wait(10)
    done.set()
    thread.join()
    assert where == [False]  # it reached the main thread, not the blocking one


# -- fork ------------------------------------------------------------------------------------


def test_an_eventfd_is_shared_with_the_child_which_closes_only_its_own(watchdog):
    efd = pyglibc.eventfd()
    try:
        def child():
            efd.write(5)
            fd = efd.fileno()
            efd.close()
            return fd
        assert in_child(child) == efd.fileno()
        assert efd.read() == 5  # the child's close left the parent's descriptor open
    finally:
        efd.close()


def test_a_signalfd_in_the_child_reads_the_childs_own_signals(signal_mask):
    signal_mask(SIGUSR1)
    with pyglibc.signalfd([SIGUSR1], glibc.SFD_NONBLOCK) as sfd:
        def child():
            os.kill(os.getpid(), SIGUSR1)
            return [(info.ssi_signo, info.ssi_pid) for info in sfd.read()], os.getpid()

        records, pid = in_child(child)
        assert records == [(SIGUSR1, pid)]
        assert sfd.read() == []  # nothing was sent to the parent
        assert SIGUSR1 not in signal.sigpending()


def test_a_signals_object_in_the_child_takes_its_signals_and_restores_its_mask(signal_mask):
    signal_mask()

    def child():
        with pyglibc.signals(SIGUSR2) as sigs:
            os.kill(os.getpid(), SIGUSR2)
            got = [info.si_signo for info in sigs.wait(5)]
        return got, SIGUSR2 in signal.pthread_sigmask(signal.SIG_BLOCK, [])

    assert in_child(child) == ([SIGUSR2], False)


def test_an_epoll_that_another_thread_polls_is_closed_by_close_in_the_child(watchdog):
    """A poll in flight in another thread of the parent never returns in the child (only the
    forking thread goes on there), so it must not keep close() from closing."""
    r, w = os.pipe()
    ep = pyglibc.select.epoll()
    ep.register(r, glibc.EPOLLIN)
    tids = []

    def poller():
        tids.append(threading.get_native_id())
        ep.poll()

    thread = threading.Thread(target=poller)
    thread.start()
    try:
        while not tids:
            time.sleep(0.001)
        waiting.wait_until_in(tids[0], "epoll_wait")

        def child():
            fd = ep.fileno()
            ep.close()
            return ep.closed, os.path.exists("/proc/self/fd/%d" % fd)

        assert in_child(child) == (True, False)
    finally:
        os.write(w, b"x")
        thread.join()
        ep.close()
        os.close(r)
        os.close(w)


def test_close_in_a_child_forked_while_another_close_ran_does_not_hang():
    """The lock that makes close() atomic is new in the child: a copy of it held by a
    thread of the parent (here, for the fork's length, this one) would stay held there."""
    import pyglibc._fd

    def child():
        signal.alarm(5)  # a hang ends the child, and in_child says so
        efd = pyglibc.eventfd()
        efd.close()
        signal.alarm(0)
        return efd.closed

    with pyglibc._fd._closing:
        assert in_child(child) is True


def test_the_subreaper_flag_is_off_in_a_forked_child_and_settable_there():
    def child():
        before = pyglibc.subreaper.enabled
        pyglibc.subreaper.enabled = True
        return before, pyglibc.subreaper.enabled

    with pyglibc.subreaper:
        assert in_child(child) == (False, True)
        assert pyglibc.subreaper.enabled


# -- exec ----------------------------------------------------------------------------------------

LIST_FDS = "import os; print(sorted(int(n) for n in os.listdir('/proc/self/fd')))"


def test_no_descriptor_of_an_object_crosses_an_exec_unless_asked(signal_mask, tmp_path):
    signal_mask()  # pyglibc.signals blocks its signal while open
    r, w = pyglibc.pipe()
    objects = [pyglibc.signalfd([SIGUSR1]), pyglibc.eventfd(), pyglibc.timerfd(),
               pyglibc.inotify(), pyglibc.select.epoll(),
               pyglibc.selectors.DefaultSelector(), pyglibc.signals(SIGUSR2)]
    if kernelkit.lacks("pidfd_open") is None:  # Linux >= 5.3
        objects.append(pyglibc.pidfd(os.getpid()))
    ours = {r, w} | {o.fileno() for o in objects}
    try:
        def listed():
            out = subprocess.run([sys.executable, "-c", LIST_FDS], close_fds=False,
                                 capture_output=True, text=True, check=True).stdout
            return set(eval(out))

        assert not ours & listed()
        os.set_inheritable(w, True)  # asked
        assert ours & listed() == {w}
    finally:
        os.close(r)
        os.close(w)
        for o in objects:
            o.close()
        gc.collect()
