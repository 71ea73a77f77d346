/*
 * loop_register.c - what the measured loops share to register their
 * benchmarks (loop_register.h).
 */
#include "loop_register.h"
#include "errmsg.h"

#include <stdio.h>
#include <stdlib.h>

rb_bench *loop_add(const struct loop_settings *s, const char *name, rb_fn fn, void *arg,
		   const int *threads, int nr)
{
	rb_bench *b = rb_register(name, fn, arg);

	rb_bench_use_manual_time(b);
	if (s->run->iterations)
		rb_bench_iterations(b, s->run->iterations);
	for (int i = 0; i < nr; i++)
		rb_bench_threads(b, threads[i]);
	return b;
}

void loop_add_baseline(const struct loop_settings *s, const struct loop_desc *d, rb_fn fn)
{
	char name[256];

	snprintf(name, sizeof(name), "%s/%s", d->beside, d->name);
	loop_add(s, name, fn, NULL, s->run->threads, s->run->nr_threads);
}

void *loop_alloc(size_t size)
{
	void *p = malloc(size);

	if (!p)
		die("out of memory registering benchmarks");
	return p;
}

unsigned int loop_pages_for(const struct scheme_ops *o, enum layout_pages pages)
{
	if (pages == LAYOUT_PAGES_SCHEME)
		return o->mem_kind == MODULE_MEM_VMALLOC ? 4096u : 2u << 20;
	return pages == LAYOUT_PAGES_4K ? 4096u : 2u << 20;
}

const char *loop_layout_suffix(unsigned int pages, enum layout_offset offset)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), "pages:%s/offset:%s", pages == 4096u ? "4k" : "2m",
		 layout_offset_name(offset));
	return buf;
}

const char *loop_scheme_suffix(const struct scheme_loops *t, unsigned int pages,
			       enum layout_offset offset)
{
	static char buf[96];

	snprintf(buf, sizeof(buf), "%s/codegen:%s", loop_layout_suffix(pages, offset), t->codegen);
	return buf;
}

struct scenario_args *loop_scenario_args(unsigned int nr_cpus, unsigned int modules, bool zipf,
					 unsigned int pages, enum layout_offset offset)
{
	struct scenario_args *a = loop_alloc(sizeof(*a));

	a->nr_cpus = nr_cpus;
	a->modules = modules;
	a->zipf = zipf;
	a->module_pages = pages;
	a->offset = offset;
	a->hold_us = 0;
	return a;
}
