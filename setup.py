# cffi reads cffi_modules only as a setup() keyword, not from pyproject.toml
# (python-cffi/cffi#55); everything else lives in pyproject.toml.
from setuptools import setup

setup(cffi_modules=["build_glibc.py:ffibuilder"])
