/*
 * race_instance.c - a scheme's operations built with REFBENCH_STEP_HOOK, so
 * that module_refcount() calls refbench_walk_hook before it reads each CPU
 * (compat.h).  Only the race program links these; the benchmark loops and
 * the scheme tables are built without the hook.
 */
#if !defined(SCHEME_HEADER) || !defined(SCHEME_ID)
#error "build with -DSCHEME_ID=xxx -DSCHEME_HEADER='\"scheme_xxx.h\"' -DREFBENCH_STEP_HOOK"
#endif
#include SCHEME_HEADER
#include "module_lifecycle.h"
#include "race.h"

#define CONCAT_(a, b) a##b
#define CONCAT(a, b) CONCAT_(a, b)

static struct module *race_load(const char *name, int *err)
{
	static const struct load_params none;
	struct module *mod = load_module(name, &none, err);

	if (mod)
		do_init_module(mod);
	return mod;
}

static bool race_get(struct module *mod) { return try_module_get(mod); }
static void race_put(struct module *mod) { module_put(mod); }
static unsigned int race_refcount(struct module *mod) { return module_refcount(mod); }
static int race_unload(const char *name) { return delete_module(name, O_NONBLOCK); }
/* free_module() is delete_module()'s; nothing else here frees. */
static void (*const race_unused_free)(struct module *) __attribute__((unused)) = free_module;

const struct race_ops CONCAT(race_, SCHEME_ID) = {
	.scheme = &CONCAT(scheme_, SCHEME_ID),
	.load = race_load,
	.get = race_get,
	.put = race_put,
	.refcount = race_refcount,
	.unload = race_unload,
};
