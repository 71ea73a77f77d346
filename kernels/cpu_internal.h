/*
 * cpu_internal.h - what cpu.c (CPU registration, idle, grace periods) and
 * stop_machine.c share: each CPU's slot and the stop generation.  Not for
 * schemes or the harness: they use compat.h.
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

/* Stay parked while a stop is pending (stop_machine.c). */
void stop_wait(void);

#endif
