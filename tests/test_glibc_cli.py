"""``python -m glibc``: the inventory of the tables, and --verify against the C compiler."""

import io
import os
import subprocess
import sys

import pytest

import glibc
import glibc.__main__ as cli
import glibc._namespace
import glibc._probe
import glibc.families

FAMILIES = glibc.families.load()
EPOLL = next(fam for fam in FAMILIES if fam.name == "epoll")
PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(glibc.__file__)))


def run(*argv):
    """(exit status, output) of main(argv), in this process."""
    out = io.StringIO()
    status = cli.main(list(argv), out)
    return status, out.getvalue()


def test_summary_has_one_row_per_family_and_the_totals():
    status, out = run()
    assert status == 0
    rows = {line.split()[0]: line.split()[1:4] for line in out.splitlines()[1:] if line.strip()}
    for fam in FAMILIES:
        public = sum(1 for f in fam.functions if f.public)
        assert rows[fam.name] == [str(public), str(len(fam.types)),
                                  str(len(fam.constants) + len(fam.optional))], fam.name
    functions = sum(1 for fam in FAMILIES for f in fam.functions if f.public)
    assert rows["total"][0] == str(functions)


def test_family_lists_prototypes_types_and_values():
    status, out = run("--family", "epoll")
    assert status == 0
    assert "int epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout);" \
        in out
    assert "[epoll_wait(2); stdlib: select.epoll.poll]" in out
    assert "  EPOLLIN = %d\n" % glibc.EPOLLIN in out
    assert "(%d bytes)" % glibc.epoll_event.size in out
    listed = [line.split()[0] for line in out.split("constants (")[1].splitlines()[1:] if line]
    assert listed == list(EPOLL.constants + EPOLL.optional)


def test_family_marks_what_the_headers_lack(monkeypatch):
    # An optional name as a build without it shows it (its GLIBC_HAS_ flag is 0).
    ffi, lib = glibc._namespace.compiled()
    name = EPOLL.optional[0]

    class Without:
        def __getattr__(self, attr):
            return 0 if attr == "GLIBC_HAS_" + name else getattr(lib, attr)

    monkeypatch.setattr(cli, "_compiled", lambda: (ffi, Without()))
    _, out = run("--family", "epoll")
    assert "  %s = (not in this build: the headers lack it)\n" % name in out


def test_family_without_the_compiled_module_lists_the_tables(monkeypatch):
    monkeypatch.setattr(cli, "_compiled", lambda: None)
    status, out = run("--family", "epoll")
    assert status == 0
    assert "  EPOLLIN\n" in out
    assert "  %s  [optional]\n" % EPOLL.optional[0] in out
    assert "glibc._glibc is not built" in out


def test_unknown_family_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit:
        run("--family", "no-such-family")
    assert exit.value.code == 2
    assert "no family 'no-such-family' (there are: signal, signalfd," in capsys.readouterr().err


def test_search_finds_every_kind_in_any_case():
    status, out = run("--search", "SIGWAIT")
    assert status == 0
    kinds = {(line.split()[0], line.split()[1]) for line in out.splitlines()}
    assert {("function", "sigwait"), ("function", "sigwaitinfo")} <= kinds
    status, out = run("--search", "timespec")
    assert ("type", "timespec") in {(line.split()[0], line.split()[1]) for line in out.splitlines()}
    status, out = run("--search", "EPOLLIN")
    assert out.split()[:3] == ["constant", "EPOLLIN", "epoll"]


def test_each_function_says_what_it_needs_beyond_the_oldest_glibc_and_linux():
    _, out = run()
    assert "Every name works with glibc 2.28 and Linux 4.18 or newer" in out
    _, out = run("--search", "pidfd_open")
    assert out.rstrip().endswith(
        "[needs Linux 5.3; glibc has it since 2.36, not needed here]"), out
    _, out = run("--family", "epoll")
    assert "[epoll_pwait2(2); needs Linux 5.11; glibc has it since 2.35, not needed here" in out
    _, out = run("--search", "epoll_wait")
    assert out.rstrip().endswith("int timeout);"), out  # nothing beyond the oldest


def test_search_without_a_match_exits_1():
    assert run("--search", "no_such_thing") == (1, "no name holds 'no_such_thing'\n")


def test_verify_agrees_and_prints_a_summary():
    status, out = run("--verify")
    assert status == 0, out
    assert out.splitlines()[-1].startswith("OK: ")
    assert " 0 differ" in out.splitlines()[-1]
    constants = sum(len(fam.constants) for fam in FAMILIES)
    optional = sum(len(fam.optional) for fam in FAMILIES)
    presence = int(out.split("optional names defined or not")[1].split()[0])
    if "(built on the headers of" in out:
        # A wheel made on other headers: names only one of them has are left out.
        assert presence <= optional
    else:
        assert presence == optional
    values = int(out.split("constant values")[1].split()[0])
    assert constants <= values <= constants + optional


def test_verify_reports_a_constant_that_differs(monkeypatch):
    ffi, lib = glibc._namespace.compiled()

    class Wrong:
        def __getattr__(self, attr):
            return getattr(lib, attr) + (1 if attr == "EPOLLIN" else 0)

    monkeypatch.setattr(glibc._namespace, "compiled", lambda: (ffi, Wrong()))
    status, out = run("--verify")
    assert status == 1
    assert "DIFFERS: value EPOLLIN: the headers say %d, this build %d\n" % (
        glibc.EPOLLIN, glibc.EPOLLIN + 1) in out
    assert out.splitlines()[-1].startswith("FAILED: ")
    assert out.splitlines()[-1].endswith(", 1 differ")


def test_compare_checks_layouts_too():
    ffi, lib = glibc._namespace.compiled()
    probe = dict(glibc._probe.run())
    probe[("offsetof", "struct timespec", "tv_nsec")] += 1
    probe[("sizeof", "sigset_t")] -= 8
    probe[("signed", "pid_t")] = False
    bad = {(c.kind, c.name) for c in glibc._probe.compare(probe, ffi, lib) if not c.ok}
    assert bad == {("offsetof", "struct timespec.tv_nsec"), ("sizeof", "sigset_t"),
                   ("signed", "pid_t")}


def test_verify_without_a_compiler_says_so(monkeypatch):
    monkeypatch.setenv("CC", "false")
    status, out = run("--verify")
    assert status == 2
    assert out.startswith("glibc --verify: the C probe does not compile with false")


def test_python_dash_m_glibc_verify():
    # The module entry point, in a fresh interpreter that imports this glibc.
    done = subprocess.run([sys.executable, "-m", "glibc", "--verify"], cwd=PACKAGE_PARENT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1].startswith("OK: ")


def test_a_build_on_other_headers_is_held_only_to_what_both_have():
    ffi, lib = glibc._namespace.compiled()
    probe = dict(glibc._probe.run())
    # As if these were the headers the build was made on (a wheel's may not be).
    probe[("headers", "glibc")] = lib.GLIBC_HEADERS_GLIBC
    probe[("headers", "linux")] = lib.GLIBC_HEADERS_LINUX
    for name in (name for fam in FAMILIES for name in fam.optional):
        probe[("defined", name)] = bool(getattr(lib, "GLIBC_HAS_" + name))
        probe[("value", name)] = getattr(lib, name)
    absent = next(name for fam in FAMILIES for name in fam.optional
                  if not getattr(lib, "GLIBC_HAS_" + name))
    probe[("defined", absent)] = True  # newer headers than the build's
    probe[("value", absent)] = 12345
    probe[("value", "EPOLLIN")] += 1  # a value both have still counts
    bad = {(c.kind, c.name) for c in glibc._probe.compare(probe, ffi, lib) if not c.ok}
    assert bad == {("defined", absent), ("value", "EPOLLIN")}
    assert glibc._probe.other_headers(probe, lib) is None

    probe[("headers", "glibc")] += 1
    bad = {(c.kind, c.name) for c in glibc._probe.compare(probe, ffi, lib) if not c.ok}
    assert bad == {("value", "EPOLLIN")}
    assert "built on the headers of glibc" in glibc._probe.other_headers(probe, lib)
