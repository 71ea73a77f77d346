/*
 * pda.c - the per-processor data areas behind cpu_pda() (pda.h).
 */
#include "pda.h"

static struct x8664_pda pda_storage[REFBENCH_NR_CPUS_MAX];
static struct x8664_pda *pda_table[REFBENCH_NR_CPUS_MAX];
struct x8664_pda **_cpu_pda = pda_table;

void pda_set_offset(unsigned int cpu, uintptr_t offset)
{
	pda_table[cpu] = &pda_storage[cpu];
	pda_storage[cpu].cpunumber = cpu;
	pda_storage[cpu].data_offset = offset;
}
