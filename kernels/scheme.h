/*
 * scheme.h - how the rest of the lab sees a refcount scheme.
 *
 * Each scheme is one header in kernels/ (scheme_*.h) that defines, as the
 * kernel's module.h does, its refcount field and the operations on it:
 *
 *   SCHEME_NAME, SCHEME_MODULE_MEM (where module memory comes from),
 *   SCHEME_UNLOAD_ERA (2009: stop_machine + waiting delete; 2014: atomic
 *   release, no waiting mode), struct module_ref_storage, and, all
 *   static inline:
 *     module_ref_embedded_bytes()   bytes the scheme embeds in struct module
 *     module_ref_alloc/free(mod)    refcount storage outside struct module
 *     module_ref_bytes(mod)         bytes of refcount storage it took
 *     module_ref_cpu_addr(mod,cpu)  where CPU cpu's count lives
 *     module_unload_init(mod)       counts to zero, one held for init
 *     __module_get, try_module_get, module_put, module_refcount
 *     try_stop_module (2014 era only; 2009 schemes share lifecycle's)
 *
 * Hot paths (benchmark loops) include the scheme header and call those
 * inline.  Everything else goes through the table below, one per scheme,
 * built from kernels/scheme_instance.c, so that no caller needs to know a
 * scheme's layout.
 */
#ifndef REFBENCH_SCHEME_H
#define REFBENCH_SCHEME_H

#include "module_core.h"
#include "module_mem.h"

#include <stdbool.h>
#include <stddef.h>

struct module;

struct scheme_ops {
	const char *name;
	const char *models;           /* kernel version and functions */
	enum module_mem_kind mem_kind;
	int unload_era;               /* 2009 or 2014 */

	/* load_module(): COMING, one reference held; NULL and *err on failure */
	struct module *(*load_module)(const char *name, const struct load_params *p, int *err);
	/* the end of sys_init_module(): LIVE, initial reference dropped */
	int (*do_init_module)(struct module *mod);
	/* sys_delete_module(): 0, -ENOENT, -EBUSY, -EWOULDBLOCK */
	int (*delete_module)(const char *name, unsigned int flags);
	/* free_module(): unlink (with the era's synchronisation) and free */
	void (*free_module)(struct module *mod);

	void (*__module_get)(struct module *mod);
	bool (*try_module_get)(struct module *mod);
	void (*module_put)(struct module *mod);
	unsigned int (*module_refcount)(struct module *mod);
	int (*module_state)(struct module *mod);
	const char *(*module_name)(struct module *mod);

	void *(*ref_cpu_addr)(struct module *mod, int cpu);
	size_t (*ref_cpu_bytes)(void);            /* bytes of one CPU's count */
	size_t (*ref_bytes)(struct module *mod);  /* refcount storage, this module */
	size_t (*core_size)(struct module *mod);  /* module memory, this module */
	size_t (*embedded_bytes)(void);           /* refcount bytes inside struct module */
};

extern const struct scheme_ops scheme_nrcpus_array;
extern const struct scheme_ops scheme_vmalloc_array;
extern const struct scheme_ops scheme_percpu;
extern const struct scheme_ops scheme_atomic;

/* All schemes, NULL-terminated, in the order charts show them. */
extern const struct scheme_ops *const refbench_schemes[];
const struct scheme_ops *scheme_find(const char *name);
/* "nrcpus-array, vmalloc-array, percpu, atomic" for error messages. */
const char *scheme_names(void);

#endif
