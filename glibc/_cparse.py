"""The C declarations of the tables, split with str methods instead of the re module.

glibc/_spec.py parses every prototype of a family's table when that table
is imported, at the first use of one of its names.  Importing re for that
would cost more than everything else that first use does, where nothing
imported re before (PyPy 3.9: 9 ms, CPython 3.11 without site: 4.5 ms;
benchmarks/run.py measures imports).  Each parser here answers as the
regular expression in its docstring does, for the ASCII text of C
declarations (tests/test_cparse.py compares the two on every table entry
and on generated text), and offers the part of a compiled pattern's API
that _spec uses: ``match(text)`` (or ``search``) is None or has
``group(key)``.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # not at run time: typing imports re, the import this module saves
    from typing import Any, Callable, Dict, Optional, Tuple, Union

    Groups = Dict[Union[str, int], Optional[str]]

_WORD = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
_DIGITS = frozenset("0123456789")


def _identifier_before(text: str, end: int) -> int:
    """Where the run of word characters that ends at ``end`` begins."""
    start = end
    while start and text[start - 1] in _WORD:
        start -= 1
    return start


def _strip_end(text: str, suffix: str) -> Optional[str]:
    """text without trailing whitespace, ``suffix`` and the whitespace before it; None if
    it does not end so."""
    text = text.rstrip()
    return text[:-len(suffix)].rstrip() if text.endswith(suffix) else None


def prototype(text: str) -> Optional[Groups]:
    r"""``^\s*(?P<ret>.+?)\b(?P<name>IDENT)\s*\((?P<args>.*)\)\s*;\s*$`` (DOTALL)."""
    body = _strip_end(text, ";")
    if body is None or not body.endswith(")"):
        return None
    body = body[:-1]  # args run to the last ")", the one before the ";"
    lead = len(text) - len(text.lstrip())
    open_ = body.find("(")
    while open_ >= 0:
        head = body[:open_].rstrip()
        start = _identifier_before(head, len(head))
        ret = head[:start]
        if start < len(head) and head[start] not in _DIGITS and ret:
            # ^\s* takes the leading whitespace, but leaves ret at least one character
            ret = ret[lead:] if len(ret) > lead else ret[-1:]
            return {"ret": ret, "name": head[start:], "args": body[open_ + 1:]}
        open_ = body.find("(", open_ + 1)
    return None


def parameter(text: str) -> Optional[Groups]:
    r"""``^(?P<type>.*?)\b(?P<name>IDENT)\s*(?P<dim>\[\s*\d*\s*\])?$`` (DOTALL)."""
    # $ also matches before a last newline; with no dim, \s* takes any blanks
    body = text[:-1] if text.endswith("]\n") else text
    dim = None
    if body.endswith("]"):
        open_ = body.rfind("[")
        if open_ < 0 or not set(body[open_ + 1:-1].strip()) <= _DIGITS:
            return None
        body, dim = body[:open_].rstrip(), body[open_:]
    else:
        body = text.rstrip()
    start = _identifier_before(body, len(body))
    if start == len(body) or body[start] in _DIGITS:
        return None
    return {"type": body[:start], "name": body[start:], "dim": dim}


def typedef_name(text: str) -> Optional[Groups]:
    r"""``(IDENT)\s*;\s*$``, searched: the name a typedef declares."""
    body = _strip_end(text, ";")
    if body is None:
        return None
    start = _identifier_before(body, len(body))
    while start < len(body) and body[start] in _DIGITS:
        start += 1  # the leftmost match begins at the first letter or _
    return {1: body[start:]} if start < len(body) else None


def tag(text: str) -> Optional[Groups]:
    r"""``^\s*(struct|union)\s+(IDENT)``: the struct or union a declaration names."""
    body = text.lstrip()
    for keyword in ("struct", "union"):
        if body.startswith(keyword):
            rest = body[len(keyword):]
            name = rest.lstrip()
            end = 0
            while end < len(name) and name[end] in _WORD:
                end += 1
            if len(name) == len(rest) or end == 0 or name[0] in _DIGITS:
                return None
            return {1: keyword, 2: name[:end]}
    return None


class Found:
    """What a parser found, read as a regular expression's match is: ``group(key)``."""

    __slots__ = ("_groups",)

    def __init__(self, groups: Groups) -> None:
        self._groups = groups

    def group(self, key: Union[str, int]) -> Any:
        # Any, as re's Match.group is: a group that can be absent is None.
        return self._groups[key]

    def groups(self) -> Tuple[str, ...]:
        """The numbered groups in order (each one present where groups() is used)."""
        return tuple(str(self._groups[key]) for key in sorted(k for k in self._groups
                                                              if isinstance(k, int)))


class Parser:
    """A parser behind the two methods of a compiled pattern that _spec calls."""

    __slots__ = ("_parse",)

    def __init__(self, parse: Callable[[str], Optional[Groups]]) -> None:
        self._parse = parse

    def match(self, text: str) -> Optional[Found]:
        groups = self._parse(text)
        return None if groups is None else Found(groups)

    search = match


PROTO = Parser(prototype)
PARAM = Parser(parameter)
TYPEDEF_NAME = Parser(typedef_name)
TAG = Parser(tag)
