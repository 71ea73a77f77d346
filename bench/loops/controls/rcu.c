/*
 * rcu.c - the grace-period controls (--rcu-controls): liburcu's grace
 * period alone, three entries sharing one loop: rcu-sync, rcu-sync-wake,
 * rcu-call.
 */
#define _GNU_SOURCE
#include "controls.h"
#include "compat.h"
#include "harness.h"
#include "loop_register.h"
#include "window.h"

#include <stdint.h>
#include <urcu/urcu-qsbr.h>

enum rcu_control_kind {
	RCU_CONTROL_SYNC,             /* synchronize_sched(): urcu_qsbr_synchronize_rcu() */
	RCU_CONTROL_SYNC_WAKE,        /* the same, then wake_up_process() of the caller */
	RCU_CONTROL_CALL,             /* urcu_qsbr_call_rcu(), sleep until the callback ran */
};

struct rcu_control_args {
	enum rcu_control_kind kind;
};

/*
 * liburcu's grace period alone, with no refcount around it: what
 * percpu-ref's module_refcount() (a synchronize_sched() per read) and its
 * delete (kill through call_rcu, then sleep until the callback confirms)
 * pay to the library that stands in for the kernel's RCU.  The leader
 * does the operation; the other threads run an empty window loop, passing
 * a quiescent state every WINDOW_BATCH iterations as the scenarios' threads
 * do, so that the grace period waits for them as it waits in the scenarios.
 * The sync-wake cell adds what a percpu-ref read does after its grace
 * period besides the sum: the switch's confirmation wakes the reader
 * itself, wake_up_process(), which finds it running (sched.c: one locked
 * read-modify-write, no futex call), and the reader's wait for the
 * confirmation, which finds it done.
 */
struct rcu_round_trip {
	struct rcu_head head;                   /* first: the callback's container */
	struct task_struct *waiter;
	int done;
};

static void rcu_round_trip_done(struct rcu_head *head)
{
	struct rcu_round_trip *rt = (struct rcu_round_trip *)(void *)head;
	struct task_struct *waiter = rt->waiter;   /* rt is gone once done is seen */

	__atomic_store_n(&rt->done, 1, __ATOMIC_RELEASE);
	wake_up_process(waiter);
}

/* call_rcu() and sleep until the callback has run, as a percpu-ref kill waits. */
static void rcu_call_and_wait(void)
{
	struct rcu_round_trip rt = { .waiter = get_current() };

	urcu_qsbr_call_rcu(&rt.head, rcu_round_trip_done);
	for (;;) {
		task_prepare_to_sleep(rt.waiter);
		if (__atomic_load_n(&rt.done, __ATOMIC_ACQUIRE))
			break;
		task_schedule(rt.waiter);
	}
	task_set_running(rt.waiter);
}

static void control_rcu(rb_state *st, void *arg)
{
	const struct rcu_control_args *a = arg;
	struct window w;

	if (!harness_thread_enter(st, run_cfg.nr_cpus))
		return;
	harness_barrier(st);
	if (!harness_setup_ok(st))
		goto out;
	window_begin(st, &w);
	if (!w.leader) {
		w.counted = false;
		WINDOW_RUN(&w, { __asm__ __volatile__(""); });
	} else if (a->kind == RCU_CONTROL_SYNC) {
		WINDOW_RUN(&w, { synchronize_sched(); });
	} else if (a->kind == RCU_CONTROL_SYNC_WAKE) {
		struct task_struct *me = get_current();

		WINDOW_RUN(&w, {
			synchronize_sched();
			wake_up_process(me);
			task_prepare_to_sleep(me);
			task_set_running(me);
		});
	} else {
		/* One at a time, w.target of them (about 10 ms each): no batch. */
		for (uint64_t i = 0; i < w.target; i++) {
			rcu_call_and_wait();
			cpu_quiescent();
		}
		w.done = w.target;
		window_signal_stop();
	}
	window_end(st, &w);
out:
	harness_barrier(st);
	harness_thread_exit(st);
}

/*
 * On the run's thread counts, with --rcu-controls: a synchronize_sched(),
 * the same followed by a wake-up of the caller (what a percpu-ref read
 * adds), and a call_rcu() waited for (LONG_CYCLES of them, as a long
 * unload: each takes about as long as a percpu-ref kill).
 */
/* --rcu-controls: the three are on. */
static bool rcu_on;

static void take_rcu_controls(const char *flag, const char *val)
{
	(void)flag;
	(void)val;
	rcu_on = true;
}

static const struct loop_option rcu_options[] = {
	{ "--rcu-controls", NULL, false,
"  --rcu-controls     control: liburcu's grace period alone, a synchronize_sched()\n"
"                     and a call_rcu() waited for (what percpu-ref's read and delete\n"
"                     pay to the library standing in for the kernel's RCU)\n",
	  take_rcu_controls },
	{ NULL, NULL, false, NULL, NULL },
};

static void add_rcu(const struct loop_settings *s, struct rcu_control_args *a, const char *name)
{
	rb_bench *b;

	if (!rcu_on)
		return;
	b = loop_add(s, name, control_rcu, a, s->run->threads, s->run->nr_threads);
	if (a->kind == RCU_CONTROL_CALL && !s->run->iterations)
		rb_bench_iterations(b, LONG_CYCLES);
}

static void add_rcu_sync(const struct loop_settings *s)
{
	static struct rcu_control_args a = { RCU_CONTROL_SYNC };

	add_rcu(s, &a, "control/rcu-sync/lib:urcu-qsbr");
}

static void add_rcu_sync_wake(const struct loop_settings *s)
{
	static struct rcu_control_args a = { RCU_CONTROL_SYNC_WAKE };

	add_rcu(s, &a, "control/rcu-sync-wake/lib:urcu-qsbr");
}

static void add_rcu_call(const struct loop_settings *s)
{
	static struct rcu_control_args a = { RCU_CONTROL_CALL };

	add_rcu(s, &a, "control/rcu-call/lib:urcu-qsbr");
}

const struct loop_desc loop_rcu_sync = {
	.name = "rcu-sync",
	.role = ROLE_CONTROL,
	.label = "a grace period alone",
	.claims = CLAIMS("grace-period"),
	.source = __FILE__,
	.scenario = -1,
	.add = add_rcu_sync,
	.options = rcu_options,
};

const struct loop_desc loop_rcu_sync_wake = {
	.name = "rcu-sync-wake",
	.role = ROLE_CONTROL,
	.label = "a grace period and the caller's wake-up",
	.claims = CLAIMS("grace-period"),
	.source = __FILE__,
	.scenario = -1,
	.add = add_rcu_sync_wake,
};

const struct loop_desc loop_rcu_call = {
	.name = "rcu-call",
	.role = ROLE_CONTROL,
	.label = "a call_rcu() waited for",
	.claims = CLAIMS("grace-period"),
	.source = __FILE__,
	.scenario = -1,
	.add = add_rcu_call,
};
