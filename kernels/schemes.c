#include "scheme.h"

#include <string.h>

const struct scheme_ops *const refbench_schemes[] = {
	&scheme_nrcpus_array,
	&scheme_vmalloc_array,
	&scheme_percpu,
	&scheme_atomic,
	NULL,
};

const struct scheme_ops *scheme_find(const char *name)
{
	for (int i = 0; refbench_schemes[i]; i++)
		if (strcmp(refbench_schemes[i]->name, name) == 0)
			return refbench_schemes[i];
	return NULL;
}

const char *scheme_names(void)
{
	return "nrcpus-array, vmalloc-array, percpu, atomic";
}
