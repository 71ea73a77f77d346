/*
 * test_kernels.c - configuration and CPU registration of the kernel models
 * (kernels/cpu.c), and the memory footprint facts of every scheme: what
 * the refcount costs a module at a given NR_CPUS and line size, where each
 * CPU's count is, and the shape of vmalloc-like module memory (page
 * alignment, guard page).
 */
#include "kernels_test_util.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>

static void expect_settings(unsigned int nr_cpus, unsigned int line, unsigned int ids)
{
	assert_int_equal(NR_CPUS, nr_cpus);
	assert_int_equal(L1_CACHE_BYTES, line);
	assert_int_equal(nr_cpu_ids, ids);
}

/* configure() must refuse with a message holding every fragment given. */
static void expect_refused(unsigned int nr, unsigned int line, unsigned int ids,
			   const char *frag1, const char *frag2)
{
	char err[256] = "";

	if (refbench_configure(nr, line, ids, err, sizeof(err)) != -1)
		fail_msg("refbench_configure(%u, %u, %u) was accepted", nr, line, ids);
	if (!strstr(err, frag1) || (frag2 && !strstr(err, frag2)))
		fail_msg("refbench_configure(%u, %u, %u): message '%s' lacks '%s'%s%s", nr, line,
			 ids, err, frag1, frag2 ? " or " : "", frag2 ? frag2 : "");
	assert_null(strchr(err, '\n'));
	expect_settings(KT_NR_CPUS, KT_LINE, kt_ncpus);
}

static void test_configure_ranges(void **state)
{
	char err[256] = "";

	(void)state;
	expect_refused(0, 128, 1, "NR_CPUS 0", "accepted");
	expect_refused(8193, 128, 2, "8193", "accepted");
	expect_refused(64, 32, kt_ncpus, "32", "64 or 128");
	expect_refused(64, 256, kt_ncpus, "256", "64 or 128");
	expect_refused(64, 0, kt_ncpus, "0", "64 or 128");
	expect_refused(8, 128, 9, "nr_cpu_ids 9", "NR_CPUS=8");
	expect_refused(64, 128, 0, "nr_cpu_ids 0", "accepted");
	/* nr_cpu_ids cannot change while per-CPU areas exist.  With one CPU
	 * described, the only other value (2) is refused first for want of a
	 * second CPU. */
	if (kt_ncpus == 1)
		expect_refused(64, 128, 2, "nr_cpu_ids 2", "described");
	else
		expect_refused(64, 128, 1, "nr_cpu_ids", "per-CPU");

	/* Limits that are accepted, with nothing laid out. */
	assert_int_equal(refbench_configure(8192, 64, kt_ncpus, err, sizeof(err)), 0);
	expect_settings(8192, 64, kt_ncpus);
	assert_int_equal(refbench_configure(kt_ncpus, 128, kt_ncpus, err, sizeof(err)), 0);
	expect_settings(kt_ncpus, 128, kt_ncpus);
	assert_int_equal(refbench_configure(KT_NR_CPUS, KT_LINE, kt_ncpus, err, sizeof(err)), 0);
	expect_settings(KT_NR_CPUS, KT_LINE, kt_ncpus);
}

/* The first scheme with this storage, or the test fails. */
static const struct scheme_ops *scheme_with_storage(enum ref_storage st)
{
	for (int i = 0; refbench_schemes[i]; i++)
		if (refbench_schemes[i]->ref_storage == st)
			return refbench_schemes[i];
	fail_msg("no scheme keeps its counts as %s", ref_storage_name(st));
	return NULL;
}

static void test_configure_while_loaded(void **state)
{
	/* The NR_CPUS array is the layout that NR_CPUS and the line size shape. */
	const struct scheme_ops *ops = scheme_with_storage(REF_STORAGE_EMBEDDED_ARRAY);
	char err[256] = "", name[64];
	struct module *mod;

	(void)state;
	kt_name(name, sizeof(name), "cfg");
	mod = kt_load_live(ops, name, NULL);
	assert_true(refbench_layout_users >= 1);
	expect_refused(128, 128, kt_ncpus, "NR_CPUS", "module");
	expect_refused(64, 64, kt_ncpus, "line size", "module");
	/* The same values are no change, accepted. */
	assert_int_equal(refbench_configure(KT_NR_CPUS, KT_LINE, kt_ncpus, err, sizeof(err)), 0);
	/* The module still works with the layout it was built with. */
	assert_true(ops->try_module_get(mod));
	assert_int_equal(ops->module_refcount(mod), 1);
	ops->module_put(mod);
	assert_int_equal(ops->delete_module(name, O_NONBLOCK), 0);
	assert_int_equal(refbench_layout_users, 0);
	assert_int_equal(refbench_configure(128, 64, kt_ncpus, err, sizeof(err)), 0);
	assert_int_equal(refbench_configure(KT_NR_CPUS, KT_LINE, kt_ncpus, err, sizeof(err)), 0);
}

/*
 * The refusal while modules exist names the value that was refused (the
 * contract's "one-line error naming the value").  The module is deleted
 * before anything is asserted, so that a failure here leaves no module
 * behind for the tests after it.
 */
static void test_configure_while_loaded_names_value(void **state)
{
	const struct scheme_ops *ops = scheme_with_storage(REF_STORAGE_PERCPU);
	char err_nr[256] = "", err_line[256] = "", err[256] = "", name[64];
	int rc_nr, rc_line;

	(void)state;
	kt_name(name, sizeof(name), "cfgv");
	kt_load_live(ops, name, NULL);
	rc_nr = refbench_configure(4096, 128, kt_ncpus, err_nr, sizeof(err_nr));
	rc_line = refbench_configure(64, 64, kt_ncpus, err_line, sizeof(err_line));
	assert_int_equal(ops->delete_module(name, O_NONBLOCK), 0);
	assert_int_equal(refbench_configure(KT_NR_CPUS, KT_LINE, kt_ncpus, err, sizeof(err)), 0);

	assert_int_equal(rc_nr, -1);
	assert_int_equal(rc_line, -1);
	if (!strstr(err_nr, "4096"))
		fail_msg("NR_CPUS 4096 refused while a module exists, but the message does not "
			 "name 4096: '%s'", err_nr);
	if (!strstr(err_line, "64"))
		fail_msg("line size 64 refused while a module exists, but the message does not "
			 "name 64: '%s'", err_line);
}

static void test_cpus_set_errors(void **state)
{
	char err[256] = "";
	struct refbench_cpu one = { 0, 0 };

	(void)state;
	assert_int_equal(refbench_cpus_set(&one, 0, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "CPU count 0"));
	err[0] = '\0';
	assert_int_equal(refbench_cpus_set(&one, 1, err, sizeof(err)), -1);  /* units exist */
	assert_non_null(strstr(err, "per-CPU"));
	/* The main thread is pinned to one CPU now: two cannot be found. */
	err[0] = '\0';
	assert_int_equal(refbench_cpus_from_affinity(2, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "2 CPUs requested"));
	assert_int_equal(nr_cpu_ids, kt_ncpus);
}

/* ---- registration ------------------------------------------------------- */

struct reg_try {
	int pin;        /* dense CPU to pin to, -1: every CPU of the run */
	int cpu;        /* id to register as */
	int unregister_and_again;
	int rc, rc2;
	char err[256];
};

static void *reg_thread(void *arg)
{
	struct reg_try *r = arg;

	if (r->pin >= 0)
		kt_pin_self(r->pin);
	else
		kt_unpin_self();
	r->rc = cpu_register(r->cpu, r->err, sizeof(r->err));
	if (r->rc == 0 && r->unregister_and_again) {
		cpu_unregister();
		r->rc2 = refbench_this_cpu == -1 ? cpu_register(r->cpu, r->err, sizeof(r->err)) : -9;
	}
	if (r->rc == 0)
		cpu_unregister();
	return NULL;
}

static struct reg_try reg_run(int pin, int cpu, int again)
{
	struct reg_try r = { .pin = pin, .cpu = cpu, .unregister_and_again = again, .rc2 = -7 };
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, reg_thread, &r), 0);
	assert_int_equal(kt_join(t), 0);
	return r;
}

static void test_register_errors(void **state)
{
	char err[256] = "";
	struct reg_try r;

	(void)state;
	assert_int_equal(cpu_register((int)kt_ncpus, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "out of range"));
	assert_int_equal(cpu_register(-1, err, sizeof(err)), -1);
	assert_int_equal(cpu_register(0, err, sizeof(err)), -1);   /* main is CPU 0 already */
	assert_non_null(strstr(err, "already registered"));
	assert_int_equal(refbench_this_cpu, 0);

	/* Pinned to CPU 0, but CPU 0 has its thread (the main thread). */
	r = reg_run(0, 0, 0);
	assert_int_equal(r.rc, -1);
	assert_non_null(strstr(r.err, "already has a registered thread"));
	if (kt_ncpus < 2) {
		fprintf(stderr, "skipped: the rest needs two CPUs this process may run on\n");
		skip();
	}
	/* Not pinned at all. */
	r = reg_run(-1, 1, 0);
	assert_int_equal(r.rc, -1);
	assert_non_null(strstr(r.err, "must be bound to exactly"));
	assert_non_null(strstr(r.err, "2 CPUs"));
	/* Pinned, but to the other CPU. */
	r = reg_run(1, 0, 0);
	assert_int_equal(r.rc, -1);
	assert_non_null(strstr(r.err, "must be bound to exactly"));
	/* Pinned right: registers, unregisters, registers again. */
	r = reg_run(1, 1, 1);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.rc2, 0);
}

/* A thread that never registered aborts with a message on its first get. */
static void test_unregistered_use_aborts(void **state)
{
	(void)state;
	for (int i = 0; refbench_schemes[i]; i++) {
		const struct scheme_ops *ops = refbench_schemes[i];
		int fds[2], status = 0;
		char buf[512] = "";
		ssize_t got, n = 0;
		pid_t pid;

		assert_int_equal(pipe(fds), 0);
		fflush(NULL);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			static const struct load_params none;
			struct module *mod;
			int err = 0;

			dup2(fds[1], STDERR_FILENO);
			alarm(10);
			cpu_unregister();
			mod = ops->load_module("kt_unregistered", &none, &err);
			if (!mod)
				_exit(20);
			ops->try_module_get(mod);   /* must abort */
			_exit(21);
		}
		close(fds[1]);
		while (n < (ssize_t)sizeof(buf) - 1 &&
		       (got = read(fds[0], buf + n, sizeof(buf) - 1 - (size_t)n)) > 0)
			n += got;
		close(fds[0]);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT)
			fail_msg("%s: unregistered try_module_get: child status %#x, want SIGABRT",
				 ops->name, status);
		if (!strstr(buf, "cpu_register"))
			fail_msg("%s: abort message '%s' does not name cpu_register()", ops->name, buf);
	}
}

/* ---- footprint ---------------------------------------------------------- */

static int is_array(const struct scheme_ops *ops)
{
	return ops->ref_storage == REF_STORAGE_EMBEDDED_ARRAY;
}

/* Load a module under the given layout and check the refcount's size and place. */
static void footprint_case(const struct scheme_ops *ops, unsigned int nr, unsigned int line,
			   size_t want_array_bytes)
{
	char err[256] = "", name[64];
	struct kt_books before;
	struct module *mod;
	size_t want;

	if (refbench_configure(nr, line, kt_ncpus, err, sizeof(err)) != 0)
		fail_msg("configure(%u, %u): %s", nr, line, err);
	kt_name(name, sizeof(name), "fp");
	kt_books(&before);
	mod = kt_load_live(ops, name, NULL);

	/* What a count is: a cache line, one per-CPU slot, or one shared word. */
	if (is_array(ops))
		assert_int_equal(ops->ref_cpu_bytes(), line);
	else
		assert_true(ops->ref_cpu_bytes() >= 4 && ops->ref_cpu_bytes() <= 16);
	if (is_array(ops))
		want = want_array_bytes;
	else if (ref_storage_in_percpu_units(ops->ref_storage))
		want = nr_cpu_ids * ops->ref_cpu_bytes() +
		       (ops->ref_storage == REF_STORAGE_PERCPU_ATOMIC ? sizeof(long) : 0);
	else
		want = ops->ref_cpu_bytes();
	if (ops->ref_bytes(mod) != want)
		fail_msg("%s at NR_CPUS=%u line %u: ref_bytes %zu, want %zu", ops->name, nr, line,
			 ops->ref_bytes(mod), want);
	assert_int_equal(ops->embedded_bytes(), is_array(ops) ? want_array_bytes : 0);
	assert_true(ops->core_size(mod) >= ops->embedded_bytes() + sizeof(void *));

	/* Where each CPU's count is. */
	for (int cpu = 0; cpu < (int)nr_cpu_ids; cpu++) {
		char *a = ops->ref_cpu_addr(mod, cpu), *a0 = ops->ref_cpu_addr(mod, 0);

		if (is_array(ops)) {
			/* Inside struct module, one line per CPU, line-aligned. */
			assert_true(a >= (char *)mod && a + line <= (char *)mod + ops->core_size(mod));
			assert_int_equal(a - a0, (ptrdiff_t)cpu * line);
			assert_int_equal((uintptr_t)a % line, 0);
		} else if (ref_storage_in_percpu_units(ops->ref_storage)) {
			/* In CPU cpu's unit, at the same offset in every unit. */
			char *u = percpu_unit_base(cpu), *u0 = percpu_unit_base(0);
			assert_int_equal(a - u, a0 - u0);
			assert_true(a < (char *)mod || a >= (char *)mod + ops->core_size(mod));
		} else {
			assert_ptr_equal(a, a0);
			assert_true(a >= (char *)mod && a < (char *)mod + ops->core_size(mod));
		}
	}
	/* refcount walks all NR_CPUS lines: a get on CPU 0 is counted once. */
	assert_true(ops->try_module_get(mod));
	assert_int_equal(ops->module_refcount(mod), 1);
	ops->module_put(mod);
	assert_int_equal(ops->delete_module(name, O_NONBLOCK), 0);
	kt_books_equal(&before, "%s at NR_CPUS=%u", ops->name, nr);
	assert_int_equal(refbench_configure(KT_NR_CPUS, KT_LINE, kt_ncpus, err, sizeof(err)), 0);
}

static void test_footprint(void **state)
{
	const struct scheme_ops *ops = kt_ops(state);

	footprint_case(ops, 4096, 128, 524288);
	footprint_case(ops, 8, 128, 1024);
	footprint_case(ops, 8, 64, 512);
}

/* Pages of [p, p + len) resident now, out of len / page. */
static size_t resident_pages(void *p, size_t len)
{
	size_t pg = MODULE_MEM_PAGE, n = 0;
	unsigned char *vec = calloc(len / pg, 1);

	assert_non_null(vec);
	assert_int_equal(mincore(p, len, vec), 0);
	for (size_t k = 0; k < len / pg; k++)
		n += vec[k] & 1;
	free(vec);
	return n;
}

/*
 * Module memory of either page size: a page-aligned core with struct module
 * at its layout offset, zeroed (resident), a guard page that is never handed
 * out, the books right, and for 4 KiB pages the pages given back on free.
 */
static void module_memory_case(unsigned int pages)
{
	const struct scheme_ops *ops = refbench_schemes[0];
	static const size_t befores[] = { 0, 128, 4096 + 384, 40960 };
	static const size_t extras[] = { 0, 1, 4096, 10000 };
	bool small = pages == MODULE_MEM_PAGE;

	for (size_t i = 0; i < sizeof(extras) / sizeof(extras[0]); i++) {
		struct load_params p = { .core_before = befores[i], .core_extra = extras[i],
					 .module_pages = pages };
		struct module_mem_stats before, mid, after;
		struct module *mod, *next;
		char name[64], name2[64];
		size_t mapped;
		char *core;

		module_mem_get_stats(&before);
		mod = kt_load_live(ops, kt_name(name, sizeof(name), "mm"), &p);
		core = ops->module_core(mod);
		assert_int_equal((uintptr_t)core % MODULE_MEM_PAGE, 0);
		assert_ptr_equal((char *)mod, core + befores[i]);
		assert_int_equal(ops->module_mem(mod), small ? MODULE_MEM_VMALLOC : MODULE_MEM_POOL);
		mapped = (ops->core_size(mod) + MODULE_MEM_PAGE - 1) / MODULE_MEM_PAGE * MODULE_MEM_PAGE;
		module_mem_get_stats(&mid);
		if (small) {
			assert_int_equal(mid.vmalloc_areas, before.vmalloc_areas + 1);
			assert_int_equal(mid.vmalloc_mapped, before.vmalloc_mapped + mapped);
			assert_int_equal(mid.vmalloc_requested,
					 before.vmalloc_requested + ops->core_size(mod));
			assert_int_equal(mid.vmalloc_guard, before.vmalloc_guard + MODULE_MEM_PAGE);
		} else {
			assert_int_equal(mid.pool_in_use, before.pool_in_use + mapped);
		}
		/* Every page of the core was touched (zeroed) at allocation. */
		assert_int_equal(resident_pages(core, mapped), mapped / MODULE_MEM_PAGE);
		/* The guard page is never handed out: the next core starts after it. */
		next = kt_load_live(ops, kt_name(name2, sizeof(name2), "mm"), &p);
		assert_true((char *)ops->module_core(next) >= core + mapped + MODULE_MEM_PAGE ||
			    (char *)ops->module_core(next) + mapped + MODULE_MEM_PAGE <= core);
		assert_int_equal(ops->delete_module(name2, O_NONBLOCK), 0);

		assert_int_equal(ops->delete_module(name, O_NONBLOCK), 0);
		module_mem_get_stats(&after);
		assert_int_equal(after.vmalloc_areas, before.vmalloc_areas);
		assert_int_equal(after.vmalloc_mapped, before.vmalloc_mapped);
		assert_int_equal(after.vmalloc_guard, before.vmalloc_guard);
		assert_int_equal(after.pool_in_use, before.pool_in_use);
		/* vfree gives the pages back; the pool (slab) keeps them. */
		if (small)
			assert_int_equal(resident_pages(core, mapped), 0);
	}
	if (small)
		assert_int_equal(module_mem_vmalloc_hugepage_bytes(), 0);
}

static void test_module_memory_4k(void **state)
{
	(void)state;
	module_memory_case(MODULE_MEM_PAGE);
}

static void test_module_memory_2m(void **state)
{
	(void)state;
	module_memory_case(2u << 20);
}

/* Packed cores are back to back, MODULE_MEM_ALIGN apart, struct module first. */
static void test_module_memory_packed(void **state)
{
	const struct scheme_ops *ops = refbench_schemes[0];
	struct load_params p = { .packed = true, .module_pages = 2u << 20, .core_extra = 1000 };
	char a[64], b[64];
	struct module *m1, *m2;
	size_t step;

	(void)state;
	m1 = kt_load_live(ops, kt_name(a, sizeof(a), "pk"), &p);
	m2 = kt_load_live(ops, kt_name(b, sizeof(b), "pk"), &p);
	step = (ops->core_size(m1) + MODULE_MEM_ALIGN - 1) / MODULE_MEM_ALIGN * MODULE_MEM_ALIGN;
	assert_ptr_equal(ops->module_core(m1), m1);
	assert_int_equal((uintptr_t)m1 % MODULE_MEM_ALIGN, 0);
	assert_int_equal((char *)m2 - (char *)m1, (ptrdiff_t)step);
	assert_int_equal(ops->delete_module(b, O_NONBLOCK), 0);
	assert_int_equal(ops->delete_module(a, O_NONBLOCK), 0);
}

/*
 * More core sizes than the allocator ever had classes for (it had 32, and
 * the 33rd size was handed out with no class, then crashed on free): every
 * size gets its free list, frees balance the books, and a freed core of a
 * size is what the next allocation of that size gets.
 */
static void test_module_memory_many_sizes(void **state)
{
	enum { N = 80 };
	struct module_mem_stats before, mid, after;
	void *p[N], *again;

	(void)state;
	module_mem_get_stats(&before);
	for (int i = 0; i < N; i++) {
		p[i] = module_mem_alloc(MODULE_MEM_POOL, 1000 + (size_t)i * 4096, i % 2);
		assert_non_null(p[i]);
	}
	module_mem_get_stats(&mid);
	assert_true(mid.classes >= before.classes + N / 2);
	for (int i = 0; i < N; i++)
		module_mem_free(MODULE_MEM_POOL, p[i]);
	module_mem_get_stats(&after);
	assert_int_equal(after.pool_in_use, before.pool_in_use);
	again = module_mem_alloc(MODULE_MEM_POOL, 1000 + 33 * 4096, true);
	assert_ptr_equal(again, p[33]);
	module_mem_free(MODULE_MEM_POOL, again);
}

/*
 * A core comes zeroed and with its pages present, whether fresh from the
 * region (faulted in by MADV_POPULATE_WRITE) or reused after a free (memset),
 * in both regions, packed or not.
 */
static void test_module_memory_zero_and_present(void **state)
{
	static const enum module_mem_kind kinds[] = { MODULE_MEM_POOL, MODULE_MEM_VMALLOC };
	long page = sysconf(_SC_PAGESIZE);

	(void)state;
	for (int k = 0; k < 2; k++) {
		for (int round = 0; round < 2; round++) {
			size_t size = 3 * (size_t)page + 200;
			unsigned char *p = module_mem_alloc(kinds[k], size, round == 1);
			uintptr_t lo, hi;
			unsigned char *vec;

			assert_non_null(p);
			for (size_t i = 0; i < size; i++)
				if (p[i])
					fail_msg("kind %d round %d: byte %zu is %d", k, round, i, p[i]);
			lo = (uintptr_t)p & ~(uintptr_t)(page - 1);
			hi = ((uintptr_t)p + size + page - 1) & ~(uintptr_t)(page - 1);
			vec = calloc((hi - lo) / page, 1);
			assert_non_null(vec);
			assert_int_equal(mincore((void *)lo, hi - lo, vec), 0);
			for (size_t i = 0; i < (hi - lo) / (size_t)page; i++)
				if (!(vec[i] & 1))
					fail_msg("kind %d round %d: page %zu not present", k, round, i);
			free(vec);
			memset(p, 0xa5, size);          /* the next round reuses it */
			module_mem_free(kinds[k], p);
		}
		/* the freed core of that size, dirtied, comes back zero */
		unsigned char *q = module_mem_alloc(kinds[k], 3 * (size_t)page + 200, true);
		assert_non_null(q);
		for (size_t i = 0; i < 3 * (size_t)page + 200; i++)
			if (q[i])
				fail_msg("kind %d reused: byte %zu is %d", k, i, q[i]);
		module_mem_free(kinds[k], q);
	}
}

/* Every scheme's module memory is the kind it declares, at least line-aligned. */
static void test_pool_alignment(void **state)
{
	int pools = 0;

	(void)state;
	for (int i = 0; refbench_schemes[i]; i++) {
		const struct scheme_ops *ops = refbench_schemes[i];
		char name[64];
		struct module *mod;

		pools += ops->mem_kind == MODULE_MEM_POOL;
		mod = kt_load_live(ops, kt_name(name, sizeof(name), "pool"), NULL);
		assert_int_equal(ops->module_mem(mod), ops->mem_kind);
		if ((uintptr_t)mod % MODULE_MEM_ALIGN != 0)
			fail_msg("%s: module memory at %p, not %d-byte aligned", ops->name,
				 (void *)mod, MODULE_MEM_ALIGN);
		assert_int_equal(ops->delete_module(name, O_NONBLOCK), 0);
	}
	assert_true(pools > 0);
}

int main(void)
{
	static struct kt_suite s;

	kt_setup(PERCPU_UNIT_DEFAULT);
	kt_add(&s, "configure_ranges", test_configure_ranges, NULL);
	kt_add(&s, "configure_while_loaded", test_configure_while_loaded, NULL);
	kt_add(&s, "configure_while_loaded_names_value", test_configure_while_loaded_names_value,
	       NULL);
	kt_add(&s, "cpus_set_errors", test_cpus_set_errors, NULL);
	kt_add(&s, "register_errors", test_register_errors, NULL);
	kt_add(&s, "unregistered_use_aborts", test_unregistered_use_aborts, NULL);
	kt_add_schemes(&s, "footprint", test_footprint);
	kt_add(&s, "module_memory_4k", test_module_memory_4k, NULL);
	kt_add(&s, "module_memory_2m", test_module_memory_2m, NULL);
	kt_add(&s, "module_memory_packed", test_module_memory_packed, NULL);
	kt_add(&s, "module_memory_many_sizes", test_module_memory_many_sizes, NULL);
	kt_add(&s, "module_memory_zero_and_present", test_module_memory_zero_and_present, NULL);
	kt_add(&s, "pool_alignment", test_pool_alignment, NULL);
	return kt_run(&s, "kernels");
}
