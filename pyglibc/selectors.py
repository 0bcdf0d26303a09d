"""The standard library's ``selectors`` over ``pyglibc.select.epoll``.

``EpollSelector`` is ``selectors.EpollSelector`` driving our epoll object
instead of ``select.epoll``; ``DefaultSelector`` is the same class.
``SelectorKey``, ``BaseSelector``, ``EVENT_READ`` and ``EVENT_WRITE`` are
the standard library's own objects, re-exported.  Nothing else differs:
same arguments, same results, same exceptions with the same messages.
The select(), poll(), devpoll and kqueue selectors are not here; they have
nothing to do with glibc.

Why a subclass of the standard library's class, rather than our own:

* The standard library's epoll selector is written around one hook,
  ``_selector_cls``, the class of the epoll object it drives: setting it is
  all that building on another epoll object takes.
* The behaviour is then the running interpreter's own, on every version
  from 3.9 to 3.13 and on PyPy, rather than a copy frozen at one version
  (3.13, for one, added ``get_map().get()``): argument checks, messages,
  ``modify()`` changing only the data without a system call,
  ``unregister()`` of a descriptor closed meanwhile, the closed state.
* Keys, events and base class are the standard library's, so our selector
  and its keys pass every isinstance check and comparison that asyncio or
  other code makes (``isinstance(s, selectors.BaseSelector)``, and even
  ``isinstance(s, selectors.EpollSelector)``).
* Writing our own would repeat some 150 lines of the standard library and
  have to follow its changes.  The price of the subclass is that
  ``_selector_cls`` and ``_fd_to_key`` are private names; the differential
  tests (tests/test_pyglibc_selectors.py) would show the day they change.

Only ``select()`` is written again, for speed alone: see its docstring.
"""

import math
import selectors as _stdlib
from selectors import EVENT_READ, EVENT_WRITE, BaseSelector, SelectorKey
from typing import Optional

import pyglibc.select as _select

__all__ = ["BaseSelector", "DefaultSelector", "EVENT_READ", "EVENT_WRITE", "EpollSelector",
           "SelectorKey"]

# Any bit but EPOLLIN (EPOLLOUT, EPOLLERR, EPOLLHUP, ...) counts as writable, any
# but EPOLLOUT as readable: so an error or a hangup wakes readers and writers both.
_NOT_IN, _NOT_OUT = ~_select.EPOLLIN, ~_select.EPOLLOUT


class EpollSelector(_stdlib.EpollSelector):
    """``selectors.EpollSelector`` on ``pyglibc.select.epoll``, alike in every behaviour."""

    _selector_cls = _select.epoll
    # The standard library's private state (typeshed leaves it out).
    _fd_to_key: dict[int, SelectorKey]
    _selector: _select.epoll

    def select(self, timeout: Optional[float] = None) -> list[tuple[SelectorKey, int]]:
        """Wait for registered objects to be ready: a list of (key, events).

        The standard library's steps, in the same order: None waits until
        something is ready, a timeout <= 0 only looks, a positive one is
        rounded up to whole milliseconds; at most one event per registered
        fd (and at least one) is asked for; InterruptedError (raised by a
        signal handler: epoll.poll() retries EINTR itself) gives []; an fd
        the selector does not know (closed and unregistered while a dup
        keeps its file in the epoll set) is dropped.  One list
        comprehension replaces the standard library's loop, which makes up
        for our poll() being a little slower than its C one: with 100 ready
        fds (``python3 benchmarks/run.py select``) CPython 3.11 takes 22 us where
        the standard library takes 27 (the inherited select() 27 too), 3.9
        29 us where it takes 40; 3.13, whose loop is as tight, and PyPy
        come out even.  The one difference: the private hook
        ``_key_from_fd`` of 3.9 to 3.12 (gone in 3.13) is not called.
        """
        if timeout is None:
            timeout = -1
        elif timeout <= 0:
            timeout = 0
        else:
            timeout = math.ceil(timeout * 1e3) * 1e-3
        fd_to_key = self._fd_to_key
        try:
            polled = self._selector.poll(timeout, len(fd_to_key) or 1)
        except InterruptedError:
            return []
        get = fd_to_key.get
        return [(key, ((event & _NOT_IN and EVENT_WRITE) | (event & _NOT_OUT and EVENT_READ))
                 & key.events)
                for fd, event in polled if (key := get(fd))]


DefaultSelector = EpollSelector
