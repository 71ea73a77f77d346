/*
 * test_window.c - the same-window measurement, on two pinned threads of
 * very different speed.
 *
 * With Google Benchmark's own scheme every thread would run the same
 * number of iterations, and the slow thread would go on alone long after
 * the fast one finished.  Here the fast leader's iterations define the
 * window and the slow thread must stop with it: both must be running over
 * the same interval, the slow one must have done far fewer operations,
 * and the published counters must agree with what the threads did.
 */
#define _GNU_SOURCE
#include "compat.h"
#include "gbench.h"
#include "harness.h"
#include "placement.h"
#include "window.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <math.h>
#include <sched.h>

extern hwloc_topology_t harness_topo;
extern struct placement harness_placement;

struct thread_log {
	double start, end;
	uint64_t done;
};
static struct thread_log logs[2];
static volatile unsigned long sink;

static void bench_uneven(rb_state *st, void *arg)
{
	struct window w;
	unsigned long x = 1;
	int tid = rb_thread_index(st);
	(void)arg;

	if (!harness_thread_enter(st, 64))
		return;
	harness_barrier(st);
	if (!harness_setup_ok(st))
		goto out;
	window_begin(st, &w);
	logs[tid].start = harness_now();
	if (w.leader) {
		WINDOW_RUN(&w, { x = x * 3 + 1; __asm__ __volatile__("" : "+r" (x)); });
	} else {
		/* About forty times the leader's work per operation. */
		WINDOW_RUN(&w, {
			for (int k = 0; k < 40; k++) {
				x = x * 3 + 1;
				__asm__ __volatile__("" : "+r" (x));
			}
		});
	}
	logs[tid].end = harness_now();
	logs[tid].done = w.done;
	sink = x;
	window_end(st, &w);
out:
	harness_barrier(st);
	harness_thread_exit(st);
}

static char out_path[256];

/* CPUs this process may run on (taskset narrows it below the machine's). */
static int allowed_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return 1;
	return CPU_COUNT(&set);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	long n;
	char *buf;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* The number after "key": in the first benchmark entry. */
static double json_number(const char *json, const char *key)
{
	char pat[64];
	const char *p = strstr(json, "\"benchmarks\"");

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = p ? strstr(p, pat) : NULL;
	return p ? strtod(p + strlen(pat), NULL) : -1;
}

static void test_same_window(void **state)
{
	char err[256];
	char filter[] = "--benchmark_filter=^window/uneven";
	char outarg[300], fmt[] = "--benchmark_out_format=json";
	char *argv[] = { "test_window", filter, outarg, fmt, NULL };
	int argc = 4;
	char *json;
	double window, ops, ops_per_sec, ns_per_op, fairness;
	(void)state;

	if (allowed_cpus() < 2) {
		/* The two threads are pinned to two CPUs: one would run both. */
		fprintf(stderr, "skipped: needs two CPUs this process may run on "
			"(it may run on %d)\n", allowed_cpus());
		skip();
		return;
	}
	snprintf(out_path, sizeof(out_path), "%s/refbench-window-%d.json",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
	snprintf(outarg, sizeof(outarg), "--benchmark_out=%s", out_path);
	assert_int_equal(rb_initialize_with_help(&argc, argv, NULL), 0);
	assert_int_equal(placement_topology_init(&harness_topo, err, sizeof(err)), 0);
	assert_int_equal(placement_build(harness_topo, "compact", false, &harness_placement,
					 err, sizeof(err)), 0);
	assert_int_equal(harness_setup_cpus(2, 2, 16, err, sizeof(err)), 0);
	assert_int_equal(harness_counters_init("none", err, sizeof(err)), 0);

	rb_bench *b = rb_register("window/uneven", bench_uneven, NULL);
	rb_bench_use_manual_time(b);
	rb_bench_threads(b, 2);
	rb_bench_iterations(b, 20 * 1000 * 1000);
	assert_int_equal((int)rb_run_specified(), 1);

	/* Both threads ran over the same interval, within a few batches. */
	window = logs[0].end - logs[0].start;
	assert_true(window > 0);
	assert_true(logs[1].end - logs[1].start < window * 1.2 + 0.005);
	assert_true(logs[1].end - logs[1].start > window * 0.8 - 0.005);
	/* The leader did exactly what was asked; the slow thread far less. */
	assert_int_equal(logs[0].done, 20 * 1000 * 1000);
	assert_true(logs[1].done * 5 < logs[0].done);
	assert_true(logs[1].done > 0);

	json = slurp(out_path);
	assert_non_null(json);
	ops = json_number(json, "ops");
	ops_per_sec = json_number(json, "ops_per_sec");
	ns_per_op = json_number(json, "ns_per_op");
	fairness = json_number(json, "fairness");
	assert_true(ops == (double)(logs[0].done + logs[1].done));
	assert_true(ops_per_sec > ops / (window * 1.2) && ops_per_sec < ops / (window * 0.8));
	/*
	 * ns_per_op is the time one thread takes per operation: the window
	 * times the two threads over their operations, measured here by the
	 * leader's own clock readings around its loop.  Without the factor of
	 * threads it would be half this.
	 */
	assert_true(ns_per_op > window * 1e9 * 2 / ops * 0.8);
	assert_true(ns_per_op < window * 1e9 * 2 / ops * 1.2);
	/* ... and the same window as ops_per_sec: their product is threads x 1e9. */
	assert_true(fabs(ns_per_op * ops_per_sec / 1e9 - 2.0) < 1e-6);
	assert_true(fairness > 0 && fairness < 0.2);
	free(json);
	unlink(out_path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_window),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	rb_shutdown();
	return rc;
}
