"""What the built module says agrees with what the C compiler says.

Every constant, optional name, type and field of the binding tables is one
test, compared with the independent C probe (tests/c_probe.py).  Adding a
table entry adds its tests.
"""

import pytest

import c_probe
import glibc
import glibc._namespace
import glibc.families
from glibc._probe import other_headers

FAMILIES = glibc.families.load()
CONSTANTS = [name for fam in FAMILIES for name in fam.constants]
OPTIONALS = [name for fam in FAMILIES for name in fam.optional]
TYPES = [t for fam in FAMILIES for t in fam.types]
FIELDS = [(t, field) for t in TYPES for field in t.fields]
INTEGERS = [t for t in TYPES if t.is_scalar]


@pytest.fixture(scope="session")
def probe():
    return c_probe.results()


@pytest.mark.parametrize("name", CONSTANTS)
def test_constant(probe, name):
    expected = probe[("value", name)]
    assert getattr(glibc.lib, name) == expected
    assert getattr(glibc, name) == expected


@pytest.mark.parametrize("name", OPTIONALS)
def test_optional(probe, name):
    other = other_headers(probe, glibc.lib)
    if other is not None and bool(probe[("defined", name)]) != glibc._namespace.available(name):
        pytest.skip("%s: %s defined in only one of them" % (other, name))
    if probe[("defined", name)]:
        assert getattr(glibc, name) == probe[("value", name)]
        assert name in glibc.__all__
    else:
        with pytest.raises(AttributeError):
            getattr(glibc, name)
        assert name not in glibc.__all__


@pytest.mark.parametrize("entry", TYPES, ids=["sizeof(%s)" % t.c_name for t in TYPES])
def test_sizeof(probe, entry):
    expected = probe[("sizeof", entry.c_name)]
    assert glibc.ffi.sizeof(entry.c_name) == expected
    assert getattr(glibc, entry.name).size == expected


@pytest.mark.parametrize("entry", TYPES, ids=["fields(%s)" % t.c_name for t in TYPES])
def test_declared_fields(entry):
    assert getattr(glibc, entry.name).fields == entry.fields
    ctype = glibc.ffi.typeof(entry.c_name)
    if ctype.kind in ("struct", "union"):
        assert tuple(name for name, _ in ctype.fields) == entry.fields
    else:
        assert entry.fields == ()


@pytest.mark.parametrize("entry, field", FIELDS,
                         ids=["offsetof(%s, %s)" % (t.c_name, f) for t, f in FIELDS])
def test_offsetof(probe, entry, field):
    assert glibc.ffi.offsetof(entry.c_name, field) == probe[("offsetof", entry.c_name, field)]


@pytest.mark.parametrize("entry, field", FIELDS,
                         ids=["sizeof(%s.%s)" % (t.c_name, f) for t, f in FIELDS])
def test_field_size(probe, entry, field):
    cfield = dict(glibc.ffi.typeof(entry.c_name).fields)[field]
    assert glibc.ffi.sizeof(cfield.type) == probe[("fieldsize", entry.c_name, field)]


@pytest.mark.parametrize("entry", INTEGERS, ids=["integer(%s)" % t.c_name for t in INTEGERS])
def test_integer_typedef(probe, entry):
    ctype = glibc.ffi.typeof(entry.c_name)
    assert ctype.kind == "primitive"
    assert glibc.ffi.sizeof(ctype) == probe[("sizeof", entry.c_name)]
    is_signed = int(glibc.ffi.cast(ctype, -1)) < 0
    assert is_signed == probe[("signed", entry.c_name)]
