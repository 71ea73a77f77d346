/*
 * handoff.c - the handoff scenario: references taken on one CPU and dropped on another (a chain
 * of rings), a reader counting module_refcount() reads below what it
 * knows to be held.
 *
 * One file, two parts: its loops (SCENARIO_LOOPS_PART: compiled once per
 * scheme inside scenario_unit.c, after scenario_frame.h) and, compiled
 * once, its benchmarks: their names, parameters and self-description.
 */
#ifdef SCENARIO_LOOPS_PART

/*
 * A file opened on one CPU and closed on another after its task migrated:
 * the threads form a chain in CPU order, thread i takes a reference on its
 * CPU and passes it as a token through the ring to thread i+1, which drops
 * it on its own CPU; the threads between the ends do both, without
 * blocking.  ops counts the references dropped, every one taken on another
 * CPU.  The chain runs from lower to higher CPU numbers, the direction in
 * which a sum in CPU order can miss a reference (taken on a CPU it has
 * read, dropped on one it has not); the other direction can only
 * over-count.  Each CPU's count drifts (up at the head of the chain, down
 * at its tail), as per-CPU counts of migrating tasks do; only the sum
 * means anything.
 *
 * A reader, not pinned (module_refcount() runs in process context and is
 * preemptible, as when lsmod reads it), holds one reference throughout and
 * calls module_refcount() in a loop.  A token pushed before a read started
 * and popped after it ended was held during the whole read (a taker pushes
 * after its get, a dropper pops before its put), so each read knows a
 * lower bound: 1 + the tokens in [tail after, head before) of every ring.
 * A read below it is an under-read.  Reads at or below zero are counted
 * apart (an unload trusting them frees a module in use).  With fewer CPUs
 * than threads plus the reader, as on a 2-CPU machine, the reader runs
 * only when a chain thread does not, so the race needs the reader to be
 * preempted inside its sum; the per-million figure depends on how often
 * that happens, its being above zero does not.
 */
#define HANDOFF_RING 64

static struct handoff_ring {
	unsigned long head ____cacheline_aligned;  /* tokens pushed, by the taker */
	unsigned long tail ____cacheline_aligned;  /* tokens popped, by the dropper */
} handoff_rings[HARNESS_MAX_THREADS];

static struct {
	struct module *mod;
	int rings, stop;
	unsigned long reads, under, zero;
	pthread_t thread;
	bool started;
} handoff;

static void *handoff_reader(void *arg)
{
	static unsigned long head_before[HARNESS_MAX_THREADS];
	unsigned long reads = 0, under = 0, zero = 0;
	int rings = handoff.rings;

	(void)arg;
	while (!__atomic_load_n(&handoff.stop, __ATOMIC_ACQUIRE)) {
		long held = 1;                  /* the reader's own reference */
		long got;

		for (int r = 0; r < rings; r++)
			head_before[r] = __atomic_load_n(&handoff_rings[r].head, __ATOMIC_SEQ_CST);
		/* As unsigned int, the scheme's answer; a sum that went below
		 * zero wraps, so it is compared as the signed value it was. */
		got = (int)bench_module_refcount(handoff.mod);
		/* The sum's loads before the tails' (a compiler barrier on x86). */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		for (int r = 0; r < rings; r++) {
			unsigned long tail = __atomic_load_n(&handoff_rings[r].tail, __ATOMIC_SEQ_CST);
			if (head_before[r] > tail)
				held += (long)(head_before[r] - tail);
		}
		reads++;
		if (got < held) {
			under++;
			zero += got <= 0;
		}
	}
	handoff.reads = reads;
	handoff.under = under;
	handoff.zero = zero;
	return NULL;
}

/* Thread 0: hold the reader's reference and start it on the run's CPUs. */
static void handoff_start_reader(rb_state *st)
{
	pthread_attr_t attr;
	cpu_set_t cpus;
	int rc;

	handoff.mod = run_mod;
	handoff.rings = rb_thread_count(st) - 1;
	handoff.stop = 0;
	handoff.reads = handoff.under = handoff.zero = 0;
	memset(handoff_rings, 0, sizeof(handoff_rings[0]) * (size_t)handoff.rings);
	handoff.started = false;
	if (!try_module_get(run_mod)) {
		harness_setup_error("handoff: try_module_get() failed on a live module");
		return;
	}
	CPU_ZERO(&cpus);
	for (int t = 0; t < rb_thread_count(st); t++)
		CPU_SET(refbench_cpus[t].os_index, &cpus);
	pthread_attr_init(&attr);
	pthread_attr_setaffinity_np(&attr, sizeof(cpus), &cpus);
	rc = pthread_create(&handoff.thread, &attr, handoff_reader, NULL);
	pthread_attr_destroy(&attr);
	handoff.started = rc == 0;
	if (rc != 0) {
		module_put(run_mod);
		harness_setup_error("handoff: cannot start the reader thread: %s", strerror(rc));
	}
}

/* Thread 0: stop the reader, publish what it saw, drop its reference. */
static void handoff_stop_reader(rb_state *st, bool publish)
{
	if (!handoff.started)
		return;
	__atomic_store_n(&handoff.stop, 1, __ATOMIC_RELEASE);
	cpu_idle_enter();                       /* the reader may wait for a grace period */
	pthread_join(handoff.thread, NULL);
	cpu_idle_exit();
	handoff.started = false;
	if (publish) {
		window_extra_counter(st, "handoff_reads", (double)handoff.reads);
		window_extra_counter(st, "under_reads", (double)handoff.under);
		window_extra_counter(st, "zero_reads", (double)handoff.zero);
		if (handoff.reads)
			window_extra_counter(st, "under_reads_per_million",
					     (double)handoff.under * 1e6 / (double)handoff.reads);
	}
	module_put(handoff.mod);
}

static void bench_handoff(rb_state *st, void *arg)
{
	const struct scenario_args *a = arg;
	struct handoff_ring *out, *in;
	unsigned long head = 0, tail = 0, dropped = 0;
	int tid = rb_thread_index(st), n = rb_thread_count(st);
	struct window w;
	struct module *mod;

	switch (begin_one_module(st, a, "handoff")) {
	case RUN_GONE:
		return;
	case RUN_SKIP:
		goto out;
	}
	if (n < 2) {
		rb_skip_with_error(st, "handoff needs two threads or more (one per CPU)");
		goto out;
	}
	if (tid == 0)
		handoff_start_reader(st);
	harness_barrier(st);
	if (!harness_setup_ok(st))
		goto out;
	mod = run_mod;
	/* Ring i goes from thread i to thread i+1: the last only drops, the
	 * first only takes. */
	out = tid < n - 1 ? &handoff_rings[tid] : NULL;
	in = tid > 0 ? &handoff_rings[tid - 1] : NULL;

	window_begin(st, &w);
	WINDOW_RUN(&w, {
		if (out && head - __atomic_load_n(&out->tail, __ATOMIC_ACQUIRE) < HANDOFF_RING) {
			if (unlikely(!bench_try_module_get(mod)))
				__builtin_trap();
			__atomic_store_n(&out->head, ++head, __ATOMIC_RELEASE);
		}
		if (in && tail != __atomic_load_n(&in->head, __ATOMIC_ACQUIRE)) {
			__atomic_store_n(&in->tail, ++tail, __ATOMIC_RELEASE);
			bench_module_put(mod);
			dropped++;
		}
	});
	/* ops: the references dropped, each taken on another CPU; the head
	 * of the chain drops none and is not counted. */
	w.done = dropped;
	w.counted = in != NULL;
	/* The reader may be waiting for a grace period: the others wait idle. */
	if (w.leader)
		handoff_stop_reader(st, true);
	harness_barrier(st);
	window_end(st, &w);
	/* Nobody takes any more: drop what is still in the rings. */
	while (in && tail != __atomic_load_n(&in->head, __ATOMIC_ACQUIRE)) {
		__atomic_store_n(&in->tail, ++tail, __ATOMIC_RELEASE);
		bench_module_put(mod);
	}
	harness_barrier(st);
	if (w.leader)
		check_count(st, mod, 0);
out:
	if (tid == 0)
		handoff_stop_reader(st, false);
	end_run(st);
}

static const struct scenario_loops handoff_loops = { bench_handoff, NULL };

#else /* the registration */
#include "loop_register.h"

#include <stdio.h>
#include <string.h>

static void add_handoff(const struct loop_settings *s, const struct scheme_loops *t,
			const struct scenario_loops *l, struct wanted w)
{
	unsigned int nc = s->run->nr_cpus, pg = loop_pages_for(t->scheme, s->pages);
	int max[] = { s->run->max_threads };
	static bool said;
	char name[256];

	if (!w.own)
		return;
	if (s->run->max_threads < 2) {
		/* A reference handed from one CPU to another needs two threads. */
		if (!said)
			fprintf(stderr, "refbench: handoff not run: it needs 2 threads or more "
				"(the largest of --threads is %d)\n", s->run->max_threads);
		said = true;
		return;
	}
	/* Every thread passes references on. */
	snprintf(name, sizeof(name), "handoff/%s/nr_cpus:%u/line:%u/%s", t->scheme->name, nc,
		 s->run->line, loop_scheme_suffix(t, pg, s->offset));
	loop_add(s, name, l->run, loop_scenario_args(nc, s->run->modules, false, pg, s->offset), max, 1);
}

const struct loop_desc loop_handoff = {
	.name = "handoff",
	.role = ROLE_SCENARIO,
	.label = "taken on one CPU, dropped on another",
	.claims = NO_CLAIMS,
	.source = __FILE__,
	.scenario = SCENARIO_handoff,
	.add_scheme = add_handoff,
};
#endif
