/*
 * module_core.h - what kernel/module.c keeps once for all modules, whatever
 * their refcount scheme: the module list, module_mutex, the notifier
 * chain, and the parameters of a load.
 */
#ifndef REFBENCH_MODULE_CORE_H
#define REFBENCH_MODULE_CORE_H

#include "compat.h"

#include <stdbool.h>
#include <stddef.h>

#define MODULE_NAME_LEN (64 - sizeof(unsigned long))

enum module_state {
	MODULE_STATE_LIVE,
	MODULE_STATE_COMING,
	MODULE_STATE_GOING,
};

/* The global module list (kernel/module.c "modules"), shared by schemes. */
struct module_link {
	struct module_link *prev, *next;
	struct module_link *hnext;     /* the name index's chain (see module_core.c) */
	const char *scheme;
	const char *name;
};

/* ---- shared state, kernel/module.c --------------------------------------- */

extern struct kmutex module_mutex;
/* Insert/remove on the list (caller holds module_mutex). */
void module_list_add(struct module_link *l);
void module_list_del(struct module_link *l);
struct module_link *module_list_find(const char *scheme, const char *name);
unsigned long module_list_count(void);

/*
 * Module notifiers (register_module_notifier): called with the module's
 * new state; MODULE_STATE_GOING after the refcount reached zero and before
 * free_module(), which then waits (stop_machine / synchronize) before the
 * memory goes, so a notifier may unpublish a pointer to the module.
 */
typedef void (*module_notifier_fn)(int state, const char *scheme, const char *name,
				   void *mod, void *data);
void register_module_notifier(module_notifier_fn fn, void *data);
void unregister_module_notifier(module_notifier_fn fn, void *data);
void module_notify(int state, const char *scheme, const char *name, void *mod);

/*
 * How waiting deletes (sys_delete_module without O_NONBLOCK) ended, for
 * every scheme: the count was already zero once the module was marked
 * GOING (after the 2009 era's grace period), or the delete had to wait -
 * sleep until the last module_put() woke it (2009), or retry until the
 * holders were gone (2014) - and how long those waits took, from the first
 * nonzero count to the count reaching zero.  Updated under module_mutex.
 */
struct module_unload_stats {
	unsigned long found_zero;
	unsigned long waited;
	unsigned long retries;        /* 2014 era: try_stop_module() attempts refused */
	double wait_ns;
};
extern struct module_unload_stats module_unload_stats;

#ifndef __KERNEL__
/*
 * The module_get and module_put trace points of kernel/module.c
 * (include/trace/events/module.h, 2.6.33 on), as DECLARE_TRACE built them
 * before jump labels (2.6.37): trace_module_get() tests
 * __tracepoint_module_get.state, a load and a predicted branch in every get
 * and put, and calls the probes only when one is registered.  The lab's
 * tracer is one probe that counts the events, registered with
 * tracepoint_module_enable(); nothing registers it during a benchmark, as
 * on a kernel nobody traces.
 */
struct module_tracepoint {
	int state;
};
extern struct module_tracepoint tracepoint_module_get, tracepoint_module_put;
void tracepoint_module_enable(bool on);
unsigned long tracepoint_module_hits(void);
/* The probe: counts the event (the kernel's also got the caller's address
 * and this CPU's count, read only once the state said a probe was there). */
void tracepoint_module_probe(struct module_tracepoint *tp, const void *mod)
	__attribute__((cold, noinline));

static inline void trace_module_event(struct module_tracepoint *tp, const void *mod)
{
	/* The kernel read the state plainly; a relaxed load keeps it one
	 * load per call here too, where the loops would otherwise hoist it. */
	if (unlikely(__atomic_load_n(&tp->state, __ATOMIC_RELAXED)))
		tracepoint_module_probe(tp, mod);
}
#endif

/* What load_module() builds, besides the struct and the refcount. */
struct load_params {
	size_t percpu_size;    /* the module's .data.percpu section, 0 for none */
	size_t core_before;    /* text and data laid out before struct module */
	size_t core_extra;     /* text/data beyond struct module */
	size_t core_align;     /* struct module's alignment in the core, 0: the line */
	unsigned int module_pages; /* 4096 or 2 MiB; 0: the scheme's SCHEME_MODULE_MEM */
	bool packed;           /* cores back to back, not page-granular (a control) */
	const char *args;      /* module parameters, copied (strndup_user) */
};

#endif
