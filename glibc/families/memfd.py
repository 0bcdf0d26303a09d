"""<sys/mman.h>, <linux/memfd.h>: anonymous memory-backed files (memfd_create(2))."""

from glibc._spec import Family, Function, names
from glibc.families._cstring import c_strings
from glibc.families._reasons import BAD_POINTER, NEW_FD

FAMILY = Family(
    "memfd",
    # <linux/memfd.h> (the MFD_HUGE_* sizes) first: glibc's <sys/mman.h> then
    # skips its own MFD_CLOEXEC and friends instead of having them redefined.
    headers=["<linux/memfd.h>", "<sys/mman.h>"],
    doc="memfd_create and its flags; the file seals are fcntl's F_ADD_SEALS/F_GET_SEALS",
    constants=names("""
        MFD_CLOEXEC MFD_ALLOW_SEALING MFD_HUGETLB MFD_HUGE_SHIFT MFD_HUGE_MASK
        MFD_HUGE_64KB MFD_HUGE_512KB MFD_HUGE_1MB MFD_HUGE_2MB MFD_HUGE_8MB MFD_HUGE_16MB
        MFD_HUGE_32MB MFD_HUGE_256MB MFD_HUGE_512MB MFD_HUGE_1GB MFD_HUGE_2GB MFD_HUGE_16GB
    """),
    # Linux 6.3 and glibc 2.38.
    optional=names("MFD_NOEXEC_SEAL MFD_EXEC"),
    functions=[
        Function(
            "int memfd_create(const char *name, unsigned int flags);",
            man="memfd_create(2)", convert=c_strings("memfd_create", name=0),
            stdlib="os.memfd_create",
            errors=dict(
                BAD_POINTER,
                **NEW_FD,
                EINVAL="flags hold an unknown bit or an invalid combination (MFD_HUGETLB "
                       "where huge pages are unsupported, MFD_EXEC with MFD_NOEXEC_SEAL), or "
                       "name is longer than 249 bytes",
                EPERM="MFD_HUGETLB without the right to lock memory, or MFD_EXEC where "
                      "vm.memfd_noexec forbids it",
            ),
            doc="Create an anonymous file that lives in memory and return its fd; name (str "
                "or bytes) only shows in /proc/self/fd as 'memfd:name'.  MFD_CLOEXEC keeps it "
                "from children; MFD_ALLOW_SEALING lets fcntl(F_ADD_SEALS) seal it.",
        ),
    ],
)
