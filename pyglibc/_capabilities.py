"""A thread's capability sets as sets of ``Capability`` members (capget(2), capset(2)).

``pyglibc.capabilities()`` reads the effective, permitted and inheritable
sets; ``pyglibc.set_capabilities(effective=...)`` changes those of the
calling thread, for instance to drop what a server no longer needs::

    caps = pyglibc.capabilities()
    pyglibc.set_capabilities(effective=caps.effective - {Capability.NET_BIND_SERVICE})

Capabilities belong to a thread: set_capabilities() changes only the
calling one.  A capability this build's headers do not name (a kernel newer
than them) appears as its plain number.
"""

import enum
from typing import Any, Iterable, NamedTuple, Optional

import glibc
from pyglibc._fd import int_arg

_capget = glibc.capget
_capset = glibc.capset
_header = glibc.cap_user_header_t
_data = glibc.cap_user_data_t
_VERSION = glibc._LINUX_CAPABILITY_VERSION_3
_WORDS = glibc._LINUX_CAPABILITY_U32S_3
_BITS = 32 * _WORDS
_SETS = ("effective", "permitted", "inheritable")


class Capability(enum.IntEnum):
    """The ``CAP_*`` numbers of <linux/capability.h>, without the ``CAP_`` prefix.

    Written out so that type checkers and editors see the members; the
    values come from the headers, and tests/test_typing.py checks that the
    members are the table's CAP_* names (glibc/families/capability.py).
    """

    CHOWN = glibc.CAP_CHOWN
    DAC_OVERRIDE = glibc.CAP_DAC_OVERRIDE
    DAC_READ_SEARCH = glibc.CAP_DAC_READ_SEARCH
    FOWNER = glibc.CAP_FOWNER
    FSETID = glibc.CAP_FSETID
    KILL = glibc.CAP_KILL
    SETGID = glibc.CAP_SETGID
    SETUID = glibc.CAP_SETUID
    SETPCAP = glibc.CAP_SETPCAP
    LINUX_IMMUTABLE = glibc.CAP_LINUX_IMMUTABLE
    NET_BIND_SERVICE = glibc.CAP_NET_BIND_SERVICE
    NET_BROADCAST = glibc.CAP_NET_BROADCAST
    NET_ADMIN = glibc.CAP_NET_ADMIN
    NET_RAW = glibc.CAP_NET_RAW
    IPC_LOCK = glibc.CAP_IPC_LOCK
    IPC_OWNER = glibc.CAP_IPC_OWNER
    SYS_MODULE = glibc.CAP_SYS_MODULE
    SYS_RAWIO = glibc.CAP_SYS_RAWIO
    SYS_CHROOT = glibc.CAP_SYS_CHROOT
    SYS_PTRACE = glibc.CAP_SYS_PTRACE
    SYS_PACCT = glibc.CAP_SYS_PACCT
    SYS_ADMIN = glibc.CAP_SYS_ADMIN
    SYS_BOOT = glibc.CAP_SYS_BOOT
    SYS_NICE = glibc.CAP_SYS_NICE
    SYS_RESOURCE = glibc.CAP_SYS_RESOURCE
    SYS_TIME = glibc.CAP_SYS_TIME
    SYS_TTY_CONFIG = glibc.CAP_SYS_TTY_CONFIG
    MKNOD = glibc.CAP_MKNOD
    LEASE = glibc.CAP_LEASE
    AUDIT_WRITE = glibc.CAP_AUDIT_WRITE
    AUDIT_CONTROL = glibc.CAP_AUDIT_CONTROL
    SETFCAP = glibc.CAP_SETFCAP
    MAC_OVERRIDE = glibc.CAP_MAC_OVERRIDE
    MAC_ADMIN = glibc.CAP_MAC_ADMIN
    SYSLOG = glibc.CAP_SYSLOG
    WAKE_ALARM = glibc.CAP_WAKE_ALARM
    BLOCK_SUSPEND = glibc.CAP_BLOCK_SUSPEND
    AUDIT_READ = glibc.CAP_AUDIT_READ
    PERFMON = glibc.CAP_PERFMON
    BPF = glibc.CAP_BPF
    CHECKPOINT_RESTORE = glibc.CAP_CHECKPOINT_RESTORE


class Capabilities(NamedTuple):
    """A thread's capability sets, each a frozenset of Capability members."""

    effective: frozenset[Any]
    permitted: frozenset[Any]
    inheritable: frozenset[Any]


def _members(mask: int) -> frozenset[Any]:
    out: set[Any] = set()
    for bit in range(_BITS):
        if mask >> bit & 1:
            try:
                out.add(Capability(bit))
            except ValueError:
                out.add(bit)
    return frozenset(out)


def _mask(caps: Iterable[int], where: str) -> int:
    try:
        items = iter(caps)
    except TypeError:
        raise TypeError("%s must be an iterable of capabilities, not %s"
                        % (where, type(caps).__name__)) from None
    mask = 0
    for cap in items:
        number = int_arg(cap, where, "each capability")
        if not 0 <= number < _BITS:
            raise ValueError("%s: %d is not a capability number (0..%d)"
                             % (where, number, _BITS - 1))
        mask |= 1 << number
    return mask


def _read(tid: int) -> tuple[Any, Any]:
    header = _header({"version": _VERSION, "pid": tid})
    data = _data.array(_WORDS)
    _capget(header, data)
    return header, data


def capabilities(tid: int = 0) -> Capabilities:
    """capget(2): the effective, permitted and inheritable sets of thread tid (0: the caller).

    Returns a ``Capabilities`` named tuple of frozensets of ``Capability``.
    """
    tid = int_arg(tid, "capabilities", "tid")
    _, data = _read(tid)
    return Capabilities(*(
        _members(sum(getattr(data[i], name) << (32 * i) for i in range(_WORDS)))
        for name in _SETS))


def set_capabilities(effective: Optional[Iterable[int]] = None,
                     permitted: Optional[Iterable[int]] = None,
                     inheritable: Optional[Iterable[int]] = None) -> None:
    """capset(2): replace the calling thread's sets; a set left None keeps its current members.

    Each set is an iterable of ``Capability`` members or CAP_* numbers.
    The kernel refuses (PermissionError) to add to the permitted set, to
    make effective what is not permitted, and to make inheritable what is
    outside the bounding set or, without CAP_SETPCAP, not permitted.
    """
    new = {name: None if caps is None else _mask(caps, "set_capabilities: " + name)
           for name, caps in zip(_SETS, (effective, permitted, inheritable))}
    header, data = _read(0)
    for name, mask in new.items():
        if mask is None:
            continue
        for i in range(_WORDS):
            setattr(data[i], name, mask >> (32 * i) & 0xFFFFFFFF)
    _capset(header, data)
