"""Types of the namespace: calling one makes a zeroed instance to pass by pointer.

``sigset_t()`` is ``ffi.new("sigset_t *")``: the C functions that take a
``sigset_t *`` accept it, and struct fields are its attributes
(``timespec().tv_sec``).  ``epoll_event.array(16)`` makes an array.
"""

from __future__ import annotations

from glibc._spec import Type

# typing imports re, which a first use of the namespace does not otherwise
# need (glibc/_cparse.py says what that costs): only type checkers read it.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Optional, Tuple


class CType:
    __slots__ = ("name", "cname", "fields", "man", "_ffi", "_pointer", "_array", "__doc__")

    name: str
    cname: str
    fields: Tuple[str, ...]
    man: Optional[str]

    def __init__(self, entry: Type, ffi: Any) -> None:
        self.name = entry.name
        self.cname = entry.c_name
        self.fields = entry.fields
        self.man = entry.man
        self._ffi = ffi
        self._pointer = ffi.typeof(entry.c_name + " *")
        self._array = ffi.typeof(entry.c_name + "[]")
        self.__doc__ = "C type %s: %s\n\n%s" % (
            entry.c_name,
            entry.cdef,
            "Calling it returns a zeroed %s (a 'cdata', pass it where C takes a pointer)%s."
            % (entry.c_name + " *", "; fields: " + ", ".join(self.fields) if self.fields else ""),
        )

    def __call__(self, init: Any = None) -> Any:
        """A new zeroed instance (``init``: a value, dict or sequence to fill it)."""
        try:
            return self._ffi.new(self._pointer, init)
        except KeyError as exc:  # cffi's word for a field the type lacks: a wrong argument
            raise TypeError("%s has no field %s" % (self.cname, exc)) from None

    def array(self, length_or_items: Any) -> Any:
        """A new C array: ``length`` zeroed instances, or one per item given."""
        try:
            return self._ffi.new(self._array, length_or_items)
        except KeyError as exc:
            raise TypeError("%s has no field %s" % (self.cname, exc)) from None

    @property
    def size(self) -> int:
        """sizeof(the C type), in bytes."""
        return int(self._ffi.sizeof(self._pointer.item))

    @property
    def ctype(self) -> Any:
        """The cffi ctype object."""
        return self._pointer.item

    def __repr__(self) -> str:
        return "<glibc type %r>" % self.cname
