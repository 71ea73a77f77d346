// SPDX-License-Identifier: GPL-2.0
/*
 * lab_scheme.c - one of the lab's schemes (kernels/scheme_<id>.h, the same
 * source as the userspace models) timed in kernel mode.  Built once per
 * line of schemes.def, through a generated lab_<id>.c that defines
 * SCHEME_ID and SCHEME_HEADER and includes this file.
 *
 * The scheme header includes "compat.h", "pda.h", "this_cpu.h" and
 * "percpu_alloc.h"; in the module's build folder those are the kernel-side
 * versions (compat/): the kernel's own local_t, atomic_t, get_cpu(),
 * per_cpu_offset(), this_cpu operations and per-CPU allocator.  Module
 * memory is the scheme's kind: vmalloc for SCHEME_MODULE_MEM ==
 * MODULE_MEM_VMALLOC, the direct map (kmalloc) for MODULE_MEM_POOL.
 *
 * This file sees only what every scheme header defines (struct module,
 * module_ref_alloc/free, module_unload_init, try_module_get, module_put,
 * module_refcount); it never branches on a scheme.  The measured loops
 * call the operations the modelled kernel had out of line
 * (SCHEME_OUT_OF_LINE) in another translation unit, lab_<id>_ool.c, as
 * the userspace loops do.
 */
#if !defined(SCHEME_HEADER) || !defined(SCHEME_ID)
#error "build through a generated lab_<id>.c"
#endif
#include SCHEME_HEADER
#include "codegen.h"

#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/string.h>
#include <linux/bug.h>

#include "kbench.h"

#define CONCAT_(a, b) a##b
#define CONCAT(a, b) CONCAT_(a, b)
#define STR_(x) #x
#define STR(x) STR_(x)

#define OOL_FN(op) CONCAT(CONCAT(kbench_ool_, SCHEME_ID), CONCAT(_, op))
bool OOL_FN(try_module_get)(struct module *mod);
void OOL_FN(module_put)(struct module *mod);
#if SCHEME_OUT_OF_LINE & OOL_TRY_MODULE_GET
#define bench_try_module_get OOL_FN(try_module_get)
#else
#define bench_try_module_get try_module_get
#endif
#if SCHEME_OUT_OF_LINE & OOL_MODULE_PUT
#define bench_module_put OOL_FN(module_put)
#else
#define bench_module_put module_put
#endif

struct lab_state {
	unsigned int n;
	struct module *mod[];
};

/* load_module() + do_init_module(), reduced to the refcount's part. */
static struct module *lab_load(const char *name, unsigned int idx, int *err)
{
	size_t size = sizeof(struct module) + module_ref_embedded_bytes();
	struct module *mod;

	if (SCHEME_MODULE_MEM == MODULE_MEM_VMALLOC)
		mod = vzalloc(size);
	else
		mod = kzalloc(size, GFP_KERNEL);
	if (!mod) {
		*err = -ENOMEM;
		return NULL;
	}
	mod->mem_kind = SCHEME_MODULE_MEM;
	mod->core_size = size;
	snprintf(mod->name, sizeof(mod->name), "%s%u", name, idx);
	mod->state = MODULE_STATE_COMING;
	*err = module_ref_alloc(mod);
	if (*err) {
		kvfree(mod);
		return NULL;
	}
	module_unload_init(mod);        /* one reference held for init */
	WRITE_ONCE(mod->state, MODULE_STATE_LIVE);
	module_put(mod);                /* do_init_module() drops it */
	return mod;
}

static void lab_free(struct module *mod)
{
	module_ref_free(mod);
	kvfree(mod);
}

static void lab_teardown(void *state)
{
	struct lab_state *s = state;

	for (unsigned int i = 0; i < s->n; i++)
		if (s->mod[i])
			lab_free(s->mod[i]);
	kfree(s);
}

static int lab_setup_n(void **state, unsigned int n)
{
	struct lab_state *s = kzalloc(struct_size(s, mod, n), GFP_KERNEL);
	int err = 0;

	if (!s)
		return -ENOMEM;
	s->n = n;
	for (unsigned int i = 0; i < n; i++) {
		s->mod[i] = lab_load("lab", i, &err);
		if (!s->mod[i]) {
			lab_teardown(s);
			return err;
		}
	}
	*state = s;
	return 0;
}

static int lab_setup_one(void **state, const struct kbench_params *p)
{
	return lab_setup_n(state, 1);
}

static int lab_setup_spread(void **state, const struct kbench_params *p)
{
	return lab_setup_n(state, p->nr_modules);
}

static long lab_count(void *state)
{
	struct lab_state *s = state;
	long sum = 0;

	for (unsigned int i = 0; i < s->n; i++)
		sum += module_refcount(s->mod[i]);
	return sum;
}

static void lab_hot(void *state, struct kbench_thread *t)
{
	struct module *mod = ((struct lab_state *)state)->mod[0];

	KBENCH_WINDOW_RUN(t, {
		if (unlikely(!bench_try_module_get(mod)))
			BUG();
		bench_module_put(mod);
	});
}

static void lab_read(void *state, struct kbench_thread *t)
{
	struct module *mod = ((struct lab_state *)state)->mod[0];
	unsigned long sink = 0;

	KBENCH_WINDOW_RUN(t, {
		sink += module_refcount(mod);
	});
	t->sink = sink;
}

static void lab_spread(void *state, struct kbench_thread *t)
{
	struct module *const *mods = ((struct lab_state *)state)->mod;
	unsigned int i = (unsigned int)t->tid * 997;

	KBENCH_WINDOW_RUN(t, {
		struct module *mod = mods[kbench_seq[i++ % KBENCH_SEQ_LEN]];

		if (unlikely(!bench_try_module_get(mod)))
			BUG();
		bench_module_put(mod);
	});
}

static const char *lab_spread_unavailable(const struct kbench_params *p)
{
	return p->nr_modules ? NULL :
		"spread runs over as many modules as peers=N; peers=0 given";
}

/* What a scheme's header adds about its kernel-mode build (or nothing). */
#ifndef SCHEME_KERNEL_MODE_NOTE
#define SCHEME_KERNEL_MODE_NOTE ""
#endif

#define LAB_INCLUDES "the lab's try_module_get() and module_put() of " SCHEME_MODELS \
	", compiled in kernel mode: the kernel's local_t, atomic_t, get_cpu()/put_cpu() " \
	"(preempt_disable), per_cpu_offset() and %gs this_cpu operations; out of line as " \
	"the modelled kernel had them (SCHEME_OUT_OF_LINE " STR(SCHEME_OUT_OF_LINE) ")" \
	SCHEME_KERNEL_MODE_NOTE

static const struct kbench_case lab_hot_case = {
	.scenario = KBENCH_HOT, .subject = SCHEME_NAME, .impl = "model", .reference = SCHEME_NAME,
	.includes = LAB_INCLUDES,
	.setup = lab_setup_one, .loop = lab_hot, .count = lab_count, .teardown = lab_teardown,
};
static const struct kbench_case lab_spread_case = {
	.scenario = KBENCH_SPREAD, .subject = SCHEME_NAME, .impl = "model", .reference = SCHEME_NAME,
	.includes = LAB_INCLUDES ", on one of N modules drawn uniformly from a fixed sequence",
	.unavailable = lab_spread_unavailable,
	.setup = lab_setup_spread, .loop = lab_spread, .count = lab_count, .teardown = lab_teardown,
};
static const struct kbench_case lab_read_case = {
	.scenario = KBENCH_READ, .subject = SCHEME_NAME, .impl = "model", .reference = SCHEME_NAME,
	.includes = "the lab's module_refcount() of " SCHEME_MODELS
		", inline, in kernel mode, on one idle thread (the walk covers the kernel's own NR_CPUS or possible CPUs)"
		SCHEME_KERNEL_MODE_NOTE,
	.single_thread = true,
	.setup = lab_setup_one, .loop = lab_read, .count = lab_count, .teardown = lab_teardown,
};

const struct kbench_case *const CONCAT(kbench_lab_, SCHEME_ID)[] = {
	&lab_hot_case,
	&lab_spread_case,
	&lab_read_case,
	NULL,
};
