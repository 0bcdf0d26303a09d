"""What ``glibc.NAME`` resolves to, built on first use and then cached.

The index (name -> table entry) needs only the tables; the compiled
extension is loaded when the first function, type or constant is asked for.
"""

from typing import Any, Optional, Tuple, Union, cast

import glibc.families
from glibc._spec import Family, Function, Type

# kind ("type", "function", "constant" or "optional"), family, entry (a name for constants)
Entry = Tuple[str, Family, Union[Type, Function, str]]

_index: Optional[dict[str, Entry]] = None
_all: Optional[list[str]] = None


def index() -> dict[str, Entry]:
    """Every public name of the tables -> (kind, family, entry)."""
    global _index
    if _index is None:
        table: dict[str, Entry] = {}
        for fam in glibc.families.load():
            for t in fam.types:
                table[t.name] = ("type", fam, t)
            for name in fam.constants:
                table[name] = ("constant", fam, name)
            for name in fam.optional:
                table[name] = ("optional", fam, name)
            for f in fam.functions:
                if f.public:
                    table[f.name] = ("function", fam, f)
        _index = table
    return _index


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


def available(name: str) -> bool:
    """False for a name whose header or constant this build did not find."""
    kind, _, _ = index()[name]
    if kind != "optional":
        return True
    return bool(getattr(compiled()[1], "GLIBC_HAS_" + name))


def public_names() -> list[str]:
    global _all
    if _all is None:
        _all = sorted(name for name in index() if available(name))
    return _all


def build(name: str) -> Any:
    """The object that ``glibc.name`` stands for."""
    if name in ("ffi", "lib"):
        return dict(zip(("ffi", "lib"), compiled()))[name]
    try:
        kind, fam, entry = index()[name]
    except KeyError:
        raise AttributeError("module 'glibc' has no attribute %r" % name) from None
    ffi, lib = compiled()
    if kind == "type":
        from glibc._types import CType

        return CType(cast(Type, entry), ffi)
    if kind == "function":
        from glibc._functions import make_function

        return make_function(cast(Function, entry), ffi, lib)
    if not available(name):
        raise AttributeError(
            "module 'glibc' has no attribute %r: this system's headers do not define it" % name)
    return getattr(lib, name)


def _c_name(name: str) -> bool:
    """``__WALL``, ``_LINUX_CAPABILITY_VERSION_3``: C names that begin with an underscore.

    A ``__dunder__`` is never one, so asking for it loads nothing.
    """
    return not (name.startswith("__") and name.endswith("__")) and name in index()


def resolve(name: str, namespace: dict[str, Any]) -> Any:
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
