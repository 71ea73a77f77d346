/*
 * controls.c - control loops: the memory accesses of the spread scenario
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
#include "module_layout.h"
#include "sequence.h"
#include "window.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <urcu/urcu-qsbr.h>

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)
#define PAGE_4K 4096ul
#define HUGE_2M (2ul << 20)

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

static size_t round_up(size_t v, size_t a)
{
	return (v + a - 1) / a * a;
}

/* Carve the cores; false (with a set-up error) when memory is short. */
static bool build(const struct control_args *a)
{
	size_t array = (size_t)a->nr_cpus * a->line, total = 0, pos = 0;
	bool packed = a->offset == LAYOUT_OFFSET_PACKED;
	struct load_params p;

	kept.mods = calloc(a->modules, sizeof(*kept.mods));
	if (!kept.mods)
		return false;
	for (unsigned int i = 0; i < a->modules; i++) {
		module_layout_params(i, a->offset, a->line, &p);
		size_t core = p.core_before + CONTROL_HEADER + array + p.core_extra;
		total += packed ? round_up(core, 128) : round_up(core, PAGE_4K) + PAGE_4K;
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
		pos += packed ? round_up(core, 128) : round_up(core, PAGE_4K) + PAGE_4K;
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

/*
 * The walk control: module_refcount()'s loads alone, a plain loop summing
 * @counts words @stride bytes apart in one mapping of 4 KiB or 2 MiB pages,
 * fresh for each benchmark.  Stride 128 is the NR_CPUS array (one line per
 * CPU, contiguous); a unit-sized stride is the per-CPU walk (one line in
 * each CPU's unit).  What differs between the two is then the stride and
 * the pages, with no scheme code around them.
 */
static struct {
	const struct walk_args *key;
	char *map;
	size_t len;
} walk_kept;

void control_walk(rb_state *st, void *arg)
{
	const struct walk_args *a = arg;
	struct window w;
	unsigned long sink = 0;
	char *base = NULL;

	if (!harness_thread_enter(st, run_cfg.nr_cpus))
		return;
	if (rb_thread_index(st) == 0 && walk_kept.key != a) {
		if (walk_kept.map)
			munmap(walk_kept.map, walk_kept.len);
		walk_kept.len = (size_t)a->counts * a->stride + HUGE_2M;
		walk_kept.map = mmap(NULL, walk_kept.len, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (walk_kept.map == MAP_FAILED) {
			walk_kept.map = NULL;
			harness_setup_error("control: no memory for %u counts %zu bytes apart",
					    a->counts, a->stride);
		} else {
			madvise(walk_kept.map, walk_kept.len, a->huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
			base = (char *)round_up((size_t)walk_kept.map, HUGE_2M);
			for (unsigned int i = 0; i < a->counts; i++)
				*(volatile long *)(base + (size_t)i * a->stride) = 0;
		}
		walk_kept.key = a;
	}
	harness_barrier(st);
	if (!harness_setup_ok(st))
		goto out;
	base = (char *)round_up((size_t)walk_kept.map, HUGE_2M);
	window_begin(st, &w);
	WINDOW_RUN(&w, {
		unsigned long total = 0;
		for (unsigned int i = 0; i < a->counts; i++)
			total += *(volatile long *)(base + (size_t)i * a->stride);
		sink += total;
	});
	window_end(st, &w);
	(void)sink;
out:
	harness_barrier(st);
	harness_thread_exit(st);
}

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

void control_tlb_chase(rb_state *st, void *arg)
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

/*
 * liburcu's grace period alone, with no refcount around it: what
 * percpu-ref's module_refcount() (a synchronize_sched() per read) and its
 * delete (kill through call_rcu, then sleep until the callback confirms)
 * pay to the library that stands in for the kernel's RCU.  The leader
 * does the operation; the other threads run an empty window loop, passing
 * a quiescent state every WINDOW_BATCH iterations as the scenarios' threads
 * do, so that the grace period waits for them as it waits in the scenarios.
 * The sync-wake cell adds what a percpu-ref read does after its grace
 * period besides the sum: the switch's confirmation wakes the reader
 * itself, wake_up_process(), here a futex wake (sched.c).
 */
struct rcu_round_trip {
	struct rcu_head head;                   /* first: the callback's container */
	struct task_struct *waiter;
	int done;
};

static void rcu_round_trip_done(struct rcu_head *head)
{
	struct rcu_round_trip *rt = (struct rcu_round_trip *)(void *)head;
	struct task_struct *waiter = rt->waiter;   /* rt is gone once done is seen */

	__atomic_store_n(&rt->done, 1, __ATOMIC_RELEASE);
	wake_up_process(waiter);
}

/* call_rcu() and sleep until the callback has run, as a percpu-ref kill waits. */
static void rcu_call_and_wait(void)
{
	struct rcu_round_trip rt = { .waiter = get_current() };

	urcu_qsbr_call_rcu(&rt.head, rcu_round_trip_done);
	for (;;) {
		task_prepare_to_sleep(rt.waiter);
		if (__atomic_load_n(&rt.done, __ATOMIC_ACQUIRE))
			break;
		task_schedule(rt.waiter);
	}
}

void control_rcu(rb_state *st, void *arg)
{
	const struct rcu_control_args *a = arg;
	struct window w;

	if (!harness_thread_enter(st, run_cfg.nr_cpus))
		return;
	harness_barrier(st);
	if (!harness_setup_ok(st))
		goto out;
	window_begin(st, &w);
	if (!w.leader) {
		w.counted = false;
		WINDOW_RUN(&w, { __asm__ __volatile__(""); });
	} else if (a->kind == RCU_CONTROL_SYNC) {
		WINDOW_RUN(&w, { synchronize_sched(); });
	} else if (a->kind == RCU_CONTROL_SYNC_WAKE) {
		struct task_struct *me = get_current();

		WINDOW_RUN(&w, {
			synchronize_sched();
			wake_up_process(me);
			task_prepare_to_sleep(me);
		});
	} else {
		/* One at a time, w.target of them (about 10 ms each): no batch. */
		for (uint64_t i = 0; i < w.target; i++) {
			rcu_call_and_wait();
			cpu_quiescent();
		}
		w.done = w.target;
		window_signal_stop();
	}
	window_end(st, &w);
out:
	harness_barrier(st);
	harness_thread_exit(st);
}

/*
 * What the lab's smp_processor_id() adds to the kernel's.  2.6.29 on x86-64
 * read the CPU number with one load, %gs:cpunumber of the PDA; the lab
 * reads its thread's CPU number with one TLS load too, then tests it for
 * the -1 of a thread that never registered (test; js to a cold call).
 * Both cells do plain's increment and decrement of this CPU's own line,
 * each on the line that a fresh CPU-number read names (the empty asm with a
 * memory clobber makes the compiler read it again, as a call between them
 * does in the scenarios); check:lab reads it with the lab's
 * smp_processor_id(), check:none with the same load and no test.
 */
static struct {
	local_t l;
} ____cacheline_aligned cpu_lines[REFBENCH_NR_CPUS_MAX];

static inline int cpu_number_unchecked(void)
{
	return refbench_this_cpu;
}

void control_get_cpu(rb_state *st, void *arg)
{
	const bool check = *(const bool *)arg;
	struct window w;

	if (!harness_thread_enter(st, run_cfg.nr_cpus))
		return;
	harness_barrier(st);
	if (!harness_setup_ok(st))
		goto out;
	window_begin(st, &w);
	if (check) {
		WINDOW_RUN(&w, {
			local_inc(&cpu_lines[get_cpu()].l);
			put_cpu();
			__asm__ __volatile__("" : : : "memory");
			local_dec(&cpu_lines[get_cpu()].l);
			put_cpu();
			__asm__ __volatile__("" : : : "memory");
		});
	} else {
		WINDOW_RUN(&w, {
			local_inc(&cpu_lines[cpu_number_unchecked()].l);
			__asm__ __volatile__("" : : : "memory");
			local_dec(&cpu_lines[cpu_number_unchecked()].l);
			__asm__ __volatile__("" : : : "memory");
		});
	}
	window_end(st, &w);
out:
	harness_barrier(st);
	harness_thread_exit(st);
}

void controls_release(void)
{
	drop_kept();
	tlb_drop();
	if (walk_kept.map)
		munmap(walk_kept.map, walk_kept.len);
	memset(&walk_kept, 0, sizeof(walk_kept));
}
