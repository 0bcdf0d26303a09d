"""<linux/capability.h>: thread capability sets (capget(2)), and <linux/securebits.h>.

glibc has capget and capset in libc.so but declares them in no header, so
the shim (csrc/capability.h) reaches them through syscall().  The man page
spells the arguments ``cap_user_header_t``/``cap_user_data_t``, the
header's pointer typedefs; the prototypes below spell out the structs they
point to so that the generated wrapper can check what it is given.
"""

from typing import Any, Tuple

from glibc._spec import Args, Convert, Family, Function, Type, names
from glibc.families._reasons import BAD_POINTER

_DATA = "struct __user_cap_data_struct"
_HEADER = "struct __user_cap_header_struct"
_U32S = None


def _data_count(lib: Any, version: int) -> int:
    """How many data structs C reads or writes for this header version."""
    global _U32S
    if _U32S is None:
        _U32S = {
            lib._LINUX_CAPABILITY_VERSION_1: lib._LINUX_CAPABILITY_U32S_1,
            lib._LINUX_CAPABILITY_VERSION_2: lib._LINUX_CAPABILITY_U32S_2,
            lib._LINUX_CAPABILITY_VERSION_3: lib._LINUX_CAPABILITY_U32S_3,
        }
    # An unknown version makes the kernel fail before it touches datap;
    # asking for the most any version uses costs nothing.
    count: int = _U32S.get(version, max(_U32S.values()))
    return count


def _sized_data(name: str) -> Convert:
    def convert(ffi: Any, lib: Any, args: Args) -> Tuple[Args, Any]:
        """datap must hold as many structs as hdrp's version makes the kernel use (2 for v3)."""
        hdrp, datap = args
        if not (isinstance(hdrp, ffi.CData) and isinstance(datap, ffi.CData)):
            return args, ()  # the pointer checks that follow say what is wrong
        header, data = ffi.typeof(hdrp), ffi.typeof(datap)
        for ctype, struct in ((header, _HEADER), (data, _DATA)):
            if ctype.kind not in ("pointer", "array") or ctype.item is not ffi.typeof(struct):
                return args, ()
        if hdrp == ffi.NULL or datap == ffi.NULL or (header.kind == "array" and not len(hdrp)):
            return args, ()  # an empty header array too: the pointer check says it is short
        have = len(datap) if data.kind == "array" else 1
        need = _data_count(lib, hdrp[0].version)
        if have < need:
            raise ValueError("%s: datap must have room for %d %s for version %#x, not %d"
                             % (name, need, _DATA, hdrp[0].version, have))
        return args, ()
    return convert


_COMMON = dict(
    BAD_POINTER,
    EINVAL="hdrp->version is not a version this kernel knows (it wrote its preferred one "
           "there), or hdrp->pid is negative",
)

FAMILY = Family(
    "capability",
    headers=["<linux/capability.h>", "<linux/securebits.h>"],
    doc="capability sets of a thread, and the securebits",
    types=[
        Type("cap_user_header_t", _HEADER + " { uint32_t version; int pid; ...; };",
             man="capget(2)"),
        Type("cap_user_data_t",
             _DATA + " { uint32_t effective; uint32_t permitted; uint32_t inheritable; ...; };",
             man="capget(2)"),
        # The security.capability extended attribute (capabilities(7)).  Its
        # data[] member is an array of an anonymous struct, which cffi cannot
        # declare with "...": it is left to the "...".
        Type("vfs_cap_data", "struct vfs_cap_data { uint32_t magic_etc; ...; };",
             man="capabilities(7)"),
        Type("vfs_ns_cap_data",
             "struct vfs_ns_cap_data { uint32_t magic_etc; uint32_t rootid; ...; };",
             man="capabilities(7)"),
    ],
    constants=names("""
        _LINUX_CAPABILITY_VERSION_1 _LINUX_CAPABILITY_U32S_1
        _LINUX_CAPABILITY_VERSION_2 _LINUX_CAPABILITY_U32S_2
        _LINUX_CAPABILITY_VERSION_3 _LINUX_CAPABILITY_U32S_3
        _LINUX_CAPABILITY_VERSION _LINUX_CAPABILITY_U32S
        VFS_CAP_REVISION_MASK VFS_CAP_REVISION_SHIFT VFS_CAP_FLAGS_MASK VFS_CAP_FLAGS_EFFECTIVE
        VFS_CAP_REVISION_1 VFS_CAP_U32_1 XATTR_CAPS_SZ_1
        VFS_CAP_REVISION_2 VFS_CAP_U32_2 XATTR_CAPS_SZ_2
        VFS_CAP_REVISION_3 VFS_CAP_U32_3 XATTR_CAPS_SZ_3
        VFS_CAP_REVISION VFS_CAP_U32 XATTR_CAPS_SZ
        CAP_CHOWN CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH CAP_FOWNER CAP_FSETID CAP_KILL
        CAP_SETGID CAP_SETUID CAP_SETPCAP CAP_LINUX_IMMUTABLE CAP_NET_BIND_SERVICE
        CAP_NET_BROADCAST CAP_NET_ADMIN CAP_NET_RAW CAP_IPC_LOCK CAP_IPC_OWNER
        CAP_SYS_MODULE CAP_SYS_RAWIO CAP_SYS_CHROOT CAP_SYS_PTRACE CAP_SYS_PACCT
        CAP_SYS_ADMIN CAP_SYS_BOOT CAP_SYS_NICE CAP_SYS_RESOURCE CAP_SYS_TIME
        CAP_SYS_TTY_CONFIG CAP_MKNOD CAP_LEASE CAP_AUDIT_WRITE CAP_AUDIT_CONTROL
        CAP_SETFCAP CAP_MAC_OVERRIDE CAP_MAC_ADMIN CAP_SYSLOG CAP_WAKE_ALARM
        CAP_BLOCK_SUSPEND CAP_AUDIT_READ CAP_PERFMON CAP_BPF CAP_CHECKPOINT_RESTORE
        CAP_LAST_CAP
        SECUREBITS_DEFAULT
        SECURE_NOROOT SECURE_NOROOT_LOCKED SECBIT_NOROOT SECBIT_NOROOT_LOCKED
        SECURE_NO_SETUID_FIXUP SECURE_NO_SETUID_FIXUP_LOCKED
        SECBIT_NO_SETUID_FIXUP SECBIT_NO_SETUID_FIXUP_LOCKED
        SECURE_KEEP_CAPS SECURE_KEEP_CAPS_LOCKED SECBIT_KEEP_CAPS SECBIT_KEEP_CAPS_LOCKED
        SECURE_NO_CAP_AMBIENT_RAISE SECURE_NO_CAP_AMBIENT_RAISE_LOCKED
        SECBIT_NO_CAP_AMBIENT_RAISE SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED
        SECURE_ALL_BITS SECURE_ALL_LOCKS
    """),
    # Linux 6.14's securebits for script interpreters (execveat AT_EXECVE_CHECK).
    optional=names("""
        SECURE_EXEC_RESTRICT_FILE SECURE_EXEC_RESTRICT_FILE_LOCKED
        SECBIT_EXEC_RESTRICT_FILE SECBIT_EXEC_RESTRICT_FILE_LOCKED
        SECURE_EXEC_DENY_INTERACTIVE SECURE_EXEC_DENY_INTERACTIVE_LOCKED
        SECBIT_EXEC_DENY_INTERACTIVE SECBIT_EXEC_DENY_INTERACTIVE_LOCKED
        SECURE_ALL_UNPRIVILEGED
    """),
    functions=[
        Function(
            "int capget(%s *hdrp, %s *datap);" % (_HEADER, _DATA), man="capget(2)",
            cdef="int glibc_capget(%s *hdrp, %s *datap);" % (_HEADER, _DATA),
            symbol="glibc_capget", nullable=("datap",), convert=_sized_data("capget"),
            errors=dict(_COMMON, ESRCH="there is no thread with ID hdrp->pid"),
            doc="Store the effective, permitted and inheritable sets of thread hdrp->pid "
                "(0: the caller) in datap: one cap_user_data_t per 32 capabilities, so 2 "
                "for _LINUX_CAPABILITY_VERSION_3 (checked).  With datap None, only check "
                "hdrp->version (the kernel writes its preferred one there).",
        ),
        Function(
            "int capset(%s *hdrp, const %s *datap);" % (_HEADER, _DATA), man="capset(2)",
            cdef="int glibc_capset(%s *hdrp, const %s *datap);" % (_HEADER, _DATA),
            symbol="glibc_capset", convert=_sized_data("capset"),
            errors=dict(
                _COMMON,
                EPERM="datap adds a capability to the permitted set, puts one in the effective "
                      "set that is not permitted, or adds one to the inheritable set that is "
                      "outside the bounding set or (without CAP_SETPCAP) the permitted set; "
                      "or hdrp->pid names another thread",
                ESRCH="there is no thread with ID hdrp->pid",
            ),
            doc="Set the calling thread's capability sets from datap (2 cap_user_data_t for "
                "_LINUX_CAPABILITY_VERSION_3, checked); hdrp->pid must be 0 or the caller's "
                "thread ID.",
            hazard="process",
        ),
    ],
    source='#include "capability.h"',
)
