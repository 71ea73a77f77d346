/*
 * scheme.h - how the rest of the lab sees a refcount scheme.
 *
 * Each scheme is one header in kernels/ (scheme_<id>.h) and one line
 * SCHEME(<id>) in kernels/schemes.def.  The header defines, as the
 * kernel's module.h does, its refcount field and the operations on it,
 * and describes itself with these macros:
 *
 *   SCHEME_NAME         the name on the command line and in results
 *   SCHEME_LABEL        a short label for charts and tables
 *   SCHEME_MODELS       kernel version, commit and functions it models
 *   SCHEME_MODULE_MEM   where module memory (struct module) comes from
 *   SCHEME_REF_STORAGE  where the counts live (enum ref_storage)
 *   SCHEME_UNLOAD_ERA   2009: stop_machine + waiting delete; 2013: stop_machine
 *                       check, no waiting mode (3.13-3.18); 2014: atomic
 *                       release, no waiting mode; 2018: percpu_ref kill
 *                       (switch to atomic after a grace period) and 2.6.29's
 *                       waiting mode, woken by the releasing put
 *   SCHEME_OUT_OF_LINE  which operations its kernel had out of line (codegen.h)
 *   SCHEME_MIGRATION_SAFE  1 when module_refcount() cannot read low while a
 *                       reference taken on one CPU is dropped on another
 *                       during the sum (refbench-race checks the claim)
 *   SCHEME_UNLOAD_HOLD_US  (optional, default 20) how long unload's getters
 *                       hold a reference unless --unload-hold-us says: long
 *                       enough that about half the deletes meet a held one
 *   SCHEME_NEEDS_THIS_CPU  (optional) 1 when it uses %gs this_cpu operations
 *   SCHEME_KERNEL_MODE_ABSENT  (optional, one line) why make kbench does not
 *                       build it in kernel mode (kernels/kmod/ lists it with
 *                       this reason instead of timing it)
 *
 * and struct module_ref_storage plus, all static inline:
 *   module_ref_embedded_bytes()   bytes the scheme embeds in struct module
 *   module_ref_alloc/free(mod)    refcount storage outside struct module
 *   module_ref_bytes(mod)         bytes of refcount storage it took
 *   module_ref_cpu_addr(mod,cpu)  where CPU cpu's count lives
 *   module_unload_init(mod)       counts to zero, one held for init
 *   __module_get, try_module_get, module_put, module_refcount
 *   try_stop_module (2014 era only; 2009 schemes share lifecycle's)
 *
 * Hot paths (benchmark loops) include the scheme header and call those
 * inline.  Everything else goes through the table below, one per scheme,
 * built from kernels/scheme_instance.c, so that no caller needs to know a
 * scheme's layout or name.
 */
#ifndef REFBENCH_SCHEME_H
#define REFBENCH_SCHEME_H

#include "codegen.h"
#include "module_core.h"
#include "module_mem.h"

#include <stdbool.h>
#include <stddef.h>

struct module;

/* Where a scheme keeps its counts; module_refcount() walks follow from it. */
enum ref_storage {
	/* NR_CPUS cache lines embedded in struct module: walks NR_CPUS lines */
	REF_STORAGE_EMBEDDED_ARRAY,
	/* one count per possible CPU in that CPU's per-CPU unit: walks nr_cpu_ids */
	REF_STORAGE_PERCPU,
	/* one word shared by every CPU: reads one word */
	REF_STORAGE_SHARED_WORD,
	/* one count per possible CPU, summed into one shared word after an RCU
	 * grace period (percpu_ref): walks nr_cpu_ids, then reads the word */
	REF_STORAGE_PERCPU_ATOMIC,
};

struct scheme_ops {
	const char *name;
	const char *label;            /* for charts and tables */
	const char *models;           /* kernel version, commit and functions */
	enum module_mem_kind mem_kind;
	enum ref_storage ref_storage;
	int unload_era;               /* 2009, 2013, 2014 or 2018 */
	unsigned int out_of_line;     /* OOL_* of codegen.h */
	bool migration_safe;          /* SCHEME_MIGRATION_SAFE */
	unsigned int unload_hold_us;  /* SCHEME_UNLOAD_HOLD_US */
	/* NULL when the scheme can run on this machine, else why not. */
	const char *(*unavailable)(void);

	/**
	 * load_module() - sys_init_module() up to the module's init function:
	 * module memory, refcount storage, module_unload_init(), state COMING,
	 * one reference held for init.  Process context, any lab CPU.
	 * Return: the module, or NULL with *err a negative errno.
	 */
	struct module *(*load_module)(const char *name, const struct load_params *p, int *err);
	/**
	 * do_init_module() - the end of sys_init_module(): state LIVE and the
	 * reference held for init dropped with module_put().  Return: 0.
	 */
	int (*do_init_module)(struct module *mod);
	/**
	 * delete_module() - sys_delete_module() in the scheme's era: with
	 * O_NONBLOCK, fail with -EWOULDBLOCK while references are held; without
	 * it, mark the module GOING and sleep until the last module_put() (2009
	 * era) or retry (2014 era).  Frees the module on success.
	 * Return: 0, -ENOENT, -EBUSY or -EWOULDBLOCK.
	 */
	int (*delete_module)(const char *name, unsigned int flags);
	/** free_module() - unlink (with the era's synchronisation) and free. */
	void (*free_module)(struct module *mod);

	/**
	 * __module_get() - take a reference the caller knows it may take (it
	 * already holds one, or the module cannot be going).  Any lab CPU,
	 * preemption handled inside (get_cpu()/put_cpu()).
	 */
	void (*__module_get)(struct module *mod);
	/**
	 * try_module_get() - take a reference unless the module is going.
	 * Return: true when a reference was taken.  Any lab CPU.
	 */
	bool (*try_module_get)(struct module *mod);
	/**
	 * module_put() - drop a reference; wakes a waiting delete_module() when
	 * the module is no longer live.  Any lab CPU, not necessarily the one
	 * that took the reference.
	 */
	void (*module_put)(struct module *mod);
	/**
	 * module_refcount() - the sum of every CPU's count.  Exact only while
	 * nobody gets or puts (the unload path stops the machine or marks the
	 * module going first); a racing read is a snapshot of no instant.
	 */
	unsigned int (*module_refcount)(struct module *mod);
	int (*module_state)(struct module *mod);
	const char *(*module_name)(struct module *mod);

	/** ref_cpu_addr() - where CPU @cpu's count lives (for placement audits). */
	void *(*ref_cpu_addr)(struct module *mod, int cpu);
	size_t (*ref_cpu_bytes)(void);            /* bytes of one CPU's count */
	size_t (*ref_bytes)(struct module *mod);  /* refcount storage, this module */
	size_t (*core_size)(struct module *mod);  /* module memory, this module */
	void *(*module_core)(struct module *mod); /* where that memory starts */
	enum module_mem_kind (*module_mem)(struct module *mod); /* its page size */
	size_t (*embedded_bytes)(void);           /* refcount bytes inside struct module */
};

/* Every scheme's table, scheme_<id>, from kernels/schemes.def. */
#define SCHEME(id) extern const struct scheme_ops scheme_##id;
#include "schemes.def"
#undef SCHEME

/* All schemes, NULL-terminated, in the order of schemes.def. */
extern const struct scheme_ops *const refbench_schemes[];
/* How many schemes the lab has. */
int scheme_count(void);
/* The scheme called @name, or NULL. */
const struct scheme_ops *scheme_find(const char *name);
/* Index of @ops in refbench_schemes[], or -1. */
int scheme_index(const struct scheme_ops *ops);
/* "nrcpus-array, vmalloc-array, ..." for error messages. */
const char *scheme_names(void);

/* "embedded-nr-cpus-array", "percpu-unit", "shared-word", "percpu-unit-then-shared-word". */
const char *ref_storage_name(enum ref_storage s);
/* True when the counts live in the per-CPU units (allocated per module). */
bool ref_storage_in_percpu_units(enum ref_storage s);
/*
 * True when delete_module() without O_NONBLOCK marks the module GOING and
 * sleeps until the last reference is dropped (2.6.29's waiting mode, and
 * percpu_ref's kill); false when it is the caller's retry.
 */
bool scheme_has_waiting_delete(const struct scheme_ops *ops);
/* How the footprint command counts a scheme's refcount bytes. */
const char *ref_storage_method(enum ref_storage s);
/* "vmalloc" (4 KiB pages, a mapping per module) or "pool" (huge pages). */
const char *module_mem_name(enum module_mem_kind k);
/*
 * How many counts module_refcount() of @ops sums under the current
 * configuration: NR_CPUS, nr_cpu_ids or 1.  ref_cpu_addr(mod, i) is valid
 * for every i below it.
 */
unsigned long scheme_refcount_walk(const struct scheme_ops *ops);

#endif
