/*
 * scenarios.h - what every scenario shares: a benchmark's arguments, the
 * load parameters of its modules, and the per-scheme builds of the
 * scenario loops (scenario_unit.c, once per scheme of kernels/schemes.def).
 */
#ifndef REFBENCH_SCENARIOS_H
#define REFBENCH_SCENARIOS_H

#include "gbench.h"
#include "loops.h"
#include "module_layout.h"
#include "scheme.h"

#include <stdbool.h>

struct scenario_args {
	unsigned int nr_cpus;
	unsigned int modules;
	bool zipf;
	unsigned int module_pages;     /* 4096 or 2 MiB: load_params.module_pages */
	enum layout_offset offset;     /* where struct module lies in its core */
	unsigned int hold_us;          /* unload: how long a getter holds its reference */
};

/* The load parameters of module number @idx of a benchmark. */
void scenario_load_params(const struct scenario_args *a, unsigned int idx,
			  struct load_params *p);

#define SCHEME(id) extern const struct scheme_loops scenarios_##id, scenarios_inline_##id;
#include "schemes.def"
#undef SCHEME

#endif
