/*
 * scheme_instance.c - one scheme's full path behind the scheme_ops table
 * scheme_<id>.  Built once per line of schemes.def with
 * -DSCHEME_ID=<id> -DSCHEME_HEADER='"scheme_<id>.h"'.
 */
#if !defined(SCHEME_HEADER) || !defined(SCHEME_ID)
#error "build with -DSCHEME_ID=xxx -DSCHEME_HEADER='\"scheme_xxx.h\"'"
#endif
#include SCHEME_HEADER
#include "module_lifecycle.h"
#include "scheme.h"
#include "this_cpu.h"

#if !defined(SCHEME_LABEL) || !defined(SCHEME_REF_STORAGE) || !defined(SCHEME_MODELS) || \
    !defined(SCHEME_OUT_OF_LINE) || !defined(SCHEME_MIGRATION_SAFE)
#error "a scheme header defines SCHEME_NAME, SCHEME_LABEL, SCHEME_MODELS, SCHEME_MODULE_MEM, SCHEME_REF_STORAGE, SCHEME_UNLOAD_ERA, SCHEME_OUT_OF_LINE and SCHEME_MIGRATION_SAFE"
#endif

#define CONCAT_(a, b) a##b
#define CONCAT(a, b) CONCAT_(a, b)

/*
 * The operations as functions of this translation unit: what the table
 * points to, and what the benchmark loops call for the operations the
 * scheme's kernel had out of line (codegen.h).  noinline keeps them calls
 * even if a compiler could see both sides.
 */
#define OOL_FN(op) CONCAT(CONCAT(scheme_, SCHEME_ID), CONCAT(_, op))
__attribute__((noinline)) bool OOL_FN(try_module_get)(struct module *mod);
__attribute__((noinline)) void OOL_FN(__module_get)(struct module *mod);
__attribute__((noinline)) void OOL_FN(module_put)(struct module *mod);
__attribute__((noinline)) unsigned int OOL_FN(module_refcount)(struct module *mod);
bool OOL_FN(try_module_get)(struct module *mod) { return try_module_get(mod); }
void OOL_FN(__module_get)(struct module *mod) { __module_get(mod); }
void OOL_FN(module_put)(struct module *mod) { module_put(mod); }
unsigned int OOL_FN(module_refcount)(struct module *mod) { return module_refcount(mod); }
static int ops_module_state(struct module *mod) { return READ_ONCE(mod->state); }
static const char *ops_module_name(struct module *mod) { return mod->name; }
static void *ops_ref_cpu_addr(struct module *mod, int cpu) { return module_ref_cpu_addr(mod, cpu); }
static size_t ops_ref_bytes(struct module *mod) { return module_ref_bytes(mod); }
static size_t ops_core_size(struct module *mod) { return mod->core_size; }
#ifndef SCHEME_NEEDS_THIS_CPU
#define SCHEME_NEEDS_THIS_CPU 0
#endif
#ifndef SCHEME_UNLOAD_HOLD_US
#define SCHEME_UNLOAD_HOLD_US 20
#endif
static const char *ops_unavailable(void)
{
	return SCHEME_NEEDS_THIS_CPU ? this_cpu_unavailable() : NULL;
}
static void *ops_module_core(struct module *mod) { return mod->module_core; }
static enum module_mem_kind ops_module_mem(struct module *mod) { return (enum module_mem_kind)mod->mem_kind; }

const struct scheme_ops CONCAT(scheme_, SCHEME_ID) = {
	.name = SCHEME_NAME,
	.label = SCHEME_LABEL,
	.models = SCHEME_MODELS,
	.mem_kind = SCHEME_MODULE_MEM,
	.ref_storage = SCHEME_REF_STORAGE,
	.unload_era = SCHEME_UNLOAD_ERA,
	.load_module = load_module,
	.do_init_module = do_init_module,
	.delete_module = delete_module,
	.free_module = free_module,
	.out_of_line = SCHEME_OUT_OF_LINE,
	.migration_safe = SCHEME_MIGRATION_SAFE,
	.unload_hold_us = SCHEME_UNLOAD_HOLD_US,
	.unavailable = ops_unavailable,
	.__module_get = OOL_FN(__module_get),
	.try_module_get = OOL_FN(try_module_get),
	.module_put = OOL_FN(module_put),
	.module_refcount = OOL_FN(module_refcount),
	.module_state = ops_module_state,
	.module_name = ops_module_name,
	.ref_cpu_addr = ops_ref_cpu_addr,
	.ref_cpu_bytes = module_ref_cpu_bytes,
	.ref_bytes = ops_ref_bytes,
	.core_size = ops_core_size,
	.module_core = ops_module_core,
	.module_mem = ops_module_mem,
	.embedded_bytes = module_ref_embedded_bytes,
};
