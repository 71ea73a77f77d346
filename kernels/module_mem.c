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
#define VM_HASH 4096
#define POOL_CLASSES 32

/*
 * The pool hands out blocks like a slab allocator: one free list per block
 * size (a run loads modules of one or two sizes), refilled from a bump
 * pointer, so that allocating and freeing cost the same whatever the
 * number of live modules, as kmalloc's do.  A hash from address to size
 * stands in for the slab's page descriptor.
 */
struct pool_block {
	struct pool_block *next;
	char *addr;
	size_t size;
};

struct pool_class {
	size_t size;
	struct pool_block *free; /* records of freed blocks: the freed memory
				  * itself is not written, so a reader still
				  * inside a grace period never races a link */
	size_t nr_free;
};

struct vm_area {
	struct vm_area *next;
	char *addr;
	size_t requested, mapped;
};

static struct {
	pthread_mutex_t lock;
	char *pool;              /* 2 MiB aligned */
	char *pool_map;          /* what mmap returned */
	size_t pool_map_len;
	size_t pool_reserve;
	size_t touched;          /* bump pointer: bytes ever handed out */
	size_t in_use, blocks;
	struct pool_class cls[POOL_CLASSES];
	struct pool_block *live[VM_HASH];
	struct vm_area *vm[VM_HASH];
	size_t vm_areas, vm_requested, vm_mapped, vm_guard;
} mm = { .lock = PTHREAD_MUTEX_INITIALIZER };

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

static int pool_init(void)
{
	/* Reserve address space only; an environment with less of it (valgrind,
	 * a ulimit -v) gets the largest reservation it allows, down to 1 GiB. */
	size_t reserve = MODULE_POOL_RESERVE, len;
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
	mm.pool_map = p;
	mm.pool_map_len = len;
	mm.pool_reserve = reserve;
	mm.pool = (char *)(((uintptr_t)p + HUGE_2M - 1) & ~(uintptr_t)(HUGE_2M - 1));
	madvise(mm.pool, reserve, MADV_HUGEPAGE);
	numa_bind_area(mm.pool, reserve, numa_node_of_current_cpu());
	return 0;
}

static unsigned int vm_hash(const void *p)
{
	return (unsigned int)(((uintptr_t)p >> 12) % VM_HASH);
}

static void *vmalloc_area(size_t size)
{
	size_t pg = page_size();
	size_t mapped = (size + pg - 1) / pg * pg;
	struct vm_area *a = malloc(sizeof(*a));
	char *p;

	if (!a)
		return NULL;
	p = mmap(NULL, mapped + pg, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		free(a);
		return NULL;
	}
	mprotect(p + mapped, pg, PROT_NONE);          /* the guard page */
	madvise(p, mapped, MADV_NOHUGEPAGE);
	numa_bind_area(p, mapped, numa_node_of_current_cpu());
	memset(p, 0, mapped);
	a->addr = p;
	a->requested = size;
	a->mapped = mapped;
	pthread_mutex_lock(&mm.lock);
	a->next = mm.vm[vm_hash(p)];
	mm.vm[vm_hash(p)] = a;
	mm.vm_areas++;
	mm.vm_requested += size;
	mm.vm_mapped += mapped;
	mm.vm_guard += pg;
	pthread_mutex_unlock(&mm.lock);
	return p;
}

static void vfree_area(void *p)
{
	struct vm_area **pp, *a = NULL;

	pthread_mutex_lock(&mm.lock);
	for (pp = &mm.vm[vm_hash(p)]; *pp; pp = &(*pp)->next) {
		if ((*pp)->addr == p) {
			a = *pp;
			*pp = a->next;
			mm.vm_areas--;
			mm.vm_requested -= a->requested;
			mm.vm_mapped -= a->mapped;
			mm.vm_guard -= page_size();
			break;
		}
	}
	pthread_mutex_unlock(&mm.lock);
	if (a) {
		munmap(a->addr, a->mapped + page_size());
		free(a);
	}
}

static struct pool_class *pool_class(size_t size, int create)
{
	for (int i = 0; i < POOL_CLASSES; i++) {
		if (mm.cls[i].size == size)
			return &mm.cls[i];
		if (mm.cls[i].size == 0 && create) {
			mm.cls[i].size = size;
			return &mm.cls[i];
		}
	}
	return NULL;
}

static void *pool_alloc(size_t asked)
{
	size_t size = (asked + MODULE_MEM_ALIGN - 1) & ~(size_t)(MODULE_MEM_ALIGN - 1);
	struct pool_block *b = NULL;
	struct pool_class *c;
	char *p = NULL;

	pthread_mutex_lock(&mm.lock);
	if (!mm.pool && pool_init() != 0)
		goto out;
	c = pool_class(size, 1);
	if (c && c->free) {
		b = c->free;
		c->free = b->next;
		c->nr_free--;
		p = b->addr;
	} else if (mm.touched + size <= mm.pool_reserve && (b = malloc(sizeof(*b))) != NULL) {
		p = mm.pool + mm.touched;
		mm.touched += size;
		b->addr = p;
		b->size = size;
	} else {
		goto out;
	}
	b->next = mm.live[vm_hash(p)];
	mm.live[vm_hash(p)] = b;
	mm.in_use += size;
	mm.blocks++;
out:
	pthread_mutex_unlock(&mm.lock);
	if (p)
		memset(p, 0, size);
	return p;
}

static void pool_free(char *p)
{
	struct pool_block **pp, *b = NULL;
	struct pool_class *c;

	pthread_mutex_lock(&mm.lock);
	for (pp = &mm.live[vm_hash(p)]; *pp; pp = &(*pp)->next) {
		if ((*pp)->addr == p) {
			b = *pp;
			*pp = b->next;
			break;
		}
	}
	if (b) {
		mm.in_use -= b->size;
		mm.blocks--;
		c = pool_class(b->size, 0);
		b->next = c->free;
		c->free = b;
		c->nr_free++;
	}
	pthread_mutex_unlock(&mm.lock);
}

void *module_mem_alloc(enum module_mem_kind kind, size_t size)
{
	void *p;

	if (should_fail_alloc())
		return NULL;
	p = kind == MODULE_MEM_VMALLOC ? vmalloc_area(size) : pool_alloc(size);
	if (p)
		__atomic_add_fetch(&refbench_layout_users, 1, __ATOMIC_SEQ_CST);
	return p;
}

void module_mem_free(enum module_mem_kind kind, void *p)
{
	if (!p)
		return;
	if (kind == MODULE_MEM_VMALLOC) {
		vfree_area(p);
	} else {
		pool_free(p);
	}
	__atomic_sub_fetch(&refbench_layout_users, 1, __ATOMIC_SEQ_CST);
}

void module_mem_get_stats(struct module_mem_stats *st)
{
	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&mm.lock);
	if (mm.pool) {
		st->pool_in_use = mm.in_use;
		st->pool_touched = mm.touched;
		for (int i = 0; i < POOL_CLASSES; i++)
			st->pool_fragmented += mm.cls[i].size * mm.cls[i].nr_free;
		st->pool_metadata = mm.blocks * sizeof(struct pool_block) + sizeof(mm.live);
		for (int i = 0; i < POOL_CLASSES; i++)
			st->pool_metadata += mm.cls[i].nr_free * sizeof(struct pool_block);
	}
	st->vmalloc_areas = mm.vm_areas;
	st->vmalloc_requested = mm.vm_requested;
	st->vmalloc_mapped = mm.vm_mapped;
	st->vmalloc_guard = mm.vm_guard;
	pthread_mutex_unlock(&mm.lock);
}

long module_mem_pool_hugepage_bytes(void)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	long kb = -1;
	int in_pool = 0;
	uintptr_t lo, hi;

	if (!f || !mm.pool)
		goto out;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			in_pool = lo < (uintptr_t)mm.pool + mm.pool_reserve &&
				  hi > (uintptr_t)mm.pool;
			continue;
		}
		long v;
		if (in_pool && sscanf(line, "AnonHugePages: %ld kB", &v) == 1)
			kb = (kb < 0 ? 0 : kb) + v;
	}
out:
	if (f)
		fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}

int module_mem_reset(void)
{
	int ret = 0;

	pthread_mutex_lock(&mm.lock);
	if (mm.pool && mm.in_use != 0) {
		ret = -1;
	} else if (mm.pool) {
		munmap(mm.pool_map, mm.pool_map_len);
		mm.pool = NULL;
		mm.touched = 0;
		for (int i = 0; i < POOL_CLASSES; i++)
			while (mm.cls[i].free) {
				struct pool_block *b = mm.cls[i].free;
				mm.cls[i].free = b->next;
				free(b);
			}
		memset(mm.cls, 0, sizeof(mm.cls));
	}
	pthread_mutex_unlock(&mm.lock);
	return ret;
}
