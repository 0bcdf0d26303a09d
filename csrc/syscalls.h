/* The numbers of the system calls the shim makes through syscall(2) that
 * older headers lack.  From 424 on (Linux 5.1), every architecture numbers a
 * new system call alike, so each number is the kernel's ABI; where the
 * headers have it, the compiler checks that they agree. */
#ifndef GLIBC_SYSCALLS_H
#define GLIBC_SYSCALLS_H

#include <sys/syscall.h>

#ifdef SYS_pidfd_send_signal
_Static_assert(SYS_pidfd_send_signal == 424, "SYS_pidfd_send_signal");
#else
#define SYS_pidfd_send_signal 424
#endif

#ifdef SYS_pidfd_open
_Static_assert(SYS_pidfd_open == 434, "SYS_pidfd_open");
#else
#define SYS_pidfd_open 434
#endif

#ifdef SYS_clone3
_Static_assert(SYS_clone3 == 435, "SYS_clone3");
#else
#define SYS_clone3 435
#endif

#ifdef SYS_close_range
_Static_assert(SYS_close_range == 436, "SYS_close_range");
#else
#define SYS_close_range 436
#endif

#ifdef SYS_openat2
_Static_assert(SYS_openat2 == 437, "SYS_openat2");
#else
#define SYS_openat2 437
#endif

#ifdef SYS_pidfd_getfd
_Static_assert(SYS_pidfd_getfd == 438, "SYS_pidfd_getfd");
#else
#define SYS_pidfd_getfd 438
#endif

#ifdef SYS_epoll_pwait2
_Static_assert(SYS_epoll_pwait2 == 441, "SYS_epoll_pwait2");
#else
#define SYS_epoll_pwait2 441
#endif

#endif
