"""memfd_create(2), and the file seals that fcntl(2) adds to a memfd (F_ADD_SEALS, F_GET_SEALS)."""

import mmap
import os

import pytest

from glibc import (
    F_ADD_SEALS,
    F_GET_SEALS,
    F_SEAL_FUTURE_WRITE,
    F_SEAL_GROW,
    F_SEAL_SEAL,
    F_SEAL_SHRINK,
    F_SEAL_WRITE,
    MFD_ALLOW_SEALING,
    MFD_CLOEXEC,
    fcntl,
    ffi,
    ftruncate,
    memfd_create,
    pwrite,
    write,
)


@pytest.fixture
def sealable(fds):
    fd = fds(memfd_create("sealable", MFD_CLOEXEC | MFD_ALLOW_SEALING))
    os.write(fd, b"0123456789")
    return fd


def test_memfd_is_an_anonymous_file_named_in_proc(fds):
    fd = fds(memfd_create("scratch", MFD_CLOEXEC))
    assert os.readlink("/proc/self/fd/%d" % fd) == "/memfd:scratch (deleted)"
    assert not os.get_inheritable(fd)
    os.write(fd, b"in memory")
    assert os.pread(fd, 100, 0) == b"in memory"
    assert os.fstat(fd).st_size == 9


def test_memfd_without_cloexec_is_inherited(fds):
    fd = fds(memfd_create(b"bytes name", 0))
    assert os.get_inheritable(fd)
    assert os.readlink("/proc/self/fd/%d" % fd) == "/memfd:bytes name (deleted)"


def test_memfd_with_unknown_flags_is_einval(raises_errno):
    with raises_errno("memfd_create", "EINVAL"):
        memfd_create("bad", 0x4000_0000)


def test_memfd_name_longer_than_249_bytes_is_einval(raises_errno):
    with raises_errno("memfd_create", "EINVAL"):
        memfd_create("n" * 250, MFD_CLOEXEC)


def test_memfd_name_with_a_nul_is_refused_before_the_call():
    with pytest.raises(ValueError, match="memfd_create: name: embedded null byte"):
        memfd_create("a\0b", MFD_CLOEXEC)


# -- seals ----------------------------------------------------------------------------------------


def test_a_memfd_without_allow_sealing_is_sealed_against_seals(fds, raises_errno):
    fd = fds(memfd_create("unsealable", MFD_CLOEXEC))
    assert fcntl(fd, F_GET_SEALS) == F_SEAL_SEAL
    with raises_errno("fcntl", "EPERM"):
        fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE)


def test_f_seal_write_makes_writes_fail_with_eperm(sealable, raises_errno):
    assert fcntl(sealable, F_ADD_SEALS, F_SEAL_WRITE) == 0
    assert fcntl(sealable, F_GET_SEALS) == F_SEAL_WRITE
    with raises_errno("write", "EPERM") as info:
        write(sealable, b"no")
    assert isinstance(info.value, PermissionError)
    with raises_errno("pwrite", "EPERM"):
        pwrite(sealable, b"no", 2, 0)
    assert os.pread(sealable, 100, 0) == b"0123456789"


def test_f_seal_shrink_refuses_a_smaller_size_and_allows_a_larger(sealable, raises_errno):
    fcntl(sealable, F_ADD_SEALS, F_SEAL_SHRINK)
    with raises_errno("ftruncate", "EPERM"):
        ftruncate(sealable, 5)
    assert ftruncate(sealable, 20) == 0
    assert os.fstat(sealable).st_size == 20


def test_f_seal_grow_refuses_a_larger_size_and_writes_past_the_end(sealable, raises_errno):
    fcntl(sealable, F_ADD_SEALS, F_SEAL_GROW)
    with raises_errno("ftruncate", "EPERM"):
        ftruncate(sealable, 11)
    with raises_errno("pwrite", "EPERM"):
        pwrite(sealable, b"xy", 2, 9)
    assert pwrite(sealable, b"ab", 2, 0) == 2  # inside the file is fine
    assert os.pread(sealable, 100, 0) == b"ab23456789"


def test_f_seal_write_is_ebusy_while_a_shared_writable_mapping_exists(sealable, raises_errno):
    mapping = mmap.mmap(sealable, 10, mmap.MAP_SHARED, mmap.PROT_WRITE | mmap.PROT_READ)
    try:
        with raises_errno("fcntl", "EBUSY"):
            fcntl(sealable, F_ADD_SEALS, F_SEAL_WRITE)
    finally:
        mapping.close()
    assert fcntl(sealable, F_ADD_SEALS, F_SEAL_WRITE) == 0


def test_f_seal_future_write_keeps_existing_mappings_writable(sealable, raises_errno):
    mapping = mmap.mmap(sealable, 10, mmap.MAP_SHARED, mmap.PROT_WRITE | mmap.PROT_READ)
    try:
        assert fcntl(sealable, F_ADD_SEALS, F_SEAL_FUTURE_WRITE) == 0
        mapping[0:2] = b"mm"
        with raises_errno("write", "EPERM"):
            write(sealable, b"no")
    finally:
        mapping.close()
    assert os.pread(sealable, 2, 0) == b"mm"


def test_f_seal_seal_forbids_further_seals(sealable, raises_errno):
    fcntl(sealable, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_SEAL)
    assert fcntl(sealable, F_GET_SEALS) == F_SEAL_SHRINK | F_SEAL_SEAL
    with raises_errno("fcntl", "EPERM"):
        fcntl(sealable, F_ADD_SEALS, F_SEAL_GROW)


def test_an_unknown_seal_is_einval(sealable, raises_errno):
    with raises_errno("fcntl", "EINVAL"):
        fcntl(sealable, F_ADD_SEALS, 0x4000)


def test_memfd_create_takes_a_char_array_name(fds):
    fd = fds(memfd_create(ffi.new("char[]", b"cdata"), MFD_CLOEXEC | MFD_ALLOW_SEALING))
    assert fcntl(fd, F_GET_SEALS) == 0
