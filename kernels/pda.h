/*
 * pda.h - the x86-64 per-processor data area of Linux 2.6.29
 * (arch/x86/include/asm/pda.h), where that kernel kept per_cpu_offset().
 *
 * On x86-64 in 2.6.29, per_cpu_offset(cpu) was __per_cpu_offset(cpu) =
 * cpu_pda(cpu)->data_offset, with cpu_pda(i) = _cpu_pda[i]: a load of the
 * _cpu_pda pointer, of CPU i's pda pointer, then of its data_offset - three
 * dependent loads where later kernels (and 32-bit x86) read one entry of a
 * flat __per_cpu_offset[] table.  The percpu scheme, which models 2.6.29 on
 * x86-64, computes its counter's address through this path.
 *
 * Departure: the pdas sit in one array here, one cache line each; the
 * kernel allocated each CPU's pda on that CPU's node.  data_offset is kept
 * equal to __per_cpu_offset[] by percpu_alloc.c.
 */
#ifndef REFBENCH_PDA_H
#define REFBENCH_PDA_H

#include "compat.h"
#include "pda_layout.h"

/* Point every CPU's pda at its per-CPU offset (percpu_alloc.c calls it). */
void pda_set_offset(unsigned int cpu, uintptr_t offset);

#endif
