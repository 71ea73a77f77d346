/*
 * test_concurrency.c - the schemes under concurrent use, every scheme:
 *   storm            two pinned threads hammer one module with __module_get,
 *                    try_module_get and module_put; the count is exact after
 *   waiting_delete   delete_module(name, 0) returns only after the last put
 *                    and never while a reference is held
 *   going            while a delete is under way (the GOING notifier runs),
 *                    try_module_get fails on a registered CPU
 *   unload_race      a pinned thread keeps taking references through a
 *                    published pointer while the module is deleted; no get
 *                    succeeds once GOING was seen, and the GOING notifier's
 *                    unpublish plus the era's wait keep it off freed memory
 *   churn            two pinned threads load, init, use and delete modules
 *                    of their own (both delete modes) and share one module;
 *                    every allocator's books balance afterwards
 *   wake_self        wake_up_process() of a running task is remembered: the
 *                    next task_prepare_to_sleep() reports it and a
 *                    task_schedule() after it returns at once
 *   wake_race        a thread sleeps in the kernel's wait loop for each of
 *                    20000 rounds (or 3 s), a spinning one publishes the
 *                    round and wakes it, landing anywhere in the loop: a
 *                    lost wake-up leaves the sleeper asleep, and the test
 *                    fails after the 5 s wait
 *
 * The main thread is CPU 0 (kernels_test_util.h).  Where two workers need
 * both CPUs, the main thread unregisters for the time and registers again.
 * Loops are bounded; every wait has a time limit; the binary has a watchdog.
 * The same counts run under ThreadSanitizer (about 2 s on 2 vCPUs).
 * (Over 600 lines: the seven cases share the pinned-thread set-up and the
 * watchdog, and ThreadSanitizer runs this binary as one suite.)
 */
#include "kernels_test_util.h"

#include <fcntl.h>
#include <limits.h>

#ifndef STORM_ITERS
#define STORM_ITERS 200000
#endif
#ifndef CHURN_ITERS
#define CHURN_ITERS 150
#endif
#define STORM_KEEP_EVERY 1000    /* one extra reference kept per this many */

static void need_two_cpus(void)
{
	if (kt_ncpus < 2) {
		fprintf(stderr, "skipped: needs two CPUs this process may run on\n");
		skip();
	}
}

/* The main thread gives CPU 0 to a worker, and takes it back. */
static void main_unregister(void)
{
	cpu_unregister();
}

static void main_reregister(void)
{
	char err[256] = "";

	if (cpu_register(0, err, sizeof(err)) != 0)
		fail_msg("main thread could not register as CPU 0 again: %s", err);
}

/* ---- storm -------------------------------------------------------------- */

struct storm {
	const struct scheme_ops *ops;
	struct module *mod;
	struct kt_gate gate;
	long failed_gets[2];
	long kept[2];
};

static void storm_fn(struct kt_worker *w)
{
	struct storm *s = w->arg;
	const struct scheme_ops *ops = s->ops;
	struct module *mod = s->mod;
	long failed = 0, kept = 0;

	kt_gate_arrive(&s->gate);
	for (long i = 0; i < STORM_ITERS; i++) {
		/*
		 * Never below this CPU's starting count: the racy sum that
		 * __module_get() checks (BUG_ON at zero) stays >= 1, as the
		 * main thread's reference is held throughout.
		 */
		ops->__module_get(mod);
		if (!ops->try_module_get(mod))
			failed++;
		else
			ops->module_put(mod);
		if (i % 3 == 0) {
			if (ops->try_module_get(mod))
				ops->module_put(mod);
			else
				failed++;
		}
		ops->module_put(mod);
		if (i % STORM_KEEP_EVERY == STORM_KEEP_EVERY - 1) {
			if (ops->try_module_get(mod))
				kept++;
			else
				failed++;
		}
		if (i % 256 == 0)
			cpu_quiescent();
	}
	s->failed_gets[w->cpu] = failed;
	s->kept[w->cpu] = kept;
}

static void test_storm(void **state)
{
	const struct scheme_ops *ops = kt_ops(state);
	struct storm s = { .ops = ops };
	struct kt_worker w[2];
	struct kt_books before;
	char name[64];
	unsigned int want;
	int gate_rc;

	need_two_cpus();
	kt_books(&before);
	s.mod = kt_load_live(ops, kt_name(name, sizeof(name), "storm"), NULL);
	assert_true(ops->try_module_get(s.mod));      /* the held base reference */

	main_unregister();
	kt_worker_start(&w[0], 0, storm_fn, &s);
	kt_worker_start(&w[1], 1, storm_fn, &s);
	gate_rc = kt_gate_open(&s.gate, 2);
	kt_worker_join(&w[0]);
	kt_worker_join(&w[1]);
	main_reregister();
	assert_int_equal(gate_rc, 0);

	assert_int_equal(s.failed_gets[0] + s.failed_gets[1], 0);
	assert_int_equal(s.kept[0], STORM_ITERS / STORM_KEEP_EVERY);
	assert_int_equal(s.kept[1], STORM_ITERS / STORM_KEEP_EVERY);
	want = 1 + 2 * (STORM_ITERS / STORM_KEEP_EVERY);
	if (ops->module_refcount(s.mod) != want)
		fail_msg("%s: refcount %u after the storm, want %u", ops->name,
			 ops->module_refcount(s.mod), want);
	assert_int_equal(ops->delete_module(name, O_NONBLOCK), -EWOULDBLOCK);
	/* The workers' references, taken on both CPUs, are put on CPU 0. */
	for (unsigned int i = 0; i < want; i++)
		ops->module_put(s.mod);
	assert_int_equal(ops->module_refcount(s.mod), 0);
	assert_int_equal(ops->delete_module(name, O_NONBLOCK), 0);
	kt_books_equal(&before, "%s after the storm", ops->name);
}

/* ---- the waiting delete ------------------------------------------------- */

#define WAIT_REFS 4
#define WAIT_PAUSE_US 30000

struct waiter {
	const struct scheme_ops *ops;
	const char *name;
	int held;                 /* references the main thread still holds */
	int ret;
	int held_at_return;       /* what "held" was when delete_module returned */
	uint64_t returned_ns;
	int done;
};

static void waiter_fn(struct kt_worker *w)
{
	struct waiter *d = w->arg;

	d->ret = d->ops->delete_module(d->name, 0);
	d->held_at_return = __atomic_load_n(&d->held, __ATOMIC_SEQ_CST);
	d->returned_ns = kt_now_ns();
	__atomic_store_n(&d->done, 1, __ATOMIC_RELEASE);
}

/* One long case: the waiting delete's steps, in the order they happen. */
static void test_waiting_delete(void **state)
{
	const struct scheme_ops *ops = kt_ops(state);
	struct waiter d = { .ops = ops, .held = WAIT_REFS, .held_at_return = -1 };
	struct kt_books before;
	struct kt_worker b;
	struct module *mod;
	uint64_t last_put_ns = 0;
	int early = -1, got_going = -1, state_blocked = -1;
	unsigned int count_blocked = 0;
	char name[64];

	struct module_unload_stats s0, s1, s2;

	kt_books(&before);
	/* A waiting delete that meets no reference ends on the zero path. */
	mod = kt_load_live(ops, kt_name(name, sizeof(name), "zero"), NULL);
	s0 = module_unload_stats;
	assert_int_equal(ops->delete_module(name, 0), 0);
	s1 = module_unload_stats;
	assert_int_equal(s1.found_zero, s0.found_zero + 1);
	assert_int_equal(s1.waited, s0.waited);

	d.name = kt_name(name, sizeof(name), "wait");
	mod = kt_load_live(ops, name, NULL);
	for (int i = 0; i < WAIT_REFS; i++)
		assert_true(ops->try_module_get(mod));

	kt_worker_start(&b, -1, waiter_fn, &d);
	/* Let the delete start and block. */
	if (scheme_has_waiting_delete(ops)) {
		uint64_t end = kt_now_ns() + KT_TIMEOUT_NS;
		while (ops->module_state(mod) != MODULE_STATE_GOING && kt_now_ns() < end)
			kt_idle_sleep_us(200);
	}
	kt_idle_sleep_us(WAIT_PAUSE_US);
	state_blocked = ops->module_state(mod);
	if (scheme_has_waiting_delete(ops)) {
		count_blocked = ops->module_refcount(mod);
		/* GOING: a registered CPU can no longer take a reference. */
		got_going = ops->try_module_get(mod);
		if (got_going)
			ops->module_put(mod);
	}

	for (int k = 1; k <= WAIT_REFS; k++) {
		if (__atomic_load_n(&d.done, __ATOMIC_ACQUIRE) && early < 0)
			early = k;
		__atomic_store_n(&d.held, WAIT_REFS - k, __ATOMIC_SEQ_CST);
		if (k == WAIT_REFS)
			last_put_ns = kt_now_ns();
		ops->module_put(mod);       /* mod may be gone after the last one */
		if (k < WAIT_REFS)
			kt_idle_sleep_us(WAIT_PAUSE_US);
	}
	kt_wait_flag(&d.done);
	kt_worker_join(&b);
	/* ... and one that met held references waited for the last put. */
	s2 = module_unload_stats;
	assert_int_equal(s2.waited, s1.waited + 1);
	assert_int_equal(s2.found_zero, s1.found_zero);
	assert_true(s2.wait_ns > s1.wait_ns);

	if (early > 0)
		fail_msg("%s: delete_module returned while %d reference(s) were held", ops->name,
			 WAIT_REFS - early + 1);
	assert_int_equal(d.done, 1);
	assert_int_equal(d.ret, 0);
	if (d.held_at_return != 0)
		fail_msg("%s: delete_module returned with %d reference(s) still held", ops->name,
			 d.held_at_return);
	assert_true(d.returned_ns >= last_put_ns);
	if (scheme_has_waiting_delete(ops)) {
		assert_int_equal(state_blocked, MODULE_STATE_GOING);
		assert_int_equal(count_blocked, WAIT_REFS);
		if (got_going != 0)
			fail_msg("%s: try_module_get succeeded while the module was GOING",
				 ops->name);
	} else {
		/* No waiting mode (2013, 2014): the caller's retry leaves the module LIVE. */
		assert_int_equal(state_blocked, MODULE_STATE_LIVE);
	}
	assert_int_equal(ops->delete_module(name, O_NONBLOCK), -ENOENT);
	kt_books_equal(&before, "%s after the waiting delete", ops->name);
}

/* ---- try_module_get during GOING, seen from the notifier ---------------- */

struct going {
	const struct scheme_ops *ops;
	const char *name;
	struct module *mod;
	int seen;            /* the notifier ran (on the deleting thread) */
	int verdict;         /* the main thread has checked */
	int notifier_timeout;
	int ret, done;
	unsigned int flags;
};

static void going_notifier(int state, const char *scheme, const char *name, void *mod,
			   void *data)
{
	struct going *g = data;
	uint64_t end;

	if (state != MODULE_STATE_GOING || strcmp(scheme, g->ops->name) != 0 ||
	    strcmp(name, g->name) != 0 || mod != g->mod)
		return;
	__atomic_store_n(&g->seen, 1, __ATOMIC_RELEASE);
	/* Hold the delete here until the main thread has tried its get. */
	end = kt_now_ns() + KT_TIMEOUT_NS;
	while (!__atomic_load_n(&g->verdict, __ATOMIC_ACQUIRE)) {
		if (kt_now_ns() > end) {
			g->notifier_timeout = 1;
			break;
		}
		kt_idle_sleep_us(100);
	}
}

static void going_delete_fn(struct kt_worker *w)
{
	struct going *g = w->arg;

	g->ret = g->ops->delete_module(g->name, g->flags);
	__atomic_store_n(&g->done, 1, __ATOMIC_RELEASE);
}

static void going_case(const struct scheme_ops *ops, unsigned int flags)
{
	struct going g = { .ops = ops, .flags = flags, .ret = 1 };
	struct kt_books before;
	struct kt_worker b;
	char name[64];
	int seen, got = -1, st = -1;
	unsigned int count = 0;

	kt_books(&before);
	g.name = kt_name(name, sizeof(name), flags ? "going_nb" : "going_w");
	g.mod = kt_load_live(ops, name, NULL);
	register_module_notifier(going_notifier, &g);
	if (!flags)
		assert_true(ops->try_module_get(g.mod));   /* the delete waits for it */
	kt_worker_start(&b, -1, going_delete_fn, &g);
	if (!flags) {
		kt_idle_sleep_us(20000);
		ops->module_put(g.mod);
	}
	seen = kt_wait_flag(&g.seen);
	if (seen) {
		st = ops->module_state(g.mod);
		count = ops->module_refcount(g.mod);
		got = ops->try_module_get(g.mod);   /* main thread: registered CPU 0 */
		if (got)
			ops->module_put(g.mod);
	}
	__atomic_store_n(&g.verdict, 1, __ATOMIC_RELEASE);
	kt_wait_flag(&g.done);
	kt_worker_join(&b);
	unregister_module_notifier(going_notifier, &g);

	if (!seen)
		fail_msg("%s: the GOING notifier never ran (delete returned %d)", ops->name, g.ret);
	assert_int_equal(g.notifier_timeout, 0);
	assert_int_equal(g.ret, 0);
	assert_int_equal(st, MODULE_STATE_GOING);
	assert_int_equal(count, ops->unload_era == 2014 ? (unsigned int)-1 : 0u);
	if (got != 0)
		fail_msg("%s: try_module_get succeeded during GOING (delete flags %#x)", ops->name,
			 flags);
	kt_books_equal(&before, "%s after the delete", ops->name);
}

static void test_going(void **state)
{
	going_case(kt_ops(state), 0);
	going_case(kt_ops(state), O_NONBLOCK);
}

/* ---- unload race: gets through a published pointer during delete -------- */

struct race {
	const struct scheme_ops *ops;
	const char *name;
	struct module *pub;       /* published pointer; the notifier clears it */
	long gets, failed, after_going;
	int stop;
	struct kt_gate gate;
};

static void race_notifier(int state, const char *scheme, const char *name, void *mod,
			  void *data)
{
	struct race *r = data;

	if (state == MODULE_STATE_GOING && strcmp(scheme, r->ops->name) == 0 &&
	    strcmp(name, r->name) == 0 && mod == r->pub)
		__atomic_store_n(&r->pub, NULL, __ATOMIC_RELEASE);
}

static void race_fn(struct kt_worker *w)
{
	struct race *r = w->arg;
	const struct scheme_ops *ops = r->ops;
	long gets = 0, failed = 0, after_going = 0;
	uint64_t end = kt_now_ns() + KT_TIMEOUT_NS;

	kt_gate_arrive(&r->gate);
	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE) && kt_now_ns() < end) {
		for (int i = 0; i < 64; i++) {
			/* Inside one quiescent period: the module cannot be freed. */
			struct module *m = __atomic_load_n(&r->pub, __ATOMIC_ACQUIRE);
			int going;

			if (!m)
				break;
			going = ops->module_state(m) == MODULE_STATE_GOING;
			if (ops->try_module_get(m)) {
				gets++;
				if (going)
					after_going++;
				ops->module_put(m);
			} else {
				failed++;
			}
		}
		__atomic_store_n(&r->gets, gets, __ATOMIC_RELAXED);
		cpu_quiescent();
	}
	r->gets = gets;
	r->failed = failed;
	r->after_going = after_going;
}

static void race_case(const struct scheme_ops *ops, unsigned int flags)
{
	struct race r = { .ops = ops };
	struct kt_books before;
	struct kt_worker w;
	char name[64];
	int ret = 1, tries = 0, gate_rc;
	uint64_t end;

	kt_books(&before);
	r.name = kt_name(name, sizeof(name), flags ? "race_nb" : "race_w");
	r.pub = kt_load_live(ops, name, NULL);
	register_module_notifier(race_notifier, &r);
	kt_worker_start(&w, 1, race_fn, &r);
	gate_rc = kt_gate_open(&r.gate, 1);
	/* Let the worker get going before the delete. */
	end = kt_now_ns() + KT_TIMEOUT_NS;
	while (__atomic_load_n(&r.gets, __ATOMIC_RELAXED) < 2000 && kt_now_ns() < end)
		kt_idle_sleep_us(100);
	/* The 2014 era has no waiting mode and a busy module refuses O_NONBLOCK:
	 * the caller retries, as rmmod users do. */
	do {
		ret = ops->delete_module(name, flags);
		tries++;
		if (ret == -EWOULDBLOCK)
			kt_idle_sleep_us(50);
	} while (ret == -EWOULDBLOCK && kt_now_ns() < end);
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	kt_worker_join(&w);
	unregister_module_notifier(race_notifier, &r);

	assert_int_equal(gate_rc, 0);
	if (ret != 0)
		fail_msg("%s: delete_module(flags %#x) returned %d after %d tries", ops->name,
			 flags, ret, tries);
	assert_null(r.pub);
	assert_true(r.gets >= 2000);
	if (r.after_going != 0)
		fail_msg("%s: %ld try_module_get() succeeded after GOING was seen", ops->name,
			 r.after_going);
	kt_books_equal(&before, "%s after the delete", ops->name);
}

static void test_unload_race(void **state)
{
	need_two_cpus();
	race_case(kt_ops(state), 0);
	race_case(kt_ops(state), O_NONBLOCK);
}

/* ---- churn: concurrent loads and deletes, one shared module ------------- */

struct churn {
	const struct scheme_ops *ops;
	struct module *shared;
	struct kt_gate gate;
	int errors[2];
	char what[2][160];
};

static void churn_fn(struct kt_worker *w)
{
	struct churn *c = w->arg;
	const struct scheme_ops *ops = c->ops;
	struct load_params p = { .percpu_size = 16, .args = "churn" };
	int cpu = w->cpu;

	kt_gate_arrive(&c->gate);
	for (int i = 0; i < CHURN_ITERS && !c->errors[cpu]; i++) {
		char name[64];
		struct module *mod;
		int err = 0, ret;
		unsigned int flags = i % 2 ? O_NONBLOCK : 0;

		snprintf(name, sizeof(name), "kt_churn_%d_%d", cpu, i);
		if (!ops->try_module_get(c->shared)) {
			snprintf(c->what[cpu], sizeof(c->what[cpu]), "get of the shared module failed");
			c->errors[cpu]++;
			break;
		}
		mod = ops->load_module(name, &p, &err);
		if (!mod) {
			snprintf(c->what[cpu], sizeof(c->what[cpu]), "load %s: %d", name, err);
			c->errors[cpu]++;
			ops->module_put(c->shared);
			break;
		}
		ops->do_init_module(mod);
		if (ops->try_module_get(mod)) {
			ops->__module_get(mod);
			ops->module_put(mod);
			ops->module_put(mod);
		} else {
			snprintf(c->what[cpu], sizeof(c->what[cpu]), "get of %s failed", name);
			c->errors[cpu]++;
		}
		ops->module_put(c->shared);
		ret = ops->delete_module(name, flags);
		if (ret != 0) {
			snprintf(c->what[cpu], sizeof(c->what[cpu]), "delete %s (flags %#x): %d",
				 name, flags, ret);
			c->errors[cpu]++;
		}
		cpu_quiescent();
	}
}

static void test_churn(void **state)
{
	const struct scheme_ops *ops = kt_ops(state);
	struct churn c = { .ops = ops };
	struct kt_worker w[2];
	struct kt_books before;
	char name[64];
	int gate_rc;

	need_two_cpus();
	kt_books(&before);
	c.shared = kt_load_live(ops, kt_name(name, sizeof(name), "shared"), NULL);
	main_unregister();
	kt_worker_start(&w[0], 0, churn_fn, &c);
	kt_worker_start(&w[1], 1, churn_fn, &c);
	gate_rc = kt_gate_open(&c.gate, 2);
	kt_worker_join(&w[0]);
	kt_worker_join(&w[1]);
	main_reregister();
	assert_int_equal(gate_rc, 0);
	for (int cpu = 0; cpu < 2; cpu++)
		if (c.errors[cpu])
			fail_msg("%s, CPU %d: %s", ops->name, cpu, c.what[cpu]);
	assert_int_equal(ops->module_refcount(c.shared), 0);
	assert_int_equal(ops->delete_module(name, O_NONBLOCK), 0);
	kt_books_equal(&before, "%s after the churn", ops->name);
}

/* ---- wake-ups ------------------------------------------------------------ */

static void test_wake_self(void **state)
{
	struct task_struct *me = get_current();

	(void)state;
	task_prepare_to_sleep(me);
	task_set_running(me);
	wake_up_process(me);                  /* running: no sleeper to wake */
	assert_true(task_prepare_to_sleep(me));
	assert_false(task_prepare_to_sleep(me));
	wake_up_process(me);                  /* prepared, not yet asleep */
	task_schedule(me);                    /* must return: the wake-up came */
	assert_true(task_prepare_to_sleep(me));   /* said once, by the next prepare */
	assert_false(task_prepare_to_sleep(me));
	task_set_running(me);
	task_schedule(me);                    /* not prepared: returns, as schedule() does */
}

#ifndef WAKE_ROUNDS
#define WAKE_ROUNDS 20000
#endif
#define WAKE_BUDGET_NS (3ull * 1000 * 1000 * 1000)   /* then the pair stops early */

/*
 * The waker never sleeps: it waits, spinning, until the sleeper says it is
 * about to wait for round r, then publishes round r and wakes it.  Both
 * first run an empty loop, the sleeper 0..1023 turns and the waker 0..511,
 * varied from round to round: delays that sweep a few hundred cycles in
 * steps of one or two, so that the wake-up lands, round after round,
 * anywhere in the sleeper's wait loop: before it publishes that it sleeps,
 * between that and its look at the round, and after.
 */
struct wake_race {
	struct task_struct *sleeper;
	int ready;                            /* the round the sleeper waits for next */
	int round;                            /* the round published */
	int stop;                             /* the waker is out of time or rounds */
	int rounds_done;
	int slept;                            /* rounds in which the sleeper slept */
	uint64_t end_ns;
};

/* The kernel's wait loop: set_current_state(), the condition, schedule(). */
static void *wake_sleeper(void *arg)
{
	struct wake_race *w = arg;
	struct task_struct *me = get_current();

	if (kt_ncpus >= 2)
		kt_pin_self(0);
	__atomic_store_n(&w->sleeper, me, __ATOMIC_RELEASE);
	for (int r = 1; r <= WAKE_ROUNDS; r++) {
		__atomic_store_n(&w->ready, r, __ATOMIC_RELEASE);
		for (int d = 0; d < (r * 13) % 1024; d++)
			__asm__ __volatile__("" ::: "memory");
		for (;;) {
			task_prepare_to_sleep(me);
			if (__atomic_load_n(&w->round, __ATOMIC_ACQUIRE) == r ||
			    __atomic_load_n(&w->stop, __ATOMIC_ACQUIRE))
				break;
			w->slept++;
			task_schedule(me);
		}
		task_set_running(me);
		if (__atomic_load_n(&w->round, __ATOMIC_ACQUIRE) != r)
			break;
		w->rounds_done = r;
	}
	return NULL;
}

static void *wake_waker(void *arg)
{
	struct wake_race *w = arg;
	struct task_struct *sleeper;
	uint64_t give_up = w->end_ns + KT_TIMEOUT_NS;

	if (kt_ncpus >= 2)
		kt_pin_self(1);                   /* spinning beside the sleeper, not instead of it */
	while (!(sleeper = __atomic_load_n(&w->sleeper, __ATOMIC_ACQUIRE)))
		sched_yield();
	for (int r = 1; r <= WAKE_ROUNDS; r++) {
		unsigned int spins = 0;

		/* The sleeper, were its wake-up lost, would never get here. */
		while (__atomic_load_n(&w->ready, __ATOMIC_ACQUIRE) != r)
			if (++spins % 1024 == 0 && (sched_yield(), kt_now_ns() > give_up))
				return NULL;
		for (int d = 0; d < (r * 7) % 512; d++)
			__asm__ __volatile__("" ::: "memory");
		if (kt_now_ns() > w->end_ns) {
			__atomic_store_n(&w->stop, 1, __ATOMIC_RELEASE);
			wake_up_process(sleeper);
			return NULL;
		}
		__atomic_store_n(&w->round, r, __ATOMIC_RELEASE);
		wake_up_process(sleeper);
	}
	return NULL;
}

static void test_wake_race(void **state)
{
	struct wake_race w = { .end_ns = kt_now_ns() + WAKE_BUDGET_NS };
	pthread_t sleeper, waker;

	(void)state;
	assert_int_equal(pthread_create(&sleeper, NULL, wake_sleeper, &w), 0);
	assert_int_equal(pthread_create(&waker, NULL, wake_waker, &w), 0);
	if (kt_join(sleeper) != 0)
		fail_msg("lost wake-up: the sleeper still sleeps %llu s on, waiting for round %d (round %d published)",
			 (unsigned long long)(KT_TIMEOUT_NS / 1000000000ull),
			 __atomic_load_n(&w.ready, __ATOMIC_ACQUIRE),
			 __atomic_load_n(&w.round, __ATOMIC_ACQUIRE));
	if (kt_join(waker) != 0)
		fail_msg("the waker did not end");
	/* Every round, or as many as the time budget allowed (at least some). */
	assert_true(w.rounds_done >= 100 || w.rounds_done == WAKE_ROUNDS);
	printf("wake_race: %d rounds, the sleeper slept in %d\n", w.rounds_done, w.slept);
}

int main(void)
{
	static struct kt_suite s;

	kt_setup(PERCPU_UNIT_DEFAULT);
	kt_add_schemes(&s, "storm", test_storm);
	kt_add_schemes(&s, "waiting_delete", test_waiting_delete);
	kt_add_schemes(&s, "going", test_going);
	kt_add_schemes(&s, "unload_race", test_unload_race);
	kt_add_schemes(&s, "churn", test_churn);
	kt_add(&s, "wake_self", test_wake_self, NULL);
	kt_add(&s, "wake_race", test_wake_race, NULL);
	return kt_run(&s, "concurrency");
}
