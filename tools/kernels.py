"""The suite under a real Debian kernel, booted by qemu, with a pure cgroup v2 hierarchy.

    python3 tools/kernels.py                          both kernels, the accounting tests
    python3 tools/kernels.py bullseye -- tests/test_pyglibc_accounting.py -k cgroup
    python3 tools/kernels.py bookworm --shell-command 'cat /proc/self/cgroup'
    python3 tools/kernels.py --prepare                only make the roots that are missing

This machine's cgroups may be hybrid (memory, pids and cpu bound to cgroup
v1 hierarchies) or delegated by someone else, so ``--cgroup``'s limits
would never meet a real controller.  Here each kernel boots in a virtual
machine where our own /pyglibc-init is PID 1 and mounts cgroup2 alone on
/sys/fs/cgroup (``cgroup_no_v1=all``), every controller offered in its root;
the tests run as root, children of that init, which reaps what they orphan.

The kernels are Debian's: bookworm's Linux 6.1 (cgroup.kill, and
CLONE_INTO_CGROUP) and bullseye's 5.10 (CLONE_INTO_CGROUP, but no
cgroup.kill, which came in 5.14: the supervisor kills by rounds of
SIGKILL).  Each runs from a root that tools/distros.py makes once and keeps
in its cache (``kernel-bookworm``, ``kernel-bullseye``): its own root with
linux-image-amd64 and initramfs-tools besides, and the venv with the build
and test requirements, made there while the network is at hand (the
virtual machine has none).

Each run copies the source tree into the root, makes an ext4 image of it
(mkfs.ext4 -d, in a scratch directory, removed afterwards), and boots the
root's kernel and initramfs on it, under KVM where /dev/kvm works and TCG
(every instruction emulated, many times slower) where it does not.  The init
installs from source (-Werror), runs ``--verify`` and pytest as
tools/distros.py does, prints pytest's exit status on a line of its own and
powers the machine off; this script streams the console and exits with
that status.

Making a root takes a minute or two, once; the image (some 2 GB, sparse)
4 s.  On a 2-core machine whose KVM is nested and cannot run a kernel (so
20 s go to finding that out, once a run), under TCG: the boot to our init
7 to 9 s, the install 70 to 90 s (gcc emulated), the accounting tests 40 s;
some 2 min a kernel in all.  Where KVM works, the boot and the install
should take seconds.
"""

import argparse
import os
import platform
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import distros  # tools/, this script's directory, is first on sys.path

# The kernels booted, by the release they come from.
KERNELS = {
    "bookworm": "Linux 6.1: cgroup.kill and CLONE_INTO_CGROUP",
    "bullseye": "Linux 5.10: CLONE_INTO_CGROUP, no cgroup.kill (5.14)",
}
# Beside distros.PACKAGES: the kernel and an initramfs that finds a virtio
# disk (MODULES=most has virtio_blk and ext4), mount and ip for the init.
INCLUDE = ("linux-image-amd64", "initramfs-tools", "mount", "iproute2")
DEFAULT_TESTS = ["tests/test_pyglibc_accounting.py"]
# The machine: the root's size plus room for the build and what the tests write.
SLACK = 768 << 20
MEMORY = "2G"
# What the init prints last, pytest's (or the command's) exit status after it.
MARKER = "pyglibc-kernels: exit status "
# How long a kernel may take under KVM to boot and panic for want of an init.
KVM_PROBE = 20

# PID 1.  The initramfs has moved its /dev, /proc, /sys and /run onto the
# root; what is not mounted yet is.  The step runs as a child: the shell's
# wait (waitpid(-1) underneath) reaps the orphans handed to PID 1 meanwhile,
# and the last wait those left when it ends.
INIT = """#!/bin/sh
echo  # the console's line so far, the BIOS's last, has no end
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mounted() {{ mountpoint -q "$2" || mount -t "$1" "$1" "$2"; }}
mounted proc /proc
mounted sysfs /sys
mounted devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mounted devpts /dev/pts
mounted tmpfs /dev/shm
mounted tmpfs /run
mounted tmpfs /tmp
mounted cgroup2 /sys/fs/cgroup
ip link set lo up
echo "pyglibc-init: Linux $(uname -r), $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "pyglibc-init: /sys/fs/cgroup/cgroup.controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
grep -E ' - cgroup2? ' /proc/self/mountinfo | sed 's/^/pyglibc-init: mounted: /'
echo "pyglibc-init: the step starts, $(cut -d' ' -f1 /proc/uptime) s after the boot"
/usr/bin/env -i PATH=/usr/bin:/bin HOME=/root {env} sh /pyglibc-step </dev/null &
wait $!
status=$?
wait
echo "pyglibc-init: the step ended, $(cut -d' ' -f1 /proc/uptime) s after the boot"
echo "{marker}$status"
sync
echo o > /proc/sysrq-trigger
# The power-off comes a moment later: meanwhile nothing is read from the disk,
# which goes first, and PID 1 does not end, which would be a panic.
while :; do :; done
"""
# Instead of pytest: the install, then a command of one's own.
COMMAND = """set -e
{install} 2>&1 | grep -v "Running pip as the" || true
rm -rf /tmp/scratch && mkdir /tmp/scratch && cd /tmp/scratch
export PATH=/venv/bin:$PATH
set +e
sh -c {command}
"""
CMDLINE = ("root=/dev/vda rootfstype=ext4 rw fsck.mode=skip console=ttyS0 quiet panic=-1 "
           "init=/pyglibc-init cgroup_no_v1=all")


def say(text):
    print("kernels: %s" % text, flush=True)


def ensure_tools():
    """qemu-system-x86_64 and mkfs.ext4, from Debian where they are missing."""
    distros.ensure_commands({"qemu-system-x86_64": "qemu-system-x86", "mkfs.ext4": "e2fsprogs"})


def ensure_root(release):
    """The kernel root of release (made once, kept in distros' cache): (root, vmlinuz, initrd)."""
    root = distros.ensure_root(release, "kernel-" + release, INCLUDE)
    kernels = sorted((root / "boot").glob("vmlinuz-*"))
    if len(kernels) != 1:
        raise SystemExit("kernels: %s: %d kernels in %s/boot, not one"
                         % (release, len(kernels), root))
    version = kernels[0].name[len("vmlinuz-"):]
    initrd = root / "boot" / ("initrd.img-" + version)
    if not initrd.exists():
        raise SystemExit("kernels: %s: no %s" % (release, initrd))
    return root, kernels[0], initrd


def kvm_works(kernel, initrd):
    """Whether KVM runs kernel here, and faster than TCG would.

    /dev/kvm may be there and make virtual machines that run a BIOS, yet
    run a kernel at a crawl (nested under another hypervisor, a kernel has
    been seen still decompressing itself after 5 min, where TCG boots it in
    8 s).  So the kernel itself is booted, with an init it cannot find: it
    panics and, with panic=-1 and -no-reboot, qemu ends.  Under KVM that
    takes a second or two; KVM_PROBE seconds are the most it may.
    """
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return False
    argv = ["qemu-system-x86_64", "-accel", "kvm", "-cpu", "host", "-m", "512M", "-smp", "1",
            "-display", "none", "-no-reboot", "-monitor", "none", "-serial", "none",
            "-nic", "none", "-kernel", str(kernel), "-initrd", str(initrd),
            "-append", "panic=-1 quiet rdinit=/pyglibc-no-init"]
    try:
        subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=KVM_PROBE)
    except subprocess.TimeoutExpired:
        return False
    return True


def make_image(root, image):
    """An ext4 image of root, as large as root plus SLACK (a sparse file)."""
    used = int(subprocess.run(["du", "-sb", "--apparent-size", str(root)], check=True,
                              capture_output=True, text=True).stdout.split()[0])
    size = (used * 5 // 4 + SLACK) >> 20
    distros.run(["mkfs.ext4", "-q", "-F", "-L", "pyglibc", "-d", str(root), str(image),
                 "%dM" % size], stdout=subprocess.DEVNULL)
    return size


# The accelerator auto chose, once for all the kernels of a run.
_chosen = {}


def accelerator(choice, kernel, initrd):
    """qemu's options for choice: kvm, tcg, or auto (KVM if it boots kernel here, else TCG)."""
    if choice == "auto":
        if not _chosen:
            started = time.monotonic()
            _chosen["auto"] = "kvm" if kvm_works(kernel, initrd) else "tcg"
            say("KVM %s: %s" % (
                "booted a kernel to a panic in %.1f s" % (time.monotonic() - started)
                if _chosen["auto"] == "kvm" else
                "did not boot a kernel to a panic in %d s" % KVM_PROBE, _chosen["auto"].upper()))
        choice = _chosen["auto"]
    return ["-accel", choice, "-cpu", "host" if choice == "kvm" else "max"]


def boot(release, kernel, initrd, image, accel, timeout):
    """Boot kernel on image, the console streamed here: the status the init printed, else None."""
    argv = ["qemu-system-x86_64", *accel, "-m", MEMORY, "-smp", "2", "-nographic",
            "-no-reboot", "-monitor", "none", "-serial", "stdio",
            "-kernel", str(kernel), "-initrd", str(initrd), "-append", CMDLINE,
            "-drive", "file=%s,format=raw,if=virtio,cache=unsafe" % image,
            "-nic", "none"]
    say("%s: %s under %s" % (release, kernel.name, accel[1].upper()))
    found = []
    qemu = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)

    def stream():
        for raw in qemu.stdout:
            # The serial console ends its lines with CRLF, and colours some.
            line = re.sub(r"\x1b(\[[0-9;?]*)?[a-zA-Z]", "", raw.decode(errors="replace"))
            line = line.rstrip("\r\n").replace("\r", "")
            if line.startswith(MARKER):
                found.append(int(line[len(MARKER):]))
            print("%s| %s" % (release, line), flush=True)

    reader = threading.Thread(target=stream, daemon=True)
    reader.start()
    try:
        qemu.wait(timeout)
    except subprocess.TimeoutExpired:
        qemu.kill()
        qemu.wait()
        reader.join(5)
        say("%s: TIMEOUT: no power-off after %d s, qemu killed" % (release, timeout))
        return None
    reader.join(5)
    if not found:
        say("%s: qemu ended (status %d) before the init said how the run went"
            % (release, qemu.returncode))
    return found[-1] if found else None


def run_in(release, step, accel, timeout):
    """Boot release's kernel on a fresh image of its root, step run by the init; passed?"""
    start = time.monotonic()
    root, kernel, initrd = ensure_root(release)
    distros.copy_source(root)
    env = " ".join("%s=%s" % pair for pair in (("GLIBC_WERROR", "1"),
                                                ("GLIBC_TEST_INSTALLED", "1")))
    init = root / "pyglibc-init"
    init.write_text(INIT.format(env=env, marker=MARKER))
    init.chmod(0o755)
    (root / "pyglibc-step").write_text(step)
    with tempfile.TemporaryDirectory(prefix="kernels-") as scratch:
        image = Path(scratch) / "root.ext4"
        made = time.monotonic()
        size = make_image(root, image)
        booted = time.monotonic()
        say("%s: image of %d MiB in %.1f s" % (release, size, booted - made))
        status = boot(release, kernel, initrd, image, accelerator(accel, kernel, initrd),
                      timeout)
        ended = time.monotonic()
    say("%s: %s; boot and run %.0f s, all %.0f s" % (
        release, "ok" if status == 0 else "FAILED (%s)" % (
            "exit status %d" % status if status is not None else "no exit status"),
        ended - booted, ended - start))
    return status == 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    cut = argv.index("--") if "--" in argv else len(argv)
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        usage="%(prog)s [--prepare] [--accel A] [--timeout S] [--shell-command CMD] [RELEASE ...]"
              " [-- PYTEST_ARG ...]")
    parser.add_argument("releases", nargs="*", metavar="RELEASE",
                        help="whose kernel to boot, of %s (default: all)" % ", ".join(KERNELS))
    parser.add_argument("--prepare", action="store_true",
                        help="only make the roots that are missing, for the runs to come")
    parser.add_argument("--shell-command", metavar="CMD",
                        help="run CMD with sh in the machine instead of --verify and pytest "
                             "(after the install, /venv/bin first on PATH)")
    parser.add_argument("--accel", choices=("auto", "kvm", "tcg"), default="auto",
                        help="KVM, or TCG (emulated); auto (the default): KVM if it boots a "
                             "kernel here in %d s" % KVM_PROBE)
    parser.add_argument("--timeout", type=float, default=1200, metavar="SECONDS",
                        help="from the boot to the power-off (default: %(default)d)")
    args = parser.parse_args(argv[:cut])
    unknown = set(args.releases) - set(KERNELS)
    if unknown:
        parser.error("unknown releases %s (known: %s)" % (sorted(unknown), ", ".join(KERNELS)))
    if platform.machine() != "x86_64":
        raise SystemExit("kernels: boots Debian's amd64 kernels: needs an x86_64 machine")
    if os.geteuid() != 0:
        raise SystemExit("kernels: needs root (mmdebstrap, chroot, a root's files in an image)")
    releases = args.releases or list(KERNELS)
    if args.prepare:
        for release in releases:
            ensure_root(release)
        return 0
    ensure_tools()
    if args.shell_command is not None:
        step = COMMAND.format(install=distros.FROM_SOURCE,
                              command=distros._quote(args.shell_command))
    else:
        # Paths under tests/ are the root's copy.
        pytest_args = ["/src/" + a if a == "tests" or a.startswith("tests/") else a
                       for a in argv[cut + 1:] or DEFAULT_TESTS]
        if not any(a.startswith("/src/tests") for a in pytest_args):
            pytest_args += ["/src/" + a for a in DEFAULT_TESTS]
        step = distros.TEST.format(install=distros.FROM_SOURCE, venv="/venv",
                                   args=" ".join(map(distros._quote, pytest_args)))
    failed = [release for release in releases
              if not run_in(release, step, args.accel, args.timeout)]
    if failed:
        raise SystemExit("kernels: failed under the kernel of %s" % ", ".join(failed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
