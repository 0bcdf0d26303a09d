"""Run a function in a forked child, for tests that change the process for good.

No_new_privs cannot be unset, a dropped capability cannot come back and an
unprivileged caller cannot raise a hard limit again: such tests run in a
child so that the test process ends as it began.  ``in_child(f, *args)``
returns what ``f(*args)`` returned in the child, or raises what it raised
(both pickled through a pipe); the child is always reaped.
"""

import os
import pickle
import signal


class ChildDied(Exception):
    """The child ended without reporting (killed by a signal, say)."""


def _report(w, function, args):
    try:
        outcome = (True, function(*args))
    except BaseException as exc:  # everything goes back to the parent
        outcome = (False, exc)
    try:
        data = pickle.dumps(outcome)
    except Exception as exc:
        data = pickle.dumps((False, RuntimeError("unpicklable outcome %r: %r" % (outcome, exc))))
    with os.fdopen(w, "wb") as f:
        f.write(data)


def in_child(function, *args):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            _report(w, function, args)
        finally:
            os._exit(0)
    os.close(w)
    try:
        with os.fdopen(r, "rb") as f:
            data = f.read()
    finally:
        _, status = os.waitpid(pid, 0)
    if not data:
        raise ChildDied("the child reported nothing; wait status %#x%s" % (
            status, " (%s)" % signal.Signals(os.WTERMSIG(status)).name
            if os.WIFSIGNALED(status) else ""))
    ok, value = pickle.loads(data)
    if not ok:
        raise value
    return value
