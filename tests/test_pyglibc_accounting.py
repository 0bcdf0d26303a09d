"""What a supervised tree cost, and limits on it: ``Usage`` per process, ``rlimits``.

Real processes: a command that waits for a child filling memory and leaves
an orphan burning CPU (supervise_kit.COSTLY), commands that a CPU, file
size or process-count limit ends.  The totals are checked against the
kernel's own sum, getrusage(RUSAGE_CHILDREN), in a fresh process whose
only children are the supervised ones.
"""

import builtins
import ctypes
import errno
import io
import os
import resource
import select
import shlex
import shutil
import signal
import subprocess
import sys
import threading

import kernelkit
import pytest

import glibc
from children import in_child
from pyglibc import Usage, _rawcalls, supervise
from pyglibc._supervisor import cgroup
from supervise_kit import COSTLY, PYTHON_COMM

pytest_plugins = ["supervise_kit"]  # the run, files and not_a_subreaper fixtures
root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root")
MIB, BURN = 100, 0.3  # what COSTLY's child fills, and its orphan burns


def _supervised_in_a_fresh_process(argv, options):
    """supervise(argv) where nothing else was ever reaped, and what getrusage then counts."""
    signal.alarm(60)  # a hang ends the child, and in_child says so
    with open(os.devnull, "wb") as null:
        result = supervise(argv, stdout=null, **options)
    return result, resource.getrusage(resource.RUSAGE_CHILDREN)


def test_each_process_has_its_cost_and_the_totals_are_the_kernels(not_a_subreaper):
    result, children = in_child(_supervised_in_a_fresh_process,
                                COSTLY + [str(MIB), str(BURN)], {})
    assert result.exit_status == 0 and result.processes_reaped == 2
    command, orphan = result.command, result.orphans[0]
    # The memory of the child it waited for is the command's; the orphan's CPU its own.
    assert command.usage.max_rss >= MIB * 1024 > orphan.usage.max_rss
    assert orphan.usage.cpu >= BURN and orphan.name == PYTHON_COMM
    assert result.usage == command.usage.joined(orphan.usage)
    # The kernel's sum is of nanoseconds; each record is cut to microseconds.
    assert abs(result.usage.user - children.ru_utime) <= 2e-6
    assert abs(result.usage.system - children.ru_stime) <= 2e-6
    assert result.usage[2:] == (children.ru_maxrss, children.ru_minflt, children.ru_majflt,
                                children.ru_nvcsw, children.ru_nivcsw)


def test_the_totals_count_the_records_not_kept(not_a_subreaper):
    result, children = in_child(_supervised_in_a_fresh_process,
                                ["sh", "-c", "for i in 1 2 3 4 5; do (: &); done"],
                                {"records": 0})
    assert (result.processes, result.processes_reaped) == ([], 6)
    assert result.usage.minor_faults == children.ru_minflt > 0
    assert result.usage.voluntary_switches == children.ru_nvcsw


def test_usage_in_json_and_back():
    usage = Usage(1.5, 0.25, 2048, 10, 1, 3, 4)
    assert usage.as_dict() == {"user": 1.5, "system": 0.25, "max_rss": 2048,
                               "minor_faults": 10, "major_faults": 1, "voluntary_switches": 3,
                               "involuntary_switches": 4}
    assert Usage(**usage.as_dict()) == usage and usage.cpu == 1.75
    assert usage.joined(Usage(0.5, 0.5, 1024, 1, 1, 1, 1)) == Usage(2.0, 0.75, 2048, 11, 2, 4, 5)


@root
def test_under_pidns_the_records_carry_their_cost_too(not_a_subreaper):
    result, _ = in_child(_supervised_in_a_fresh_process, COSTLY + [str(MIB), str(BURN)],
                         {"pidns": True})
    assert result.exit_status == 0
    assert result.command.usage.max_rss >= MIB * 1024
    assert result.orphans[0].usage.cpu >= BURN
    assert result.usage == result.command.usage.joined(result.orphans[0].usage)


# -- rlimits ------------------------------------------------------------------------------------

BURNING = [sys.executable, "-c", "while True: pass"]
# Past SIGXCPU, and past the SIGTERM of a timeout.
BURNING_PAST_XCPU = [sys.executable, "-c", "import signal\n"
                     "signal.signal(signal.SIGXCPU, signal.SIG_IGN)\n"
                     "signal.signal(signal.SIGTERM, signal.SIG_IGN)\nwhile True: pass"]


def test_a_cpu_limit_ends_the_command_with_sigxcpu_and_the_record_says_which(run):
    result = run(BURNING, rlimits={"CPU": (1, 30)}, timeout=30)
    assert (result.command.signal, result.command.limit) == (signal.SIGXCPU, "RLIMIT_CPU")
    # The kernel's count by ticks, which the limit is checked against, runs ahead of the
    # rusage it reports on a busy machine.
    assert result.command.signalled is None and 0.3 < result.command.usage.cpu < 1.5
    assert result.command.status.startswith("SIGXCPU") and "(RLIMIT_CPU)" in result.summary()


@pytest.mark.parametrize("argv, limits", [(BURNING_PAST_XCPU, (1, 2)), (BURNING, 1)],
                         ids=["past SIGXCPU", "soft and hard alike"])
def test_the_hard_cpu_limit_is_a_sigkill_that_the_record_puts_down_to_the_limit(run, argv,
                                                                              limits):
    """The kernel checks the hard limit first: where both are alike, it is a SIGKILL."""
    result = run(argv, rlimits={"RLIMIT_CPU": limits}, timeout=30)
    assert (result.command.signal, result.command.limit) == (signal.SIGKILL, "RLIMIT_CPU")
    assert result.command.signalled is None and result.exit_status == 137


def test_a_sigkill_of_the_supervisors_own_is_not_a_limits(run):
    result = run(BURNING_PAST_XCPU, rlimits={"CPU": (1, 60)}, timeout=0.5, kill_after=0)
    assert (result.command.signal, result.command.signalled) == (signal.SIGKILL, signal.SIGKILL)
    assert result.command.limit is None and result.exit_status == 124


def test_a_file_size_limit_ends_the_writer_with_sigxfsz(run, tmp_path):
    result = run(["sh", "-c", "exec head -c 8192 /dev/zero > %s" % (tmp_path / "big")],
                 rlimits={resource.RLIMIT_FSIZE: 4096})
    assert (result.command.signal, result.command.limit) == (signal.SIGXFSZ, "RLIMIT_FSIZE")
    assert (tmp_path / "big").stat().st_size == 4096


def test_the_limits_are_the_commands_and_its_descendants_never_the_supervisors(run, files):
    before = [resource.getrlimit(number) for number in (resource.RLIMIT_NOFILE,
                                                         resource.RLIMIT_CORE)]
    # The hard core limit: a sanitizer's runtime (preloaded by nox -s sanitizers) sets the
    # soft one to 0 in every process it starts in.
    result = run(["sh", "-c", "ulimit -Sn; ulimit -Hn; ulimit -Hc; sh -c 'ulimit -n'"],
                 rlimits={"nofile": (64, 128), "CORE": "unlimited"})
    assert result.exit_status == 0
    assert files.read()[0].split() == [b"64", b"128", b"unlimited", b"64"]
    assert [resource.getrlimit(number) for number in (resource.RLIMIT_NOFILE,
                                                      resource.RLIMIT_CORE)] == before


# Forks until it cannot, counting: dash exits 2 when a fork fails.
FORK_LOOP = "i=0; while :; do sleep 30 & i=$((i + 1)); echo $i; done"


def _fork_loop_as_a_user(limit):
    """From root: a user of no other process (so the count is ours alone), no capability."""
    os.setgroups([])
    os.setresgid(61234, 61234, 61234)
    os.setresuid(61234, 61234, 61234)
    r, w = os.pipe()
    result = supervise(["sh", "-c", FORK_LOOP], stdout=w, stderr=w, rlimits={"NPROC": limit})
    os.close(w)
    with os.fdopen(r) as out:
        return result, out.read().splitlines(), resource.getrlimit(resource.RLIMIT_NPROC)


@root
@kernelkit.not_emulated("runs a thread of its own in each process, which RLIMIT_NPROC counts")
def test_a_fork_loop_stops_at_the_process_limit_of_the_command_alone(not_a_subreaper):
    before = resource.getrlimit(resource.RLIMIT_NPROC)
    result, said, after = in_child(_fork_loop_as_a_user, 6)
    # The user's processes: the supervisor, the command and the 4 it could fork.
    assert (result.exit_status, said[:4]) == (2, ["1", "2", "3", "4"])
    assert said[4].endswith("Cannot fork") and len(said) == 5
    assert len(result.orphans) == 4 and after == before  # the supervisor's own is untouched


def test_a_limit_that_cannot_be_given_is_125_and_says_which(run):
    with open("/proc/sys/fs/nr_open") as f:
        too_many = int(f.read()) + 1  # past it even for root
    result = run(["true"], rlimits={"NOFILE": too_many})
    assert (result.exit_status, result.pid, result.returncode) == (125, None, None)
    assert result.error.startswith("%s: cannot set RLIMIT_NOFILE to %d:%d: operation not "
                                   "permitted (" % (shutil.which("true"), too_many, too_many))


@pytest.mark.parametrize("rlimits, error, message", [
    ([("CPU", 1)], TypeError, r"rlimits must be a mapping \{resource: limit or \(soft, hard\)\}, "
                              "not list"),
    ({"CPUS": 1}, ValueError, r"rlimits: 'CPUS' is not a resource \(AS, CORE, CPU, "),
    ({99: 1}, ValueError, r"rlimits: 99 is not an RLIMIT_\* number"),
    ({1.0: 1}, TypeError, r"rlimits: a resource is a name or an RLIMIT_\* number, not float"),
    ({"CPU": 1.5}, TypeError, r"rlimits: RLIMIT_CPU: a limit is an int or None \(unlimited\), "
                              "not float"),
    ({"CPU": True}, TypeError, r"rlimits: RLIMIT_CPU: a limit is an int or None"),
    ({"CPU": -2}, ValueError, r"rlimits: RLIMIT_CPU: -2 is not a limit \(0 or more\)"),
    ({"CPU": (2, 1)}, ValueError, "rlimits: RLIMIT_CPU: the soft limit 2 is above the hard "
                                  "limit 1"),
    ({"CPU": (None, 1)}, ValueError, "rlimits: RLIMIT_CPU: the soft limit unlimited is above "
                                     "the hard limit 1"),
    ({"CPU": (1, 2, 3)}, ValueError, r"rlimits: RLIMIT_CPU: \(soft, hard\), not 3 limits"),
])
def test_rlimits_are_checked_before_anything_starts(rlimits, error, message):
    with pytest.raises(error, match="^supervise: " + message):
        supervise(["true"], rlimits=rlimits)


def test_rlim_infinity_and_unlimited_are_no_limit(run, files):
    result = run(["sh", "-c", "ulimit -t; ulimit -Ht"],
                 rlimits={"CPU": (resource.RLIM_INFINITY, "unlimited")})
    assert (result.exit_status, files.read()[0]) == (0, b"unlimited\nunlimited\n")


# -- kill_orphans -------------------------------------------------------------------------------

# A worker that dies and leaves a child: the child is reparented to the supervisor
# while the command (which outlives it by far) still runs.
LEAVES_A_STRAY = "(sleep 30 &); sleep 5"
LEAVES_A_STUBBORN_STRAY = "(sh -c 'trap \"\" TERM; sleep 30' &); sleep 5"


def test_kill_orphans_terminates_what_a_worker_leaves_while_the_command_runs(run):
    result = run(["sh", "-c", LEAVES_A_STRAY], kill_orphans=True, linger=30)
    [stray] = result.orphans
    assert (stray.name, stray.role, stray.signal, stray.signalled) == (
        "sleep", "stray", signal.SIGTERM, signal.SIGTERM)
    assert stray.reaped < result.command.reaped and result.exit_status == 0


def test_without_kill_orphans_the_orphan_waits_for_the_command_to_end(run):
    result = run(["sh", "-c", "(sleep 30 &); sleep 0.5"], linger=30)
    [orphan] = result.orphans
    assert (orphan.role, orphan.signalled) == ("orphan", signal.SIGTERM)
    assert orphan.reaped >= result.command.reaped


def test_a_stray_that_ignores_sigterm_gets_sigkill_after_the_linger_and_so_does_its_child(run):
    """The sh ignores SIGTERM, and so does the sleep it started: once the sh is killed, the
    sleep is reparented to the supervisor in turn, a stray too."""
    result = run(["sh", "-c", LEAVES_A_STUBBORN_STRAY], kill_orphans=True, linger=0.5)
    strays = sorted(result.orphans, key=lambda process: process.name)
    assert [(p.name, p.role, p.signal, p.signalled) for p in strays] == [
        ("sh", "stray", signal.SIGKILL, signal.SIGKILL),
        ("sleep", "stray", signal.SIGKILL, signal.SIGKILL)]
    assert all(p.reaped < result.command.reaped for p in strays)


def _adopting(argv, options):
    pid = os.fork()
    if pid == 0:
        os.execvp("sleep", ["sleep", "0.5"])
    return pid, supervise(argv, adopt=True, **options)


def test_the_children_adopted_at_the_start_are_not_strays(not_a_subreaper):
    pid, result = in_child(_adopting, ["sleep", "2"], {"kill_orphans": True})
    [adopted] = result.orphans
    assert (adopted.pid, adopted.role, adopted.exitcode, adopted.signalled) == (
        pid, "adopted", 0, None)


@root
def test_kill_orphans_in_a_pid_namespace(run):
    result = run(["sh", "-c", LEAVES_A_STRAY], kill_orphans=True, pidns=True)
    [stray] = result.orphans
    assert (stray.role, stray.signalled) == ("stray", signal.SIGTERM)
    assert stray.reaped < result.command.reaped


# -- cgroup -------------------------------------------------------------------------------------


def _cgroup_v2():
    """Where this process's cgroup v2 is, if the unified hierarchy is mounted and writable."""
    from pyglibc._supervisor.cgroup import _unified
    from pyglibc._supervisor.start import _StartError

    try:
        mount, mine = _unified()
    except _StartError as exc:
        return None, str(exc)
    path = os.path.normpath(mount + mine)
    if not os.access(path, os.W_OK):
        return None, "%s is not writable" % path
    return path, None


CGROUP, NO_CGROUP = _cgroup_v2()
cgroup_v2 = pytest.mark.skipif(CGROUP is None, reason="no writable cgroup v2: %s" % NO_CGROUP)


def cgroups():
    return sorted(name for name in os.listdir(CGROUP) if name.startswith("pyglibc-run-"))


@cgroup_v2
def test_the_command_and_all_it_starts_run_in_a_cgroup_that_is_removed_after(run, files):
    result = run(["sh", "-c", "cat /proc/self/cgroup; sh -c 'cat /proc/self/cgroup' &"
                  " wait"], cgroup=True)
    assert result.exit_status == 0 and result.cgroup["removed"] is True
    path = result.cgroup["path"]
    assert os.path.dirname(path) == CGROUP and not os.path.exists(path) and cgroups() == []
    lines = [line for line in files.read()[0].decode().splitlines() if line.startswith("0::")]
    assert len(lines) == 2 and all(line.endswith("/" + os.path.basename(path))
                                   for line in lines)


@cgroup_v2
def test_the_cgroups_cpu_stat_counts_the_orphans_too(run):
    result = run(COSTLY + ["1", str(BURN)], cgroup=True)
    cpu = result.cgroup["cpu"]
    assert cpu["usage_usec"] >= BURN * 1e6
    # The cgroup's count and the sum of the rusages measure the same CPU time.
    assert abs(cpu["usage_usec"] / 1e6 - result.usage.cpu) < 0.05
    assert "cgroup %s: CPU " % result.cgroup["path"] in result.summary()


def _clone_into_cgroup_lacking():
    """Why clone3 cannot make a child in a cgroup here, or None if it can (Linux 5.7)."""
    release = tuple(int(n) for n in os.uname().release.split("-")[0].split(".")[:2])
    if release < (5, 7):
        return "CLONE_INTO_CGROUP needs Linux 5.7; this is %s" % os.uname().release
    # A struct too small for any version of clone3: EINVAL, before anything is made.
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    if libc.syscall(ctypes.c_long(435), None, ctypes.c_size_t(0)) == -1 \
            and ctypes.get_errno() != errno.EINVAL:
        return "clone3 answers %s (a seccomp filter, or an emulator)" % errno.errorcode.get(
            ctypes.get_errno(), ctypes.get_errno())
    return None


CGROUP_ENTRY = "cat /proc/self/cgroup | grep ^0::"


@cgroup_v2
def test_the_command_is_made_in_its_cgroup_by_clone3(run, files):
    """Not one instruction of it runs outside (CLONE_INTO_CGROUP, Linux 5.7)."""
    lacking = _clone_into_cgroup_lacking()
    if lacking:
        pytest.skip(lacking)
    result = run(["sh", "-c", CGROUP_ENTRY], cgroup=True)
    assert result.cgroup["entered_by"] == "CLONE_INTO_CGROUP"
    assert files.read()[0].decode().endswith("/%s\n" % os.path.basename(result.cgroup["path"]))


def _refusing(number):
    def fork_into_cgroup(cgroup):
        raise OSError(number, os.strerror(number))
    return fork_into_cgroup


@cgroup_v2
@pytest.mark.parametrize("refusal", ["ENOSYS", "E2BIG", "EINVAL", "EPERM"])
def test_where_clone3_cannot_the_command_moves_itself_into_its_cgroup(run, files, monkeypatch,
                                                                     refusal):
    """Before Linux 5.3 clone3 is ENOSYS; before 5.7 E2BIG or EINVAL (the larger struct, the
    unknown flag); some seccomp profiles answer EPERM.  The child writes cgroup.procs."""
    monkeypatch.setattr(_rawcalls, "fork_into_cgroup", _refusing(getattr(errno, refusal)))
    result = run(["sh", "-c", CGROUP_ENTRY], cgroup=True)
    assert (result.exit_status, result.cgroup["entered_by"]) == (0, "cgroup.procs")
    assert files.read()[0].decode().endswith("/%s\n" % os.path.basename(result.cgroup["path"]))


@cgroup_v2
def test_no_process_made_by_clone3_is_the_supervisors_failure(run, monkeypatch):
    monkeypatch.setattr(_rawcalls, "fork_into_cgroup", _refusing(errno.EAGAIN))
    result = run(["true"], cgroup=True)
    assert (result.exit_status, result.pid) == (125, None) and cgroups() == []
    assert result.error == ("cannot start a process for %s: resource temporarily unavailable"
                            % shutil.which("true"))


@cgroup_v2
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_supervisor_with_threads_forks_and_the_child_moves_itself_in(run, files):
    """clone3 skips the fork hooks: a child of a threaded process could wait for ever on a
    lock (the GIL, malloc's) that another thread held.  os.fork runs them."""
    done = threading.Event()
    # Every signal blocked in it, as supervise wants of another thread.
    before = signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())
    thread = threading.Thread(target=done.wait)
    thread.start()
    signal.pthread_sigmask(signal.SIG_SETMASK, before)
    try:
        result = run(["sh", "-c", CGROUP_ENTRY], cgroup=True)
    finally:
        done.set()
        thread.join()
    assert (result.exit_status, result.cgroup["entered_by"]) == (0, "cgroup.procs")
    assert files.read()[0].decode().endswith("/%s\n" % os.path.basename(result.cgroup["path"]))


# Under tools/old_kernel.py, where clone3 is ENOSYS as before Linux 5.3.
ON_AN_OLD_KERNEL = """
import os, sys
from pyglibc import supervise
result = supervise(["sh", "-c", %r], cgroup=True, stdout=sys.stdout)
print(result.exit_status, result.cgroup["entered_by"], os.path.basename(result.cgroup["path"]))
""" % CGROUP_ENTRY


@cgroup_v2
def test_on_a_kernel_without_clone3_the_command_moves_itself_in(not_a_subreaper):
    ran = kernelkit.old_kernel(ON_AN_OLD_KERNEL)
    assert (ran.returncode, ran.stderr) == (0, "")
    entry, summary = ran.stdout.splitlines()
    status, entered_by, name = summary.split()
    assert (status, entered_by) == ("0", "cgroup.procs") and entry.endswith("/" + name)


FORKING_FOR_EVER = "trap '' TERM; while :; do sleep 0.01 & done"
# The same with children that stay (and ignore SIGTERM too, as it is ignored when they start),
# once it is in the command's cgroup: what it started before would be outside it.
FORKING_AND_KEEPING = ("trap '' TERM; until grep -q pyglibc-run- /proc/self/cgroup; do :; done; "
                       "while :; do sleep 30 & done")


@cgroup_v2
def test_what_forks_while_the_cgroup_is_killed_is_killed_too(run):
    """A shell that ignores SIGTERM and forks without end, left behind: after the linger,
    cgroup.kill ends it and all its children at once."""
    result = run(["sh", "-c", "(sh -c %s &); sleep 0.5" % shlex.quote(FORKING_FOR_EVER)],
                 cgroup=True, linger=0.5)
    assert result.exit_status == 0 and result.cgroup["removed"] and cgroups() == []
    # The shell and whatever it had forked then (a sh not yet sleep, some of them).
    killed = [p for p in result.orphans if p.signal == signal.SIGKILL]
    assert "sh" in [p.name for p in killed]
    assert all(p.signalled == signal.SIGKILL for p in killed)


def _outsider(argv):
    """argv run by no descendant of this process (its parent sh has ended): its pid and a
    pidfd of it, init's child, not ours."""
    done = subprocess.run(["sh", "-c", '"$@" >/dev/null & echo $!', "sh"] + argv,
                          stdout=subprocess.PIPE, check=True)
    return int(done.stdout), glibc.pidfd_open(int(done.stdout), 0)


def _into_the_cgroup(pid):
    """A command that moves pid into its own cgroup, then ends."""
    return ["sh", "-c", "echo %d > %s/$(grep -o 'pyglibc-run-[0-9-]*' /proc/self/cgroup)"
            "/cgroup.procs" % (pid, CGROUP)]


@cgroup_v2
@pytest.mark.needs_kernel("pidfd_open", "pidfd_send_signal")
def test_a_process_moved_into_the_cgroup_is_waited_for_and_signalled_too(run):
    """Not a descendant: only the cgroup tells of it, and the supervisor ends when it has."""
    pid, pidfd = _outsider(["sleep", "30"])
    try:
        result = run(_into_the_cgroup(pid), cgroup=True, linger=30)
        assert result.exit_status == 0 and result.cgroup["removed"]
        assert select.select([pidfd], [], [], 0)[0] == [pidfd]  # it has ended
    finally:
        if not select.select([pidfd], [], [], 0)[0]:
            glibc.pidfd_send_signal(pidfd, signal.SIGKILL, None, 0)
        os.close(pidfd)


@cgroup_v2
@pytest.mark.needs_kernel("pidfd_open", "pidfd_send_signal")
@pytest.mark.parametrize("kill_file", [True, False], ids=["cgroup.kill", "rounds of SIGKILL"])
def test_a_forker_that_is_no_descendant_is_killed_whole_with_its_cgroup(run, monkeypatch,
                                                                        kill_file):
    """Its children are not the supervisor's, nor seen by a walk down from it: only a kill of
    the whole cgroup ends them all (cgroup.kill; before Linux 5.14, rounds of SIGKILL over
    cgroup.procs until it is empty).  The supervisor ends when the cgroup is empty."""
    if not kill_file:
        monkeypatch.setattr(cgroup, "_write", _without_cgroup_kill(cgroup._write))
    pid, pidfd = _outsider(["sh", "-c", FORKING_AND_KEEPING])
    try:
        result = run(_into_the_cgroup(pid), cgroup=True, linger=0.5)
        assert result.exit_status == 0 and result.cgroup["removed"] and cgroups() == []
        assert select.select([pidfd], [], [], 0)[0] == [pidfd]
    finally:
        if not select.select([pidfd], [], [], 0)[0]:
            glibc.pidfd_send_signal(pidfd, signal.SIGKILL, None, 0)
        os.close(pidfd)


def _without_cgroup_kill(write):
    def fake(path, text):
        if path.endswith("/cgroup.kill"):
            raise FileNotFoundError(2, "No such file or directory", path)
        return write(path, text)
    return fake


@cgroup_v2
@pytest.mark.parametrize("option, controller", [("memory_max", "memory"), ("pids_max", "pids"),
                                                ("cpu_max", "cpu")])
def test_a_limit_whose_controller_cannot_be_had_is_125_with_why(run, option, controller):
    with open(os.path.join(CGROUP, "cgroup.controllers")) as f:
        if controller in f.read().split():
            pytest.skip("the %s controller is there: the limit can be set" % controller)
    result = run(["true"], **{option: 2 ** 30})
    assert (result.exit_status, result.pid) == (125, None)
    assert result.error.startswith("--cgroup: %s needs the %s controller, which %s does not "
                                   "have" % (option.replace("_", "."), controller, CGROUP))
    assert cgroups() == []


def test_without_a_cgroup_v2_it_is_125_with_why(run, monkeypatch):
    monkeypatch.setattr(builtins, "open", _no_cgroup2_mounted(open))
    result = run(["true"], cgroup=True)
    assert (result.exit_status, result.pid) == (125, None)
    assert result.error == ("--cgroup: no cgroup v2 hierarchy is mounted (cgroup2 in "
                            "/proc/self/mountinfo)")


def _no_cgroup2_mounted(real_open):
    def fake(path, *args, **kwargs):
        if path == "/proc/self/mountinfo":
            return io.BytesIO(b"22 1 0:21 / /proc rw - proc proc rw\n")
        return real_open(path, *args, **kwargs)
    return fake


@pytest.mark.parametrize("options, error, message", [
    ({"memory_max": -1}, ValueError, r"memory_max must be a number of bytes \(>= 0\), not -1"),
    ({"memory_max": 1.5}, TypeError, "memory_max must be a number of bytes, not float"),
    ({"pids_max": "10"}, TypeError, "pids_max must be a number of processes, not str"),
    ({"cpu_max": 0}, ValueError, "cpu_max must be a positive number of CPUs, not 0"),
    ({"cpu_max": float("nan")}, ValueError, "cpu_max must be a positive number of CPUs"),
    ({"cpu_max": "1"}, TypeError, "cpu_max must be a number of CPUs, not str"),
])
def test_cgroup_limits_are_checked_before_anything_starts(options, error, message):
    with pytest.raises(error, match="^supervise: " + message):
        supervise(["true"], **options)


@cgroup_v2
def test_the_cgroups_the_command_made_in_its_own_are_removed_with_it(run):
    result = run(["sh", "-c", "cd %s/$(grep -o 'pyglibc-run-[0-9-]*' /proc/self/cgroup) && "
                  "mkdir -p a/b c && echo $$ > a/b/cgroup.procs" % CGROUP], cgroup=True)
    assert result.exit_status == 0 and result.cgroup["removed"] and cgroups() == []


@cgroup_v2
def test_a_cgroup_of_the_same_name_is_not_taken_over(run):
    """Under --pidns every supervisor is pid 1: the name gets a number after it."""
    taken = os.path.join(CGROUP, "pyglibc-run-%d" % os.getpid())
    os.mkdir(taken)
    try:
        result = run(["true"], cgroup=True)
        assert result.cgroup["path"] == taken + "-1" and os.path.isdir(taken)
    finally:
        os.rmdir(taken)


# -- limits on a real controller (nox -s kernels boots kernels whose hierarchy has them all) --


def _no_controller(controller):
    """Why the supervisor cannot enable controller for its command's cgroup here, or None."""
    if CGROUP is None:
        return "no writable cgroup v2: %s" % NO_CGROUP
    with open(os.path.join(CGROUP, "cgroup.controllers")) as f:
        offered = f.read().split()
    if controller not in offered:
        return "no %s controller in %s (its cgroup.controllers: %s)" % (
            controller, CGROUP, " ".join(offered) or "none")
    with open(os.path.join(CGROUP, "cgroup.subtree_control")) as f:
        enabled = f.read().split()
    with open(os.path.join(CGROUP, "cgroup.procs")) as f:
        holds = f.read().split()
    # The root cgroup (a mount point) is the one that may hold processes and enable it too.
    if controller not in enabled and holds and not os.path.ismount(CGROUP):
        return "%s holds processes: cgroup v2 enables no controller below it" % CGROUP
    return None


def with_controller(controller):
    reason = _no_controller(controller)
    return pytest.mark.skipif(reason is not None, reason=str(reason))


FORKS_UNTIL_REFUSED = """
import os, time
made = 0
while made < 20:
    try:
        pid = os.fork()
    except BlockingIOError:  # EAGAIN: pids.max
        break
    if pid == 0:
        time.sleep(30)
        os._exit(0)
    made += 1
print(made)
"""


@with_controller("pids")
def test_a_fork_loop_stops_at_pids_max(run, files):
    """The command and 3 children are 4 processes: the fifth fork fails with EAGAIN."""
    result = run([sys.executable, "-c", FORKS_UNTIL_REFUSED], pids_max=4, linger=0.1)
    assert result.exit_status == 0, files.read()
    assert files.read()[0] == b"3\n"
    assert result.cgroup["pids_peak"] in (None, 4)  # pids.peak: Linux 6.1
    assert result.cgroup["removed"] and cgroups() == []


def _swap():
    with open("/proc/swaps") as f:
        return len(f.read().splitlines()) > 1


MIB_FILLED = "data = b'x' * (%d << 20); print('still here')"


@with_controller("memory")
@pytest.mark.skipif(_swap(), reason="swap is on: memory.max would page out, not kill")
def test_a_command_beyond_memory_max_is_killed_and_the_record_says_why(run, files):
    result = run([sys.executable, "-c", MIB_FILLED % 256], memory_max=64 << 20)
    command = result.command
    assert (command.signal, command.signalled, command.limit) == (signal.SIGKILL, None,
                                                                  "memory.max")
    assert files.read()[0] == b""
    assert ": SIGKILL (memory.max) after " in result.summary()
    assert command.status == "SIGKILL (memory.max)"
    peak = result.cgroup["memory_peak"]  # memory.peak: Linux 5.19
    assert peak is None or 32 << 20 < peak <= 64 << 20


@with_controller("memory")
def test_a_command_within_memory_max_has_its_peak_reported(run, files):
    result = run([sys.executable, "-c", MIB_FILLED % 16], memory_max=256 << 20)
    assert (result.exit_status, files.read()[0]) == (0, b"still here\n")
    assert result.command.limit is None
    peak = result.cgroup["memory_peak"]
    assert peak is None or 16 << 20 < peak <= 256 << 20


BURNS_A_FIFTH_OF_A_SECOND = """
import time
while time.process_time() < 0.2:
    pass
"""


@with_controller("cpu")
def test_cpu_max_throttles_a_burner_to_its_share(run):
    """A tenth of a CPU: 10 ms of each 100 ms period, throttled for the rest, so the CPU
    time it took needs ten times as long (less a period's quota, taken at once)."""
    result = run([sys.executable, "-c", BURNS_A_FIFTH_OF_A_SECOND], cpu_max=0.1)
    command = result.command
    assert result.exit_status == 0 and command.usage.cpu >= 0.2
    # A slower machine only makes it longer: its start too is throttled.
    assert command.reaped >= (command.usage.cpu / 0.1 - 0.1) * 0.9
    assert result.cgroup["cpu"]["nr_throttled"] >= 1


# Where memory, pids and cpu are all bound to v1 hierarchies (as on the machine these tests
# were written on), no limit can be set for real: a directory that stands for the
# hierarchy shows what is written where.


def _fake_cgroups(tmp_path, offered):
    parent, child = tmp_path / "service", tmp_path / "service" / "pyglibc-run-1"
    child.mkdir(parents=True)
    (parent / "cgroup.controllers").write_text(" ".join(offered) + "\n")
    (parent / "cgroup.subtree_control").write_text("")
    for name in ("cgroup.controllers", "memory.max", "pids.max", "cpu.max"):
        (child / name).write_text("")
    made = cgroup.Cgroup.__new__(cgroup.Cgroup)
    made.path, made.procs, made.events = str(child), -1, -1
    return made, str(parent)


def test_a_limit_enables_its_controller_below_the_supervisors_cgroup_then_is_written(tmp_path):
    made, parent = _fake_cgroups(tmp_path, ["cpu", "memory", "pids"])
    made.limit(parent, "memory.max", "1073741824")
    assert (tmp_path / "service" / "cgroup.subtree_control").read_text() == "+memory"
    assert (tmp_path / "service" / "pyglibc-run-1" / "memory.max").read_text() == "1073741824"


def test_a_controller_that_cgroup_v2_will_not_enable_is_125_with_why(tmp_path, monkeypatch):
    """A cgroup that holds processes (a service's own) cannot enable a controller for its
    children: cgroup v2's rule, which the kernel answers with EBUSY."""
    made, parent = _fake_cgroups(tmp_path, ["memory", "pids"])

    def busy(path, text):
        raise OSError(errno.EBUSY, os.strerror(errno.EBUSY), path)
    monkeypatch.setattr(cgroup, "_write", busy)
    with pytest.raises(cgroup._StartError) as raised:
        made.limit(parent, "pids.max", "64")
    assert raised.value.status == 125
    assert str(raised.value) == (
        "--cgroup: pids.max: cannot enable the pids controller in %s: device or resource busy "
        "(cgroup v2 enables controllers only for the children of a cgroup holding no "
        "process, and the supervisor's holds it)" % parent)


def test_an_oom_kill_is_told_of_once(tmp_path):
    made, _ = _fake_cgroups(tmp_path, ["memory"])
    made.oom_kills = 0
    events = tmp_path / "service" / "pyglibc-run-1" / "memory.events"
    assert not made.oom_killed()  # no memory controller: no file
    events.write_text("low 0\nhigh 0\nmax 9\noom 2\noom_kill 2\noom_group_kill 0\n")
    assert [made.oom_killed() for _ in range(3)] == [True, True, False]


def test_cpu_max_is_a_quota_of_each_100_ms():
    from pyglibc._supervisor.settings import _cgroup_limits

    assert _cgroup_limits(None, None, 1.5) == {"cpu.max": "150000 100000"}
    assert _cgroup_limits(1 << 30, 64, 0.001) == {"memory.max": "1073741824", "pids.max": "64",
                                                  "cpu.max": "1000 100000"}
