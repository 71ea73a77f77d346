#include "range_alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int range_alloc_init(struct range_alloc *ra, size_t capacity)
{
	memset(ra, 0, sizeof(*ra));
	ra->nr_alloc = 16;
	ra->block = calloc(ra->nr_alloc, sizeof(*ra->block));
	if (!ra->block)
		return -1;
	ra->capacity = capacity;
	ra->block[0] = (struct range_block){ .offset = 0, .size = capacity, .used = false };
	ra->nr = 1;
	return 0;
}

void range_alloc_destroy(struct range_alloc *ra)
{
	free(ra->block);
	memset(ra, 0, sizeof(*ra));
}

/* Make room for one more block after index i; table grows by doubling. */
static int insert_after(struct range_alloc *ra, size_t i)
{
	if (ra->nr == ra->nr_alloc) {
		size_t n = ra->nr_alloc * 2;
		struct range_block *b = realloc(ra->block, n * sizeof(*b));
		if (!b)
			return -1;
		ra->block = b;
		ra->nr_alloc = n;
	}
	memmove(&ra->block[i + 2], &ra->block[i + 1], (ra->nr - i - 1) * sizeof(*ra->block));
	ra->nr++;
	return 0;
}

static size_t align_up(size_t v, size_t a)
{
	return (v + a - 1) & ~(a - 1);
}

size_t range_alloc(struct range_alloc *ra, size_t size, size_t align, const char *name)
{
	if (size == 0 || align == 0 || (align & (align - 1)) != 0)
		return (size_t)-1;
	for (size_t i = 0; i < ra->nr; i++) {
		struct range_block *b = &ra->block[i];
		size_t start, pad;

		if (b->used)
			continue;
		start = align_up(b->offset, align);
		pad = start - b->offset;
		if (start < b->offset || pad > b->size || b->size - pad < size)
			continue;
		if (pad) {
			/* Leading fragment stays free: split it off. */
			if (insert_after(ra, i) != 0)
				return (size_t)-1;
			b = &ra->block[i];
			ra->block[i + 1] = (struct range_block){ .offset = start,
				.size = b->size - pad, .used = false };
			b->size = pad;
			i++;
			b = &ra->block[i];
		}
		if (b->size > size) {
			if (insert_after(ra, i) != 0)
				return (size_t)-1;
			b = &ra->block[i];
			ra->block[i + 1] = (struct range_block){ .offset = b->offset + size,
				.size = b->size - size, .used = false };
			b->size = size;
		}
		b->used = true;
		b->name = name;
		ra->in_use += size;
		return b->offset;
	}
	return (size_t)-1;
}

static void remove_block(struct range_alloc *ra, size_t i)
{
	memmove(&ra->block[i], &ra->block[i + 1], (ra->nr - i - 1) * sizeof(*ra->block));
	ra->nr--;
}

size_t range_free(struct range_alloc *ra, size_t offset)
{
	for (size_t i = 0; i < ra->nr; i++) {
		struct range_block *b = &ra->block[i];
		size_t size;

		if (b->offset != offset || !b->used)
			continue;
		size = b->size;
		b->used = false;
		b->name = NULL;
		ra->in_use -= size;
		if (i + 1 < ra->nr && !ra->block[i + 1].used) {
			b->size += ra->block[i + 1].size;
			remove_block(ra, i + 1);
		}
		if (i > 0 && !ra->block[i - 1].used) {
			ra->block[i - 1].size += ra->block[i].size;
			remove_block(ra, i);
		}
		return size;
	}
	return 0;
}

size_t range_alloc_metadata_bytes(const struct range_alloc *ra)
{
	return sizeof(*ra) + ra->nr_alloc * sizeof(*ra->block);
}

size_t range_alloc_largest_free(const struct range_alloc *ra)
{
	size_t best = 0;

	for (size_t i = 0; i < ra->nr; i++)
		if (!ra->block[i].used && ra->block[i].size > best)
			best = ra->block[i].size;
	return best;
}

size_t range_alloc_fragmented_bytes(const struct range_alloc *ra)
{
	return ra->capacity - ra->in_use - range_alloc_largest_free(ra);
}
