// SPDX-License-Identifier: GPL-2.0
/*
 * lab_scheme_ool.c - one lab scheme's operations as functions of their own
 * translation unit, as kernels/scheme_instance.c builds them for the
 * userspace loops: lab_scheme.c calls these for the operations the
 * modelled kernel had out of line (codegen.h), a direct call each.
 * Built once per scheme through a generated lab_<id>_ool.c.
 */
#if !defined(SCHEME_HEADER) || !defined(SCHEME_ID)
#error "build through a generated lab_<id>_ool.c"
#endif
#include SCHEME_HEADER

#define CONCAT_(a, b) a##b
#define CONCAT(a, b) CONCAT_(a, b)
#define OOL_FN(op) CONCAT(CONCAT(kbench_ool_, SCHEME_ID), CONCAT(_, op))

noinline bool OOL_FN(try_module_get)(struct module *mod);
noinline void OOL_FN(module_put)(struct module *mod);
bool OOL_FN(try_module_get)(struct module *mod) { return try_module_get(mod); }
void OOL_FN(module_put)(struct module *mod) { module_put(mod); }
