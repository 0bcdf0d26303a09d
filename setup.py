# cffi reads cffi_modules only as a setup() keyword, not from pyproject.toml
# (python-cffi/cffi#55); everything else lives in pyproject.toml.
import platform

from setuptools import setup

options = {}
if platform.python_implementation() == "CPython":
    # cffi compiles against the stable ABI (Py_LIMITED_API) on CPython, so
    # one wheel, tagged cp39-abi3, serves CPython 3.9 and every later one.
    options["bdist_wheel"] = {"py_limited_api": "cp39"}

setup(cffi_modules=["build_glibc.py:ffibuilder"], options=options)
