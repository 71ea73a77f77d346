/*
 * pda.h (kernel mode) - 2.6.29's x86-64 per-processor data area, rebuilt
 * in the module so that the percpu scheme reaches per_cpu_offset(cpu) as
 * 2.6.29 did, through _cpu_pda[cpu]->data_offset (three dependent loads),
 * with data_offset taken from the running kernel's __per_cpu_offset[].
 * Each CPU's pda is allocated on its node, as 2.6.29 did (pda.c).
 */
#ifndef REFBENCH_PDA_H
#define REFBENCH_PDA_H

#include "compat.h"

struct x8664_pda {
	void *pcurrent;                 /* 0  current process */
	unsigned long data_offset;      /* 8  per-CPU data offset from the linker address */
	unsigned long kernelstack;      /* 16 */
	unsigned long oldrsp;           /* 24 */
	int irqcount;                   /* 32 */
	unsigned int cpunumber;         /* 36 logical CPU number */
} __attribute__((aligned(64)));

extern struct x8664_pda **_cpu_pda;
#define cpu_pda(i) (_cpu_pda[i])

#endif
