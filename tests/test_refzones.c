/*
 * test_refzones.c - where each scheme's try_module_get() must refuse, and
 * every zone transition of rcuref_t.
 *
 *   rcuref/...   rcuref_t on its own (kernels/scheme_rcuref.h, Linux 6.4
 *                lib/rcuref.c): each zone (ONEREF..MAXREF, SATURATED,
 *                RELEASED, DEAD, NOREF) and what a get, a put and a read do
 *                there.  The expected words are the kernel's constants,
 *                written out here, not read from the header.
 *   refusal/<scheme>  for every scheme of the registry: a LIVE module with
 *                nobody holding a reference gives a reference (every era's
 *                kernel did); and where the scheme keeps its count in one
 *                shared word, the word is set to each value at which its
 *                kernel refused (or, for rcuref's NOREF, let the get win)
 *                and try_module_get() must answer as that kernel did and
 *                leave the word as that kernel left it.  What the kernel did
 *                is a table below, keyed by the kernel version the scheme
 *                declares it models (ops->models) and by its ref_storage.
 *   released_meanwhile/<scheme>  the delete path of the same schemes, on a
 *                count released before the delete takes its base back.
 *
 * The main thread is CPU 0 (kernels_test_util.h); single-threaded.
 */
#include "kernels_test_util.h"

#include "scheme_rcuref.h"

/* ---- rcuref_t on its own ------------------------------------------------ */

/* The zones of lib/rcuref.c, as the kernel's include/linux/rcuref.h defines them. */
#define K_ONEREF    0x00000000u
#define K_MAXREF    0x7fffffffu
#define K_SATURATED 0xa0000000u
#define K_RELEASED  0xc0000000u
#define K_DEAD      0xe0000000u
#define K_NOREF     0xffffffffu

static unsigned int word(rcuref_t *r)
{
	return (unsigned int)__atomic_load_n(&r->refcnt.counter, __ATOMIC_RELAXED);
}

static void set_word(rcuref_t *r, unsigned int v)
{
	__atomic_store_n(&r->refcnt.counter, (int)v, __ATOMIC_RELAXED);
}

static void test_rcuref_counts(void **state)
{
	rcuref_t r;
	(void)state;

	rcuref_init(&r, 1);
	assert_int_equal(word(&r), K_ONEREF);          /* the count minus one */
	assert_int_equal(rcuref_read(&r), 1);
	rcuref_init(&r, 2);
	assert_int_equal(word(&r), 1);
	assert_int_equal(rcuref_read(&r), 2);
	assert_true(rcuref_get(&r));
	assert_int_equal(word(&r), 2);
	assert_int_equal(rcuref_read(&r), 3);
	assert_false(rcuref_put(&r));
	assert_false(rcuref_put(&r));
	assert_int_equal(word(&r), K_ONEREF);
	/* The last put: NOREF, then the cmpxchg to DEAD, and the caller releases. */
	assert_true(rcuref_put(&r));
	assert_int_equal(word(&r), K_DEAD);
	assert_int_equal(rcuref_read(&r), 0);
}

static void test_rcuref_dead(void **state)
{
	rcuref_t r;
	(void)state;

	/* A get on a released count fails and leaves it in the middle of DEAD. */
	set_word(&r, K_DEAD);
	assert_false(rcuref_get(&r));
	assert_int_equal(word(&r), K_DEAD);
	assert_int_equal(rcuref_read(&r), 0);
	/* An imbalanced put: WARN, stays DEAD, releases nothing. */
	assert_false(rcuref_put(&r));
	assert_int_equal(word(&r), K_DEAD);
	/* The top of the DEAD zone (a get's increment away from NOREF) is still dead. */
	set_word(&r, K_NOREF - 1);
	assert_false(rcuref_get(&r));
	assert_int_equal(word(&r), K_DEAD);
}

static void test_rcuref_released(void **state)
{
	rcuref_t r;
	(void)state;

	set_word(&r, K_RELEASED);
	assert_int_equal(rcuref_read(&r), 0);
	assert_false(rcuref_get(&r));
	assert_int_equal(word(&r), K_DEAD);
	/* An imbalanced put in the RELEASED zone.  The slow path looks at the
	 * word after the decrement, so from RELEASED itself it would see the
	 * top of the saturation zone: one above it is inside. */
	set_word(&r, K_RELEASED + 1);
	assert_false(rcuref_put(&r));
	assert_int_equal(word(&r), K_DEAD);
	/* Just below RELEASED is the saturation zone, not released. */
	set_word(&r, K_RELEASED - 2);
	assert_int_equal(rcuref_read(&r), K_RELEASED - 1);
	assert_true(rcuref_get(&r));
	assert_int_equal(word(&r), K_SATURATED);
}

static void test_rcuref_saturated(void **state)
{
	rcuref_t r;
	(void)state;

	/* One get past MAXREF: the count saturates and the get succeeds. */
	set_word(&r, K_MAXREF);
	assert_int_equal(rcuref_read(&r), 0x80000000u);
	assert_true(rcuref_get(&r));
	assert_int_equal(word(&r), K_SATURATED);
	/* Saturated stays saturated, whatever gets and puts come. */
	assert_true(rcuref_get(&r));
	assert_int_equal(word(&r), K_SATURATED);
	assert_false(rcuref_put(&r));
	assert_int_equal(word(&r), K_SATURATED);
	assert_int_equal(rcuref_read(&r), K_SATURATED + 1);
	/* A put that lands above MAXREF but below the saturation point. */
	set_word(&r, 0x80000001u);
	assert_false(rcuref_put(&r));
	assert_int_equal(word(&r), K_SATURATED);
	/* A put from just above MAXREF comes back into range on the fast path. */
	set_word(&r, 0x80000000u);
	assert_false(rcuref_put(&r));
	assert_int_equal(word(&r), K_MAXREF);
}

static void test_rcuref_noref(void **state)
{
	rcuref_t r;
	(void)state;

	/*
	 * NOREF: the last put decremented and has not yet moved the word to
	 * DEAD.  A get in that window succeeds (the word is ONEREF again)...
	 */
	set_word(&r, K_NOREF);
	assert_int_equal(rcuref_read(&r), 0);
	assert_true(rcuref_get(&r));
	assert_int_equal(word(&r), K_ONEREF);
	/* ... and the put's slow path, finding no NOREF any more, releases nothing. */
	assert_false(rcuref_put_slowpath(&r));
	assert_int_equal(word(&r), K_ONEREF);
	/* Found NOREF, it moves the word to DEAD and releases. */
	set_word(&r, K_NOREF);
	assert_true(rcuref_put_slowpath(&r));
	assert_int_equal(word(&r), K_DEAD);
}

/* ---- every scheme: where try_module_get() refuses ----------------------- */

/* One value of a shared count word and what the kernel's try_module_get() did there. */
struct word_case {
	const char *what;
	unsigned int word;        /* the raw word */
	bool gets;                /* try_module_get() on a LIVE module returns */
	unsigned int after;       /* the word afterwards */
};

struct kernel_facts {
	const char *kernel;       /* "Linux <version> " at the start of ops->models */
	enum ref_storage storage;
	struct word_case cases[4];
	/* The word when the count was released before the delete took its base
	 * back, and whether the delete then frees the module (0) */
	bool has_released;
	unsigned int released_word;
};

static const struct kernel_facts facts[] = {
	/* 3.19 kernel/module.c: MODULE_REF_BASE 1, "refcnt == 0 means the module
	 * is going"; try_module_get is module_is_live && atomic_inc_not_zero. */
	{ "Linux 3.19 ", REF_STORAGE_SHARED_WORD, {
		{ "refcnt 0 (base dropped) while LIVE", 0u, false, 0u },
		{ "refcnt 1 (base only)", 1u, true, 2u },
	}, false, 0 },
	/* 6.4 lib/rcuref.c, the word is the count minus one (base + holders). */
	{ "Linux 6.4 ", REF_STORAGE_SHARED_WORD, {
		{ "RELEASED", K_RELEASED, false, K_DEAD },
		{ "DEAD", K_DEAD, false, K_DEAD },
		{ "NOREF (the last put not yet DEAD): the get wins", K_NOREF, true, K_ONEREF },
		{ "SATURATED", K_SATURATED, true, K_SATURATED },
	}, true, K_DEAD },
};

static const struct kernel_facts *facts_of(const struct scheme_ops *ops)
{
	for (size_t i = 0; i < sizeof(facts) / sizeof(facts[0]); i++)
		if (strncmp(ops->models, facts[i].kernel, strlen(facts[i].kernel)) == 0 &&
		    ops->ref_storage == facts[i].storage)
			return &facts[i];
	return NULL;
}

static unsigned int *shared_word(const struct scheme_ops *ops, struct module *mod)
{
	return (unsigned int *)ops->ref_cpu_addr(mod, 0);
}

static void test_refusal(void **state)
{
	const struct scheme_ops *ops = kt_ops(state);
	const struct kernel_facts *k = facts_of(ops);
	struct kt_books before;
	struct module *mod;
	char name[64];

	kt_books(&before);
	mod = kt_load_live(ops, kt_name(name, sizeof(name), "refusal"), NULL);
	/* Every era: LIVE and nobody holding one, a get is given. */
	assert_int_equal(ops->module_refcount(mod), 0);
	assert_true(ops->try_module_get(mod));
	assert_int_equal(ops->module_refcount(mod), 1);
	ops->module_put(mod);
	assert_int_equal(ops->module_refcount(mod), 0);

	if (ops->ref_storage == REF_STORAGE_SHARED_WORD) {
		unsigned int *w = shared_word(ops, mod), saved;

		if (!k)
			fail_msg("%s: no facts here for the kernel it models (\"%.40s\"): add where "
				 "that kernel's try_module_get() refused", ops->name, ops->models);
		saved = __atomic_load_n(w, __ATOMIC_RELAXED);
		for (int i = 0; i < 4 && k->cases[i].what; i++) {
			const struct word_case *c = &k->cases[i];
			bool got;

			__atomic_store_n(w, c->word, __ATOMIC_RELAXED);
			got = ops->try_module_get(mod);
			if (got != c->gets)
				fail_msg("%s: try_module_get() at %s (word %#x) returned %d, its "
					 "kernel's %d", ops->name, c->what, c->word, got, c->gets);
			if (__atomic_load_n(w, __ATOMIC_RELAXED) != c->after)
				fail_msg("%s: try_module_get() at %s left the word %#x, its "
					 "kernel's %#x", ops->name, c->what,
					 __atomic_load_n(w, __ATOMIC_RELAXED), c->after);
		}
		__atomic_store_n(w, saved, __ATOMIC_RELAXED);
	}
	assert_int_equal(ops->delete_module(name, O_NONBLOCK), 0);
	kt_books_equal(&before, "%s after the delete", ops->name);
}

/*
 * The delete drops the module's base and, finding holders, takes it back;
 * if the last holder's put released the count in between, taking it back
 * fails and the module is the delete's to free.  One thread cannot stand
 * between those two steps; the word released beforehand takes the same
 * branch (the drop is then an imbalanced put, which changes nothing).
 */
static void test_released_meanwhile(void **state)
{
	const struct scheme_ops *ops = kt_ops(state);
	const struct kernel_facts *k = facts_of(ops);
	struct kt_books before;
	struct module *mod;
	char name[64];
	int ret;

	assert_true(k && k->has_released);     /* main() adds only those */
	kt_books(&before);
	mod = kt_load_live(ops, kt_name(name, sizeof(name), "released"), NULL);
	__atomic_store_n(shared_word(ops, mod), k->released_word, __ATOMIC_RELAXED);
	ret = ops->delete_module(name, O_NONBLOCK);
	if (ret != 0)
		fail_msg("%s: delete of a module whose count was released returned %d, not 0",
			 ops->name, ret);
	kt_books_equal(&before, "%s after the delete", ops->name);
}

int main(void)
{
	static struct kt_suite s;

	kt_setup(PERCPU_UNIT_DEFAULT);
	kt_add(&s, "rcuref/counts", test_rcuref_counts, NULL);
	kt_add(&s, "rcuref/dead", test_rcuref_dead, NULL);
	kt_add(&s, "rcuref/released", test_rcuref_released, NULL);
	kt_add(&s, "rcuref/saturated", test_rcuref_saturated, NULL);
	kt_add(&s, "rcuref/noref", test_rcuref_noref, NULL);
	kt_add_schemes(&s, "refusal", test_refusal);
	for (int i = 0; refbench_schemes[i]; i++) {
		const struct kernel_facts *k = facts_of(refbench_schemes[i]);
		char full[80];

		if (k && k->has_released) {
			snprintf(full, sizeof(full), "released_meanwhile/%s",
				 refbench_schemes[i]->name);
			kt_add(&s, full, test_released_meanwhile, (void *)refbench_schemes[i]);
		}
	}
	return kt_run(&s, "refzones");
}
