"""The tests' view of the C probe (glibc/_probe.py): compiled and run once per process.

The probe is written from the binding tables alone and compiled by the
system's compiler; it uses nothing of glibc._glibc, build_glibc.py or
csrc/, so a mistake there cannot hide itself.  ``results()`` returns the
dict that glibc._probe.run() describes.
"""

import functools

from glibc._probe import Probe, compiler, headers, parse, run, source

__all__ = ["compiler", "headers", "parse", "results", "source"]


@functools.lru_cache(maxsize=None)
def results() -> Probe:
    """Compile and run the probe (once per process); return its parsed output."""
    return run()
