/*
 * register.c - every (scenario, scheme, setting) benchmark of a run, named
 * scenario/scheme/key:value/..., registered with Google Benchmark.  It walks
 * the scheme tables (refbench_scenarios[], built from kernels/schemes.def)
 * and knows no scheme by name.
 */
#include "cli.h"
#include "compat.h"
#include "controls.h"
#include "gbench.h"
#include "harness.h"
#include "percpu_alloc.h"
#include "scenarios.h"
#include "scheme.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const unsigned int read_nr_cpus[] = { 8, 64, 512, 4096, 8192 };


/* The pages a scheme's modules get under @pages: 4096 or 2 MiB. */
static unsigned int pages_for(const struct scheme_ops *o, enum layout_pages pages)
{
	if (pages == LAYOUT_PAGES_SCHEME)
		return o->mem_kind == MODULE_MEM_VMALLOC ? 4096u : 2u << 20;
	return pages == LAYOUT_PAGES_4K ? 4096u : 2u << 20;
}

static const char *pages_name(unsigned int bytes)
{
	return bytes == 4096u ? "4k" : "2m";
}

/* Arguments of one registered benchmark; they live as long as the run. */
static struct scenario_args *new_args(unsigned int nr_cpus, unsigned int modules, bool zipf,
				      unsigned int pages, enum layout_offset offset)
{
	struct scenario_args *a = malloc(sizeof(*a));

	if (!a)
		die("out of memory registering benchmarks");
	a->nr_cpus = nr_cpus;
	a->modules = modules;
	a->zipf = zipf;
	a->module_pages = pages;
	a->offset = offset;
	a->hold_us = 0;
	return a;
}

/* An unload whose getters hold a reference this long runs UNLOAD_LONG_CYCLES cycles. */
#define UNLOAD_LONG_HOLD_US 1000u
#define UNLOAD_LONG_CYCLES 24

static rb_bench *add(const char *name, rb_fn fn, void *arg, const int *threads, int nr)
{
	rb_bench *b = rb_register(name, fn, arg);

	rb_bench_use_manual_time(b);
	if (run_cfg.iterations)
		rb_bench_iterations(b, run_cfg.iterations);
	for (int i = 0; i < nr; i++)
		rb_bench_threads(b, threads[i]);
	return b;
}

/* "pages:4k/offset:kernel": the layout part of every benchmark's name. */
static const char *layout_suffix(unsigned int pages, enum layout_offset offset)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), "pages:%s/offset:%s", pages_name(pages), layout_offset_name(offset));
	return buf;
}

/* "pages:4k/offset:kernel/codegen:kernel": the same for a scheme's benchmarks. */
static const char *scheme_suffix(const struct scenario_fns *f, unsigned int pages,
				 enum layout_offset offset)
{
	static char buf[96];

	snprintf(buf, sizeof(buf), "%s/codegen:%s", layout_suffix(pages, offset), f->codegen);
	return buf;
}

/* Which of a scenario table's benchmarks a run asked for. */
struct wanted {
	bool own;    /* the table's own codegen (kernel or inline) */
	bool plain;  /* spread's plain control, from the kernel table's loaded modules */
};

/*
 * Spread on @a, and right after it (the same arguments, so the loaded
 * modules are kept) its plain control, one thread, uniform.
 */
static void add_spread(const struct scenario_fns *f, struct wanted w, const char *name,
		       struct scenario_args *a, const int *threads, int nr)
{
	char plain[256], *cg;

	if (w.own)
		add(name, f->spread, a, threads, nr);
	if (!w.plain || !f->spread_plain || a->zipf)
		return;
	snprintf(plain, sizeof(plain), "%s", name);
	if ((cg = strstr(plain, "/codegen:")))
		snprintf(cg, sizeof(plain) - (size_t)(cg - plain), "/codegen:plain");
	add(plain, f->spread_plain, a, (const int[]){ 1 }, 1);
}

static void register_spread(const struct scenario_fns *f, struct wanted w)
{
	unsigned int nc = run_cfg.nr_cpus, line = run_cfg.line, m = run_cfg.modules;
	unsigned int pg = pages_for(f->scheme, opt.pages);
	int one[] = { 1 }, lo_hi[2] = { 1, run_cfg.max_threads };
	int nr_lo_hi = run_cfg.max_threads > 1 ? 2 : 1;
	char name[256];

	for (int z = 0; z < 2; z++) {
		snprintf(name, sizeof(name), "spread/%s/modules:%u/dist:%s/nr_cpus:%u/line:%u/%s",
			 f->scheme->name, m, z ? "zipf" : "uniform", nc, line,
			 scheme_suffix(f, pg, opt.offset));
		add_spread(f, w, name, new_args(nc, m, z, pg, opt.offset), lo_hi, nr_lo_hi);
	}
	/* The working-set sweep: one thread, uniform. */
	for (int k = 0; k < opt.nr_spread_modules; k++) {
		unsigned int sm = opt.spread_modules[k];
		if (sm == m)
			continue;
		snprintf(name, sizeof(name), "spread/%s/modules:%u/dist:uniform/nr_cpus:%u/line:%u/%s",
			 f->scheme->name, sm, nc, line, scheme_suffix(f, pg, opt.offset));
		add_spread(f, w, name, new_args(nc, sm, false, pg, opt.offset), one, 1);
	}
	/* Further layouts (the page size x in-page placement matrix): one thread, uniform. */
	for (int k = 0; k < opt.nr_layouts; k++) {
		unsigned int lp = pages_for(f->scheme, opt.layouts[k].pages);
		enum layout_offset lo = opt.layouts[k].offset;
		if (lp == pg && lo == opt.offset)
			continue;
		snprintf(name, sizeof(name), "spread/%s/modules:%u/dist:uniform/nr_cpus:%u/line:%u/%s",
			 f->scheme->name, m, nc, line, scheme_suffix(f, lp, lo));
		add_spread(f, w, name, new_args(nc, m, false, lp, lo), one, 1);
	}
}

static void register_read(const struct scenario_fns *f)
{
	unsigned int pg = pages_for(f->scheme, opt.pages);
	int one[] = { 1 }, max[] = { run_cfg.max_threads };
	char name[256];

	for (size_t k = 0; k < sizeof(read_nr_cpus) / sizeof(read_nr_cpus[0]); k++) {
		unsigned int rn = read_nr_cpus[k];
		/* NR_CPUS below the possible CPUs is no kernel. */
		if (rn < nr_cpu_ids)
			continue;
		for (int busy = 0; busy < 2; busy++) {
			if (busy && run_cfg.max_threads < 2)
				continue;
			snprintf(name, sizeof(name), "read/%s/nr_cpus:%u/line:%u/load:%s/"
				 "percpu_unit:%zu/percpu_pages:%s/%s",
				 f->scheme->name, rn, run_cfg.line, busy ? "busy" : "idle",
				 percpu_unit_size(), run_cfg.percpu_small_pages ? "4k" : "2m",
				 scheme_suffix(f, pg, opt.offset));
			add(name, f->read, new_args(rn, run_cfg.modules, false, pg, opt.offset),
			    busy ? max : one, 1);
		}
	}
}

static void register_scheme(const struct scenario_fns *f, struct wanted w)
{
	unsigned int nc = run_cfg.nr_cpus, line = run_cfg.line, m = run_cfg.modules;
	unsigned int pg = pages_for(f->scheme, opt.pages);
	const char *lay = scheme_suffix(f, pg, opt.offset);
	int one[] = { 1 }, max[] = { run_cfg.max_threads };
	char name[256];

	if (opt.scenario_on[SC_HOT] && w.own) {
		snprintf(name, sizeof(name), "hot/%s/nr_cpus:%u/line:%u/%s", f->scheme->name, nc,
			 line, lay);
		add(name, f->hot, new_args(nc, m, false, pg, opt.offset), run_cfg.threads,
		    run_cfg.nr_threads);
	}
	if (opt.scenario_on[SC_SPREAD])
		register_spread(f, w);
	if (!w.own)
		return;
	if (opt.scenario_on[SC_READ])
		register_read(f);
	lay = scheme_suffix(f, pg, opt.offset);
	if (opt.scenario_on[SC_LIFECYCLE]) {
		snprintf(name, sizeof(name), "lifecycle/%s/modules:%u/nr_cpus:%u/line:%u/%s",
			 f->scheme->name, m, nc, line, lay);
		add(name, f->lifecycle, new_args(nc, m, false, pg, opt.offset), one, 1);
	}
	if (opt.scenario_on[SC_UNLOAD]) {
		struct scenario_args *ua = new_args(nc, m, false, pg, opt.offset);
		rb_bench *b;

		ua->hold_us = opt.hold_us_set ? opt.hold_us : f->scheme->unload_hold_us;
		snprintf(name, sizeof(name), "unload/%s/nr_cpus:%u/line:%u/hold_us:%u/%s",
			 f->scheme->name, nc, line, ua->hold_us, lay);
		b = add(name, f->unload, ua, max, 1);
		/* Held for milliseconds, a cycle is as long: Google Benchmark
		 * would stop after two or three, too few to count how the
		 * deletes end.  A fixed number of cycles instead. */
		if (ua->hold_us >= UNLOAD_LONG_HOLD_US && !run_cfg.iterations)
			rb_bench_iterations(b, UNLOAD_LONG_CYCLES);
	}
	if (opt.scenario_on[SC_HANDOFF] && run_cfg.max_threads < 2) {
		/* A reference handed from one CPU to another needs two threads. */
		static bool said;

		if (!said)
			fprintf(stderr, "refbench: handoff not run: it needs 2 threads or more "
				"(the largest of --threads is %d)\n", run_cfg.max_threads);
		said = true;
	} else if (opt.scenario_on[SC_HANDOFF]) {
		/* Every thread passes references on. */
		snprintf(name, sizeof(name), "handoff/%s/nr_cpus:%u/line:%u/%s", f->scheme->name,
			 nc, line, lay);
		add(name, f->handoff, new_args(nc, m, false, pg, opt.offset), max, 1);
	}
}

/* The control loops: the spread accesses of an array scheme, one per layout. */
static void register_controls(void)
{
	int one[] = { 1 };
	char name[256];

	for (int k = -1; k < opt.nr_layouts; k++) {
		enum layout_pages pages = k < 0 ? opt.pages : opt.layouts[k].pages;
		enum layout_offset off = k < 0 ? opt.offset : opt.layouts[k].offset;
		struct control_args *a;

		if (pages == LAYOUT_PAGES_SCHEME)
			continue;         /* a control has no scheme of its own */
		/* Without, then with the filler: the same cores, built once. */
		for (unsigned int filler = 0; filler <= CONTROL_FILLER; filler += CONTROL_FILLER) {
			if (!(a = malloc(sizeof(*a))))
				die("out of memory registering benchmarks");
			a->nr_cpus = run_cfg.nr_cpus;
			a->modules = run_cfg.modules;
			a->line = run_cfg.line;
			a->huge = pages == LAYOUT_PAGES_2M;
			a->offset = off;
			a->filler = filler;
			snprintf(name, sizeof(name), "control/spread-array/modules:%u/dist:uniform/"
				 "nr_cpus:%u/line:%u/%s/filler:%u", a->modules, a->nr_cpus, a->line,
				 layout_suffix(a->huge ? 2u << 20 : 4096u, off), filler);
			add(name, control_spread, a, one, 1);
		}
	}
}

/* The walk controls: the refcount walk's loads at the array's and the units' strides. */
static void register_walks(void)
{
	static const size_t strides[] = { 128, 40960, 65536, 69632 };
	int one[] = { 1 };
	char name[256];

	for (size_t k = 0; k < sizeof(strides) / sizeof(strides[0]); k++)
		for (int huge = 1; huge >= 0; huge--) {
			struct walk_args *a = malloc(sizeof(*a));
			if (!a)
				die("out of memory registering benchmarks");
			a->counts = opt.walk_counts;
			a->stride = strides[k];
			a->huge = huge;
			snprintf(name, sizeof(name), "control/walk/counts:%u/stride:%zu/pages:%s",
				 a->counts, a->stride, huge ? "2m" : "4k");
			add(name, control_walk, a, one, 1);
		}
}

/* The TLB chase: each span on 2 MiB, then on 4 KiB pages. */
static void register_tlb_chase(void)
{
	int one[] = { 1 };
	char name[256];

	for (int k = 0; k < opt.nr_tlb_spans; k++)
		for (int huge = 1; huge >= 0; huge--) {
			struct tlb_args *a = malloc(sizeof(*a));
			if (!a)
				die("out of memory registering benchmarks");
			a->span = opt.tlb_spans[k];
			a->huge = huge;
			snprintf(name, sizeof(name), "control/tlb-chase/span:%u/pages:%s", a->span,
				 huge ? "2m" : "4k");
			add(name, control_tlb_chase, a, one, 1);
		}
}

/*
 * liburcu's grace period alone, on the run's thread counts: a
 * synchronize_sched(), the same followed by a wake-up of the caller (what
 * a percpu-ref read adds), and a call_rcu() waited for (UNLOAD_LONG_CYCLES of
 * them, as a long unload: each takes about as long as a percpu-ref kill).
 */
static void register_rcu_controls(void)
{
	static struct rcu_control_args sync = { RCU_CONTROL_SYNC }, call = { RCU_CONTROL_CALL },
				       wake = { RCU_CONTROL_SYNC_WAKE };
	rb_bench *b;

	add("control/rcu-sync/lib:urcu-qsbr", control_rcu, &sync, run_cfg.threads,
	    run_cfg.nr_threads);
	add("control/rcu-sync-wake/lib:urcu-qsbr", control_rcu, &wake, run_cfg.threads,
	    run_cfg.nr_threads);
	b = add("control/rcu-call/lib:urcu-qsbr", control_rcu, &call, run_cfg.threads,
		run_cfg.nr_threads);
	if (!run_cfg.iterations)
		rb_bench_iterations(b, UNLOAD_LONG_CYCLES);
}

/* The registration check of the lab's smp_processor_id(), with and without. */
static void register_get_cpu_controls(void)
{
	static bool with = true, without = false;

	add("control/get-cpu/check:lab", control_get_cpu, &with, run_cfg.threads,
	    run_cfg.nr_threads);
	add("control/get-cpu/check:none", control_get_cpu, &without, run_cfg.threads,
	    run_cfg.nr_threads);
}

void register_all(void)
{
	char name[256];

	if (opt.scenario_on[SC_HOT])
		for (int i = 0; refbench_baselines[i].name; i++) {
			snprintf(name, sizeof(name), "hot/%s", refbench_baselines[i].name);
			add(name, refbench_baselines[i].fn, NULL, run_cfg.threads, run_cfg.nr_threads);
		}
	for (int c = CG_KERNEL; c <= CG_INLINE; c++) {
		const struct scenario_fns *const *t = c == CG_KERNEL ? refbench_scenarios :
						      refbench_scenarios_inline;
		struct wanted w = { opt.codegen_on[c], c == CG_KERNEL && opt.codegen_on[CG_PLAIN] };

		if (!w.own && !w.plain)
			continue;
		for (int s = 0; t[s]; s++)
			if (opt.scheme_on[scheme_index(t[s]->scheme)])
				register_scheme(t[s], w);
	}
	if (opt.codegen_on[CG_PLAIN] && !opt.scenario_on[SC_SPREAD])
		fprintf(stderr, "refbench: --codegen=plain applies to spread only, which this run "
			"does not have (--scenario)\n");
	if (opt.scenario_on[SC_CONTROL]) {
		register_controls();
		if (opt.walk_counts)
			register_walks();
		register_tlb_chase();
		if (opt.rcu_controls)
			register_rcu_controls();
		if (opt.get_cpu_controls)
			register_get_cpu_controls();
	}
}
