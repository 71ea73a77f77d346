/*
 * scenarios.h - what bench/scenarios.c (built once per scheme) and
 * bench/baselines.c give main.c: benchmark functions, nothing else.
 */
#ifndef REFBENCH_SCENARIOS_H
#define REFBENCH_SCENARIOS_H

#include "gbench.h"

#include <stdbool.h>

struct scenario_args {
	unsigned int nr_cpus;
	unsigned int modules;
	bool zipf;
};

struct scenario_fns {
	const char *scheme;
	rb_fn hot, spread, read, lifecycle, unload;
};

const struct scenario_fns *register_scenarios_scheme_nrcpus_array(void);
const struct scenario_fns *register_scenarios_scheme_vmalloc_array(void);
const struct scenario_fns *register_scenarios_scheme_percpu(void);
const struct scenario_fns *register_scenarios_scheme_atomic(void);

/* Baselines: the harness alone, a plain and a locked private increment. */
struct baseline {
	const char *name;
	rb_fn fn;
};
extern const struct baseline refbench_baselines[];

#endif
