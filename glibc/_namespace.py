"""What ``glibc.NAME`` resolves to, built on first use and then cached.

The compiled extension carries the index of the namespace: every public
name, its kind and the family that declares it (build_glibc.py writes it
into ``glibc_names()``).  So a constant, an optional name's availability
and ``__all__`` need no table at all, and a function or a type imports the
table of its own family only: the first ``from glibc import signalfd`` does
not read 150 prototypes to make one wrapper.
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False
if TYPE_CHECKING:  # not at run time: typing imports re, a first use's largest cost on PyPy
    from typing import Any, Dict, List, Optional, Tuple

_where: Optional[Dict[str, Tuple[str, str]]] = None
_entries: Dict[str, Dict[str, Any]] = {}  # family -> {name: its Function or Type entry}
_all: Optional[List[str]] = None


def compiled() -> Tuple[Any, Any]:
    try:
        from glibc._glibc import ffi, lib
    except ModuleNotFoundError as exc:
        if exc.name != "glibc._glibc":
            raise
        raise ImportError(
            "glibc: the compiled module glibc._glibc is missing: install the package "
            "(pip install .) or build it in place (python build_glibc.py)", name=exc.name
        ) from None
    return ffi, lib


def where() -> Dict[str, Tuple[str, str]]:
    """Every public name -> (kind, family): kind is type, constant, optional or function."""
    global _where
    if _where is None:
        ffi, lib = compiled()
        table: Dict[str, Tuple[str, str]] = {}
        for line in ffi.string(lib.glibc_names()).decode("ascii").splitlines():
            family, kind, *names = line.split()
            for name in names:
                table[name] = (kind, family)
        _where = table
    return _where


def entry(name: str) -> Any:
    """The table entry (Function or Type) of a public name, from its family's table alone."""
    kind, family = where()[name]
    entries = _entries.get(family)
    if entries is None:
        fam = importlib.import_module("glibc.families." + family).FAMILY
        entries = {t.name: t for t in fam.types}
        entries.update((f.name, f) for f in fam.functions if f.public)
        _entries[family] = entries
    try:
        return entries[name]
    except KeyError:
        raise AttributeError(
            "module 'glibc' has no attribute %r: the compiled module has it, glibc/families/%s.py "
            "no longer does (build it again: python build_glibc.py)" % (name, family)) from None


def available(name: str) -> bool:
    """False for a name whose header or constant this build did not find."""
    kind, _ = where()[name]
    if kind != "optional":
        return True
    return bool(getattr(compiled()[1], "GLIBC_HAS_" + name))


def public_names() -> List[str]:
    global _all
    if _all is None:
        _all = sorted(name for name in where() if available(name))
    return _all


def build(name: str) -> Any:
    """The object that ``glibc.name`` stands for."""
    if name in ("ffi", "lib"):
        return dict(zip(("ffi", "lib"), compiled()))[name]
    try:
        kind, _ = where()[name]
    except KeyError:
        raise AttributeError("module 'glibc' has no attribute %r" % name) from None
    ffi, lib = compiled()
    if kind == "type":
        from glibc._types import CType

        return CType(entry(name), ffi)
    if kind == "function":
        from glibc._functions import make_function

        return make_function(entry(name), ffi, lib)
    if not available(name):
        raise AttributeError(
            "module 'glibc' has no attribute %r: this system's headers do not define it" % name)
    return getattr(lib, name)


def _c_name(name: str) -> bool:
    """``__WALL``, ``_LINUX_CAPABILITY_VERSION_3``: C names that begin with an underscore.

    A ``__dunder__`` is never one, so asking for it loads nothing; without
    the compiled module (the import system asking for a private submodule,
    say) there is none.
    """
    if name.startswith("__") and name.endswith("__"):
        return False
    try:
        return name in where()
    except ImportError:
        return False


def resolve(name: str, namespace: Dict[str, Any]) -> Any:
    """Build ``name``, keep it in the module's namespace, and return it."""
    if name == "__all__":
        value = list(public_names())
    elif name.startswith("_") and not _c_name(name):
        # dunders, and private submodules not imported yet
        raise AttributeError("module 'glibc' has no attribute %r" % name)
    else:
        value = build(name)
    namespace[name] = value
    return value
