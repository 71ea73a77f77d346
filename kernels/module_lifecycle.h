/*
 * module_lifecycle.h - load, init, delete and free, written once against
 * the scheme interface (scheme.h).  Included after a scheme header by
 * scheme_instance.c only.
 *
 * Models Linux 2.6.29 kernel/module.c:
 *   load_module()      the refcount-relevant steps in 2.6.29's order as
 *                      released, under module_mutex (sys_init_module holds
 *                      it): find_module() (-EEXIST), copy of the image (the
 *                      .ko's this_module section, which held ref[NR_CPUS]
 *                      before 2009: "we reduce size of module files by
 *                      about 2 Mbytes"), args, the module's per-CPU
 *                      section, module memory (module_alloc of the whole
 *                      core: struct module lands at its offset in the
 *                      core's layout, load_params.core_before), the move,
 *                      then the refcount storage (refptr allocated after
 *                      the move, 6e2b75740bed "module: fix refptr
 *                      allocation and release order"; the seed as posted
 *                      allocated it before module memory), then
 *                      module_unload_init() and list_add; any failure frees
 *                      what the earlier steps took (free_core, free_percpu,
 *                      free_mod, free_hdr labels).
 *   do_init_module()   the end of sys_init_module(): state LIVE, then
 *                      "Drop initial reference" with module_put().
 *   delete_module()    sys_delete_module(): -EBUSY unless LIVE; waiter =
 *                      current before stopping (2.6.5's fix); then
 *                      try_stop_module(): with O_NONBLOCK, stop_machine()
 *                      and __try_stop_module() check the count is zero and
 *                      mark GOING atomically (-EWOULDBLOCK otherwise);
 *                      without it, mark GOING and synchronize_sched(), so a
 *                      try_module_get() already past its liveness check is
 *                      counted before we look; then wait_for_zero_refcount()
 *                      sleeps until module_put() wakes it at zero.  Then the
 *                      GOING notifiers and free_module().
 *   free_module()      stop_machine(__unlink_module): no CPU can still be
 *                      inside a get/put on this module; then free args,
 *                      per-CPU section, refcount storage, module memory.
 * The 2014 era (atomic scheme, Linux 3.19): try_stop_module() is the
 * scheme's, free_module() unlinks with list_del_rcu() and waits with
 * synchronize_rcu() (synchronize_sched() from 4.2; under QSBR the two are
 * the same wait), and
 * since 3.13 there is no waiting mode: without O_NONBLOCK the kernel warns
 * and behaves as non-blocking, so here the caller's retry loop (what
 * "rmmod --wait" users were told to do) stands in for it.
 * The 2013 era (3.13 to 3.18, percpu-3.18): no waiting mode either
 * (3f2b9c9cdf38, "module: remove rmmod --wait option", 3.13), but the
 * check is still __try_stop_module() under stop_machine() for every delete,
 * and free_module() still unlinks under stop_machine().
 * The 2018 era (percpu-ref, percpu_ref's kill): the scheme's own
 * try_stop_module() kills the ref (waiting mode) or switches it to atomic
 * mode and takes the last count (O_NONBLOCK); the waiting mode is 2.6.29's
 * (sleep until the count is zero, woken by the put that releases);
 * free_module() unlinks as in 2014.
 * Not modelled: dependencies between modules, forced unload (O_TRUNC is
 * accepted and treated as not forcing), init/exit functions, sysfs.
 */
#ifndef REFBENCH_MODULE_LIFECYCLE_H
#define REFBENCH_MODULE_LIFECYCLE_H

#include "stop_machine.h"

#include <sched.h>
#include <string.h>
#include <time.h>

static inline size_t module_image_size(void)
{
	return sizeof(struct module) + module_ref_embedded_bytes();
}

static inline struct module *find_module(const char *name)
{
	struct module_link *l = module_list_find(SCHEME_NAME, name);
	return l ? (struct module *)((char *)l - offsetof(struct module, list)) : NULL;
}

/* Module memory of this load: the scheme's design unless the run overrides it. */
static inline enum module_mem_kind load_mem_kind(const struct load_params *p)
{
	if (p->module_pages == 0)
		return SCHEME_MODULE_MEM;
	return p->module_pages == 4096 ? MODULE_MEM_VMALLOC : MODULE_MEM_POOL;
}

/*
 * One function of about 90 lines, as the kernel's load_module() is: its
 * steps in the kernel's order, and compiled into every scheme's measured
 * build, whose code a split would change.
 */
static struct module *load_module(const char *name, const struct load_params *p, int *errp)
{
	size_t image_size = module_image_size();
	size_t align = p->core_align ? p->core_align : MODULE_MEM_ALIGN;
	size_t before = (p->core_before + align - 1) / align * align;
	size_t core_size = before + image_size + p->core_extra;
	enum module_mem_kind kind = load_mem_kind(p);
	struct module *hdr = NULL, *mod;
	void *percpu = NULL;
	char *args = NULL, *core;
	const char *uargs = p->args ? p->args : "";
	int err;

	if (strlen(name) == 0 || strlen(name) >= MODULE_NAME_LEN) {
		*errp = -ENOEXEC;
		return NULL;
	}
	kmutex_lock(&module_mutex);
	if (find_module(name)) {
		err = -EEXIST;
		goto unlock;
	}
	/* The image as copied from user space. */
	hdr = kmalloc(image_size);
	if (!hdr) {
		err = -ENOMEM;
		goto unlock;
	}
	memset(hdr, 0, image_size);
	strcpy(hdr->name, name);

	args = kmalloc(strlen(uargs) + 1);
	if (!args) {
		err = -ENOMEM;
		goto free_hdr;
	}
	strcpy(args, uargs);

	if (p->percpu_size) {
		percpu = percpu_modalloc(p->percpu_size, 64, hdr->name);
		if (!percpu) {
			err = -ENOMEM;
			goto free_mod;
		}
	}

	/* module_alloc(core_size); struct module is the this_module section,
	 * laid out after the text and data before it. */
	core = module_mem_alloc(kind, core_size, p->packed);
	if (!core) {
		err = -ENOMEM;
		goto free_percpu;
	}
	mod = (struct module *)(core + before);
	memcpy(mod, hdr, image_size);
	/* Module has been moved. */
	mod->module_core = core;
	mod->mem_kind = kind;
	mod->core_size = core_size;
	mod->percpu = percpu;
	mod->percpu_size = p->percpu_size;
	mod->args = args;
	mod->state = MODULE_STATE_COMING;

	if (percpu)
		percpu_modcopy(percpu, NULL, p->percpu_size);
	/* 2.6.29 as released (6e2b75740bed): refptr after the move. */
	err = module_ref_alloc(mod);
	if (err)
		goto free_core;
	/* Now we've moved module, initialize linked lists, etc. */
	module_unload_init(mod);
	mod->list.scheme = SCHEME_NAME;
	mod->list.name = mod->name;
	module_list_add(&mod->list);
	kfree(hdr);
	kmutex_unlock(&module_mutex);
	module_notify(MODULE_STATE_COMING, SCHEME_NAME, mod->name, mod);
	return mod;

free_core:
	module_mem_free(kind, core);
	/* mod will be freed with core. Don't access it beyond this line! */
free_percpu:
	if (percpu)
		percpu_modfree(percpu);
free_mod:
	kfree(args);
free_hdr:
	kfree(hdr);
unlock:
	kmutex_unlock(&module_mutex);
	*errp = err;
	return NULL;
}

static int do_init_module(struct module *mod)
{
	/* Now it's a first class citizen! */
	WRITE_ONCE(mod->state, MODULE_STATE_LIVE);
	module_notify(MODULE_STATE_LIVE, SCHEME_NAME, mod->name, mod);
	kmutex_lock(&module_mutex);
	/* Drop initial reference. */
	module_put(mod);
	kmutex_unlock(&module_mutex);
	return 0;
}

#if SCHEME_UNLOAD_ERA == 2009 || SCHEME_UNLOAD_ERA == 2013
struct stopref {
	struct module *mod;
	int flags;
	int *forced;
};

/* Whole machine is stopped with interrupts off when this runs. */
static int __try_stop_module(void *_sref)
{
	struct stopref *sref = _sref;

	/* If it's not unused, quit unless we're forcing (unsupported here). */
	if (module_refcount(sref->mod) != 0) {
		*sref->forced = 0;
		return -EWOULDBLOCK;
	}
	/* Mark it as dying. */
	module_set_going(sref->mod);
	return 0;
}

static int __unlink_module(void *_mod)
{
	struct module *mod = _mod;
	module_list_del(&mod->list);
	return 0;
}

static inline void unlink_module(struct module *mod)
{
	stop_machine(__unlink_module, mod);
}
#endif

#if SCHEME_UNLOAD_ERA == 2009
static int try_stop_module(struct module *mod, int flags, int *forced)
{
	if (flags & O_NONBLOCK) {
		struct stopref sref = { mod, flags, forced };
		return stop_machine(__try_stop_module, &sref);
	}
	/* We don't need to stop the machine for this. */
	module_set_going(mod);
	synchronize_sched();
	return 0;
}
#endif

#if SCHEME_UNLOAD_ERA == 2009 || SCHEME_UNLOAD_ERA == 2018
static void wait_for_zero_refcount(struct module *mod)
{
	struct task_struct *me = get_current();

	/* Since we might sleep for some time, release the mutex first */
	kmutex_unlock(&module_mutex);
	for (;;) {
		task_prepare_to_sleep(me);        /* set_current_state() */
		if (module_refcount(mod) == 0)
			break;
		task_schedule(me);
	}
	task_set_running(me);             /* __set_current_state(TASK_RUNNING) */
	kmutex_lock(&module_mutex);
}
#endif

#if SCHEME_UNLOAD_ERA == 2009
#elif SCHEME_UNLOAD_ERA == 2013
/* 3.13 to 3.18: always stop the machine to check; no waiting mode. */
static int try_stop_module(struct module *mod, int flags, int *forced)
{
	struct stopref sref = { mod, flags, forced };

	return stop_machine(__try_stop_module, &sref);
}
#else
static inline void unlink_module(struct module *mod)
{
	module_list_del(&mod->list);
	/* Wait for RCU synchronizing before releasing mod->list (3.19:
	 * synchronize_rcu(); the model's grace period is the same). */
	synchronize_sched();
}
#endif

/* Caller holds module_mutex. */
static void __free_module(struct module *mod)
{
	unlink_module(mod);
	kfree(mod->args);
	if (mod->percpu)
		percpu_modfree(mod->percpu);
	module_ref_free(mod);
	module_mem_free(mod->mem_kind, mod->module_core);
}

static void free_module(struct module *mod)
{
	kmutex_lock(&module_mutex);
	__free_module(mod);
	kmutex_unlock(&module_mutex);
}

static inline double unload_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int delete_module(const char *name, unsigned int flags)
{
	struct module *mod;
	int ret, forced = 0;
	unsigned long retries __attribute__((unused)) = 0;
	double t0 = 0;

	kmutex_lock(&module_mutex);
	mod = find_module(name);
	if (!mod) {
		ret = -ENOENT;
		goto out;
	}
	/* Doing init or already dying? */
	if (READ_ONCE(mod->state) != MODULE_STATE_LIVE) {
		ret = -EBUSY;
		goto out;
	}
	/* Set this up before setting mod->state */
	__atomic_store_n(&mod->waiter, get_current(), __ATOMIC_RELAXED);

	/* Stop the machine so refcounts can't move and disable module. */
#if SCHEME_UNLOAD_ERA == 2009 || SCHEME_UNLOAD_ERA == 2018
	ret = try_stop_module(mod, (int)flags, &forced);
	if (ret != 0)
		goto out;
	/* Never wait if forced. */
	if (!forced && module_refcount(mod) != 0) {
		t0 = unload_now_ns();
		wait_for_zero_refcount(mod);
		module_unload_stats.waited++;
		module_unload_stats.wait_ns += unload_now_ns() - t0;
	} else if (!(flags & O_NONBLOCK)) {
		module_unload_stats.found_zero++;
	}
#else
	for (;;) {
		ret = try_stop_module(mod, (int)flags, &forced);
		if (ret != -EWOULDBLOCK || (flags & O_NONBLOCK))
			break;
		/* The caller's retry: drop the mutex, let holders run. */
		if (retries++ == 0)
			t0 = unload_now_ns();
		kmutex_unlock(&module_mutex);
		cpu_idle_enter();
		sched_yield();
		cpu_idle_exit();
		kmutex_lock(&module_mutex);
		if (find_module(name) != mod || READ_ONCE(mod->state) != MODULE_STATE_LIVE) {
			ret = -ENOENT;
			goto out;
		}
	}
	if (ret != 0)
		goto out;
	if (retries) {
		module_unload_stats.waited++;
		module_unload_stats.retries += retries;
		module_unload_stats.wait_ns += unload_now_ns() - t0;
	} else if (!(flags & O_NONBLOCK)) {
		module_unload_stats.found_zero++;
	}
#endif
	kmutex_unlock(&module_mutex);
	module_notify(MODULE_STATE_GOING, SCHEME_NAME, mod->name, mod);
	kmutex_lock(&module_mutex);
	__free_module(mod);
	ret = 0;
out:
	kmutex_unlock(&module_mutex);
	return ret;
}

#endif
