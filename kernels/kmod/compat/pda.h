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
#include "pda_layout.h"

#endif
