/*
 * cli.h - refbench's own options (cli.c parses them, register.c and main.c
 * read them) and die(), the one-line error that ends the process.
 */
#ifndef REFBENCH_CLI_H
#define REFBENCH_CLI_H

#include "module_layout.h"

#include <stdbool.h>

enum scenario { SC_HOT, SC_SPREAD, SC_READ, SC_LIFECYCLE, SC_UNLOAD, SC_HANDOFF, SC_CONTROL, SC_COUNT };
enum codegen { CG_KERNEL, CG_INLINE, CG_PLAIN, CG_COUNT };

#define MAX_SPREAD_MODULES 16
#define MAX_LAYOUTS 8
#define MAX_TLB_SPANS 24
#define TLB_SPAN_MAX 65536u
#define MODULES_MAX 1000000ul
#define SPREAD_MODULES_MAX 100000ul
#define ITERATIONS_MAX 1000000000000ul

struct lab_options {
	unsigned int nr_cpu_ids;       /* 0: the largest thread count */
	unsigned int spread_modules[MAX_SPREAD_MODULES];
	int nr_spread_modules;
	bool *scheme_on;               /* scheme_count() entries */
	enum layout_pages pages;       /* --module-pages */
	enum layout_offset offset;     /* --module-offset */
	const char *layout_file;       /* --module-layout; NULL: built in */
	struct { enum layout_pages pages; enum layout_offset offset; } layouts[MAX_LAYOUTS];
	int nr_layouts;                /* --spread-layouts */
	unsigned int hold_us;          /* --unload-hold-us, when hold_us_set */
	bool hold_us_set;
	unsigned int walk_counts;      /* --walk-counts */
	bool rcu_controls;             /* --rcu-controls */
	bool get_cpu_controls;         /* --get-cpu-controls */
	unsigned int tlb_spans[MAX_TLB_SPANS];  /* --tlb-spans: pages a chase visits */
	int nr_tlb_spans;
	bool scenario_on[SC_COUNT];
	bool codegen_on[CG_COUNT];     /* --codegen */
	const char *context_out;
	bool plan;
	bool list_schemes;
};

extern struct lab_options opt;

/* Print "refbench: <message>" on one line and exit with status 2. */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Parse the lab's options (Google Benchmark's were taken out before) into opt and run_cfg. */
void parse_args(int argc, char **argv);
/* The usage text (also Google Benchmark's --help). */
void usage(void);
/* Register every selected benchmark with Google Benchmark (register.c). */
void register_all(void);

#endif
