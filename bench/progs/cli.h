/*
 * cli.h - refbench's own options: cli.c parses them, main.c reads them
 * and hands the loops theirs (loops_register()).
 */
#ifndef REFBENCH_CLI_H
#define REFBENCH_CLI_H

#include "settings.h"

#include <stdbool.h>

#define SPREAD_MODULES_MAX 100000ul
#define ITERATIONS_MAX 1000000000000ul

struct lab_options {
	struct loop_settings loops;    /* which loops, and their parameters */
	unsigned int nr_cpu_ids;       /* 0: the largest thread count */
	bool *scheme_on;               /* scheme_count() entries */
	const char *layout_file;       /* --module-layout; NULL: built in */
	const char *context_out;
	bool plan;
	bool list_schemes;
	bool list_scenarios;
};

extern struct lab_options opt;

/* Parse the lab's options (Google Benchmark's were taken out before) into opt and run_cfg. */
void parse_args(int argc, char **argv);
/* The usage text (also Google Benchmark's --help). */
void usage(void);

#endif
