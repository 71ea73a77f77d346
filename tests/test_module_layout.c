/*
 * test_module_layout.c - struct module where the kernel's layout puts it:
 * the table of real module layouts, the reproducible draw, and the offsets
 * modules really get under each in-page placement, for every scheme.
 */
#include "kernels_test_util.h"
#include "controls.h"
#include "module_layout.h"
#include "scenarios.h"

#include <fcntl.h>
#include <unistd.h>

#define N_MODS 64

static void test_builtin_table(void **state)
{
	char err[256] = "";

	(void)state;
	assert_int_equal(module_layout_load(NULL, err, sizeof(err)), 0);
	assert_true(module_layout_rows() > 4000);
	assert_non_null(strstr(module_layout_source(), "built-in"));
}

/* The same (seed, index) draws the same layout; another seed another one. */
static void test_draw_reproducible(void **state)
{
	struct load_params a, b;
	int differ = 0;

	(void)state;
	module_layout_set_seed(1);
	for (unsigned int i = 0; i < N_MODS; i++) {
		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		module_layout_params(i, LAYOUT_OFFSET_KERNEL, 128, &a);
		module_layout_params(i, LAYOUT_OFFSET_KERNEL, 128, &b);
		assert_memory_equal(&a, &b, sizeof(a));
		assert_int_equal(a.core_before % 128, 0);
		module_layout_set_seed(2);
		module_layout_params(i, LAYOUT_OFFSET_KERNEL, 128, &b);
		module_layout_set_seed(1);
		differ += a.core_before != b.core_before;
	}
	assert_true(differ > N_MODS / 2);
}

/* Page offsets of struct module for N_MODS modules of @ops under @mode. */
static unsigned int distinct_page_offsets(const struct scheme_ops *ops, enum layout_offset mode,
					  unsigned int pages)
{
	struct scenario_args a = { .module_pages = pages, .offset = mode };
	bool seen[4096 / 64] = { false };
	char names[N_MODS][64];
	struct module *mods[N_MODS];
	unsigned int distinct = 0;

	for (unsigned int i = 0; i < N_MODS; i++) {
		struct load_params p = { 0 };
		uintptr_t off;

		scenario_load_params(&a, i, &p);
		mods[i] = kt_load_live(ops, kt_name(names[i], sizeof(names[i]), "lay"), &p);
		off = (uintptr_t)mods[i] % 4096;
		assert_int_equal(off % 64, 0);
		distinct += !seen[off / 64];
		seen[off / 64] = true;
		/* The core holds what lies before struct module. */
		assert_ptr_equal((char *)ops->module_core(mods[i]) + p.core_before, (char *)mods[i]);
	}
	for (unsigned int i = 0; i < N_MODS; i++)
		assert_int_equal(ops->delete_module(names[i], O_NONBLOCK), 0);
	return distinct;
}

static void test_offsets_vary_under_kernel(void **state)
{
	const struct scheme_ops *ops = kt_ops(state);

	module_layout_set_seed(1);
	for (unsigned int pages = 4096; pages <= (2u << 20); pages *= 512) {
		unsigned int k = distinct_page_offsets(ops, LAYOUT_OFFSET_KERNEL, pages);
		if (k < 8)
			fail_msg("%s, %u-byte pages: only %u distinct page offsets of struct module "
				 "among %d modules under offset=kernel", ops->name, pages, k, N_MODS);
		assert_int_equal(distinct_page_offsets(ops, LAYOUT_OFFSET_PAGE_ALIGNED, pages), 1);
	}
}

/* The control loop's idea of where an array scheme's counts start is the model's. */
static void test_control_header_matches_model(void **state)
{
	char name[64];

	(void)state;
	for (int i = 0; refbench_schemes[i]; i++) {
		const struct scheme_ops *ops = refbench_schemes[i];
		struct module *mod;

		if (ops->ref_storage != REF_STORAGE_EMBEDDED_ARRAY)
			continue;
		mod = kt_load_live(ops, kt_name(name, sizeof(name), "hdr"), NULL);
		assert_int_equal((char *)ops->ref_cpu_addr(mod, 0) - (char *)mod, CONTROL_HEADER);
		assert_int_equal(ops->delete_module(name, O_NONBLOCK), 0);
	}
}

static void test_bad_files(void **state)
{
	char path[512], err[512];
	const char *tmp = getenv("TMPDIR");
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/refbench-layout-XXXXXX", tmp && *tmp ? tmp : P_tmpdir);
	assert_int_equal(module_layout_load("/nonexistent/x.csv", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/x.csv"));
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_true(write(fd, "module,core_size,core_text_size,this_module_offset,this_module_size,"
			  "this_module_align\na,100,1,90,30,64\n", 104) == 104);
	close(fd);
	assert_int_equal(module_layout_load(path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "line 2"));
	assert_null(strchr(err, '\n'));
	unlink(path);
	/* Back to the built-in table for whatever runs next. */
	assert_int_equal(module_layout_load(NULL, err, sizeof(err)), 0);
}

int main(void)
{
	static struct kt_suite s;

	kt_setup(PERCPU_UNIT_DEFAULT);
	kt_add(&s, "builtin_table", test_builtin_table, NULL);
	kt_add(&s, "draw_reproducible", test_draw_reproducible, NULL);
	kt_add_schemes(&s, "offsets_vary_under_kernel", test_offsets_vary_under_kernel);
	kt_add(&s, "control_header_matches_model", test_control_header_matches_model, NULL);
	kt_add(&s, "bad_files", test_bad_files, NULL);
	return kt_run(&s, "module_layout");
}
