"""<sys/prctl.h>: operations on a process or thread (prctl(2))."""

from glibc._spec import Family, Function, names
from glibc.families._reasons import BAD_POINTER

# Options whose argument is a pointer C reads or writes: option -> (argument
# position, C type of what is pointed at, whether the kernel writes it).
# Any other argument is a number.  "char[16]" is prctl(2)'s size for a
# thread name (TASK_COMM_LEN, which no user-space header defines).
POINTER_ARGUMENTS = {
    "PR_GET_PDEATHSIG": (2, "int", True),
    "PR_GET_UNALIGN": (2, "unsigned int", True),
    "PR_GET_FPEMU": (2, "unsigned int", True),
    "PR_GET_FPEXC": (2, "unsigned int", True),
    "PR_GET_ENDIAN": (2, "unsigned int", True),
    "PR_GET_TSC": (2, "int", True),
    "PR_GET_CHILD_SUBREAPER": (2, "int", True),
    "PR_GET_TID_ADDRESS": (2, "int *", True),
    "PR_GET_NAME": (2, "char[16]", True),
    "PR_SET_NAME": (2, "char[16]", False),
}

_pointers = None


def _pointer_map(ffi, lib):
    global _pointers
    if _pointers is None:
        _pointers = {
            getattr(lib, name): (position, ffi.sizeof(ctype), writes)
            for name, (position, ctype, writes) in POINTER_ARGUMENTS.items()
        }
    return _pointers


def _name_buffer(ffi, arg):
    """PR_SET_NAME: the kernel reads a C string, so hand it a NUL-terminated copy."""
    if isinstance(arg, str):
        arg = arg.encode()
    data = bytes(memoryview(arg))
    return ffi.new("char[]", data.split(b"\0", 1)[0])


def _pointer(ffi, option_is_set_name, position, arg, size, writes):
    """The cdata to pass for a pointer argument, refused if C could overrun it."""
    if option_is_set_name and not isinstance(arg, ffi.CData):
        try:
            return _name_buffer(ffi, arg)
        except TypeError:
            raise TypeError("prctl: arg2 of PR_SET_NAME must be str or bytes-like, not %s"
                            % type(arg).__name__) from None
        except UnicodeError as exc:
            raise ValueError("prctl: arg2 of PR_SET_NAME: %s" % exc) from None
    if isinstance(arg, ffi.CData):
        ctype = ffi.typeof(arg)
        if ctype.kind not in ("pointer", "array"):
            raise TypeError("prctl: arg%d must point to %d bytes, not %r" % (position, size, arg))
        if arg == ffi.NULL:
            raise ValueError("prctl: arg%d must not be NULL" % position)
        have = ffi.sizeof(arg) if ctype.kind == "array" else ffi.sizeof(ctype.item)
        buf = arg
    else:
        try:
            buf = ffi.from_buffer(arg, require_writable=writes)
        except (TypeError, BufferError):
            raise TypeError("prctl: arg%d must be a %sbuffer of %d bytes or a cdata, not %s"
                            % (position, "writable " if writes else "", size,
                               type(arg).__name__)) from None
        have = len(buf)
    if have < size:
        raise ValueError("prctl: arg%d must have room for %d bytes, not %d" % (position, size, have))
    return buf


def convert_arguments(ffi, lib, args):
    """Numbers pass as they are; pointers only where the option takes one, and big enough.

    Returns the arguments for C and the buffers that must outlive the call.
    """
    option = args[0]
    spec = _pointer_map(ffi, lib).get(option) if isinstance(option, int) else None
    out, keep = [option], []
    for position, arg in enumerate(args[1:], start=2):
        wanted = spec is not None and spec[0] == position
        if not wanted:
            if not isinstance(arg, int):
                raise TypeError("prctl: arg%d must be an int for option %r, not %s"
                                % (position, option, type(arg).__name__))
            out.append(arg)
            continue
        if isinstance(arg, int):
            raise TypeError("prctl: arg%d of option %d is a pointer: pass a buffer or cdata, "
                            "not an int" % (position, option))
        buf = _pointer(ffi, option == lib.PR_SET_NAME, position, arg, spec[1], spec[2])
        keep.append(buf)
        out.append(int(ffi.cast("uintptr_t", buf)))
    return tuple(out), keep


FAMILY = Family(
    "prctl",
    headers=["<sys/prctl.h>"],
    doc="per-process and per-thread attributes",
    constants=names("""
        PR_SET_PDEATHSIG PR_GET_PDEATHSIG PR_GET_DUMPABLE PR_SET_DUMPABLE
        PR_GET_UNALIGN PR_SET_UNALIGN PR_GET_KEEPCAPS PR_SET_KEEPCAPS PR_GET_FPEMU
        PR_SET_FPEMU PR_GET_FPEXC PR_SET_FPEXC PR_GET_TIMING PR_SET_TIMING PR_SET_NAME
        PR_GET_NAME PR_GET_ENDIAN PR_SET_ENDIAN PR_GET_SECCOMP PR_SET_SECCOMP
        PR_CAPBSET_READ PR_CAPBSET_DROP PR_GET_TSC PR_SET_TSC PR_GET_SECUREBITS
        PR_SET_SECUREBITS PR_SET_TIMERSLACK PR_GET_TIMERSLACK PR_TASK_PERF_EVENTS_DISABLE
        PR_TASK_PERF_EVENTS_ENABLE PR_MCE_KILL PR_MCE_KILL_GET PR_SET_MM
        PR_SET_CHILD_SUBREAPER PR_GET_CHILD_SUBREAPER PR_SET_NO_NEW_PRIVS
        PR_GET_NO_NEW_PRIVS PR_GET_TID_ADDRESS PR_SET_THP_DISABLE PR_GET_THP_DISABLE
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
        PR_SET_PTRACER PR_SET_PTRACER_ANY
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
            defaults={"arg2": 0, "arg3": 0, "arg4": 0, "arg5": 0},
            convert=convert_arguments,
            errors=dict(
                BAD_POINTER,
                EINVAL="option is unknown or unsupported here, or one of its arguments is "
                       "out of range or must be 0",
                EPERM="the caller lacks the privilege (a capability) this option needs",
                EACCES="the option is not allowed in this state (PR_SET_MM without "
                       "CAP_SYS_RESOURCE, or PR_SET_SECCOMP without no_new_privs)",
                EBUSY="PR_SET_MM_EXE_FILE was already used, or the memory map is in use",
                EBADF="PR_SET_MM_EXE_FILE was given a file descriptor that is not open",
                ENXIO="PR_MPX_ENABLE_MANAGEMENT and the like: the kernel lacks the feature",
            ),
            doc="Do one operation on this process or thread.  arg2..arg5 are numbers, or "
                "for the options that take a pointer (PR_GET_NAME needs 16 bytes, "
                "PR_GET_PDEATHSIG an int, ...) a buffer or cdata that is checked to be "
                "big enough; PR_SET_NAME also takes str or bytes.",
        ),
    ],
    source='#include "prctl.h"',
)
