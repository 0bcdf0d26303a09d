"""pyglibc._backlog: the supervisor's messages never wait for their reader, and none is lost.

A pipe that nobody reads yet stands for a reader that has fallen behind;
each test reads it in full before it ends, so that finish() returns.
"""

import errno
import os
import threading

import pytest

from pyglibc import _backlog
from pyglibc._backlog import Backlog

LINE = b"%06d " % 0 + b"x" * 92 + b"\n"  # 100 bytes
CAPACITY = 65536  # a pipe's default


def lines(count):
    return [b"%06d " % n + LINE[7:] for n in range(count)]


def reading(fd):
    """A thread that reads fd to its end: (thread, chunks it read)."""
    chunks = []

    def run():
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                return
            chunks.append(chunk)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, chunks


def test_what_the_descriptor_takes_goes_at_once_without_a_thread(fds):
    r, w = fds.pipe()
    backlog = Backlog(w)
    assert backlog.write(b"started\n") is None
    assert os.read(r, 100) == b"started\n"
    assert backlog.thread is None and backlog.finish() is None


def test_a_reader_that_falls_behind_gets_every_line_in_order(fds):
    r, w = fds.pipe()
    backlog = Backlog(w)
    sent = lines(3 * CAPACITY // len(LINE))
    for line in sent:  # none of these waits: the pipe is full after a third of them
        assert backlog.write(line) is None
    assert backlog.thread is not None and backlog.size > 0
    thread, chunks = reading(r)
    assert backlog.finish() is None
    os.close(w)
    fds.forget(w)
    thread.join()
    assert b"".join(chunks) == b"".join(sent)
    assert backlog.dropped == 0 and backlog.thread is None


def test_past_the_limit_what_comes_is_dropped_and_counted(fds, monkeypatch):
    monkeypatch.setattr(_backlog, "_HELD", 10 * len(LINE))
    r, w = fds.pipe()
    backlog = Backlog(w)
    sent = lines(CAPACITY // len(LINE) + 30)
    for line in sent:
        backlog.write(line)
    thread, chunks = reading(r)
    backlog.finish()
    os.close(w)
    fds.forget(w)
    thread.join()
    got = b"".join(chunks).splitlines(keepends=True)
    # Whole lines in order, but for those that came while the backlog was full.
    assert backlog.dropped == len(sent) - len(got) > 0
    kept = iter(sent)
    assert all(line in kept for line in got)


def test_a_write_that_fails_stops_the_backlog_and_is_told(fds):
    r, w = fds.pipe()
    os.close(r)
    fds.forget(r)
    backlog = Backlog(w)
    error = backlog.write(b"nobody reads this\n")
    assert error is not None and error.errno == errno.EPIPE
    assert backlog.write(b"nor this\n") is error
    assert backlog.finish() is error


def test_a_write_that_fails_in_the_thread_is_told_at_finish(fds):
    r, w = fds.pipe()
    backlog = Backlog(w)
    for line in lines(2 * CAPACITY // len(LINE)):
        backlog.write(line)
    assert backlog.thread is not None
    os.close(r)  # the reader goes away with lines still held
    fds.forget(r)
    error = backlog.finish()
    assert error is not None and error.errno == errno.EPIPE


# Python 3.12 and later warn of a fork beside threads (here the reader's): the child
# below makes only system calls, and threads of its own.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded")
@pytest.mark.parametrize("held", [False, True])
def test_a_forked_child_writes_its_own_lines_and_leaves_the_parents_to_it(fds, held):
    """As the init of --pidns is: a fork, which copies the backlog but not its thread."""
    r, w = fds.pipe()
    backlog = Backlog(w)
    if held:
        for line in lines(2 * CAPACITY // len(LINE)):
            backlog.write(line)
    thread, chunks = reading(r)
    pid = os.fork()
    if pid == 0:
        try:
            backlog.write(b"from the child\n")
            _backlog.finish_all()
        finally:
            os._exit(0)
    assert os.waitpid(pid, 0)[1] == 0
    backlog.finish()
    os.close(w)
    fds.forget(w)
    thread.join()
    got = b"".join(chunks)
    assert got.count(b"from the child\n") == 1
    assert len(got) == len(b"from the child\n") + (2 * CAPACITY // len(LINE) * len(LINE)
                                                  if held else 0)


def test_a_line_to_keep_is_held_even_past_the_limit(fds, monkeypatch):
    """As --json's result line, which says how the run ended, is never dropped."""
    monkeypatch.setattr(_backlog, "_HELD", 10 * len(LINE))
    r, w = fds.pipe()
    backlog = Backlog(w)
    for line in lines(CAPACITY // len(LINE) + 30):
        backlog.write(line)
    assert backlog.dropped > 0
    backlog.write(b"the end\n", keep=True)
    thread, chunks = reading(r)
    assert backlog.finish() is None
    os.close(w)
    fds.forget(w)
    thread.join()
    assert b"".join(chunks).endswith(LINE[7:] + b"the end\n")
