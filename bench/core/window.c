/*
 * window.c - start, stop and publish one same-window measurement, with
 * the per-thread perf counter groups opened before and read after it.
 */
#define _GNU_SOURCE
#include "window.h"
#include "counters.h"

#include <stdio.h>
#include <string.h>

int window_stop_flag;

static struct counters_config counters_cfg;
static bool counters_on;

struct thread_result {
	uint64_t done;
	bool counted;
	bool counters_ok;
	struct counters_values values;
} ____cacheline_aligned;

static struct {
	double t0, t1;
	struct thread_result thread[HARNESS_MAX_THREADS];
	char extra_name[8][48];
	double extra_value[8];
	int nr_extra;
} win;

static __thread struct counters_thread my_counters;
static __thread bool my_counters_open;

int harness_counters_init(const char *spec, char *err, size_t errlen)
{
	if (counters_parse(spec, &counters_cfg, err, errlen) != 0)
		return -1;
	counters_probe(&counters_cfg);
	counters_print_console(stderr, &counters_cfg);
	if (counters_missing_explicit(&counters_cfg)) {
		snprintf(err, errlen, "--counters=%s names events this machine cannot count "
			 "(see the lines above)", spec);
		return -1;
	}
	counters_on = counters_supported_count(&counters_cfg) > 0;
	return 0;
}

void harness_counters_write_json(FILE *f)
{
	counters_write_json(f, &counters_cfg);
}

void window_begin(rb_state *st, struct window *w)
{
	char err[256];

	w->tid = rb_thread_index(st);
	w->threads = rb_thread_count(st);
	w->leader = w->tid == 0;
	w->counted = true;
	w->done = 0;
	if (w->leader) {
		__atomic_store_n(&window_stop_flag, 0, __ATOMIC_RELAXED);
		win.nr_extra = 0;
	}
	my_counters_open = counters_on &&
		counters_thread_open(&my_counters, &counters_cfg, err, sizeof(err)) == 0;
	/* Everybody has reset and opened before anybody starts. */
	harness_barrier(st);
	/* Google Benchmark's own start barrier is in the first call. */
	rb_keep_running_batch(st, rb_max_iterations(st));
	w->target = (uint64_t)rb_max_iterations(st);
	if (my_counters_open)
		counters_thread_start(&my_counters);
	if (w->leader)
		win.t0 = harness_now();
}

void window_extra_counter(rb_state *st, const char *name, double value)
{
	(void)st;
	if (win.nr_extra < 8) {
		snprintf(win.extra_name[win.nr_extra], sizeof(win.extra_name[0]), "%s", name);
		win.extra_value[win.nr_extra++] = value;
	}
}

struct perf_name {
	const char *event;
	const char *counter;
	bool per_op;
};

static const struct perf_name perf_names[] = {
	{ "cycles", "cycles_per_op", true },
	{ "instructions", "instructions_per_op", true },
	{ "l1d_load_misses", "l1d_load_misses_per_op", true },
	{ "llc_misses", "llc_misses_per_op", true },
	{ "dtlb_load_misses", "dtlb_load_misses_per_op", true },
	{ "node_loads", "node_loads_per_op", true },
	{ "node_load_misses", "node_load_misses_per_op", true },
	{ "page_faults", "page_faults_per_op", true },
	{ "context_switches", "context_switches", false },
	{ "cpu_migrations", "cpu_migrations", false },
};

static void publish(rb_state *st, const struct window *w, double window_s)
{
	uint64_t ops = 0, min = UINT64_MAX, max = 0;
	int counted = 0;
	struct counters_values sum;
	bool have_counters = counters_on;

	counters_values_init(&sum, counters_cfg.n);
	for (int t = 0; t < w->threads; t++) {
		struct thread_result *r = &win.thread[t];
		if (!r->counted)
			continue;
		counted++;
		ops += r->done;
		if (r->done < min)
			min = r->done;
		if (r->done > max)
			max = r->done;
		if (r->counters_ok)
			counters_values_add(&sum, &r->values);
		else
			have_counters = false;
	}
	if (ops == 0 || window_s <= 0)
		return;
	rb_counter_set(st, "ops", (double)ops, RB_COUNTER_DEFAULT);
	rb_counter_set(st, "ops_per_sec", (double)ops / window_s, RB_COUNTER_DEFAULT);
	rb_counter_set(st, "ns_per_op", window_s * 1e9 * counted / (double)ops, RB_COUNTER_DEFAULT);
	rb_counter_set(st, "thread_ops_per_sec_min", (double)min / window_s, RB_COUNTER_DEFAULT);
	rb_counter_set(st, "thread_ops_per_sec_max", (double)max / window_s, RB_COUNTER_DEFAULT);
	if (max > 0)
		rb_counter_set(st, "fairness", (double)min / (double)max, RB_COUNTER_DEFAULT);
	for (int i = 0; i < win.nr_extra; i++)
		rb_counter_set(st, win.extra_name[i], win.extra_value[i], RB_COUNTER_DEFAULT);
	if (!have_counters)
		return;
	for (int e = 0; e < counters_cfg.n; e++) {
		const struct counters_value *v = &sum.v[e];
		if (!v->present)
			continue;     /* absent, never zero */
		for (size_t k = 0; k < sizeof(perf_names) / sizeof(perf_names[0]); k++) {
			if (strcmp(perf_names[k].event, counters_cfg.ev[e].name) != 0)
				continue;
			rb_counter_set(st, perf_names[k].counter,
				       perf_names[k].per_op ? v->scaled / (double)ops : v->scaled,
				       RB_COUNTER_DEFAULT);
		}
		if (counters_cfg.ev[e].kind == COUNTERS_KIND_RAW) {
			char name[64];
			snprintf(name, sizeof(name), "%s_per_op", counters_cfg.ev[e].name);
			rb_counter_set(st, name, v->scaled / (double)ops, RB_COUNTER_DEFAULT);
		}
	}
	double scaling = counters_values_min_scaling(&sum);
	if (scaling >= 0)
		rb_counter_set(st, "counters_scaling", scaling, RB_COUNTER_DEFAULT);
}

void window_end(rb_state *st, struct window *w)
{
	struct thread_result *me = &win.thread[w->tid];

	if (my_counters_open)
		counters_thread_stop(&my_counters);
	if (w->leader)
		win.t1 = harness_now();
	me->done = w->done;
	me->counted = w->counted;
	me->counters_ok = my_counters_open &&
		counters_thread_read(&my_counters, &me->values) == 0;
	if (my_counters_open) {
		counters_thread_close(&my_counters);
		my_counters_open = false;
	}
	/* Google Benchmark's stop barrier: everything above is visible after it. */
	while (rb_keep_running_batch(st, 1))
		;
	rb_set_iteration_time(st, win.t1 - win.t0);
	if (w->leader)
		publish(st, w, win.t1 - win.t0);
}
