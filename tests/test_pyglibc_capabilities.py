"""pyglibc.capabilities / set_capabilities: the sets of a thread as sets of Capability.

/proc/<pid>/status is the witness; changes happen in forked children.
"""

import socket

import pytest

import capkit
import glibc
from children import in_child
from pyglibc import Capability, capabilities, set_capabilities

pytest_plugins = ["children"]  # the sleeper fixture


def as_mask(caps):
    return sum(1 << int(cap) for cap in caps)


def test_capability_names_the_cap_constants():
    assert Capability.SYS_ADMIN == glibc.CAP_SYS_ADMIN
    assert Capability.CHOWN == 0
    assert max(Capability) == glibc.CAP_LAST_CAP
    assert len(Capability) == glibc.CAP_LAST_CAP + 1


def test_capabilities_are_what_proc_shows():
    caps = capabilities()
    proc = capkit.proc_caps()
    assert as_mask(caps.effective) == proc["CapEff"]
    assert as_mask(caps.permitted) == proc["CapPrm"]
    assert as_mask(caps.inheritable) == proc["CapInh"]
    assert all(isinstance(cap, Capability) for cap in caps.effective)


def test_capabilities_of_another_process(sleeper):
    assert as_mask(capabilities(sleeper).effective) == capkit.proc_caps(sleeper)["CapEff"]


def test_capabilities_of_no_thread_is_process_lookup_error():
    with open("/proc/sys/kernel/pid_max") as f:
        with pytest.raises(ProcessLookupError, match="capget: there is no thread"):
            capabilities(int(f.read()))


def raw_socket_after_dropping_net_raw():
    caps = capabilities()
    set_capabilities(effective=caps.effective - {Capability.NET_RAW})
    after = capabilities()
    try:
        socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP).close()
    except PermissionError:
        refused = True
    else:
        refused = False
    return after, capkit.proc_caps()["CapEff"], refused


@pytest.mark.skipif(not capkit.has(glibc.CAP_NET_RAW), reason="needs CAP_NET_RAW to drop it")
def test_dropping_net_raw_forbids_raw_sockets():
    # capabilities(7): a raw socket needs CAP_NET_RAW in the effective set.
    with socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP):
        pass
    after, proc_eff, refused = in_child(raw_socket_after_dropping_net_raw)
    assert Capability.NET_RAW not in after.effective
    assert Capability.NET_RAW in after.permitted  # only the effective set was given
    assert as_mask(after.effective) == proc_eff
    assert refused


def raise_back(cap):
    set_capabilities(effective=(), permitted=capabilities().permitted - {cap})
    set_capabilities(permitted=capabilities().permitted | {cap})


@pytest.mark.skipif(not capkit.has(glibc.CAP_CHOWN, "CapPrm"), reason="needs CAP_CHOWN to drop it")
def test_a_capability_out_of_the_permitted_set_cannot_come_back():
    with pytest.raises(PermissionError, match="capset: "):
        in_child(raise_back, Capability.CHOWN)


def test_set_capabilities_checks_its_arguments():
    with pytest.raises(ValueError, match="set_capabilities: effective: 64 is not a capability"):
        set_capabilities(effective=[64])
    with pytest.raises(TypeError, match="set_capabilities: permitted must be an iterable"):
        set_capabilities(permitted=5)
    with pytest.raises(TypeError, match="set_capabilities: inheritable: each capability must be"):
        set_capabilities(inheritable=["CHOWN"])


def test_nothing_given_changes_nothing():
    before = capabilities()
    set_capabilities()
    assert capabilities() == before
