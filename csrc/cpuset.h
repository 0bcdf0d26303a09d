/* CPU_SET(3) is macros; cffi calls these functions instead, one per macro.
 * The wrapper has checked that every set holds at least setsize bytes. */
#ifndef GLIBC_CPUSET_H
#define GLIBC_CPUSET_H

#include <sched.h>

static void glibc_CPU_ZERO(cpu_set_t *set) { CPU_ZERO(set); }
static void glibc_CPU_SET(int cpu, cpu_set_t *set) { (void)CPU_SET(cpu, set); }
static void glibc_CPU_CLR(int cpu, cpu_set_t *set) { (void)CPU_CLR(cpu, set); }
static int glibc_CPU_ISSET(int cpu, cpu_set_t *set) { return CPU_ISSET(cpu, set); }
static int glibc_CPU_COUNT(cpu_set_t *set) { return CPU_COUNT(set); }
static int glibc_CPU_EQUAL(cpu_set_t *set1, cpu_set_t *set2) { return CPU_EQUAL(set1, set2); }
static size_t glibc_CPU_ALLOC_SIZE(int num_cpus) { return CPU_ALLOC_SIZE(num_cpus); }

static void glibc_CPU_AND(cpu_set_t *destset, cpu_set_t *srcset1, cpu_set_t *srcset2)
{
    (void)CPU_AND(destset, srcset1, srcset2);
}

static void glibc_CPU_OR(cpu_set_t *destset, cpu_set_t *srcset1, cpu_set_t *srcset2)
{
    (void)CPU_OR(destset, srcset1, srcset2);
}

static void glibc_CPU_XOR(cpu_set_t *destset, cpu_set_t *srcset1, cpu_set_t *srcset2)
{
    (void)CPU_XOR(destset, srcset1, srcset2);
}

static void glibc_CPU_ZERO_S(size_t setsize, cpu_set_t *set) { CPU_ZERO_S(setsize, set); }

static void glibc_CPU_SET_S(int cpu, size_t setsize, cpu_set_t *set)
{
    (void)CPU_SET_S(cpu, setsize, set);
}

static void glibc_CPU_CLR_S(int cpu, size_t setsize, cpu_set_t *set)
{
    (void)CPU_CLR_S(cpu, setsize, set);
}

static int glibc_CPU_ISSET_S(int cpu, size_t setsize, cpu_set_t *set)
{
    return CPU_ISSET_S(cpu, setsize, set);
}

static int glibc_CPU_COUNT_S(size_t setsize, cpu_set_t *set) { return CPU_COUNT_S(setsize, set); }

static void glibc_CPU_AND_S(size_t setsize, cpu_set_t *destset, cpu_set_t *srcset1,
                            cpu_set_t *srcset2)
{
    (void)CPU_AND_S(setsize, destset, srcset1, srcset2);
}

static void glibc_CPU_OR_S(size_t setsize, cpu_set_t *destset, cpu_set_t *srcset1,
                           cpu_set_t *srcset2)
{
    (void)CPU_OR_S(setsize, destset, srcset1, srcset2);
}

static void glibc_CPU_XOR_S(size_t setsize, cpu_set_t *destset, cpu_set_t *srcset1,
                            cpu_set_t *srcset2)
{
    (void)CPU_XOR_S(setsize, destset, srcset1, srcset2);
}

static int glibc_CPU_EQUAL_S(size_t setsize, cpu_set_t *set1, cpu_set_t *set2)
{
    return CPU_EQUAL_S(setsize, set1, set2);
}

#endif
