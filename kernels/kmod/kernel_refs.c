// SPDX-License-Identifier: GPL-2.0
/*
 * kernel_refs.c - the running kernel's own references, timed as the lab
 * times its schemes: the ground truth the models stand beside.
 *
 *   kernel-module      try_module_get(THIS_MODULE) + module_put(THIS_MODULE)
 *                      (hot), the same over the loaded refbench_peer_N
 *                      modules drawn uniformly (spread), module_refcount()
 *                      (read).  Since 3.19 an atomic_t with a base
 *                      reference: measured beside the lab's "atomic".
 *   kernel-percpu_ref  percpu_ref_tryget_live() + percpu_ref_put() on a
 *                      live percpu_ref (lib/percpu-refcount.c): beside the
 *                      lab's "percpu-ref".
 *   kernel-atomic_t    atomic_inc() + atomic_dec() on one shared atomic_t:
 *                      beside the lab's "atomic".
 *   kernel-rcuref      rcuref_get() + rcuref_put() (6.4+, lib/rcuref.c):
 *                      beside the lab's "rcuref"; absent before 6.4, and
 *                      reported so.
 *   grace: kernel-percpu_ref_kill, kernel-percpu_ref_kill_release,
 *          kernel-synchronize_rcu, kernel-synchronize_rcu_expedited
 *                      the kernel's own grace periods, each timed from its
 *                      call to the event it names: beside percpu-ref's read
 *                      and unload in the model, which wait for liburcu's
 *                      (see "grace periods" below).
 *
 * The operations are the kernel's, called as any module calls them: the
 * inline parts inlined here, the exported functions called.  What one
 * operation includes depends on the kernel built against, and each case's
 * text says it for that kernel: try_module_get() and module_put() disable
 * preemption inside before 6.5 and not from 6.5 (cb0b50b813f6); rcuref
 * exists from 6.4.
 */
#include <linux/module.h>
#include <linux/atomic.h>
#include <linux/percpu-refcount.h>
#include <linux/slab.h>
#include <linux/completion.h>
#include <linux/rcupdate.h>
#include <linux/version.h>
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#include <linux/rcuref.h>
#define KBENCH_HAVE_RCUREF 1
#else
#define KBENCH_HAVE_RCUREF 0
#endif

#include "kbench.h"

/* ---- the module refcount ------------------------------------------------- */

static int module_setup(void **state, const struct kbench_params *p)
{
	*state = NULL;
	return 0;
}

static void module_teardown(void *state) { }

static long module_count(void *state)
{
	return module_refcount(THIS_MODULE);
}

static void module_hot(void *state, struct kbench_thread *t)
{
	struct module *mod = THIS_MODULE;

	KBENCH_WINDOW_RUN(t, {
		if (unlikely(!try_module_get(mod)))
			BUG();
		module_put(mod);
	});
}

static void module_read(void *state, struct kbench_thread *t)
{
	struct module *mod = THIS_MODULE;
	unsigned long sink = 0;

	KBENCH_WINDOW_RUN(t, {
		sink += module_refcount(mod);
	});
	t->sink = sink;
}

static const char *module_spread_unavailable(const struct kbench_params *p)
{
	return p->nr_modules ? NULL :
		"no peer modules loaded (load refbench_peer_0..N-1 and give peers=N)";
}

static long module_spread_count(void *state)
{
	const struct kbench_params *p = state;
	long sum = 0;

	for (unsigned int i = 0; i < p->nr_modules; i++)
		sum += module_refcount(p->peers[i]);
	return sum;
}

static int module_spread_setup(void **state, const struct kbench_params *p)
{
	*state = (void *)p;
	return 0;
}

static void module_spread(void *state, struct kbench_thread *t)
{
	const struct kbench_params *p = state;
	struct module *const *mods = (struct module *const *)p->peers;
	unsigned int i = (unsigned int)t->tid * 997;

	KBENCH_WINDOW_RUN(t, {
		struct module *mod = mods[kbench_seq[i++ % KBENCH_SEQ_LEN]];

		if (unlikely(!try_module_get(mod)))
			BUG();
		module_put(mod);
	});
}

/* kernel/module/main.c: preempt_disable() around the count went in 6.5. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#define KBENCH_MODULE_PREEMPT "neither disables preemption (removed in 6.5, cb0b50b813f6)"
#else
#define KBENCH_MODULE_PREEMPT "each disables preemption inside (until 6.5, cb0b50b813f6)"
#endif
#define KBENCH_MODULE_OPS "try_module_get() (module_is_live(), atomic_inc_not_zero(): a lock cmpxchg loop) " \
	"and module_put() (atomic_dec_if_positive(): a lock cmpxchg loop), the running kernel's " \
	"exported functions, called; " KBENCH_MODULE_PREEMPT

static const struct kbench_case module_hot_case = {
	.scenario = KBENCH_HOT, .subject = "kernel-module", .impl = "kernel", .reference = "atomic",
	.includes = KBENCH_MODULE_OPS ", on THIS_MODULE; interrupts and preemption between batches as the kernel has them",
	.setup = module_setup, .loop = module_hot, .count = module_count, .teardown = module_teardown,
};
static const struct kbench_case module_spread_case = {
	.scenario = KBENCH_SPREAD, .subject = "kernel-module", .impl = "kernel", .reference = "atomic",
	.includes = KBENCH_MODULE_OPS ", on a loaded refbench_peer_N module drawn uniformly from a fixed sequence, plus the load of its struct module pointer",
	.unavailable = module_spread_unavailable,
	.setup = module_spread_setup, .loop = module_spread, .count = module_spread_count,
	.teardown = module_teardown,
};
static const struct kbench_case module_read_case = {
	.scenario = KBENCH_READ, .subject = "kernel-module", .impl = "kernel", .reference = "atomic",
	.includes = "module_refcount(THIS_MODULE), an exported function, on one idle thread",
	.single_thread = true,
	.setup = module_setup, .loop = module_read, .count = module_count, .teardown = module_teardown,
};

/* ---- percpu_ref ---------------------------------------------------------- */

/*
 * The kernel's switch to atomic mode (percpu_ref_kill() is one) holds a
 * reference of its own until its RCU callback, percpu_ref_call_confirm_rcu(),
 * drops it - and that callback clears confirm_switch and wakes the waiters
 * of percpu_ref_switch_to_atomic_sync() first.  So the sync switch returning
 * says neither that the switch's reference is gone nor, after a kill, that
 * the release ran.  Here the release completes release_done, teardown
 * waits for it before percpu_ref_exit() and kfree(), and the count waits
 * with rcu_barrier() for the callback to have returned.
 */
struct pref_state {
	struct percpu_ref ref;
	atomic_t released;
	struct completion release_done;
};

static void pref_release(struct percpu_ref *ref)
{
	struct pref_state *s = container_of(ref, struct pref_state, ref);

	atomic_inc(&s->released);
	complete(&s->release_done);
}

static int pref_setup(void **state, const struct kbench_params *p)
{
	struct pref_state *s = kzalloc(sizeof(*s), GFP_KERNEL);
	int err;

	if (!s)
		return -ENOMEM;
	init_completion(&s->release_done);
	err = percpu_ref_init(&s->ref, pref_release, PERCPU_REF_ALLOW_REINIT, GFP_KERNEL);
	if (err) {
		kfree(s);
		return err;
	}
	*state = s;
	return 0;
}

/*
 * The exact count: switch to atomic mode (which sums the per-CPU counts
 * into the atomic one after a grace period), wait until the switch's RCU
 * callback has dropped the switch's own reference (rcu_barrier() waits for
 * callbacks in flight), read it, switch back.
 */
static long pref_count_of(struct percpu_ref *ref)
{
	long n;

	percpu_ref_switch_to_atomic_sync(ref);
	rcu_barrier();
	n = atomic_long_read(&ref->data->count);
	percpu_ref_switch_to_percpu(ref);
	return n;
}

static long pref_count(void *state)
{
	return pref_count_of(&((struct pref_state *)state)->ref);
}

static void pref_teardown(void *state)
{
	struct pref_state *s = state;

	percpu_ref_kill(&s->ref);          /* drops the initial reference */
	/* The release runs in the kill's RCU callback, a grace period on. */
	if (!wait_for_completion_timeout(&s->release_done, 30 * HZ)) {
		/* Freeing it now could free it under the callback: keep it. */
		pr_err("refbench_kmod: percpu_ref not released 30 s after percpu_ref_kill(), a reference leaked; its memory is kept\n");
		return;
	}
	if (atomic_read(&s->released) != 1)
		pr_err("refbench_kmod: percpu_ref released %d times, expected once\n",
		       atomic_read(&s->released));
	percpu_ref_exit(&s->ref);
	kfree(s);
}

static void pref_hot(void *state, struct kbench_thread *t)
{
	struct percpu_ref *ref = &((struct pref_state *)state)->ref;

	KBENCH_WINDOW_RUN(t, {
		if (unlikely(!percpu_ref_tryget_live(ref)))
			BUG();
		percpu_ref_put(ref);
	});
}

static const struct kbench_case pref_hot_case = {
	.scenario = KBENCH_HOT, .subject = "kernel-percpu_ref", .impl = "kernel", .reference = "percpu-ref",
	.includes = "percpu_ref_tryget_live() and percpu_ref_put() inline: rcu_read_lock (preemption counted under PREEMPT_RCU), a this_cpu_inc/dec of an unsigned long on the %gs segment; the count is read in atomic mode once the switch's own reference is dropped",
	.setup = pref_setup, .loop = pref_hot, .count = pref_count, .teardown = pref_teardown,
};

/* ---- atomic_t ------------------------------------------------------------ */

static int atom_setup(void **state, const struct kbench_params *p)
{
	atomic_t *a = kzalloc(L1_CACHE_BYTES, GFP_KERNEL);   /* a line of its own */

	if (!a)
		return -ENOMEM;
	atomic_set(a, 1);
	*state = a;
	return 0;
}

static long atom_count(void *state)
{
	return atomic_read((atomic_t *)state);
}

static void atom_teardown(void *state)
{
	kfree(state);
}

static void atom_hot(void *state, struct kbench_thread *t)
{
	atomic_t *a = state;

	KBENCH_WINDOW_RUN(t, {
		atomic_inc(a);
		atomic_dec(a);
	});
}

static const struct kbench_case atom_hot_case = {
	.scenario = KBENCH_HOT, .subject = "kernel-atomic_t", .impl = "kernel", .reference = "atomic",
	.includes = "atomic_inc() and atomic_dec() (lock incl, lock decl) on one shared line, no liveness check",
	.setup = atom_setup, .loop = atom_hot, .count = atom_count, .teardown = atom_teardown,
};

/* ---- rcuref -------------------------------------------------------------- */

#if KBENCH_HAVE_RCUREF
static int rcu_setup(void **state, const struct kbench_params *p)
{
	rcuref_t *r = kzalloc(L1_CACHE_BYTES, GFP_KERNEL);

	if (!r)
		return -ENOMEM;
	rcuref_init(r, 1);
	*state = r;
	return 0;
}

static long rcu_count(void *state)
{
	return rcuref_read((rcuref_t *)state);
}

static void rcu_hot(void *state, struct kbench_thread *t)
{
	rcuref_t *r = state;

	KBENCH_WINDOW_RUN(t, {
		if (unlikely(!rcuref_get(r)))
			BUG();
		if (unlikely(rcuref_put(r)))
			BUG();
	});
}
#define rcu_unavailable NULL
#else
static int rcu_setup(void **state, const struct kbench_params *p) { return -EOPNOTSUPP; }
static long rcu_count(void *state) { return 0; }
static void rcu_hot(void *state, struct kbench_thread *t) { }
static const char *rcu_unavailable(const struct kbench_params *p)
{
	return "this kernel has no rcuref_t (added in 6.4, ee1ee6db0779)";
}
#endif

static const struct kbench_case rcu_hot_case = {
	.scenario = KBENCH_HOT, .subject = "kernel-rcuref", .impl = "kernel", .reference = "rcuref",
	.includes = "rcuref_get() (inline: lock addl, a sign test) and rcuref_put() (inline: lock xadd between preempt_disable() and preempt_enable()), the exported slow paths never taken",
	.unavailable = rcu_unavailable,
	.setup = rcu_setup, .loop = rcu_hot, .count = rcu_count, .teardown = atom_teardown,
};


/* ---- grace periods ------------------------------------------------------- */

/*
 * What percpu-ref's read and delete wait for, in the kernel.  The lab's
 * model waits for liburcu's QSBR grace period instead (its read calls
 * urcu_qsbr_synchronize_rcu() as synchronize_sched(), its kill goes
 * through liburcu's call_rcu thread, which batches callbacks for about
 * 10 ms): these figures are the kernel's own, set beside the model's read
 * and unload and beside liburcu alone (the control/rcu-* benchmarks).
 *
 * kernel-percpu_ref_kill, kernel-percpu_ref_kill_release: a percpu_ref
 * holding only its initial reference, in per-CPU mode, is killed with
 * percpu_ref_kill_and_confirm(); the time runs from the call to its
 * confirm callback (every CPU now sees the ref dead), or to its release
 * (the count reached zero).  Both are called from the RCU callback the
 * kill queued (call_rcu_hurry() from 6.2, call_rcu() before; the same
 * unless CONFIG_RCU_LAZY): percpu_ref_switch_to_atomic_rcu() sums the
 * per-CPU counts, percpu_ref_call_confirm_rcu() confirms and then drops
 * the switch's own reference, which releases a ref nobody else holds.
 * So the release comes right after the confirmation, in the same
 * callback.  Outside the timing, the loop waits for the release and
 * percpu_ref_reinit()s the ref (PERCPU_REF_ALLOW_REINIT) for the next.
 *
 * kernel-synchronize_rcu, kernel-synchronize_rcu_expedited: the call,
 * timed around it.  Since 4.20 one RCU covers what synchronize_sched()
 * waited for (the flavours were consolidated), so synchronize_rcu() is
 * what the model's synchronize_sched() stands for; the expedited one
 * forces the grace period with IPIs to busy CPUs.  rcupdate.rcu_expedited=1
 * makes the first expedited, rcupdate.rcu_normal=1 the second normal:
 * refbench-kbench records both settings.
 *
 * Each is timed on one kthread, the other CPUs idle, with ktime_get_ns().
 */
struct pkill_state {
	struct percpu_ref ref;
	struct completion released;
	atomic_t nr_released;
	u64 confirm_ns, release_ns;     /* ktime_get_ns() in the callbacks */
	bool broken;                    /* a kill was never released: keep the memory */
};

static void pkill_confirm(struct percpu_ref *ref)
{
	struct pkill_state *s = container_of(ref, struct pkill_state, ref);

	WRITE_ONCE(s->confirm_ns, ktime_get_ns());
}

static void pkill_release(struct percpu_ref *ref)
{
	struct pkill_state *s = container_of(ref, struct pkill_state, ref);

	WRITE_ONCE(s->release_ns, ktime_get_ns());
	atomic_inc(&s->nr_released);
	complete(&s->released);
}

static int pkill_setup(void **state, const struct kbench_params *p)
{
	struct pkill_state *s = kzalloc(sizeof(*s), GFP_KERNEL);
	int err;

	if (!s)
		return -ENOMEM;
	init_completion(&s->released);
	err = percpu_ref_init(&s->ref, pkill_release, PERCPU_REF_ALLOW_REINIT, GFP_KERNEL);
	if (err) {
		kfree(s);
		return err;
	}
	*state = s;
	return 0;
}

/* Live between windows, with its one initial reference; -1 once broken. */
static long pkill_count(void *state)
{
	struct pkill_state *s = state;

	return s->broken ? -1 : pref_count_of(&s->ref);
}

static void pkill_teardown(void *state)
{
	struct pkill_state *s = state;

	if (s->broken) {
		pr_err("refbench_kmod: a killed percpu_ref was not released within 30 s; its memory is kept\n");
		return;
	}
	reinit_completion(&s->released);
	percpu_ref_kill(&s->ref);
	if (!wait_for_completion_timeout(&s->released, 30 * HZ)) {
		pr_err("refbench_kmod: percpu_ref not released 30 s after percpu_ref_kill(), a reference leaked; its memory is kept\n");
		return;
	}
	percpu_ref_exit(&s->ref);
	kfree(s);
}

static void pkill_loop(struct pkill_state *s, struct kbench_thread *t, bool to_release)
{
	u64 timed = 0;

	KBENCH_WINDOW_EACH(t, {
		u64 t0;

		reinit_completion(&s->released);
		t0 = ktime_get_ns();
		percpu_ref_kill_and_confirm(&s->ref, pkill_confirm);
		/* complete() orders the callbacks' stores before this returns. */
		if (!wait_for_completion_timeout(&s->released, 30 * HZ)) {
			s->broken = true;
			break;
		}
		timed += (to_release ? READ_ONCE(s->release_ns) : READ_ONCE(s->confirm_ns)) - t0;
		percpu_ref_reinit(&s->ref);
	});
	t->timed_ns = timed;
}

static void pkill_confirm_loop(void *state, struct kbench_thread *t)
{
	pkill_loop(state, t, false);
}

static void pkill_release_loop(void *state, struct kbench_thread *t)
{
	pkill_loop(state, t, true);
}

static int sync_setup(void **state, const struct kbench_params *p)
{
	*state = NULL;
	return 0;
}

static long sync_count(void *state)
{
	return 0;                       /* nothing is counted */
}

static void sync_teardown(void *state) { }

static void sync_loop(void *state, struct kbench_thread *t)
{
	u64 timed = 0;

	KBENCH_WINDOW_EACH(t, {
		u64 t0 = ktime_get_ns();

		synchronize_rcu();
		timed += ktime_get_ns() - t0;
	});
	t->timed_ns = timed;
}

static void sync_exp_loop(void *state, struct kbench_thread *t)
{
	u64 timed = 0;

	KBENCH_WINDOW_EACH(t, {
		u64 t0 = ktime_get_ns();

		synchronize_rcu_expedited();
		timed += ktime_get_ns() - t0;
	});
	t->timed_ns = timed;
}

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define KBENCH_KILL_QUEUE "call_rcu_hurry() (6.2+; call_rcu() unless CONFIG_RCU_LAZY)"
#else
#define KBENCH_KILL_QUEUE "call_rcu() (call_rcu_hurry() from 6.2)"
#endif
#define KBENCH_KILL_OPS "percpu_ref_kill_and_confirm() on a percpu_ref in per-CPU mode holding only its initial reference, " \
	"one kthread, the other CPUs idle: ktime_get_ns() before the call and in the callback, which runs from the RCU callback " \
	"the kill queued with " KBENCH_KILL_QUEUE " a grace period on; percpu_ref_reinit() between kills, untimed"
/* The model's figures these stand beside: percpu-ref's delete and liburcu's call_rcu waited for. */
#define KBENCH_KILL_BESIDE "unload_ns@unload/percpu-ref/,ns_per_op@control/rcu-call/"
#define KBENCH_SYNC_BESIDE "ns_per_op@read/percpu-ref/,ns_per_op@control/rcu-sync/,ns_per_op@control/rcu-sync-wake/"

static const struct kbench_case pkill_confirm_case = {
	.scenario = KBENCH_GRACE, .subject = "kernel-percpu_ref_kill", .impl = "kernel", .reference = "percpu-ref",
	.beside = KBENCH_KILL_BESIDE,
	.includes = KBENCH_KILL_OPS ", timed to the confirm callback (every CPU sees the ref dead)",
	.single_thread = true,
	.setup = pkill_setup, .loop = pkill_confirm_loop, .count = pkill_count, .teardown = pkill_teardown,
};
static const struct kbench_case pkill_release_case = {
	.scenario = KBENCH_GRACE, .subject = "kernel-percpu_ref_kill_release", .impl = "kernel", .reference = "percpu-ref",
	.beside = KBENCH_KILL_BESIDE,
	.includes = KBENCH_KILL_OPS ", timed to the release callback (the same RCU callback's put of the switch's reference, right after the confirmation)",
	.single_thread = true,
	.setup = pkill_setup, .loop = pkill_release_loop, .count = pkill_count, .teardown = pkill_teardown,
};
static const struct kbench_case sync_case = {
	.scenario = KBENCH_GRACE, .subject = "kernel-synchronize_rcu", .impl = "kernel", .reference = "percpu-ref",
	.beside = KBENCH_SYNC_BESIDE,
	.includes = "synchronize_rcu(), the wall time of the call (ktime_get_ns() around it), one kthread, the other CPUs idle; since 4.20 it also waits for what synchronize_sched() did; expedited if rcupdate.rcu_expedited=1",
	.single_thread = true,
	.setup = sync_setup, .loop = sync_loop, .count = sync_count, .teardown = sync_teardown,
};
static const struct kbench_case sync_exp_case = {
	.scenario = KBENCH_GRACE, .subject = "kernel-synchronize_rcu_expedited", .impl = "kernel", .reference = "percpu-ref",
	.beside = KBENCH_SYNC_BESIDE,
	.includes = "synchronize_rcu_expedited(), the wall time of the call (ktime_get_ns() around it), one kthread, the other CPUs idle: the grace period forced with IPIs to CPUs not idle; a normal one if rcupdate.rcu_normal=1",
	.single_thread = true,
	.setup = sync_setup, .loop = sync_exp_loop, .count = sync_count, .teardown = sync_teardown,
};

const struct kbench_case *const kbench_kernel_cases[] = {
	&module_hot_case,
	&module_spread_case,
	&module_read_case,
	&pref_hot_case,
	&atom_hot_case,
	&rcu_hot_case,
	&pkill_confirm_case,
	&pkill_release_case,
	&sync_case,
	&sync_exp_case,
	NULL,
};
