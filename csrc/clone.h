/* A fork whose child starts life in a given cgroup v2: clone3(2) with
 * CLONE_INTO_CGROUP (Linux 5.7), so that not one instruction of the child
 * runs outside the cgroup.  glibc has no clone3 wrapper; struct clone_args
 * and the flag are the kernel's ABI, spelled out here for headers older
 * than Linux 5.7's and checked against newer headers where they have them. */
#ifndef GLIBC_CLONE_H
#define GLIBC_CLONE_H

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#if __has_include(<linux/sched.h>)
#include <linux/sched.h>
#endif

#include "syscalls.h"

/* The version of struct clone_args that has cgroup (CLONE_ARGS_SIZE_VER2):
 * every field is a 64-bit integer aligned to 8, whatever the architecture. */
struct glibc_clone_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
        set_tid_size, cgroup;
};

#define GLIBC_CLONE_INTO_CGROUP 0x200000000ULL

#ifdef CLONE_INTO_CGROUP
_Static_assert(CLONE_INTO_CGROUP == GLIBC_CLONE_INTO_CGROUP, "CLONE_INTO_CGROUP");
#endif
#ifdef CLONE_ARGS_SIZE_VER2
_Static_assert(sizeof(struct glibc_clone_args) == CLONE_ARGS_SIZE_VER2, "clone_args size");
_Static_assert(offsetof(struct glibc_clone_args, cgroup) == offsetof(struct clone_args, cgroup),
               "clone_args.cgroup");
_Static_assert(offsetof(struct glibc_clone_args, exit_signal) ==
                   offsetof(struct clone_args, exit_signal),
               "clone_args.exit_signal");
#endif

/* fork(2), but the child is made in the cgroup whose directory cgroup is
 * open on.  Returns the child's pid in the parent, 0 in the child, -1 and
 * errno: ENOSYS before Linux 5.3, E2BIG before 5.7 (the kernel refuses the
 * larger struct), and the errors of a write to the cgroup's cgroup.procs.
 * The child is a copy of a caller that must be single-threaded: glibc's
 * fork handlers do not run. */
static pid_t glibc_fork_into_cgroup(int cgroup)
{
    struct glibc_clone_args args;

    if (cgroup < 0) {
        errno = EBADF;
        return -1;
    }
    memset(&args, 0, sizeof args);
    args.flags = GLIBC_CLONE_INTO_CGROUP;
    args.exit_signal = SIGCHLD;
    args.cgroup = (uint64_t)cgroup;
    return (pid_t)syscall(SYS_clone3, &args, sizeof args);
}

#endif
