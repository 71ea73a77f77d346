/*
 * scenario_table.c - every scheme's benchmark functions, in the order of
 * kernels/schemes.def, for main.c to register.
 */
#include "scenarios.h"

#include <stddef.h>

#define SCHEME(id) &scenarios_##id,
const struct scenario_fns *const refbench_scenarios[] = {
#include "schemes.def"
	NULL,
};
#undef SCHEME

#define SCHEME(id) &scenarios_inline_##id,
const struct scenario_fns *const refbench_scenarios_inline[] = {
#include "schemes.def"
	NULL,
};
#undef SCHEME
