"""capget(2)/capset(2): the sets a thread has, as /proc/<pid>/status shows them.

Dropping a capability is for good, so every capset test runs in a forked child.
"""

import threading

import pytest

import capkit
import glibc
from children import in_child
from glibc import (
    _LINUX_CAPABILITY_U32S_1,
    _LINUX_CAPABILITY_U32S_3,
    _LINUX_CAPABILITY_VERSION_1,
    _LINUX_CAPABILITY_VERSION_2,
    _LINUX_CAPABILITY_VERSION_3,
    CAP_CHOWN,
    CAP_NET_RAW,
    cap_user_data_t,
    cap_user_header_t,
    capget,
    capset,
)

pytest_plugins = ["children"]  # the sleeper fixture


def header(version=_LINUX_CAPABILITY_VERSION_3, pid=0):
    return cap_user_header_t({"version": version, "pid": pid})


def no_such_pid():
    # Process IDs are below pid_max (proc(5)), so this one names no process.
    with open("/proc/sys/kernel/pid_max") as f:
        return int(f.read())


def test_capget_reads_the_sets_proc_shows():
    data = cap_user_data_t.array(_LINUX_CAPABILITY_U32S_3)
    assert capget(header(), data) == 0
    proc = capkit.proc_caps()
    assert capkit.masks(data) == (proc["CapEff"], proc["CapPrm"], proc["CapInh"])


def test_capget_of_another_process(sleeper):
    data = cap_user_data_t.array(2)
    capget(header(pid=sleeper), data)
    proc = capkit.proc_caps(sleeper)
    assert capkit.masks(data) == (proc["CapEff"], proc["CapPrm"], proc["CapInh"])


def test_capget_of_a_thread_by_its_id():
    def check():
        data = cap_user_data_t.array(2)
        capget(header(pid=threading.get_native_id()), data)
        found.append(capkit.masks(data))
    found = []
    t = threading.Thread(target=check)
    t.start()
    t.join()
    proc = capkit.proc_caps()
    assert found == [(proc["CapEff"], proc["CapPrm"], proc["CapInh"])]


def test_version_1_uses_one_struct_of_the_low_32_capabilities():
    data = cap_user_data_t()
    assert _LINUX_CAPABILITY_U32S_1 == 1
    capget(header(_LINUX_CAPABILITY_VERSION_1), data)
    assert data.effective == capkit.proc_caps()["CapEff"] & 0xFFFFFFFF


def test_without_datap_the_kernel_says_its_preferred_version():
    h = header(version=0)
    assert capget(h, None) == 0
    assert h.version == _LINUX_CAPABILITY_VERSION_3


def test_a_unknown_version_is_einval_and_rewritten(raises_errno):
    h = header(version=0x12345678)
    with raises_errno("capget", "EINVAL"):
        capget(h, cap_user_data_t.array(2))
    assert h.version == _LINUX_CAPABILITY_VERSION_3


def test_a_negative_pid_is_einval(raises_errno):
    with raises_errno("capget", "EINVAL"):
        capget(header(pid=-1), cap_user_data_t.array(2))


def test_capget_of_no_process_is_esrch(raises_errno):
    with raises_errno("capget", "ESRCH"):
        capget(header(pid=no_such_pid()), cap_user_data_t.array(2))


@pytest.mark.parametrize("version", [_LINUX_CAPABILITY_VERSION_2, _LINUX_CAPABILITY_VERSION_3])
def test_one_struct_for_a_64_bit_version_is_refused(version):
    # The kernel would write 24 bytes into 12: refused before the call.
    with pytest.raises(ValueError, match="capget: datap must have room for 2"):
        capget(header(version), cap_user_data_t())
    with pytest.raises(ValueError, match="capset: datap must have room for 2"):
        capset(header(version), cap_user_data_t.array(1))


def test_capget_checks_its_pointers():
    with pytest.raises(TypeError, match="capget: hdrp"):
        capget(None, cap_user_data_t.array(2))
    with pytest.raises(TypeError, match="capget: datap"):
        capget(header(), bytearray(24))


@pytest.mark.parametrize("function", [capget, capset])
def test_a_header_given_as_an_array_is_read_as_its_first_element(function):
    # Found by tests/test_fuzz.py: an array has no .version, an empty one no element.
    with pytest.raises(ValueError, match="hdrp must have room for 1 elements, not 0"):
        function(cap_user_header_t.array(0), cap_user_data_t.array(2))
    headers = cap_user_header_t.array(1)
    headers[0].version = _LINUX_CAPABILITY_VERSION_3
    with pytest.raises(ValueError, match="datap must have room for 2"):
        function(headers, cap_user_data_t.array(1))


def drop_net_raw():
    capkit.drop(CAP_NET_RAW)
    return capkit.proc_caps(), capkit.masks(capkit.read()[1])


@pytest.mark.skipif(not capkit.has(CAP_NET_RAW), reason="needs CAP_NET_RAW to drop it")
def test_capset_drops_a_capability():
    proc, ours = in_child(drop_net_raw)
    bit = 1 << CAP_NET_RAW
    assert not proc["CapEff"] & bit and not proc["CapPrm"] & bit
    assert ours == (proc["CapEff"], proc["CapPrm"], proc["CapInh"])
    assert capkit.has(CAP_NET_RAW)  # the test process keeps it


def drop_then_take_back(cap):
    capkit.drop(cap)
    header, data = capkit.read()
    word, bit = divmod(cap, 32)
    data[word].permitted |= 1 << bit
    capset(header, data)


@pytest.mark.skipif(not capkit.has(CAP_CHOWN, "CapPrm"), reason="needs CAP_CHOWN to drop it")
def test_a_dropped_capability_cannot_come_back(raises_errno):
    with raises_errno("capset", "EPERM"):
        in_child(drop_then_take_back, CAP_CHOWN)


def test_capset_of_another_process_is_eperm(raises_errno, sleeper):
    _, data = capkit.read()
    with raises_errno("capset", "EPERM"):
        capset(header(pid=sleeper), data)


def test_the_xattr_sizes_are_the_structs():
    # capabilities(7): revision 2 is struct vfs_cap_data, revision 3 adds rootid.
    assert glibc.XATTR_CAPS_SZ_2 == glibc.vfs_cap_data.size
    assert glibc.XATTR_CAPS_SZ_3 == glibc.XATTR_CAPS_SZ == glibc.vfs_ns_cap_data.size
