/*
 * scenarios.h - what bench/scenarios.c (built once per scheme) and
 * bench/baselines.c give main.c: benchmark functions, nothing else.
 */
#ifndef REFBENCH_SCENARIOS_H
#define REFBENCH_SCENARIOS_H

#include "gbench.h"
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

/* One scheme's benchmark functions, scenarios_<id>, from bench/scenarios.c. */
struct scenario_fns {
	const struct scheme_ops *scheme;
	const char *codegen;           /* "kernel" (the kernel's calls) or "inline" */
	rb_fn hot, spread, read, lifecycle, unload, handoff;
	rb_fn spread_plain;            /* spread's loads and stores, no scheme code */
};

#define SCHEME(id) extern const struct scenario_fns scenarios_##id, scenarios_inline_##id;
#include "schemes.def"
#undef SCHEME

/*
 * Every scheme's scenarios, NULL-terminated, in the order of schemes.def:
 * built with the kernel's call structure, and all inline (the control).
 */
extern const struct scenario_fns *const refbench_scenarios[];
extern const struct scenario_fns *const refbench_scenarios_inline[];

/* Baselines: the harness alone, a plain and a locked private increment. */
struct baseline {
	const char *name;
	rb_fn fn;
};
extern const struct baseline refbench_baselines[];

#endif
