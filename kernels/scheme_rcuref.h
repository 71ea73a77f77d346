/*
 * rcuref: module references on the kernel's newest reference count,
 * rcuref_t (lib/rcuref.c and include/linux/rcuref.h, Thomas Gleixner,
 * ee1ee6db0779 "atomics: Provide rcuref - scalable reference counting",
 * Linux 6.4).
 *
 * One atomic_t holds the count minus one, read as unsigned and split into
 * zones:
 *   0x00000000 ONEREF    one reference            .. 0x7fffffff MAXREF
 *   0xa0000000 SATURATED a leak: the count stays there
 *   0xc0000000 RELEASED  the last put ran and is finishing
 *   0xe0000000 DEAD      released: every get fails
 *   0xffffffff NOREF     no reference (the last put's decrement)
 *   rcuref_get()  atomic_add_negative_relaxed(1): the fast path is one
 *                 unconditional lock addl, its sign flag tested (js, x86's
 *                 arch_atomic_add_negative); only a negative result (a zone
 *                 above MAXREF) takes rcuref_get_slowpath()
 *   rcuref_put()  atomic_add_negative_release(-1); a negative result takes
 *                 rcuref_put_slowpath(): NOREF -> cmpxchg to DEAD, the caller
 *                 that wins owns the release
 *
 * Modules never used rcuref; this scheme puts it where the 3.19 atomic_t
 * was, with the same MODULE_REF_BASE idea (the loaded module holds one
 * reference of its own):
 *   module_unload_init() rcuref_init(2): the base and the init reference
 *   try_module_get()  module_is_live() && rcuref_get()
 *   __module_get()    rcuref_get()
 *   module_put()      rcuref_put(); its true (the object released) can only
 *                     come after delete dropped the base, so it needs no
 *                     action here
 *   module_refcount() rcuref_read() - 1 (0 when released or dead: -1 as
 *                     unsigned after release, as 3.19's atomic reads)
 *   try_stop_module() drop the base with rcuref_put(): true, nobody else
 *                     holds one; false, take it back with rcuref_get() -
 *                     which fails only if the last holder's put released
 *                     it meanwhile, and then the module is ours to free.
 *                     Caller retries (no waiting mode, as since 3.13).
 *
 * Departures: preempt_disable() around the put is get_cpu()/put_cpu();
 * WARN_ONCE is a message; module memory, the unload era (2014) and the
 * out-of-line operations follow the 3.19 atomic scheme.
 *
 * Built in kernel mode (kernels/kmod/) against 6.4 or later, where
 * <linux/types.h> has its own rcuref_t, the kernel-side compat.h includes
 * <linux/rcuref.h> and defines REFBENCH_KERNEL_RCUREF: the type and
 * rcuref_init/read/get/put/__rcuref_put below are then the running
 * kernel's (inline fast paths, exported slow paths), and only the module
 * mapping is the lab's.  Before 6.4, and in userspace, they are these.
 */
#define SCHEME_NAME "rcuref"
#define SCHEME_LABEL "rcuref_t (6.4), in place of 3.19's atomic_t"
#define SCHEME_MODULE_MEM MODULE_MEM_VMALLOC
#define SCHEME_MODELS "Linux 6.4 lib/rcuref.c (ee1ee6db0779): rcuref_t zones, rcuref_get as " \
	"atomic_add_negative_relaxed, rcuref_put slow path NOREF->DEAD; module use modelled on 3.19"
#define SCHEME_UNLOAD_ERA 2014
#define SCHEME_REF_STORAGE REF_STORAGE_SHARED_WORD
#define SCHEME_OUT_OF_LINE (OOL___MODULE_GET | OOL_TRY_MODULE_GET | OOL_MODULE_PUT | OOL_MODULE_REFCOUNT)
#define SCHEME_MIGRATION_SAFE 1         /* one word: read at one instant */

#include "compat.h"

#include <stdio.h>

#ifdef REFBENCH_KERNEL_RCUREF
#define SCHEME_KERNEL_MODE_NOTE "; rcuref_t and rcuref_init/read/get/put are the running " \
	"kernel's own (<linux/rcuref.h>, 6.4+: inline fast paths, exported slow paths)"
#else
#define RCUREF_ONEREF    0x00000000U
#define RCUREF_MAXREF    0x7FFFFFFFU
#define RCUREF_SATURATED 0xA0000000U
#define RCUREF_RELEASED  0xC0000000U
#define RCUREF_DEAD      0xE0000000U
#define RCUREF_NOREF     0xFFFFFFFFU

typedef struct { atomic_t refcnt; } rcuref_t;
#endif

struct module_ref_storage {
	rcuref_t ref;
};

#include "module.h"

#ifndef REFBENCH_KERNEL_RCUREF
static inline void rcuref_init(rcuref_t *ref, unsigned int cnt)
{
	atomic_set(&ref->refcnt, (int)(cnt - 1));
}

static inline unsigned int rcuref_read(rcuref_t *ref)
{
	unsigned int c = (unsigned int)atomic_read(&ref->refcnt);

	/* Return 0 if within the DEAD zone. */
	return c >= RCUREF_RELEASED ? 0 : c + 1;
}

static inline bool rcuref_get_slowpath(rcuref_t *ref)
{
	unsigned int cnt = (unsigned int)atomic_read(&ref->refcnt);

	/* In the RELEASED or DEAD zone: the get failed; keep it DEAD. */
	if (cnt >= RCUREF_RELEASED) {
		atomic_set(&ref->refcnt, (int)RCUREF_DEAD);
		return false;
	}
	/* Past MAXREF: saturate (the kernel WARNs once), the get succeeds. */
	if (cnt > RCUREF_MAXREF)
		atomic_set(&ref->refcnt, (int)RCUREF_SATURATED);
	return true;
}

static inline bool rcuref_get(rcuref_t *ref)
{
	/* atomic_add_negative_relaxed(1, &ref->refcnt) */
	if (likely(__atomic_add_fetch(&ref->refcnt.counter, 1, __ATOMIC_RELAXED) >= 0))
		return true;
	return rcuref_get_slowpath(ref);
}

static inline bool rcuref_put_slowpath(rcuref_t *ref)
{
	int cnt = atomic_read(&ref->refcnt);

	/* The last reference: whoever moves NOREF to DEAD releases. */
	if (likely((unsigned int)cnt == RCUREF_NOREF))
		return __atomic_compare_exchange_n(&ref->refcnt.counter, &cnt, (int)RCUREF_DEAD,
						   false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
	if ((unsigned int)cnt >= RCUREF_RELEASED) {
		fprintf(stderr, "refbench: rcuref - imbalanced put()\n");
		atomic_set(&ref->refcnt, (int)RCUREF_DEAD);
		return false;
	}
	if ((unsigned int)cnt > RCUREF_MAXREF)
		atomic_set(&ref->refcnt, (int)RCUREF_SATURATED);
	return false;
}

static inline bool __rcuref_put(rcuref_t *ref)
{
	/* atomic_add_negative_release(-1, &ref->refcnt) */
	if (likely(__atomic_sub_fetch(&ref->refcnt.counter, 1, __ATOMIC_RELEASE) >= 0))
		return false;
	return rcuref_put_slowpath(ref);
}

static inline bool rcuref_put(rcuref_t *ref)
{
	bool released;

	get_cpu();                      /* preempt_disable() */
	released = __rcuref_put(ref);
	put_cpu();
	return released;
}
#endif /* !REFBENCH_KERNEL_RCUREF */

static inline size_t module_ref_embedded_bytes(void) { return 0; }
static inline int module_ref_alloc(struct module *mod) { (void)mod; return 0; }
static inline void module_ref_free(struct module *mod) { (void)mod; }
static inline size_t module_ref_bytes(struct module *mod) { (void)mod; return sizeof(rcuref_t); }

static inline void *module_ref_cpu_addr(struct module *mod, int cpu)
{
	(void)cpu;
	return &mod->ref.ref;
}

static inline size_t module_ref_cpu_bytes(void)
{
	return sizeof(rcuref_t);
}

static inline unsigned int module_refcount(struct module *mod)
{
	REFCOUNT_WALK_STEP(0);
	/* Less the module's own base reference. */
	return rcuref_read(&mod->ref.ref) - 1;
}

static inline void module_unload_init(struct module *mod)
{
	/* The base reference, and the one held during initialization. */
	rcuref_init(&mod->ref.ref, 2);
	mod->waiter = get_current();
}

static inline void __module_get(struct module *module)
{
	if (module) {
		bool got;

		get_cpu();              /* preempt_disable(), as 3.19's module code had */
		got = rcuref_get(&module->ref.ref);
		put_cpu();
		(void)got;
	}
}

static inline bool try_module_get(struct module *module)
{
	bool ret = true;

	if (module) {
		get_cpu();
		ret = likely(module_is_live(module)) && rcuref_get(&module->ref.ref);
		put_cpu();
	}
	return ret;
}

static inline void module_put(struct module *module)
{
	if (module) {
		bool released = rcuref_put(&module->ref.ref);

		(void)released;
	}
}

static inline int try_stop_module(struct module *mod, int flags, int *forced)
{
	(void)flags;
	*forced = 0;
	/* Drop the module's own reference: true, nobody else held one.
	 * (Process context: the delete path, which may run on any thread.) */
	if (!__rcuref_put(&mod->ref.ref)) {
		/* Others hold references: take ours back.  A failed get means
		 * the last holder's put released it meanwhile: ours to free. */
		if (rcuref_get(&mod->ref.ref))
			return -EWOULDBLOCK;
	}
	module_set_going(mod);
	return 0;
}
