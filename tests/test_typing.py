"""What type checkers see agrees with the tables and with what the code does at run time.

glibc/__init__.pyi is generated (tools/tables.py; test_tables.py checks it
is current); these read it, and the few hand-written declarations for type
checkers in pyglibc, and compare them with the tables and the namespace.
"""

import ast
import inspect
import os

import pytest

import glibc
import glibc.families
import pyglibc
import pyglibc.select
from pyglibc._capabilities import Capability
from pyglibc._inotify import Mask

FAMILIES = glibc.families.load()
FUNCTIONS = {f.name: f for fam in FAMILIES for f in fam.functions if f.public}
PYGLIBC = os.path.dirname(os.path.abspath(pyglibc.__file__))
STUBS = os.path.join(os.path.dirname(os.path.abspath(glibc.__file__)), "__init__.pyi")


def _stub_tree():
    with open(STUBS) as f:
        return ast.parse(f.read())


@pytest.fixture(scope="module")
def stub():
    """name -> its node in glibc/__init__.pyi."""
    out = {}
    for node in _stub_tree().body:
        if isinstance(node, ast.FunctionDef):
            out[node.name] = node
        elif isinstance(node, ast.AnnAssign):
            out[node.target.id] = node
    return out


def test_every_constant_is_final_int(stub):
    for fam in FAMILIES:
        for name in fam.constants + fam.optional:
            assert ast.unparse(stub[name].annotation) == "Final[int]", name


def test_every_type_is_a_ctype(stub):
    for fam in FAMILIES:
        for t in fam.types:
            assert ast.unparse(stub[t.name].annotation) == "CType", t.name


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_stub_signature_is_the_wrappers(stub, name):
    # The same parameters, in the same order, with a default exactly where
    # the generated wrapper has one.
    node = stub[name]
    wrapper = inspect.signature(getattr(glibc, name))
    stubbed = [a.arg for a in node.args.args]
    assert stubbed == list(wrapper.parameters)
    with_default = stubbed[len(stubbed) - len(node.args.defaults):]
    assert with_default == [p.name for p in wrapper.parameters.values()
                            if p.default is not inspect.Parameter.empty]
    result = ast.unparse(node.returns)
    assert (result == "None") == (FUNCTIONS[name].restype == "void")


def test_namespace_names_are_all_stubbed(stub):
    assert set(glibc.__all__) <= set(stub)


def _type_checking_imports(path):
    """The names a module re-exports under ``if TYPE_CHECKING:`` (typing's own are its tools)."""
    with open(path) as f:
        tree = ast.parse(f.read())
    names = set()
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for item in node.body:
                if isinstance(item, ast.ImportFrom) and item.module == "typing":
                    continue
                names |= {alias.asname or alias.name for alias in item.names}
    return names


def test_pyglibc_select_declares_every_epoll_name():
    (epoll,) = [fam for fam in FAMILIES if fam.name == "epoll"]
    declared = _type_checking_imports(os.path.join(PYGLIBC, "select.py"))
    assert declared == {n for n in epoll.constants + epoll.optional if n.startswith("EPOLL")}
    assert {n for n in pyglibc.select.__all__ if n.startswith("EPOLL")} <= declared


# pyglibc names that type checkers would see as Any: none, and a new name of
# _HOMES belongs in the TYPE_CHECKING block of pyglibc/__init__.py.
UNTYPED_YET = set()


def test_pyglibc_declares_its_lazy_names_for_type_checkers():
    declared = _type_checking_imports(os.path.join(PYGLIBC, "__init__.py"))
    assert declared | UNTYPED_YET == set(pyglibc.__all__), \
        "add the new names of pyglibc._HOMES to the TYPE_CHECKING imports of pyglibc/__init__.py"
    for name in declared:
        assert getattr(pyglibc, name) is not None


def test_capability_members_are_the_tables_cap_names():
    (cap,) = [fam for fam in FAMILIES if fam.name == "capability"]
    names = [n for n in cap.constants if n.startswith("CAP_") and n != "CAP_LAST_CAP"]
    assert [("CAP_" + c.name, int(c)) for c in Capability] == \
        [(n, getattr(glibc, n)) for n in names]


def test_inotify_mask_has_every_in_bit_of_the_tables():
    (ino,) = [fam for fam in FAMILIES if fam.name == "inotify"]
    flags = {n for n in ino.constants if n.startswith("IN_")} - {"IN_CLOEXEC", "IN_NONBLOCK"}
    assert {"IN_" + name for name in Mask.__members__} == flags
    for name, member in Mask.__members__.items():
        assert int(member) == getattr(glibc, "IN_" + name)
