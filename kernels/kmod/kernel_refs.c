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
static long pref_count(void *state)
{
	struct pref_state *s = state;
	long n;

	percpu_ref_switch_to_atomic_sync(&s->ref);
	rcu_barrier();
	n = atomic_long_read(&s->ref.data->count);
	percpu_ref_switch_to_percpu(&s->ref);
	return n;
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

const struct kbench_case *const kbench_kernel_cases[] = {
	&module_hot_case,
	&module_spread_case,
	&module_read_case,
	&pref_hot_case,
	&atom_hot_case,
	&rcu_hot_case,
	NULL,
};
