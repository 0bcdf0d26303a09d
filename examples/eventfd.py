"""Wake a waiting thread with a counter: ``pyglibc.eventfd``.

A worker thread adds 1 to the counter for each item it finishes; the main
thread waits for the descriptor to become readable in a selector and
takes the count.  Prints:

    finished: 3
    semaphore reads: [1, 1]
"""

import threading

import pyglibc
from pyglibc.selectors import EVENT_READ, EpollSelector

with pyglibc.eventfd() as done, EpollSelector() as selector:
    selector.register(done, EVENT_READ)

    def work() -> None:
        for _ in range(3):
            done.write(1)

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    selector.select(timeout=5)  # readable: the counter is not 0
    print("finished:", done.read())  # the whole count, and the counter is 0 again

with pyglibc.eventfd(2, semaphore=True) as tokens:  # each read takes 1
    print("semaphore reads:", [tokens.read(), tokens.read()])
