/*
 * range_alloc.h - first-fit allocation of offsets in [0, capacity), with
 * alignment, splitting and merging of neighbouring free blocks.
 *
 * The same shape as the allocator behind percpu_modalloc() in Linux
 * 2.6.29 (kernel/module.c: an array of block sizes, free blocks positive,
 * used blocks negative, first fit, split_block(), merge on free).  It
 * keeps its own books: bytes in use (what callers asked for), free bytes
 * stranded outside the largest free block (alignment gaps, holes left by
 * frees), and the metadata it needs, so that the lab can
 * report the allocator's overhead separately from what it hands out.
 */
#ifndef REFBENCH_RANGE_ALLOC_H
#define REFBENCH_RANGE_ALLOC_H

#include <stdbool.h>
#include <stddef.h>

struct range_block {
	size_t offset;
	size_t size;
	bool used;
	const char *name;      /* owner, for diagnostics (not copied) */
};

struct range_alloc {
	size_t capacity;
	struct range_block *block;
	size_t nr, nr_alloc;   /* blocks used / allocated in the table */
	size_t in_use;         /* sum of used block sizes */
};

int range_alloc_init(struct range_alloc *ra, size_t capacity);
void range_alloc_destroy(struct range_alloc *ra);
/* Offset of a new block, or (size_t)-1 when it does not fit (ENOMEM).
 * align must be a power of two. */
size_t range_alloc(struct range_alloc *ra, size_t size, size_t align, const char *name);
/* Free the block at offset; returns its size, 0 if no used block is there. */
size_t range_free(struct range_alloc *ra, size_t offset);
/* Bytes of table memory the allocator holds. */
size_t range_alloc_metadata_bytes(const struct range_alloc *ra);
size_t range_alloc_largest_free(const struct range_alloc *ra);
size_t range_alloc_fragmented_bytes(const struct range_alloc *ra);

#endif
