// SPDX-License-Identifier: GPL-2.0
/*
 * pda.c - the x86-64 pdas of 2.6.29 (compat/pda.h) for the percpu scheme:
 * one per possible CPU, on that CPU's node, data_offset = the running
 * kernel's per_cpu_offset(cpu).
 */
#include <linux/slab.h>
#include <linux/topology.h>

#include "compat/pda.h"
#include "kbench.h"

struct x8664_pda **_cpu_pda;

int kbench_pda_init(void)
{
	int cpu;

	_cpu_pda = kcalloc(nr_cpu_ids, sizeof(*_cpu_pda), GFP_KERNEL);
	if (!_cpu_pda)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct x8664_pda *pda = kzalloc_node(sizeof(*pda), GFP_KERNEL, cpu_to_node(cpu));

		if (!pda) {
			kbench_pda_exit();
			return -ENOMEM;
		}
		pda->data_offset = per_cpu_offset(cpu);
		pda->cpunumber = cpu;
		_cpu_pda[cpu] = pda;
	}
	return 0;
}

void kbench_pda_exit(void)
{
	int cpu;

	if (!_cpu_pda)
		return;
	for_each_possible_cpu(cpu)
		kfree(_cpu_pda[cpu]);
	kfree(_cpu_pda);
	_cpu_pda = NULL;
}
