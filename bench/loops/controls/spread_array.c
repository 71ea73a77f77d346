/*
 * spread_array.c - the spread-array control: the memory accesses of the spread scenario
 * on an NR_CPUS array scheme, done by a plain loop that shares no code with
 * the kernel models (no module memory allocator, no lifecycle, no scheme
 * header), so that a cause the lab names (page size, in-page placement of
 * struct module) can be varied alone and checked against the models.
 *
 * Each of N "modules" is a core laid out as module_layout.h draws it: the
 * module's text and data before struct module, struct module's fixed part
 * (CONTROL_HEADER bytes, its first word the state), then NR_CPUS counts of
 * one cache line each, then the rest of the core.  Cores are carved from one
 * mapping of 4 KiB or 2 MiB pages, page-aligned with a page of gap after
 * each (vmalloc's guard), or back to back for 'packed'.  One operation
 * reads the state word and increments then decrements the calling CPU's
 * line, on modules visited in the spread sequence (sequence.h): the loads
 * and stores try_module_get() + module_put() of an array scheme make, with
 * the instructions of spread's plain loop over a scheme's own modules
 * (SPREAD_PLAIN_OP), so that the two differ in memory alone.
 *
 * The filler cells add CONTROL_FILLER nops after each operation: no load,
 * no store, no dependency, only fewer accesses issued per cycle.  They
 * vary the density of the misses alone, which is what a scheme's code
 * between its accesses also changes.
 */
#define _GNU_SOURCE
#include "controls.h"
#include "compat.h"
#include "harness.h"
#include "loop_register.h"
#include "window.h"
#include "module_layout.h"
#include "module_mem.h"
#include "sequence.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct control_args {
	unsigned int nr_cpus, modules, line;
	bool huge;                    /* 2 MiB pages, else 4 KiB */
	enum layout_offset offset;
	unsigned int filler;          /* 0, or CONTROL_FILLER nops an operation */
};

/* What one run of a control keeps between Google Benchmark's calls. */
static struct {
	struct control_args key;          /* the layout it was built for */
	bool built;
	char *map;
	size_t map_len;
	char **mods;             /* struct module of each core */
} kept;

static void drop_kept(void)
{
	if (kept.map)
		munmap(kept.map, kept.map_len);
	free(kept.mods);
	memset(&kept, 0, sizeof(kept));
}

/* Carve the cores; false (with a set-up error) when memory is short. */
static bool build(const struct control_args *a)
{
	size_t array = (size_t)a->nr_cpus * a->line, total = 0, pos = 0;
	struct load_params p;

	kept.mods = calloc(a->modules, sizeof(*kept.mods));
	if (!kept.mods)
		return false;
	for (unsigned int i = 0; i < a->modules; i++) {
		module_layout_params(i, a->offset, a->line, &p);
		size_t core = p.core_before + CONTROL_HEADER + array + p.core_extra;
		/* As module memory would lay it out (module_mem.h). */
		total += module_mem_rounded(core, p.packed) + module_mem_gap(p.packed);
	}
	kept.map_len = total + HUGE_2M;
	kept.map = mmap(NULL, kept.map_len, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (kept.map == MAP_FAILED) {
		kept.map = NULL;
		return false;
	}
	madvise(kept.map, kept.map_len, a->huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	pos = round_up((size_t)kept.map, HUGE_2M) - (size_t)kept.map;
	for (unsigned int i = 0; i < a->modules; i++) {
		module_layout_params(i, a->offset, a->line, &p);
		size_t core = p.core_before + CONTROL_HEADER + array + p.core_extra;
		kept.mods[i] = kept.map + pos + p.core_before;
		memset(kept.map + pos, 0, core);
		pos += module_mem_rounded(core, p.packed) + module_mem_gap(p.packed);
	}
	return true;
}

/* The cores kept are those @a would build (the filler changes the loop only). */
static bool same_layout(const struct control_args *a)
{
	const struct control_args *k = &kept.key;

	return kept.built && k->nr_cpus == a->nr_cpus && k->modules == a->modules &&
	       k->line == a->line && k->huge == a->huge && k->offset == a->offset;
}

void control_spread(rb_state *st, void *arg)
{
	const struct control_args *a = arg;
	struct spread_ref *refs = NULL;
	unsigned int pos = 0, cpu;
	uint32_t *seq = NULL;
	struct window w;

	if (!harness_thread_enter(st, a->nr_cpus))
		return;
	if (rb_thread_index(st) == 0 && !same_layout(a)) {
		drop_kept();
		if (!build(a))
			harness_setup_error("control: no memory for %u cores of NR_CPUS=%u",
					    a->modules, a->nr_cpus);
		kept.key = *a;
		kept.built = true;
	}
	seq = malloc(SPREAD_SEQ * sizeof(*seq));
	refs = malloc(a->modules * sizeof(*refs));
	harness_barrier(st);
	if (!harness_setup_ok(st) || !seq || !refs)
		goto out;
	spread_sequence(seq, a->modules, false, (uint64_t)rb_thread_index(st) + 1);
	cpu = (unsigned int)raw_smp_processor_id();
	for (unsigned int i = 0; i < a->modules; i++) {
		refs[i].state = (volatile int *)kept.mods[i];
		refs[i].count = (volatile unsigned int *)(kept.mods[i] + CONTROL_HEADER +
							  (size_t)cpu * a->line);
	}

	window_begin(st, &w);
	if (a->filler) {
		WINDOW_RUN(&w, {
			SPREAD_PLAIN_OP(refs, seq, pos);
			__asm__ __volatile__(".rept " STRINGIFY(CONTROL_FILLER) "\n\tnop\n\t.endr");
		});
	} else {
		WINDOW_RUN(&w, { SPREAD_PLAIN_OP(refs, seq, pos); });
	}
	window_end(st, &w);
out:
	free(refs);
	free(seq);
	harness_barrier(st);
	harness_thread_exit(st);
}

/* One benchmark per layout (those of a scheme's own are no control's), without then with the filler. */
static void add_spread_array(const struct loop_settings *s)
{
	int one[] = { 1 };
	char name[256];

	for (int k = -1; k < s->nr_layouts; k++) {
		enum layout_pages pages = k < 0 ? s->pages : s->layouts[k].pages;
		enum layout_offset off = k < 0 ? s->offset : s->layouts[k].offset;

		if (pages == LAYOUT_PAGES_SCHEME)
			continue;         /* a control has no scheme of its own */
		/* Without, then with the filler: the same cores, built once. */
		for (unsigned int filler = 0; filler <= CONTROL_FILLER; filler += CONTROL_FILLER) {
			struct control_args *a = loop_alloc(sizeof(*a));

			a->nr_cpus = s->run->nr_cpus;
			a->modules = s->run->modules;
			a->line = s->run->line;
			a->huge = pages == LAYOUT_PAGES_2M;
			a->offset = off;
			a->filler = filler;
			snprintf(name, sizeof(name), "control/spread-array/modules:%u/dist:uniform/"
				 "nr_cpus:%u/line:%u/%s/filler:%u", a->modules, a->nr_cpus, a->line,
				 loop_layout_suffix(a->huge ? 2u << 20 : 4096u, off), filler);
			loop_add(s, name, control_spread, a, one, 1);
		}
	}
}

static unsigned int spread_array_modules(const struct loop_settings *s)
{
	return s->run->modules;
}

const struct loop_desc loop_spread_array = {
	.name = "spread-array",
	.role = ROLE_CONTROL,
	.label = "spread's accesses as a plain loop",
	.claims = CLAIMS("page-size", "in-page-placement", "miss-density"),
	.source = __FILE__,
	.scenario = -1,
	.add = add_spread_array,
	.modules = spread_array_modules,
	.release = drop_kept,
};
