"""<sys/prctl.h>: operations on a process or thread (prctl(2)).

prctl takes four ``unsigned long`` arguments after the option, and what
each one means depends on the option (and for a few options on arg2 too):
mostly a number, sometimes the address of something the kernel reads or
writes.  Passing a number where the kernel expects an address would let it
write anywhere in this process, so the wrapper knows, for every option the
headers of this build define, which argument is a pointer and to what.

Constants that Linux added after 4.14 are optional, so that older kernel
headers still build; everything older is required.  An option number the
headers of this build do not define is passed only with zero arguments,
since nothing says which of its arguments would be pointers.
"""

from typing import Any, Dict, List, Optional, Set, Tuple

from glibc._arguments import index, index_of, read_only_view
from glibc._spec import Args, Family, Function, Type, names
from glibc.families._reasons import BAD_POINTER


class Pointer:
    """An argument that is the address of something C reads or writes.

    ``size`` is what C needs there: a C type (its sizeof) or, with
    ``size_at``, the position of the argument that gives the size in bytes
    (None there: the whole buffer).  ``text``: a C string, so str and bytes
    are copied with a NUL.  ``nullable``: None passes NULL.
    """

    __slots__ = ("position", "ctype", "writes", "size_at", "text", "nullable")

    def __init__(self, position: int, ctype: str, writes: bool, size_at: Optional[int] = None,
                 text: bool = False, nullable: bool = False) -> None:
        self.position = position
        self.ctype = ctype
        self.writes = writes
        self.size_at = size_at
        self.text = text
        self.nullable = nullable


def _out(position: int, ctype: str, **kw: Any) -> Pointer:
    return Pointer(position, ctype, True, **kw)


def _in(position: int, ctype: str, **kw: Any) -> Pointer:
    return Pointer(position, ctype, False, **kw)


# option, or (option, arg2) where arg2 picks the meaning -> its pointer
# argument.  Every other argument of these options, and every argument of
# the options not listed, is a number.  "char[16]" is prctl(2)'s size for a
# thread name (TASK_COMM_LEN, which no user-space header defines).
POINTER_ARGUMENTS = {
    "PR_GET_PDEATHSIG": _out(2, "int"),
    "PR_GET_UNALIGN": _out(2, "unsigned int"),
    "PR_GET_FPEMU": _out(2, "unsigned int"),
    "PR_GET_FPEXC": _out(2, "unsigned int"),
    "PR_GET_ENDIAN": _out(2, "unsigned int"),
    "PR_GET_TSC": _out(2, "int"),
    "PR_GET_CHILD_SUBREAPER": _out(2, "int"),
    "PR_GET_TID_ADDRESS": _out(2, "int *"),
    "PR_GET_NAME": _out(2, "char[16]"),
    "PR_SET_NAME": _in(2, "char[16]", text=True),
    "PR_GET_AUXV": _out(2, "char", size_at=3, nullable=True),
    "PR_GET_SHADOW_STACK_STATUS": _out(2, "unsigned long"),
    ("PR_SET_MM", "PR_SET_MM_AUXV"): _in(3, "char", size_at=4),
    ("PR_SET_MM", "PR_SET_MM_MAP"): _in(3, "struct prctl_mm_map", size_at=4),
    # prctl(2) says arg4, but the kernel writes through arg3 (kernel/sys.c).
    ("PR_SET_MM", "PR_SET_MM_MAP_SIZE"): _out(3, "unsigned int"),
    ("PR_SET_VMA", "PR_SET_VMA_ANON_NAME"): _in(5, "char", text=True, nullable=True),
    ("PR_SCHED_CORE", "PR_SCHED_CORE_GET"): _out(5, "uint64_t"),
}

# Pointers these bindings do not model: only 0 (NULL) may be passed there.
UNMODELLED = {
    "PR_SET_SECCOMP": (3, "a struct sock_fprog (use seccomp(2) for filters)"),
    "PR_SET_SYSCALL_USER_DISPATCH": (5, "a selector byte that the kernel keeps reading after "
                                        "the call returns"),
}

# The options; their sub-values are in the family's other names.
OPTIONS = names("""
    PR_SET_PDEATHSIG PR_GET_PDEATHSIG PR_GET_DUMPABLE PR_SET_DUMPABLE PR_GET_UNALIGN
    PR_SET_UNALIGN PR_GET_KEEPCAPS PR_SET_KEEPCAPS PR_GET_FPEMU PR_SET_FPEMU PR_GET_FPEXC
    PR_SET_FPEXC PR_GET_TIMING PR_SET_TIMING PR_SET_NAME PR_GET_NAME PR_GET_ENDIAN
    PR_SET_ENDIAN PR_GET_SECCOMP PR_SET_SECCOMP PR_CAPBSET_READ PR_CAPBSET_DROP PR_GET_TSC
    PR_SET_TSC PR_GET_SECUREBITS PR_SET_SECUREBITS PR_SET_TIMERSLACK PR_GET_TIMERSLACK
    PR_TASK_PERF_EVENTS_DISABLE PR_TASK_PERF_EVENTS_ENABLE PR_MCE_KILL PR_MCE_KILL_GET
    PR_SET_MM PR_SET_PTRACER PR_SET_CHILD_SUBREAPER PR_GET_CHILD_SUBREAPER
    PR_SET_NO_NEW_PRIVS PR_GET_NO_NEW_PRIVS PR_GET_TID_ADDRESS PR_SET_THP_DISABLE
    PR_GET_THP_DISABLE PR_MPX_ENABLE_MANAGEMENT PR_MPX_DISABLE_MANAGEMENT PR_SET_FP_MODE
    PR_GET_FP_MODE PR_CAP_AMBIENT
""")

OPTIONAL_OPTIONS = names("""
    PR_SVE_SET_VL PR_SVE_GET_VL PR_GET_SPECULATION_CTRL PR_SET_SPECULATION_CTRL
    PR_PAC_RESET_KEYS PR_SET_TAGGED_ADDR_CTRL PR_GET_TAGGED_ADDR_CTRL PR_SET_IO_FLUSHER
    PR_GET_IO_FLUSHER PR_SET_SYSCALL_USER_DISPATCH PR_PAC_SET_ENABLED_KEYS
    PR_PAC_GET_ENABLED_KEYS PR_SCHED_CORE PR_SME_SET_VL PR_SME_GET_VL PR_SET_MDWE PR_GET_MDWE
    PR_SET_VMA PR_GET_AUXV PR_SET_MEMORY_MERGE PR_GET_MEMORY_MERGE PR_RISCV_V_SET_CONTROL
    PR_RISCV_V_GET_CONTROL PR_RISCV_SET_ICACHE_FLUSH_CTX PR_PPC_GET_DEXCR PR_PPC_SET_DEXCR
    PR_GET_SHADOW_STACK_STATUS PR_SET_SHADOW_STACK_STATUS PR_LOCK_SHADOW_STACK_STATUS
    PR_TIMER_CREATE_RESTORE_IDS PR_FUTEX_HASH
""")

# The options this build knows, the pointer arguments by option (or
# (option, arg2)) with their sizes, and the options left unmodelled.
Tables = Tuple[Set[Optional[int]], Dict[Any, Tuple[Pointer, int]], Dict[Optional[int], Any]]
_tables: Optional[Tables] = None


def _value(lib: Any, name: str) -> Optional[int]:
    """The value of a family name in this build, or None where the headers lack it."""
    if not getattr(lib, "GLIBC_HAS_" + name, True):
        return None
    value: int = getattr(lib, name)
    return value


def _load(ffi: Any, lib: Any) -> Tables:
    """Option and sub-option values -> Pointer / unmodelled, with sizes resolved."""
    global _tables
    if _tables is None:
        known = {_value(lib, n) for n in OPTIONS + OPTIONAL_OPTIONS} - {None}
        pointers: Dict[Any, Tuple[Pointer, int]] = {}
        for key, spec in POINTER_ARGUMENTS.items():
            values = tuple(_value(lib, n) for n in ((key,) if isinstance(key, str) else key))
            if None not in values:
                pointers[values if len(values) == 2 else values[0]] = (spec, ffi.sizeof(spec.ctype))
        unmodelled = {_value(lib, n): spec for n, spec in UNMODELLED.items()}
        unmodelled.pop(None, None)
        _tables = known, pointers, unmodelled
    return _tables


def _text_buffer(ffi: Any, position: int, arg: Any) -> Any:
    """A NUL-terminated copy of str or bytes, cut at the first NUL, for C to read."""
    if isinstance(arg, str):
        try:
            arg = arg.encode()
        except UnicodeError as exc:
            raise ValueError("prctl: arg%d: %s" % (position, exc)) from None
    try:
        data = bytes(memoryview(arg))
    except TypeError:
        raise TypeError("prctl: arg%d must be str or bytes-like, not %s"
                        % (position, type(arg).__name__)) from None
    return ffi.new("char[]", data.split(b"\0", 1)[0])


def _pointer(ffi: Any, spec: Pointer, size: int, arg: Any) -> Tuple[Any, int]:
    """The cdata to pass for a pointer argument and its size, refused if C could overrun it."""
    position = spec.position
    if spec.text and not isinstance(arg, ffi.CData):
        buf = _text_buffer(ffi, position, arg)
        return buf, len(buf)
    if isinstance(arg, ffi.CData):
        ctype = ffi.typeof(arg)
        if ctype.kind not in ("pointer", "array"):
            raise TypeError("prctl: arg%d must point to %d bytes, not %r" % (position, size, arg))
        if arg == ffi.NULL:
            raise ValueError("prctl: arg%d must not be NULL" % position)
        owner = read_only_view(ffi, arg) if spec.writes else None
        if owner is not None:
            raise TypeError("prctl: arg%d must not be a cdata of read-only memory (%s): the "
                            "kernel writes there" % (position, type(owner).__name__))
        if ctype.kind == "array":
            have = ffi.sizeof(arg)
        elif ctype.item.kind == "void":
            raise TypeError("prctl: arg%d: a 'void *' has no known size; pass ffi.buffer(p, size)"
                            % position)
        else:
            have = ffi.sizeof(ctype.item)
        buf = arg
    else:
        try:
            buf = ffi.from_buffer(arg, require_writable=spec.writes)
        except (TypeError, BufferError):
            raise TypeError("prctl: arg%d must be a %sbuffer of %d bytes or a cdata, not %s"
                            % (position, "writable " if spec.writes else "", size,
                               type(arg).__name__)) from None
        have = len(buf)
    if spec.size_at is None and have < size:
        raise ValueError("prctl: arg%d must have room for %d bytes, not %d"
                         % (position, size, have))
    return buf, have


def _number(option: int, position: int, arg: Any) -> int:
    if arg is None:
        return 0
    try:
        return index(arg)
    except TypeError:
        raise TypeError("prctl: arg%d must be an int for option %r, not %s"
                        % (position, option, type(arg).__name__)) from None


def _fill_pointer(ffi: Any, option: int, spec: Pointer, size: int,
                  out: List[Any]) -> List[Any]:
    """Put the address (and the size, if it goes with one) into ``out``; return what to keep."""
    arg = out[spec.position - 1]
    keep = []
    if arg is None and spec.nullable:
        address, have = 0, 0
    elif arg is None or isinstance(arg, int):
        raise TypeError("prctl: arg%d of option %d is a pointer: pass a buffer or cdata, not %s"
                        % (spec.position, option, "None" if arg is None else "an int"))
    else:
        buf, have = _pointer(ffi, spec, size, arg)
        keep.append(buf)
        address = int(ffi.cast("uintptr_t", buf))
    out[spec.position - 1] = address
    if spec.size_at is not None:
        count = out[spec.size_at - 1]
        if count is None:
            count = have
        count = _number(option, spec.size_at, count)
        if count > have:
            raise ValueError("prctl: arg%d has %d bytes, fewer than the size %d in arg%d"
                             % (spec.position, have, count, spec.size_at))
        out[spec.size_at - 1] = count
    return keep


def convert_arguments(ffi: Any, lib: Any, args: Args) -> Tuple[Args, Any]:
    """Numbers pass as they are; pointers only where the option takes one, and big enough.

    None is 0 for a number, NULL where the pointer may be NULL, and the
    buffer's length for a size that goes with a buffer.  Returns the
    arguments for C and the buffers that must outlive the call.
    """
    known, pointers, unmodelled = _load(ffi, lib)
    # The option C gets decides which arguments are pointers: read it as C will.
    option, arg2 = index_of("prctl", "option", args[0]), args[1]
    if option not in known:
        if any(arg not in (0, None) for arg in args[1:]):
            raise ValueError("prctl: option %d is not defined by the headers this module was "
                             "built with, so which of its arguments are pointers is unknown: "
                             "only zeros may be passed" % option)
        return (option, 0, 0, 0, 0), ()
    try:
        sub = index(arg2)  # a sub-option, for the options whose pointer it selects
    except TypeError:
        sub = None
    spec, size = pointers.get(option) or (
        sub is not None and pointers.get((option, sub))) or (None, 0)
    out = [option]
    for position, arg in enumerate(args[1:], start=2):
        if spec is not None and position in (spec.position, spec.size_at):
            out.append(arg)
        else:
            out.append(_number(option, position, arg))
    keep = _fill_pointer(ffi, option, spec, size, out) if spec is not None else ()
    hidden = unmodelled.get(option)
    if hidden is not None and out[hidden[0] - 1] != 0:
        raise ValueError("prctl: arg%d of option %d points to %s, which these bindings do not "
                         "model: only 0 (NULL) may be passed there"
                         % (hidden[0], option, hidden[1]))
    return tuple(out), keep


FAMILY = Family(
    "prctl",
    headers=["<sys/prctl.h>"],
    doc="per-process and per-thread attributes",
    types=[
        # The kernel's 64-bit type: unsigned long long on most architectures,
        # unsigned long on some (ppc64, mips64), so the compiler picks.
        Type("u64", "typedef int... __u64;", man="prctl(2)"),
        Type("prctl_mm_map", """
            struct prctl_mm_map {
                __u64 start_code; __u64 end_code; __u64 start_data; __u64 end_data;
                __u64 start_brk; __u64 brk; __u64 start_stack; __u64 arg_start;
                __u64 arg_end; __u64 env_start; __u64 env_end; __u64 *auxv;
                uint32_t auxv_size; uint32_t exe_fd; ...;
            };""", man="prctl(2)"),
    ],
    constants=OPTIONS + names("""
        PR_UNALIGN_NOPRINT PR_UNALIGN_SIGBUS PR_FPEMU_NOPRINT PR_FPEMU_SIGFPE
        PR_FP_EXC_SW_ENABLE PR_FP_EXC_DIV PR_FP_EXC_OVF PR_FP_EXC_UND PR_FP_EXC_RES
        PR_FP_EXC_INV PR_FP_EXC_DISABLED PR_FP_EXC_NONRECOV PR_FP_EXC_ASYNC
        PR_FP_EXC_PRECISE PR_TIMING_STATISTICAL PR_TIMING_TIMESTAMP PR_ENDIAN_BIG
        PR_ENDIAN_LITTLE PR_ENDIAN_PPC_LITTLE PR_TSC_ENABLE PR_TSC_SIGSEGV
        PR_MCE_KILL_CLEAR PR_MCE_KILL_SET PR_MCE_KILL_LATE PR_MCE_KILL_EARLY
        PR_MCE_KILL_DEFAULT PR_SET_MM_START_CODE PR_SET_MM_END_CODE
        PR_SET_MM_START_DATA PR_SET_MM_END_DATA PR_SET_MM_START_STACK
        PR_SET_MM_START_BRK PR_SET_MM_BRK PR_SET_MM_ARG_START PR_SET_MM_ARG_END
        PR_SET_MM_ENV_START PR_SET_MM_ENV_END PR_SET_MM_AUXV PR_SET_MM_EXE_FILE
        PR_SET_MM_MAP PR_SET_MM_MAP_SIZE PR_SET_PTRACER_ANY
        PR_FP_MODE_FR PR_FP_MODE_FRE
        PR_CAP_AMBIENT_IS_SET PR_CAP_AMBIENT_RAISE PR_CAP_AMBIENT_LOWER PR_CAP_AMBIENT_CLEAR_ALL
    """),
    optional=OPTIONAL_OPTIONS + names("""
        PR_SVE_SET_VL_ONEXEC PR_SVE_VL_LEN_MASK PR_SVE_VL_INHERIT
        PR_SPEC_STORE_BYPASS PR_SPEC_INDIRECT_BRANCH PR_SPEC_L1D_FLUSH
        PR_SPEC_NOT_AFFECTED PR_SPEC_PRCTL PR_SPEC_ENABLE PR_SPEC_DISABLE
        PR_SPEC_FORCE_DISABLE PR_SPEC_DISABLE_NOEXEC
        PR_PAC_APIAKEY PR_PAC_APIBKEY PR_PAC_APDAKEY PR_PAC_APDBKEY PR_PAC_APGAKEY
        PR_TAGGED_ADDR_ENABLE PR_MTE_TCF_NONE PR_MTE_TCF_SYNC PR_MTE_TCF_ASYNC
        PR_MTE_TCF_MASK PR_MTE_TAG_SHIFT PR_MTE_TAG_MASK PR_MTE_TCF_SHIFT PR_MTE_STORE_ONLY
        PR_PMLEN_SHIFT PR_PMLEN_MASK
        PR_SYS_DISPATCH_OFF PR_SYS_DISPATCH_ON PR_SYS_DISPATCH_EXCLUSIVE_ON
        PR_SYS_DISPATCH_INCLUSIVE_ON SYSCALL_DISPATCH_FILTER_ALLOW SYSCALL_DISPATCH_FILTER_BLOCK
        PR_SCHED_CORE_GET PR_SCHED_CORE_CREATE PR_SCHED_CORE_SHARE_TO PR_SCHED_CORE_SHARE_FROM
        PR_SCHED_CORE_MAX PR_SCHED_CORE_SCOPE_THREAD PR_SCHED_CORE_SCOPE_THREAD_GROUP
        PR_SCHED_CORE_SCOPE_PROCESS_GROUP
        PR_SME_SET_VL_ONEXEC PR_SME_VL_LEN_MASK PR_SME_VL_INHERIT
        PR_MDWE_REFUSE_EXEC_GAIN PR_MDWE_NO_INHERIT
        PR_SET_VMA_ANON_NAME
        PR_RISCV_V_VSTATE_CTRL_DEFAULT PR_RISCV_V_VSTATE_CTRL_OFF PR_RISCV_V_VSTATE_CTRL_ON
        PR_RISCV_V_VSTATE_CTRL_INHERIT PR_RISCV_V_VSTATE_CTRL_CUR_MASK
        PR_RISCV_V_VSTATE_CTRL_NEXT_MASK PR_RISCV_V_VSTATE_CTRL_MASK
        PR_RISCV_CTX_SW_FENCEI_ON PR_RISCV_CTX_SW_FENCEI_OFF
        PR_RISCV_SCOPE_PER_PROCESS PR_RISCV_SCOPE_PER_THREAD
        PR_PPC_DEXCR_SBHE PR_PPC_DEXCR_IBRTPD PR_PPC_DEXCR_SRAPD PR_PPC_DEXCR_NPHIE
        PR_PPC_DEXCR_CTRL_EDITABLE PR_PPC_DEXCR_CTRL_SET PR_PPC_DEXCR_CTRL_CLEAR
        PR_PPC_DEXCR_CTRL_SET_ONEXEC PR_PPC_DEXCR_CTRL_CLEAR_ONEXEC PR_PPC_DEXCR_CTRL_MASK
        PR_SHADOW_STACK_ENABLE PR_SHADOW_STACK_WRITE PR_SHADOW_STACK_PUSH
        PR_TIMER_CREATE_RESTORE_IDS_OFF PR_TIMER_CREATE_RESTORE_IDS_ON
        PR_TIMER_CREATE_RESTORE_IDS_GET
        PR_FUTEX_HASH_SET_SLOTS PR_FUTEX_HASH_GET_SLOTS PR_FUTEX_HASH_GET_IMMUTABLE
        FH_FLAG_IMMUTABLE
    """),
    functions=[
        Function(
            "int prctl(int option, unsigned long arg2, unsigned long arg3, "
            "unsigned long arg4, unsigned long arg5);",
            man="prctl(2)",
            # prctl is variadic in <sys/prctl.h>; the shim gives it a fixed arity.
            cdef="int glibc_prctl(int option, unsigned long arg2, unsigned long arg3, "
                 "unsigned long arg4, unsigned long arg5);",
            symbol="glibc_prctl",
            defaults={"arg2": None, "arg3": None, "arg4": None, "arg5": None},
            convert=convert_arguments,
            accepts=dict.fromkeys(("arg2", "arg3", "arg4", "arg5"), "Union[int, str, _Buffer]"),
            errors=dict(
                BAD_POINTER,
                EINVAL="option is unknown or unsupported here, or one of its arguments is "
                       "out of range or must be 0",
                EPERM="the caller lacks the privilege (a capability) this option needs, or a "
                      "locked securebit or a forced speculation setting forbids the change",
                EACCES="the option is not allowed in this state (a seccomp filter without "
                       "no_new_privs or CAP_SYS_ADMIN, or PR_SET_MM_EXE_FILE with a file that "
                       "is not executable)",
                EBUSY="PR_SET_MM_EXE_FILE while the old executable is still mapped, or a "
                      "second time on Linux < 4.10",
                EBADF="the file descriptor of PR_SET_MM_EXE_FILE (or the exe_fd of "
                      "PR_SET_MM_MAP) is not open",
                ENODEV="PR_SET_SPECULATION_CTRL names a speculation feature this kernel or "
                       "CPU does not have",
                ENXIO="the kernel or CPU cannot control this feature (MPX management, or a "
                      "speculation control that is not settable)",
                EOPNOTSUPP="PR_SET_FP_MODE was given a mode this system does not support",
                ERANGE="PR_SET_SPECULATION_CTRL was given a value other than PR_SPEC_ENABLE, "
                       "PR_SPEC_DISABLE, PR_SPEC_FORCE_DISABLE or PR_SPEC_DISABLE_NOEXEC",
            ),
            stdlib=None,
            doc="Do one operation on this process or thread.  arg2..arg5 are numbers (None: "
                "0), except where the option takes a pointer: there a buffer or cdata, checked "
                "to be big enough (PR_GET_NAME needs 16 bytes, PR_GET_PDEATHSIG an int, "
                "PR_SET_MM_MAP a struct prctl_mm_map, ...); PR_SET_NAME and "
                "PR_SET_VMA_ANON_NAME also take str or bytes.  A size argument that goes with "
                "a buffer may be None (the whole buffer).  An option that this build's "
                "headers do not define gets zeros only, since its pointers are unknown.",
            hazard=("process", "exits", "others"),
        ),
    ],
    source='#include "prctl.h"',
)
