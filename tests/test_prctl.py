"""prctl(2): the options, their pointer arguments, and what each one changes."""

import ctypes
import errno
import mmap
import os
import signal
import threading

import kernelkit
import pytest
from hypothesis import given, settings, strategies as st

import capkit
import glibc
from children import in_child
from glibc import (
    CAP_CHECKPOINT_RESTORE,
    CAP_LAST_CAP,
    CAP_NET_BIND_SERVICE,
    CAP_NET_RAW,
    CAP_SETPCAP,
    CAP_SYS_ADMIN,
    CAP_SYS_BOOT,
    CAP_SYS_RESOURCE,
    PR_CAP_AMBIENT,
    PR_CAP_AMBIENT_CLEAR_ALL,
    PR_CAP_AMBIENT_IS_SET,
    PR_CAP_AMBIENT_RAISE,
    PR_CAPBSET_DROP,
    PR_CAPBSET_READ,
    PR_GET_CHILD_SUBREAPER,
    PR_GET_DUMPABLE,
    PR_GET_KEEPCAPS,
    PR_GET_NAME,
    PR_GET_NO_NEW_PRIVS,
    PR_GET_PDEATHSIG,
    PR_GET_SECCOMP,
    PR_GET_SECUREBITS,
    PR_GET_TID_ADDRESS,
    PR_GET_TIMERSLACK,
    PR_SET_CHILD_SUBREAPER,
    PR_SET_DUMPABLE,
    PR_SET_KEEPCAPS,
    PR_SET_MM,
    PR_SET_MM_AUXV,
    PR_SET_MM_MAP,
    PR_SET_MM_MAP_SIZE,
    PR_SET_MM_START_BRK,
    PR_SET_NAME,
    PR_SET_NO_NEW_PRIVS,
    PR_SET_PDEATHSIG,
    PR_SET_SECCOMP,
    PR_SET_SECUREBITS,
    PR_SET_TIMERSLACK,
    PR_SET_TIMING,
    PR_TIMING_TIMESTAMP,
    SECBIT_KEEP_CAPS,
    capset,
    ffi,
    prctl,
)

# prctl(2): a name is at most 16 bytes with its NUL (TASK_COMM_LEN).
NAME_SIZE = 16

# qemu-user refuses PR_SET_MM and PR_GET_SECCOMP before they reach the kernel.
answered_by_the_emulator = kernelkit.not_emulated(
    "answers PR_SET_MM and PR_GET_SECCOMP with EINVAL")


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


# -- more options, each checked against /proc or its effect -------------------------------
# What cannot be undone (no_new_privs, a dropped capability) runs in a forked child.

def proc_status(key, pid="self"):
    with open("/proc/%s/status" % pid) as f:
        for line in f:
            name, _, value = line.partition(":")
            if name == key:
                return value.strip()
    raise LookupError(key)


def test_pr_set_dumpable_round_trip():
    before = prctl(PR_GET_DUMPABLE)
    try:
        assert prctl(PR_SET_DUMPABLE, 0) == 0
        assert prctl(PR_GET_DUMPABLE) == 0
        assert prctl(PR_SET_DUMPABLE, 1) == 0
        assert prctl(PR_GET_DUMPABLE) == 1
    finally:
        prctl(PR_SET_DUMPABLE, before)


def test_pr_set_dumpable_2_is_einval(raises_errno):
    # prctl(2): 2 (SUID_DUMP_ROOT) may be read but never set.
    with raises_errno("prctl", "EINVAL"):
        prctl(PR_SET_DUMPABLE, 2)


def test_pr_set_timerslack_is_what_proc_shows():
    before = prctl(PR_GET_TIMERSLACK)
    try:
        assert prctl(PR_SET_TIMERSLACK, 123_456) == 0
        assert prctl(PR_GET_TIMERSLACK) == 123_456
        with open("/proc/%d/timerslack_ns" % threading.get_native_id()) as f:
            assert int(f.read()) == 123_456
    finally:
        prctl(PR_SET_TIMERSLACK, before)


def no_new_privs():
    before = prctl(PR_GET_NO_NEW_PRIVS), proc_status("NoNewPrivs")
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    return before, (prctl(PR_GET_NO_NEW_PRIVS), proc_status("NoNewPrivs"))


def test_pr_set_no_new_privs_in_a_child():
    # Already 1 when the suite runs under a seccomp filter (tools/old_kernel.py).
    start = prctl(PR_GET_NO_NEW_PRIVS)
    assert in_child(no_new_privs) == ((start, str(start)), (1, "1"))
    assert prctl(PR_GET_NO_NEW_PRIVS) == start


def test_pr_set_no_new_privs_with_0_is_einval(raises_errno):
    with raises_errno("prctl", "EINVAL"):
        prctl(PR_SET_NO_NEW_PRIVS, 0)


def test_pr_set_keepcaps_round_trip():
    before = prctl(PR_GET_KEEPCAPS)
    try:
        prctl(PR_SET_KEEPCAPS, 1)
        assert prctl(PR_GET_KEEPCAPS) == 1
    finally:
        prctl(PR_SET_KEEPCAPS, before)
    assert prctl(PR_GET_KEEPCAPS) == before


def test_pr_capbset_read_is_the_bounding_set_proc_shows():
    bounding = capkit.proc_caps()["CapBnd"]
    for cap in range(CAP_LAST_CAP + 1):
        assert prctl(PR_CAPBSET_READ, cap) == bounding >> cap & 1


def test_pr_capbset_read_of_no_capability_is_einval(raises_errno):
    with raises_errno("prctl", "EINVAL"):
        prctl(PR_CAPBSET_READ, 1000)


def drop_from_the_bounding_set(cap):
    prctl(PR_CAPBSET_DROP, cap)
    return prctl(PR_CAPBSET_READ, cap), capkit.proc_caps()["CapBnd"] >> cap & 1


@pytest.mark.skipif(not capkit.has(CAP_SETPCAP), reason="PR_CAPBSET_DROP needs CAP_SETPCAP")
def test_pr_capbset_drop_in_a_child():
    assert in_child(drop_from_the_bounding_set, CAP_NET_RAW) == (0, 0)


def test_pr_capbset_drop_without_cap_setpcap_is_eperm(raises_errno):
    def drop():
        capkit.lacking(CAP_SETPCAP)
        prctl(PR_CAPBSET_DROP, CAP_NET_RAW)
    with raises_errno("prctl", "EPERM"):
        in_child(drop)


def ambient(cap):
    header, data = capkit.read()
    word, bit = divmod(cap, 32)
    data[word].inheritable |= 1 << bit
    capset(header, data)
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap)
    raised = prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap), capkit.proc_caps()["CapAmb"]
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
    return raised, (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap), capkit.proc_caps()["CapAmb"])


@pytest.mark.skipif(not capkit.has(CAP_NET_BIND_SERVICE, "CapPrm"),
                    reason="needs CAP_NET_BIND_SERVICE in the permitted set")
def test_pr_cap_ambient_raise_and_clear_in_a_child():
    raised, cleared = in_child(ambient, CAP_NET_BIND_SERVICE)
    assert raised == (1, 1 << CAP_NET_BIND_SERVICE)
    assert cleared == (0, 0)


def test_pr_cap_ambient_raise_of_a_non_inheritable_capability_is_eperm(raises_errno):
    # capabilities(7): an ambient capability must be permitted and inheritable.
    assert not capkit.has(CAP_SYS_BOOT, "CapInh")
    with raises_errno("prctl", "EPERM"):
        in_child(prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_SYS_BOOT)


def keep_caps_through_securebits():
    before = prctl(PR_GET_KEEPCAPS)
    prctl(PR_SET_SECUREBITS, prctl(PR_GET_SECUREBITS) | SECBIT_KEEP_CAPS)
    return before, prctl(PR_GET_SECUREBITS) & SECBIT_KEEP_CAPS, prctl(PR_GET_KEEPCAPS)


@pytest.mark.skipif(not capkit.has(CAP_SETPCAP), reason="PR_SET_SECUREBITS needs CAP_SETPCAP")
def test_secbit_keep_caps_is_pr_get_keepcaps():
    # capabilities(7): PR_SET_KEEPCAPS is the SECBIT_KEEP_CAPS securebit.
    assert in_child(keep_caps_through_securebits) == (0, SECBIT_KEEP_CAPS, 1)


def test_pr_get_tid_address_points_at_the_thread_id():
    # glibc gives set_tid_address(2) the thread's own TID field, which the
    # kernel clears when the thread ends; it holds the TID meanwhile.
    address = ffi.new("int **")
    try:
        assert prctl(PR_GET_TID_ADDRESS, address) == 0
    except OSError as exc:
        if exc.errno == errno.EINVAL:
            pytest.skip("the kernel lacks CONFIG_CHECKPOINT_RESTORE")
        raise
    assert address[0] != ffi.NULL
    assert address[0][0] == threading.get_native_id()


@answered_by_the_emulator
def test_pr_set_mm_map_size_writes_through_arg3():
    size = ffi.new("unsigned int *")
    assert prctl(PR_SET_MM, PR_SET_MM_MAP_SIZE, size) == 0
    assert size[0] == glibc.prctl_mm_map.size


def test_pr_set_mm_map_size_with_an_int_is_a_type_error():
    with pytest.raises(TypeError, match="prctl: arg3 of option %d is a pointer" % PR_SET_MM):
        prctl(PR_SET_MM, PR_SET_MM_MAP_SIZE, 0)


def proc_stat(number):
    """Field ``number`` of /proc/self/stat, as proc(5) numbers them (1 is the pid)."""
    with open("/proc/self/stat", "rb") as f:
        # Field 3 starts after the command name, which may hold spaces, in "()".
        return int(f.read().rsplit(b")", 1)[1].split()[number - 3])


def current_mm_map():
    """A struct prctl_mm_map that holds this process's values, as /proc/self/stat shows them."""
    field = {n: proc_stat(n) for n in (26, 27, 28, 45, 46, 47, 48, 49, 50, 51)}
    sbrk = ctypes.CDLL(None).sbrk
    sbrk.restype = ctypes.c_void_p
    return glibc.prctl_mm_map({
        "start_code": field[26], "end_code": field[27], "start_stack": field[28],
        "start_data": field[45], "end_data": field[46], "start_brk": field[47],
        "brk": sbrk(0), "arg_start": field[48], "arg_end": field[49],
        "env_start": field[50], "env_end": field[51],
        "exe_fd": 0xFFFFFFFF,  # (u32)-1: keep /proc/self/exe as it is (kernel/sys.c)
    })


def cut_cmdline_to_argv0():
    with open("/proc/self/cmdline", "rb") as f:
        argv0 = f.read().split(b"\0")[0]
    mm = current_mm_map()
    mm.arg_end = mm.arg_start + len(argv0) + 1
    result = prctl(PR_SET_MM, PR_SET_MM_MAP, mm)  # arg4 None: sizeof(struct prctl_mm_map)
    with open("/proc/self/cmdline", "rb") as f:
        return result, f.read(), argv0


@answered_by_the_emulator
def test_pr_set_mm_map_moves_the_end_of_the_command_line():
    result, cmdline, argv0 = in_child(cut_cmdline_to_argv0)
    assert result == 0
    assert cmdline == argv0 + b"\0"


def test_pr_set_mm_map_with_a_size_beyond_the_buffer_is_refused():
    mm = glibc.prctl_mm_map()
    with pytest.raises(ValueError, match="prctl: arg3 has %d bytes, fewer than the size %d in arg4"
                                         % (glibc.prctl_mm_map.size, glibc.prctl_mm_map.size + 8)):
        prctl(PR_SET_MM, PR_SET_MM_MAP, mm, glibc.prctl_mm_map.size + 8)
    with pytest.raises(ValueError, match="prctl: arg3 has 16 bytes, fewer than the size 32"):
        prctl(PR_SET_MM, PR_SET_MM_AUXV, bytes(16), 32)


@answered_by_the_emulator
def test_pr_set_mm_without_cap_sys_resource_is_eperm(raises_errno):
    def set_start_brk():
        capkit.lacking(CAP_SYS_RESOURCE)
        prctl(PR_SET_MM, PR_SET_MM_START_BRK, proc_stat(47))
    with raises_errno("prctl", "EPERM"):
        in_child(set_start_brk)


def exe_file_from_a_closed_fd():
    mm = current_mm_map()
    mm.exe_fd = os.open("/dev/null", os.O_RDONLY)
    os.close(mm.exe_fd)
    prctl(PR_SET_MM, PR_SET_MM_MAP, mm)


@answered_by_the_emulator
@pytest.mark.skipif(not (capkit.has(CAP_SYS_ADMIN) or capkit.has(CAP_CHECKPOINT_RESTORE)),
                    reason="a new exe_fd needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE")
def test_pr_set_mm_map_with_a_closed_exe_fd_is_ebadf(raises_errno):
    with raises_errno("prctl", "EBADF"):
        in_child(exe_file_from_a_closed_fd)


@answered_by_the_emulator
def test_pr_get_seccomp_is_proc_seccomp():
    assert prctl(PR_GET_SECCOMP) == int(proc_status("Seccomp"))


def test_a_seccomp_filter_pointer_is_refused():
    with pytest.raises(ValueError, match="prctl: arg3 of option %d points to a struct sock_fprog"
                                         % PR_SET_SECCOMP):
        prctl(PR_SET_SECCOMP, 2, 0x1000)


def test_an_unknown_seccomp_mode_is_einval(raises_errno):
    with raises_errno("prctl", "EINVAL"):
        prctl(PR_SET_SECCOMP, 0x7FFF)


@pytest.mark.skipif(not hasattr(glibc, "PR_SET_SYSCALL_USER_DISPATCH"),
                    reason="the headers lack PR_SET_SYSCALL_USER_DISPATCH")
def test_a_syscall_user_dispatch_selector_is_refused():
    with pytest.raises(ValueError, match="prctl: arg5 .* a selector byte"):
        prctl(glibc.PR_SET_SYSCALL_USER_DISPATCH, glibc.PR_SYS_DISPATCH_ON, 0, 0, 0x1000)


def test_an_unknown_option_with_arguments_is_refused():
    # Its pointers are unknown, so nothing but zeros reaches the kernel.
    with pytest.raises(ValueError, match="prctl: option 2147483647 is not defined by the headers"):
        prctl(0x7FFF_FFFF, 1)


@pytest.mark.skipif(not hasattr(glibc, "PR_SET_VMA"), reason="the headers lack PR_SET_VMA")
def test_pr_set_vma_anon_name_names_a_mapping():
    with mmap.mmap(-1, mmap.PAGESIZE) as m, ffi.from_buffer(m) as buf:
        start = int(ffi.cast("uintptr_t", buf))
        with pytest.raises(TypeError, match="prctl: arg5 of option .* is a pointer"):
            prctl(glibc.PR_SET_VMA, glibc.PR_SET_VMA_ANON_NAME, start, len(m), 0x1000)
        try:
            prctl(glibc.PR_SET_VMA, glibc.PR_SET_VMA_ANON_NAME, start, len(m), "glibc-test")
        except OSError as exc:
            if exc.errno == errno.EINVAL:
                pytest.skip("the kernel lacks CONFIG_ANON_VMA_NAME")
            raise
        with open("/proc/self/maps") as f:
            assert any(line.startswith("%x-" % start) and "[anon:glibc-test]" in line for line in f)
        prctl(glibc.PR_SET_VMA, glibc.PR_SET_VMA_ANON_NAME, start, len(m), None)
        with open("/proc/self/maps") as f:
            assert "[anon:glibc-test]" not in f.read()


@pytest.mark.skipif(not hasattr(glibc, "PR_SCHED_CORE"), reason="the headers lack PR_SCHED_CORE")
def test_pr_sched_core_get_writes_a_64_bit_cookie():
    with pytest.raises(ValueError, match="prctl: arg5 must have room for 8 bytes, not 4"):
        prctl(glibc.PR_SCHED_CORE, glibc.PR_SCHED_CORE_GET, 0,
              glibc.PR_SCHED_CORE_SCOPE_THREAD, ffi.new("uint32_t *"))
    cookie = ffi.new("uint64_t *", 1)
    try:
        prctl(glibc.PR_SCHED_CORE, glibc.PR_SCHED_CORE_GET, 0, glibc.PR_SCHED_CORE_SCOPE_THREAD,
              cookie)
    except OSError as exc:
        if exc.errno == errno.EINVAL:
            pytest.skip("the kernel lacks CONFIG_SCHED_CORE")
        raise
    assert cookie[0] == 0  # no core-scheduling group was made


@pytest.mark.skipif(not hasattr(glibc, "PR_GET_AUXV"), reason="the headers lack PR_GET_AUXV")
def test_pr_get_auxv_copies_the_auxiliary_vector():
    size = prctl(glibc.PR_GET_AUXV, None)  # NULL and size 0: how much there is
    buf = bytearray(size)
    assert prctl(glibc.PR_GET_AUXV, buf) == size
    words = memoryview(buf).cast("L")
    pairs = dict(zip(words[0::2], words[1::2]))
    assert pairs[6] == mmap.PAGESIZE  # AT_PAGESZ, getauxval(3)


def test_pr_get_speculation_ctrl_has_the_prctl_bit_or_not_affected():
    if not hasattr(glibc, "PR_GET_SPECULATION_CTRL"):
        pytest.skip("the headers lack PR_GET_SPECULATION_CTRL")
    state = prctl(glibc.PR_GET_SPECULATION_CTRL, glibc.PR_SPEC_STORE_BYPASS)
    mode = proc_status("Speculation_Store_Bypass")
    # proc(5) prints "not vulnerable" exactly when the kernel says so here.
    assert (state == glibc.PR_SPEC_NOT_AFFECTED) == (mode == "not vulnerable")


def test_pr_set_timing_timestamp_is_einval(raises_errno):
    with raises_errno("prctl", "EINVAL"):
        prctl(PR_SET_TIMING, PR_TIMING_TIMESTAMP)
