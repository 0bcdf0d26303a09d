/* glibc 2.34 made SIGSTKSZ and MINSIGSTKSZ (under _GNU_SOURCE) the value
 * of sysconf(_SC_SIGSTKSZ): a CPU's signal frame may outgrow the old fixed
 * numbers (AVX-512's does).  A build on older headers asks the running
 * glibc the same, where it knows the name, and keeps the fixed numbers
 * where it does not: the value is the running system's, whatever headers
 * built the extension. */
#ifndef GLIBC_SIGSTACK_H
#define GLIBC_SIGSTACK_H

#include <signal.h>
#include <unistd.h>

/* The number glibc gives the name (its ABI), for headers that lack it. */
#ifdef _SC_SIGSTKSZ
_Static_assert(_SC_SIGSTKSZ == 250, "_SC_SIGSTKSZ");
#define GLIBC_SC_SIGSTKSZ _SC_SIGSTKSZ
#else
#define GLIBC_SC_SIGSTKSZ 250
#endif

#if !__GLIBC_PREREQ(2, 34)
enum { glibc_fixed_sigstksz = SIGSTKSZ, glibc_fixed_minsigstksz = MINSIGSTKSZ };

static long glibc_sigstksz(long fixed)
{
    long size = sysconf(GLIBC_SC_SIGSTKSZ);
    return size > 0 ? size : fixed;
}

#undef SIGSTKSZ
#define SIGSTKSZ glibc_sigstksz(glibc_fixed_sigstksz)
#undef MINSIGSTKSZ
#define MINSIGSTKSZ glibc_sigstksz(glibc_fixed_minsigstksz)
#endif

#endif
