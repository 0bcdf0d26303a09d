# The common loops; `make help` lists them.  PYTHON picks the interpreter for
# build and test (it needs cffi, setuptools, pytest, pytest-timeout and hypothesis: see README).
PYTHON ?= python3

.PHONY: help build test test-all lint packaging verify bench bench-quick tables clean

help:
	@echo "make build     build glibc/_glibc in place with $(PYTHON)"
	@echo "make test      build, then pytest on $(PYTHON) against the in-place build"
	@echo "make test-all  nox: install and test on every interpreter found (as CI does)"
	@echo "make lint      nox -s lint: ruff, mypy --strict, clang-format"
	@echo "make packaging nox -s packaging: build sdist and wheel, install each in fresh venvs"
	@echo "make verify    build, then check the build against the headers (python -m glibc --verify)"
	@echo "make bench     benchmarks/run.py: every benchmark on $(PYTHON) and PyPy, to docs/benchmarks.md"
	@echo "make bench-quick  the same with a few iterations: each benchmark's result checked"
	@echo "make tables    regenerate docs/coverage.md's tables and glibc/__init__.pyi"
	@echo "make clean     remove build output, venvs and caches"

build:
	$(PYTHON) build_glibc.py

test: build
	$(PYTHON) -m pytest tests

test-all:
	$(PYTHON) -m nox -s tests

lint:
	$(PYTHON) -m nox -s lint

packaging:
	$(PYTHON) -m nox -s packaging

verify: build
	$(PYTHON) -m glibc --verify

# run.py builds in place for each interpreter it runs.
bench:
	$(PYTHON) benchmarks/run.py
	$(PYTHON) benchmarks/run_startup.py

bench-quick:
	$(PYTHON) benchmarks/run.py --quick

tables:
	$(PYTHON) tools/tables.py

clean:
	rm -rf build dist .nox .pytest_cache .hypothesis *.egg-info
	rm -f glibc/_glibc.c glibc/_glibc.o glibc/_glibc.*.so
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
