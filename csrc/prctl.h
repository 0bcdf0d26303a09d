/* prctl(2) is variadic in <sys/prctl.h>; cffi calls a fixed-arity twin. */
#ifndef GLIBC_PRCTL_H
#define GLIBC_PRCTL_H

#include <sys/prctl.h>

static int glibc_prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4,
                       unsigned long arg5)
{
    return prctl(option, arg2, arg3, arg4, arg5);
}

#endif
