/*
 * scenario_args.c - what every scheme's scenarios share about loading:
 * the layout of module number idx of a benchmark.
 */
#include "scenarios.h"

void scenario_load_params(const struct scenario_args *a, unsigned int idx,
			  struct load_params *p)
{
	module_layout_params(idx, a->offset, L1_CACHE_BYTES, p);
	p->module_pages = a->module_pages;
}
