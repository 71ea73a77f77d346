/*
 * loop_register.h - what the registration part of every scenario, control
 * and baseline file shares (loop_register.c): adding a benchmark, its
 * arguments, the layout part of its name.
 */
#ifndef REFBENCH_LOOP_REGISTER_H
#define REFBENCH_LOOP_REGISTER_H

#include "gbench.h"
#include "harness.h"
#include "loops.h"
#include "scenarios.h"

#include <stddef.h>

/* A benchmark whose operations take milliseconds (a long unload, a call_rcu()
 * waited for) runs this many iterations: Google Benchmark would stop after
 * two or three. */
#define LONG_CYCLES 24

/* Register @fn(@arg) as @name, manual time, on @nr thread counts (a fixed
 * iteration count when @s->run has one). */
rb_bench *loop_add(const struct loop_settings *s, const char *name, rb_fn fn, void *arg,
		   const int *threads, int nr);
/* Baseline @d's benchmark, <scenario it stands beside>/<name>, on the run's thread counts. */
void loop_add_baseline(const struct loop_settings *s, const struct loop_desc *d, rb_fn fn);
/* Memory that lives as long as the run, or a one-line error. */
void *loop_alloc(size_t size);
/* The pages a scheme's modules get under @pages: 4096 or 2 MiB. */
unsigned int loop_pages_for(const struct scheme_ops *o, enum layout_pages pages);
/* "pages:4k/offset:kernel": the layout part of a benchmark's name. */
const char *loop_layout_suffix(unsigned int pages, enum layout_offset offset);
/* "pages:4k/offset:kernel/codegen:kernel": the same for a scheme's benchmarks. */
const char *loop_scheme_suffix(const struct scheme_loops *t, unsigned int pages,
			       enum layout_offset offset);
/* A scenario benchmark's arguments. */
struct scenario_args *loop_scenario_args(unsigned int nr_cpus, unsigned int modules, bool zipf,
					 unsigned int pages, enum layout_offset offset);

#endif
