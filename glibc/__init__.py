"""cffi bindings to the GNU C library: ``from glibc import signalfd, sigset_t, SFD_CLOEXEC``.

Every function, type and constant of the binding tables (glibc/families/)
is an attribute of this module, made on first use: importing the package
loads neither the compiled extension nor the tables, and a name loads the
extension and the table of its own family only.  ``glibc.ffi`` and
``glibc.lib`` are the raw cffi objects.
"""

import sys as _sys

if not _sys.platform.startswith("linux"):
    raise ImportError("glibc: these bindings are for Linux only, not %r" % _sys.platform)


def __getattr__(name):
    # Not "from glibc import _namespace": that would ask this hook again.
    import glibc._namespace

    return glibc._namespace.resolve(name, globals())


def __dir__():
    import glibc._namespace

    try:
        names = glibc._namespace.where()
    except ImportError:  # no compiled module: nothing but what is already here
        names = {}
    return sorted(set(globals()) | set(names) | {"ffi", "lib"})
