"""The benchmarks of glibc and pyglibc against the standard library, in one process.

    python3 benchmarks/cases.py [--quick] [GROUP ...]      (run.py runs it for you)

Prints one JSON object: the interpreter, and a list of cases, each with its
contenders' times (timing.py: interleaved repeats, medians, quartiles) and
the ratios of interest.  Every benchmark first checks that each contender
gets the right result (the fds that poll() reports, the bytes the echo
sends back, the 64 KiB that read() returns...) and raises if not: that
check is all that ``--quick`` keeps, with a few iterations and no timing
worth reading.

Groups: percall, poll, select, asyncio, read.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import resource
import selectors
import signal
import socket
import sys
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

import stdlib_calls  # this directory, first on sys.path
import timing

import glibc  # from wherever run.py's --path put on sys.path
import pyglibc.select
import pyglibc.selectors

Case = Dict[str, Any]


class Settings:
    """How long to time: the full run, or --quick (a few iterations, results checked)."""

    def __init__(self, quick: bool) -> None:
        self.quick = quick
        self.repeats = 2 if quick else 21  # samples per contender
        self.target = 0.0002 if quick else 0.015  # seconds per batch
        self.warm_up = 1 if quick else timing.WARM_UP
        self.echo_rounds = 20 if quick else 2000
        self.echo_repeats = 1 if quick else 15


def fail(what: str, got: object, expected: object) -> None:
    raise AssertionError("%s: got %r, expected %r" % (what, got, expected))


def check(what: str, got: object, expected: object) -> None:
    if got != expected:
        fail(what, got, expected)


def case(
    group: str,
    name: str,
    title: str,
    samples: Dict[str, List[float]],
    labels: Dict[str, str],
    ratios: List[Tuple[str, str]],
    unit: str = "ns",
    scale: float = 1e9,
    **extra: Any,
) -> Case:
    """One benchmark's JSON: contenders' summaries, and the per-repeat ratios asked for."""
    return dict(
        group=group,
        name=name,
        title=title,
        unit=unit,
        contenders=timing.contenders(samples, labels, scale),
        ratios={"%s/%s" % (a, b): timing.ratio(samples[a], samples[b]) for a, b in ratios},
        **extra,
    )


def run_loops(
    settings: Settings, stmts: Dict[str, str], names: Dict[str, Any]
) -> Dict[str, List[float]]:
    return timing.interleaved(
        {k: timing.loop(s, names) for k, s in stmts.items()},
        settings.repeats,
        settings.target,
        settings.warm_up,
    )


# -- per call ----------------------------------------------------------------------------------


def percall(settings: Settings) -> List[Case]:
    """One C call each: ours (glibc.X), the bare C function (glibc.lib.X), the stdlib's."""
    lib = glibc.lib
    ts = glibc.timespec()
    monotonic = glibc.CLOCK_MONOTONIC
    check("glibc.clock_gettime", glibc.clock_gettime(monotonic, ts), 0)
    now = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
    if not abs(ts.tv_sec * 10**9 + ts.tv_nsec - now) < 10**9:
        fail("glibc.clock_gettime's timespec", (ts.tv_sec, ts.tv_nsec), now)
    efd = glibc.eventfd(0, glibc.EFD_CLOEXEC)
    value = glibc.eventfd_t()
    mask = glibc.sigset_t()
    glibc.sigaddset(mask, signal.SIGUSR1)
    ours = {
        "clock_gettime": ("clock_gettime(monotonic, ts)", "c_clock_gettime(monotonic, ts)"),
        "eventfd": (
            "g_eventfd_write(efd, 1); g_eventfd_read(efd, value)",
            "c_eventfd_write(efd, 1); c_eventfd_read(efd, value)",
        ),
        "sigismember": ("sigismember(mask, SIGUSR1)", "c_sigismember(mask, SIGUSR1)"),
        "dup_close": ("close(dup(0))", "c_close(c_dup(0))"),
    }
    try:
        stdlib_calls.check(efd)
        glibc.eventfd_write(efd, 1)
        glibc.eventfd_read(efd, value)
        check("glibc.eventfd_read's value", value[0], 1)
        check("glibc.sigismember", glibc.sigismember(mask, signal.SIGUSR1), 1)
        check("glibc.close(glibc.dup(0))", glibc.close(glibc.dup(0)), 0)
        space = stdlib_calls.names(efd)
        space.update(
            monotonic=monotonic,
            ts=ts,
            value=value,
            mask=mask,
            clock_gettime=glibc.clock_gettime,
            c_clock_gettime=lib.clock_gettime,
            g_eventfd_write=glibc.eventfd_write,
            g_eventfd_read=glibc.eventfd_read,
            c_eventfd_write=lib.eventfd_write,
            c_eventfd_read=lib.eventfd_read,
            sigismember=glibc.sigismember,
            c_sigismember=lib.sigismember,
            dup=glibc.dup,
            close=glibc.close,
            c_dup=lib.dup,
            c_close=lib.close,
        )
        stmts = {"loop": "pass"}
        for name, (mine, bare) in ours.items():
            stmts.update(
                {
                    name + ":ours": mine,
                    name + ":lib": bare,
                    name + ":stdlib": stdlib_calls.STDLIB[name][0],
                }
            )
        samples = run_loops(settings, stmts, space)
        glibc.eventfd_write(efd, 1)
        glibc.eventfd_read(efd, value)
        check("glibc.eventfd_read's value after the runs", value[0], 1)
    finally:
        glibc.close(efd)
    cases = [
        case(
            "percall",
            "loop",
            "the timing loop itself",
            {"loop": samples["loop"]},
            {"loop": "for _ in range(n): pass"},
            [],
        )
    ]
    for name in ours:
        own = {k: samples["%s:%s" % (name, k)] for k in ("ours", "lib", "stdlib")}
        labels = {
            "ours": "glibc." + ("dup + glibc.close" if name == "dup_close" else name),
            "lib": "glibc.lib (cffi, unchecked)",
            "stdlib": stdlib_calls.STDLIB[name][1],
        }
        if name == "eventfd":
            labels["ours"] = "glibc.eventfd_write + glibc.eventfd_read"
        cases.append(
            case(
                "percall",
                name,
                stdlib_calls.TITLES[name],
                own,
                labels,
                [("ours", "stdlib"), ("lib", "stdlib"), ("ours", "lib")],
            )
        )
    return cases


# -- epoll.poll and EpollSelector.select ---------------------------------------------------------


def raise_fd_limit(wanted: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))


def poll(settings: Settings) -> List[Case]:
    """select.epoll().poll(0, n) against pyglibc.select.epoll().poll(0, n), all n fds ready."""
    import select

    raise_fd_limit(2 * 1000 + 64)
    cases = []
    for count in (1, 10, 100, 1000):
        pipes = [os.pipe() for _ in range(count)]
        stdlib, ours = select.epoll(), pyglibc.select.epoll()
        try:
            for r, w in pipes:
                os.write(w, b"x")
                stdlib.register(r, select.EPOLLIN)
                ours.register(r, select.EPOLLIN)
            expected = sorted((r, select.EPOLLIN) for r, _ in pipes)
            check("select.epoll.poll(0, %d)" % count, sorted(stdlib.poll(0, count)), expected)
            check("pyglibc.select.epoll.poll(0, %d)" % count, sorted(ours.poll(0, count)), expected)
            samples = run_loops(
                settings,
                {"stdlib": "stdlib.poll(0, n)", "ours": "ours.poll(0, n)"},
                dict(stdlib=stdlib, ours=ours, n=count),
            )
            check(
                "pyglibc.select.epoll.poll(0, %d) after the runs" % count,
                sorted(ours.poll(0, count)),
                expected,
            )
        finally:
            stdlib.close()
            ours.close()
            for r, w in pipes:
                os.close(r)
                os.close(w)
        cases.append(
            case(
                "poll",
                str(count),
                "epoll.poll, %d ready" % count,
                samples,
                {"stdlib": "select.epoll.poll(0, n)", "ours": "pyglibc.select.epoll.poll(0, n)"},
                [("ours", "stdlib")],
                unit="us",
                scale=1e6,
                ready=count,
            )
        )
    return cases


def select_(settings: Settings) -> List[Case]:
    """selectors.EpollSelector().select(0) against ours, 100 socketpair ends registered."""
    fds = 100
    pairs = [socket.socketpair() for _ in range(fds)]
    cases = []
    try:
        for _, peer in pairs:
            peer.send(b"x")
        for state, events in (
            ("ready", selectors.EVENT_READ | selectors.EVENT_WRITE),
            ("idle", selectors.EVENT_READ),
        ):
            if state == "idle":
                for end, _ in pairs:
                    end.recv(1)
            with selectors.EpollSelector() as stdlib, pyglibc.selectors.EpollSelector() as ours:
                for end, _ in pairs:
                    stdlib.register(end, events)
                    ours.register(end, events)
                expected = (
                    sorted((end.fileno(), events) for end, _ in pairs) if state == "ready" else []
                )
                for label, sel in (("selectors", stdlib), ("pyglibc.selectors", ours)):
                    got = sorted((key.fd, ev) for key, ev in sel.select(0))
                    check("%s.EpollSelector.select(0), %s" % (label, state), got, expected)
                samples = run_loops(
                    settings,
                    {"stdlib": "stdlib.select(0)", "ours": "ours.select(0)"},
                    dict(stdlib=stdlib, ours=ours),
                )
            cases.append(
                case(
                    "select",
                    state,
                    "EpollSelector.select, 100 %s" % state,
                    samples,
                    {
                        "stdlib": "selectors.EpollSelector.select(0)",
                        "ours": "pyglibc.selectors.EpollSelector.select(0)",
                    },
                    [("ours", "stdlib")],
                    unit="us",
                    scale=1e6,
                    registered=fds,
                )
            )
    finally:
        for pair in pairs:
            for end in pair:
                end.close()
    return cases


# -- asyncio echo --------------------------------------------------------------------------------


class EchoServer(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.transport.write(data)


class EchoClient(asyncio.Protocol):
    """Sends ``message``, waits for it to come back whole, ``rounds`` times."""

    def __init__(self, message: bytes, rounds: int, done: "asyncio.Future[float]") -> None:
        self.message, self.left, self.done = message, rounds, done
        self.received = b""
        self.started = 0.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.started = time.perf_counter()
        transport.write(self.message)

    def data_received(self, data: bytes) -> None:
        self.received += data
        if len(self.received) < len(self.message):
            return
        if self.received != self.message:
            self.done.set_exception(
                AssertionError("echo: got %r, sent %r" % (self.received, self.message))
            )
            return
        self.received = b""
        self.left -= 1
        if self.left:
            self.transport.write(self.message)
        else:
            self.done.set_result(time.perf_counter() - self.started)


def echo_rate(make_selector: Callable[[], selectors.BaseSelector], rounds: int) -> float:
    """Round trips per second of a 64-byte message through an echo server, on one loop."""
    loop = asyncio.SelectorEventLoop(make_selector())
    a, b = socket.socketpair()
    try:

        async def main() -> float:
            done: asyncio.Future[float] = loop.create_future()
            server, _ = await loop.connect_accepted_socket(EchoServer, a)
            client, _ = await loop.create_connection(
                lambda: EchoClient(bytes(range(64)), rounds, done), sock=b
            )
            try:
                return rounds / await done
            finally:
                client.close()
                server.close()
                await asyncio.sleep(0)  # the transports close their sockets on the next turn

        return loop.run_until_complete(main())
    finally:
        loop.close()
        a.close()
        b.close()


def asyncio_echo(settings: Settings) -> List[Case]:
    kinds: Dict[str, Callable[[], selectors.BaseSelector]] = {
        "stdlib": selectors.DefaultSelector,
        "ours": pyglibc.selectors.EpollSelector,
    }
    samples: Dict[str, List[float]] = {k: [] for k in kinds}
    for (
        kind,
        make,
    ) in kinds.items():  # warm-up (PyPy's JIT), and the results checked (the client raises)
        echo_rate(make, settings.echo_rounds)
    names = list(kinds)
    for r in range(settings.echo_repeats):
        for kind in names[r % 2 :] + names[: r % 2]:
            samples[kind].append(echo_rate(kinds[kind], settings.echo_rounds))
    return [
        case(
            "asyncio",
            "echo",
            "asyncio echo round trips",
            samples,
            {
                "stdlib": "SelectorEventLoop(selectors.DefaultSelector())",
                "ours": "SelectorEventLoop(pyglibc.selectors.EpollSelector())",
            },
            [("ours", "stdlib")],
            unit="round trips/s",
            scale=1.0,
            higher_is_better=True,
        )
    ]


# -- reading 64 KiB from a pipe --------------------------------------------------------------------


def read(settings: Settings) -> List[Case]:
    """64 KiB through a pipe: os.read (a new bytes), os.readv, glibc.read into a reused buffer."""
    size = 65536
    chunk = bytes(range(256)) * (size // 256)
    r, w = os.pipe()
    buf = bytearray(size)
    readers: List[Tuple[str, Callable[[], bytes]]] = [
        ("os.read", lambda: os.read(r, size)),
        ("glibc.read", lambda: bytes(buf[: glibc.read(r, buf)])),
    ]
    stmts = {
        "os.read": "write(w, chunk); os_read(r, size)",
        "ours": "write(w, chunk); read(r, buf)",
    }
    if hasattr(os, "readv"):  # not on PyPy 3.9
        readers.append(("os.readv", lambda: bytes(buf[: os.readv(r, [buf])])))
        stmts["os.readv"] = "write(w, chunk); readv(r, bufs)"
    try:
        for label, read_it in readers:
            os.write(w, chunk)
            check(label, read_it(), chunk)
            buf[:] = bytes(size)
        samples = run_loops(
            settings,
            stmts,
            dict(
                write=os.write,
                os_read=os.read,
                readv=getattr(os, "readv", None),
                read=glibc.read,
                r=r,
                w=w,
                chunk=chunk,
                size=size,
                buf=buf,
                bufs=[buf],
            ),
        )
        os.write(w, chunk)
        check("glibc.read after the runs", glibc.read(r, buf), size)
        check("the bytes glibc.read put in the buffer", bytes(buf), chunk)
    finally:
        os.close(r)
        os.close(w)
    return [
        case(
            "read",
            "64k",
            "write+read 64 KiB",
            samples,
            {
                "os.read": "os.read(fd, 65536): a new bytes",
                "os.readv": "os.readv(fd, [buf])",
                "ours": "glibc.read(fd, buf)",
            },
            [("ours", other) for other in ("os.read", "os.readv") if other in samples],
            unit="us",
            scale=1e6,
        )
    ]


GROUPS: Dict[str, Callable[[Settings], List[Case]]] = {
    "percall": percall,
    "poll": poll,
    "select": select_,
    "asyncio": asyncio_echo,
    "read": read,
}


def interpreter() -> Dict[str, Any]:
    import cffi

    return dict(
        implementation=platform.python_implementation(),
        version=platform.python_version(),
        executable=sys.executable,
        cffi=cffi.__version__,
        glibc_from=os.path.dirname(os.path.dirname(os.path.abspath(glibc.__file__))),
    )


def main(argv: Optional[List[str]] = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    quick = "--quick" in args
    groups = [a for a in args if not a.startswith("-")] or list(GROUPS)
    settings = Settings(quick)
    cases: List[Case] = []
    for group in groups:
        started = time.perf_counter()
        cases.extend(GROUPS[group](settings))
        sys.stderr.write(
            "  %s: %s in %.1f s\n"
            % (platform.python_implementation(), group, time.perf_counter() - started)
        )
    json.dump(dict(interpreter=interpreter(), quick=quick, cases=cases), sys.stdout)


if __name__ == "__main__":
    main()
