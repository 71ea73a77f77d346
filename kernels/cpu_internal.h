/*
 * cpu_internal.h - what stop_machine.c (the stopper) uses of cpu.c (the
 * CPUs: registration, idle, parking at a quiescent point): each CPU's slot,
 * the stop generation, the way a CPU waits.  cpu.c uses nothing of
 * stop_machine.c.  Not for schemes or the harness: they use compat.h.
 */
#ifndef REFBENCH_CPU_INTERNAL_H
#define REFBENCH_CPU_INTERNAL_H

#include "compat.h"

struct cpu_slot {
	int online;              /* 1 while the thread runs lab code */
	unsigned long ack;       /* last stop generation acknowledged */
	int taken;
} ____cacheline_aligned;

extern struct cpu_slot slots[REFBENCH_NR_CPUS_MAX];
extern unsigned long stop_generation;

#include <sched.h>

/* Stay parked while a stop is pending (cpu.c). */
void stop_wait(void);

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* Spin a little, then give the CPU away: threads may share a PU in tests. */
static inline void relax_or_yield(unsigned long *spins)
{
	if (++*spins < 256)
		cpu_relax();
	else
		sched_yield();
}

#endif
