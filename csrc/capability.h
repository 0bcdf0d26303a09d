/* capget(2)/capset(2): glibc exports both symbols but declares them in no
 * header, so they are reached through syscall(). */
#ifndef GLIBC_CAPABILITY_H
#define GLIBC_CAPABILITY_H

#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

static int glibc_capget(struct __user_cap_header_struct *hdrp, struct __user_cap_data_struct *datap)
{
#ifdef SYS_capget
    return (int)syscall(SYS_capget, hdrp, datap);
#else
    (void)hdrp;
    (void)datap;
    errno = ENOSYS;
    return -1;
#endif
}

static int glibc_capset(struct __user_cap_header_struct *hdrp,
                        const struct __user_cap_data_struct *datap)
{
#ifdef SYS_capset
    return (int)syscall(SYS_capset, hdrp, datap);
#else
    (void)hdrp;
    (void)datap;
    errno = ENOSYS;
    return -1;
#endif
}

#endif
