#define _GNU_SOURCE
#include "lab_setup.h"
#include "compat.h"
#include "numa.h"
#include "percpu_alloc.h"
#include "scheme.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

unsigned int lab_allowed_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return 1;
	return (unsigned int)CPU_COUNT(&set);
}

long lab_rss_bytes(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}

int lab_parse_uint(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!s || !*s || *s == '-')
		return 0;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return 0;
	*out = v;
	return 1;
}

int lab_parse_schemes(const char *val, bool *on, char *err, size_t errlen)
{
	char buf[512], *save = NULL;
	size_t n = strlen(val);

	if (n == 0 || n >= sizeof(buf) || val[0] == ',' || val[n - 1] == ',' || strstr(val, ",,")) {
		snprintf(err, errlen, "--scheme value '%s' not accepted (accepted: a comma list "
			 "of %s)", val, scheme_names());
		return -1;
	}
	for (int i = 0; i < scheme_count(); i++)
		on[i] = false;
	snprintf(buf, sizeof(buf), "%s", val);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		const struct scheme_ops *o = scheme_find(t);
		if (!o) {
			snprintf(err, errlen, "unknown scheme '%s' in --scheme (accepted: %s)", t,
				 scheme_names());
			return -1;
		}
		on[scheme_index(o)] = true;
	}
	return 0;
}

int lab_setup(unsigned int nr_cpus, unsigned int line, unsigned int cpu_ids,
	      unsigned int modules, char *err, size_t errlen)
{
	static int os[CPU_SETSIZE];
	int real = refbench_affinity_cpus(os, CPU_SETSIZE, err, errlen);
	cpu_set_t one;

	if (real < 0 ||
	    refbench_cpus_layout(os, (unsigned int)real, cpu_ids, err, errlen) != 0 ||
	    refbench_configure(nr_cpus, line, cpu_ids, err, errlen) != 0 ||
	    percpu_init(percpu_unit_for(cpu_ids, modules), err, errlen) != 0)
		return -1;
	CPU_ZERO(&one);
	CPU_SET(refbench_cpus[0].os_index, &one);
	if (sched_setaffinity(0, sizeof(one), &one) != 0) {
		snprintf(err, errlen, "pinning to CPU %d: %s", refbench_cpus[0].os_index, strerror(errno));
		return -1;
	}
	return cpu_register(0, err, errlen);
}
