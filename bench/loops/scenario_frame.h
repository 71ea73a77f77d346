/*
 * scenario_frame.h - what every scenario's loops share in one scheme's
 * build: the scheme's operations as the measured loops call them, the
 * module loaded for a run, and the frame of a one-module run.  Included
 * once, by scenario_unit.c, before the scenario files; compiled once per
 * scheme with -DSCHEME_ID=xxx -DSCHEME_HEADER='"scheme_xxx.h"', so that each
 * scheme's inline get/put/refcount is pasted into its own measured loops.
 * Nothing here knows a scheme's layout: set-up and tear-down go through
 * the scheme's scheme_ops table, hot paths through the names every scheme
 * header defines (try_module_get, module_put, module_refcount).
 */
#ifndef REFBENCH_SCENARIO_FRAME_H
#define REFBENCH_SCENARIO_FRAME_H

#if !defined(SCHEME_HEADER) || !defined(SCHEME_ID)
#error "build with -DSCHEME_ID=xxx -DSCHEME_HEADER='\"scheme_xxx.h\"'"
#endif
#define _GNU_SOURCE
#include SCHEME_HEADER
#include "scheme.h"
#include "harness.h"
#include "lab_setup.h"
#include "scenarios.h"
#include "sequence.h"
#include "window.h"

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONCAT_(a, b) a##b
#define CONCAT(a, b) CONCAT_(a, b)

static const struct scheme_ops *const ops = &CONCAT(scheme_, SCHEME_ID);

/*
 * The operations the measured loops call: the scheme's out-of-line
 * functions (another translation unit, a direct call each) for what its
 * kernel had out of line, the static inline ones for the rest; all inline
 * in the 'inline' control build (codegen.h).
 */
#define OOL_FN(op) CONCAT(CONCAT(scheme_, SCHEME_ID), CONCAT(_, op))
bool OOL_FN(try_module_get)(struct module *mod);
void OOL_FN(module_put)(struct module *mod);
unsigned int OOL_FN(module_refcount)(struct module *mod);
#if defined(REFBENCH_CODEGEN_INLINE)
#define CODEGEN "inline"
#define SCENARIOS_SYM CONCAT(scenarios_inline_, SCHEME_ID)
#define OOL(flag) 0
#else
#define CODEGEN "kernel"
#define SCENARIOS_SYM CONCAT(scenarios_, SCHEME_ID)
#define OOL(flag) (SCHEME_OUT_OF_LINE & (flag))
#endif
#if OOL(OOL_TRY_MODULE_GET)
#define bench_try_module_get OOL_FN(try_module_get)
#else
#define bench_try_module_get try_module_get
#endif
#if OOL(OOL_MODULE_PUT)
#define bench_module_put OOL_FN(module_put)
#else
#define bench_module_put module_put
#endif
#if OOL(OOL_MODULE_REFCOUNT)
#define bench_module_refcount OOL_FN(module_refcount)
#else
#define bench_module_refcount module_refcount
#endif

/* State one run's threads share; thread 0 fills it before the barrier. */
static struct module *run_mod;
static struct module **run_mods;
static unsigned int run_nr_mods;

/* Load and initialise module number @idx, or report why not. */
static struct module *load_live(const struct scenario_args *a, const char *name, unsigned int idx)
{
	struct load_params p = { 0 };
	int err = 0;
	struct module *mod;

	scenario_load_params(a, idx, &p);
	if (ops->unavailable && ops->unavailable()) {
		harness_setup_error("%s cannot run here: %s", ops->name, ops->unavailable());
		return NULL;
	}
	mod = ops->load_module(name, &p, &err);

	if (!mod) {
		harness_setup_error("load_module(%s) failed: %s", name, strerror(-err));
		return NULL;
	}
	ops->do_init_module(mod);
	return mod;
}

/* Every run must leave the count where it found it (perfbook's check). */
static void check_count(rb_state *st, struct module *mod, unsigned int expect)
{
	unsigned int got = ops->module_refcount(mod);
	char msg[160];

	if (got != expect) {
		snprintf(msg, sizeof(msg), "count mismatch on %s: module_refcount() = %u, expected %u",
			 ops->module_name(mod), got, expect);
		rb_skip_with_error(st, msg);
	}
}

static void unload_all(void)
{
	if (run_mod)
		ops->free_module(run_mod);
	run_mod = NULL;
	for (unsigned int i = 0; i < run_nr_mods; i++)
		if (run_mods[i])
			ops->free_module(run_mods[i]);
	free(run_mods);
	run_mods = NULL;
	run_nr_mods = 0;
}

static bool load_many(const struct scenario_args *a, unsigned int n)
{
	char name[MODULE_NAME_LEN];

	run_mods = calloc(n, sizeof(*run_mods));
	if (!run_mods) {
		harness_setup_error("no memory for %u module pointers", n);
		return false;
	}
	run_nr_mods = n;
	for (unsigned int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "mod%05u", i);
		run_mods[i] = load_live(a, name, i);
		if (!run_mods[i])
			return false;
	}
	return true;
}

/*
 * The frame of the one-module scenarios (hot, read): every thread enters,
 * thread 0 loads and initialises the module, all meet.  RUN_GONE: return
 * at once; RUN_SKIP: set-up failed, go to end_run(); RUN_GO: measure.
 */
enum { RUN_GONE, RUN_SKIP, RUN_GO };

static int begin_one_module(rb_state *st, const struct scenario_args *a, const char *name)
{
	if (!harness_thread_enter(st, a->nr_cpus))
		return RUN_GONE;
	if (rb_thread_index(st) == 0 && harness_setup_ok_quiet())
		run_mod = load_live(a, name, 0);
	harness_barrier(st);
	if (!harness_setup_ok(st))
		return RUN_SKIP;
	return RUN_GO;
}

static void end_run(rb_state *st)
{
	harness_barrier(st);
	if (rb_thread_index(st) == 0)
		unload_all();
	harness_thread_exit(st);
}

#endif
