"""<sys/personality.h>: the process execution domain (personality(2)).

The header defines these names as enumerators, not macros, so none can be
optional (``#ifdef`` cannot see them); all are in every glibc since 2.3.
<linux/personality.h> has the same names and would clash, so it is left out.
"""

from glibc._spec import Family, Function, names

# personality(2): this persona value changes nothing and only reports the
# current one.  No header names it, so it is spelled here, once.
QUERY = 0xFFFFFFFF

FAMILY = Family(
    "personality",
    headers=["<sys/personality.h>"],
    doc="execution domains",
    constants=names("""
        UNAME26 ADDR_NO_RANDOMIZE FDPIC_FUNCPTRS MMAP_PAGE_ZERO ADDR_COMPAT_LAYOUT
        READ_IMPLIES_EXEC ADDR_LIMIT_32BIT SHORT_INODE WHOLE_SECONDS STICKY_TIMEOUTS
        ADDR_LIMIT_3GB
        PER_LINUX PER_LINUX_32BIT PER_LINUX_FDPIC PER_SVR4 PER_SVR3 PER_SCOSVR3 PER_OSR5
        PER_WYSEV386 PER_ISCR4 PER_BSD PER_SUNOS PER_XENIX PER_LINUX32 PER_LINUX32_3GB
        PER_IRIX32 PER_IRIXN32 PER_IRIX64 PER_RISCOS PER_SOLARIS PER_UW7 PER_OSF4 PER_HPUX
        PER_MASK
    """),
    functions=[
        # glibc's wrapper has turned every kernel return into a result since
        # 2.23 (the system call itself cannot fail on Linux >= 2.6.29), so
        # the EINVAL of the man page never reaches the caller.
        Function(
            "int personality(unsigned long persona);", man="personality(2)",
            convention="never", defaults={"persona": QUERY},
            doc="Set the execution domain to persona (a PER_* value, ORed with flags such as "
                "ADDR_NO_RANDOMIZE) and return the previous one.  With no argument, or "
                "0xffffffff, nothing changes: the current persona is returned.",
            hazard="process",
        ),
    ],
)
