/*
 * settings.h - what a run asks of the measured loops: which of them, and
 * the parameters their benchmarks are registered with.  A program fills
 * one (refbench: cli.c from its options, with the run's configuration) and
 * hands it to loops_register(); the registration reads nothing else but
 * the options an entry takes for itself (struct loop_option, in its file).
 */
#ifndef REFBENCH_LOOP_SETTINGS_H
#define REFBENCH_LOOP_SETTINGS_H

#include "harness.h"
#include "module_layout.h"

#include <stdbool.h>

/* The builds of a scenario's loop: the kernel's calls, all inline, its plain variant. */
enum codegen { CG_KERNEL, CG_INLINE, CG_PLAIN, CG_COUNT };
extern const char *const codegen_names[CG_COUNT + 1];

#define MAX_SPREAD_MODULES 16
#define MAX_LAYOUTS 8
#define MAX_SCENARIOS 32

struct loop_settings {
	const struct run_config *run;  /* NR_CPUS, line, modules, threads, iterations */
	bool scenario_on[MAX_SCENARIOS];  /* by registry index (scenarios.def order) */
	bool controls_on;              /* --scenario=control */
	bool codegen_on[CG_COUNT];     /* --codegen */
	unsigned int spread_modules[MAX_SPREAD_MODULES];  /* --spread-modules */
	int nr_spread_modules;
	enum layout_pages pages;       /* --module-pages */
	enum layout_offset offset;     /* --module-offset */
	struct { enum layout_pages pages; enum layout_offset offset; } layouts[MAX_LAYOUTS];
	int nr_layouts;                /* --spread-layouts */
	unsigned int hold_us;          /* --unload-hold-us, when hold_us_set */
	bool hold_us_set;
};

#endif
