/*
 * test_lifecycle.c - the module lifecycle of every scheme, on one thread:
 * load_module, do_init_module, the reference operations, delete_module in
 * both modes, the module notifiers, free_module, and every failure path of
 * load_module (fail_nth), with the allocators' books checked each time.
 *
 * The main thread is pinned to CPU 0 and registered as CPU 0 (kernels_test_util.h).
 */
#include "kernels_test_util.h"

#include <fcntl.h>

/* ---- notifier log ------------------------------------------------------- */

struct note_log {
	const struct scheme_ops *ops;
	const char *name;          /* only this module's events are logged */
	int states[8];
	int n;
	int going_get;             /* try_module_get() at GOING: 1, 0; -1 not called */
	unsigned int going_refcount;
	int going_state;
};

static void note_fn(int state, const char *scheme, const char *name, void *mod, void *data)
{
	struct note_log *log = data;

	if (strcmp(scheme, log->ops->name) != 0 || strcmp(name, log->name) != 0)
		return;
	if (log->n < (int)(sizeof(log->states) / sizeof(log->states[0])))
		log->states[log->n++] = state;
	if (state == MODULE_STATE_GOING) {
		struct module *m = mod;

		log->going_state = log->ops->module_state(m);
		log->going_refcount = log->ops->module_refcount(m);
		/* This runs on the deleting thread, the main thread (CPU 0). */
		log->going_get = log->ops->try_module_get(m) ? 1 : 0;
		if (log->going_get == 1)
			log->ops->module_put(m);   /* keep free_module() safe */
	}
}

/* ---- the lifecycle ------------------------------------------------------ */

static void test_lifecycle(void **state)
{
	const struct scheme_ops *ops = kt_ops(state);
	struct load_params p = { .args = "debug=1" };
	struct kt_books before;
	struct module *mod;
	char name[64];
	int err = 0;

	kt_name(name, sizeof(name), "life");
	kt_books(&before);

	mod = ops->load_module(name, &p, &err);
	assert_non_null(mod);
	assert_int_equal(err, 0);
	assert_int_equal(ops->module_state(mod), MODULE_STATE_COMING);
	assert_int_equal(ops->module_refcount(mod), 1);
	assert_string_equal(ops->module_name(mod), name);
	assert_int_equal(module_list_count(), before.modules + 1);
	assert_true(ops->core_size(mod) >= ops->embedded_bytes());

	/* A COMING module is "live" for try_module_get (only GOING is not). */
	assert_true(ops->try_module_get(mod));
	assert_int_equal(ops->module_refcount(mod), 2);
	ops->module_put(mod);
	assert_int_equal(ops->module_refcount(mod), 1);

	assert_int_equal(ops->do_init_module(mod), 0);
	assert_int_equal(ops->module_state(mod), MODULE_STATE_LIVE);
	assert_int_equal(ops->module_refcount(mod), 0);

	assert_true(ops->try_module_get(mod));
	assert_int_equal(ops->module_refcount(mod), 1);
	ops->__module_get(mod);
	assert_int_equal(ops->module_refcount(mod), 2);
	assert_true(ops->try_module_get(mod));
	assert_int_equal(ops->module_refcount(mod), 3);
	ops->module_put(mod);
	assert_int_equal(ops->module_refcount(mod), 2);
	ops->module_put(mod);
	assert_int_equal(ops->module_refcount(mod), 1);

	/* Non-blocking delete with a reference held: refused, nothing changed. */
	assert_int_equal(ops->delete_module(name, O_NONBLOCK), -EWOULDBLOCK);
	assert_int_equal(ops->module_state(mod), MODULE_STATE_LIVE);
	assert_int_equal(ops->module_refcount(mod), 1);
	/* O_TRUNC (force) is accepted and does not force. */
	assert_int_equal(ops->delete_module(name, O_NONBLOCK | O_TRUNC), -EWOULDBLOCK);
	assert_int_equal(ops->module_state(mod), MODULE_STATE_LIVE);
	assert_int_equal(ops->module_refcount(mod), 1);
	/* Still usable after the refused deletes. */
	assert_true(ops->try_module_get(mod));
	assert_int_equal(ops->module_refcount(mod), 2);
	ops->module_put(mod);
	ops->module_put(mod);
	assert_int_equal(ops->module_refcount(mod), 0);

	assert_int_equal(ops->delete_module(name, O_NONBLOCK), 0);
	kt_books_equal(&before, "%s after delete", ops->name);
	assert_int_equal(ops->delete_module(name, O_NONBLOCK), -ENOENT);
	assert_int_equal(ops->delete_module(name, 0), -ENOENT);
}

/* The waiting delete of a module nobody holds returns at once. */
static void test_waiting_delete_unused(void **state)
{
	const struct scheme_ops *ops = kt_ops(state);
	struct load_params p = { .percpu_size = 32 };
	struct kt_books before;
	char name[64];
	uint64_t t0;

	kt_name(name, sizeof(name), "wdel");
	kt_books(&before);
	kt_load_live(ops, name, &p);
	t0 = kt_now_ns();
	assert_int_equal(ops->delete_module(name, 0), 0);
	assert_true(kt_now_ns() - t0 < KT_TIMEOUT_NS);
	kt_books_equal(&before, "%s after waiting delete", ops->name);
	assert_int_equal(ops->delete_module(name, 0), -ENOENT);
}

static void test_errors(void **state)
{
	const struct scheme_ops *ops = kt_ops(state);
	static const struct load_params none;
	struct kt_books before, loaded;
	struct module *mod, *dup;
	char name[64], longname[MODULE_NAME_LEN + 1];
	int err = 0;

	kt_name(name, sizeof(name), "err");
	kt_books(&before);

	assert_int_equal(ops->delete_module("kt_no_such_module", O_NONBLOCK), -ENOENT);
	assert_int_equal(ops->delete_module("kt_no_such_module", 0), -ENOENT);

	mod = ops->load_module(name, &none, &err);
	assert_non_null(mod);
	kt_books(&loaded);

	/* Duplicate while COMING, then while LIVE: -EEXIST, nothing taken. */
	err = 0;
	dup = ops->load_module(name, &none, &err);
	assert_null(dup);
	assert_int_equal(err, -EEXIST);
	kt_books_equal(&loaded, "%s after -EEXIST (COMING)", ops->name);

	/* Deleting a COMING module: -EBUSY in both modes, module untouched. */
	assert_int_equal(ops->delete_module(name, O_NONBLOCK), -EBUSY);
	assert_int_equal(ops->delete_module(name, 0), -EBUSY);
	assert_int_equal(ops->module_state(mod), MODULE_STATE_COMING);
	assert_int_equal(ops->module_refcount(mod), 1);

	assert_int_equal(ops->do_init_module(mod), 0);
	err = 0;
	dup = ops->load_module(name, &none, &err);
	assert_null(dup);
	assert_int_equal(err, -EEXIST);
	kt_books_equal(&loaded, "%s after -EEXIST (LIVE)", ops->name);
	assert_int_equal(ops->delete_module(name, O_NONBLOCK), 0);
	kt_books_equal(&before, "%s after delete", ops->name);

	/* Names: empty and MODULE_NAME_LEN long are refused, one shorter is fine. */
	err = 0;
	assert_null(ops->load_module("", &none, &err));
	assert_int_equal(err, -ENOEXEC);
	memset(longname, 'n', MODULE_NAME_LEN);
	longname[MODULE_NAME_LEN] = '\0';
	err = 0;
	assert_null(ops->load_module(longname, &none, &err));
	assert_int_equal(err, -ENOEXEC);
	kt_books_equal(&before, "%s after -ENOEXEC", ops->name);
	longname[MODULE_NAME_LEN - 1] = '\0';
	mod = kt_load_live(ops, longname, NULL);
	assert_string_equal(ops->module_name(mod), longname);
	assert_int_equal(ops->delete_module(longname, O_NONBLOCK), 0);
	kt_books_equal(&before, "%s after the longest name", ops->name);
}

/* Module names are per scheme: the same name in two schemes is two modules. */
static void test_same_name_other_scheme(void **state)
{
	const struct scheme_ops *ops = kt_ops(state);
	const struct scheme_ops *other = NULL;
	struct module *a, *b;
	struct kt_books before;
	char name[64];

	for (int i = 0; refbench_schemes[i]; i++)
		if (refbench_schemes[i] != ops)
			other = refbench_schemes[i];
	assert_non_null(other);
	kt_name(name, sizeof(name), "two");
	kt_books(&before);
	a = kt_load_live(ops, name, NULL);
	b = kt_load_live(other, name, NULL);
	assert_ptr_not_equal(a, b);
	assert_int_equal(module_list_count(), before.modules + 2);
	assert_true(ops->try_module_get(a));
	/* Deleting the other scheme's module does not see this one's reference. */
	assert_int_equal(other->delete_module(name, O_NONBLOCK), 0);
	assert_int_equal(ops->module_refcount(a), 1);
	assert_int_equal(ops->delete_module(name, O_NONBLOCK), -EWOULDBLOCK);
	ops->module_put(a);
	assert_int_equal(ops->delete_module(name, O_NONBLOCK), 0);
	kt_books_equal(&before, "%s and %s deleted", ops->name, other->name);
}

/* Notifiers see COMING, LIVE, GOING; at GOING the count is zero and gets fail. */
static void going_notifier_case(const struct scheme_ops *ops, unsigned int flags)
{
	struct note_log log = { .ops = ops, .going_get = -1, .going_state = -1 };
	struct kt_books before;
	struct module *mod;
	char name[64];

	log.name = kt_name(name, sizeof(name), flags ? "gone_nb" : "gone_w");
	kt_books(&before);
	register_module_notifier(note_fn, &log);
	mod = kt_load_live(ops, name, NULL);
	assert_true(ops->try_module_get(mod));
	ops->module_put(mod);
	assert_int_equal(ops->delete_module(name, flags), 0);
	unregister_module_notifier(note_fn, &log);

	assert_int_equal(log.n, 3);
	assert_int_equal(log.states[0], MODULE_STATE_COMING);
	assert_int_equal(log.states[1], MODULE_STATE_LIVE);
	assert_int_equal(log.states[2], MODULE_STATE_GOING);
	assert_int_equal(log.going_state, MODULE_STATE_GOING);
	/*
	 * 2009: the per-CPU counts sum to zero.  2014: try_release_module_ref()
	 * took MODULE_REF_BASE away, refcnt is 0 and module_refcount() is
	 * refcnt - MODULE_REF_BASE, i.e. -1 as unsigned, as in Linux 3.19.
	 */
	if (ops->unload_era == 2014)
		assert_int_equal(log.going_refcount, (unsigned int)-1);
	else
		assert_int_equal(log.going_refcount, 0);
	if (log.going_get != 0)
		fail_msg("%s: try_module_get() succeeded on a GOING module (delete flags %#x)",
			 ops->name, flags);
	kt_books_equal(&before, "%s after delete", ops->name);
}

static void test_going_notifier(void **state)
{
	going_notifier_case(kt_ops(state), O_NONBLOCK);
	going_notifier_case(kt_ops(state), 0);
}

/* free_module() straight after load_module(), the way a failed init ends. */
static void test_free_without_init(void **state)
{
	const struct scheme_ops *ops = kt_ops(state);
	struct load_params p = { .percpu_size = 200, .core_extra = 5000, .args = "a=1 b=2" };
	struct kt_books before;
	struct module *mod;
	char name[64];
	int err = 0;

	kt_name(name, sizeof(name), "noinit");
	kt_books(&before);
	mod = ops->load_module(name, &p, &err);
	assert_non_null(mod);
	assert_int_equal(ops->module_state(mod), MODULE_STATE_COMING);
	assert_true(ops->core_size(mod) >= 5000);
	ops->free_module(mod);
	kt_books_equal(&before, "%s after free_module", ops->name);
	assert_int_equal(ops->delete_module(name, O_NONBLOCK), -ENOENT);
	/* The name is free again. */
	mod = kt_load_live(ops, name, &p);
	assert_int_equal(ops->delete_module(name, O_NONBLOCK), 0);
	kt_books_equal(&before, "%s after reload and delete", ops->name);
}

/*
 * Every failure point of load_module: the n-th allocation fails for
 * n = 1, 2, ... until the load succeeds.  Each failure is -ENOMEM and
 * leaves every allocator's books as they were.  The allocations, in order
 * (module_lifecycle.h): the image copy, the args, the refcount storage
 * (schemes that keep counts in per-CPU units only), the module's per-CPU
 * section (if any), module memory.
 */
static void fail_nth_case(const struct scheme_ops *ops, size_t percpu_size)
{
	struct load_params p = { .percpu_size = percpu_size, .args = "x=y" };
	unsigned int expected = 3 + ref_storage_in_percpu_units(ops->ref_storage) + (percpu_size > 0);
	struct kt_books before;
	struct module *mod = NULL;
	unsigned int n;
	char name[64];

	kt_name(name, sizeof(name), percpu_size ? "fail_pcpu" : "fail");
	kt_books(&before);
	for (n = 1; n <= 32; n++) {
		int err = 0;

		refbench_fail_nth(n);
		mod = ops->load_module(name, &p, &err);
		refbench_fail_nth(0);
		if (mod)
			break;
		if (err != -ENOMEM)
			fail_msg("%s: allocation %u failing: load_module returned %d, want -ENOMEM",
				 ops->name, n, err);
		kt_books_equal(&before, "%s, percpu_size %zu, allocation %u failing",
			       ops->name, percpu_size, n);
	}
	assert_non_null(mod);
	if (n - 1 != expected)
		fail_msg("%s, percpu_size %zu: %u failure points, want %u", ops->name,
			 percpu_size, n - 1, expected);
	assert_int_equal(ops->module_state(mod), MODULE_STATE_COMING);
	assert_int_equal(ops->module_refcount(mod), 1);
	assert_int_equal(ops->do_init_module(mod), 0);
	assert_int_equal(ops->delete_module(name, O_NONBLOCK), 0);
	kt_books_equal(&before, "%s after the successful load was deleted", ops->name);
}

static void test_fail_nth(void **state)
{
	fail_nth_case(kt_ops(state), 0);
	fail_nth_case(kt_ops(state), 96);
}

/* The scheme table itself: four schemes, unique names, found by name. */
static void test_scheme_table(void **state)
{
	int n = 0;

	(void)state;
	for (int i = 0; refbench_schemes[i]; i++, n++) {
		const struct scheme_ops *ops = refbench_schemes[i];

		assert_ptr_equal(scheme_find(ops->name), ops);
		assert_non_null(strstr(scheme_names(), ops->name));
		assert_true(ops->unload_era == 2009 || ops->unload_era == 2013 ||
			    ops->unload_era == 2014 || ops->unload_era == 2018);
		assert_non_null(ops->models);
		assert_true(ops->label && ops->label[0]);
		assert_string_not_equal(ref_storage_name(ops->ref_storage), "unknown");
		assert_int_equal(scheme_index(ops), i);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(refbench_schemes[j]->name, ops->name);
	}
	/* The table is exactly the lines of schemes.def, in order. */
	{
		static const char *const ids[] = {
#define SCHEME(id) #id,
#include "schemes.def"
#undef SCHEME
		};
		assert_int_equal(n, (int)(sizeof(ids) / sizeof(ids[0])));
	}
	assert_int_equal(scheme_count(), n);
	{
		int k = 0;
#define SCHEME(id) assert_ptr_equal(refbench_schemes[k++], &scheme_##id);
#include "schemes.def"
#undef SCHEME
	}
	assert_null(scheme_find("no-such-scheme"));
}

/*
 * The module trace points (module_core.h): with the probe registered, a
 * scheme that models them (2.6.34's load-and-branch) reports exactly its
 * get and its put, the others nothing; unregistered, none reports anything.
 */
static void test_tracepoints(void **state)
{
	int modelled = 0;

	(void)state;
	for (int i = 0; refbench_schemes[i]; i++) {
		const struct scheme_ops *ops = refbench_schemes[i];
		char name[MODULE_NAME_LEN];
		struct module *mod;
		unsigned long before, got;

		if (ops->unavailable && ops->unavailable())
			continue;
		mod = kt_load_live(ops, kt_name(name, sizeof(name), "trace"), NULL);
		before = tracepoint_module_hits();
		assert_true(ops->try_module_get(mod));
		ops->module_put(mod);
		assert_int_equal(tracepoint_module_hits(), before);

		tracepoint_module_enable(true);
		before = tracepoint_module_hits();
		assert_true(ops->try_module_get(mod));
		ops->module_put(mod);
		got = tracepoint_module_hits() - before;
		tracepoint_module_enable(false);
		if (got != 0 && got != 2)
			fail_msg("%s: %lu trace events for one get and one put", ops->name, got);
		modelled += got == 2;
		assert_int_equal(ops->module_refcount(mod), 0);
		ops->free_module(mod);
	}
	assert_true(modelled > 0);
}

int main(void)
{
	static struct kt_suite s;

	kt_setup(PERCPU_UNIT_DEFAULT);
	kt_add(&s, "scheme_table", test_scheme_table, NULL);
	kt_add_schemes(&s, "lifecycle", test_lifecycle);
	kt_add_schemes(&s, "waiting_delete_unused", test_waiting_delete_unused);
	kt_add_schemes(&s, "errors", test_errors);
	kt_add_schemes(&s, "same_name_other_scheme", test_same_name_other_scheme);
	kt_add_schemes(&s, "going_notifier", test_going_notifier);
	kt_add_schemes(&s, "free_without_init", test_free_without_init);
	kt_add_schemes(&s, "fail_nth", test_fail_nth);
	kt_add(&s, "tracepoints", test_tracepoints, NULL);
	return kt_run(&s, "lifecycle");
}
