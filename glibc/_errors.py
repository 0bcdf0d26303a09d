"""The one error path: a failed C call becomes ``OSError(errno, "name: reason")``.

``OSError`` picks the subclass from the errno (``BlockingIOError`` for
EAGAIN, ``FileNotFoundError`` for ENOENT, ...), so callers can catch either.
"""

from __future__ import annotations

import errno as _errno
import os

# typing imports re, which a first use of the namespace does not otherwise
# need (glibc/_cparse.py says what that costs): only type checkers read it.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Mapping

def reasons_by_number(table: Mapping[str, str]) -> dict[int, str]:
    """errno name -> reason becomes errno number -> reason.

    Names this platform's errno module does not know are dropped: such an
    error cannot be returned here.
    """
    out = {}
    for name, reason in table.items():
        number = getattr(_errno, name, None)
        if number is not None:
            out[number] = reason
    return out


def oserror(function: str, reasons: Mapping[int, str], number: int) -> OSError:
    """The exception for ``function`` failing with errno ``number``."""
    reason = reasons.get(number) or os.strerror(number)
    return OSError(number, "%s: %s" % (function, reason))
