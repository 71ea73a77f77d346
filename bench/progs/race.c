/*
 * race.c - refbench-race: the race the 2009 refcount had, shown step by step.
 *
 * A module holds one reference, taken on CPU B.  A reader on CPU A sums the
 * per-CPU counts with the scheme's own module_refcount().  Between two steps
 * of that sum (before it reads CPU k, for every k in turn), CPU A takes a
 * reference and CPU B drops one: a reference that moved from A to B, as a
 * file opened on one CPU and closed on another after the task migrated.  One
 * reference is held throughout, so a sum below 1 is a read that an unload
 * would trust to free a module in use.
 *
 * The hand-offs are explicit (the reader calls the get itself from the
 * hook, then waits for CPU B's thread to confirm its put), with no sleeps
 * and no luck: every interleaving point of the sum is visited once.  Each
 * scheme declares whether it claims to be safe (SCHEME_MIGRATION_SAFE);
 * the exit status is 0 when every scheme's outcome matches its claim.
 *
 * Usage: refbench-race [--json]
 */
#define _GNU_SOURCE
#include "compat.h"
#include "json.h"
#include "lab_setup.h"
#include "options.h"
#include "race.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RACE_MAX_STEPS 4096

static const struct race_ops *const races[] = {
#define SCHEME(id) &race_##id,
#include "schemes.def"
#undef SCHEME
	NULL,
};

/* CPU B's thread: runs one command at a time, for the reader. */
enum { CMD_NONE, CMD_GET, CMD_PUT, CMD_QUIT };
static struct {
	int cmd, done;
	const struct race_ops *ops;
	struct module *mod;
	int ok;
} b_thread;

static void *cpu_b_main(void *arg)
{
	char err[256];
	cpu_set_t one;

	(void)arg;
	CPU_ZERO(&one);
	CPU_SET(refbench_cpus[1].os_index, &one);
	if (sched_setaffinity(0, sizeof(one), &one) != 0 || cpu_register(1, err, sizeof(err)) != 0) {
		__atomic_store_n(&b_thread.ok, -1, __ATOMIC_SEQ_CST);
		return NULL;
	}
	__atomic_store_n(&b_thread.ok, 1, __ATOMIC_SEQ_CST);
	for (;;) {
		int c = __atomic_load_n(&b_thread.cmd, __ATOMIC_ACQUIRE);

		if (c == CMD_NONE) {
			cpu_quiescent();
			sched_yield();
			continue;
		}
		if (c == CMD_QUIT)
			break;
		if (c == CMD_GET && !b_thread.ops->get(b_thread.mod))
			__atomic_store_n(&b_thread.ok, -2, __ATOMIC_SEQ_CST);
		if (c == CMD_PUT)
			b_thread.ops->put(b_thread.mod);
		__atomic_store_n(&b_thread.cmd, CMD_NONE, __ATOMIC_RELEASE);
		__atomic_store_n(&b_thread.done, 1, __ATOMIC_RELEASE);
	}
	cpu_unregister();
	return NULL;
}

/* Have CPU B run @cmd and wait until it has. */
static void on_cpu_b(int cmd)
{
	__atomic_store_n(&b_thread.done, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&b_thread.cmd, cmd, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&b_thread.done, __ATOMIC_ACQUIRE)) {
		/* A sum may run in an RCU callback (percpu_ref), whose thread
		 * is liburcu's, not a lab CPU: only lab CPUs report here. */
		if (refbench_this_cpu >= 0)
			cpu_quiescent();
		sched_yield();
	}
}

/* The hook: count the steps; at step `when`, move a reference from A to B. */
static int hook_calls, hook_when = -1, hook_fired;

static void step_hook(int cpu)
{
	(void)cpu;
	if (hook_calls++ != hook_when)
		return;
	hook_fired = 1;
	if (!b_thread.ops->get(b_thread.mod))   /* on CPU A: this thread */
		__atomic_store_n(&b_thread.ok, -2, __ATOMIC_SEQ_CST);
	on_cpu_b(CMD_PUT);                      /* dropped on CPU B */
}

struct outcome {
	int steps, reads, under, zero;
	unsigned int min_read;
	int first_under_step;
	char error[160];
};

/* One sum with the move at step @when (-1: none); the value read. */
static int read_with_move(const struct race_ops *r, int when, unsigned int *value)
{
	char name[] = "race";
	int err = 0;

	b_thread.ops = r;
	b_thread.mod = r->load(name, &err);
	if (!b_thread.mod)
		return err ? err : -ENOMEM;
	on_cpu_b(CMD_GET);                      /* the reference held throughout */
	hook_calls = 0;
	hook_when = when;
	hook_fired = 0;
	refbench_walk_hook = step_hook;
	*value = r->refcount(b_thread.mod);
	refbench_walk_hook = NULL;
	if (when >= 0 && !hook_fired) {
		/* The sum has fewer steps: make the move after it, for the books. */
		hook_when = hook_calls;
		step_hook(0);
	}
	on_cpu_b(CMD_PUT);                      /* drop the held reference */
	return r->unload(name);
}

static void run_scheme(const struct race_ops *r, struct outcome *o)
{
	unsigned int v;
	int rc;

	memset(o, 0, sizeof(*o));
	o->min_read = ~0u;
	o->first_under_step = -1;
	if (r->scheme->unavailable && r->scheme->unavailable()) {
		snprintf(o->error, sizeof(o->error), "skipped: %s", r->scheme->unavailable());
		return;
	}
	/* A dry run counts the steps of the sum. */
	if ((rc = read_with_move(r, -1, &v)) != 0) {
		snprintf(o->error, sizeof(o->error), "load/unload failed: %s", strerror(-rc));
		return;
	}
	o->steps = hook_calls;
	for (int k = 0; k <= o->steps && k < RACE_MAX_STEPS; k++) {
		if ((rc = read_with_move(r, k, &v)) != 0) {
			snprintf(o->error, sizeof(o->error), "step %d: unload failed: %s", k,
				 strerror(-rc));
			return;
		}
		o->reads++;
		if (v < o->min_read)
			o->min_read = v;
		if (v < 1) {
			o->under++;
			o->zero += v == 0;
			if (o->first_under_step < 0)
				o->first_under_step = k;
		}
	}
}

static bool matches_claim(const struct race_ops *r, const struct outcome *o)
{
	return o->error[0] || (r->scheme->migration_safe ? o->under == 0 : o->under > 0);
}

/* The races run: races[i] is picked when its scheme is (--scheme=LIST, default all). */
static bool picked[64];

static void print_json(const struct outcome *out)
{
	int first = 1;

	printf("{\"refbench_format\": 1, \"method\": \"deterministic interleaving: one reference "
	       "held on CPU B; before each step of module_refcount()'s sum, a get on CPU A and a "
	       "put on CPU B\", \"held\": 1, \"schemes\": [");
	for (int i = 0; races[i]; i++) {
		const struct outcome *o = &out[i];
		if (!picked[i])
			continue;
		printf("%s\n {\"scheme\": ", first ? "" : ",");
		first = 0;
		json_string(stdout, races[i]->scheme->name);
		printf(", \"claims_migration_safe\": %s", races[i]->scheme->migration_safe ? "true" : "false");
		if (o->error[0]) {
			printf(", \"error\": ");
			json_string(stdout, o->error);
			printf("}");
			continue;
		}
		printf(", \"steps\": %d, \"reads\": %d, \"under_reads\": %d, \"zero_reads\": %d, "
		       "\"min_read\": %u, \"first_under_step\": %d, \"matches_claim\": %s}",
		       o->steps, o->reads, o->under, o->zero, o->min_read, o->first_under_step,
		       matches_claim(races[i], o) ? "true" : "false");
	}
	printf("]}\n");
}

int main(int argc, char **argv)
{
	static struct outcome out[64];
	bool json = false, *on = calloc((size_t)scheme_count(), sizeof(bool));
	char err[1024];
	pthread_t b;
	int bad = 0;

	if (!on)
		return 2;
	for (int s = 0; s < scheme_count(); s++)
		on[s] = true;
	opt_parse("refbench-race", "usage: refbench-race [options]\n"
		  "  The 2009 race, step by step, for each scheme (default all).\n",
		  (const struct opt_use[]){
			  { &OPT_SCHEME, on, false, NULL },
			  { &OPT_JSON, &json, false, NULL },
			  { NULL, NULL, false, NULL },
		  }, argc, argv);
	for (int i = 0; races[i]; i++)
		picked[i] = on[scheme_index(races[i]->scheme)];
	if (lab_setup(64, 128, 2, 4, err, sizeof(err)) != 0) {
		fprintf(stderr, "refbench-race: %s\n", err);
		return 2;
	}
	pthread_create(&b, NULL, cpu_b_main, NULL);
	while (!__atomic_load_n(&b_thread.ok, __ATOMIC_SEQ_CST))
		sched_yield();
	if (b_thread.ok < 0) {
		fprintf(stderr, "refbench-race: cannot register a thread as CPU B\n");
		return 2;
	}
	for (int i = 0; races[i]; i++)
		if (picked[i])
			run_scheme(races[i], &out[i]);
	__atomic_store_n(&b_thread.cmd, CMD_QUIT, __ATOMIC_RELEASE);
	pthread_join(b, NULL);
	if (json)
		print_json(out);
	for (int i = 0; races[i]; i++) {
		const struct outcome *o = &out[i];
		if (!picked[i])
			continue;
		if (!json) {
			if (o->error[0])
				printf("%-16s %s\n", races[i]->scheme->name, o->error);
			else
				printf("%-16s claims %-8s %3d interleavings, %3d read below the 1 reference "
				       "held (lowest %u)%s\n", races[i]->scheme->name,
				       races[i]->scheme->migration_safe ? "safe" : "unsafe", o->reads,
				       o->under, o->min_read,
				       matches_claim(races[i], o) ? "" : "  <- does not match its claim");
		}
		if (!matches_claim(races[i], o)) {
			fprintf(stderr, "refbench-race: %s claims %s but %d of %d interleavings read "
				"below the reference held\n", races[i]->scheme->name,
				races[i]->scheme->migration_safe ? "to be safe" : "nothing",
				o->under, o->reads);
			bad++;
		}
	}
	return bad ? 1 : 0;
}
