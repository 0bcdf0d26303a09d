/* The C side of the glibc bindings: feature macros first, then the headers
 * the binding tables name (build_glibc.py appends those). */
#ifndef GLIBC_SHIM_H
#define GLIBC_SHIM_H

/* Python.h already asks for _GNU_SOURCE; say so here too, so that the shim
 * does not depend on the order cffi includes things in. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#endif
