"""The compiled module that build_glibc.py makes with cffi: the raw ffi and lib."""

from typing import Any

from cffi import FFI

ffi: FFI
# Every function, constant and GLIBC_HAS_* flag of the cdef: attributes made by cffi.
lib: Any
