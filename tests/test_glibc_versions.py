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
