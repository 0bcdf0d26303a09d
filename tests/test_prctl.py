"""prctl(2): the thread's name, the parent-death signal and the child subreaper flag."""

import signal
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glibc import (
    PR_GET_CHILD_SUBREAPER,
    PR_GET_NAME,
    PR_GET_PDEATHSIG,
    PR_SET_CHILD_SUBREAPER,
    PR_SET_NAME,
    PR_SET_PDEATHSIG,
    ffi,
    prctl,
)

# prctl(2): a name is at most 16 bytes with its NUL (TASK_COMM_LEN).
NAME_SIZE = 16


def comm_path():
    return "/proc/self/task/%d/comm" % threading.get_native_id()


def comm():
    with open(comm_path()) as f:
        return f.read().rstrip("\n")


def get_name():
    buf = bytearray(NAME_SIZE)
    assert prctl(PR_GET_NAME, buf) == 0
    return bytes(buf).split(b"\0", 1)[0].decode()


@pytest.fixture
def thread_name():
    """The thread's name is put back (through /proc, not prctl) at the end."""
    original = comm()
    yield original
    with open(comm_path(), "w") as f:
        f.write(original)


@pytest.fixture
def int_out():
    return ffi.new("int *")


def test_pr_get_name_reads_what_proc_shows(thread_name):
    assert get_name() == thread_name


@pytest.mark.parametrize("name", ["glibc-test", b"glibc-test", bytearray(b"glibc-test")])
def test_pr_set_name_takes_str_or_bytes(name, thread_name):
    assert prctl(PR_SET_NAME, name) == 0
    assert comm() == "glibc-test"
    assert get_name() == "glibc-test"


def test_pr_set_name_keeps_fifteen_bytes(thread_name):
    prctl(PR_SET_NAME, "a-name-longer-than-fifteen-bytes")
    assert comm() == "a-name-longer-t"
    buf = bytearray(NAME_SIZE)
    prctl(PR_GET_NAME, buf)
    assert buf == b"a-name-longer-t\0"


def test_pr_get_name_into_a_cdata(thread_name):
    prctl(PR_SET_NAME, b"from-cdata")
    buf = ffi.new("char[]", NAME_SIZE)
    assert prctl(PR_GET_NAME, buf) == 0
    assert ffi.string(buf) == b"from-cdata"


@settings(max_examples=40, deadline=None, database=None)
@given(name=st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1,
                    max_size=NAME_SIZE - 1))
def test_pr_set_name_then_pr_get_name_round_trips(name):
    original = comm()
    try:
        prctl(PR_SET_NAME, name)
        assert get_name() == name == comm()
    finally:
        with open(comm_path(), "w") as f:
            f.write(original)


def test_pr_get_name_with_fifteen_bytes_is_refused(thread_name):
    with pytest.raises(ValueError, match="prctl: arg2 must have room for 16 bytes, not 15"):
        prctl(PR_GET_NAME, bytearray(NAME_SIZE - 1))
    with pytest.raises(ValueError, match="prctl: arg2"):
        prctl(PR_GET_NAME, ffi.new("char[]", NAME_SIZE - 1))


def test_pr_get_name_into_read_only_bytes_is_a_type_error():
    with pytest.raises(TypeError, match="prctl: arg2"):
        prctl(PR_GET_NAME, bytes(NAME_SIZE))


def test_pr_get_pdeathsig_into_an_int(int_out):
    int_out[0] = -1
    assert prctl(PR_GET_PDEATHSIG, int_out) == 0
    original = int_out[0]
    assert original in signal.valid_signals() or original == 0
    try:
        # SIGCHLD is ignored by default: harmless should the parent die meanwhile.
        assert prctl(PR_SET_PDEATHSIG, signal.SIGCHLD) == 0
        prctl(PR_GET_PDEATHSIG, int_out)
        assert int_out[0] == signal.SIGCHLD
    finally:
        prctl(PR_SET_PDEATHSIG, original)
    prctl(PR_GET_PDEATHSIG, int_out)
    assert int_out[0] == original


def test_pr_set_child_subreaper_round_trip(int_out):
    try:
        assert prctl(PR_SET_CHILD_SUBREAPER, 1) == 0
        assert prctl(PR_GET_CHILD_SUBREAPER, int_out) == 0
        assert int_out[0] == 1
    finally:
        prctl(PR_SET_CHILD_SUBREAPER, 0)
    prctl(PR_GET_CHILD_SUBREAPER, int_out)
    assert int_out[0] == 0


def test_an_int_where_a_pointer_is_needed_is_a_type_error():
    with pytest.raises(TypeError, match="prctl: arg2 .* is a pointer"):
        prctl(PR_GET_PDEATHSIG, 0)


def test_a_buffer_where_a_number_is_needed_is_a_type_error():
    with pytest.raises(TypeError, match="prctl: arg2 must be an int"):
        prctl(PR_SET_CHILD_SUBREAPER, bytearray(4))


def test_a_pointer_of_the_wrong_size_is_refused():
    with pytest.raises(ValueError, match="prctl: arg2"):
        prctl(PR_GET_PDEATHSIG, ffi.new("char[]", 2))


def test_null_where_a_pointer_is_needed_is_a_value_error():
    # As for every other function: NULL is a value the type allows, but not here.
    with pytest.raises(ValueError, match="prctl: arg2"):
        prctl(PR_GET_NAME, ffi.NULL)


def test_an_unknown_option_is_einval(raises_errno):
    with raises_errno("prctl", "EINVAL"):
        prctl(0x7FFF_FFFF)
