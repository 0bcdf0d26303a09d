"""The extension links against no glibc newer than the oldest supported (2.28).

The calls glibc added later go through syscall(2) or, for the signal
names, through the arrays older glibc versions export, so one build (and
one wheel) runs on every glibc from 2.28 on.  objdump, from binutils
beside the C compiler, lists the symbol versions the extension needs.
"""

import re
import shutil
import subprocess

import pytest

import glibc._glibc
import glibc.families
from glibc._spec import OLDEST_GLIBC


def version(text):
    return tuple(int(n) for n in text.split("."))


def test_no_symbol_needs_a_glibc_newer_than_the_oldest_supported():
    if shutil.which("objdump") is None:
        pytest.skip("objdump (binutils) is not installed")
    table = subprocess.run(["objdump", "-T", glibc._glibc.__file__],
                           capture_output=True, text=True, check=True).stdout
    needed = {}
    for line in table.splitlines():
        m = re.search(r"\bGLIBC_(\d+(?:\.\d+)+)\)?\s+(\S+)$", line)
        if m and "*UND*" in line:
            needed[m.group(2)] = m.group(1)
    assert needed, "objdump listed no glibc symbol: the pattern is wrong"
    newer = {name: v for name, v in needed.items() if version(v) > version(OLDEST_GLIBC)}
    assert newer == {}


def libc_path():
    with open("/proc/self/maps") as f:
        for line in f:
            if re.search(r"/libc\.so\.6$", line.strip()):
                return line.split()[-1]
    pytest.skip("this process maps no libc.so.6")


def test_a_function_glibc_added_after_the_oldest_supported_says_since_when():
    # python -m glibc and the README say which glibc added a call that ours makes
    # itself; the libc running the tests says it for each name it exports.
    if shutil.which("objdump") is None:
        pytest.skip("objdump (binutils) is not installed")
    table = subprocess.run(["objdump", "-T", libc_path()],
                           capture_output=True, text=True, check=True).stdout
    since = {}
    for line in table.splitlines():
        m = re.search(r"\bGLIBC_(\d+(?:\.\d+)+)\)?\s+(\S+)$", line)
        if m and "*UND*" not in line:
            name, added = m.group(2), version(m.group(1))
            since[name] = min(since.get(name, added), added)
    assert "epoll_wait" in since, "objdump listed no glibc function: the pattern is wrong"
    stated = {f.name: f.glibc for family in glibc.families.load() for f in family.functions
              if f.public}
    newer = {name: ".".join(map(str, since[name])) for name in stated
             if name in since and since[name] > version(OLDEST_GLIBC)}
    assert newer, "this glibc added nothing the tables bind: nothing was checked"
    assert {name: stated[name] for name in newer} == newer
