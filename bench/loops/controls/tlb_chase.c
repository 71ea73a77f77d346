/*
 * tlb_chase.c - the TLB chase control: a dependent chase over one line
 * in each of N pages, on 4 KiB and on 2 MiB pages (--tlb-spans).
 */
#define _GNU_SOURCE
#include "controls.h"
#include "compat.h"
#include "harness.h"
#include "loop_register.h"
#include "options.h"
#include "window.h"
#include "sequence.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct tlb_args {
	unsigned int span;            /* pages the chase visits, one line in each */
	bool huge;                    /* 2 MiB pages, else 4 KiB */
};

/*
 * The TLB chase: a dependent load chain through one line in each of @span
 * consecutive 4 KiB-sized pieces of one mapping, in a random order, on
 * 4 KiB or on 2 MiB pages.  Both page sizes get the same virtual addresses
 * and so the same lines (line (i + i / 32) % 64 of piece i: consecutive
 * pieces in different L1 sets, and on a 2 MiB page up to 2048 pieces in
 * 2048 different sets of a 2048-set L2), so
 * what differs between them is the translation alone: one TLB entry per
 * piece on 4 KiB pages, one per 512 pieces on 2 MiB pages.  The span at
 * which 4 KiB starts to cost more is the reach of a TLB level.  One
 * operation is one load.
 */
static struct {
	const struct tlb_args *key;
	char *map;
	size_t len;
	void **start;
} tlb_kept;

static void tlb_drop(void)
{
	if (tlb_kept.map)
		munmap(tlb_kept.map, tlb_kept.len);
	memset(&tlb_kept, 0, sizeof(tlb_kept));
}

static bool tlb_build(const struct tlb_args *a)
{
	unsigned int *order = malloc((size_t)a->span * sizeof(*order));
	uint64_t x = 0x9e3779b97f4a7c15ull;     /* a fixed seed: every run, the same chain */
	char *base;

	if (!order)
		return false;
	tlb_kept.len = (size_t)a->span * PAGE_4K + HUGE_2M;
	tlb_kept.map = mmap(NULL, tlb_kept.len, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (tlb_kept.map == MAP_FAILED) {
		tlb_kept.map = NULL;
		free(order);
		return false;
	}
	madvise(tlb_kept.map, tlb_kept.len, a->huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	base = (char *)round_up((size_t)tlb_kept.map, HUGE_2M);
	for (unsigned int i = 0; i < a->span; i++)
		order[i] = i;
	for (unsigned int i = a->span - 1; i > 0; i--) {     /* Fisher-Yates */
		unsigned int j = (unsigned int)(xorshift64(&x) % (i + 1)), t = order[i];
		order[i] = order[j], order[j] = t;
	}
#define TLB_LINE(i) ((void **)(base + (size_t)(i) * PAGE_4K + (((i) + ((i) >> 5)) % 64) * 64))
	for (unsigned int k = 0; k < a->span; k++)
		*TLB_LINE(order[k]) = TLB_LINE(order[(k + 1) % a->span]);
	tlb_kept.start = TLB_LINE(order[0]);
#undef TLB_LINE
	free(order);
	return true;
}

static void control_tlb_chase(rb_state *st, void *arg)
{
	const struct tlb_args *a = arg;
	struct window w;
	void **p;

	if (!harness_thread_enter(st, run_cfg.nr_cpus))
		return;
	if (rb_thread_index(st) == 0 && tlb_kept.key != a) {
		tlb_drop();
		if (!tlb_build(a))
			harness_setup_error("control: no memory for a chase over %u pages", a->span);
		tlb_kept.key = a;
	}
	harness_barrier(st);
	if (!harness_setup_ok(st))
		goto out;
	p = tlb_kept.start;
	window_begin(st, &w);
	WINDOW_RUN(&w, { p = (void **)*p; });
	window_end(st, &w);
	__asm__ __volatile__("" : : "r"(p));
out:
	harness_barrier(st);
	harness_thread_exit(st);
}

/* --tlb-spans: the pages each chase visits. */
#define MAX_TLB_SPANS 24
#define TLB_SPAN_MAX 65536u
static unsigned int tlb_spans[MAX_TLB_SPANS];
static int nr_tlb_spans;

static void take_tlb_spans(const char *flag, const char *val)
{
	nr_tlb_spans = opt_uint_list("refbench", flag, val, tlb_spans, MAX_TLB_SPANS, 1, TLB_SPAN_MAX);
}

static const struct loop_option tlb_options[] = {
	{ "--tlb-spans", "LIST", true,
"  --tlb-spans=LIST   control: a dependent chase over one line in each of N pages, on\n"
"                     4 KiB and on 2 MiB pages, for each N (1..65536): the TLB's reach\n"
"                     measured (default none)\n",
	  take_tlb_spans },
	{ NULL, NULL, false, NULL, NULL },
};

/* Each span of --tlb-spans on 2 MiB, then on 4 KiB pages. */
static void add_tlb_chase(const struct loop_settings *s)
{
	int one[] = { 1 };
	char name[256];

	for (int k = 0; k < nr_tlb_spans; k++)
		for (int huge = 1; huge >= 0; huge--) {
			struct tlb_args *a = loop_alloc(sizeof(*a));

			a->span = tlb_spans[k];
			a->huge = huge;
			snprintf(name, sizeof(name), "control/tlb-chase/span:%u/pages:%s", a->span,
				 huge ? "2m" : "4k");
			loop_add(s, name, control_tlb_chase, a, one, 1);
		}
}

const struct loop_desc loop_tlb_chase = {
	.name = "tlb-chase",
	.role = ROLE_CONTROL,
	.label = "the TLB's reach, 4 KiB against 2 MiB pages",
	.claims = CLAIMS("page-size", "tlb-reach"),
	.source = __FILE__,
	.scenario = -1,
	.add = add_tlb_chase,
	.release = tlb_drop,
	.options = tlb_options,
};
