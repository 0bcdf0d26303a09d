/* waitid(2) stores the child's pid, uid and status in members of siginfo_t
 * that <signal.h> reaches through macros into a union: cffi cannot name
 * them, so they are copied out here. */
#ifndef GLIBC_WAITID_H
#define GLIBC_WAITID_H

#include <signal.h>

static void glibc_waitid_fields(const siginfo_t *infop, long long fields[3])
{
    fields[0] = infop->si_pid;
    fields[1] = infop->si_uid;
    fields[2] = infop->si_status;
}

#endif
