/*
 * module_ref_local.h - __module_get(), try_module_get() and module_put()
 * for the schemes that count in one local_t per CPU.
 *
 * Models Linux 2.6.28 and 2.6.29 (commit 720eba31f47a): the seed patch
 * changed only where CPU n's counter is (__module_ref_addr()) in these
 * three, so nrcpus-array and percpu share them.  The including scheme
 * header defines __module_ref_addr() and module_refcount() first.
 *
 * In those kernels __module_get() and try_module_get() were inline in
 * include/linux/module.h and module_put() was a function in
 * kernel/module.c (EXPORT_SYMBOL): a kernel get+put paid one direct call.
 * 2.6.28's __module_get() had BUG_ON(module_refcount(module) == 0), which
 * the seed kept and 2.6.29 as released did not (7f9a50a5b89b, "module:
 * remove over-zealous check in __module_get()"): SCHEME_MODULE_GET_BUG_ON.
 * The schemes say so (SCHEME_OUT_OF_LINE, codegen.h), and the benchmark
 * loops call an out-of-line module_put() built in another translation unit;
 * the 'inline' control build inlines all three.
 */
#ifndef REFBENCH_MODULE_REF_LOCAL_H
#define REFBENCH_MODULE_REF_LOCAL_H

/*
 * The injected slowdown, for test builds only: it shows that make ab and
 * make compare see a real change of known size in one scheme.
 *
 *   EXTRA_CFLAGS="-DREFBENCH_INJECT_SLOWDOWN=N -DREFBENCH_INJECT_IN_<id>
 *                 [-DREFBENCH_INJECT_EVERY=K]"
 *
 * <id> is the scheme's id in schemes.def (SCHEME_ID, e.g. percpu): only that
 * scheme's try_module_get() changes; the other schemes sharing this header
 * and every other function stay as they are.  Its local_inc() becomes a
 * load, N dependent multiplications by 1 (3 cycles each on current x86
 * cores) and a store, on one call in K (default 1: every call; the other
 * calls pay a thread-local call count and its test).  The chain lengthens
 * the path from one get/put to the next (the put's local_dec() reads what
 * the get stored).  N alone is a coarse knob: at hot, 1 thread, N=1 hid in
 * the get/put chain's slack and N=2 cost 25-55% on a 2-vCPU AMD EPYC; K
 * spreads a longer chain thinly, which gives the steps in between
 * (docs/results.md has the measured sizes).  Without REFBENCH_INJECT_IN_<id>
 * of the scheme being built nothing changes.
 */
#define INJECT_STR_(x) #x
#define INJECT_STR(x) INJECT_STR_(x)
#define INJECT_CAT_(a, b) a##b
#define INJECT_CAT(a, b) INJECT_CAT_(a, b)
#if defined(REFBENCH_INJECT_SLOWDOWN) && defined(SCHEME_ID)
#if INJECT_CAT(REFBENCH_INJECT_IN_, SCHEME_ID) + 0
#define REFBENCH_INJECT_HERE 1
#endif
#endif

#ifdef REFBENCH_INJECT_HERE
#ifndef REFBENCH_INJECT_ADDS
#define REFBENCH_INJECT_ADDS 0
#endif
static inline void injected_local_inc(local_t *l)
{
	long v;

	__asm__ __volatile__("movq %1, %0\n\t"	/* lab: the injected slowdown */
			     ".rept " INJECT_STR(REFBENCH_INJECT_SLOWDOWN) "\n\t"
			     "imulq $1, %0, %0\n\t"
			     ".endr\n\t"
			     ".rept " INJECT_STR(REFBENCH_INJECT_ADDS) "\n\t"
			     "addq $0, %0\n\t"
			     ".endr\n\t"
			     "incq %0\n\t"
			     "movq %0, %1"
			     : "=&r" (v), "+m" (l->a));
}
#define try_module_get_local_inc injected_local_inc
#else
#define try_module_get_local_inc local_inc
#endif

/* Sometimes we know we already have a refcount, and it's easier not
   to handle the error case (which only happens with rmmod --wait). */
static inline void __module_get(struct module *module)
{
	if (module) {
#if SCHEME_MODULE_GET_BUG_ON
		if (unlikely(module_refcount(module) == 0))
			__builtin_trap();        /* BUG_ON */
#endif
		local_inc(__module_ref_addr(module, get_cpu()));
		put_cpu();
	}
}

static inline bool try_module_get(struct module *module)
{
	bool ret = true;

	if (module) {
		unsigned int cpu = get_cpu();
		if (likely(module_is_live(module)))
			try_module_get_local_inc(__module_ref_addr(module, cpu));
		else
			ret = false;
		put_cpu();
	}
	return ret;
}

static inline void module_put(struct module *module)
{
	if (module) {
		unsigned int cpu = get_cpu();
		local_dec(__module_ref_addr(module, cpu));
		/* Maybe they're waiting for us to drop reference? */
		if (unlikely(!module_is_live(module)))
			wake_up_process(module_waiter(module));
		put_cpu();
	}
}

#endif
