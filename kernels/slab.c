/*
 * slab.c - kmalloc()/kfree() with the bytes in use counted, and fault
 * injection: refbench_fail_nth(n) makes the n-th allocation from now fail
 * (kmalloc, percpu_modalloc, module memory), as the kernel's fail_page_alloc
 * and failslab (CONFIG_FAULT_INJECTION) let tests walk every error path of
 * load_module().
 *
 * Departure: kmalloc is posix_memalign with a header that keeps the size;
 * the kernel's slab caches are not modelled, only what callers see:
 * payloads aligned for ____cacheline_aligned structures.
 */
#define _GNU_SOURCE
#define _LGPL_SOURCE
#include "compat.h"

#include <stdlib.h>

/* ---- fail_nth and kmalloc ----------------------------------------------- */

static unsigned long fail_countdown;

void refbench_fail_nth(unsigned long n)
{
	__atomic_store_n(&fail_countdown, n, __ATOMIC_SEQ_CST);
}

bool should_fail_alloc(void)
{
	unsigned long c = __atomic_load_n(&fail_countdown, __ATOMIC_SEQ_CST);

	while (c != 0) {
		if (__atomic_compare_exchange_n(&fail_countdown, &c, c - 1, false,
						__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			return c == 1;
	}
	return false;
}

static size_t kmalloc_in_use;

/* 128 bytes, so the payload is aligned for ____cacheline_aligned types
 * (struct module), as the kernel's kmalloc of such sizes is. */
struct kmalloc_header {
	size_t size;
} __attribute__((aligned(REFBENCH_LINE_MAX)));

void *kmalloc(size_t size)
{
	struct kmalloc_header *h;
	void *p;

	if (should_fail_alloc())
		return NULL;
	if (posix_memalign(&p, REFBENCH_LINE_MAX, sizeof(*h) + size) != 0)
		return NULL;
	h = p;
	h->size = size;
	__atomic_add_fetch(&kmalloc_in_use, size, __ATOMIC_RELAXED);
	return h + 1;
}

void kfree(void *p)
{
	struct kmalloc_header *h;

	if (!p)
		return;
	h = (struct kmalloc_header *)p - 1;
	__atomic_sub_fetch(&kmalloc_in_use, h->size, __ATOMIC_RELAXED);
	free(h);
}

size_t kmalloc_bytes_in_use(void)
{
	return __atomic_load_n(&kmalloc_in_use, __ATOMIC_RELAXED);
}
