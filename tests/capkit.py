"""Capabilities for the tests: what /proc says, and dropping one (in a forked child).

/proc/<pid>/status is the independent witness: the kernel prints each set
there as one hexadecimal mask (proc(5)).
"""

from glibc import _LINUX_CAPABILITY_VERSION_3, cap_user_data_t, cap_user_header_t, capget, capset

SETS = ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")


def proc_caps(pid="self"):
    """{"CapEff": mask, ...} for every set that /proc/<pid>/status shows."""
    out = {}
    with open("/proc/%s/status" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in SETS:
                out[key] = int(value, 16)
    return out


def has(cap, which="CapEff"):
    return bool(proc_caps()[which] >> cap & 1)


def masks(data):
    """(effective, permitted, inheritable) of a 2-element cap_user_data_t array, as 64-bit masks."""
    return tuple(getattr(data[0], s) | getattr(data[1], s) << 32
                 for s in ("effective", "permitted", "inheritable"))


def read():
    header = cap_user_header_t({"version": _LINUX_CAPABILITY_VERSION_3})
    data = cap_user_data_t.array(2)
    capget(header, data)
    return header, data


def drop(*caps, sets=("effective", "permitted")):
    """Take caps out of the given sets of the calling thread (for good: call it in a child)."""
    header, data = read()
    for cap in caps:
        word, bit = divmod(cap, 32)
        for name in sets:
            setattr(data[word], name, getattr(data[word], name) & ~(1 << bit))
    capset(header, data)


def lacking(cap):
    """Make sure the calling thread does not have cap in effect (drops it if it does)."""
    if has(cap):
        drop(cap)
    assert not has(cap)

