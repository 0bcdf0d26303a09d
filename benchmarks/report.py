"""The results of run.py as markdown tables (docs/benchmarks.md) and a plot (docs/benchmarks.png).

``results`` is what run.py gathers: the machine, and per interpreter the
cases of cases.py, those of old.py (python-glibc 0.6.1) and the import
measurements of startup.py; the C floor once.  The goals are the issue's
(ratio = ours / stdlib, lower is better, except for the asyncio rate and
the speed-up over 0.6.1); a goal is met when the median is within it, and
marked "~" when the quartiles straddle it.
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, Optional, Tuple

Results = Dict[str, Any]
Run = Dict[str, Any]

# label, (group, name, ratio) or a special key, CPython goal, PyPy goal, "max" (at most) or "min"
GOALS: List[Tuple[str, Any, float, float, str]] = [
    ("clock_gettime call", ("percall", "clock_gettime", "ours/stdlib"), 1.6, 1.0, "max"),
    ("eventfd write+read", ("percall", "eventfd", "ours/stdlib"), 1.3, 1.0, "max"),
    ("epoll.poll, 1 ready", ("poll", "1", "ours/stdlib"), 1.3, 0.9, "max"),
    ("epoll.poll, 100 ready", ("poll", "100", "ours/stdlib"), 1.05, 0.9, "max"),
    ("epoll.poll, 1000 ready", ("poll", "1000", "ours/stdlib"), 1.0, 0.8, "max"),
    ("EpollSelector.select, 100 ready", ("select", "ready", "ours/stdlib"), 1.05, 0.9, "max"),
    ("EpollSelector.select, 100 idle", ("select", "idle", "ours/stdlib"), 1.05, 0.9, "max"),
    ("asyncio echo rate (higher is better)", ("asyncio", "echo", "ours/stdlib"), 0.95, 1.0, "min"),
    ("faster than python-glibc 0.6.1 per call (the least of 4)", "old", 3.0, 10.0, "min"),
    ("`import glibc` over bare start, ms", "import glibc", 10.0, 30.0, "max"),
    (
        "first use, `from glibc import signalfd`, ms",
        "from glibc import signalfd",
        10.0,
        30.0,
        "max",
    ),
]

PYPY = "PyPy"


def name_of(run: Run) -> str:
    i = run["interpreter"]
    return "%s %s" % (i["implementation"], i["version"])


def find(run: Run, group: str, name: str) -> Optional[Dict[str, Any]]:
    found: List[Dict[str, Any]] = [
        c for c in run.get("cases", []) if c["group"] == group and c["name"] == name
    ]
    return found[0] if found else None


def old_case(run: Run, name: str) -> Optional[Dict[str, Any]]:
    old = run.get("old")
    if not old or "cases" not in old:
        return None
    found: List[Dict[str, Any]] = [c for c in old["cases"] if c["name"] == name]
    return found[0] if found else None


def speedup(run: Run, name: str) -> Optional[float]:
    """How many times faster ours is than 0.6.1: (0.6.1/stdlib) / (ours/stdlib), each measured
    against the stdlib in its own process."""
    mine, old = find(run, "percall", name), old_case(run, name)
    if mine is None or old is None:
        return None
    return float(old["ratios"]["old/stdlib"]["median"] / mine["ratios"]["ours/stdlib"]["median"])


def goal_value(run: Run, key: Any) -> Tuple[Optional[float], Optional[Tuple[float, float]], str]:
    """The measured value for a goal, its quartiles when it has them, and a note."""
    if isinstance(key, tuple):
        c = find(run, key[0], key[1])
        if c is None:
            return None, None, ""
        r = c["ratios"][key[2]]
        return r["median"], (r["q1"], r["q3"]), ""
    if key == "old":
        ups = {n: speedup(run, n) for n in ("clock_gettime", "eventfd", "sigismember", "dup_close")}
        known = {n: u for n, u in ups.items() if u is not None}
        if len(known) < len(ups):
            return None, None, ""
        least = min(known, key=lambda n: known[n])
        return (
            known[least],
            None,
            " (%s; the others: %s)"
            % (least, ", ".join("%s %.1f" % (n, u) for n, u in known.items() if n != least)),
        )
    statements = run.get("imports", {}).get("statements", {})
    if key in statements:
        s = statements[key]["ms"]
        return s["median"], (s["q1"], s["q3"]), ""
    return None, None, ""


def verdict(
    value: Optional[float], spread: Optional[Tuple[float, float]], goal: float, kind: str
) -> str:
    if value is None:
        return "not run"
    met = value <= goal if kind == "max" else value >= goal
    if spread is not None and spread[0] <= goal <= spread[1]:
        return "~ met" if met else "~ missed"
    return "met" if met else "**missed**"


def goals(results: Results) -> List[Dict[str, Any]]:
    """One row per goal and interpreter: the value, the goal and the verdict."""
    rows = []
    for label, key, cpython, pypy, kind in GOALS:
        for run in results["runs"]:
            goal = pypy if run["interpreter"]["implementation"] == PYPY else cpython
            value, spread, note = goal_value(run, key)
            rows.append(
                dict(
                    goal=label,
                    interpreter=name_of(run),
                    limit=goal,
                    kind=kind,
                    value=value,
                    spread=spread,
                    note=note,
                    verdict=verdict(value, spread, goal, kind),
                )
            )
    return rows


def fmt(x: Optional[float], digits: int = 3) -> str:
    if x is None:
        return "—"
    if x == 0:
        return "0"
    magnitude = int(math.floor(math.log10(abs(x))))
    decimals = max(0, digits - 1 - magnitude)
    return "%.*f" % (decimals, x)


def fmt_ratio(r: Optional[Dict[str, float]]) -> str:
    if r is None:
        return "—"
    return "%.2f (%.2f–%.2f)" % (r["median"], r["q1"], r["q3"])


def table(header: List[str], rows: List[List[str]]) -> List[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return out


def markdown(results: Results, plot: Optional[str] = None) -> str:
    """The whole report: where it ran, the goals, then one table per kind of benchmark."""
    m = results["machine"]
    runs = results["runs"]
    floor = results.get("floor") or {}
    lines = ["# Benchmarks", ""]
    lines += ["Made by `%s` on %s, commit %s." % (m["command"], m["date"], m["commit"]), ""]
    lines += [
        "- Machine: %s, %s CPUs, Linux %s, %s; load average %s at the start, %s at the end."
        % (m["cpu"], m["cpus"], m["kernel"], m["libc"], m["load_start"], m["load_end"])
    ]
    for run in runs:
        i = run["interpreter"]
        lines.append(
            "- %s (%s), cffi %s, glibc (ours) from `%s`."
            % (name_of(run), i["executable"], i.get("cffi", "?"), i.get("glibc_from", "?"))
        )
    old_versions = sorted(
        {r["old"]["package"]["version"] for r in runs if r.get("old", {}).get("package")}
    )
    if old_versions:
        lines.append(
            "- python-glibc %s from the package index, in its own process (`-I -S`)."
            % ", ".join(old_versions)
        )
    for run in runs:
        if run.get("old", {}).get("skipped"):
            lines.append(
                "- python-glibc 0.6.1 on %s: not run (%s)." % (name_of(run), run["old"]["skipped"])
            )
    if results.get("floor_skipped"):
        lines.append("- C floor: not run (%s)." % results["floor_skipped"])
    elif floor:
        lines.append(
            "- C floor: benchmarks/floor.c, `%s`, run before and after the rest; the "
            "fastest batch of either run." % results.get("floor_cc", "cc -O2")
        )
    if results.get("quick"):
        lines += ["", "**--quick: a smoke run; these numbers mean nothing.**"]
    lines += [
        "",
        "Times are medians of %s interleaved repeats (each a batch of about 15 ms); a ratio is "
        "the median of the per-repeat ratios, with its quartiles in brackets, so that a load "
        "that comes and goes cancels out.  Every time includes the timing loop (`loop` below) "
        "and a call of a local name; ratio = ours / stdlib, lower is better, except where "
        "said." % results.get("repeats", "?"),
        "",
    ]

    lines += ["## Goals", ""]
    rows = []
    for g in goals(results):
        if g["value"] is None:
            shown = "—"
        elif g["spread"]:
            shown = "%s (%s–%s)" % (fmt(g["value"]), fmt(g["spread"][0]), fmt(g["spread"][1]))
        else:
            shown = fmt(g["value"]) + g["note"]
        rows.append(
            [
                g["goal"],
                g["interpreter"],
                ("≤ " if g["kind"] == "max" else "≥ ") + fmt(g["limit"]),
                shown,
                g["verdict"],
            ]
        )
    lines += table(["goal", "Python", "goal", "measured", ""], rows)

    lines += ["", "## Per call, ns", ""]
    rows = []
    for name in ("loop", "clock_gettime", "eventfd", "sigismember", "dup_close"):
        for run in runs:
            c = find(run, "percall", name)
            if c is None:
                continue
            k = c["contenders"]
            if name == "loop":
                rows.append(
                    [
                        "the timing loop",
                        name_of(run),
                        "",
                        "",
                        fmt(k["loop"]["median"]),
                        "",
                        "",
                        "",
                        "",
                        "",
                    ]
                )
                continue
            old, up = old_case(run, name), speedup(run, name)
            rows.append(
                [
                    c["title"],
                    name_of(run),
                    fmt(floor.get(name)),
                    fmt(k["stdlib"]["median"]),
                    fmt(k["ours"]["median"]),
                    fmt(k["lib"]["median"]),
                    fmt_ratio(c["ratios"]["ours/stdlib"]),
                    fmt_ratio(c["ratios"]["lib/stdlib"]),
                    fmt(old["contenders"]["old"]["median"]) if old else "—",
                    "—" if up is None else "%.1fx" % up,
                ]
            )
    lines += table(
        [
            "call",
            "Python",
            "C",
            "stdlib",
            "ours",
            "lib",
            "ours/stdlib",
            "lib/stdlib",
            "0.6.1",
            "ours is faster than 0.6.1",
        ],
        rows,
    )
    labels: Dict[str, Dict[str, List[str]]] = {}  # title -> the stdlib's label -> interpreters
    for run in runs:
        for c in run.get("cases", []):
            if c["group"] == "percall" and c["name"] != "loop":
                by_label = labels.setdefault(c["title"], {})
                by_label.setdefault(c["contenders"]["stdlib"]["label"], []).append(name_of(run))

    def stdlib_of(by_label: Dict[str, List[str]]) -> str:
        if len(by_label) == 1:
            return next(iter(by_label))
        return " or ".join("%s (%s)" % (label, ", ".join(who)) for label, who in by_label.items())

    lines += [
        "",
        "ours: the `glibc` function (argument checks, errors raised); lib: the same C "
        "function through `glibc.lib`, cffi alone, unchecked; stdlib: "
        + "; ".join("%s for %s" % (stdlib_of(by_label), t) for t, by_label in labels.items())
        + ".  The speed-up over 0.6.1 is (0.6.1/stdlib) / (ours/stdlib), each ratio measured "
        "in its own process; C: benchmarks/floor.c, the fastest of its batches.",
    ]

    lines += ["", "## epoll.poll and EpollSelector.select, µs", ""]
    rows = []
    for group, names in (("poll", ("1", "10", "100", "1000")), ("select", ("ready", "idle"))):
        for name in names:
            for run in runs:
                c = find(run, group, name)
                if c is None:
                    continue
                k = c["contenders"]
                f = floor.get("poll_" + name) if group == "poll" else None
                rows.append(
                    [
                        c["title"],
                        name_of(run),
                        fmt(f / 1000 if f else None),
                        fmt(k["stdlib"]["median"]),
                        fmt(k["ours"]["median"]),
                        fmt_ratio(c["ratios"]["ours/stdlib"]),
                        "%.2f" % (f / 1000 / k["stdlib"]["median"]) if f else "—",
                    ]
                )
    lines += table(
        ["benchmark", "Python", "C epoll_wait", "stdlib", "ours", "ours/stdlib", "C/stdlib"], rows
    )
    lines += [
        "",
        "`poll(0, n)` on an epoll object watching n pipes, each with a byte to read (C/stdlib: "
        "the ratio that a poll() with no cost of its own beyond the kernel's would reach); "
        "`select(0)` on a selector with 100 socketpair ends registered, all ready "
        "(EVENT_READ | EVENT_WRITE, a byte waiting) or none (EVENT_READ, nothing to read).",
    ]

    lines += ["", "## asyncio echo, round trips per second (higher is better)", ""]
    rows = []
    for run in runs:
        c = find(run, "asyncio", "echo")
        if c is not None:
            k = c["contenders"]
            rows.append(
                [
                    name_of(run),
                    fmt(k["stdlib"]["median"], 4),
                    fmt(k["ours"]["median"], 4),
                    fmt_ratio(c["ratios"]["ours/stdlib"]),
                ]
            )
    lines += table(["Python", "default loop", "pyglibc EpollSelector", "ours/stdlib"], rows)
    lines += [
        "",
        "A 64-byte message sent back by an echo protocol over a socketpair, on "
        "`asyncio.SelectorEventLoop(selector)`: `selectors.DefaultSelector()` (the default "
        "loop's) against `pyglibc.selectors.EpollSelector()`.",
    ]

    lines += ["", "## Reading 64 KiB from a pipe, µs per write+read", ""]
    rows = []
    for run in runs:
        c = find(run, "read", "64k")
        if c is not None:
            k = c["contenders"]
            f = floor.get("read_64k")
            readv = k.get("os.readv")
            rows.append(
                [
                    name_of(run),
                    fmt(f / 1000 if f else None),
                    fmt(k["os.read"]["median"]),
                    fmt(readv["median"]) if readv else "— (no os.readv)",
                    fmt(k["ours"]["median"]),
                    fmt_ratio(c["ratios"]["ours/os.read"]),
                    fmt_ratio(c["ratios"].get("ours/os.readv")),
                ]
            )
    lines += table(
        ["Python", "C", "os.read", "os.readv", "glibc.read", "ours/os.read", "ours/os.readv"], rows
    )
    lines += [
        "",
        "Each iteration writes 64 KiB to a pipe and reads it back: `os.read(fd, 65536)` "
        "returns a new bytes, `os.readv(fd, [buf])` and `glibc.read(fd, buf)` fill the same "
        "bytearray each time.",
    ]

    lines += ["", "## Import time and memory", ""]
    rows = []
    for run in runs:
        statements = run.get("imports", {}).get("statements", {})
        for s, v in statements.items():
            rows.append(
                [
                    "`%s`" % s,
                    name_of(run),
                    "%s (%s–%s)" % (fmt(v["ms"]["median"]), fmt(v["ms"]["q1"]), fmt(v["ms"]["q3"])),
                    "%d" % v["rss_kib"]["median"],
                    fmt(v["wall_ms"]["median"]),
                ]
            )
    lines += table(["statement", "Python", "ms", "RSS growth, KiB", "whole process, ms"], rows)
    lines += [
        "",
        "Each statement in fresh processes (bytecode cached): its own time and VmRSS "
        "growth measured inside, and the wall time of the whole process (`pass`: the bare "
        "start).",
    ]
    if plot:
        lines += ["", "![the benchmarks as plots](%s)" % plot]
    return "\n".join(lines) + "\n"


COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]
RATIO_ITEMS = [
    ("clock_gettime", ("percall", "clock_gettime")),
    ("eventfd", ("percall", "eventfd")),
    ("sigismember", ("percall", "sigismember")),
    ("dup+close", ("percall", "dup_close")),
    ("poll 1", ("poll", "1")),
    ("poll 10", ("poll", "10")),
    ("poll 100", ("poll", "100")),
    ("poll 1000", ("poll", "1000")),
    ("select ready", ("select", "ready")),
    ("select idle", ("select", "idle")),
    ("asyncio echo", ("asyncio", "echo")),
    ("read 64K", ("read", "64k")),
]


def offsets(count: int, width: float) -> List[float]:
    """Where each of count bars side by side goes, around the tick."""
    return [(i - (count - 1) / 2) * width for i in range(count)]


def draw_ratios(ax: Any, runs: List[Run]) -> None:
    """ours / stdlib per benchmark and interpreter, quartiles as error bars, goals as ticks."""
    goal_of = {key[:2]: (cp, pp, kind) for _, key, cp, pp, kind in GOALS if isinstance(key, tuple)}
    width = 0.8 / max(1, len(runs))
    for i, (run, shift) in enumerate(zip(runs, offsets(len(runs), width))):
        xs: List[float] = []
        ys: List[float] = []
        low: List[float] = []
        high: List[float] = []
        for x, (_, key) in enumerate(RATIO_ITEMS):
            c = find(run, *key)
            if c is None:
                continue
            r = c["ratios"]["ours/os.read" if key[0] == "read" else "ours/stdlib"]
            med, q1, q3 = r["median"], r["q1"], r["q3"]
            if key[0] == "asyncio":  # a rate: time per round trip instead, so that lower is better
                med, q1, q3 = 1 / med, 1 / q3, 1 / q1
            xs.append(x + shift)
            ys.append(med)
            low.append(med - q1)
            high.append(q3 - med)
            goal = goal_of.get(key)
            if goal:
                limit = goal[1] if run["interpreter"]["implementation"] == PYPY else goal[0]
                if goal[2] == "min":
                    limit = 1 / limit
                ax.plot(
                    [x + shift - width / 2, x + shift + width / 2],
                    [limit, limit],
                    color="black",
                    lw=2,
                )
        ax.bar(xs, ys, width, yerr=[low, high], color=COLOURS[i % 4], label=name_of(run), capsize=2)
    ax.axhline(1.0, color="grey", lw=0.8, ls="--")
    ax.set_xticks(range(len(RATIO_ITEMS)))
    ax.set_xticklabels([label for label, _ in RATIO_ITEMS], rotation=45, ha="right")
    ax.set_yscale("log")
    ax.set_ylabel("ours / stdlib, time (black ticks: the goals)")
    ax.set_title("Against the standard library: lower is better")
    ax.legend(fontsize=8)


def draw_percall(ax: Any, runs: List[Run], floor: Dict[str, float]) -> None:
    """ns per call: C, then per interpreter the stdlib, bare cffi, ours and 0.6.1."""
    names = ["clock_gettime", "eventfd", "sigismember", "dup_close"]
    series: List[Tuple[str, List[Optional[float]], str]] = []
    if floor:
        series.append(("C", [floor.get(n) for n in names], "black"))
    shades = {"stdlib": 0.45, "lib": 0.7, "ours": 1.0, "old": 0.25}
    for i, run in enumerate(runs):
        for who, shade in shades.items():
            values: List[Optional[float]] = []
            for n in names:
                c = old_case(run, n) if who == "old" else find(run, "percall", n)
                values.append(c["contenders"][who]["median"] if c else None)
            if any(v is not None for v in values):
                label = "%s %s" % (name_of(run), "0.6.1" if who == "old" else who)
                series.append((label, values, COLOURS[i % 4] + "%02x" % int(255 * shade)))
    width = 0.8 / max(1, len(series))
    for (label, values, colour), shift in zip(series, offsets(len(series), width)):
        ax.bar(
            [x + shift for x, v in enumerate(values) if v is not None],
            [v for v in values if v is not None],
            width,
            label=label,
            color=colour,
        )
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(["clock_gettime", "eventfd write+read", "sigismember", "dup+close"])
    ax.set_yscale("log")
    ax.set_ylabel("ns per call")
    ax.set_title("Per call (lib: cffi alone; 0.6.1: python-glibc, ctypes)")
    ax.legend(fontsize=7, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.07))


def draw_poll(ax: Any, runs: List[Run], floor: Dict[str, float]) -> None:
    """µs per poll(0, n) by n ready fds: C, then the stdlib's and ours per interpreter."""
    counts = [1, 10, 100, 1000]
    if floor:
        ax.plot(counts, [floor["poll_%d" % n] / 1000 for n in counts], "k-o", label="C epoll_wait")
    for i, run in enumerate(runs):
        for who, style in (("stdlib", "--"), ("ours", "-")):
            times: List[float] = []
            for count in counts:
                c = find(run, "poll", str(count))
                times.append(c["contenders"][who]["median"] if c else float("nan"))
            ax.plot(
                counts,
                times,
                style,
                marker="o",
                color=COLOURS[i % 4],
                label="%s %s" % (name_of(run), who),
            )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("ready fds")
    ax.set_ylabel("µs per poll(0, n)")
    ax.set_title("epoll.poll")
    ax.legend(fontsize=8)


def draw_imports(ax: Any, runs: List[Run]) -> None:
    """ms each statement takes in a fresh process, per interpreter."""
    statements = [
        "import glibc",
        "from glibc import signalfd",
        "import selectors",
        "import pyglibc.selectors",
    ]
    width = 0.8 / max(1, len(runs))
    for i, (run, shift) in enumerate(zip(runs, offsets(len(runs), width))):
        found = run.get("imports", {}).get("statements", {})
        ax.bar(
            [x + shift for x, s in enumerate(statements) if s in found],
            [found[s]["ms"]["median"] for s in statements if s in found],
            width,
            color=COLOURS[i % 4],
            label=name_of(run),
        )
    ax.set_xticks(range(len(statements)))
    ax.set_xticklabels(statements, rotation=12)
    ax.set_ylabel("ms over the bare start")
    ax.set_title("Import, in a fresh process")
    ax.legend(fontsize=8)


def draw(results: Results, path: str) -> None:
    """The plot: ratios against the goals, per-call times, poll by ready fds, import times."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = results["runs"]
    floor = results.get("floor") or {}
    fig, axes = plt.subplots(2, 2, figsize=(14, 11))
    fig.suptitle(
        "glibc / pyglibc benchmarks: %s, %s"
        % (results["machine"]["cpu"], results["machine"]["date"])
    )
    draw_ratios(axes[0][0], runs)
    draw_percall(axes[0][1], runs, floor)
    draw_poll(axes[1][0], runs, floor)
    draw_imports(axes[1][1], runs)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
