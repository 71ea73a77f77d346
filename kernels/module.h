/*
 * module.h - struct module and what every scheme shares (Linux 2.6.29,
 * include/linux/module.h), minus everything the refcount does not touch.
 *
 * A scheme header defines struct module_ref_storage (the refcount's own
 * field in struct module) and then includes this file.  Bytes a scheme
 * embeds in struct module itself (the pre-2009 NR_CPUS array) follow the
 * fixed part, in ref_embedded[], because NR_CPUS is a run-time setting
 * here: the kernel's ref[NR_CPUS] was likewise the last member.
 */
#ifndef REFBENCH_MODULE_H
#define REFBENCH_MODULE_H

#include "compat.h"
#include "module_mem.h"
#include "percpu_alloc.h"
#include "module_core.h"

#include <errno.h>
#include <fcntl.h>    /* O_NONBLOCK, O_TRUNC: delete_module() flags */

struct module {
	int state;                          /* enum module_state */
	struct module_link list;
	char name[MODULE_NAME_LEN];
	struct task_struct *waiter;         /* who is waiting in delete_module */
	void *percpu;                       /* the module's own per-CPU section */
	size_t percpu_size;
	char *args;
	void *module_core;                  /* the core: text, data, struct module */
	size_t core_size;                   /* bytes of module memory */
	int mem_kind;                       /* enum module_mem_kind of the core */
	struct module_ref_storage ref;      /* the scheme's refcount field */
	unsigned char ref_embedded[] ____cacheline_aligned;
};

static inline int module_is_live(struct module *mod)
{
	return READ_ONCE(mod->state) != MODULE_STATE_GOING;
}

/*
 * delete_module() sets mod->waiter and then marks the module GOING with a
 * release store; a put that has seen GOING reads the waiter here with an
 * acquire load of the state first.  The kernel relies on x86 ordering and
 * the grace period for the same thing; C11 (and ThreadSanitizer) want it
 * spelt out.  Only the slow path pays, and on x86 it is a plain load.
 */
static inline struct task_struct *module_waiter(struct module *mod)
{
	(void)__atomic_load_n(&mod->state, __ATOMIC_ACQUIRE);
	return __atomic_load_n(&mod->waiter, __ATOMIC_RELAXED);
}

static inline void module_set_going(struct module *mod)
{
	__atomic_store_n(&mod->state, MODULE_STATE_GOING, __ATOMIC_RELEASE);
}

#endif
