/* The C side of the glibc bindings: feature macros first, then the headers
 * the binding tables name (build_glibc.py appends those). */
#ifndef GLIBC_SHIM_H
#define GLIBC_SHIM_H

/* Python.h already asks for _GNU_SOURCE; say so here too, so that the shim
 * does not depend on the order cffi includes things in. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <errno.h>
#include <features.h>
#include <limits.h>
#include <linux/version.h>

#include "syscalls.h"

/* The interpreter may run a Python signal handler between a C call's return
 * and the caller's next line, and a handler that makes a failing call of its
 * own changes errno.  So each function that fails with -1 and errno is also
 * reached through a wrapper that build_glibc.py writes, which reads errno in
 * the same C call and returns GLIBC_ERRNO_BASE + errno instead of -1.  No
 * success can be that low: those functions return an int, or a size or
 * offset that is not negative, and Linux's error numbers are below 4096. */
#define GLIBC_ERRNO_BASE LLONG_MIN
#define GLIBC_ERRNO_END (LLONG_MIN + 4096)
#define GLIBC_FAILED(e) (GLIBC_ERRNO_BASE + (e))

/* Which headers built the extension (glibc 2.31 is 2031; Linux's as its
 * LINUX_VERSION_CODE): a wheel runs on systems whose headers differ, and
 * --verify then compares only what both sets of headers have. */
#define GLIBC_HEADERS_GLIBC (__GLIBC__ * 1000 + __GLIBC_MINOR__)
#define GLIBC_HEADERS_LINUX LINUX_VERSION_CODE

#endif
