/* The floor: the system calls of the Python benchmarks, made from C in a loop.
 *
 *     cc -O2 -o floor benchmarks/floor.c && ./floor [SCALE]
 *
 * run.py compiles it and runs it before and after the Python benchmarks.
 * Prints one JSON object, nanoseconds per iteration for each benchmark
 * (the fastest of 7 batches: a floor, which a busy machine only raises),
 * after checking that each call returned what it should: no interpreter
 * can go below these numbers.  SCALE (default 1.0) multiplies the iteration counts;
 * run.py's --quick passes a tiny one.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define BATCHES 7
#define CHUNK 65536

static double scale = 1.0;

static void die(const char *what)
{
    perror(what);
    exit(1);
}

static void expect(const char *what, long got, long wanted)
{
    if (got != wanted) {
        fprintf(stderr, "floor: %s returned %ld, expected %ld\n", what, got, wanted);
        exit(1);
    }
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static long iterations(long n)
{
    long scaled = (long)(n * scale);
    return scaled > 0 ? scaled : 1;
}

/* Each benchmark is a function doing n iterations; timed() returns the
   fastest of BATCHES batches, in ns per iteration. */
typedef void (*bench)(long n);

static double timed(bench body, long n)
{
    double best = 0;
    n = iterations(n);
    body(n < 10 ? n : 10); /* warm the caches */
    for (int i = 0; i < BATCHES; i++) {
        double start = now_ns();
        body(n);
        double took = (now_ns() - start) / n;
        if (i == 0 || took < best)
            best = took;
    }
    return best;
}

static void bench_clock_gettime(long n)
{
    struct timespec ts;
    for (long i = 0; i < n; i++)
        expect("clock_gettime", clock_gettime(CLOCK_MONOTONIC, &ts), 0);
}

static int efd;

static void bench_eventfd(long n)
{
    eventfd_t value;
    for (long i = 0; i < n; i++) {
        expect("eventfd_write", eventfd_write(efd, 1), 0);
        expect("eventfd_read", eventfd_read(efd, &value), 0);
        expect("eventfd_read's value", (long)value, 1);
    }
}

static sigset_t mask;

static void bench_sigismember(long n)
{
    for (long i = 0; i < n; i++)
        expect("sigismember", sigismember(&mask, SIGUSR1), 1);
}

static void bench_dup_close(long n)
{
    for (long i = 0; i < n; i++)
        expect("close", close(dup(0)), 0);
}

static int epfd, ready;
static struct epoll_event events[1000];

static void bench_epoll_wait(long n)
{
    for (long i = 0; i < n; i++)
        expect("epoll_wait", epoll_wait(epfd, events, ready, 0), ready);
}

static int pipefd[2];
static char chunk[CHUNK], buf[CHUNK];

static void bench_read(long n)
{
    for (long i = 0; i < n; i++) {
        expect("write", write(pipefd[1], chunk, CHUNK), CHUNK);
        expect("read", read(pipefd[0], buf, CHUNK), CHUNK);
    }
}

int main(int argc, char **argv)
{
    if (argc > 1)
        scale = atof(argv[1]);
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < 2100 && limit.rlim_max >= 2100) {
        limit.rlim_cur = 2100;
        setrlimit(RLIMIT_NOFILE, &limit);
    }

    printf("{\"clock_gettime\": %.2f", timed(bench_clock_gettime, 1000000));

    if ((efd = eventfd(0, EFD_CLOEXEC)) < 0)
        die("eventfd");
    printf(", \"eventfd\": %.2f", timed(bench_eventfd, 150000));
    close(efd);

    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    printf(", \"sigismember\": %.2f", timed(bench_sigismember, 5000000));
    printf(", \"dup_close\": %.2f", timed(bench_dup_close, 150000));

    static const int counts[] = {1, 10, 100, 1000};
    static int pipes[1000][2];
    for (int c = 0; c < 4; c++) {
        ready = counts[c];
        if ((epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
            die("epoll_create1");
        for (int i = 0; i < ready; i++) {
            if (pipe2(pipes[i], O_CLOEXEC) < 0)
                die("pipe2");
            expect("write", write(pipes[i][1], "x", 1), 1);
            struct epoll_event ev = {.events = EPOLLIN, .data.fd = pipes[i][0]};
            if (epoll_ctl(epfd, EPOLL_CTL_ADD, pipes[i][0], &ev) < 0)
                die("epoll_ctl");
        }
        printf(", \"poll_%d\": %.2f", ready, timed(bench_epoll_wait, 1500000 / (ready + 10)));
        for (int i = 0; i < ready; i++) {
            close(pipes[i][0]);
            close(pipes[i][1]);
        }
        close(epfd);
    }

    if (pipe2(pipefd, O_CLOEXEC) < 0)
        die("pipe2");
    memset(chunk, 'x', sizeof chunk);
    printf(", \"read_64k\": %.2f}\n", timed(bench_read, 10000));
    expect("the bytes read", memcmp(buf, chunk, CHUNK), 0);
    return 0;
}
