"""Images for the container tests: podman with runc, made offline from Debian's packages.

    python3 tools/containers.py            make (or check) the images, print their names

No registry is reachable from CI, so the base image is a root that
mmdebstrap makes from Debian's package registry (Python, cffi, tini,
dumb-init and procps), imported with ``podman import`` and kept, with the
tarball it came from, in ``$GLIBC_ROOTS`` (by default /var/cache/pyglibc-roots).
The test image is examples/Containerfile built FROM it, with the wheel of
the source tree as it is (built here; abi3, so the image's Python takes it):
the recipe of docs/containers.md, run as a user would.  Both are made once per content.

crun refuses the cgroup layout of some kernels (cgroup v1 beside an empty
v2 hierarchy) where runc works, and podman's default rlimits may be more
than an unprivileged sandbox can raise: every podman command here runs
with ``--runtime runc`` and a containers.conf of its own without them.
"""

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("GLIBC_ROOTS", "/var/cache/pyglibc-roots"))
RELEASE = "bookworm"
# What the image holds besides Python: cffi for the wheel (from Debian, so
# the build needs no network), the other inits, and ps(1) for podman exec.
PACKAGES = ["python3", "python3-venv", "python3-cffi", "tini", "dumb-init", "procps"]
BASE = "localhost/pyglibc-base:" + RELEASE
IMAGE = "localhost/pyglibc-init"
CONTAINERS_CONF = "[containers]\ndefault_ulimits = []\n"


def say(text):
    print("containers: %s" % text, flush=True)


def conf():
    """The containers.conf every podman command here uses (written once)."""
    path = CACHE / "containers.conf"
    if not path.exists() or path.read_text() != CONTAINERS_CONF:
        CACHE.mkdir(parents=True, exist_ok=True)
        path.write_text(CONTAINERS_CONF)
    return path


def podman(*args, **kwargs):
    """``podman --runtime runc ARGS``, as subprocess.run (check=True unless given)."""
    kwargs.setdefault("check", True)
    env = dict(kwargs.pop("env", os.environ), CONTAINERS_CONF=str(conf()))
    return subprocess.run(["podman", "--runtime", "runc", *args], env=env, **kwargs)


def missing():
    """Why the container tests cannot run here, or None."""
    if os.geteuid() != 0:
        return "needs root (podman with runc, images made by mmdebstrap)"
    for tool, package in (("podman", "podman"), ("runc", "runc"), ("mmdebstrap", "mmdebstrap")):
        if shutil.which(tool) is None:
            return "%s is not installed (Debian's package %s)" % (tool, package)
    return None


def _exists(image):
    return podman("image", "exists", image, check=False).returncode == 0


def ensure_base():
    """The base image: Debian's root with PACKAGES, imported once."""
    recipe = "%s %s\n" % (RELEASE, " ".join(PACKAGES))
    tarball = CACHE / ("image-%s.tar" % RELEASE)
    marker = CACHE / ("image-%s.recipe" % RELEASE)
    if not tarball.exists() or not marker.exists() or marker.read_text() != recipe:
        say("mmdebstrap %s with %s" % (RELEASE, ", ".join(PACKAGES)))
        partial = tarball.with_suffix(".partial.tar")
        subprocess.run(["mmdebstrap", "--quiet", "--variant=minbase",
                        "--include=" + ",".join(PACKAGES), RELEASE, str(partial)], check=True)
        partial.rename(tarball)
        marker.write_text(recipe)
        podman("rmi", "--force", BASE, check=False, capture_output=True)
    if not _exists(BASE):
        say("podman import %s" % BASE)
        with open(tarball, "rb") as f:
            podman("import", "--quiet", "-", BASE, stdin=f, stdout=subprocess.DEVNULL)
    return BASE


def build_wheel(where):
    """The source tree's wheel, built by this interpreter into where.

    It is built from a copy: pip writes build/ and glibc.egg-info into the
    tree it builds, where another build may be going on.
    """
    source = Path(where) / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".nox", "build", "dist", "*.egg-info", "__pycache__", "*.so"))
    try:
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                        "-w", str(where), str(source)], check=True)
    finally:
        shutil.rmtree(source)
    (wheel,) = Path(where).glob("glibc-*.whl")
    return wheel


def ensure_image():
    """examples/Containerfile built FROM the base with this tree's wheel: its name."""
    base = ensure_base()
    with tempfile.TemporaryDirectory(prefix="pyglibc-image-") as context:
        wheels = Path(context) / "wheels"
        wheels.mkdir()
        wheel = build_wheel(wheels)
        containerfile = ROOT / "examples" / "Containerfile"
        digest = hashlib.sha256(wheel.read_bytes() + containerfile.read_bytes()
                                + base.encode()).hexdigest()[:16]
        image = "%s:%s" % (IMAGE, digest)
        if not _exists(image):
            say("podman build %s" % image)
            podman("build", "--quiet", "--network", "none", "--build-arg", "BASE=" + base,
                   "--build-arg", "PIP_OPTIONS=--no-index",
                   "-f", str(containerfile), "-t", image, context, stdout=subprocess.DEVNULL)
    return image


def main():
    why = missing()
    if why:
        raise SystemExit("containers: " + why)
    print(ensure_image())


if __name__ == "__main__":
    main()
