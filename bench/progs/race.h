/*
 * race.h - one scheme's get, put and module_refcount() with a hook between
 * the steps of the sum (race_instance.c, built per scheme with
 * REFBENCH_STEP_HOOK), for the deterministic race (race.c).
 */
#ifndef REFBENCH_RACE_H
#define REFBENCH_RACE_H

#include "scheme.h"

struct race_ops {
	const struct scheme_ops *scheme;
	struct module *(*load)(const char *name, int *err);
	bool (*get)(struct module *mod);
	void (*put)(struct module *mod);
	unsigned int (*refcount)(struct module *mod);
	int (*unload)(const char *name);
};

#define SCHEME(id) extern const struct race_ops race_##id;
#include "schemes.def"
#undef SCHEME

#endif
