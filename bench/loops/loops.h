/*
 * loops.h - the registry of everything the lab measures.  Three kinds,
 * each listed like the schemes, one line each:
 *   scenarios.def  scenarios, measured for every scheme (scenarios/<id>.c,
 *                  its loops built once per scheme, its registration once)
 *   controls.def   controls, a cause varied alone (controls/<file>.c)
 *   baselines.def  baselines, the machine and the harness alone
 *                  (baselines/<id>.c)
 * Each file defines its entry, struct loop_desc loop_<id>: its name, the
 * role it declares, what it claims to vary, and how it registers its
 * benchmarks.  Nothing outside those files names one of them.
 */
#ifndef REFBENCH_LOOPS_H
#define REFBENCH_LOOPS_H

#include "gbench.h"
#include "scheme.h"
#include "settings.h"

#include <stdbool.h>
#include <stdio.h>

enum loop_role { ROLE_SCENARIO, ROLE_CONTROL, ROLE_BASELINE };

/* The scenarios' indexes, in the order of scenarios.def. */
enum scenario_id {
#define SCENARIO(id) SCENARIO_##id,
#include "scenarios.def"
#undef SCENARIO
	SCENARIO_COUNT
};
_Static_assert(SCENARIO_COUNT <= MAX_SCENARIOS, "more scenarios than MAX_SCENARIOS");

/* One scenario's loops in one scheme's build: its own, and its plain
 * variant (codegen:plain: the loads and stores, no scheme code) or NULL. */
struct scenario_loops {
	rb_fn run;
	rb_fn plain;
};

/* One scheme's build of every scenario (loops/scenario_unit.c). */
struct scheme_loops {
	const struct scheme_ops *scheme;
	const char *codegen;           /* "kernel" (the kernel's calls) or "inline" */
	const struct scenario_loops *loops[SCENARIO_COUNT];
};

/* Which of a scheme table's benchmarks a run asked for. */
struct wanted {
	bool own;    /* the table's own codegen (kernel or inline) */
	bool plain;  /* the plain variants, from the kernel table's loaded modules */
};

struct loop_desc {
	const char *name;              /* first part of its benchmarks' names */
	enum loop_role role;
	const char *label;             /* a short human label */
	const char *const *claims;     /* the causes it varies alone, NULL-terminated */
	const char *source;            /* its file */
	int scenario;                  /* a scenario: its SCENARIO_<id>; else -1 */
	const char *beside;            /* a baseline: the scenario it stands beside */
	/* A scenario: register scheme table @t's benchmarks of loops @l. */
	void (*add_scheme)(const struct loop_settings *s, const struct scheme_loops *t,
			   const struct scenario_loops *l, struct wanted w);
	/* A control or a baseline: register its benchmarks. */
	void (*add)(const struct loop_settings *s);
	/* The most modules one of its benchmarks loads at once; NULL: 2. */
	unsigned int (*modules)(const struct loop_settings *s);
	/* Give back what its benchmarks kept from one call to the next; NULL: nothing kept. */
	void (*release)(void);
	/* Its own options, ended by a NULL flag; NULL: none. */
	const struct loop_option *options;
};

/*
 * An option an entry takes for itself (refbench accepts it; --help shows it):
 * a switch (arg NULL) or a value, a comma list when @list.  @take gets the
 * value (NULL for a switch) and keeps it in the entry's file.
 */
struct loop_option {
	const char *flag;              /* "--tlb-spans" */
	const char *arg;               /* "LIST", "N"; NULL: a switch */
	bool list;
	const char *help;              /* its lines in --help, each "\n"-ended */
	void (*take)(const char *flag, const char *val);
};

#define NO_CLAIMS ((const char *const[]){ NULL })
#define CLAIMS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* Every entry, NULL-terminated: scenarios, controls, baselines, each in registry order. */
extern const struct loop_desc *const refbench_loops[];

/* Every scheme's scenarios, NULL-terminated, in the order of schemes.def:
 * with the kernel's call structure, and all inline (the control). */
extern const struct scheme_loops *const refbench_scheme_loops[];
extern const struct scheme_loops *const refbench_scheme_loops_inline[];

const char *loop_role_name(enum loop_role role);
/* The scenario named @name, or NULL. */
const struct loop_desc *loop_scenario(const char *name);
/* Is entry @d selected by @s? */
bool loop_on(const struct loop_settings *s, const struct loop_desc *d);
/* The registry as the JSON array of --list-scenarios and context.json's "scenarios". */
void loops_write_json(FILE *f);
/* The most modules one benchmark of the selected entries loads at once. */
unsigned int loops_max_modules(const struct loop_settings *s);
/* The entry option named @flag, or NULL. */
const struct loop_option *loops_option(const char *flag);
/* Every entry option's help, in registry order. */
void loops_write_options_help(FILE *f);
/* Give back what every entry kept (after the run). */
void loops_release(void);
/* Register every selected benchmark with Google Benchmark. */
void loops_register(const struct loop_settings *s, const bool *scheme_on);

#endif
