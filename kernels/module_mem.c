/*
 * module_mem.c - module memory of two page sizes, carved the same way
 * (module_mem.h).
 */
#define _GNU_SOURCE
#include "module_mem.h"
#include "compat.h"
#include "numa.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define HUGE_2M ((size_t)2 << 20)
#define LIVE_HASH 4096
#define CLASS_HASH 1024

/* A core handed out or kept free; never stored inside module memory, so a
 * reader still inside a grace period never races a link. */
struct block {
	struct block *next;
	char *addr;
	size_t size;          /* rounded size handed out */
	size_t gap;           /* unused bytes kept after it (the guard page) */
	size_t requested;
};

/* Freed cores of one rounded size. */
struct size_class {
	struct size_class *next;
	size_t size, gap;
	struct block *free;
	size_t nr_free;
};

struct region {
	const char *what;
	int advice;               /* MADV_HUGEPAGE or MADV_NOHUGEPAGE */
	bool give_back;           /* MADV_DONTNEED freed cores (vfree) */
	char *base;               /* 2 MiB aligned */
	char *map;                /* what mmap returned */
	size_t map_len, reserve;
	size_t carved;            /* bump pointer */
	size_t in_use, requested, guard, blocks;
	struct block *live[LIVE_HASH];
	struct size_class *classes[CLASS_HASH];
	size_t nr_classes, nr_free_blocks, free_bytes;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct region regions[2] = {
	[MODULE_MEM_POOL] = { .what = "pool", .advice = MADV_HUGEPAGE },
	[MODULE_MEM_VMALLOC] = { .what = "vmalloc", .advice = MADV_NOHUGEPAGE, .give_back = true },
};

static int region_init(struct region *r)
{
	/* Reserve address space only; an environment with less of it (valgrind,
	 * a ulimit -v) gets the largest reservation it allows, down to 1 GiB. */
	size_t reserve = MODULE_MEM_RESERVE, len = 0;
	char *p = MAP_FAILED;

	for (; reserve >= ((size_t)1 << 30); reserve /= 2) {
		len = reserve + HUGE_2M;
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p != MAP_FAILED)
			break;
	}
	if (p == MAP_FAILED)
		return -1;
	r->map = p;
	r->map_len = len;
	r->reserve = reserve;
	r->base = (char *)(((uintptr_t)p + HUGE_2M - 1) & ~(uintptr_t)(HUGE_2M - 1));
	madvise(r->base, reserve, r->advice);
	numa_bind_area(r->base, reserve, numa_node_of_current_cpu());
	return 0;
}

static unsigned int live_hash(const void *p)
{
	return (unsigned int)(((uintptr_t)p >> 7) % LIVE_HASH);
}

/* The free list of (@size, @gap), created on first use; NULL when out of memory. */
static struct size_class *size_class(struct region *r, size_t size, size_t gap, bool create)
{
	unsigned int h = (unsigned int)(((size >> 7) + gap) % CLASS_HASH);
	struct size_class *c;

	for (c = r->classes[h]; c; c = c->next)
		if (c->size == size && c->gap == gap)
			return c;
	if (!create || !(c = calloc(1, sizeof(*c))))
		return NULL;
	c->size = size;
	c->gap = gap;
	c->next = r->classes[h];
	r->classes[h] = c;
	r->nr_classes++;
	return c;
}

/* A free core of exactly @size, or a new one from the bump pointer. */
static struct block *take_block(struct region *r, size_t size, size_t gap, bool *fresh)
{
	struct size_class *c = size_class(r, size, gap, true);
	struct block *b;

	if (!c)
		return NULL;
	if (c->free) {
		b = c->free;
		c->free = b->next;
		c->nr_free--;
		r->nr_free_blocks--;
		r->free_bytes -= size;
		return b;
	}
	if (r->carved + size + gap > r->reserve || !(b = malloc(sizeof(*b))))
		return NULL;
	*fresh = true;
	b->addr = r->base + r->carved;
	b->size = size;
	b->gap = gap;
	r->carved += size + gap;
	return b;
}

/*
 * A core is zeroed and its pages are present and written, as a module's are
 * once loaded.  A core never handed out before (the bump pointer's) is
 * already zero: its pages are faulted in writable by MADV_POPULATE_WRITE in
 * one call instead of one page fault per page under memset, which made
 * loading tens of thousands of modules take most of a run on a virtual
 * machine (about 0.5 ms a module).  The pages end up the same: present,
 * written, zero, huge where the region allows.  A kernel without
 * MADV_POPULATE_WRITE (before 5.14), or a reused core, gets the memset.
 */
static void zero_core(char *addr, size_t size, bool fresh)
{
#ifdef MADV_POPULATE_WRITE
	if (fresh) {
		uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
		uintptr_t lo = (uintptr_t)addr & ~(page - 1);
		uintptr_t hi = ((uintptr_t)addr + size + page - 1) & ~(page - 1);

		if (madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE) == 0)
			return;
	}
#else
	(void)fresh;
#endif
	memset(addr, 0, size);
}

void *module_mem_alloc(enum module_mem_kind kind, size_t size, bool packed)
{
	struct region *r = &regions[kind == MODULE_MEM_VMALLOC];
	size_t gap = module_mem_gap(packed);
	struct block *b = NULL;
	bool fresh = false;

	if (should_fail_alloc())
		return NULL;
	size = size ? size : 1;
	pthread_mutex_lock(&lock);
	if ((r->base || region_init(r) == 0) &&
	    (b = take_block(r, module_mem_rounded(size, packed), gap, &fresh))) {
		b->requested = size;
		b->next = r->live[live_hash(b->addr)];
		r->live[live_hash(b->addr)] = b;
		r->in_use += b->size;
		r->requested += size;
		r->guard += gap;
		r->blocks++;
	}
	pthread_mutex_unlock(&lock);
	if (!b)
		return NULL;
	zero_core(b->addr, b->size, fresh);
	__atomic_add_fetch(&refbench_layout_users, 1, __ATOMIC_SEQ_CST);
	return b->addr;
}

void module_mem_free(enum module_mem_kind kind, void *p)
{
	struct region *r = &regions[kind == MODULE_MEM_VMALLOC];
	struct block **pp, *b = NULL;
	struct size_class *c;

	if (!p)
		return;
	pthread_mutex_lock(&lock);
	for (pp = &r->live[live_hash(p)]; *pp; pp = &(*pp)->next) {
		if ((*pp)->addr == p) {
			b = *pp;
			*pp = b->next;
			break;
		}
	}
	if (b) {
		r->in_use -= b->size;
		r->requested -= b->requested;
		r->guard -= b->gap;
		r->blocks--;
		c = size_class(r, b->size, b->gap, false);
		b->next = c->free;
		c->free = b;
		c->nr_free++;
		r->nr_free_blocks++;
		r->free_bytes += b->size;
	}
	pthread_mutex_unlock(&lock);
	if (!b) {
		fprintf(stderr, "refbench: module_mem_free(%s, %p): not a live core\n", r->what, p);
		__builtin_trap();
	}
	if (r->give_back) {
		/* Only the pages the core has to itself: packed cores share theirs. */
		uintptr_t lo = ((uintptr_t)p + MODULE_MEM_PAGE - 1) & ~(uintptr_t)(MODULE_MEM_PAGE - 1);
		uintptr_t hi = ((uintptr_t)p + b->size) & ~(uintptr_t)(MODULE_MEM_PAGE - 1);
		if (hi > lo)
			madvise((void *)lo, hi - lo, MADV_DONTNEED);
	}
	__atomic_sub_fetch(&refbench_layout_users, 1, __ATOMIC_SEQ_CST);
}

void module_mem_get_stats(struct module_mem_stats *st)
{
	const struct region *p = &regions[MODULE_MEM_POOL], *v = &regions[MODULE_MEM_VMALLOC];

	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&lock);
	st->pool_in_use = p->in_use;
	st->pool_touched = p->carved;
	st->pool_fragmented = p->free_bytes;
	st->pool_metadata = (p->blocks + p->nr_free_blocks) * sizeof(struct block) +
			    p->nr_classes * sizeof(struct size_class);
	st->vmalloc_areas = v->blocks;
	st->vmalloc_requested = v->requested;
	st->vmalloc_mapped = v->in_use;
	st->vmalloc_guard = v->guard;
	st->classes = p->nr_classes + v->nr_classes;
	pthread_mutex_unlock(&lock);
}

/* AnonHugePages of a region's reservation; -1 if unknown. */
static long hugepage_bytes(const struct region *r)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	long kb = -1;
	int inside = 0;
	uintptr_t lo, hi;

	if (!f || !r->base)
		goto out;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			inside = lo < (uintptr_t)r->base + r->reserve && hi > (uintptr_t)r->base;
			continue;
		}
		long v;
		if (inside && sscanf(line, "AnonHugePages: %ld kB", &v) == 1)
			kb = (kb < 0 ? 0 : kb) + v;
	}
out:
	if (f)
		fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}

long module_mem_pool_hugepage_bytes(void)
{
	return hugepage_bytes(&regions[MODULE_MEM_POOL]);
}

long module_mem_vmalloc_hugepage_bytes(void)
{
	return hugepage_bytes(&regions[MODULE_MEM_VMALLOC]);
}

static void region_release(struct region *r)
{
	for (unsigned int h = 0; h < CLASS_HASH; h++)
		while (r->classes[h]) {
			struct size_class *c = r->classes[h];
			r->classes[h] = c->next;
			while (c->free) {
				struct block *b = c->free;
				c->free = b->next;
				free(b);
			}
			free(c);
		}
	if (r->map)
		munmap(r->map, r->map_len);
	r->map = r->base = NULL;
	r->map_len = r->reserve = r->carved = 0;
	r->nr_classes = r->nr_free_blocks = r->free_bytes = 0;
}

int module_mem_reset(void)
{
	int ret = 0;

	pthread_mutex_lock(&lock);
	if (regions[0].in_use || regions[1].in_use) {
		ret = -1;
	} else {
		region_release(&regions[0]);
		region_release(&regions[1]);
	}
	pthread_mutex_unlock(&lock);
	return ret;
}
