"""``python -m pyglibc run -- CMD [ARG ...]``: see ``python -m pyglibc run --help``."""

import os
import sys

from pyglibc._cli import main

if __name__ == "__main__":
    status = main()
    # The interpreter's own teardown (freeing every module, the compiled one
    # included) would take a fifth of the time of ``run -- true`` (the
    # supervisor's startup goal): the supervisor has closed what it opened and no thread or
    # atexit handler of its own is left, so only the standard streams need
    # flushing.  If that fails, Python's usual exit reports it.
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:
        sys.exit(status)
    os._exit(status)
