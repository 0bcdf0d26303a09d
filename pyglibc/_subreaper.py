"""The child subreaper flag of this process (prctl(2), PR_SET_CHILD_SUBREAPER).

A subreaper is to its descendants what init is to every process: when a
process under it dies, its children are reparented to the nearest living
subreaper ancestor instead of to init, and that ancestor gets their SIGCHLD
and must wait for them.  Linux has the flag since 3.4; fork(2) clears it in
the child.
"""

import errno

import glibc

_PR_GET = glibc.PR_GET_CHILD_SUBREAPER
_PR_SET = glibc.PR_SET_CHILD_SUBREAPER
_prctl = glibc.prctl
_new = glibc.ffi.new


class _Subreaper:
    """``pyglibc.subreaper``: PR_SET_CHILD_SUBREAPER of prctl(2) as a property and a ``with``.

    ``int prctl(int option, unsigned long arg2, ...)`` with
    PR_GET_CHILD_SUBREAPER (arg2 points to an int) and PR_SET_CHILD_SUBREAPER
    (arg2 is 0 or 1).  Every read asks the kernel, so the object never goes
    stale if the flag is changed through ``glibc.prctl`` directly.
    """

    # The codes of ``status``, as the old package numbered them.  SR_UNKNOWN is
    # kept for code that compares with it; the status is asked, never guessed.
    SR_UNKNOWN = 0
    SR_UNSUPPORTED = 1
    SR_ENABLED = 2
    SR_DISABLED = 3

    _NAMES = {SR_UNKNOWN: "unknown", SR_UNSUPPORTED: "unsupported",
              SR_ENABLED: "enabled", SR_DISABLED: "disabled"}

    __slots__ = ("_previous",)

    def __init__(self) -> None:
        # The values ``with`` blocks replaced, innermost last.
        self._previous: list[bool] = []

    @property
    def status(self) -> int:
        """SR_ENABLED or SR_DISABLED, or SR_UNSUPPORTED on a kernel without the flag (< 3.4)."""
        value = _new("int *")
        try:
            _prctl(_PR_GET, value)
        except OSError as exc:
            if exc.errno != errno.EINVAL:
                raise
            return self.SR_UNSUPPORTED
        return self.SR_ENABLED if value[0] else self.SR_DISABLED

    @property
    def status_name(self) -> str:
        """``status`` in words: 'enabled', 'disabled' or 'unsupported'."""
        return self._NAMES[self.status]

    @property
    def enabled(self) -> bool:
        """Whether this process is a child subreaper (False where the kernel lacks the flag).

        Setting True where the kernel lacks the flag is a ValueError;
        setting False there does nothing, since there is nothing to turn off.
        """
        return self.status == self.SR_ENABLED

    @enabled.setter
    def enabled(self, value: bool) -> None:
        if not isinstance(value, int):  # bool is an int
            raise TypeError("subreaper.enabled must be a bool, not %s" % type(value).__name__)
        try:
            _prctl(_PR_SET, 1 if value else 0)
        except OSError as exc:
            if exc.errno != errno.EINVAL:
                raise
            if value:
                raise ValueError("subreaper.enabled: this kernel has no PR_SET_CHILD_SUBREAPER "
                                 "(Linux >= 3.4 has it)") from exc

    def __enter__(self) -> "_Subreaper":
        """Become a subreaper until the block ends; the old value comes back then."""
        previous = self.enabled
        self.enabled = True
        self._previous.append(previous)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.enabled = self._previous.pop()

    def __repr__(self) -> str:
        return "<pyglibc.subreaper %s>" % self.status_name


subreaper = _Subreaper()
