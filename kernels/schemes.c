/*
 * schemes.c - the scheme table, generated from schemes.def, and what
 * callers ask of a scheme's self-description.
 */
#include "scheme.h"
#include "compat.h"

#include <stdio.h>
#include <string.h>

#define SCHEME(id) &scheme_##id,
const struct scheme_ops *const refbench_schemes[] = {
#include "schemes.def"
	NULL,
};
#undef SCHEME

int scheme_count(void)
{
	return (int)(sizeof(refbench_schemes) / sizeof(refbench_schemes[0])) - 1;
}

const struct scheme_ops *scheme_find(const char *name)
{
	for (int i = 0; refbench_schemes[i]; i++)
		if (strcmp(refbench_schemes[i]->name, name) == 0)
			return refbench_schemes[i];
	return NULL;
}

int scheme_index(const struct scheme_ops *ops)
{
	for (int i = 0; refbench_schemes[i]; i++)
		if (refbench_schemes[i] == ops)
			return i;
	return -1;
}

const char *scheme_names(void)
{
	static char buf[1024];

	if (!buf[0]) {
		size_t n = 0;
		for (int i = 0; refbench_schemes[i] && n < sizeof(buf); i++)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? ", " : "",
					      refbench_schemes[i]->name);
	}
	return buf;
}

const char *ref_storage_name(enum ref_storage s)
{
	switch (s) {
	case REF_STORAGE_EMBEDDED_ARRAY: return "embedded-nr-cpus-array";
	case REF_STORAGE_PERCPU: return "percpu-unit";
	case REF_STORAGE_SHARED_WORD: return "shared-word";
	case REF_STORAGE_PERCPU_ATOMIC: return "percpu-unit-then-shared-word";
	}
	return "unknown";
}

bool ref_storage_in_percpu_units(enum ref_storage s)
{
	return s == REF_STORAGE_PERCPU || s == REF_STORAGE_PERCPU_ATOMIC;
}

bool scheme_has_waiting_delete(const struct scheme_ops *ops)
{
	return ops->unload_era == 2009 || ops->unload_era == 2018;
}

const char *ref_storage_method(enum ref_storage s)
{
	switch (s) {
	case REF_STORAGE_EMBEDDED_ARRAY:
		return "NR_CPUS x L1_CACHE_BYTES inside each module allocation";
	case REF_STORAGE_PERCPU:
		return "per-CPU allocator bytes in use (all units)";
	case REF_STORAGE_SHARED_WORD:
		return "the shared count's bytes in struct module";
	case REF_STORAGE_PERCPU_ATOMIC:
		return "per-CPU allocator bytes in use (all units), plus the shared count in struct module";
	}
	return "unknown";
}

const char *module_mem_name(enum module_mem_kind k)
{
	return k == MODULE_MEM_VMALLOC ? "vmalloc" : "pool";
}

unsigned long scheme_refcount_walk(const struct scheme_ops *ops)
{
	switch (ops->ref_storage) {
	case REF_STORAGE_EMBEDDED_ARRAY: return NR_CPUS;
	case REF_STORAGE_PERCPU: return nr_cpu_ids;
	case REF_STORAGE_SHARED_WORD: return 1;
	case REF_STORAGE_PERCPU_ATOMIC: return nr_cpu_ids;
	}
	return 1;
}
