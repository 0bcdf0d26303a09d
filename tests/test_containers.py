"""The supervisor as PID 1 of a real container, under podman, beside catatonit, tini and dumb-init.

Each scenario runs once per init (``[pyglibc]``, ``[catatonit]``, ``[tini]``,
``[dumb-init]``, ``[none]``: the command itself as PID 1), in the image of
examples/Containerfile (tools/containers.py makes it, offline, once per
content), so ``pytest -v tests/test_containers.py`` prints the documentation's
container table row by row.  As in test_init_compare.py, where another init
does not do what the scenario asks, its row is a strict xfail that names the
difference and must fail on an assertion; ours never xfails.

Every container runs detached with a name of its own, and is removed at the
end of its test whatever happened.  The tests wait for what the command
prints (``podman logs``), never for a time, except where the time taken is
what is measured, and once where what is checked is that nothing more comes
(a second SIGINT).
"""

import os
import select
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
import containers  # noqa: E402  (tools/ is not a package)

from supervise_kit import waiting_for_signals  # noqa: E402

# Minutes of podman runs, the same on any interpreter: nox -s containers runs
# them once, and sets GLIBC_CONTAINER_TESTS=1 (so may anyone).
pytestmark = [
    pytest.mark.skipif(os.environ.get("GLIBC_CONTAINER_TESTS") != "1",
                       reason="the container tests run with GLIBC_CONTAINER_TESTS=1 "
                              "(nox -s containers)"),
    pytest.mark.skipif(containers.missing() is not None, reason=str(containers.missing())),
]

TIMEOUT = 20
# podman stop's grace period in these tests: long enough for any init to
# forward SIGTERM and see its command end, short enough to tell a stop that
# needed SIGKILL.
GRACE = 5

# How each init runs COMMAND as the container's PID 1: podman's options, and
# what comes before COMMAND after the image name.
INITS = {
    "pyglibc": ([], []),  # the image's ENTRYPOINT: python3 -m pyglibc run --
    "catatonit": (["--init", "--entrypoint", "/usr/bin/env"], []),
    "tini": (["--entrypoint", "/usr/bin/tini"], ["--"]),
    "dumb-init": (["--entrypoint", "/usr/bin/dumb-init"], []),
    "none": (["--entrypoint", "/usr/bin/env"], []),
}

# The scenarios, each a row of the documentation's table (tools/container_table.py).
ROWS = {
    "stop-handler": "`podman stop`, the command handles SIGTERM: it gets it and the stop "
                    "takes no grace period; exit status 0",
    "stop-no-handler": "`podman stop`, the command has no SIGTERM handler: it dies at once, "
                       "exit status 143",
    "stop-background": "`podman stop`: work the command left in the background gets SIGTERM "
                       "too",
    "kill": "`podman kill -s` SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGWINCH, "
            "SIGTERM: each reaches the command",
    "exit-status": "`exit 3`: the container's exit status is 3",
    "killed": "the command killed by SIGUSR1: exit status 138",
    "zombies": "`podman exec ... ps`: no zombie once orphans have ended",
    "entrypoint-script": "an entrypoint script starts a helper, then `exec`s the init: "
                         "`podman stop` gives the helper SIGTERM",
    "pidns": "`--pidns` in the container: exit status 125 and one line without "
             "CAP_SYS_ADMIN; with `--cap-add SYS_ADMIN` the command is PID 2 of its own "
             "namespace",
    "ctrl-c": "^C typed into `podman run -it`: the command gets one SIGINT",
    "hangup": "the terminal of `podman run -it` goes: podman passes SIGHUP on, and the "
              "command gets it",
    "group-read": "`podman run -it`, the init in its group mode where it has one (ours "
                  "`--group`, tini `-g`, dumb-init's default; podman's `--init` takes no "
                  "options): the command reads a line typed at the terminal",
}

DIFFERENCES = {
    ("stop-no-handler", "none"): "a PID 1 without a SIGTERM handler does not get SIGTERM: "
                                 "podman stop waits out its grace period and sends SIGKILL",
    ("stop-background", "tini"): "tini signals its command alone; what the command started "
                                 "is SIGKILLed when the container ends",
    ("stop-background", "catatonit"): "catatonit signals its command alone; what the command "
                                      "started is SIGKILLed when the container ends",
    ("stop-background", "none"): "nothing signals what the command started; it is SIGKILLed "
                                 "when the container ends",
    ("entrypoint-script", "tini"): "tini signals its command alone; the helper is SIGKILLed "
                                   "when the container ends",
    ("entrypoint-script", "catatonit"): "catatonit signals its command alone; the helper is "
                                        "SIGKILLed when the container ends",
    ("entrypoint-script", "none"): "nothing signals the helper; it is SIGKILLed when the "
                                   "container ends",
    ("killed", "none"): "a PID 1 does not die of a signal it has no handler for: the "
                             "shell goes on and exits 0",
    ("entrypoint-script", "dumb-init"): "dumb-init signals its command's session alone, which "
                                        "the helper is not in; it is SIGKILLed when the "
                                        "container ends",
    ("zombies", "none"): "the command as PID 1 does not reap the orphans it inherits: they "
                         "stay zombies",
    ("pidns", "catatonit"): "catatonit has no PID namespace",
    ("pidns", "tini"): "tini has no PID namespace",
    ("pidns", "dumb-init"): "dumb-init has no PID namespace",
    ("pidns", "none"): "without an init there is no PID namespace to ask for",
}
# The group mode of each init that has one (the others run as in INITS).
GROUP_MODE = {
    "pyglibc": (["--entrypoint", "python3"], ["-m", "pyglibc", "run", "--group", "--"]),
    "tini": (["--entrypoint", "/usr/bin/tini"], ["-g", "--"]),
    "dumb-init": (["--entrypoint", "/usr/bin/dumb-init"], []),  # setsid by default
}


def inits(scenario):
    """The parameters of one scenario: each init, a strict xfail where it differs."""
    assert scenario in ROWS, scenario
    params = []
    for name in INITS:
        marks = []
        reason = DIFFERENCES.get((scenario, name))
        if reason is not None:
            marks.append(pytest.mark.xfail(strict=True, raises=AssertionError, reason=reason))
        params.append(pytest.param(name, id=name, marks=marks))
    return pytest.mark.parametrize("init", params)


@pytest.fixture(scope="session")
def image():
    return containers.ensure_image()


class Container:
    """A detached container: COMMAND under one init, its output read through podman logs."""

    def __init__(self, image, init, command, options=()):
        self.name = "pyglibc-test-" + uuid.uuid4().hex[:12]
        podman_options, before = INITS[init]
        containers.podman("run", "--detach", "--name", self.name, "--network", "none",
                          *podman_options, *options, image, *before, *command,
                          stdout=subprocess.DEVNULL)

    def logs(self):
        """What the container wrote, stdout and stderr (podman logs gives each its own)."""
        return containers.podman("logs", self.name, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT).stdout

    def wait_for(self, *lines, within=TIMEOUT):
        """Waits until the output has each of lines (bytes, a line each); the output."""
        deadline = time.monotonic() + within
        while True:
            out = self.logs()
            if all(line in out.splitlines(True) for line in lines) \
                    or time.monotonic() > deadline:
                return out
            time.sleep(0.05)

    def stop(self, grace=GRACE):
        """podman stop: the seconds it took."""
        start = time.monotonic()
        containers.podman("stop", "--time", str(grace), self.name, stdout=subprocess.DEVNULL)
        return time.monotonic() - start

    def exit_code(self):
        out = containers.podman("inspect", "--format", "{{.State.ExitCode}}", self.name,
                                capture_output=True, text=True).stdout
        return int(out.strip())

    def remove(self):
        containers.podman("rm", "--force", "--time", "0", self.name, check=False,
                          capture_output=True)


@pytest.fixture
def started(image):
    made = []

    def start(init, command, options=()):
        container = Container(image, init, command, options)
        made.append(container)
        return container

    yield start
    for container in made:
        container.remove()


# The application: says "ready", and on SIGTERM says "term" and exits 0.
APP = ["python3", "-c", """
import os, signal, sys
def term(*args):
    os.write(1, b"term\\n")
    os._exit(0)
signal.signal(signal.SIGTERM, term)
""" + waiting_for_signals(r'b"ready\n"')]


@inits("stop-handler")
def test_podman_stop_ends_an_app_with_a_sigterm_handler_at_once(init, started):
    container = started(init, APP)
    assert b"ready\n" in container.wait_for(b"ready\n")
    assert container.stop() < GRACE
    assert container.exit_code() == 0
    assert b"term\n" in container.logs()


@inits("stop-no-handler")
def test_podman_stop_ends_an_app_without_a_handler_at_once(init, started):
    container = started(init, ["sh", "-c", "echo ready; exec sleep 1000"])
    assert b"ready\n" in container.wait_for(b"ready\n")
    assert container.stop() < GRACE
    assert container.exit_code() == 128 + 15


# Work the application left running in the background: on SIGTERM it says so.
BACKGROUND = """
python3 -c '
import os, signal
signal.signal(signal.SIGTERM, lambda *args: (os.write(1, b"worker term\\n"), os._exit(0)))
""" + waiting_for_signals(r'b"worker ready\n"') + """' &
"""


@inits("stop-background")
def test_podman_stop_gives_work_left_in_the_background_its_sigterm(init, started):
    script = BACKGROUND + 'exec "$@"'
    container = started(init, ["sh", "-c", script, "sh"] + APP)
    out = container.wait_for(b"worker ready\n", b"ready\n").splitlines(True)
    assert b"worker ready\n" in out and b"ready\n" in out
    assert container.stop() < GRACE
    assert b"worker term\n" in container.logs()


# An application that says "got NAME" for each signal of argv and goes on.
REPORTER = ["python3", "-c", """
import os, signal, sys
for name in sys.argv[1:]:
    signal.signal(getattr(signal, name), lambda n, f: os.write(1, b"got %s\\n"
                                                               % signal.Signals(n).name.encode()))
""" + waiting_for_signals(r'b"ready\n"')]
FORWARDED = ["SIGHUP", "SIGINT", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGALRM", "SIGWINCH",
             "SIGTERM"]


@inits("kill")
def test_podman_kill_s_forwards_each_signal(init, started):
    container = started(init, REPORTER + FORWARDED)
    container.wait_for(b"ready\n")
    for name in FORWARDED:
        containers.podman("kill", "--signal", name, container.name, stdout=subprocess.DEVNULL)
        assert b"got %s\n" % name.encode() in container.wait_for(b"got %s\n" % name.encode())


def exit_code(started, init, command):
    container = started(init, command)
    containers.podman("wait", container.name, stdout=subprocess.DEVNULL)
    return container.exit_code()


@inits("exit-status")
def test_the_container_exits_with_the_commands_status(init, started):
    assert exit_code(started, init, ["sh", "-c", "exit 3"]) == 3


@inits("killed")
def test_a_command_killed_by_a_signal_is_128_plus_its_number(init, started):
    assert exit_code(started, init, ["sh", "-c", "kill -USR1 $$"]) == 128 + 10


def zombies(container):
    """The zombies podman exec's ps(1) sees in the container."""
    out = containers.podman("exec", container.name, "ps", "-eo", "stat=,pid=,comm=",
                            capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if line.lstrip().startswith("Z")]


@inits("zombies")
def test_podman_exec_ps_sees_no_zombie_once_orphans_have_ended(init, started):
    # A double fork: the grandchild is an orphan, PID 1's to reap once it ends.  It
    # ends once PID 1 is no longer the shell: with no init, the shell would reap it
    # before it execs the command, which the test is about.
    orphan = 'while [ "$(cat /proc/1/comm)" = sh ]; do :; done; echo orphan gone'
    container = started(init, ["sh", "-c", '(sh -c "$0" &); exec "$@"', orphan] + APP)
    container.wait_for(b"orphan gone\n", b"ready\n")
    deadline = time.monotonic() + TIMEOUT
    while zombies(container) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert zombies(container) == []


# An entrypoint script that starts a helper, then execs the init with the command.
ENTRYPOINT = BACKGROUND + 'exec "$@"'
INIT_ARGV = {"pyglibc": ["python3", "-m", "pyglibc", "run"], "catatonit": ["catatonit"],
             "tini": ["tini"], "dumb-init": ["dumb-init"], "none": []}


@inits("entrypoint-script")
def test_a_helper_an_entrypoint_script_started_before_the_init_gets_sigterm(init, started):
    container = started("none", ["sh", "-c", ENTRYPOINT, "sh"] + INIT_ARGV[init] + ["--"] + APP)
    out = container.wait_for(b"worker ready\n", b"ready\n").splitlines(True)
    assert b"worker ready\n" in out and b"ready\n" in out
    assert container.stop() < GRACE
    assert b"worker term\n" in container.logs()


@inits("pidns")
def test_pidns_in_a_container_needs_cap_sys_admin_and_says_so_in_one_line(init, started):
    command = ["sh", "-c", "echo pid $$"]
    container = started(init, command)
    containers.podman("wait", container.name, stdout=subprocess.DEVNULL)
    refused = started("none", INIT_ARGV[init] + ["--pidns", "--"] + command)
    containers.podman("wait", refused.name, stdout=subprocess.DEVNULL)
    assert refused.exit_code() == 125
    assert refused.logs().count(b"\n") == 1
    granted = started("none", INIT_ARGV[init] + ["--pidns", "--"] + command,
                      ["--cap-add", "SYS_ADMIN"])
    containers.podman("wait", granted.name, stdout=subprocess.DEVNULL)
    assert granted.exit_code() == 0
    assert granted.logs() == b"pid 2\n"


class OnTerminal:
    """``podman run -it`` on a pseudo-terminal of its own, as from a shell in a terminal:
    keys typed go to the container's terminal, and what it writes comes back."""

    def __init__(self, image, init, command, options=(), mode=INITS):
        self.name = "pyglibc-test-" + uuid.uuid4().hex[:12]
        podman_options, before = mode.get(init, INITS[init])
        self.master, slave = os.openpty()
        argv = ["podman", "--runtime", "runc", "run", "-it", "--name", self.name,
                "--network", "none", *podman_options, *options, image, *before, *command]
        env = dict(os.environ, CONTAINERS_CONF=str(containers.conf()))
        try:
            self.process = subprocess.Popen(["setsid", "--ctty"] + argv, env=env, stdin=slave,
                                            stdout=slave, stderr=slave)
        finally:
            os.close(slave)
        self.data = b""

    def read_until(self, wanted, within=TIMEOUT):
        deadline = time.monotonic() + within
        while wanted not in self.data and time.monotonic() < deadline:
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if ready:
                try:
                    self.data += os.read(self.master, 4096)
                except OSError:  # EIO: the terminal's other side is closed
                    break
        return self.data

    def type(self, keys):
        os.write(self.master, keys)

    def remove(self):
        containers.podman("rm", "--force", "--time", "0", self.name, check=False,
                          capture_output=True)
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        os.close(self.master)


# An application that counts its SIGINTs, and says how many there were on SIGUSR1.
INTERRUPTED = ["python3", "-c", """
import os, signal
seen = []
signal.signal(signal.SIGINT, lambda *args: seen.append(1))
def report(*args):
    os.write(1, b"SIGINT x%d\\n" % len(seen))
    os._exit(0)
signal.signal(signal.SIGUSR1, report)
""" + waiting_for_signals(r'b"ready\n"')]


@inits("ctrl-c")
def test_ctrl_c_on_podman_run_it_interrupts_the_command_once(init, image):
    terminal = OnTerminal(image, init, INTERRUPTED)
    try:
        assert b"ready" in terminal.read_until(b"ready")
        terminal.type(b"\x03")
        time.sleep(0.5)  # no event says the SIGINTs have all come
        containers.podman("kill", "--signal", "SIGUSR1", terminal.name,
                          stdout=subprocess.DEVNULL)
        assert b"SIGINT x1" in terminal.read_until(b"SIGINT x")
    finally:
        terminal.remove()


@inits("group-read")
def test_in_group_mode_the_command_reads_from_the_terminal(init, image):
    terminal = OnTerminal(image, init, ["sh", "-c", 'echo ready; read line; echo "read: $line"'],
                          mode=GROUP_MODE)
    try:
        assert b"ready" in terminal.read_until(b"ready")
        terminal.type(b"hello\r")
        assert b"read: hello" in terminal.read_until(b"read: hello", within=5)
    finally:
        terminal.remove()


@inits("hangup")
def test_when_the_terminal_of_podman_run_it_goes_the_command_gets_sighup(init, image):
    terminal = OnTerminal(image, init, REPORTER + ["SIGHUP"])
    try:
        assert b"ready" in terminal.read_until(b"ready")
        os.close(terminal.master)
        terminal.master = os.open(os.devnull, os.O_RDONLY)  # for remove() to close
        logs = Container.logs(terminal)
        deadline = time.monotonic() + TIMEOUT
        while b"got SIGHUP" not in logs and time.monotonic() < deadline:
            time.sleep(0.1)
            logs = Container.logs(terminal)
        assert b"got SIGHUP" in logs
    finally:
        terminal.remove()
