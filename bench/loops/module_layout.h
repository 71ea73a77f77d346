/*
 * module_layout.h - where struct module lies in each module's memory.
 *
 * In the kernel, struct module is the module's .gnu.linkonce.this_module
 * section, laid out by load_module()/layout_sections() after the module's
 * text, read-only data (with kallsyms' symbol and string tables) and the
 * data sections before it; module_alloc() (vmalloc, 4 KiB pages) returns a
 * page-aligned core.  So struct module's offset in its page differs from
 * module to module.  The lab draws each module's layout from real modules:
 * kernels/data/module-layout-debian12-amd64.csv (4023 modules of Debian 12's
 * linux-image-6.1.0-57-amd64, laid out by the 2.6.29 rules with
 * scripts/module_layout.py), built into the binary, or a file of the same
 * form given with --module-layout.  The draw is reproducible from a seed.
 *
 * Two settings of their own, for every scheme:
 *   pages   4k: vmalloc-like module memory (module_mem.h); 2m: the
 *           directly mapped, huge-page pool; scheme: what the scheme's
 *           design says (SCHEME_MODULE_MEM).
 *   offset  kernel: struct module after the drawn text and data, aligned
 *           to the cache line (the kernel: the section's alignment);
 *           page-aligned: struct module at the start of a 4 KiB page, the
 *           core otherwise the same size; packed: struct module at the
 *           start of a core that holds nothing else, cores back to back
 *           (the lab's layout before this file; with 4 KiB pages every
 *           core is page-aligned, so packed is page-aligned there).
 */
#ifndef REFBENCH_MODULE_LAYOUT_H
#define REFBENCH_MODULE_LAYOUT_H

#include "module_core.h"

#include <stddef.h>

enum layout_pages { LAYOUT_PAGES_SCHEME, LAYOUT_PAGES_4K, LAYOUT_PAGES_2M };
enum layout_offset { LAYOUT_OFFSET_KERNEL, LAYOUT_OFFSET_PAGE_ALIGNED, LAYOUT_OFFSET_PACKED };

struct module_layout_row {
	unsigned int core_size;        /* the module's whole core */
	unsigned int this_module_offset;
	unsigned int this_module_size;
};

/**
 * module_layout_load() - read the module layout table.
 * @path: a CSV file of scripts/module_layout.py's form, or NULL for the
 *        table built into the binary.
 * Return: 0, or -1 with a one-line reason naming the file and line in @err.
 * Not thread-safe: call before any benchmark runs.
 */
int module_layout_load(const char *path, char *err, size_t errlen);
/* Rows of the loaded table, and where it came from. */
unsigned int module_layout_rows(void);
const char *module_layout_source(void);
/* The seed of the draw (default 1). */
void module_layout_set_seed(unsigned long seed);
unsigned long module_layout_seed(void);

/**
 * module_layout_params() - the layout of module number @idx of a run.
 * Fills @p->core_before, @p->core_extra, @p->core_align and @p->packed for the offset
 * mode and the cache-line size @line; the same (@idx, seed) gives the same
 * module in every run and every scheme.
 */
void module_layout_params(unsigned int idx, enum layout_offset mode, unsigned int line,
			  struct load_params *p);

/* "4k", "2m", "scheme" / "kernel", "page-aligned", "packed"; and back (-1: unknown). */
const char *layout_pages_name(enum layout_pages p);
const char *layout_offset_name(enum layout_offset o);
int layout_pages_parse(const char *s);
int layout_offset_parse(const char *s);

#endif
