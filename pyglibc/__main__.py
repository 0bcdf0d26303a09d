"""``python -m pyglibc run -- CMD [ARG ...]``: see ``python -m pyglibc run --help``."""

import sys

from pyglibc._cli import main

if __name__ == "__main__":
    sys.exit(main())
